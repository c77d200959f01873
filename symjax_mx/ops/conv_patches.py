"""Convolutions with far fewer output positions than kernel taps (a 224x224 kernel over a
224x224 image: one position), as one dot product per output position.

XLA's CPU backend computes the gradient of such a convolution with respect to its data as
a transposed convolution over an input padded by the kernel size: for the 224x224 case
about 50000 times the forward's work, minutes per call. Here the gradient of each dot
product is a dot product too, so forward and gradients cost about the same.
"""
import itertools
import math

import jax.numpy as jnp
from jax import lax

_TAPS_PER_POSITION = 16  # kernel taps per output position beyond which dots are cheaper


def has_few_outputs(kernel, out_sizes, num_group):
    """Whether a convolution is cheaper as one dot product per output position."""
    return num_group == 1 and math.prod(out_sizes) * _TAPS_PER_POSITION <= math.prod(kernel)


def conv_by_positions(data, weight, layout, window, out_sizes, precision):
    """The convolution of ``data`` (layout e.g. NCHW or NHWC) with ``weight`` (laid out
    like the data, O for N and I for C): per output position, the strided (dilated)
    window of the padded data contracted with the weight over every axis but N and O."""
    spatial = [i for i, c in enumerate(layout) if c not in "NC"]
    pads = [(0, 0)] * data.ndim
    for axis, p in zip(spatial, window["pad"]):
        pads[axis] = (p, p)
    data = jnp.pad(data, pads)
    kernel = [weight.shape[axis] for axis in spatial]
    axes = list(range(1, data.ndim))
    results = []
    for position in itertools.product(*(range(n) for n in out_sizes)):
        starts, limits, strides = [0] * data.ndim, list(data.shape), [1] * data.ndim
        for axis, o, s, d, k in zip(spatial, position, window["stride"], window["dilate"],
                                    kernel):
            starts[axis] = o * s
            limits[axis] = o * s + (k - 1) * d + 1
            strides[axis] = d
        patch = lax.slice(data, starts, limits, strides)
        results.append(jnp.tensordot(patch, weight, (axes, axes), precision=precision))
    out = jnp.stack(results, axis=-1 if layout[1] == "C" else 1)  # (N, O, P) or (N, P, O)
    if layout[1] == "C":
        return out.reshape(out.shape[:2] + tuple(out_sizes))
    return out.reshape((out.shape[0],) + tuple(out_sizes) + (out.shape[-1],))

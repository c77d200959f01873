"""Convolutions that XLA's CPU kernels run slowly, as dot products over windows.

- Far fewer output positions than kernel taps (a 224x224 kernel over a 224x224 image: one
  position): one dot product per output position. XLA's CPU backend computes the gradient
  of such a convolution with respect to its data as a transposed convolution over an input
  padded by the kernel size: for the 224x224 case about 50000 times the forward's work,
  minutes per call. Here the gradient of each dot product is a dot product too, so forward
  and gradients cost about the same.
- Data or output smaller than the kernel along an axis (ResNet-18's last stage on 64x64
  images: 3x3 kernels over 2x2 maps, and the 2x2 output of its strided first convolution):
  XLA's CPU backend runs those, or their gradients, in a loop 20-100x slower than its
  library kernels (explicit padding does not help on this jaxlib). Here the kernel-sized
  windows of the padded data are laid side by side along the channel axis (im2col: small,
  the maps being small) and multiplied by the weight as one matrix; the gradients are dot
  products and padded additions. ResNet-18's 2x2-map convolution trained (forward and both
  gradients) in 6 ms instead of 560 ms (``bench/conv_small_maps.py``).
- Grouped convolutions (ResNeXt's 32 groups): XLA's CPU backend computes the gradient
  with respect to the weight (a convolution with ``batch_group_count``) 100-600x slower
  than as one batched dot product per kernel tap (the batch being the groups) between the
  tap's strided window of the padded data and the output gradient, which is how it is
  computed here: 1.6-2.5 s instead of 14 ms for 128 channels in 32 groups over a batch of
  8 16x16 maps (``bench/conv_grouped.py``); ResNeXt-50's training step on 64x64 images
  went from 12 s to 0.55 s. The forward and the data gradient stay XLA's grouped
  convolutions.
Values are those of ``lax.conv_general_dilated`` up to summation order.
"""
import functools
import itertools
import math

import jax
import jax.numpy as jnp
from jax import lax

__all__ = ["convolve", "has_few_outputs", "conv_by_positions", "conv_by_windows",
           "tap_windows", "spatial_axes", "per_axis"]

_TAPS_PER_POSITION = 16  # kernel taps per output position beyond which dots are cheaper


def has_few_outputs(kernel, out_sizes, num_group):
    """Whether a convolution is cheaper as one dot product per output position."""
    return num_group == 1 and math.prod(out_sizes) * _TAPS_PER_POSITION <= math.prod(kernel)


def conv_by_positions(data, weight, layout, window, out_sizes, precision):
    """The convolution of ``data`` (layout e.g. NCHW or NHWC) with ``weight`` (laid out
    like the data, O for N and I for C): per output position, the strided (dilated)
    window of the padded data contracted with the weight over every axis but N and O."""
    spatial = spatial_axes(layout)
    data = jnp.pad(data, per_axis(layout, [(p, p) for p in window["pad"]], (0, 0)))
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


def convolve(data, weight, strides, pads, dilation, groups, layout, precision):
    """``lax.conv_general_dilated(data, weight, strides, pads, rhs_dilation=dilation,
    feature_group_count=groups)`` with ``layout`` the data layout (weight: 'N' -> 'O',
    'C' -> 'I'). An ungrouped, undilated convolution whose data or output is smaller than
    its kernel along some axis is computed over windows (``conv_by_windows``)."""
    spatial = spatial_axes(layout)
    kernel = [weight.shape[a] for a in spatial]
    sizes = [data.shape[a] for a in spatial]
    outs = [(x + lo + hi - k) // s + 1 for x, (lo, hi), k, s in zip(sizes, pads, kernel, strides)]
    if groups != 1:
        return _grouped(data, weight, tuple(strides), tuple(tuple(p) for p in pads),
                        tuple(dilation), groups, layout, precision)
    if any(d != 1 for d in dilation) or all(
            min(x, n) >= k for x, n, k in zip(sizes, outs, kernel)):
        return _xla_convolution(data, weight, strides, pads, dilation, groups, layout,
                                precision)
    return conv_by_windows(data, weight, layout, strides, pads, precision)


def _xla_convolution(data, weight, strides, pads, dilation, groups, layout, precision):
    return lax.conv_general_dilated(
        data, weight, strides, pads, rhs_dilation=dilation, feature_group_count=groups,
        dimension_numbers=(layout, layout.replace("N", "O").replace("C", "I"), layout),
        precision=precision)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5, 6, 7))
def _grouped(data, weight, strides, pads, dilation, groups, layout, precision):
    """A grouped convolution whose weight gradient is a dot product per kernel tap."""
    return _xla_convolution(data, weight, strides, pads, dilation, groups, layout, precision)


def _grouped_forward(data, weight, strides, pads, dilation, groups, layout, precision):
    out = _xla_convolution(data, weight, strides, pads, dilation, groups, layout, precision)
    return out, (data, weight)


def _grouped_backward(strides, pads, dilation, groups, layout, precision, saved, out_grad):
    data, weight = saved
    _, data_vjp = jax.vjp(lambda d: _xla_convolution(d, weight, strides, pads, dilation,
                                                     groups, layout, precision), data)
    return data_vjp(out_grad)[0], _grouped_weight_grad(
        data, weight.shape, out_grad, strides, pads, dilation, groups, layout, precision)


_grouped.defvjp(_grouped_forward, _grouped_backward)


def _grouped_weight_grad(data, weight_shape, out_grad, strides, pads, dilation, groups,
                         layout, precision):
    """d(loss)/d(weight) of a grouped convolution (weight laid out like the data, O for N
    and I for C): per kernel tap, the tap's window of the padded data against the output
    gradient, a dot product batched over the groups."""
    channel = layout.index("C")
    spatial = spatial_axes(layout)
    kernel = [weight_shape[axis] for axis in spatial]
    out_sizes = [out_grad.shape[axis] for axis in spatial]
    data = jnp.pad(data, per_axis(layout, list(pads), (0, 0)))

    def by_group(array):  # (N, G, channels per group, positions)
        array = jnp.moveaxis(array, channel, 1)
        return array.reshape(array.shape[0], groups, array.shape[1] // groups, -1)

    grads = by_group(out_grad)
    taps = [jnp.einsum("ngcp,ngop->goc", by_group(window), grads, precision=precision)
            for _, window in tap_windows(data, layout, kernel, out_sizes, strides, dilation)]
    grad = jnp.stack(taps, axis=-1)  # (G, O / G, I, taps)
    grad = grad.reshape((weight_shape[0], grad.shape[2]) + tuple(kernel))  # O, I, kernel
    return jnp.moveaxis(grad, 1, channel).astype(out_grad.dtype)


def conv_by_windows(data, weight, layout, strides, pads, precision):
    """The convolution of ``data`` with ``weight`` (laid out like the data, O for N and I
    for C) as one dot product: the strided kernel-sized windows of the padded data side by
    side along the channel axis (tap-major), against the weight as an (O, taps * I)
    matrix."""
    channel = layout.index("C")
    spatial = spatial_axes(layout)
    data = jnp.pad(data, per_axis(layout, [tuple(pad) for pad in pads], (0, 0)))
    kernel = [weight.shape[axis] for axis in spatial]
    outs = [(data.shape[axis] - k) // s + 1 for axis, k, s in zip(spatial, kernel, strides)]
    windows = [part for _, part in tap_windows(data, layout, kernel, outs, strides,
                                               (1,) * len(kernel))]
    columns = jnp.concatenate(windows, axis=channel)
    matrix = jnp.moveaxis(weight, channel, -1).reshape(weight.shape[0], -1)
    out = lax.dot_general(columns, matrix, (((channel,), (1,)), ((), ())),
                          precision=precision)
    return jnp.moveaxis(out, -1, channel)


def tap_windows(data, layout, kernel, out_sizes, strides, dilation):
    """(tap, window) for each kernel tap in row-major order: the strided slice of ``data``
    (padded already) that the tap meets at every output position."""
    for tap in itertools.product(*(range(k) for k in kernel)):
        starts = [t * d for t, d in zip(tap, dilation)]
        limits = [b + (n - 1) * s + 1 for b, n, s in zip(starts, out_sizes, strides)]
        yield tap, lax.slice(data, per_axis(layout, starts, 0),
                             [d if c in "NC" else v for c, d, v in
                              zip(layout, data.shape, per_axis(layout, limits, 0))],
                             per_axis(layout, strides, 1))


def spatial_axes(layout):
    """Positions of the spatial axes of a data layout ('N', 'C' and the rest)."""
    return [i for i, c in enumerate(layout) if c not in "NC"]


def per_axis(layout, spatial_values, other):
    """One value per axis of ``layout``: the spatial values in order, ``other`` elsewhere."""
    spatial = iter(spatial_values)
    return [other if c in "NC" else next(spatial) for c in layout]

"""A depthwise convolution's zero padding moved before the 1x1 convolution that feeds it,
for channels-last inference programs.

A depthwise convolution (one group per channel: the per-tap multiply-adds of
``ops.conv``) pads its input with zeros. Where that input is a 1x1 convolution followed by
operators that compute each position on its own (its BatchNorm, ReLU or ReLU6's clip: the
inverted residual blocks of MobileNet-v2, the separable blocks of MobileNet), XLA's CPU
backend writes the padded activation in a pass of its own, which the multiply-adds then
read again. Here the 1x1 convolution's input is padded instead (MobileNet-v2 expands its
channels 6x, so that copy is the smaller one), the convolution and the per-position
operators compute the border positions too, and the border is set to zero before the
multiply-adds, which then run unpadded: the same values (each border position is
replaced by the zero the padding puts there), and XLA fuses the per-position operators
and the zeroing into the multiply-adds, so that no padded activation is written.

The 1x1 convolution's extra border positions cost work of their own, so only maps that
the padding grows by at most :data:`GROWTH` take this (pad 1 around maps of 41x41 and
more). Measured on 2 shared cores (2026-12-07, ``python bench/mobilenet_pieces.py blocks``:
MobileNet-v2's inverted residual blocks at batch 2, the border zeroed against the padded
activation): 112x112 maps, stride 2: 0.5-0.6x the time; 56x56, stride 2: 0.85-0.88x;
stride 1: 0.97-0.99x; 28x28 and smaller maps 0.98-1.09x. MobileNet-v2 and MobileNet-1.0
inference (``bench/zoo_ab.py``, CPU time) took 0.94-0.96x the time at batch 2, 0.87-0.91x
at batch 32.
"""
import math
from typing import NamedTuple

import jax.numpy as jnp
from jax import lax

from ..ops.conv import is_depthwise, is_pointwise

__all__ = ["GROWTH", "Chain", "chains", "grows_little", "padded", "border_zeroed"]

GROWTH = 1.1  # at most this many times the positions of the unpadded map


class Chain(NamedTuple):
    """A 1x1 Convolution node whose output reaches the depthwise Convolution node ``depthwise``
    through per-position nodes only, and that depthwise convolution's spatial ``pad``."""
    pointwise: object
    depthwise: object
    pad: tuple


def chains(nodes, heads, is_channels_last_conv, per_position):
    """{id(node): Chain} for the 1x1 convolution and the depthwise convolution of each
    Chain of a graph: 2-D convolutions that ``is_channels_last_conv`` accepts, the 1x1 one
    unstrided and unpadded, the depthwise one padded, and each node from the 1x1
    convolution up to the depthwise one read only by the next (none of them a head), every
    node between them one that ``per_position`` accepts."""
    readers = {}
    for node in nodes:
        for source, index in node.inputs:
            readers.setdefault(id(source), []).append((node, index))
    outputs = {id(source) for source, _ in heads}
    found = {}
    for node in nodes:
        if not (node.op is not None and is_channels_last_conv(node)
                and is_pointwise(node.params) and max(node.params["stride"] or (1,)) == 1):
            continue
        current = node
        while id(current) not in outputs and len(readers.get(id(current), ())) == 1:
            reader, index = readers[id(current)][0]
            if index != 0 or reader.inputs[0][0] is not current:
                break
            if reader.op is not None and reader.op.name == "Convolution":
                params = reader.params
                if (is_channels_last_conv(reader) and max(params["pad"] or (0,)) > 0
                        and is_depthwise(params, node.params["num_filter"])):
                    found[id(node)] = found[id(reader)] = Chain(node, reader, params["pad"])
                break
            if reader.op is None or not per_position(reader):
                break
            current = reader
    return found


def grows_little(data, pad):
    """Whether padding the spatial axes of NHWC ``data`` by ``pad`` grows the map by at
    most :data:`GROWTH` times."""
    sizes = data.shape[1:3]
    return math.prod(n + 2 * p for n, p in zip(sizes, pad)) <= GROWTH * math.prod(sizes)


def padded(data, pad):
    """NHWC ``data`` with ``pad`` zeros on both sides of each spatial axis."""
    return jnp.pad(data, [(0, 0)] + [(p, p) for p in pad] + [(0, 0)])


def border_zeroed(data, pad):
    """NHWC ``data`` with its outer ``pad`` positions along each spatial axis set to zero."""
    inside = None
    for axis, p in zip((1, 2), pad):
        index = lax.broadcasted_iota(jnp.int32, (1,) + data.shape[1:3] + (1,), axis)
        keep = (index >= p) & (index < data.shape[axis] - p)
        inside = keep if inside is None else inside & keep
    return jnp.where(inside, data, jnp.zeros((), data.dtype))

"""Max pooling over non-overlapping windows (stride == kernel) with MXNet's gradient: each
window's gradient goes to its first maximum in row-major order.

The forward is a maximum of strided slices, one spatial axis at a time (not a reduction:
XLA's CPU backend fused a reduction into one library call with the convolutions around
it, VGG 15% slower). For small windows (LeNet's and VGG's 2x2) the gradient compares each
kernel tap's strided slice with the output, keeps the first tap that hits (a running
"taken" mask, no reduction) and interleaves the per-tap gradients back into the input's
shape with one stack, reshape and transpose, which XLA fuses into one loop: LeNet's
training step's pool gradients ran 1.3-1.8x faster than the reduction over reshaped
tiles that larger windows (global pooling) still use (bench/conv_train.py).
"""
import functools
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .conv_patches import spatial_axes

__all__ = ["tile_max", "tiles"]

_PER_TAP_LIMIT = 16  # windows of up to this many taps get the per-tap gradient


def tiles(x, layout, kernel):
    """x reshaped so each window gets its own axes (non-overlapping windows), and those axes."""
    shape, axes, spatial = [], [], iter(kernel)
    for size, c in zip(x.shape, layout):
        if c in "NC":
            shape.append(size)
        else:
            k = next(spatial)
            shape += [size // k, k]
            axes.append(len(shape) - 1)
    return x.reshape(shape), tuple(axes)


def tile_max(x, layout, kernel):
    """Max of ``x`` (layout e.g. 'NCHW' or 'NHWC') over windows of ``kernel`` (one size per
    spatial axis) that tile it exactly; the gradient goes to each window's first maximum."""
    axes = spatial_axes(layout)
    kernel = tuple(kernel)

    @jax.custom_vjp
    def pooled(x):
        for axis, k in zip(axes, kernel):
            count = x.shape[axis] // k
            x = functools.reduce(jnp.maximum, [
                lax.slice_in_dim(x, start, start + (count - 1) * k + 1, k, axis)
                for start in range(k)])
        return x

    def forward(x):
        out = pooled(x)
        return out, (x, out)

    def backward(residuals, grad):
        x, out = residuals
        if math.prod(kernel) <= _PER_TAP_LIMIT:
            return (_per_tap_grad(x, out, grad, axes, kernel),)
        tiled, tile_axes = tiles(x, layout, kernel)
        size = math.prod(kernel)
        order = np.arange(size, dtype=np.int32).reshape(
            [tiled.shape[a] if a in tile_axes else 1 for a in range(tiled.ndim)])
        hits = jnp.where(tiled == jnp.expand_dims(out, tile_axes), order, size)
        first = (hits == hits.min(axis=tile_axes, keepdims=True)) & (hits < size)
        return (jnp.where(first, jnp.expand_dims(grad, tile_axes), 0).astype(x.dtype)
                .reshape(x.shape),)

    pooled.defvjp(forward, backward)
    return pooled(x)


def _per_tap_grad(x, out, grad, axes, kernel):
    """The first-maximum gradient built per kernel tap (row-major order) and interleaved."""
    zero = jnp.zeros((), grad.dtype)
    parts, taken = [], None
    for tap in itertools.product(*(range(k) for k in kernel)):
        starts, limits, strides = [0] * x.ndim, list(x.shape), [1] * x.ndim
        for axis, offset, k in zip(axes, tap, kernel):
            starts[axis], limits[axis], strides[axis] = offset, offset + x.shape[axis] - k + 1, k
        hit = lax.slice(x, starts, limits, strides) == out
        if taken is not None:
            hit = hit & ~taken
        taken = hit if taken is None else taken | hit
        parts.append(jnp.where(hit, grad, zero))
    # (..., output axes ..., taps) -> each kernel axis right after its output axis
    stacked = jnp.stack(parts, -1).reshape(out.shape + kernel)
    order = []
    for i in range(out.ndim):
        order.append(i)
        if i in axes:
            order.append(out.ndim + axes.index(i))
    return stacked.transpose(order).reshape(x.shape).astype(x.dtype)

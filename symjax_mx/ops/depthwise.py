"""Depthwise convolutions (one group per input channel: MobileNet) as a multiply-add per
kernel tap over strided slices of the padded input, with hand-written gradients.

The forward is what XLA's CPU backend fuses into one loop: 30-100x faster forward and
3-10x faster gradients than ``feature_group_count`` (bench/depthwise.py). JAX's own
gradient of it is one padded copy per tap for the data (the transpose of each slice),
added up, and one product per tap for the weight, each summed by its own reduction; in
the forward each tap's slice became a kernel of its own too, being read twice (by the
multiply-add and by the weight's gradient): about 30 kernels per depthwise layer, and
XLA's CPU compiler spends 10-20 ms on each kernel whatever its size. Here the gradient
with respect to the data is the same multiply-add over taps (the kernel reversed), of
the output gradient spread out by the stride (zeros between its rows and columns) and
padded by the kernel: one kernel. The gradient with respect to the weight gathers every
tap's window of the saved padded input into one array (one kernel), which the output
gradient multiplies and one reduction sums. MobileNet-0.25's training step (64x64, batch
8) compiled 726 kernels instead of 1037, in 7.8 s instead of 11.2 s, MobileNet-v2-0.25's
in 15.0 s instead of 18.4 s; at 224x224 in 17.1 s instead of 30.5 s and 33.7 s instead
of 46.9 s (``python bench/compile_time_conv.py``, medians of 2-3 rounds on 2 shared
cores, 2026-12-06). Steps ran faster too: 25.3 ms instead of 29.0 and 31.4 instead of
32.8 at 64x64 (interleaved in one process), 500 ms instead of 593 and 574 instead of
620 at 224x224. The sums are those of the per-tap formulation's gradients in another
order: float32 results may differ in their last bits.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from .conv_patches import per_axis, spatial_axes, tap_windows

__all__ = ["depthwise"]


def depthwise(data, weight, layout, window, out_sizes):
    """A convolution with one group per input channel (output channel o reads input
    channel o // multiplier) of ``data`` in ``layout`` with ``weight`` laid out like it
    ((O, 1, *kernel) for NC.., (O, *kernel, 1) for N..C)."""
    channel = layout.index("C")
    multiplier = weight.shape[0] // data.shape[channel]
    if multiplier > 1:
        data = jnp.repeat(data, multiplier, axis=channel)
    data = jnp.pad(data, per_axis(layout, [(p, p) for p in window["pad"]], (0, 0)))
    taps = weight.reshape(weight.shape[0], -1)  # (O, kernel taps in row-major order)
    return _taps_conv(layout, tuple(out_sizes), tuple(window["stride"]),
                      tuple(window["dilate"]), _kernel(weight, channel), data, taps)


def _kernel(weight, channel):
    return weight.shape[2:] if channel == 1 else weight.shape[1:-1]


def _multiply_add(data, taps, layout, kernel, out_sizes, strides, dilation):
    """Sum over taps of each tap's strided window of ``data`` times its per-channel weight
    (a column of ``taps``, (channels, kernel taps))."""
    shape = [1] * data.ndim
    shape[layout.index("C")] = taps.shape[0]
    out = None
    for i, (_, part) in enumerate(tap_windows(data, layout, kernel, out_sizes, strides,
                                              dilation)):
        part = part * taps[:, i].reshape(shape)
        out = part if out is None else out + part
    return out


@functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2, 3, 4))
def _taps_conv(layout, out_sizes, strides, dilation, kernel, data, taps):
    return _multiply_add(data, taps, layout, kernel, out_sizes, strides, dilation)


def _taps_conv_forward(layout, out_sizes, strides, dilation, kernel, data, taps):
    out = _taps_conv(layout, out_sizes, strides, dilation, kernel, data, taps)
    return out, (data, taps)


def _taps_conv_backward(layout, out_sizes, strides, dilation, kernel, residuals, grad):
    data, taps = residuals
    return (_data_gradient(grad, taps, layout, kernel, out_sizes, strides, dilation,
                           data.shape).astype(data.dtype),
            _taps_gradient(grad, data, layout, kernel, out_sizes, strides,
                           dilation).reshape(taps.shape).astype(taps.dtype))


def _data_gradient(grad, taps, layout, kernel, out_sizes, strides, dilation, shape):
    """The gradient with respect to the padded data (of ``shape``). Tap t's window starts
    at t * d and steps by the stride: the gradient spread out by the stride and padded by
    (k - 1) * d in front, read from (k - 1 - t) * d, puts g[o] at o * s + t * d, times
    the tap's weight; the taps in reverse order are the kernel reversed."""
    sizes = [shape[a] for a in spatial_axes(layout)]
    spread = lax.pad(grad, jnp.zeros((), grad.dtype), per_axis(
        layout, [((k - 1) * d, size - (n - 1) * s - 1, s - 1) for k, d, s, n, size in
                 zip(kernel, dilation, strides, out_sizes, sizes)], (0, 0, 0)))
    return _multiply_add(spread, taps[:, ::-1], layout, kernel, sizes, (1,) * len(kernel),
                         dilation)


def _taps_gradient(grad, data, layout, kernel, out_sizes, strides, dilation):
    """The gradient with respect to the taps, (channels, taps): per tap, its window's
    products with the gradient summed over every axis but the channel. The windows are
    gathered into one array (the data's axes, each spatial one replaced by (tap, output
    position)), so that one kernel multiplies and one reduction sums."""
    first, count = spatial_axes(layout)[0], len(kernel)
    windows = data[(slice(None),) * first + tuple(
        (np.arange(k)[:, None] * d + np.arange(n)[None, :] * s).reshape(
            [k if j == i else 1 for j in range(count)] + [n if j == i else 1
                                                          for j in range(count)])
        for i, (k, d, n, s) in enumerate(zip(kernel, dilation, out_sizes, strides)))]
    grad = grad.reshape(grad.shape[:first] + (1,) * count + grad.shape[first:])
    channel = layout.index("C")
    if channel > first:  # channels last: after the tap and output-position axes
        channel += count
    kept = (channel,) + tuple(range(first, first + count))
    total = (windows * grad).sum(tuple(a for a in range(windows.ndim) if a not in kept))
    return total if channel < first else total.reshape(-1, total.shape[-1]).T


_taps_conv.defvjp(_taps_conv_forward, _taps_conv_backward)

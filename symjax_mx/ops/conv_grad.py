"""A convolution whose forward and gradient convolutions run on XLA's fast CPU kernels.

XLA's CPU backend hands a convolution to its library kernel only when every spatial
extent of the (unpadded) input is at least the kernel's; otherwise it runs a loop 20-100x
slower. Two common cases miss: a padded convolution over maps smaller than its kernel
(ResNet's last stage on 64x64 images: 3x3 kernels, padding 1, 2x2 maps), and the input
gradient of a strided convolution whose output is smaller than its kernel (that gradient
convolves the output gradient). For those, the input is padded explicitly (``lax.pad``;
with interior padding for the strides of the input gradient) and every convolution XLA
sees is an unpadded one over an input at least as large as its kernel. Values are those
of ``lax.conv_general_dilated`` up to summation order.
"""
import functools

import jax
from jax import lax

__all__ = ["convolve"]


def convolve(data, weight, strides, pads, dilation, groups, layout, precision):
    """``lax.conv_general_dilated(data, weight, strides, pads, rhs_dilation=dilation,
    feature_group_count=groups)`` with ``layout`` the data layout (weight: 'N' -> 'O',
    'C' -> 'I'). An ungrouped, undilated convolution whose data or output is smaller than
    its kernel along some axis (where XLA's CPU kernels fall back to a slow loop) takes
    the explicit-padding path; elsewhere XLA's own padding is faster."""
    kernel_layout = layout.replace("N", "O").replace("C", "I")
    kernel = [weight.shape[a] for a in _spatial_axes(kernel_layout)]
    sizes = [data.shape[a] for a in _spatial_axes(layout)]
    outs = [(x + lo + hi - k) // s + 1 for x, (lo, hi), k, s in zip(sizes, pads, kernel, strides)]
    if groups != 1 or any(d != 1 for d in dilation) or all(
            min(x, n) >= k for x, n, k in zip(sizes, outs, kernel)):
        return lax.conv_general_dilated(
            data, weight, strides, pads, rhs_dilation=dilation, feature_group_count=groups,
            dimension_numbers=(layout, kernel_layout, layout), precision=precision)
    return _unpadded(data, weight, tuple(strides), tuple(tuple(p) for p in pads), layout,
                     precision)


@functools.partial(jax.custom_vjp, nondiff_argnums=(2, 3, 4, 5))
def _unpadded(data, weight, strides, pads, layout, precision):
    return _valid(_pad(data, pads, layout), weight, strides, layout, precision)


def _unpadded_fwd(data, weight, strides, pads, layout, precision):
    padded = _pad(data, pads, layout)
    return _valid(padded, weight, strides, layout, precision), (padded, weight)


def _unpadded_bwd(strides, pads, layout, precision, residuals, grad):
    padded, weight = residuals
    _, weight_vjp = jax.vjp(lambda w: _valid(padded, w, strides, layout, precision), weight)
    (weight_grad,) = weight_vjp(grad)
    return _data_grad(grad, weight, padded.shape, strides, pads, layout, precision), weight_grad


_unpadded.defvjp(_unpadded_fwd, _unpadded_bwd)


def _spatial_axes(layout):
    """Positions of the spatial axes of a data ('N', 'C') or kernel ('O', 'I') layout."""
    return [i for i, c in enumerate(layout) if c not in "NCOI"]


def _pad(x, pads, layout, interior=None):
    config = [(0, 0, 0)] * x.ndim
    for n, axis in enumerate(_spatial_axes(layout)):
        config[axis] = (pads[n][0], pads[n][1], 0 if interior is None else interior[n])
    return lax.pad(x, lax.full((), 0, x.dtype), config)


def _valid(data, weight, strides, layout, precision):
    kernel_layout = layout.replace("N", "O").replace("C", "I")
    return lax.conv_general_dilated(data, weight, strides, [(0, 0)] * len(strides),
                                    dimension_numbers=(layout, kernel_layout, layout),
                                    precision=precision)


def _data_grad(grad, weight, padded_shape, strides, pads, layout, precision):
    """The gradient of the unpadded input: the output gradient spread out by the strides,
    padded by kernel - 1, convolved with the flipped kernel (input and output channels
    swapped), then cropped by the forward's padding."""
    kernel_layout = layout.replace("N", "O").replace("C", "I")
    kernel_axes = _spatial_axes(kernel_layout)
    spread = []
    for n, axis in enumerate(_spatial_axes(layout)):
        k = weight.shape[kernel_axes[n]]
        covered = (grad.shape[axis] - 1) * strides[n] + k  # padded rows the windows reach
        spread.append((k - 1, k - 1 + padded_shape[axis] - covered))
    spread_grad = _pad(grad, spread, layout, [s - 1 for s in strides])
    flipped = lax.rev(weight, kernel_axes)
    swapped = kernel_layout.replace("O", "i").replace("I", "O").replace("i", "I")
    padded_grad = lax.conv_general_dilated(
        spread_grad, flipped, (1,) * len(strides), [(0, 0)] * len(strides),
        dimension_numbers=(layout, swapped, layout), precision=precision)
    return _pad(padded_grad, [(-lo, -hi) for lo, hi in pads], layout)

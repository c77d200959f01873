"""Image resampling as OpenCV's ``cv::resize`` computes it, written as two matmuls.

Each interpolation (0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos-4; OpenCV's
codes, which MXNet's image operators take) is a (new size x old size) weight matrix per
axis, built with numpy once per shape; borders replicate the edge pixel, as OpenCV's do.
Integer images are rounded and saturated back to their type.
"""
import math

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError

__all__ = ["INTERPOLATIONS", "resize_hwc", "weight_matrix"]

INTERPOLATIONS = {0: "nearest", 1: "bilinear", 2: "bicubic", 3: "area", 4: "lanczos4"}


def _taps(new, old, kernel, radius):
    """Weights of ``kernel`` (a function of the offsets) around half-pixel centres."""
    scale = old / new
    centre = (np.arange(new) + 0.5) * scale - 0.5
    base = np.floor(centre)
    frac = centre - base
    offsets = np.arange(1 - radius, radius + 1)
    weights = kernel(frac[:, None] - offsets[None, :])
    index = np.clip(base[:, None] + offsets[None, :], 0, old - 1).astype(int)
    return index, weights


def _cubic(x):
    a, x = -0.75, np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _lanczos4(x):
    weights = np.sinc(x) * np.sinc(x / 4)
    return weights / weights.sum(axis=1, keepdims=True)


def _linear_index(new, old, centre):
    base = np.floor(centre)
    frac = centre - base
    low = base < 0
    high = base >= old - 1
    frac[low | high] = 0.0
    base = np.clip(base, 0, old - 1)
    index = np.stack([base, np.minimum(base + 1, old - 1)], axis=1).astype(int)
    return index, np.stack([1 - frac, frac], axis=1)


def _area(new, old):
    if new > old:  # OpenCV's area upscaling: linear weights from the covered fraction
        scale = old / new
        base = np.floor(np.arange(new) * scale)
        frac = (np.arange(new) + 1) - (base + 1) / scale
        frac = np.where(frac <= 0, 0.0, frac - np.floor(frac))
        return _linear_index(new, old, base + frac)
    matrix = np.zeros((new, old))
    scale = old / new
    for i in range(new):
        start, stop = i * scale, (i + 1) * scale
        for j in range(int(math.floor(start)), min(old, int(math.ceil(stop)))):
            matrix[i, j] = min(stop, j + 1) - max(start, j)
    return None, matrix / scale


def weight_matrix(new, old, interp):
    """The (new, old) matrix mapping one axis of ``old`` pixels to ``new`` pixels."""
    if interp == 0:
        index = np.minimum(np.floor(np.arange(new) * (old / new)), old - 1).astype(int)
        weights = np.ones((new, 1))
        index = index[:, None]
    elif interp == 1:
        index, weights = _linear_index(new, old, (np.arange(new) + 0.5) * (old / new) - 0.5)
    elif interp == 2:
        index, weights = _taps(new, old, _cubic, 2)
    elif interp == 3:
        index, weights = _area(new, old)
        if index is None:
            return weights
    elif interp == 4:
        index, weights = _taps(new, old, _lanczos4, 4)
    else:
        raise MXNetError(f"resize: interpolation {interp} is not one of "
                         f"{sorted(INTERPOLATIONS)} ({INTERPOLATIONS})")
    matrix = np.zeros((new, old))
    np.add.at(matrix, (np.repeat(np.arange(new), index.shape[1]), index.ravel()),
              weights.ravel())
    return matrix


def resize_hwc(data, height, width, interp, xp=jnp):
    """Resize the (..., H, W, C) array ``data`` to (..., height, width, C) with ``xp``
    (jax.numpy inside operators, numpy for host-side work on images of varying sizes)."""
    old_h, old_w = data.shape[-3], data.shape[-2]
    compute = xp.float64 if data.dtype == xp.float64 else xp.float32
    rows = xp.asarray(weight_matrix(height, old_h, interp), compute)
    cols = xp.asarray(weight_matrix(width, old_w, interp), compute)
    options = {"precision": "highest"} if xp is jnp else {"optimize": True}  # numpy: BLAS
    out = xp.einsum("yh,...hwc,xw->...yxc", rows, data.astype(compute), cols, **options)
    if xp.issubdtype(data.dtype, xp.integer):
        info = xp.iinfo(data.dtype)
        out = xp.clip(xp.round(out), info.min, info.max)
    return out.astype(data.dtype)

"""``mx.nd.image`` operators (normalize) and OpenCV-style image operators (resize, border)."""
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register


def _per_channel(values, channels, name):
    if len(values) not in (1, channels) and len(values) < channels:
        raise MXNetError(f"image.normalize: {name} needs 1 or {channels} values, got {values}")
    return list(values[:channels]) if len(values) >= channels else list(values) * channels


def _normalize(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axis = 0 if data.ndim == 3 else 1
    channels = data.shape[axis]
    shape = (channels,) + (1,) * (data.ndim - axis - 1)
    mean = jnp.asarray(_per_channel(params["mean"], channels, "mean"), data.dtype).reshape(shape)
    std = jnp.asarray(_per_channel(params["std"], channels, "std"), data.dtype).reshape(shape)
    return ((data - mean) / std,), aux


def _normalize_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    if len(data) not in (3, 4):
        raise MXNetError(f"image.normalize: data must be (C, H, W) or (N, C, H, W), got "
                         f"{tuple(data)}")
    channels = data[0 if len(data) == 3 else 1]
    _per_channel(params["mean"], channels, "mean")
    _per_channel(params["std"], channels, "std")
    return shapes, [tuple(data)]


def _floats(value):
    value = P._literal(value)
    values = value if isinstance(value, (tuple, list)) else (value,)
    return tuple(float(v) for v in values)


register("_image_normalize", _normalize, shape_rule=_normalize_shape_rule,
         params=(Param("mean", _floats, default=(0.0, 0.0, 0.0, 0.0),
                       doc="per-channel means (one value: all channels)"),
                 Param("std", _floats, default=(1.0, 1.0, 1.0, 1.0),
                       doc="per-channel standard deviations (one value: all channels)")),
         doc="(data - mean) / std per channel of a (C, H, W) or (N, C, H, W) image tensor.")


# --- OpenCV-style resize and border (MXNet's _cvimresize / _cvcopyMakeBorder) -------------
# Interpolation codes are OpenCV's: 0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos.
# Each is a separable set of taps (indices, weights) per axis from OpenCV's sampling rules
# (half-pixel centres, replicated borders; nearest uses floor(dst * in / out), cubic
# a = -0.75). Floats are computed exactly; uint8 results are rounded once at the end, where
# OpenCV rounds fixed-point partial sums: results differ from cv2 by at most 1-2 levels.

def _linear_taps(out_size, in_size, area_upscale=False):
    """(first source index, fraction) per output index under OpenCV's linear rule."""
    scale = in_size / out_size
    dst = np.arange(out_size)
    if area_upscale:
        first = np.floor(dst * scale).astype(np.int64)
        frac = (dst + 1) - (first + 1) / scale
        frac = np.where(frac <= 0, 0.0, frac - np.floor(frac))
    else:
        pos = (dst + 0.5) * scale - 0.5
        first = np.floor(pos).astype(np.int64)
        frac = pos - first
    return first, frac


def _cubic_weights(frac, a=-0.75):
    x = frac
    w0 = ((a * (x + 1) - 5 * a) * (x + 1) + 8 * a) * (x + 1) - 4 * a
    w1 = ((a + 2) * x - (a + 3)) * x * x + 1
    w2 = ((a + 2) * (1 - x) - (a + 3)) * (1 - x) * (1 - x) + 1
    return np.stack([w0, w1, w2, 1 - w0 - w1 - w2], axis=1)


def _lanczos4_weights(frac):
    distance = frac[:, None] + 3 - np.arange(8)[None, :]
    weights = np.sinc(distance) * np.sinc(distance / 4)
    return weights / weights.sum(axis=1, keepdims=True)


def _area_shrink_taps(out_size, in_size):
    scale = in_size / out_size
    width = int(np.ceil(scale)) + 1
    index = np.zeros((out_size, width), np.int64)
    weight = np.zeros((out_size, width))
    for dst in range(out_size):
        start, stop = dst * scale, (dst + 1) * scale
        sources = range(int(np.floor(start)), min(int(np.ceil(stop)), in_size))
        for k, src in enumerate(sources):
            index[dst, k] = src
            weight[dst, k] = (min(stop, src + 1) - max(start, src)) / scale
    return index, weight


def resize_taps(out_size, in_size, interp):
    """(source indices, weights), each (out_size, taps): how OpenCV interpolation
    ``interp`` makes each output index of one axis from the input indices."""
    if interp == 0:
        source = np.floor(np.arange(out_size) * in_size / out_size).astype(np.int64)
        return np.minimum(source, in_size - 1)[:, None], np.ones((out_size, 1))
    if interp == 3 and out_size < in_size:
        return _area_shrink_taps(out_size, in_size)
    first, frac = _linear_taps(out_size, in_size, area_upscale=(interp == 3))
    if interp in (1, 3):
        offsets, weights = np.arange(2), np.stack([1 - frac, frac], axis=1)
        outside = (first < 0) | (first >= in_size - 1)
        weights[outside] = (1.0, 0.0)
        first = np.clip(first, 0, in_size - 1)
    elif interp == 2:
        offsets, weights = np.arange(-1, 3), _cubic_weights(frac)
    else:
        offsets, weights = np.arange(-3, 5), _lanczos4_weights(frac)
    return np.clip(first[:, None] + offsets[None, :], 0, in_size - 1), weights


def _round_like(result, dtype, xp):
    if xp.issubdtype(dtype, xp.integer):
        info = xp.iinfo(dtype)
        return xp.clip(xp.round(result), info.min, info.max).astype(dtype)
    return result.astype(dtype)


def resize_image(data, w, h, interp, xp):
    """``data`` (H, W, C) resized to (h, w, C) with ``xp`` (numpy or jax.numpy): the one
    computation of ``_cvimresize`` and of ``mx.image.imresize``'s host path."""
    compute_dtype = data.dtype if xp.issubdtype(data.dtype, xp.floating) else xp.float32
    rows, row_weights = resize_taps(h, data.shape[0], interp)
    cols, col_weights = resize_taps(w, data.shape[1], interp)
    # a weighted sum of a few gathered taps per axis: no BLAS (its threads stall a busy
    # host) and no reduction over a strided axis
    source = data.astype(compute_dtype)
    result = sum(xp.take(source, rows[:, k], axis=0)
                 * xp.asarray(row_weights[:, k], compute_dtype)[:, None, None]
                 for k in range(rows.shape[1]))
    result = sum(xp.take(result, cols[:, k], axis=1)
                 * xp.asarray(col_weights[:, k], compute_dtype)[None, :, None]
                 for k in range(cols.shape[1]))
    return _round_like(result, data.dtype, xp)


def _imresize(inputs, aux, params, is_train, rng):
    (data,) = inputs
    return (resize_image(data, params["w"], params["h"], params["interp"], jnp),), aux


def _code(*codes):
    """An integer parameter (also from its string form) that must be one of ``codes``."""
    def parse(value):
        value = P.integer(value)
        if value not in codes:
            raise ValueError(f"expected one of {list(codes)}, got {value}")
        return value
    parse.describe = "int in {" + ", ".join(map(str, codes)) + "}"
    return parse


def _check_hwc(name, data):
    if len(data) != 3:
        raise MXNetError(f"{name}: the image must be (H, W, C), got {tuple(data)}")


def _imresize_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    _check_hwc("imresize", data)
    if params["w"] <= 0 or params["h"] <= 0:
        raise MXNetError(f"imresize: w and h must be positive, got w={params['w']}, "
                         f"h={params['h']}")
    return shapes, [(params["h"], params["w"], data[2])]


register("_cvimresize", _imresize, shape_rule=_imresize_shape_rule,
         params=(Param("w", P.integer, required=True, doc="output width"),
                 Param("h", P.integer, required=True, doc="output height"),
                 Param("interp", _code(0, 1, 2, 3, 4), default=1,
                       doc="OpenCV interpolation: 0 nearest, 1 bilinear, 2 bicubic, "
                           "3 area, 4 Lanczos")),
         doc="Resize an (H, W, C) image to (h, w, C) with OpenCV's interpolation rules.")

# OpenCV's enum (MXNet 1.9.1's docstring lists another order; MXNet follows OpenCV)
_BORDER_MODES = {1: "edge", 2: "symmetric", 3: "wrap", 4: "reflect"}


def pad_image(data, top, bot, left, right, border, fill, xp):
    """``data`` (H, W, C) padded with OpenCV border mode ``border`` (``fill``: the constant
    per channel) using ``xp`` (numpy or jax.numpy)."""
    pads = ((top, bot), (left, right))
    if border in _BORDER_MODES:
        return xp.pad(data, pads + ((0, 0),), mode=_BORDER_MODES[border])
    channels = data.shape[2]
    fill = list(fill) * channels if len(fill) == 1 else list(fill) + [0.0] * channels
    return xp.stack([xp.pad(data[:, :, c], pads, constant_values=data.dtype.type(fill[c]))
                     for c in range(channels)], axis=2)


def _copy_make_border(inputs, aux, params, is_train, rng):
    (data,) = inputs
    fill = params["values"] or (params["value"],)
    return (pad_image(data, params["top"], params["bot"], params["left"], params["right"],
                      params["type"], fill, jnp),), aux


def _copy_make_border_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    _check_hwc("copyMakeBorder", data)
    return shapes, [(data[0] + params["top"] + params["bot"],
                     data[1] + params["left"] + params["right"], data[2])]


register("_cvcopyMakeBorder", _copy_make_border, shape_rule=_copy_make_border_shape_rule,
         params=(Param("top", P.integer_at_least(0), required=True, doc="top margin"),
                 Param("bot", P.integer_at_least(0), required=True, doc="bottom margin"),
                 Param("left", P.integer_at_least(0), required=True, doc="left margin"),
                 Param("right", P.integer_at_least(0), required=True, doc="right margin"),
                 Param("type", _code(0, 1, 2, 3, 4), default=0,
                       doc="OpenCV border: 0 constant, 1 replicate, 2 reflect, 3 wrap, "
                           "4 reflect_101"),
                 Param("value", P.number, default=0.0, doc="fill value (deprecated)"),
                 Param("values", _floats, default=(), doc="fill per channel")),
         doc="Pad an (H, W, C) image with OpenCV's border modes.")

"""``mx.nd.image`` operators: tensor layout, normalisation, resizing, cropping, flips and
colour augmentation of images; OpenCV-style resize and border operators (mx.image)."""
import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


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
    if channels not in (1, 3):
        raise MXNetError(f"image.normalize: the channel dimension must be 1 or 3, got shape "
                         f"{tuple(data)}")
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
# OpenCV rounds fixed-point partial sums: results differ from cv2 by at most 1-2 levels,
# except bilinear uint8, which follows OpenCV's fixed-point arithmetic bit for bit.

def _linear_taps(out_size, in_size, area_upscale=False):
    """(first source index, fraction) per output index under OpenCV's linear rule, the
    fraction in float32 as OpenCV computes it."""
    inv_scale = out_size / in_size
    scale = 1.0 / inv_scale
    dst = np.arange(out_size)
    if area_upscale:
        first = np.floor(dst * scale).astype(np.int64)
        frac = ((dst + 1) - (first + 1) * inv_scale).astype(np.float32)
        frac = np.where(frac <= 0, np.float32(0), frac - np.floor(frac))
    else:
        pos = ((dst + 0.5) * scale - 0.5).astype(np.float32)
        first = np.floor(pos).astype(np.int64)
        frac = pos - first.astype(np.float32)
    return first, frac.astype(np.float32)


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
    """``result`` in ``dtype``; integers rounded half up, as OpenCV's fixed-point sums
    round (``(sum + 2**(bits - 1)) >> bits``): 10.5 gives 11, where half-to-even gives 10."""
    if xp.issubdtype(dtype, xp.integer):
        info = xp.iinfo(dtype)
        return xp.clip(xp.floor(result + 0.5), info.min, info.max).astype(dtype)
    return result.astype(dtype)


_COEF_SCALE = 2048  # OpenCV's INTER_RESIZE_COEF_SCALE: 11-bit fixed-point weights


def _fixed_point_weights(out_size, in_size, area_upscale, clamp_edges):
    """(source indices (out_size, 2), int32 weights summing to 2048) of OpenCV's uint8
    linear resize along one axis. Columns move an edge tap onto the border pixel; rows
    keep the fraction and read the border row twice, as OpenCV does."""
    first, frac = _linear_taps(out_size, in_size, area_upscale)
    if clamp_edges:
        frac = np.where((first < 0) | (first >= in_size - 1), np.float32(0), frac)
        first = np.clip(first, 0, in_size - 1)
    weights = np.rint(np.stack([np.float32(1) - frac, frac], axis=1) * np.float32(_COEF_SCALE))
    return np.clip(first[:, None] + np.arange(2), 0, in_size - 1), weights.astype(np.int32)


def _resize_uint8_linear(data, w, h, area_upscale, xp):
    """OpenCV's fixed-point linear resize of uint8 (H, W, C) ``data``: columns first in
    exact integers, then rows with the truncating ``((b * (s >> 4)) >> 16)`` products of
    its VResizeLinear, so results match cv2 (and MXNet) bit for bit."""
    rows, row_weights = _fixed_point_weights(h, data.shape[0], area_upscale, False)
    cols, col_weights = _fixed_point_weights(w, data.shape[1], area_upscale, True)
    source = data.astype(xp.int32)
    horizontal = sum(xp.take(source, cols[:, k], axis=1)
                     * xp.asarray(col_weights[:, k])[None, :, None] for k in range(2))
    vertical = sum((xp.asarray(row_weights[:, k])[:, None, None]
                    * (xp.take(horizontal, rows[:, k], axis=0) >> 4)) >> 16 for k in range(2))
    return ((vertical + 2) >> 2).astype(xp.uint8)


def resize_image(data, w, h, interp, xp):
    """``data`` (H, W, C) resized to (h, w, C) with ``xp`` (numpy or jax.numpy): the one
    computation of ``_cvimresize`` and of ``mx.image.imresize``'s host path."""
    upscale = h >= data.shape[0] and w >= data.shape[1]
    if data.dtype == np.uint8 and (interp == 1 or (interp == 3 and upscale)):
        return _resize_uint8_linear(data, w, h, interp == 3, xp)
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
# --- layout, size and crop --------------------------------------------------------------

def _image_dims(op, shape, ndims=(3, 4)):
    if len(shape) not in ndims:
        layouts = " or ".join({3: "(H, W, C)", 4: "(N, H, W, C)"}[n] for n in ndims)
        raise MXNetError(f"{op.name}: input image must have shape {layouts}, got "
                         f"{tuple(shape)}")


def _to_tensor_shape(data, params):
    if len(data) == 3:
        return (data[2], data[0], data[1])
    return (data[0], data[3], data[1], data[2])


def _to_tensor_shape_rule(op, params, shapes):
    if shapes[0] is not None:
        _image_dims(op, shapes[0])
    return output_shape_rule(_to_tensor_shape)(op, params, shapes)


def _to_tensor(data):
    axes = (2, 0, 1) if data.ndim == 3 else (0, 3, 1, 2)
    return jnp.transpose(data.astype(jnp.float32) / 255.0, axes)


register("_image_to_tensor", simple_compute(_to_tensor), shape_rule=_to_tensor_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [np.float32]),
         doc="An (H, W, C) or (N, H, W, C) image in [0, 255] as float32 (C, H, W) / "
             "(N, C, H, W) in [0, 1].")


def resized_height_width(height, width, size, keep_ratio):
    """MXNet's output (height, width) of ``image.resize``: ``size`` is (width, height), or
    one number for both sides (or, with ``keep_ratio``, the shorter side)."""
    if len(size) not in (1, 2):
        raise MXNetError(f"image.resize: size must have 1 or 2 values, got {size}")
    if any(s <= 0 for s in size):
        raise MXNetError(f"image.resize: size must be greater than 0, got {size}")
    if len(size) == 2:
        return size[1], size[0]
    if not keep_ratio:
        return size[0], size[0]
    if height > width:
        return height * size[0] // width, size[0]
    return size[0], width * size[0] // height


def _resize_shape(data, params):
    height, width = resized_height_width(data[-3], data[-2], params["size"],
                                         params["keep_ratio"])
    return data[:-3] + (height, width, data[-1])


def _resize_shape_rule(op, params, shapes):
    if shapes[0] is not None:
        _image_dims(op, shapes[0])
    return output_shape_rule(_resize_shape)(op, params, shapes)


def resize_images(data, height, width, interp, xp):
    """(H, W, C) or (N, H, W, C) images resized to height x width: ``resize_image`` per
    image, with ``xp`` (numpy or jax.numpy)."""
    if data.ndim == 3:
        return resize_image(data, width, height, interp, xp)
    return xp.stack([resize_image(image, width, height, interp, xp) for image in data])


def _resize(data, size, keep_ratio, interp):
    height, width = resized_height_width(data.shape[-3], data.shape[-2], size, keep_ratio)
    return resize_images(data, height, width, interp, jnp)


def _ints(value):
    value = P._literal(value)
    return tuple(int(v) for v in (value if isinstance(value, (tuple, list)) else (value,)))


INTERPOLATIONS = {0: "nearest", 1: "bilinear", 2: "bicubic", 3: "area", 4: "lanczos4"}


def _interpolation(value):
    value = P.integer(value)
    if value not in INTERPOLATIONS:
        raise ValueError(f"interpolation {value} is not one of {INTERPOLATIONS}")
    return value


register("_image_resize", simple_compute(_resize), shape_rule=_resize_shape_rule,
         params=(Param("size", _ints, default=(), doc="(width, height), or one size"),
                 Param("keep_ratio", P.boolean, default=False,
                       doc="with one size: resize the shorter side to it"),
                 Param("interp", _interpolation, default=1,
                       doc="OpenCV interpolation: 0 nearest, 1 bilinear, 2 bicubic, 3 area, "
                           "4 Lanczos-4")),
         doc="Resize an (H, W, C) or (N, H, W, C) image as OpenCV's resize does.")


def _crop_shape(data, params):
    x, y, width, height = (params[k] for k in ("x", "y", "width", "height"))
    if width <= 0 or height <= 0:
        raise MXNetError(f"image.crop: height and width must be greater than 0, got "
                         f"height={height}, width={width}")
    if x + width > data[-2] or y + height > data[-3]:
        raise MXNetError(f"image.crop: the box x={x}, y={y}, width={width}, height={height} "
                         f"does not fit the image of shape {tuple(data)}")
    return data[:-3] + (height, width, data[-1])


def _crop_shape_rule(op, params, shapes):
    if shapes[0] is not None:
        _image_dims(op, shapes[0])
    return output_shape_rule(_crop_shape)(op, params, shapes)


def _crop(data, x, y, width, height):
    return data[..., y:y + height, x:x + width, :]


register("_image_crop", simple_compute(_crop), shape_rule=_crop_shape_rule,
         params=tuple(Param(name, P.integer, required=True, doc=doc) for name, doc in (
             ("x", "left edge"), ("y", "top edge"), ("width", "crop width"),
             ("height", "crop height"))),
         doc="The box (x, y, width, height) of an (H, W, C) or (N, H, W, C) image.")


# --- flips and colour augmentation of one (H, W, C) image ---------------------------------

def _hwc_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is not None:
        _image_dims(op, data, ndims=(3,))
        if data[-1] not in (1, 3):
            raise MXNetError(f"{op.name}: the last dimension must be 1 or 3 channels, got "
                             f"shape {tuple(data)}")
    return shapes, [data]


def _as_float(data):
    """The image in float32 (MXNet's arithmetic), float64 images kept float64."""
    return data if data.dtype == jnp.float64 else data.astype(jnp.float32)


def _saturate(value, dtype):
    """MXNet's saturate_cast from float: uint8 clipped to [0, 255] then truncated."""
    if dtype == jnp.uint8:
        value = jnp.clip(value, 0.0, 255.0)
    return value.astype(dtype)


def _random_aug(name, adjust, params, doc, draw):
    """Register ``name``: ``adjust(image, factors)`` with factors drawn by
    ``draw(rng, params)``."""
    def compute(inputs, aux, params, is_train, rng):
        (data,) = inputs
        return (adjust(data, draw(rng, params)),), aux
    register(name, compute, params=params, shape_rule=_hwc_shape_rule, random=True, doc=doc)


def _flip(axis):
    return lambda data: jnp.flip(data, axis)


register("_image_flip_left_right", simple_compute(_flip(1)), shape_rule=_hwc_shape_rule,
         doc="An (H, W, C) image mirrored left to right.")
register("_image_flip_top_bottom", simple_compute(_flip(0)), shape_rule=_hwc_shape_rule,
         doc="An (H, W, C) image mirrored top to bottom.")
for _name, _axis in (("left_right", 1), ("top_bottom", 0)):
    _random_aug(f"_image_random_flip_{_name}",
                lambda data, flip, axis=_axis: jnp.where(flip, jnp.flip(data, axis), data),
                (), f"An (H, W, C) image flipped {_name.replace('_', ' to ')} with "
                    f"probability 1/2.",
                lambda rng, params: jax.random.bernoulli(rng))

_GRAY = (0.299, 0.587, 0.114)


def _brightness(data, alpha):
    return _saturate(_as_float(data) * alpha, data.dtype)


def _contrast(data, alpha):
    values = _as_float(data)
    if data.shape[-1] == 3:
        gray_mean = jnp.mean(values @ jnp.asarray(_GRAY, values.dtype))
    else:
        gray_mean = jnp.mean(values)
    return _saturate(values * alpha + (1 - alpha) * gray_mean, data.dtype)


def _saturation(data, alpha):
    if data.shape[-1] == 1:
        return data
    values = _as_float(data)
    # MXNet 1.9.1 overwrites (not sums) its gray value per channel: gray is 0.114 * blue.
    gray = values[..., 2:3] * _GRAY[2] * (1 - alpha)
    return _saturate(gray + values * alpha, data.dtype)


def _rgb_to_hls(rgb):
    r, g, b = (rgb[..., i] / 255.0 for i in range(3))
    vmax = jnp.maximum(jnp.maximum(r, g), b)
    vmin = jnp.minimum(jnp.minimum(r, g), b)
    diff = vmax - vmin
    light = (vmax + vmin) * 0.5
    colour = diff > np.finfo(np.float32).eps
    safe = jnp.where(colour, diff, 1.0)
    sat = jnp.where(light < 0.5, diff / jnp.where(colour, vmax + vmin, 1.0),
                    diff / jnp.where(colour, 2.0 - vmax - vmin, 1.0))
    hue = jnp.where(vmax == r, (g - b) * 60 / safe,
                    jnp.where(vmax == g, (b - r) * 60 / safe + 120, (r - g) * 60 / safe + 240))
    hue = jnp.where(hue < 0, hue + 360, hue)
    return jnp.where(colour, hue, 0.0), light, jnp.where(colour, sat, 0.0)


# OpenCV's HLS sectors: which of (p2, p1, falling, rising) is blue, green, red.
_HLS_SECTORS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])


def _hls_to_rgb(hue, light, sat):
    p2 = jnp.where(light <= 0.5, light * (1 + sat), light + sat - light * sat)
    p1 = 2 * light - p2
    hue = jnp.mod(hue / 60.0, 6.0)
    sector = jnp.clip(jnp.floor(hue).astype(jnp.int32), 0, 5)
    frac = hue - sector
    table = jnp.stack([p2, p1, p1 + (p2 - p1) * (1 - frac), p1 + (p2 - p1) * frac], axis=-1)
    picks = jnp.asarray(_HLS_SECTORS)[sector]  # (..., 3): blue, green, red
    blue, green, red = (jnp.take_along_axis(table, picks[..., i:i + 1], -1)[..., 0]
                        for i in range(3))
    rgb = jnp.stack([red, green, blue], axis=-1)
    rgb = jnp.where((sat != 0)[..., None], rgb, light[..., None])
    return rgb * 255.0


def _hue(data, alpha):
    if data.shape[-1] == 1:
        return data
    hue, light, sat = _rgb_to_hls(_as_float(data))
    return _saturate(_hls_to_rgb(hue + alpha * 360.0, light, sat), data.dtype)


def _uniform(low, high):
    return lambda rng, params: jax.random.uniform(rng, (), jnp.float32, params[low],
                                                  params[high])


_FACTORS = (Param("min_factor", P.number, required=True, doc="smallest factor"),
            Param("max_factor", P.number, required=True, doc="largest factor"))
for _name, _adjust in (("brightness", _brightness), ("contrast", _contrast),
                       ("saturation", _saturation), ("hue", _hue)):
    _random_aug(f"_image_random_{_name}", _adjust, _FACTORS,
                f"An (H, W, C) image with its {_name} changed by a factor drawn uniformly "
                f"from [min_factor, max_factor].", _uniform("min_factor", "max_factor"))

_JITTERS = (("brightness", _brightness, 1.0), ("contrast", _contrast, 1.0),
            ("saturation", _saturation, 1.0), ("hue", _hue, 0.0))


def _color_jitter(data, draws):
    order, (params, alphas) = draws
    active = [i for i, (name, _, _) in enumerate(_JITTERS) if params[name] > 0]
    if not active:
        return data
    branches = [lambda x, alpha: x] + [  # only the jitters asked for are compiled
        (lambda x, alpha, adjust=_JITTERS[i][1]: adjust(x, alpha)) for i in active]
    branch_of = np.zeros(len(_JITTERS), np.int32)
    branch_of[active] = np.arange(1, len(active) + 1)
    for step in range(len(_JITTERS)):
        which = order[step]
        data = jax.lax.switch(jnp.asarray(branch_of)[which], branches, data, alphas[which])
    return data


def _jitter_draws(rng, params):
    order_key, alpha_key = jax.random.split(rng)
    spread = jnp.asarray([params[name] for name, _, _ in _JITTERS], jnp.float32)
    offset = jnp.asarray([base for _, _, base in _JITTERS], jnp.float32)
    alphas = offset + jax.random.uniform(alpha_key, (4,), jnp.float32, -1, 1) * spread
    return jax.random.permutation(order_key, 4), (params, alphas)


_random_aug("_image_random_color_jitter", _color_jitter,
            tuple(Param(name, P.number, required=True, doc=f"how much to jitter {name}")
                  for name, _, _ in _JITTERS),
            "An (H, W, C) image with brightness, contrast, saturation and hue jittered, in a "
            "random order.", _jitter_draws)

# AlexNet's PCA lighting noise: eigenvalue-scaled eigenvectors of ImageNet's RGB covariance.
_EIGEN = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                   [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                   [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]], np.float32)


def _lighting(data, alpha):
    if data.shape[-1] == 1:
        return data
    values = _as_float(data)
    shift = jnp.asarray(_EIGEN, values.dtype) @ jnp.asarray(alpha, values.dtype)
    return _saturate(values + shift, data.dtype)


def _alphas(value):
    alphas = _floats(value)
    if len(alphas) != 3:
        raise ValueError(f"alpha needs 3 values (R, G, B), got {alphas}")
    return alphas


register("_image_adjust_lighting", simple_compute(lambda data, alpha: _lighting(data, alpha)),
         shape_rule=_hwc_shape_rule,
         params=(Param("alpha", _alphas, required=True, doc="lighting alphas for R, G, B"),),
         doc="An (H, W, C) image plus AlexNet-style PCA lighting noise of given alphas.")
_random_aug("_image_random_lighting", _lighting,
            (Param("alpha_std", P.number, default=0.05, doc="level of the lighting noise"),),
            "An (H, W, C) image plus AlexNet-style PCA lighting noise, alphas drawn from "
            "N(0, alpha_std).",
            lambda rng, params: jax.random.normal(rng, (3,), jnp.float32) * params["alpha_std"])

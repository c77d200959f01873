"""mx.image's functions: read, decode, resize, crop, pad, normalise and rotate images.

Images are (H, W, C) NDArrays (``imrotate``: (C, H, W) or (N, C, H, W) float32).
Interpolation codes are OpenCV's, as in MXNet: 0 nearest, 1 bilinear, 2 bicubic, 3 area,
4 Lanczos, 9 chosen from the sizes (cubic to enlarge, area to shrink, else bilinear),
10 one of 0-4 at random.
"""
import random
from numbers import Number

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from ..ops import get_op
from ..ops.image import pad_image, resize_image
from . import codec


def _to_output(array, out):
    result = nd.array(array, dtype=array.dtype)
    if out is None:
        return result
    out[:] = result
    return out


def imread(filename, flag=1, to_rgb=True, out=None):
    """Read and decode the image file ``filename`` into an (H, W, C) uint8 NDArray.

    ``flag`` 1: three channels, 0: one grey channel; ``to_rgb`` False gives BGR order."""
    try:
        with open(filename, "rb") as handle:
            data = handle.read()
    except OSError as err:
        raise MXNetError(f"imread: cannot read image file {filename!r}: {err}") from None
    return _to_output(codec.decode(data, flag=flag, to_rgb=to_rgb), out)


def imdecode(buf, flag=1, to_rgb=True, out=None):
    """Decode encoded image bytes (bytes, bytearray, uint8 numpy array or NDArray) into an
    (H, W, C) uint8 NDArray; ``flag`` and ``to_rgb`` as in ``imread``."""
    if isinstance(buf, nd.NDArray):
        buf = buf.asnumpy().astype(np.uint8)
    if not isinstance(buf, (bytes, bytearray, np.ndarray)):
        raise ValueError("buf must be of type bytes, bytearray or numpy.ndarray, if you would "
                         "like to input type str, please convert to bytes")
    data = buf.tobytes() if isinstance(buf, np.ndarray) else bytes(buf)
    return _to_output(codec.decode(data, flag=flag, to_rgb=to_rgb), out)


def _host(src):
    return src.asnumpy() if isinstance(src, nd.NDArray) else np.asarray(src)


def _on_host(name, src, out, compute, **raw_params):
    """Operator ``name``'s computation run with numpy on the host, as MXNet's OpenCV
    operators run: images of many sizes would otherwise compile one program per size.
    Parameters and shapes are checked by the operator's own schema and shape rule."""
    op = get_op(name)
    params = op.parse_params(raw_params)
    op.infer_shape(params, [tuple(src.shape)])
    return _to_output(compute(_host(src), params), out)


def imresize(src, w, h, interp=1, out=None):
    """Resize the (H, W, C) image ``src`` to width ``w`` and height ``h`` (the computation
    of the ``_cvimresize`` operator, run on the host)."""
    return _on_host("_cvimresize", src, out, lambda data, p: resize_image(
        data, p["w"], p["h"], p["interp"], np), w=w, h=h, interp=interp)


def copyMakeBorder(src, top, bot, left, right,  # noqa: N802 (MXNet's name)
                   type=0, value=0.0, values=(), out=None):  # noqa: A002
    """Pad ``src`` by the given margins; ``type`` is OpenCV's border mode: 0 constant
    (``values`` per channel), 1 replicate (aaa|abc), 2 reflect (cba|abc), 3 wrap (abc|abc),
    4 reflect_101 (dcb|abcd). MXNet 1.9.1's docstring lists these in another order.
    The computation of the ``_cvcopyMakeBorder`` operator, run on the host."""
    def compute(data, p):
        return pad_image(data, p["top"], p["bot"], p["left"], p["right"], p["type"],
                         p["values"] or (p["value"],), np)
    return _on_host("_cvcopyMakeBorder", src, out, compute, top=top, bot=bot, left=left,
                    right=right, type=type, value=value, values=tuple(values))


def scale_down(src_size, size):
    """The crop ``size`` (w, h) shrunk, keeping its aspect ratio, to fit ``src_size`` (w, h)."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def _get_interp_method(interp, sizes=()):
    """The concrete interpolation (0-4) for ``interp``; ``sizes`` is (old_h, old_w, new_h,
    new_w) for the automatic choice 9."""
    if interp == 9:
        if not sizes:
            return 2
        old_h, old_w, new_h, new_w = sizes
        if new_h > old_h and new_w > old_w:
            return 2
        if new_h < old_h and new_w < old_w:
            return 3
        return 1
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise ValueError(f"Unknown interp method {interp}")
    return interp


def resize_short(src, size, interp=2):
    """Resize ``src`` so that its shorter edge is ``size``, keeping the aspect ratio."""
    h, w = src.shape[0], src.shape[1]
    new_h, new_w = (size * h // w, size) if h > w else (size, size * w // h)
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """The (w, h) crop of ``src`` at (x0, y0), resized to ``size`` (w, h) when given
    (a copy, cut on the host: crops at many places would otherwise compile many programs)."""
    out = _to_output(_host(src)[y0:y0 + h, x0:x0 + w], None)
    if size is not None and (w, h) != tuple(size):
        out = imresize(out, size[0], size[1],
                       interp=_get_interp_method(interp, (h, w, size[1], size[0])))
    return out


def random_crop(src, size, interp=2):
    """(crop, (x0, y0, w, h)): a crop of ``size`` (w, h) at a random place (scaled down to
    fit, then resized to ``size``)."""
    h, w = src.shape[0], src.shape[1]
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """(crop, (x0, y0, w, h)): the central crop of ``size`` (w, h), as ``random_crop``."""
    h, w = src.shape[0], src.shape[1]
    new_w, new_h = scale_down((w, h), size)
    x0 = int((w - new_w) / 2)
    y0 = int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src, mean, std=None):
    """``(src - mean) / std`` in place (either may be None)."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src, size, area, ratio, interp=2, **kwargs):
    """(crop, (x0, y0, w, h)): a random crop covering a fraction ``area`` (min, or (min,
    max)) of ``src`` with aspect ratio in ``ratio``, resized to ``size``; the centre crop
    when ten tries fail."""
    if "min_area" in kwargs:
        area = kwargs.pop("min_area")
    if kwargs:
        raise TypeError(f"random_size_crop: unexpected keyword arguments {sorted(kwargs)}")
    h, w = src.shape[0], src.shape[1]
    if isinstance(area, Number):
        area = (area, 1.0)
    log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
    for _ in range(10):
        target_area = random.uniform(area[0], area[1]) * h * w
        new_ratio = np.exp(random.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)


def _rotation_zoom(h, w, radians, zoom_out):
    """Per-image grid scale that keeps the rotated image inside (zoom_in) or the whole
    image visible (zoom_out)."""
    rho = np.sqrt(h * h + w * w)
    corner = np.arctan(h / w)
    turn = np.abs(radians)
    max_x = np.maximum(np.abs(rho * np.cos(corner + turn)), np.abs(rho * np.cos(corner - turn)))
    max_y = np.maximum(np.abs(rho * np.sin(corner + turn)), np.abs(rho * np.sin(corner - turn)))
    if zoom_out:
        return np.maximum(max_x / w, max_y / h)
    return np.minimum(w / max_x, h / max_y)


def imrotate(src, rotation_degrees, zoom_in=False, zoom_out=False):
    """Rotate (C, H, W) or (N, C, H, W) float32 images by ``rotation_degrees`` (a number,
    or one angle per image) about their centres, bilinearly, zero outside."""
    if zoom_in and zoom_out:
        raise ValueError("`zoom_in` and `zoom_out` cannot be both True")
    if src.dtype != np.float32:
        raise TypeError("Only `float32` images are supported by this function")
    single = src.ndim == 3
    if single:
        if not isinstance(rotation_degrees, Number):
            raise TypeError("When a single image is passed the rotation angle is "
                            "required to be a scalar.")
        src = src.expand_dims(axis=0)
    elif src.ndim != 4:
        raise ValueError("Only 3D and 4D are supported by this function")
    if isinstance(rotation_degrees, Number):
        degrees = np.full(src.shape[0], float(rotation_degrees))
    else:
        degrees = np.asarray(rotation_degrees.asnumpy() if isinstance(rotation_degrees, nd.NDArray)
                             else rotation_degrees, dtype=np.float64).reshape(-1)
    if len(degrees) != src.shape[0]:
        raise ValueError("The number of images must be equal to the number of rotation angles")
    radians = (np.pi * degrees / 180)[:, None, None]
    h, w = src.shape[2], src.shape[3]
    hscale, wscale = (h - 1) / 2.0, (w - 1) / 2.0
    rows = np.arange(h, dtype=np.float64)[:, None] - hscale
    cols = np.arange(w, dtype=np.float64)[None, :] - wscale
    grid_x = (cols * np.cos(radians) - rows * np.sin(radians)) / wscale
    grid_y = (cols * np.sin(radians) + rows * np.cos(radians)) / hscale
    grid = np.stack([grid_x, grid_y], axis=1)
    if zoom_in or zoom_out:
        grid = grid * _rotation_zoom(h, w, radians, zoom_out)[:, :, :, None]
    rotated = nd.BilinearSampler(src, nd.array(grid.astype(np.float32), ctx=src.context))
    return rotated[0] if single else rotated


def random_rotate(src, angle_limits, zoom_in=False, zoom_out=False):
    """``imrotate`` by angles drawn uniformly from ``angle_limits`` (one per image)."""
    if src.ndim == 3:
        degrees = np.random.uniform(*angle_limits)
    else:
        degrees = nd.array(np.random.uniform(*angle_limits, size=src.shape[0]))
    return imrotate(src, degrees, zoom_in=zoom_in, zoom_out=zoom_out)

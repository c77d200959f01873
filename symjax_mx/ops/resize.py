"""``contrib.BilinearResize2D``: bilinear resizing of (N, C, H, W) data, with MXNet 1.9.1's
output-size modes and corner alignment (src/operator/contrib/bilinear_resize-inl.h).

Resizing is separable: out = Wy @ data @ Wx^T with (out, in) interpolation matrices.
"""
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_MODES = ("size", "odd_scale", "like", "to_even_down", "to_even_up", "to_odd_down", "to_odd_up")


def _new_size(size, params, axis, like):
    """The output size along spatial ``axis`` (0: height, 1: width) of an input ``size``."""
    mode = params["mode"]
    scale = params["scale_height" if axis == 0 else "scale_width"]
    if mode == "size":
        # as in MXNet, a given scale_height makes both sizes come from the scales
        if params["scale_height"] is not None:
            return int(scale * size)
        return params["height" if axis == 0 else "width"]
    if mode == "odd_scale":
        if scale is None:
            raise MXNetError("BilinearResize2D: mode 'odd_scale' needs scale_height and "
                             "scale_width")
        return int(size * scale) if size % 2 == 0 else int((size - 1) * scale) + 1
    if mode == "like":
        return like[2 + axis]
    even = size % 2 == 0
    return {"to_even_down": size if even else size - 1,
            "to_even_up": size if even else size + 1,
            "to_odd_down": size - 1 if even else size,
            "to_odd_up": size + 1 if even else size}[mode]


def _weights(size_in, size_out, align_corners, dtype):
    """The (size_out, size_in) bilinear interpolation matrix."""
    if size_out > 1:
        scale = (size_in - 1) / (size_out - 1) if align_corners else size_in / size_out
    else:
        scale = 0.0
    out = np.arange(size_out, dtype=np.float64)
    src = scale * out if align_corners else np.maximum(scale * (out + 0.5) - 0.5, 0)
    low = np.floor(src).astype(np.int64)
    high = low + (low < size_in - 1)
    frac = src - low
    weights = np.zeros((size_out, size_in))
    np.add.at(weights, (np.arange(size_out), low), 1 - frac)
    np.add.at(weights, (np.arange(size_out), high), frac)
    return jnp.asarray(weights, dtype)


def _resize(inputs, aux, params, is_train, rng):
    data = inputs[0]
    like = inputs[1].shape if params["mode"] == "like" else None
    height, width = data.shape[2:]
    rows = _weights(height, _new_size(height, params, 0, like), params["align_corners"],
                    data.dtype)
    cols = _weights(width, _new_size(width, params, 1, like), params["align_corners"],
                    data.dtype)
    out = jnp.einsum("oh,nchw,pw->ncop", rows, data, cols, precision=lax.Precision.HIGHEST)
    return (out,), aux


def _resize_shape_rule(op, params, shapes):
    data = shapes[0]
    like = shapes[1] if params["mode"] == "like" else None
    if data is None or (params["mode"] == "like" and like is None):
        return shapes, [None]
    if len(data) != 4 or (like is not None and len(like) != 4):
        raise MXNetError(f"BilinearResize2D: data (and like) must be 4-D (N, C, H, W), got "
                         f"{tuple(data)}" + ("" if like is None else f" and {tuple(like)}"))
    height, width = (_new_size(data[2 + a], params, a, like) for a in (0, 1))
    if height < 1 or width < 1:
        raise MXNetError(f"BilinearResize2D: the output size ({height}, {width}) must be "
                         f"positive")
    return shapes, [tuple(data[:2]) + (height, width)]


register("_contrib_BilinearResize2D", _resize, aliases=("BilinearResize2D",),
         inputs=lambda p: ("data", "like") if p["mode"] == "like" else ("data",),
         shape_rule=_resize_shape_rule,
         params=(Param("height", P.integer_at_least(1), default=1,
                       doc="output height (mode 'size', unless scale_height is given)"),
                 Param("width", P.integer_at_least(1), default=1,
                       doc="output width (mode 'size', unless scale_height is given)"),
                 Param("scale_height", P.optional(P.number), doc="height scale factor"),
                 Param("scale_width", P.optional(P.number), doc="width scale factor"),
                 Param("mode", P.choice(*_MODES), default="size",
                       doc="how the output size is chosen"),
                 Param("align_corners", P.boolean, default=True,
                       doc="map the corner pixels onto each other")),
         doc="Bilinear resize of (N, C, H, W) data to a size given by height / width, scales, "
             "the 'like' input, or rounding to even / odd sizes.")

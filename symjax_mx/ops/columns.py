"""Column (im2col) operators on NCHW images: im2col, col2im and the deformable
convolutions of ``mx.nd.contrib`` (DeformableConvolution, ModulatedDeformableConvolution),
with MXNet 1.9.1's parameters and layouts (src/operator/nn/im2col.h,
contrib/deformable_convolution-inl.h, contrib/modulated_deformable_convolution-inl.h).

A column holds, for every output position, the input values under each kernel tap,
channel-major: (N, C * kh * kw, out_h * out_w).
"""
import jax
import jax.numpy as jnp
from jax import lax

from ..base import MXNetError
from .conv import _NUM_FILTER, _WINDOW_PARAMS, _conv_plan, _conv_shape_rule, _fill
from .registry import Param, ParamParsers as P, register


def _plan_2d(op_name, params, shape):
    if len(params["kernel"]) != 2 or len(shape) != 4:
        raise MXNetError(f"{op_name}: needs a 2-D kernel and NCHW data, got kernel "
                         f"{params['kernel']} and data {tuple(shape)}")
    _, window, channels, out = _conv_plan(op_name, {**params, "layout": None,
                                                    "num_group": 1}, shape)
    return window, channels, out


# --- im2col / col2im -----------------------------------------------------------------------

def _im2col(data, params):
    window, _, _ = _plan_2d("im2col", params, data.shape)
    patches = lax.conv_general_dilated_patches(
        data, params["kernel"], window["stride"], [(p, p) for p in window["pad"]],
        rhs_dilation=window["dilate"], precision=lax.Precision.HIGHEST)
    return patches.reshape(patches.shape[:2] + (-1,))


def _im2col_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    _, channels, out = _plan_2d(op.name, params, data)
    kh, kw = params["kernel"]
    return shapes, [(data[0], channels * kh * kw, out[0] * out[1])]


register("im2col", lambda inputs, aux, params, is_train, rng: ((_im2col(inputs[0], params),), aux),
         shape_rule=_im2col_shape_rule, params=_WINDOW_PARAMS,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="Sliding kernel-sized patches of (N, C, H, W) data as columns: "
             "(N, C * kh * kw, out_h * out_w).")


def _col2im(inputs, aux, params, is_train, rng):
    (cols,) = inputs
    image_shape = _col2im_image_shape("col2im", params, cols.shape)
    _, unfold = jax.vjp(lambda image: _im2col(image, params),
                        jnp.zeros(image_shape, cols.dtype))
    return unfold(cols), aux


def _col2im_image_shape(op_name, params, cols):
    kh, kw = params["kernel"]
    if len(cols) != 3 or cols[1] % (kh * kw):
        raise MXNetError(f"{op_name}: data must be (N, C * kh * kw, L) for kernel "
                         f"{params['kernel']}, got {tuple(cols)}")
    image = (cols[0], cols[1] // (kh * kw)) + tuple(params["output_size"])
    _, _, out = _plan_2d(op_name, params, image)
    if out[0] * out[1] != cols[2]:
        raise MXNetError(f"{op_name}: {cols[2]} columns do not fit output_size "
                         f"{params['output_size']}, which gives {out[0] * out[1]}")
    return image


def _col2im_shape_rule(op, params, shapes):
    (cols,) = shapes
    if cols is None:
        return shapes, [None]
    return shapes, [_col2im_image_shape(op.name, params, cols)]


register("col2im", _col2im, shape_rule=_col2im_shape_rule,
         params=(Param("output_size", P.shape, required=True,
                       doc="(height, width) of the image"),) + _WINDOW_PARAMS,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="The adjoint of im2col: columns summed back into an (N, C) + output_size image.")


# --- deformable convolutions ---------------------------------------------------------------

def _bilinear_gather(image, ys, xs, clamp_edges):
    """image (N, G, Cg, H, W) sampled at (N, G, P) positions: (N, G, Cg, P), zero outside
    (-1, size) and zero for corners outside the image. ``clamp_edges`` (MXNet's
    DeformableConvolution) samples only in [0, size) and reads the last row / column for
    positions beyond it."""
    height, width = image.shape[-2:]
    flat = image.reshape(image.shape[:3] + (-1,))
    if clamp_edges:
        inside = (ys >= 0) & (xs >= 0) & (ys < height) & (xs < width)
        ys = jnp.where(jnp.floor(ys) >= height - 1, jnp.floor(ys), ys)
        xs = jnp.where(jnp.floor(xs) >= width - 1, jnp.floor(xs), xs)
    else:
        inside = (ys > -1) & (xs > -1) & (ys < height) & (xs < width)
    y0, x0 = jnp.floor(ys), jnp.floor(xs)
    total = 0
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        y, x = y0 + dy, x0 + dx
        weight = (1 - jnp.abs(ys - y)) * (1 - jnp.abs(xs - x))
        ok = inside & (y >= 0) & (y < height) & (x >= 0) & (x < width)
        index = (jnp.clip(y, 0, height - 1) * width + jnp.clip(x, 0, width - 1)).astype(jnp.int32)
        values = jnp.take_along_axis(flat, index[:, :, None, :], axis=-1)
        total = total + values * jnp.where(ok, weight, 0)[:, :, None, :].astype(image.dtype)
    return total


def _deformable(data, offset, mask, weight, bias, params):
    window, channels, (out_h, out_w) = _plan_2d("DeformableConvolution", params, data.shape)
    kh, kw = params["kernel"]
    groups = params["num_deformable_group"]
    n = data.shape[0]
    base_y = (jnp.arange(out_h) * window["stride"][0] - window["pad"][0])[:, None]
    base_x = (jnp.arange(out_w) * window["stride"][1] - window["pad"][1])[None, :]
    tap_y = jnp.repeat(jnp.arange(kh) * window["dilate"][0], kw)
    tap_x = jnp.tile(jnp.arange(kw) * window["dilate"][1], kh)
    offset = offset.reshape(n, groups, kh * kw, 2, out_h, out_w)
    ys = base_y + tap_y[:, None, None] + offset[:, :, :, 0]       # (N, G, K, Ho, Wo)
    xs = base_x + tap_x[:, None, None] + offset[:, :, :, 1]
    image = data.reshape((n, groups, channels // groups) + data.shape[2:])
    cols = _bilinear_gather(image, ys.reshape(n, groups, -1), xs.reshape(n, groups, -1),
                            clamp_edges=mask is None)
    cols = cols.reshape(n, groups, channels // groups, kh * kw, out_h, out_w)
    if mask is not None:
        cols = cols * mask.reshape(n, groups, 1, kh * kw, out_h, out_w)
    cols = cols.reshape(n, params["num_group"], -1, out_h, out_w)
    kernels = weight.reshape(params["num_group"], weight.shape[0] // params["num_group"], -1)
    out = jnp.einsum("gfk,ngkhw->ngfhw", kernels, cols, precision=lax.Precision.HIGHEST)
    out = out.reshape(n, -1, out_h, out_w)
    return out if bias is None else out + bias[:, None, None]


def _deformable_compute(modulated):
    def compute(inputs, aux, params, is_train, rng):
        data, offset = inputs[:2]
        mask = inputs[2] if modulated else None
        weight = inputs[3 if modulated else 2]
        bias = None if params["no_bias"] else inputs[-1]
        return (_deformable(data, offset, mask, weight, bias, params),), aux
    return compute


def _deformable_shape_rule(modulated):
    def rule(op, params, shapes):
        names = op.arg_names(params)
        conv_names = [n for n in names if n not in ("offset", "mask")]
        conv_shapes = [shapes[names.index(n)] for n in conv_names]
        conv_params = {**params, "layout": None}
        filled, outs = _conv_shape_rule(_ConvView(op.name, conv_names), conv_params, conv_shapes)
        shapes = list(shapes)
        for name, shape in zip(conv_names, filled):
            shapes[names.index(name)] = shape
        if outs[0] is not None:
            n, _, out_h, out_w = outs[0]
            taps = params["kernel"][0] * params["kernel"][1] * params["num_deformable_group"]
            _fill(op.name, names, shapes, "offset", (n, 2 * taps, out_h, out_w), shapes[0])
            if modulated:
                _fill(op.name, names, shapes, "mask", (n, taps, out_h, out_w), shapes[0])
            channels = shapes[0][1]
            if channels % params["num_deformable_group"]:
                raise MXNetError(f"{op.name}: {channels} channels do not divide into "
                                 f"num_deformable_group={params['num_deformable_group']}")
        return shapes, outs
    return rule


class _ConvView:
    """The parts of an Operator that Convolution's shape rule reads."""

    def __init__(self, name, names):
        self.name, self._names = name, tuple(names)

    def arg_names(self, params):
        return self._names


def _deformable_params(extra=()):
    return _WINDOW_PARAMS + (
        _NUM_FILTER,
        Param("num_group", P.integer_at_least(1), default=1, doc="number of channel groups"),
        Param("num_deformable_group", P.integer_at_least(1), default=1,
              doc="channel groups sharing one set of offsets"),
        Param("workspace", P.integer_at_least(0), default=1024,
              doc="ignored: MXNet's workspace limit (MB)"),
        Param("no_bias", P.boolean, default=False, doc="drop the bias input"),
    ) + extra + (Param("layout", P.optional(P.choice("NCHW")), doc="data layout: NCHW"),)


def _inputs(modulated):
    def names(params):
        head = ("data", "offset", "mask", "weight") if modulated else ("data", "offset", "weight")
        return head if params["no_bias"] else head + ("bias",)
    return names


register("_contrib_DeformableConvolution", _deformable_compute(False),
         aliases=("DeformableConvolution",), inputs=_inputs(False),
         shape_rule=_deformable_shape_rule(False), params=_deformable_params(),
         doc="2-D convolution whose kernel taps sample the data at learned offsets "
             "(N, 2 * groups * kh * kw, out_h, out_w), bilinearly (Deformable ConvNets).")

register("_contrib_ModulatedDeformableConvolution", _deformable_compute(True),
         aliases=("ModulatedDeformableConvolution",), inputs=_inputs(True),
         shape_rule=_deformable_shape_rule(True),
         params=_deformable_params((Param("im2col_step", P.integer_at_least(1), default=64,
                                          doc="ignored: images per im2col step"),)),
         doc="Deformable convolution whose samples are also scaled by a mask "
             "(N, groups * kh * kw, out_h, out_w) (Deformable ConvNets v2).")

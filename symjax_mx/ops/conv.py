"""Dense and convolution layers: FullyConnected, Convolution, Deconvolution, Pooling,
UpSampling and Embedding, with MXNet 1.9.1's parameters, layouts and shape rules.

Formulation notes (measured in bench/ops.py on XLA's CPU backend):
- Convolutions stay in the layout they are given; ``conv_general_dilated`` already runs
  a library kernel, and transposing to NHWC around each operator bought nothing.
- Depthwise convolutions (one group per input channel: MobileNet) are a multiply-add per
  kernel tap over strided slices, which XLA fuses into one loop: 30-100x faster forward and
  3-10x faster gradients than ``feature_group_count`` on XLA's CPU backend, in either
  layout (bench/depthwise.py); equal up to the order of the sums. Their gradients are
  written by hand (ops/depthwise.py), in a few kernels rather than several per tap.
- Pooling with non-overlapping windows (stride == kernel, global pooling included) is a
  reshape and a sum over the window axes, or a maximum of strided slices with a
  hand-written gradient to each window's first maximum in row-major order, as MXNet's
  (``pooling_max.tile_max``; JAX's own gradient of a max splits ties between equal
  maxima, and ``reduce_window``'s select-and-scatter ran 3-4x slower). Other windows
  (overlapping: the 3x3 stride-2 stem of every ResNet) are max-pooled one spatial axis at
  a time, last axis first, each a maximum of strided slices with a hand-written gradient to
  the first maximum along that axis; composed, the gradient reaches the window's first
  maximum in row-major order, as in MXNet. The ResNet stem's training step (forward and
  gradient) ran 4.6x faster than with ``lax.reduce_window``, whose gradient XLA's CPU
  backend runs as a slow select-and-scatter.
- A 2-D convolution without padding along an axis whose kernel is wider than 1 (the
  stems of Inception-v3) is computed with (kernel - 1) * dilate zeros padded at the end of
  that axis, and the extra outputs are cropped: the same sums, but XLA's CPU backend ran
  such "valid" windows 1.2-6x slower than padded ones (bench/conv_padding.py). Not where
  the cropped outputs would be more than a quarter of the work (LeNet's small maps).
- Other sum and average windows (Inception-v3's 3x3 stride-1 average pools) are sums of
  strided slices, one spatial axis at a time, which XLA fuses into loops: 1.5-17x faster
  forward than ``lax.reduce_window`` on XLA's CPU backend, gradients about equal; the
  same sums up to the order of the additions.
- A 1x1 convolution without padding or groups over channels-last data (NHWC: the
  inference programs of NCHW graphs, lowering/channels_last.py) is a dot product over the
  channel axis (of the strided positions): XLA's CPU backend ran ResNet-50's 1x1
  convolutions at batch 32 1.2-3x faster so than as convolutions (bench/conv_pointwise.py;
  the same sums). 3x3 kernels stay convolutions: im2col + dot was 3x slower.
  Its weight is used as the (O, I) matrix, as MXNet stores it (no transposition).
- ``workspace``, ``cudnn_tune`` and ``cudnn_off`` are accepted and ignored: they are
  performance hints for MXNet's own kernels.
"""
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from . import dense_product
from .conv_patches import (conv_by_positions, convolve, has_few_outputs, per_axis,
                           spatial_axes)
from .depthwise import depthwise
from .registry import Param, ParamParsers as P, register, same_dtype_rule
from .pooling_max import tile_max, tiles

# Full float32 matmuls on GPUs too (JAX's default there is TF32), as MXNet computes.
_PRECISION = lax.Precision.HIGHEST
_DEFAULT_LAYOUT = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_CONV_LAYOUTS = ("NCW", "NCHW", "NCDHW", "NHWC", "NDHWC")
_DEPTHWISE_TAPS = 49  # depthwise kernels up to 7x7 become multiply-adds per tap
_CROPPED_WORK = 1.25  # at most this many times the outputs computed, then cropped


def _fill(op_name, names, shapes, name, expected, data_shape):
    """Fill input ``name``'s unknown shape, or check a known one against ``expected``."""
    i = names.index(name)
    if shapes[i] is None:
        shapes[i] = tuple(expected)
    elif tuple(shapes[i]) != tuple(expected):
        needing = ("the parameters" if data_shape is None
                   else f"data of shape {tuple(data_shape)}")
        raise MXNetError(f"{op_name}: input {name} has shape {tuple(shapes[i])}, but "
                         f"{needing} need{'' if data_shape is None else 's'} "
                         f"{tuple(expected)}")


def _float_dtype_rule(op, params, dtypes):
    dtypes, out = same_dtype_rule(op, params, dtypes)
    for name, dtype in zip(op.arg_names(params), dtypes):
        if dtype is not None and not np.issubdtype(np.dtype(dtype), np.floating):
            raise MXNetError(f"{op.name}: input {name} has dtype {np.dtype(dtype).name}; this "
                             f"operator only supports floating-point types")
    return dtypes, out


def _data_layout(op_name, layout, nsp, shape):
    """The layout string of data with ``nsp`` spatial axes (the default when None)."""
    layout = layout or _DEFAULT_LAYOUT.get(nsp)
    if layout is None or len(layout) != nsp + 2 or len(shape) != nsp + 2:
        raise MXNetError(f"{op_name}: data of shape {tuple(shape)} does not fit layout "
                         f"{layout} with a {nsp}-D kernel")
    return layout


def _window(op_name, params, names):
    """kernel and the per-axis ``names`` (stride, dilate, pad, adj) with MXNet's defaults."""
    kernel = params["kernel"]
    if not 1 <= len(kernel) <= 3 or min(kernel) < 1:
        raise MXNetError(f"{op_name}: kernel {kernel} must have 1, 2 or 3 positive sizes")
    defaults = {"stride": 1, "dilate": 1, "pad": 0, "adj": 0}
    values = {}
    for name in names:
        value = params[name] or (defaults[name],) * len(kernel)
        if len(value) != len(kernel):
            raise MXNetError(f"{op_name}: {name} {value} must have as many dimensions as "
                             f"kernel {kernel}")
        if name in ("stride", "dilate") and min(value) < 1:
            raise MXNetError(f"{op_name}: {name} {value} must be positive")
        if name in ("pad", "adj") and min(value) < 0:
            raise MXNetError(f"{op_name}: {name} {value} must not be negative")
        values[name] = value
    return values


def _spatial(layout):
    return "".join(c for c in layout if c not in "NC")


def _with_channels(layout, channels, spatial):
    """A shape in ``layout`` from a channel count and spatial sizes (batch axis dropped)."""
    sizes = iter(spatial)
    return tuple(channels if c == "C" else next(sizes) for c in layout if c != "N")


def _add_bias(out, bias, layout):
    shape = [1] * out.ndim
    shape[layout.index("C")] = bias.shape[0]
    return out + bias.reshape(shape)


def _conv_inputs(params):
    return ("data", "weight") if params["no_bias"] else ("data", "weight", "bias")


def _conv_common(workspace, no_bias):
    """The parameters after num_filter, with Convolution's or Deconvolution's defaults."""
    return (
        Param("num_group", P.integer_at_least(1), default=1, doc="number of channel groups"),
        Param("workspace", P.integer_at_least(0), default=workspace,
              doc="ignored: MXNet's workspace limit (MB)"),
        Param("no_bias", P.boolean, default=no_bias, doc="drop the bias input"),
        Param("cudnn_tune", P.optional(P.choice("off", "limited_workspace", "fastest")),
              doc="ignored: cuDNN algorithm choice"),
        Param("cudnn_off", P.boolean, default=False, doc="ignored: turn off cuDNN"),
        Param("layout", P.optional(P.choice(*_CONV_LAYOUTS)),
              doc="data layout; default NCW, NCHW or NCDHW by kernel rank"),
    )


_WINDOW_PARAMS = (
    Param("kernel", P.shape, required=True, doc="kernel size: (w,), (h, w) or (d, h, w)"),
    Param("stride", P.shape, default=(), doc="stride per spatial axis (default 1)"),
    Param("dilate", P.shape, default=(), doc="dilation per spatial axis (default 1)"),
    Param("pad", P.shape, default=(), doc="zero padding per spatial axis (default 0)"),
)
_NUM_FILTER = Param("num_filter", P.integer_at_least(1), required=True,
                    doc="number of output channels")


# ---------------------------------------------------------------------------- FullyConnected

def _fc_shape_rule(op, params, shapes):
    shapes = list(shapes)
    hidden = params["num_hidden"]
    if not params["no_bias"]:
        bias = shapes[op.arg_names(params).index("bias")]
        if bias is None or tuple(bias) != (hidden,) + (1,) * (len(bias) - 1):  # MXNet takes
            _fill(op.name, op.arg_names(params), shapes, "bias", (hidden,), shapes[0])  # (n, 1)
    data = shapes[0]
    if data is None:
        return shapes, [None]
    if params["flatten"]:
        in_dim, out = math.prod(data[1:]), (data[0], hidden)
    else:
        in_dim, out = data[-1], tuple(data[:-1]) + (hidden,)
    _fill(op.name, op.arg_names(params), shapes, "weight", (hidden, in_dim), data)
    return shapes, [out]


def _fc_data_from_output(op, params, shapes, out_shapes):
    """The data shape from the output's and the weight's, as MXNet infers an RNN's begin
    state: (batch, in_dim) when flattening, else the output's leading axes + (in_dim,)."""
    out, weight = out_shapes[0], shapes[1]
    if shapes[0] is None and out is not None and weight is not None:
        shapes[0] = (out[0], weight[1]) if params["flatten"] else out[:-1] + (weight[1],)
    return shapes


def _fully_connected(inputs, aux, params, is_train, rng):
    data, weight = inputs[0], inputs[1]
    x = data.reshape(data.shape[0], -1) if params["flatten"] else data
    bias = None if params["no_bias"] else inputs[2].reshape(-1)
    return (dense_product.product(x, weight, bias, is_train),), aux


register("FullyConnected", _fully_connected, inputs=_conv_inputs, shape_rule=_fc_shape_rule,
         shape_from_outputs=_fc_data_from_output,
         params=(Param("num_hidden", P.integer_at_least(1), required=True, doc="number of outputs"),
                 Param("no_bias", P.boolean, default=False, doc="drop the bias input"),
                 Param("flatten", P.boolean, default=True,
                       doc="collapse all but the first axis; else apply to the last axis")),
         doc="data @ weight.T + bias; weight is (num_hidden, in_dim).")


# ---------------------------------------------------------------------------- Convolution

def _conv_plan(op_name, params, shape):
    """(layout, window values, channels, output spatial sizes) of a Convolution."""
    window = _window(op_name, params, ("stride", "dilate", "pad"))
    layout = _data_layout(op_name, params["layout"], len(params["kernel"]), shape)
    channels = shape[layout.index("C")]
    if channels % params["num_group"]:
        raise MXNetError(f"{op_name}: {channels} input channels of data {tuple(shape)} do not "
                         f"divide into num_group={params['num_group']} groups")
    sizes = [shape[layout.index(c)] for c in _spatial(layout)]
    out = []
    for x, k, s, d, p in zip(sizes, params["kernel"], window["stride"], window["dilate"],
                             window["pad"]):
        dk = (k - 1) * d + 1
        if dk > x + 2 * p:
            raise MXNetError(f"{op_name}: the (dilated) kernel {params['kernel']} exceeds the "
                             f"padded input of data {tuple(shape)}")
        out.append((x + 2 * p - dk) // s + 1)
    return layout, window, channels, out


def _conv_shape_rule(op, params, shapes):
    shapes = list(shapes)
    filters = params["num_filter"]
    if not params["no_bias"]:
        _fill(op.name, op.arg_names(params), shapes, "bias", (filters,), shapes[0])
    data = shapes[0]
    if data is None:
        return shapes, [None]
    layout, _, channels, out = _conv_plan(op.name, params, data)
    if filters % params["num_group"]:
        raise MXNetError(f"{op.name}: num_filter={filters} does not divide into "
                         f"num_group={params['num_group']} groups")
    # the weight is laid out like the data: (O, I, *k) for NC.., (O, *k, I) for N..C
    _fill(op.name, op.arg_names(params), shapes, "weight",
          (filters,) + _with_channels(layout, channels // params["num_group"], params["kernel"]),
          data)
    return shapes, [(data[0],) + _with_channels(layout, filters, out)]


def _convolution(inputs, aux, params, is_train, rng):
    data, weight = inputs[0], inputs[1]
    layout, window, channels, out_sizes = _conv_plan("Convolution", params, data.shape)
    if is_depthwise(params, channels):
        out = depthwise(data, weight, layout, window, out_sizes)
        if not params["no_bias"]:
            out = _add_bias(out, inputs[2], layout)
        return (out,), aux
    if has_few_outputs(params["kernel"], out_sizes, params["num_group"]):
        out = conv_by_positions(data, weight, layout, window, out_sizes, _PRECISION)
    elif layout[-1] == "C" and is_pointwise(params):
        out = _pointwise(data, weight, window["stride"])
    else:
        out = _windowed(data, weight, layout, window, params, out_sizes)
    if not params["no_bias"]:
        out = _add_bias(out, inputs[2], layout)
    return (out,), aux


def is_depthwise(params, channels):
    """Whether a Convolution's parameters over data with ``channels`` channels give one group
    per channel and a kernel small enough to run as a multiply-add per kernel tap."""
    return params["num_group"] == channels > 1 and math.prod(params["kernel"]) <= _DEPTHWISE_TAPS


def is_pointwise(params):
    """Whether a Convolution's parameters give a 1x1 kernel without padding or groups: over
    channels-last data, a matrix product over the channel axis at (strided) positions."""
    return (params["num_group"] == 1 and max(params["kernel"]) == 1
            and max(params["pad"] or (0,)) == 0)


def _pointwise(data, weight, strides):
    """A 1x1 convolution of channels-last data (weight (O, 1.., I)) as one dot product
    over the channel axis of the strided positions."""
    if max(strides) > 1:
        data = data[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
    return lax.dot_general(data, weight.reshape(weight.shape[0], -1),
                           (((data.ndim - 1,), (1,)), ((), ())), precision=_PRECISION)


def _windowed(data, weight, layout, window, params, out_sizes):
    """The convolution as one XLA convolution (``conv_patches.convolve``); a 2-D axis without
    padding is padded at its end and the extra outputs cropped (XLA's CPU kernels run
    unpadded windows several times slower), unless that computes more than
    ``_CROPPED_WORK`` times the outputs (LeNet's 5x5 windows over 28x28 and 12x12 maps:
    its training step took 1.25x the CPU time so, bench/conv_train.py)."""
    padding = [(p, p) for p in window["pad"]]
    if len(params["kernel"]) == 2:
        padded = [(0, (k - 1) * d) if p == 0 and k > 1 else (p, p) for k, d, p in
                  zip(params["kernel"], window["dilate"], window["pad"])]
        sizes = [data.shape[layout.index(c)] for c in _spatial(layout)]
        grown = [(x + lo + hi - (k - 1) * d - 1) // s + 1 for x, (lo, hi), k, d, s in
                 zip(sizes, padded, params["kernel"], window["dilate"], window["stride"])]
        if math.prod(grown) <= _CROPPED_WORK * math.prod(out_sizes):
            padding = padded
    out = convolve(data, weight, window["stride"], padding, window["dilate"],
                   params["num_group"], layout, _PRECISION)
    if padding != [(p, p) for p in window["pad"]]:
        sizes = per_axis(layout, out_sizes, None)
        out = lax.slice(out, [0] * out.ndim,
                        [n if size is None else size for n, size in zip(out.shape, sizes)])
    return out


register("Convolution", _convolution, inputs=_conv_inputs, shape_rule=_conv_shape_rule,
         dtype_rule=_float_dtype_rule,
         params=_WINDOW_PARAMS + (_NUM_FILTER,) + _conv_common(1024, False),
         doc="1-D, 2-D or 3-D convolution; weight (num_filter, C/num_group, *kernel) in NC.. "
             "layouts.")


# ---------------------------------------------------------------------------- Deconvolution

def _deconv_plan(op_name, params, shape):
    """(layout, window values with the effective pad and adj, output spatial sizes)."""
    window = _window(op_name, params, ("stride", "dilate", "pad", "adj"))
    kernel = params["kernel"]
    layout = _data_layout(op_name, params["layout"], len(kernel), shape)
    sizes = [shape[layout.index(c)] for c in _spatial(layout)]
    full = [s * (x - 1) + (k - 1) * d + 1 for x, k, s, d in
            zip(sizes, kernel, window["stride"], window["dilate"])]
    target = params["target_shape"]
    if any(target):  # target_shape overrides pad and adj
        if len(target) != len(kernel):
            raise MXNetError(f"{op_name}: target_shape {target} must have as many dimensions "
                             f"as kernel {kernel}")
        if any(t > f for t, f in zip(target, full)):
            raise MXNetError(f"{op_name}: target_shape {target} is too big for data "
                             f"{tuple(shape)}; at most {tuple(full)}")
        window["pad"] = tuple((f - t + 1) // 2 for f, t in zip(full, target))
        window["adj"] = tuple((f - t) % 2 for f, t in zip(full, target))
    if any(a >= s for a, s in zip(window["adj"], window["stride"])):
        raise MXNetError(f"{op_name}: adj {window['adj']} must be smaller than stride "
                         f"{window['stride']}")
    out = [f - 2 * p + a for f, p, a in zip(full, window["pad"], window["adj"])]
    if min(out) < 1:
        raise MXNetError(f"{op_name}: pad {window['pad']} leaves no output for data "
                         f"{tuple(shape)}")
    return layout, window, out


def _deconv_shape_rule(op, params, shapes):
    return _deconv_shapes(op.name, op.arg_names(params), params, shapes)


def _deconv_shapes(op_name, names, params, shapes):
    """Deconvolution's shape rule, shared with bilinear UpSampling."""
    shapes = list(shapes)
    filters, groups = params["num_filter"], params["num_group"]
    if not params["no_bias"]:
        _fill(op_name, names, shapes, "bias", (filters,), shapes[0])
    data = shapes[0]
    if data is None:
        return shapes, [None]
    layout, _, out = _deconv_plan(op_name, params, data)
    channels = data[layout.index("C")]
    if channels % groups or filters % groups:
        raise MXNetError(f"{op_name}: {channels} input channels and num_filter={filters} must "
                         f"both divide into num_group={groups} groups")
    # (C, num_filter/num_group, *k) for NC.. layouts, (C, *k, num_filter/num_group) for N..C
    _fill(op_name, names, shapes, "weight",
          (channels,) + _with_channels(layout, filters // groups, params["kernel"]), data)
    return shapes, [(data[0],) + _with_channels(layout, filters, out)]


def _deconvolve(data, weight, layout, window, groups):
    """Transposed convolution as a convolution of the input dilated by the stride."""
    spatial = _spatial(layout)
    if layout[-1] == "C":
        weight = jnp.moveaxis(weight, -1, 1)
    channels, per_group, kernel = weight.shape[0], weight.shape[1], weight.shape[2:]
    weight = weight.reshape((groups, channels // groups, per_group) + kernel)
    weight = weight.swapaxes(1, 2).reshape((groups * per_group, channels // groups) + kernel)
    weight = jnp.flip(weight, axis=tuple(range(2, weight.ndim)))
    padding = []
    for k, d, p, a in zip(kernel, window["dilate"], window["pad"], window["adj"]):
        edge = (k - 1) * d - p
        padding.append((edge, edge + a))
    return lax.conv_general_dilated(
        data, weight, (1,) * len(kernel), padding, lhs_dilation=window["stride"],
        rhs_dilation=window["dilate"], feature_group_count=groups,
        dimension_numbers=(layout, "OI" + spatial, layout), precision=_PRECISION)


def _deconvolution(inputs, aux, params, is_train, rng):
    layout, window, _ = _deconv_plan("Deconvolution", params, inputs[0].shape)
    out = _deconvolve(inputs[0], inputs[1], layout, window, params["num_group"])
    if not params["no_bias"]:
        out = _add_bias(out, inputs[2], layout)
    return (out,), aux


register("Deconvolution", _deconvolution, inputs=_conv_inputs, shape_rule=_deconv_shape_rule,
         dtype_rule=_float_dtype_rule,
         params=_WINDOW_PARAMS + (
             Param("adj", P.shape, default=(), doc="extra output size at the end of each axis"),
             Param("target_shape", P.shape, default=(),
                   doc="output spatial size; overrides pad and adj"),
             _NUM_FILTER) + _conv_common(512, True),
         doc="Transposed convolution (the gradient of Convolution with respect to its data); "
             "weight (C, num_filter/num_group, *kernel); no_bias defaults to True.")


# ---------------------------------------------------------------------------- Pooling

_POOL_LAYOUTS = ("NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC")


def _pool_plan(params, shape):
    """(layout, kernel, stride, [(low, high)] pads, output sizes) of a Pooling.

    The high pad makes the last window start where MXNet's convention puts it ('full'
    adds windows past the input; a negative high pad crops rows no window reaches).
    """
    if params["pool_type"] == "lp" and params["p_value"] not in (1, 2, 3):
        raise MXNetError(f"Pooling: lp pooling needs p_value 1, 2 or 3, got {params['p_value']}")
    if not 3 <= len(shape) <= 5:
        raise MXNetError(f"Pooling: data of shape {tuple(shape)} must have 3, 4 or 5 axes "
                         f"(batch, channel and 1-3 spatial axes)")
    nsp = len(shape) - 2
    if not params["global_pool"] and len(params["kernel"]) != nsp:
        raise MXNetError(f"Pooling: kernel {params['kernel']} does not fit data of shape "
                         f"{tuple(shape)}; give a {nsp}-D kernel or global_pool=True")
    layout = _data_layout("Pooling", params["layout"], nsp, shape)
    sizes = [shape[layout.index(c)] for c in _spatial(layout)]
    if params["global_pool"]:
        return layout, tuple(sizes), tuple(sizes), [(0, 0)] * nsp, [1] * nsp
    convention = params["pooling_convention"]
    if convention == "same" and not any(params["pad"]):
        params = {**params, "pad": ()}  # 'same' computes its own padding: zeros of any length
    window = _window("Pooling", params, ("stride", "pad"))
    if convention == "same" and (nsp != 1 or any(window["pad"])):
        raise MXNetError("Pooling: pooling_convention 'same' supports only 1-D data and no pad")
    pads, out = [], []
    for x, k, s, p in zip(sizes, params["kernel"], window["stride"], window["pad"]):
        if k > x + 2 * p:
            raise MXNetError(f"Pooling: kernel {params['kernel']} exceeds data "
                             f"{tuple(shape)} padded by {window['pad']}")
        n = {"valid": (x + 2 * p - k) // s + 1, "full": -(-(x + 2 * p - k) // s) + 1,
             "same": -(-(x + 2 * p) // s)}[convention]
        out.append(n)
        pads.append((p, (n - 1) * s + k - x - p))
    return layout, params["kernel"], window["stride"], pads, out


def _pool_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    layout, _, _, _, out = _pool_plan(params, data)
    return shapes, [(data[0],) + _with_channels(layout, data[layout.index("C")], out)]


def _axis_max(x, axis, kernel, stride):
    """Max over windows of ``kernel`` elements every ``stride`` along one axis; the gradient
    goes to each window's first maximum."""
    size = x.shape[axis]
    count = (size - kernel) // stride + 1
    rows = -(-size // stride)  # the gradient is built per stride phase, rows long each

    def window(x, offset):
        return lax.slice_in_dim(x, offset, offset + (count - 1) * stride + 1, stride, axis)

    @jax.custom_vjp
    def axis_max(x):
        out = window(x, 0)
        for offset in range(1, kernel):
            out = jnp.maximum(out, window(x, offset))
        return out

    def forward(x):
        out = axis_max(x)
        return out, (x, out)

    def backward(residuals, grad):
        x, out = residuals
        first = jnp.full(out.shape, kernel, np.int32)
        for offset in reversed(range(kernel)):
            first = jnp.where(window(x, offset) == out, offset, first)
        zero = jnp.zeros((), grad.dtype)
        phase_shape = grad.shape[:axis] + (rows,) + grad.shape[axis + 1:]
        phases = []
        for phase in range(stride):  # input rows phase, phase + stride, ...
            total = jnp.zeros(phase_shape, grad.dtype)
            for offset in range(phase, kernel, stride):
                pads = [(0, 0, 0)] * grad.ndim
                pads[axis] = (offset // stride, rows - count - offset // stride, 0)
                total = total + lax.pad(jnp.where(first == offset, grad, zero), zero, pads)
            phases.append(total)
        interleaved = jnp.stack(phases, axis + 1).reshape(
            grad.shape[:axis] + (rows * stride,) + grad.shape[axis + 1:])
        return (lax.slice_in_dim(interleaved, 0, size, 1, axis),)

    axis_max.defvjp(forward, backward)
    return axis_max(x)


def _pool_sum_or_max(x, layout, kernel, stride, pads, is_max):
    """Windowed max or sum, padding with the lowest value or zero per ``pads``."""
    fill = jnp.finfo(x.dtype).min if is_max else 0
    x = lax.pad(x, jnp.array(fill, x.dtype),
                per_axis(layout, [(lo, hi, 0) for lo, hi in pads], (0, 0, 0)))
    if tuple(kernel) == tuple(stride):
        if is_max:
            return tile_max(x, layout, kernel)
        tiled, axes = tiles(x, layout, kernel)
        return tiled.sum(axis=axes)
    if is_max:
        for axis, k, s in reversed(list(zip(spatial_axes(layout), kernel, stride))):
            x = _axis_max(x, axis, k, s)
        return x
    for axis, k, s in zip(spatial_axes(layout), kernel, stride):  # one axis at a time
        count = (x.shape[axis] - k) // s + 1
        x = functools.reduce(jnp.add, [
            lax.slice_in_dim(x, start, start + (count - 1) * s + 1, s, axis)
            for start in range(k)])
    return x


def _window_counts(layout, sizes, kernel, stride, pads, out, include_pad):
    """How many elements each average window divides by, broadcastable against the output."""
    counts = np.ones(())
    for x, k, s, (lo, _), n in zip(sizes, kernel, stride, pads, out):
        start = np.arange(n) * s - lo
        if include_pad:  # windows count padding, but not what lies past it ('full')
            count = np.minimum(start + k, x + lo) - start
        else:
            count = np.minimum(start + k, x) - np.maximum(start, 0)
        counts = np.multiply.outer(counts, np.maximum(count, 1))
    return counts.reshape(per_axis(layout, out, 1))


def _pooling(inputs, aux, params, is_train, rng):
    (x,) = inputs
    layout, kernel, stride, pads, out = _pool_plan(params, x.shape)
    kind = params["pool_type"]
    if kind == "max":
        return (_pool_sum_or_max(x, layout, kernel, stride, pads, True),), aux
    p = params["p_value"] if kind == "lp" else 1
    total = _pool_sum_or_max(x ** p if p > 1 else x, layout, kernel, stride, pads, False)
    if kind == "avg":
        include = params["count_include_pad"] is not False
        sizes = [x.shape[layout.index(c)] for c in _spatial(layout)]
        total = total / jnp.asarray(_window_counts(layout, sizes, kernel, stride, pads, out,
                                                   include), x.dtype)
    elif p == 2:
        total = jnp.sqrt(total)
    elif p == 3:
        total = jnp.cbrt(total)
    return (total,), aux


register("Pooling", _pooling, shape_rule=_pool_shape_rule, dtype_rule=_float_dtype_rule,
         params=(
             Param("kernel", P.shape, default=(), doc="window size; ignored by global_pool"),
             Param("pool_type", P.choice("avg", "lp", "max", "sum"), default="max",
                   doc="reduction over each window"),
             Param("global_pool", P.boolean, default=False, doc="pool each whole feature map"),
             Param("cudnn_off", P.boolean, default=False, doc="ignored: turn off cuDNN"),
             Param("pooling_convention", P.choice("full", "same", "valid"), default="valid",
                   doc="output size: floor (valid), ceil (full) or ceil(x/stride) (same, 1-D)"),
             Param("stride", P.shape, default=(), doc="stride per spatial axis (default 1)"),
             Param("pad", P.shape, default=(), doc="padding per spatial axis (default 0)"),
             Param("p_value", P.optional(P.integer), doc="p of lp pooling: 1, 2 or 3"),
             Param("count_include_pad", P.optional(P.boolean),
                   doc="avg: divide by the window size including padding (default True)"),
             Param("layout", P.optional(P.choice(*_POOL_LAYOUTS)),
                   doc="data layout; default NCW, NCHW or NCDHW")),
         doc="Max, average, sum or Lp pooling over 1-D, 2-D or 3-D windows.")


# ---------------------------------------------------------------------------- UpSampling

def _upsampling_inputs(params):
    if params["sample_type"] == "bilinear":
        return ("data", "weight")
    return tuple(f"arg{i}" for i in range(params["num_args"]))


def _bilinear_params(params):
    """The Deconvolution that bilinear UpSampling is: a per-channel learned kernel."""
    scale, filters = params["scale"], params["num_filter"]
    if filters < 1:
        raise MXNetError("UpSampling: bilinear sampling needs num_filter (the channel count)")
    return {"kernel": (2 * scale - scale % 2,) * 2, "stride": (scale, scale), "dilate": (),
            "pad": (-(-(scale - 1) // 2),) * 2, "adj": (), "target_shape": (),
            "num_filter": filters, "num_group": filters, "no_bias": True, "layout": None}


def _nearest_plan(shapes, params):
    """Output (height, width) and each input's repeat factor (the same along y and x)."""
    for i, shape in enumerate(shapes):
        if len(shape) != 4:
            raise MXNetError(f"UpSampling: input arg{i} has shape {tuple(shape)}; nearest "
                             f"sampling needs 4-D (batch, channel, y, x) data")
    height, width = shapes[0][2] * params["scale"], shapes[0][3] * params["scale"]
    factors = []
    for i, shape in enumerate(shapes):
        factor = height // shape[2]
        if factor * shape[2] != height or factor * shape[3] != width or shape[0] != shapes[0][0]:
            raise MXNetError(f"UpSampling: input arg{i} of shape {tuple(shape)} does not "
                             f"scale evenly to the output size ({height}, {width}) of arg0 "
                             f"{tuple(shapes[0])}")
        factors.append(factor)
    if params["multi_input_mode"] == "sum" and len({s[1] for s in shapes}) > 1:
        raise MXNetError(f"UpSampling: multi_input_mode 'sum' needs inputs with the same "
                         f"number of channels, got shapes {[tuple(s) for s in shapes]}")
    return height, width, factors


def _upsampling_shape_rule(op, params, shapes):
    if params["sample_type"] == "bilinear":
        return _deconv_shapes(op.name, op.arg_names(params), _bilinear_params(params), shapes)
    if any(s is None for s in shapes):
        return shapes, [None]
    height, width, _ = _nearest_plan(shapes, params)
    channels = shapes[0][1]
    if params["multi_input_mode"] == "concat":
        channels = sum(s[1] for s in shapes)
    return shapes, [(shapes[0][0], channels, height, width)]


def _repeat(x, factor):
    n, c, h, w = x.shape
    wide = jnp.broadcast_to(x[:, :, :, None, :, None], (n, c, h, factor, w, factor))
    return wide.reshape(n, c, h * factor, w * factor)


def _upsampling(inputs, aux, params, is_train, rng):
    if params["sample_type"] == "bilinear":
        deconv = _bilinear_params(params)
        layout, window, _ = _deconv_plan("UpSampling", deconv, inputs[0].shape)
        return (_deconvolve(inputs[0], inputs[1], layout, window, deconv["num_group"]),), aux
    _, _, factors = _nearest_plan([x.shape for x in inputs], params)
    parts = [_repeat(x, factor) for x, factor in zip(inputs, factors)]
    if params["multi_input_mode"] == "sum":
        return (sum(parts[1:], parts[0]),), aux
    return (jnp.concatenate(parts, axis=1),), aux


register("UpSampling", _upsampling, inputs=_upsampling_inputs,
         shape_rule=_upsampling_shape_rule, dtype_rule=_float_dtype_rule,
         params=(Param("scale", P.integer_at_least(1), required=True, doc="up-sampling factor"),
                 Param("num_filter", P.integer_at_least(0), default=0,
                       doc="bilinear: number of channels"),
                 Param("sample_type", P.choice("bilinear", "nearest"), required=True,
                       doc="nearest: repeat pixels; bilinear: a learned per-channel kernel"),
                 Param("multi_input_mode", P.choice("concat", "sum"), default="concat",
                       doc="nearest with several inputs: join channels or add"),
                 Param("num_args", P.integer_at_least(1), default=1,
                       doc="number of inputs (bilinear: data and weight)"),
                 Param("workspace", P.integer_at_least(0), default=512, doc="ignored (MB)")),
         doc="Nearest-neighbour or bilinear (deconvolution) up-sampling of 4-D data; "
             "several nearest inputs are scaled to the first one's output size.")


# ---------------------------------------------------------------------------- Embedding

def _embedding_shape_rule(op, params, shapes):
    shapes = list(shapes)
    data = shapes[0]
    _fill(op.name, op.arg_names(params), shapes, "weight",
          (params["input_dim"], params["output_dim"]), data)
    if data is None:
        return shapes, [None]
    return shapes, [tuple(data) + (params["output_dim"],)]


def _embedding_dtype_rule(op, params, dtypes):
    weight = dtypes[1] if dtypes[1] is not None else np.dtype(params["dtype"]).type
    return [dtypes[0], weight], [weight]


def _embedding(inputs, aux, params, is_train, rng):
    data, weight = inputs
    index_type = jnp.int32 if params["input_dim"] < 2 ** 31 else jnp.int64
    # indices truncate toward zero and clip into [0, input_dim - 1], as in MXNet
    return (jnp.take(weight, data.astype(index_type), axis=0, mode="clip"),), aux


_EMBEDDING_PARAMS = (
    Param("input_dim", P.integer_at_least(1), required=True, doc="vocabulary size"),
    Param("output_dim", P.integer_at_least(1), required=True, doc="embedding size"),
    Param("dtype", P.dtype, default="float32", doc="weight dtype"),
)
register("Embedding", _embedding, inputs=("data", "weight"), shape_rule=_embedding_shape_rule,
         dtype_rule=_embedding_dtype_rule,
         params=_EMBEDDING_PARAMS + (
             Param("sparse_grad", P.boolean, default=False,
                   doc="a row_sparse weight gradient (a bound executor's storage type)"),),
         doc="Rows of weight (input_dim, output_dim) picked by the indices in data.")
register("_contrib_SparseEmbedding", _embedding, inputs=("data", "weight"),
         shape_rule=_embedding_shape_rule, dtype_rule=_embedding_dtype_rule,
         params=_EMBEDDING_PARAMS + (
             Param("deterministic", P.boolean, default=False,
                   doc="accepted; the gradient is always deterministic"),),
         doc="Embedding with a row_sparse weight gradient (MXNet's older sparse embedding).")

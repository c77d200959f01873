"""Neural-network layers: activations, normalizations, dropout and softmax.

MXNet 1.9.1 semantics worth knowing (checked against real MXNet):

- BatchNorm's third output ``var`` is the inverse standard deviation
  ``1/sqrt(var + eps)`` (of the batch in training, of ``moving_var`` otherwise), and
  ``fix_gamma=True`` uses gamma as 1. MXNet updates the moving statistics in the
  backward pass; here the training forward returns them, with the same values
  (``momentum * moving + (1 - momentum) * batch``, biased batch variance).
- LeakyReLU's ``gelu`` is the erf form; ``rrelu`` has a second output ``mask`` (the
  random slopes in training, zeros at inference, where the slope is the bounds' mean).
  prelu's gamma is matched from the right against data's first two axes only: (C,)
  scales channels, (1,) everything, (N, C) both.
- SoftmaxActivation's ``instance`` mode is a softmax over the last axis.
- LRN sums a window of ``2 * ((nsize - 1) // 2) + 1`` channels and divides alpha by
  nsize (an even nsize uses the next smaller odd window, as MXNet's CPU build does).
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .matrix import normalize_axis
from .norm_gradients import channel_shape, normalize_batch, normalize_layer, scale_and_shift
from .random import flat_draw
from .registry import Param, ParamParsers as P, register

_SELU_ALPHA = 1.6732632423543772
_SELU_SCALE = 1.0507009873554805


def _data_rule(check=None):
    """A shape rule for one data input and outputs of its shape; ``check`` validates it."""
    def rule(op, params, shapes):
        data = shapes[0]
        if data is not None and check is not None:
            check(op, params, data)
        return shapes, [data] * op.num_outputs(params)
    return rule


def _fill_vectors(op, params, shapes, axis):
    """Fill every shape after data's with (C,), C = data.shape[axis]; error on a mismatch."""
    data, names = shapes[0], op.arg_names(params)
    if data is None:
        return shapes, None
    axis = normalize_axis(op.name, axis, len(data))
    want = (data[axis],)
    for i, shape in enumerate(shapes[1:], 1):
        if shape is None:
            shapes[i] = want
        elif tuple(shape) != want:
            raise MXNetError(f"{op.name}: {names[i]} has shape {tuple(shape)}, but data of shape "
                             f"{data} has {data[axis]} channels on axis {axis}; expected {want}")
    return shapes, axis


# --- activations -------------------------------------------------------------------

ACTIVATIONS = {
    "relu": jax.nn.relu,
    "sigmoid": jax.nn.sigmoid,
    "tanh": jnp.tanh,
    "softrelu": jax.nn.softplus,
    "softsign": jax.nn.soft_sign,
}


register("Activation", lambda inputs, aux, params, is_train, rng: (
            (ACTIVATIONS[params["act_type"]](inputs[0]),), aux),
         params=(Param("act_type", P.choice(*sorted(ACTIVATIONS)), required=True,
                       doc="activation function"),),
         doc="Element-wise activation: relu, sigmoid, tanh, softrelu (softplus) or softsign.")


def _xelu(x, slope):
    return jnp.where(x > 0, x, slope * x)


def _negative_expm1(x):
    """expm1 of the negative part; the positive side never overflows (so gradients stay finite)."""
    return jnp.expm1(jnp.minimum(x, 0))


def _prelu_gamma_shape(data, gamma):
    """gamma's broadcast shape against data (MXNet aligns it from the right with data's
    first two axes); None if it does not fit."""
    out, s = [1] * len(data), len(gamma) - 1
    for i in reversed(range(len(data))):
        if s >= 0 and i <= 1 and gamma[s] in (data[i], 1):
            out[i] = gamma[s]
            s -= 1
    return tuple(out) if s == -1 else None


def _leaky_relu(inputs, aux, params, is_train, rng):
    x, act = inputs[0], params["act_type"]
    slope = params["slope"]
    if act == "leaky":
        return (_xelu(x, slope),), aux
    if act == "prelu":
        gamma = inputs[1]
        return (_xelu(x, gamma.reshape(_prelu_gamma_shape(x.shape, gamma.shape))),), aux
    if act == "rrelu":
        low, high = params["lower_bound"], params["upper_bound"]
        if is_train:
            mask = flat_draw(jax.random.uniform, rng, x.shape, x.dtype, low, high)
            return (_xelu(x, mask), mask), aux
        return (_xelu(x, (low + high) / 2), jnp.zeros_like(x)), aux
    if act == "elu":
        return (jnp.where(x > 0, x, slope * _negative_expm1(x)),), aux
    if act == "selu":
        # MXNet rounds scale * alpha to one float32 constant on the negative side
        return (jnp.where(x > 0, _SELU_SCALE * x,
                          (_SELU_SCALE * _SELU_ALPHA) * _negative_expm1(x)),), aux
    return (jax.nn.gelu(x, approximate=False),), aux


def _leaky_relu_shape_rule(op, params, shapes):
    data = shapes[0]
    outputs = [data] * op.num_outputs(params)
    if params["act_type"] != "prelu" or data is None:
        return shapes, outputs
    gamma = shapes[1]
    if gamma is None:
        if len(data) < 2:
            raise MXNetError(f"LeakyReLU: cannot infer prelu's gamma shape from data of shape "
                             f"{data}; data needs a channel axis 1")
        shapes[1] = (data[1],)
    elif _prelu_gamma_shape(data, gamma) is None:
        raise MXNetError(f"LeakyReLU: gamma of shape {tuple(gamma)} does not broadcast to data "
                         f"of shape {data}; use ({data[1] if len(data) > 1 else data[0]},) for "
                         f"one slope per channel or (1,) for one slope")
    return shapes, outputs


register("LeakyReLU", _leaky_relu, random=True, differentiable=True,
         inputs=lambda p: ("data", "gamma") if p["act_type"] == "prelu" else ("data",),
         input_attrs={"gamma": {"__init__": '["Constant", {"value": 0.25}]'}},  # MXNet's
         outputs=lambda p: ("output", "mask") if p["act_type"] == "rrelu" else ("output",),
         shape_rule=_leaky_relu_shape_rule,
         params=(Param("act_type", P.choice("elu", "gelu", "leaky", "prelu", "rrelu", "selu"),
                       default="leaky", doc="activation function"),
                 Param("slope", P.number, default=0.25, doc="slope for leaky and elu"),
                 Param("lower_bound", P.number, default=0.125, doc="rrelu's lowest slope"),
                 Param("upper_bound", P.number, default=0.334, doc="rrelu's highest slope")),
         doc="Leaky ReLU family: leaky, elu, selu, gelu, prelu (learned slope gamma) and "
             "rrelu (random slope in training).")


# --- normalizations ----------------------------------------------------------------

def _batch_norm(inputs, aux, params, is_train, rng):
    data, gamma, beta = inputs
    moving_mean, moving_var = aux
    axis = params["axis"] % data.ndim
    x = data.astype(jnp.promote_types(data.dtype, gamma.dtype))
    if params["fix_gamma"]:
        gamma = jnp.ones_like(gamma)
    if is_train and not params["use_global_stats"]:
        out, mean, var, inv_std = normalize_batch(x, gamma.astype(x.dtype),
                                                  beta.astype(x.dtype), axis, params["eps"])
        m = params["momentum"]
        aux = [(m * moving_mean + (1 - m) * mean).astype(moving_mean.dtype),
               (m * moving_var + (1 - m) * var).astype(moving_var.dtype)]
    else:
        mean, inv_std = moving_mean, lax.rsqrt(moving_var + params["eps"])
        out = scale_and_shift(x, mean, inv_std, gamma, beta, axis)
    out = out.astype(data.dtype)
    return ((out, mean, inv_std) if params["output_mean_var"] else (out,)), aux


def _batch_norm_shape_rule(op, params, shapes):
    shapes, _ = _fill_vectors(op, params, shapes, params["axis"])
    return shapes, [shapes[0], shapes[1], shapes[1]][:op.num_outputs(params)]


def _batch_norm_dtype_rule(op, params, dtypes):
    """gamma, beta, the moving stats, mean and var are float32 for float16 data, else
    data's dtype."""
    data = dtypes[0]
    if data is None:
        return dtypes, [None] * op.num_outputs(params)
    stat = np.float32 if np.dtype(data) == np.float16 else data
    names = op.arg_names(params)
    for name, dtype in zip(names[1:], dtypes[1:]):
        if dtype is not None and np.dtype(dtype) != np.dtype(stat):
            raise MXNetError(f"BatchNorm: {name} has dtype {np.dtype(dtype).name}, but data of "
                             f"dtype {np.dtype(data).name} needs {np.dtype(stat).name}")
    return [data] + [stat] * 4, [data, stat, stat][:op.num_outputs(params)]


register("BatchNorm", _batch_norm, inputs=("data", "gamma", "beta"),
         aux=("moving_mean", "moving_var"),
         input_attrs={"moving_mean": {"__init__": "[\"zero\", {}]"},
                      "moving_var": {"__init__": "[\"one\", {}]"}},
         outputs=lambda p: ("output", "mean", "var") if p["output_mean_var"] else ("output",),
         shape_rule=_batch_norm_shape_rule, dtype_rule=_batch_norm_dtype_rule,
         writes_ones=lambda params: (1,) if params["fix_gamma"] else (),
         params=(Param("eps", P.number, default=1e-3, doc="added to the variance"),
                 Param("momentum", P.number, default=0.9, doc="moving-average momentum"),
                 Param("fix_gamma", P.boolean, default=True, doc="use gamma as 1"),
                 Param("use_global_stats", P.boolean, default=False,
                       doc="normalize with the moving statistics in training too"),
                 Param("output_mean_var", P.boolean, default=False,
                       doc="also output the mean and the inverse standard deviation"),
                 Param("axis", P.integer, default=1, doc="the channel axis"),
                 Param("cudnn_off", P.boolean, default=False, doc="accepted; no effect"),
                 Param("min_calib_range", P.optional(P.number),
                       doc="accepted; used by quantized graphs only"),
                 Param("max_calib_range", P.optional(P.number),
                       doc="accepted; used by quantized graphs only")),
         doc="Batch normalization over every axis but the channel axis; training updates "
             "moving_mean and moving_var.")


def _sync_batch_norm(inputs, aux, params, is_train, rng):
    """BatchNorm over axis 1 whose third output is the variance (BatchNorm's is the inverse
    standard deviation): the batch's in training, else the moving one."""
    params = {**params, "axis": 1}
    outputs, new_aux = _batch_norm(inputs, aux, params, is_train, rng)
    if not params["output_mean_var"]:
        return outputs, new_aux
    if is_train and not params["use_global_stats"]:
        data = inputs[0]
        x = data.astype(jnp.promote_types(data.dtype, inputs[1].dtype))
        var = x.var(tuple(i for i in range(data.ndim) if i != 1))
    else:
        var = aux[1]
    return (outputs[0], outputs[1], var), new_aux


def _on_axis_1(rule):
    """A BatchNorm shape or dtype rule for SyncBatchNorm, whose channel axis is 1."""
    return lambda op, params, values: rule(op, {**params, "axis": 1}, values)


_AXIS_1_BATCH_NORM_PARAMS = (
    Param("eps", P.number, default=1e-3, doc="added to the variance"),
    Param("momentum", P.number, default=0.9, doc="moving-average momentum"),
    Param("fix_gamma", P.boolean, default=True, doc="use gamma as 1"),
    Param("use_global_stats", P.boolean, default=False,
          doc="normalize with the moving statistics in training too"),
    Param("output_mean_var", P.boolean, default=False,
          doc="also output the mean and the variance"))


def _register_axis_1_batch_norm(name, extra_params, doc, aliases=()):
    """A BatchNorm over channel axis 1 (SyncBatchNorm, BatchNorm_v1)."""
    register(name, _sync_batch_norm, aliases=aliases,
             inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
             input_attrs={"moving_mean": {"__init__": "[\"zero\", {}]"},
                          "moving_var": {"__init__": "[\"one\", {}]"}},
             outputs=lambda p: ("output", "mean", "var") if p["output_mean_var"] else ("output",),
             shape_rule=_on_axis_1(_batch_norm_shape_rule),
             dtype_rule=_on_axis_1(_batch_norm_dtype_rule),
             params=_AXIS_1_BATCH_NORM_PARAMS + extra_params, doc=doc)


_register_axis_1_batch_norm(
    "_contrib_SyncBatchNorm", aliases=("SyncBatchNorm",),
    extra_params=(Param("ndev", P.integer_at_least(1), default=1,
                        doc="devices synchronizing their statistics"),
                  Param("key", P.string, required=True,
                        doc="name shared by the synchronized copies")),
    doc="Batch normalization over channel axis 1 with statistics synchronized across "
        "devices; on one device it is BatchNorm.")
_register_axis_1_batch_norm(
    "BatchNorm_v1", extra_params=(),
    doc="MXNet's deprecated first BatchNorm: BatchNorm over channel axis 1.")


def _layer_norm(inputs, aux, params, is_train, rng):
    data, gamma, beta = inputs
    out, mean, std = normalize_layer(data, gamma, beta, params["axis"] % data.ndim,
                                     params["eps"])
    return ((out, mean, std) if params["output_mean_var"] else (out,)), aux


def _layer_norm_shape_rule(op, params, shapes):
    shapes, axis = _fill_vectors(op, params, shapes, params["axis"])
    data, stat = shapes[0], None
    if axis is not None:
        stat = data[:axis] + (1,) + data[axis + 1:]
    return shapes, [data, stat, stat][:op.num_outputs(params)]


register("LayerNorm", _layer_norm, inputs=("data", "gamma", "beta"),
         outputs=lambda p: ("output", "mean", "std") if p["output_mean_var"] else ("output",),
         shape_rule=_layer_norm_shape_rule,
         params=(Param("axis", P.integer, default=-1, doc="the axis to normalize over"),
                 Param("eps", P.number, default=1e-5, doc="added to the variance"),
                 Param("output_mean_var", P.boolean, default=False,
                       doc="also output the mean and the standard deviation")),
         doc="Layer normalization over one axis, scaled by gamma and shifted by beta.")


def _instance_norm(inputs, aux, params, is_train, rng):
    data, gamma, beta = inputs
    spatial = tuple(range(2, data.ndim))
    shape = channel_shape(data.ndim, 1)
    mean = data.mean(spatial, keepdims=True)
    inv_std = lax.rsqrt(data.var(spatial, keepdims=True) + params["eps"])
    return ((data - mean) * inv_std * gamma.reshape(shape) + beta.reshape(shape),), aux


def _instance_norm_shape_rule(op, params, shapes):
    if shapes[0] is not None and len(shapes[0]) < 3:
        raise MXNetError(f"InstanceNorm: data must have at least 3 dims (batch, channel, "
                         f"spatial...), got shape {shapes[0]}")
    shapes, _ = _fill_vectors(op, params, shapes, 1)
    return shapes, [shapes[0]]


register("InstanceNorm", _instance_norm, inputs=("data", "gamma", "beta"),
         shape_rule=_instance_norm_shape_rule,
         params=(Param("eps", P.number, default=1e-3, doc="added to the variance"),),
         doc="Normalize each channel of each instance over its spatial axes.")


_L2_AXES = {"instance": lambda ndim: tuple(range(1, ndim)), "channel": lambda ndim: (1,),
            "spatial": lambda ndim: tuple(range(2, ndim))}


def _l2_check(op, params, shape):
    if params["mode"] != "instance" and len(shape) < 3:
        raise MXNetError(f"L2Normalization: mode {params['mode']} needs data of at least 3 "
                         f"dims, got shape {shape}")


def _l2_normalization(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axes = _L2_AXES[params["mode"]](data.ndim)
    norm = jnp.sqrt(jnp.sum(jnp.square(data), axes, keepdims=True) + params["eps"])
    return (data / norm,), aux


register("L2Normalization", _l2_normalization, shape_rule=_data_rule(_l2_check),
         params=(Param("eps", P.number, default=1e-10, doc="added to the sum of squares"),
                 Param("mode", P.choice("channel", "instance", "spatial"), default="instance",
                       doc="normalize each instance, each position across channels, or each "
                           "channel across positions")),
         doc="Divide by the L2 norm sqrt(sum(x**2) + eps) over the axes the mode selects.")


def _lrn_check(op, params, shape):
    if len(shape) != 4:
        raise MXNetError(f"LRN: data must be 4-D (batch, channel, height, width), got shape "
                         f"{shape}")


def _lrn(inputs, aux, params, is_train, rng):
    (data,) = inputs
    nsize, half = params["nsize"], (params["nsize"] - 1) // 2
    # a Python scalar init: JAX then recognizes the sum and uses its differentiable rule
    window = lax.reduce_window(jnp.square(data), 0.0, lax.add,
                               (1, 2 * half + 1, 1, 1), (1, 1, 1, 1),
                               ((0, 0), (half, half), (0, 0), (0, 0)))
    scale = params["knorm"] + params["alpha"] / nsize * window
    return (data * scale ** -params["beta"],), aux


register("LRN", _lrn, shape_rule=_data_rule(_lrn_check),
         params=(Param("alpha", P.number, default=1e-4, doc="variance scaling"),
                 Param("beta", P.number, default=0.75, doc="power"),
                 Param("knorm", P.number, default=2.0, doc="offset k"),
                 Param("nsize", P.integer_at_least(1), required=True,
                       doc="channels in the window")),
         doc="Local response normalization across channels: "
             "x / (knorm + alpha / nsize * sum of x**2 over the window) ** beta.")


def _group_norm(inputs, aux, params, is_train, rng):
    data, gamma, beta = inputs
    groups, eps = params["num_groups"], params["eps"]
    n, c = data.shape[:2]
    grouped = data.reshape((n, groups, -1))
    mean = grouped.mean(axis=2, keepdims=True)
    var = jnp.square(grouped - mean).mean(axis=2, keepdims=True)
    std = jnp.sqrt(var + eps)
    out = ((grouped - mean) / std * gamma[:, None] + beta[:, None]).reshape(data.shape)
    if params["output_mean_var"]:
        return (out, mean.reshape(n, groups), std.reshape(n, groups)), aux
    return (out,), aux


def _group_norm_shape_rule(op, params, shapes):
    data = shapes[0]
    outputs = op.num_outputs(params)
    if data is None:
        return shapes, [None] * outputs
    if len(data) < 2 or data[1] % params["num_groups"]:
        raise MXNetError(f"GroupNorm: data of shape {tuple(data)} needs a channel axis 1 "
                         f"divisible by num_groups={params['num_groups']}")
    shapes = [data, (params["num_groups"],), (params["num_groups"],)]
    stats = (data[0], params["num_groups"])
    return shapes, [data, stats, stats][:outputs]


register("GroupNorm", _group_norm, inputs=("data", "gamma", "beta"),
         outputs=lambda p: ("output", "mean", "std") if p["output_mean_var"] else ("output",),
         shape_rule=_group_norm_shape_rule,
         params=(Param("num_groups", P.integer_at_least(1), default=1,
                       doc="channel groups normalized separately"),
                 Param("eps", P.number, default=1e-5, doc="added to the variance"),
                 Param("output_mean_var", P.boolean, default=False,
                       doc="also output each group's mean and standard deviation")),
         doc="Group normalization: channels in num_groups groups, each normalized over its "
             "channels and spatial axes per sample, then scaled by gamma and shifted by beta "
             "(both of shape (num_groups,)) per group.")


def _smooth_l1(data, scalar):
    inverse = 1.0 / (scalar * scalar)
    return jnp.where(jnp.abs(data) < inverse, 0.5 * jnp.square(scalar * data),
                     jnp.abs(data) - 0.5 * inverse).astype(data.dtype)


register("smooth_l1", lambda inputs, aux, params, is_train, rng: (
            (_smooth_l1(inputs[0], params["scalar"]),), aux),
         params=(Param("scalar", P.number, default=1.0, doc="sigma: the quadratic zone is "
                       "|x| < 1 / sigma**2"),),
         doc="0.5 * (sigma * x)**2 where |x| < 1 / sigma**2, else |x| - 0.5 / sigma**2.")


def _hard_sigmoid(data, alpha, beta):
    return jnp.clip(alpha * data + beta, 0, 1).astype(data.dtype)


register("hard_sigmoid", lambda inputs, aux, params, is_train, rng: (
            (_hard_sigmoid(inputs[0], params["alpha"], params["beta"]),), aux),
         params=(Param("alpha", P.number, default=0.2, doc="slope"),
                 Param("beta", P.number, default=0.5, doc="offset")),
         doc="clip(alpha * x + beta, 0, 1).")


# --- dropout -------------------------------------------------------------------------

def _fraction(value):
    value = P.number(value)
    if not 0 <= value <= 1:
        raise ValueError(f"expected a fraction in [0, 1], got {value}")
    return value


def _dropout_check(op, params, shape):
    for axis in params["axes"]:
        if not -len(shape) <= axis < len(shape):
            raise MXNetError(f"Dropout: axis {axis} in axes {params['axes']} is out of range "
                             f"for data of shape {shape}")


def _dropout(inputs, aux, params, is_train, rng):
    (data,) = inputs
    p = params["p"]
    if p == 0 or not (is_train or params["mode"] == "always"):
        return (data,), aux
    shared = {a % data.ndim for a in params["axes"]}
    mask_shape = tuple(1 if i in shared else d for i, d in enumerate(data.shape))
    if p == 1:  # 0 * inf: NaN everywhere, gradient too, as in MXNet (written out, since XLA
        return (data * float("nan"),), aux  # turns a multiply by a 0/1 mask into a select)
    keep = flat_draw(lambda key, shape: jax.random.bernoulli(key, 1 - p, shape), rng, mask_shape)
    return (data * keep.astype(data.dtype) * (1 / (1 - p)),), aux


register("Dropout", _dropout, random=True, differentiable=True, shape_rule=_data_rule(_dropout_check),
         params=(Param("p", _fraction, default=0.5, doc="fraction of elements zeroed"),
                 Param("mode", P.choice("always", "training"), default="training",
                       doc="drop in training only, or on every call"),
                 Param("axes", P.shape, default=(),
                       doc="axes sharing one mask value (variational dropout)"),
                 Param("cudnn_off", P.optional(P.boolean), default=False,
                       doc="accepted; no effect")),
         doc="Zero each element with probability p and scale the rest by 1 / (1 - p); the "
             "identity outside training unless mode='always'.")


# --- softmax -------------------------------------------------------------------------

def _softmax_dtype(value):
    return P.choice("float16", "float32", "float64")(P.dtype(value))


def _softmax_params(use_length):
    return (Param("axis", P.integer, default=-1, doc="the axis to normalize over"),
            Param("temperature", P.optional(P.number), doc="divide the input by it first"),
            Param("dtype", P.optional(_softmax_dtype),
                  doc="output dtype; default: the input's"),
            Param("use_length", use_length, default=False,
                  doc="mask positions at or past the length input along the axis"))


def _softmax_compute(name, fn):
    def compute(inputs, aux, params, is_train, rng):
        data = inputs[0]
        out_dtype = params["dtype"] or data.dtype
        # at least float32 inside, as MXNet accumulates float16 (and its gradient) there
        x = data.astype(jnp.promote_types(jnp.promote_types(data.dtype, out_dtype),
                                          jnp.float32))
        axis = params["axis"] % x.ndim
        if params["temperature"] is not None:
            x = x / params["temperature"]
        if not params["use_length"]:
            return (fn(x, axis).astype(out_dtype),), aux
        if not jnp.issubdtype(inputs[1].dtype, jnp.integer):  # MXNet's kernel check: a
            # graph with a float length binds, and fails when it runs
            raise MXNetError(f"{name}: length must have an integer dtype, got "
                             f"{np.dtype(inputs[1].dtype).name}")
        positions = jnp.arange(x.shape[axis]).reshape(channel_shape(x.ndim, axis))
        mask = positions < jnp.expand_dims(inputs[1], axis)
        out = fn(jnp.where(mask, x, jnp.finfo(x.dtype).min), axis)
        return (jnp.where(mask, out, 0).astype(out_dtype),), aux
    return compute


def _softmax_shape_rule(op, params, shapes):
    data = shapes[0]
    if data is not None:
        axis = normalize_axis(op.name, params["axis"], len(data))
        if params["use_length"]:
            want = data[:axis] + data[axis + 1:]
            if shapes[1] is None:
                shapes[1] = want
            elif tuple(shapes[1]) != want:
                raise MXNetError(f"{op.name}: length has shape {tuple(shapes[1])}, but data of "
                                 f"shape {data} with axis {params['axis']} needs {want}")
    return shapes, [data]


def _softmax_dtype_rule(op, params, dtypes):
    out = np.dtype(params["dtype"]).type if params["dtype"] else dtypes[0]
    return dtypes, [out]


def _no_length(value):
    if P.boolean(value):
        raise ValueError("log_softmax takes no length input; only use_length=False is valid")
    return False


register("softmax", _softmax_compute("softmax", jax.nn.softmax),
         inputs=lambda p: ("data", "length") if p["use_length"] else ("data",),
         shape_rule=_softmax_shape_rule, dtype_rule=_softmax_dtype_rule,
         params=_softmax_params(P.optional(P.boolean)),
         doc="exp(x / T) normalized along an axis; with use_length, positions at or past "
             "the length input are 0.")

register("softmin", _softmax_compute("softmin", lambda x, axis: jax.nn.softmax(-x, axis)),
         inputs=lambda p: ("data", "length") if p["use_length"] else ("data",),
         shape_rule=_softmax_shape_rule, dtype_rule=_softmax_dtype_rule,
         params=_softmax_params(P.optional(P.boolean)),
         doc="softmax of -x / T along an axis: the smallest inputs get the largest weights.")

def _softmax_cross_entropy(inputs, aux, params, is_train, rng):
    data, label = inputs
    logp = jax.nn.log_softmax(data, axis=-1)
    picked = jnp.take_along_axis(logp, label.astype(jnp.int32)[:, None], axis=1)
    return (-picked.sum().reshape(1).astype(data.dtype),), aux


def _softmax_cross_entropy_shape_rule(op, params, shapes):
    data, label = shapes
    if data is None:
        return shapes, [(1,)]
    if len(data) != 2:
        raise MXNetError(f"softmax_cross_entropy: data must be 2-D (batch, classes), got "
                         f"{tuple(data)}")
    if label is not None and tuple(label) != (data[0],):
        raise MXNetError(f"softmax_cross_entropy: label must have shape ({data[0]},), got "
                         f"{tuple(label)}")
    return [data, (data[0],)], [(1,)]


register("softmax_cross_entropy", _softmax_cross_entropy, inputs=("data", "label"),
         shape_rule=_softmax_cross_entropy_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="Sum over the batch of the cross entropy of softmax(data) against the label "
             "classes: shape (1,).")

register("log_softmax", _softmax_compute("log_softmax", jax.nn.log_softmax),
         shape_rule=_softmax_shape_rule, dtype_rule=_softmax_dtype_rule,
         params=_softmax_params(_no_length),
         doc="The logarithm of softmax, computed stably.")


def _softmax_activation_check(op, params, shape):
    if params["mode"] == "channel" and len(shape) < 3:
        raise MXNetError(f"SoftmaxActivation: mode channel needs data of at least 3 dims, got "
                         f"shape {shape}")


register("SoftmaxActivation", lambda inputs, aux, params, is_train, rng: (
            (jax.nn.softmax(inputs[0], 1 if params["mode"] == "channel" else -1),), aux),
         shape_rule=_data_rule(_softmax_activation_check),
         params=(Param("mode", P.choice("channel", "instance"), default="instance",
                       doc="softmax over the last axis (instance) or over axis 1 (channel)"),),
         doc="Softmax over the last axis, or over the channel axis in channel mode.")


"""Loss layers and gradient-shaping operators, with MXNet 1.9.1's defined gradients.

The forward of each loss layer is ordinary (softmax, identity, sigmoid); its gradient is
not the autodiff of that forward. Each gradient is a module-level ``jax.custom_vjp``
whose first argument is a hashable configuration (a ``nondiff_argnums`` argument), so
JAX traces it once per parameter set. The backward rules ignore the incoming head
gradient, as MXNet's do, and give labels a zero gradient.

MXNet 1.9.1 facts these follow (checked against real MXNet):

- SoftmaxOutput compares ``int(label)`` with ``int(ignore_label)`` (both truncated);
  an out-of-range label subtracts nothing. ``normalization='valid'`` counts labels that
  differ from ``ignore_label`` whether or not ``use_ignore`` is set. With
  ``multi_output`` the gradient is also divided by the spatial size unless the
  normalization is ``valid``, and ``smooth_alpha`` is not applied. A label with the
  data's shape is a probability label: ``grad_scale * (out - label)``, nothing else.
  ``out_grad=True`` multiplies the gradient by the softmax output (MXNet 1.9.1 reads
  the output where its documentation promises the head gradient).
- The regression outputs divide by ``label.size / label.shape[0]``; MAE's sign of 0 is -1.
- MakeLoss ``batch`` divides by the product of all dimensions but the last, ``valid``
  by the count of elements greater than ``valid_thresh`` (at least 1).

One deliberate difference: BlockGrad is ``lax.stop_gradient``, a symbolic zero, so a
loss layer whose output reaches only BlockGrad runs no backward; MXNet 1.9.1 still
emits that loss layer's gradient.
"""
import math
from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, same_dtype_rule

_NORMALIZATION = Param("normalization", P.choice("null", "batch", "valid"), default="null",
                       doc="gradient normalisation: null, batch or valid")


def _zero_cotangent(x):
    """A zero gradient for an input; integer inputs take JAX's float0 zeros."""
    if jnp.issubdtype(x.dtype, jnp.inexact):
        return jnp.zeros_like(x)
    return np.zeros(x.shape, dtype=jax.dtypes.float0)


# --- SoftmaxOutput -------------------------------------------------------------------

class _SoftmaxConfig(NamedTuple):
    grad_scale: float
    ignore_label: float
    multi_output: bool
    use_ignore: bool
    preserve_shape: bool
    normalization: str
    out_grad: bool
    smooth_alpha: float


def _softmax_forward(cfg, data):
    if cfg.multi_output:
        return jax.nn.softmax(data, axis=1)
    if cfg.preserve_shape:
        return jax.nn.softmax(data, axis=-1)
    flat = data.reshape(data.shape[0], math.prod(data.shape[1:]))
    return jax.nn.softmax(flat, axis=-1).reshape(data.shape)


def _class_index(label):
    """MXNet's static_cast<int>: truncation toward zero."""
    return jnp.trunc(label).astype(jnp.int32)


def _scale_by_count(grad_scale, count, dtype):
    """grad_scale / max(count, 1) in at least float32, cast to ``dtype`` as MXNet does."""
    wide = jnp.promote_types(dtype, jnp.float32)
    return (grad_scale / jnp.maximum(count, 1).astype(wide)).astype(dtype)


def _valid_scale(cfg, index, dtype):
    return _scale_by_count(cfg.grad_scale, jnp.sum(index != int(cfg.ignore_label)), dtype)


def _softmax_grad_rows(cfg, out, label):
    """The gradient when softmax runs over rows of a 2-D view (default or preserve_shape)."""
    split = len(out.shape) - 1 if cfg.preserve_shape else 1
    rows, classes = math.prod(out.shape[:split]), math.prod(out.shape[split:])
    out2 = out.reshape(rows, classes)
    labels = _class_index(label.reshape(-1))
    index = labels[:rows]  # default mode on N-d data uses only the first N labels
    onehot = (index[:, None] == jnp.arange(classes)).astype(out.dtype)
    target = onehot
    if cfg.smooth_alpha:
        off = cfg.smooth_alpha / max(classes - 1, 1)
        target = onehot * (1 - cfg.smooth_alpha) + (1 - onehot) * off
    grad = out2 - target
    if cfg.use_ignore:
        grad = jnp.where((index == int(cfg.ignore_label))[:, None], 0, grad)
    if cfg.normalization == "batch":
        grad = grad * (cfg.grad_scale / max(labels.shape[0], 1))
    elif cfg.normalization == "valid":
        grad = grad * _valid_scale(cfg, labels, out.dtype)
    else:
        grad = grad * cfg.grad_scale
    return grad.reshape(out.shape)


def _softmax_grad_multi(cfg, out, label):
    """The gradient when softmax runs over axis 1 of (N, K, spatial...)."""
    n, classes = out.shape[:2]
    spatial = math.prod(out.shape[2:])
    out3 = out.reshape(n, classes, spatial)
    index = _class_index(label.reshape(n, spatial))
    onehot = (index[:, None, :] == jnp.arange(classes)[None, :, None]).astype(out.dtype)
    grad = out3 - onehot
    if cfg.use_ignore:
        grad = jnp.where((index == int(cfg.ignore_label))[:, None, :], 0, grad)
    if cfg.normalization == "valid":
        grad = grad * _valid_scale(cfg, index, out.dtype)
    else:
        count = n if cfg.normalization == "batch" else 1
        grad = grad * (cfg.grad_scale / max(spatial * count, 1))
    return grad.reshape(out.shape)


@partial(jax.custom_vjp, nondiff_argnums=(0,))
def _softmax_output(cfg, data, label):
    return _softmax_forward(cfg, data)


def _softmax_output_fwd(cfg, data, label):
    out = _softmax_forward(cfg, data)
    return out, (out, label)


def _softmax_output_bwd(cfg, residuals, head):
    out, label = residuals
    if label.shape == out.shape:
        grad = (out - label.astype(out.dtype)) * cfg.grad_scale
    elif cfg.multi_output:
        grad = _softmax_grad_multi(cfg, out, label)
    else:
        grad = _softmax_grad_rows(cfg, out, label)
    if cfg.out_grad:
        grad = grad * out
    return grad, _zero_cotangent(label)


_softmax_output.defvjp(_softmax_output_fwd, _softmax_output_bwd)


def _softmax_output_compute(inputs, aux, params, is_train, rng):
    data, label = inputs
    return (_softmax_output(_SoftmaxConfig(**params), data, label),), aux


def _softmax_label_shapes(params, data):
    """Label shapes SoftmaxOutput accepts for ``data`` besides the data's own; the first
    is the one it fills in."""
    if params["multi_output"]:
        n, rest = data[0], tuple(data[2:])
        return [(n, math.prod(rest)), (n,) + rest, (n, 1) + rest]
    return [tuple(data[:-1])]


def _softmax_output_shape_rule(op, params, shapes):
    data, label = shapes
    if data is None:
        return shapes, [None]
    data = tuple(data)
    if len(data) < (1 if params["preserve_shape"] and not params["multi_output"] else 2):
        raise MXNetError(f"{op.name}: input data must have at least 2 dimensions (1 with "
                         f"preserve_shape), got shape {data}")
    allowed = _softmax_label_shapes(params, data)
    if label is None:
        label = allowed[0]
    elif tuple(label) != data and tuple(label) not in allowed:
        expected = " or ".join(str(s) for s in dict.fromkeys(allowed))
        raise MXNetError(f"{op.name}: input label has shape {tuple(label)}, inconsistent with "
                         f"data shape {data}: expected {expected} (or {data} for "
                         f"probability labels)")
    return [data, tuple(label)], [data]


def _data_dtype_rule(op, params, dtypes):
    """The label takes the data's dtype (MXNet: 'This layer requires uniform type')."""
    data = dtypes[0]
    if data is None:
        return dtypes, [None]
    names = op.arg_names(params)
    for name, dtype in zip(names[1:], dtypes[1:]):
        if dtype is not None and np.dtype(dtype) != np.dtype(data):
            raise MXNetError(f"{op.name}: input {name} has dtype {np.dtype(dtype).name}, but "
                             f"data has dtype {np.dtype(data).name}; this layer requires one "
                             f"dtype")
    return [data] * len(dtypes), [data]


register("SoftmaxOutput", _softmax_output_compute, aliases=("Softmax",), loss=True,
         inputs=("data", "label"), shape_rule=_softmax_output_shape_rule,
         dtype_rule=_data_dtype_rule,
         params=(Param("grad_scale", P.number, default=1.0, doc="scales the gradient"),
                 Param("ignore_label", P.number, default=-1.0,
                       doc="label ignored in the gradient when use_ignore is set"),
                 Param("multi_output", P.boolean, default=False,
                       doc="softmax over axis 1, labels (N, spatial...)"),
                 Param("use_ignore", P.boolean, default=False,
                       doc="zero the gradient of instances labelled ignore_label"),
                 Param("preserve_shape", P.boolean, default=False,
                       doc="softmax over the last axis"),
                 _NORMALIZATION,
                 Param("out_grad", P.boolean, default=False,
                       doc="multiply the gradient by the output (MXNet 1.9.1's behaviour)"),
                 Param("smooth_alpha", P.number, default=0.0,
                       doc="label smoothing of the gradient's target")),
         doc="Softmax forward; backward emits grad_scale * (softmax - onehot(label)), "
             "normalised, ignoring the head gradient.")


# --- Regression outputs --------------------------------------------------------------

def _regression_forward(kind, data):
    return jax.nn.sigmoid(data) if kind == "logistic" else data


@partial(jax.custom_vjp, nondiff_argnums=(0, 1))
def _regression_output(kind, grad_scale, data, label):
    return _regression_forward(kind, data)


def _regression_output_fwd(kind, grad_scale, data, label):
    out = _regression_forward(kind, data)
    return out, (out, label)


def _regression_output_bwd(kind, grad_scale, residuals, head):
    out, label = residuals
    diff = out - label.reshape(out.shape).astype(out.dtype)
    if kind == "mae":
        diff = jnp.where(diff > 0, 1, -1).astype(out.dtype)
    num_output = max(label.size // max(label.shape[0], 1), 1)
    return diff * (grad_scale / num_output), _zero_cotangent(label)


_regression_output.defvjp(_regression_output_fwd, _regression_output_bwd)


def _regression_shape_rule(op, params, shapes):
    data, label = shapes
    if data is None:
        return shapes, [None]
    data = tuple(data)
    if label is None:
        label = (data[0],) if len(data) == 2 and data[1] == 1 else data
    elif (not label or not data or label[0] != data[0]
          or math.prod(label) != math.prod(data)):
        raise MXNetError(f"{op.name}: input label has shape {tuple(label)}, inconsistent with "
                         f"data shape {data}: it needs the same batch size and number of "
                         f"elements")
    return [data, tuple(label)], [data]


def _register_regression(name, kind, what):
    def compute(inputs, aux, params, is_train, rng):
        data, label = inputs
        return (_regression_output(kind, params["grad_scale"], data, label),), aux
    compute.__name__ = f"{kind}_regression_compute"
    register(name, compute, inputs=("data", "label"), loss=True,
             shape_rule=_regression_shape_rule,
             dtype_rule=same_dtype_rule,
             params=(Param("grad_scale", P.number, default=1.0, doc="scales the gradient"),),
             doc=f"{what}; backward emits grad_scale * {'sign' if kind == 'mae' else ''}"
                 f"(out - label) / num_output, ignoring the head gradient.")


@partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _svm_output(margin, coefficient, linear, data, label):
    return data


def _svm_output_fwd(margin, coefficient, linear, data, label):
    return data, (data, label)


def _svm_output_bwd(margin, coefficient, linear, residuals, head):
    data, label = residuals
    classes = jnp.arange(data.shape[-1])
    sign = jnp.where(label.astype(jnp.int32)[..., None] == classes, 1, -1).astype(data.dtype)
    slack = margin - sign * data
    if linear:  # L1-SVM: hinge loss
        grad = -coefficient * sign * (slack > 0)
    else:       # L2-SVM: squared hinge loss
        grad = -2 * coefficient * sign * jnp.maximum(slack, 0)
    return grad.astype(data.dtype), _zero_cotangent(label)


_svm_output.defvjp(_svm_output_fwd, _svm_output_bwd)


def _svm_shape_rule(op, params, shapes):
    data, label = shapes
    if data is None:
        return shapes, [None]
    want = tuple(data[:-1])
    if label is not None and tuple(label) != want:
        raise MXNetError(f"SVMOutput: label has shape {tuple(label)}, data {tuple(data)} needs "
                         f"{want}")
    return [tuple(data), want], [tuple(data)]


register("SVMOutput", lambda inputs, aux, params, is_train, rng: ((_svm_output(
            params["margin"], params["regularization_coefficient"], params["use_linear"],
            *inputs),), aux),
         inputs=("data", "label"), loss=True, shape_rule=_svm_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("margin", P.number, default=1.0, doc="the margin of the hinge"),
                 Param("regularization_coefficient", P.number, default=1.0,
                       doc="scale of the gradient"),
                 Param("use_linear", P.boolean, default=False,
                       doc="L1-SVM (hinge) instead of L2-SVM (squared hinge)")),
         doc="Identity forward; backward is the gradient of the one-vs-all (squared) hinge "
             "loss of the scores against the label class, ignoring the head gradient.")


_register_regression("LinearRegressionOutput", "linear", "Identity forward (squared loss)")
_register_regression("LogisticRegressionOutput", "logistic", "Sigmoid forward (logistic loss)")
_register_regression("MAERegressionOutput", "mae", "Identity forward (absolute loss)")


# --- MakeLoss, make_loss, BlockGrad --------------------------------------------------

@partial(jax.custom_vjp, nondiff_argnums=(0, 1, 2))
def _make_loss(grad_scale, valid_thresh, normalization, data):
    return data


def _make_loss_fwd(grad_scale, valid_thresh, normalization, data):
    return data, data


def _make_loss_bwd(grad_scale, valid_thresh, normalization, data, head):
    if normalization == "batch":
        scale = jnp.asarray(grad_scale / max(math.prod(data.shape[:-1]), 1), data.dtype)
    elif normalization == "valid":
        scale = _scale_by_count(grad_scale, jnp.sum(data > valid_thresh), data.dtype)
    else:
        scale = jnp.asarray(grad_scale, data.dtype)
    return (jnp.full(data.shape, scale, data.dtype),)


_make_loss.defvjp(_make_loss_fwd, _make_loss_bwd)


def _make_loss_compute(inputs, aux, params, is_train, rng):
    (data,) = inputs
    return (_make_loss(params["grad_scale"], params["valid_thresh"], params["normalization"],
                       data),), aux


def _float_dtype_rule(op, params, dtypes):
    dtypes, out = same_dtype_rule(op, params, dtypes)
    if dtypes[0] is not None and not np.issubdtype(np.dtype(dtypes[0]), np.floating):
        raise MXNetError(f"{op.name}: only floating point types are supported, not "
                         f"{np.dtype(dtypes[0]).name}")
    return dtypes, out


register("MakeLoss", _make_loss_compute, dtype_rule=_float_dtype_rule, loss=True,
         params=(Param("grad_scale", P.number, default=1.0, doc="scales the gradient"),
                 Param("valid_thresh", P.number, default=0.0,
                       doc="elements above it are valid for normalization='valid'"),
                 _NORMALIZATION),
         doc="Identity forward; backward emits grad_scale, normalised, ignoring the head "
             "gradient.")


@jax.custom_vjp
def _ones_gradient(data):
    return data


def _ones_gradient_fwd(data):
    return data, data


def _ones_gradient_bwd(data, head):
    return (jnp.ones_like(data) if jnp.issubdtype(data.dtype, jnp.inexact)
            else _zero_cotangent(data),)


_ones_gradient.defvjp(_ones_gradient_fwd, _ones_gradient_bwd)

register("make_loss", loss=True, compute=lambda inputs, aux, params, is_train, rng: (
            (_ones_gradient(inputs[0]),), aux),
         outputs=("loss",),
         doc="Identity forward; backward emits ones, ignoring the head gradient.")

register("BlockGrad", differentiable=False, compute=lambda inputs, aux, params, is_train, rng: (
            (lax.stop_gradient(inputs[0]),), aux),
         aliases=("stop_gradient",),
         doc="Identity forward; no gradient flows back to the input.")

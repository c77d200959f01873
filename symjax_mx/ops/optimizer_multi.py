"""MXNet's multi-tensor optimizer updates and their helpers, on the rules of
optimizer_update: the SGD family (multi_sgd_update, multi_sgd_mom_update, their ``mp_``
variants and the ``preloaded_`` ones, which take the learning rates and weight decays as
the last two arrays), multi_sum_sq and multi_lars (LARS's learning rates), LAMB on a float32
master copy (mp_lamb_update_phase1/2) and on many weights (_multi_lamb_update,
_multi_mp_lamb_update), and _contrib_group_adagrad_update.

As in MXNet, the multi-tensor operators take the arrays of each weight in turn (weight_i,
grad_i, its states, its master copy weight32_i), and write the states in place.
"""
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .optimizer_update import (_COMMON, _LAMB_BOUNDS, _LAMB_PHASE1, _LR, _LRS, _MOMENTUM,
                               _WDS, _apply, _dtype_rule, _register, _register_multi,
                               _weight_shape_rule, clip_by, lamb_update_phase1,
                               lamb_update_phase2, scalars_like, sgd_mom_update, sgd_update)
from .registry import Param, ParamParsers as P, register

__all__ = ["lamb_update", "group_adagrad_update"]


# --- SGD on many weights ------------------------------------------------------------------

for _preloaded in (False, True):
    for _master in (False, True):
        for _mom in (False, True):
            _name = (("preloaded_" if _preloaded else "") + "multi_" + ("mp_" if _master else "")
                     + "sgd_" + ("mom_" if _mom else "") + "update")
            _register_multi(
                _name, sgd_mom_update if _mom else sgd_update, ("mom",) if _mom else (),
                ((() if _preloaded else (_LRS, _WDS)) + ((_MOMENTUM,) if _mom else ())
                 + _COMMON[1:]),
                f"SGD{' with momentum' if _mom else ''} on num_weights weights at once "
                f"(arrays weight_i, grad_i{', mom_i' if _mom else ''}"
                f"{', weight32_i (float32)' if _master else ''} for each i"
                f"{', then the float32 arrays lrs and wds' if _preloaded else ''}): "
                "weight_i + mom_i, mom_i = momentum * mom_i - lr_i * (clip(rescale_grad * "
                "grad_i) + wd_i * weight_i).", per_weight={"lr": "lrs", "wd": "wds"},
                inputs=("lrs", "wds") if _preloaded else (), master=_master)


# --- LARS ---------------------------------------------------------------------------------

def _sum_squares(inputs, aux, params, is_train, rng):
    return (jnp.stack([jnp.sum(jnp.square(a).astype(jnp.float32)) for a in inputs]),), aux


def _sum_squares_dtype(op, params, dtypes):
    known = next((d for d in dtypes if d is not None), None)
    for index, dtype in enumerate(dtypes):
        if dtype is not None and np.dtype(dtype) != np.dtype(known):
            raise MXNetError(f"{op.name}: array_{index} is {np.dtype(dtype).name}, but the "
                             f"first array is {np.dtype(known).name}")
    return [known] * len(dtypes), [np.float32]


register("multi_sum_sq", _sum_squares,
         inputs=lambda p: tuple(f"array_{i}" for i in range(p["num_arrays"])),
         params=(Param("num_arrays", P.integer_at_least(1), required=True,
                       doc="number of input arrays"),),
         shape_rule=lambda op, params, shapes: (shapes, [(params["num_arrays"],)]),
         dtype_rule=_sum_squares_dtype, differentiable=False,
         doc="The sum of the squares of each array, as a float32 array of num_arrays values.")


def _lars(inputs, aux, params, is_train, rng):
    lrs, weights_sum_sq, grads_sum_sq, wds = inputs
    eta, eps, rescale = scalars_like(lrs, params["eta"], params["eps"], params["rescale_grad"])
    w_norm = jnp.sqrt(weights_sum_sq)
    valid = (w_norm > 0) & (grads_sum_sq > 0)
    lars = lrs * eta * w_norm / (jnp.sqrt(grads_sum_sq) * rescale + wds * w_norm + eps)
    return (jnp.where(valid, lars, lrs),), aux


_FLOAT32_LARS = {name: np.float32 for name in ("lrs", "weights_sum_sq", "grads_sum_sq", "wds")}
register("multi_lars", _lars, inputs=tuple(_FLOAT32_LARS), differentiable=False,
         params=(Param("eta", P.number, required=True, traced=True, doc="LARS eta"),
                 Param("eps", P.number, required=True, traced=True, doc="LARS eps"),
                 Param("rescale_grad", P.number, 1.0, traced=True,
                       doc="the gradients' scale")),
         dtype_rule=_dtype_rule(_FLOAT32_LARS, out=np.float32),
         doc="LARS learning rates from the sums of squares of weights and gradients: lrs * "
             "eta * |w| / (|g| * rescale_grad + wds * |w| + eps), or lrs where |w| or |g| is 0.")


# --- LAMB ---------------------------------------------------------------------------------

def _norm(values):
    return jnp.sqrt(jnp.sum(jnp.square(values).astype(jnp.float32)))


def lamb_update(weight, grad, mean, var, lr, beta1, beta2, epsilon, t, bias_correction, wd,
                rescale_grad, clip_gradient, lower_bound, upper_bound):
    """(new weight, mean, var) of one LAMB step: both phases, with r1 and r2 the norms of
    the weight and of the update direction."""
    g, mean, var = lamb_update_phase1(weight, grad, mean, var, beta1, beta2, epsilon, t,
                                      bias_correction, wd, rescale_grad, clip_gradient)
    return (lamb_update_phase2(weight, g, _norm(weight), _norm(g), lr, lower_bound,
                               upper_bound), mean, var)


def _mp_lamb_phase1(inputs, aux, params, is_train, rng):
    mean, var, weight32 = aux
    g, new = _apply(lamb_update_phase1, weight32, inputs[1].astype(jnp.float32), (),
                    (mean, var), params)
    return (g,), [*new, weight32]


def _mp_lamb_phase2(inputs, aux, params, is_train, rng):
    weight, g, r1, r2, weight32 = inputs
    new, _ = _apply(lamb_update_phase2, weight32, g, (r1, r2), (), params)
    return (new.astype(weight.dtype),), aux


register("mp_lamb_update_phase1", _mp_lamb_phase1, inputs=("weight", "grad"),
         aux=("mean", "var", "weight32"), params=_LAMB_PHASE1,
         shape_rule=_weight_shape_rule,
         dtype_rule=_dtype_rule({"weight": np.float16, "grad": np.float16, "mean": np.float32,
                                 "var": np.float32, "weight32": np.float32}, out=np.float32),
         mutates_aux=True, differentiable=False,
         doc="lamb_update_phase1 on the float32 master copy weight32 of a float16 weight: "
             "returns the float32 update direction g; writes mean and var.")
register("mp_lamb_update_phase2", _mp_lamb_phase2, inputs=("weight", "g", "r1", "r2", "weight32"),
         params=(_LR, *_LAMB_BOUNDS), shape_rule=_weight_shape_rule,
         dtype_rule=_dtype_rule({k: np.float32 for k in ("g", "r1", "r2", "weight32")}),
         differentiable=False,
         doc="lamb_update_phase2 on the float32 master copy weight32, returned in the "
             "weight's dtype (weight32 itself is not written).")

_MULTI_LAMB = (Param("learning_rates", P.floats, required=True,
                     doc="a learning rate per weight"),
               *_LAMB_PHASE1[:3],
               Param("wds", P.floats, required=True, doc="a weight decay per weight"),
               _COMMON[1], *_LAMB_BOUNDS, _COMMON[2], _LAMB_PHASE1[4],
               Param("step_count", P.shape, required=True, doc="the update count per weight"))
for _master in (False, True):
    _register_multi("_multi_mp_lamb_update" if _master else "_multi_lamb_update", lamb_update,
                    ("mean", "var"), _MULTI_LAMB,
                    "LAMB on num_tensors weights at once (arrays weight_i, grad_i, mean_i, "
                    "var_i" + (", weight32_i" if _master else "") + " for each i).",
                    per_weight={"lr": "learning_rates", "wd": "wds", "t": "step_count"},
                    master=_master, count="num_tensors")


# --- Group AdaGrad ------------------------------------------------------------------------

def group_adagrad_update(weight, grad, history, lr, rescale_grad, clip_gradient, epsilon):
    """(new weight, history) of AdaGrad with one history value per row: history[r] +=
    mean(g[r] ** 2), weight - lr * g / sqrt(history[r] + epsilon), g = clip(rescale_grad *
    grad)."""
    lr, rescale, eps = scalars_like(weight, lr, rescale_grad, epsilon)
    grad = clip_by(rescale * grad, clip_gradient)
    rows = weight.shape[0]
    flat = history.reshape(-1)
    flat = flat.at[:rows].add(jnp.mean(jnp.square(grad.reshape(rows, -1)), axis=1))
    scale = jnp.sqrt(flat[:rows] + eps).reshape((rows,) + (1,) * (weight.ndim - 1))
    return weight - lr * grad / scale, flat.reshape(history.shape)


def _group_adagrad_shape(op, params, shapes):
    weight, grad, history = shapes
    known = weight if weight is not None else grad
    if weight is not None and grad is not None and tuple(weight) != tuple(grad):
        raise MXNetError(f"{op.name}: grad has shape {tuple(grad)}, but the weight has shape "
                         f"{tuple(weight)}")
    if known is not None and history is not None and history[0] != known[0]:
        raise MXNetError(f"{op.name}: history has shape {tuple(history)}, but needs "
                         f"{known[0]} rows as the weight {tuple(known)}")
    return [known, known, history], [known]


_register("_contrib_group_adagrad_update", group_adagrad_update, ("history",),
          (_LR, *_COMMON[1:], Param("epsilon", P.number, 1e-5, doc="added under the root")),
          "Group AdaGrad: AdaGrad with one history value per row of the weight.",
          shape_rule=_group_adagrad_shape)

"""MXNet's optimizer update operators (sgd_update, adam_update, ...), and their update rules
as pure JAX functions that mx.optimizer's optimizers call: each formula is written once,
here.

The operators take the weight and the gradient as inputs and the optimizer's states as
mutable auxiliary states (MXNet's FMutateInputs): every call writes the new states back
into the state arrays and returns the new weight, which callers usually write into the
weight itself with ``out=weight``. The ``mp_`` variants keep a float32 master copy of a
float16 weight as their last state. Scalars are cast to the weight's dtype before the
array math, as MXNet's kernels get float parameters. The operators compute on dense
values, so ``lazy_update`` has no effect here; mx.optimizer's optimizers apply MXNet's lazy
update of row_sparse gradients around these rules (``Optimizer._lazy_rows``).

The ``multi_`` operators update num_weights weights in one call. The AdamW operators
(``_adamw_update`` ..., which mx.nd.contrib wraps) take rescale_grad as a float32 array
input, after the weight and the gradient and before the states.
"""
import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

__all__ = ["scalars_like", "clip_by", "sgd_update", "sgd_mom_update", "sgd_step",
           "nag_mom_update",
           "signsgd_update", "signum_update", "adam_update", "rmsprop_update",
           "rmspropalex_update", "ftrl_update", "ftml_update", "lamb_update_phase1",
           "lamb_update_phase2", "adamw_update"]


def scalars_like(like, *scalars):
    """Host or traced scalars in the dtype of the array ``like`` (MXNet's float params)."""
    return [jnp.asarray(s, like.dtype) for s in scalars]


def _on(limit):
    """Whether a clip limit is on: MXNet's kernels ignore a missing or negative limit. A
    traced limit is on (the optimizers trace a limit only while it is on)."""
    return limit is not None and (isinstance(limit, jax.core.Tracer) or limit > 0)


def clip_by(values, limit):
    """``values`` clipped to [-limit, limit], or unchanged when the limit is off."""
    return jnp.clip(values, -limit, limit) if _on(limit) else values


# --- the update rules ---------------------------------------------------------------------

def sgd_update(weight, grad, lr, wd, rescale_grad, clip_gradient):
    """weight - lr * (clip(rescale_grad * grad) + wd * weight)."""
    lr, wd, rescale = scalars_like(weight, lr, wd, rescale_grad)
    grad = clip_by(rescale * grad, clip_gradient)
    return (1 - lr * wd) * weight - lr * grad


def sgd_mom_update(weight, grad, mom, lr, momentum, wd, rescale_grad, clip_gradient):
    """(new weight, new mom): mom = -lr * (wd * weight + clip(rescale * grad)) + momentum *
    mom (summed in this order, as optax.trace does); weight + mom."""
    lr, wd, rescale, momentum = scalars_like(weight, lr, wd, rescale_grad, momentum)
    grad = clip_by(rescale * grad, clip_gradient)
    mom = (-lr * wd * weight - lr * grad) + momentum * mom
    return weight + mom, mom


def sgd_step(weight, grad, mom, lr, momentum, wd, rescale_grad, clip_gradient):
    """(new weight, new mom) of SGD: with momentum where there is a momentum state
    ``mom``, else plain (and the new mom None)."""
    if mom is None:
        return sgd_update(weight, grad, lr, wd, rescale_grad, clip_gradient), None
    return sgd_mom_update(weight, grad, mom, lr, momentum, wd, rescale_grad, clip_gradient)


def nag_mom_update(weight, grad, mom, lr, momentum, wd, rescale_grad, clip_gradient):
    """(new weight, new mom) of Nesterov momentum. MXNet's kernel writes the weight before
    it updates the momentum, so the momentum's weight-decay term sees the new weight."""
    lr, wd, rescale, momentum = scalars_like(weight, lr, wd, rescale_grad, momentum)
    grad = clip_by(rescale * grad, clip_gradient)
    mom = momentum * mom
    new_weight = weight - mom + (momentum + 1) * (mom - lr * (grad + wd * weight))
    return new_weight, mom - lr * (grad + wd * new_weight)


def signsgd_update(weight, grad, lr, wd):
    """(1 - lr * wd) * weight - lr * sign(grad); MXNet's kernel ignores rescale_grad and
    clip_gradient."""
    lr, wd = scalars_like(weight, lr, wd)
    return (1 - lr * wd) * weight - lr * jnp.sign(grad)


def signum_update(weight, grad, mom, lr, momentum, wd, rescale_grad, clip_gradient, wd_lh):
    """(new weight, new mom): mom = momentum * mom - (1 - momentum) * (wd * weight +
    clip(rescale_grad * grad)); weight = (1 - lr * wd_lh) * weight + lr * sign(mom)."""
    lr, wd, rescale, momentum, wd_lh = scalars_like(weight, lr, wd, rescale_grad, momentum,
                                                    wd_lh)
    mom = (momentum * mom - (1 - momentum) * wd * weight
           - (1 - momentum) * clip_by(rescale * grad, clip_gradient))
    return (1 - lr * wd_lh) * weight + lr * jnp.sign(mom), mom


def adam_update(weight, grad, mean, var, lr, beta1, beta2, epsilon, wd, rescale_grad,
                clip_gradient):
    """(new weight, mean, var) of Adam without bias correction (MXNet's optimizer folds it
    into ``lr``); g = clip(rescale_grad * grad + wd * weight)."""
    lr, wd, rescale, beta1, beta2, eps = scalars_like(weight, lr, wd, rescale_grad, beta1,
                                                      beta2, epsilon)
    grad = clip_by(rescale * grad + wd * weight, clip_gradient)
    mean = beta1 * mean + (1 - beta1) * grad
    var = beta2 * var + (1 - beta2) * grad * grad
    return weight - lr * mean / (jnp.sqrt(var) + eps), mean, var


def rmsprop_update(weight, grad, n, lr, gamma1, epsilon, wd, rescale_grad, clip_gradient,
                   clip_weights):
    """(new weight, n) of Tieleman & Hinton's RMSProp."""
    lr, wd, rescale, gamma1, eps = scalars_like(weight, lr, wd, rescale_grad, gamma1, epsilon)
    grad = clip_by(rescale * grad + wd * weight, clip_gradient)
    n = (1 - gamma1) * (grad * grad) + gamma1 * n
    return clip_by(weight - lr * (grad / jnp.sqrt(n + eps)), clip_weights), n


def rmspropalex_update(weight, grad, n, g, delta, lr, gamma1, gamma2, epsilon, wd,
                       rescale_grad, clip_gradient, clip_weights):
    """(new weight, n, g, delta) of Graves' centered RMSProp."""
    lr, wd, rescale, gamma1, gamma2, eps = scalars_like(weight, lr, wd, rescale_grad, gamma1,
                                                        gamma2, epsilon)
    grad = clip_by(rescale * grad + wd * weight, clip_gradient)
    n = (1 - gamma1) * (grad * grad) + gamma1 * n
    g = (1 - gamma1) * grad + gamma1 * g
    delta = gamma2 * delta - lr * grad / jnp.sqrt(n - g * g + eps)
    return clip_by(weight + delta, clip_weights), n, g, delta


def ftrl_update(weight, grad, z, n, lr, lamda1, beta, wd, rescale_grad, clip_gradient):
    """(new weight, z, n) of FTRL-proximal."""
    lr, wd, rescale, lamda1, beta = scalars_like(weight, lr, wd, rescale_grad, lamda1, beta)
    grad = clip_by(grad * rescale, clip_gradient)
    z = z + grad - (jnp.sqrt(n + grad * grad) - jnp.sqrt(n)) * weight / lr
    n = n + grad * grad
    new_weight = ((jnp.sign(z) * lamda1 - z) / ((beta + jnp.sqrt(n)) / lr + wd)
                  * (jnp.abs(z) > lamda1))
    return new_weight, z, n


def ftml_update(weight, grad, d, v, z, lr, beta1, beta2, epsilon, t, wd, rescale_grad,
                clip_grad):
    """(new weight, d, v, z) of FTML at update count ``t``."""
    lr, wd, rescale, beta1, beta2, eps, t = scalars_like(weight, lr, wd, rescale_grad, beta1,
                                                         beta2, epsilon, t)
    grad = clip_by(rescale * grad + wd * weight, clip_grad)
    v = beta2 * v + (1 - beta2) * grad * grad
    d_t = (1 - beta1 ** t) / lr * (jnp.sqrt(v / (1 - beta2 ** t)) + eps)
    z = beta1 * z + (1 - beta1) * grad - (d_t - beta1 * d) * weight
    return -z / d_t, d_t, v, z


def lamb_update_phase1(weight, grad, mean, var, beta1, beta2, epsilon, t, bias_correction,
                       wd, rescale_grad, clip_gradient):
    """(update direction g, mean, var) of LAMB's first phase at update count ``t``."""
    wd, rescale, beta1_, beta2_, eps = scalars_like(weight, wd, rescale_grad, beta1, beta2,
                                                    epsilon)
    grad = clip_by(grad * rescale, clip_gradient)
    mean = beta1_ * mean + (1 - beta1_) * grad
    var = beta2_ * var + (1 - beta2_) * grad * grad
    m, v = mean, var
    if bias_correction:
        # MXNet's kernel raises the float32 betas to the power t in double
        t = jnp.asarray(t, float)
        beta1_t, beta2_t = scalars_like(weight, jnp.power(np.float32(beta1), t),
                                        jnp.power(np.float32(beta2), t))
        m, v = mean / (1 - beta1_t), var / (1 - beta2_t)
    return m / (jnp.sqrt(v) + eps) + wd * weight, mean, var


def lamb_update_phase2(weight, g, r1, r2, lr, lower_bound, upper_bound):
    """weight - lr * r1 / r2 * g, with r1 (the weight's norm) bounded where a bound is >= 0
    and the ratio 1 where r1 or r2 is 0."""
    if lower_bound is not None and lower_bound >= 0:
        r1 = jnp.maximum(r1, lower_bound)
    if upper_bound is not None and upper_bound >= 0:
        r1 = jnp.minimum(r1, upper_bound)
    (lr,) = scalars_like(weight, lr)
    lr = jnp.where((r1 == 0) | (r2 == 0), lr, lr * r1 / r2)
    return weight - lr * g


def adamw_update(weight, grad, rescale_grad, mean, var, lr, eta, beta1, beta2, epsilon, wd,
                 clip_gradient):
    """(new weight, mean, var) of AdamW (Adam with decoupled weight decay): weight - eta *
    (lr * mean / (sqrt(var) + epsilon) + wd * weight). The gradient is scaled by the first
    element of the array ``rescale_grad`` and clipped where clip_gradient >= 0; where that
    scale is 0 or not finite, nothing changes (MXNet skips the update)."""
    scale = rescale_grad.reshape(-1)[0].astype(jnp.float32)
    lr, eta, wd, beta1, beta2, eps, rescale = scalars_like(weight, lr, eta, wd, beta1, beta2,
                                                           epsilon, scale)
    grad = rescale * grad
    if clip_gradient is not None and clip_gradient >= 0:
        grad = jnp.clip(grad, -clip_gradient, clip_gradient)
    new_mean = beta1 * mean + (1 - beta1) * grad
    new_var = beta2 * var + (1 - beta2) * grad * grad
    new_weight = weight - eta * (lr * new_mean / (jnp.sqrt(new_var) + eps) + wd * weight)
    skip = (scale == 0) | ~jnp.isfinite(scale)
    return tuple(jnp.where(skip, old, new) for old, new in
                 ((weight, new_weight), (mean, new_mean), (var, new_var)))


# --- the operators ------------------------------------------------------------------------

def _weight_shape_rule(op, params, shapes):
    """Every input and state has the weight's shape (LAMB's norms r1, r2 have shape (1,);
    an unknown rescale_grad array gets (1,)); so does the output."""
    names = op.arg_names(params)
    known = next((s for n, s in zip(names, shapes)
                  if s is not None and n not in ("rescale_grad", "r1", "r2")), None)
    filled = []
    for name, shape in zip(names, shapes):
        if name == "rescale_grad":
            filled.append((1,) if shape is None else shape)
            continue
        expected = (1,) if name in ("r1", "r2") else known
        if shape is not None and expected is not None and tuple(shape) != tuple(expected):
            raise MXNetError(f"{op.name}: {name} has shape {tuple(shape)}, but the weight has "
                             f"shape {tuple(known)}")
        filled.append(expected if shape is None else shape)
    return filled, [filled[0]]


def _kind(name):
    """The kind of an input: weight_0 -> weight, weight32_1 -> weight32, lrs -> lrs."""
    head, _, tail = name.rpartition("_")
    return head if tail.isdigit() else name


_FLOAT32 = {"weight32": np.float32, "rescale_grad": np.float32}


def _dtype_rule(fixed=None, out=None):
    """A dtype rule: the inputs of a kind in ``fixed`` (kind -> dtype; default: the float32
    master copies weight32 of the ``mp_`` operators and the rescale_grad array) must have
    that dtype; each output has its weight's dtype, or ``out``."""
    fixed = _FLOAT32 if fixed is None else fixed

    def rule(op, params, dtypes):
        names = op.arg_names(params)
        dtypes = list(dtypes)
        for index, name in enumerate(names):
            dtype = fixed.get(_kind(name))
            if dtype is not None:
                if dtypes[index] is not None and np.dtype(dtypes[index]) != dtype:
                    raise MXNetError(f"{op.name}: {name} must be {np.dtype(dtype).name}, got "
                                     f"{np.dtype(dtypes[index]).name}")
                dtypes[index] = dtype
        if out is not None:
            return dtypes, [out] * op.num_outputs(params)
        return dtypes, [d for n, d in zip(names, dtypes) if _kind(n) == "weight"]
    return rule


_weight_dtype_rule = _dtype_rule()


_COMMON = (Param("wd", P.number, 0.0, traced=True, doc="weight decay"),
           Param("rescale_grad", P.number, 1.0, traced=True, doc="the gradient's scale"),
           Param("clip_gradient", P.number, -1.0,
                 doc="clip the rescaled gradient to [-clip_gradient, clip_gradient] if > 0"))
_LR = Param("lr", P.number, required=True, traced=True, doc="learning rate")
_MOMENTUM = Param("momentum", P.number, 0.0, traced=True, doc="momentum")
_LAZY = Param("lazy_update", P.boolean, True, doc="accepted; no effect on dense gradients")
_CLIP_WEIGHTS = Param("clip_weights", P.number, -1.0,
                      doc="clip the weight to [-clip_weights, clip_weights] if > 0")
_T = Param("t", P.integer, required=True, traced=True, doc="the 1-based update count")
_ADAM_BETAS = (Param("beta1", P.number, 0.9, doc="decay of the first moment"),
               Param("beta2", P.number, 0.999, doc="decay of the second moment"),
               Param("epsilon", P.number, 1e-8, doc="added to the denominator"))
_ADAMW_CLIP = Param("clip_gradient", P.number, -1.0,
                    doc="clip the rescaled gradient to [-clip_gradient, clip_gradient] if >= 0")


def _rule_params(rule, params):
    """The operator's params the rule takes (not ``lazy_update``, nor what MXNet ignores)."""
    names = rule.__code__.co_varnames[:rule.__code__.co_argcount]
    return {k: v for k, v in params.items() if k in names}


def _apply(rule, weight, grad, inputs, states, params, master=None):
    """(new weight in the weight's dtype, new states) of ``rule(weight, grad, *inputs,
    *states, **params)``; with a float32 ``master`` copy of the weight the rule runs on it
    and the new master copy comes last among the new states."""
    if master is not None:
        weight, grad, dtype = master, grad.astype(jnp.float32), weight.dtype
    new = rule(weight, grad, *inputs, *states, **_rule_params(rule, params))
    new = new if isinstance(new, tuple) else (new,)
    if master is None:
        return new[0], list(new[1:])
    return new[0].astype(dtype), [*new[1:], new[0]]


def _mp_name(name):
    """The name of the multi-precision variant: sgd_update -> mp_sgd_update,
    _adamw_update -> _mp_adamw_update."""
    return "_mp_" + name[1:] if name.startswith("_") else "mp_" + name


def _register(name, rule, states, params, doc, multi_precision=False,
              inputs=("weight", "grad"), shape_rule=_weight_shape_rule):
    """Register ``name`` (and its ``mp_`` variant if ``multi_precision``): ``rule(weight,
    grad, *other inputs, *states, **params)`` returns the new weight and then the new
    states."""
    def compute(arrays, aux, params, is_train, rng):
        weight, new_states = _apply(rule, arrays[0], arrays[1], arrays[2:], aux, params)
        return (weight,), new_states

    def compute_mp(arrays, aux, params, is_train, rng):
        weight, new_states = _apply(rule, arrays[0], arrays[1], arrays[2:], aux[:-1], params,
                                    master=aux[-1])
        return (weight,), new_states

    def declare(op_name, fn, aux):
        register(op_name, fn, inputs=inputs, aux=aux, params=params,
                 shape_rule=shape_rule, dtype_rule=_weight_dtype_rule,
                 mutates_aux=True, differentiable=False, doc=doc)

    declare(name, compute, states)
    if multi_precision:
        declare(_mp_name(name), compute_mp, states + ("weight32",))


_register("sgd_update", sgd_update, (), (_LR, *_COMMON, _LAZY),
          "SGD: weight - lr * (clip(rescale_grad * grad) + wd * weight).",
          multi_precision=True)
_register("sgd_mom_update", sgd_mom_update, ("mom",), (_LR, _MOMENTUM, *_COMMON, _LAZY),
          "SGD with momentum: mom = momentum * mom - lr * (clip(rescale_grad * grad) + wd * "
          "weight); weight + mom.", multi_precision=True)
_register("nag_mom_update", nag_mom_update, ("mom",), (_LR, _MOMENTUM, *_COMMON),
          "Nesterov accelerated gradient with momentum state mom.", multi_precision=True)
_register("signsgd_update", signsgd_update, (),
          (_LR, Param("wd", P.number, 0.0, traced=True, doc="weight decay"),
           Param("rescale_grad", P.number, 1.0, doc="accepted; MXNet ignores it"),
           Param("clip_gradient", P.number, -1.0, doc="accepted; MXNet ignores it")),
          "SignSGD: (1 - lr * wd) * weight - lr * sign(grad).")
_register("signum_update", signum_update, ("mom",),
          (_LR, _MOMENTUM, *_COMMON,
           Param("wd_lh", P.number, 0.0, traced=True, doc="decoupled weight decay")),
          "Signum: the sign of a momentum of the gradient.")
_register("adam_update", adam_update, ("mean", "var"), (_LR, *_ADAM_BETAS, *_COMMON, _LAZY),
          "Adam without bias correction: states mean and var.")
_register("rmsprop_update", rmsprop_update, ("n",),
          (_LR, Param("gamma1", P.number, 0.95, doc="decay of n"),
           Param("epsilon", P.number, 1e-8, doc="added under the square root"), *_COMMON,
           _CLIP_WEIGHTS),
          "RMSProp (Tieleman & Hinton): state n, the moving mean of the squared gradient.")
_register("rmspropalex_update", rmspropalex_update, ("n", "g", "delta"),
          (_LR, Param("gamma1", P.number, 0.95, doc="decay of n and g"),
           Param("gamma2", P.number, 0.9, doc="momentum of delta"),
           Param("epsilon", P.number, 1e-8, doc="added under the square root"), *_COMMON,
           _CLIP_WEIGHTS),
          "Centered RMSProp (Graves): states n, g and delta.")
_register("ftrl_update", ftrl_update, ("z", "n"),
          (_LR, Param("lamda1", P.number, 0.01, doc="L1 regularization"),
           Param("beta", P.number, 1.0, doc="per-coordinate learning-rate offset"), *_COMMON),
          "FTRL-proximal: states z and n.")
_register("ftml_update", ftml_update, ("d", "v", "z"),
          (_LR, Param("beta1", P.number, 0.6, doc="decay of z"),
           Param("beta2", P.number, 0.999, doc="decay of v"),
           Param("epsilon", P.number, 1e-8, doc="added to the denominator"), _T, *_COMMON[:2],
           Param("clip_grad", P.number, -1.0,
                 doc="clip the rescaled gradient to [-clip_grad, clip_grad] if > 0")),
          "FTML (Follow the Moving Leader): states d, v and z.")
_LAMB_PHASE1 = (Param("beta1", P.number, 0.9, doc="decay of the first moment"),
                Param("beta2", P.number, 0.999, doc="decay of the second moment"),
                Param("epsilon", P.number, 1e-6, doc="added to the denominator"), _T,
                Param("bias_correction", P.boolean, True, doc="correct the moments' bias"),
                Param("wd", P.number, required=True, traced=True, doc="weight decay"),
                *_COMMON[1:])
_LAMB_BOUNDS = (Param("lower_bound", P.number, -1.0, doc="lower bound of r1 if >= 0"),
                Param("upper_bound", P.number, -1.0, doc="upper bound of r1 if >= 0"))
_register("lamb_update_phase1", lamb_update_phase1, ("mean", "var"), _LAMB_PHASE1,
          "LAMB's first phase: returns the update direction g; states mean and var.")
_register("lamb_update_phase2", lamb_update_phase2, (), (_LR, *_LAMB_BOUNDS),
          "LAMB's second phase: weight - lr * r1 / r2 * g, r1 and r2 the norms of the weight "
          "and of g.", inputs=("weight", "g", "r1", "r2"))
_register("_adamw_update", adamw_update, ("mean", "var"),
          (_LR, *_ADAM_BETAS, Param("wd", P.number, 0.0, traced=True, doc="weight decay"),
           Param("eta", P.number, required=True, traced=True,
                 doc="learning-rate schedule multiplier"), _ADAMW_CLIP),
          "AdamW: weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight); skipped "
          "where the rescale_grad array is 0, NaN or infinite.", multi_precision=True,
          inputs=("weight", "grad", "rescale_grad"))


# --- multi-tensor updates: one call updates num_weights weights ---------------------------

def _register_multi(name, rule, states, params, doc, per_weight, inputs=(), master=False,
                    count="num_weights", states_last=False):
    """Register ``name``: ``rule`` on ``count`` weights at once. Weight i has the arrays
    weight_i, grad_i, its states <state>_i and, if ``master``, its float32 master copy
    weight32_i; the shared ``inputs`` follow. The arrays come in that order, as MXNet takes
    them (all mutable where there are states), or, with ``states_last``, the states last as
    auxiliary states. ``per_weight`` maps each rule parameter that has a value per weight to
    the operator parameter or shared input holding those values. The states of an ``mp_``
    operator and the shared inputs are float32."""
    states = states + (("weight32",) if master else ())
    kinds = ("weight", "grad") + states
    rule_inputs = tuple(n for n in inputs if n not in per_weight.values())

    def names(kinds, params):
        return tuple(f"{kind}_{i}" for i in range(params[count]) for kind in kinds)

    def groups(arrays, aux, params):
        """(weight_i, grad_i, states of weight i) for each i, and the shared inputs by name."""
        number = params[count]
        if states_last:
            size = len(states)
            own = [(arrays[2 * i], arrays[2 * i + 1], *aux[i * size:(i + 1) * size])
                   for i in range(number)]
            return own, dict(zip(inputs, arrays[2 * number:]))
        flat = list(arrays) + list(aux)
        stride = len(kinds)
        own = [tuple(flat[stride * i:stride * (i + 1)]) for i in range(number)]
        return own, dict(zip(inputs, flat[stride * number:]))

    def compute(arrays, aux, params, is_train, rng):
        own, shared = groups(arrays, aux, params)
        weights, new_aux = [], []
        for i, (weight, grad, *held) in enumerate(own):
            values = {p: shared[s].reshape(-1)[i] if s in shared else params[s][i]
                      for p, s in per_weight.items()}
            new_weight, new = _apply(rule, weight, grad, [shared[n] for n in rule_inputs],
                                     held[:-1] if master else held, {**params, **values},
                                     master=held[-1] if master else None)
            weights.append(new_weight)
            new_aux.extend(new if states_last or not states else (weight, grad, *new))
        if states and not states_last:
            new_aux.extend(shared[n] for n in inputs)
        return tuple(weights), new_aux

    def check(op, params):
        for source in per_weight.values():
            if source in op.params and len(params[source]) != params[count]:
                raise MXNetError(f"{op.name}: {source} has {len(params[source])} values for "
                                 f"{count}={params[count]}")

    if states_last:
        layout = {"inputs": lambda p: names(("weight", "grad"), p) + tuple(inputs),
                  "aux": lambda p: names(states, p)}
    else:
        arrays = {"aux" if states else "inputs": lambda p: names(kinds, p) + tuple(inputs)}
        layout = {"inputs": (), **arrays}
    float32 = inputs + (states if master else ("weight32",))
    register(name, compute, **layout, outputs=lambda p: names(("weight",), p),
             shape_rule=_multi_shape_rule,
             dtype_rule=_dtype_rule({kind: np.float32 for kind in float32}), check=check,
             params=(*params, Param(count, P.integer_at_least(1), 1,
                                    doc="how many weights")),
             mutates_aux=bool(states), differentiable=False, doc=doc)


def _multi_shape_rule(op, params, shapes):
    """weight_i, grad_i and the states <state>_i share a shape, the output weight_i's; an
    unknown rescale_grad array gets (1,); any other shared input (the learning rates of the
    preloaded_ operators) holds one value per weight."""
    names = op.arg_names(params)
    number = sum(_kind(name) == "weight" for name in names)
    groups = {}
    for position, name in enumerate(names):
        if _kind(name) != name:
            groups.setdefault(name.rpartition("_")[2], []).append(position)
            continue
        shape = shapes[position]
        size = 1 if name == "rescale_grad" else number
        if shape is not None and name != "rescale_grad" and int(np.prod(shape)) != size:
            raise MXNetError(f"{op.name}: {name} has {int(np.prod(shape))} values for "
                             f"{number} weights")
        shapes[position] = (size,) if shape is None else shape
    for positions in groups.values():
        first = next((p for p in positions if shapes[p] is not None), None)
        if first is None:
            continue
        for p in positions:
            if shapes[p] is not None and tuple(shapes[p]) != tuple(shapes[first]):
                raise MXNetError(f"{op.name}: {names[p]} has shape {tuple(shapes[p])}, but "
                                 f"{names[first]} has shape {tuple(shapes[first])}")
            shapes[p] = shapes[first]
    return shapes, [shapes[names.index(f"weight_{i}")] for i in range(number)]


_LRS = Param("lrs", P.floats, required=True, doc="a learning rate per weight")
_WDS = Param("wds", P.floats, required=True, doc="a weight decay per weight")

for _master in (False, True):
    _register_multi("_multi_mp_adamw_update" if _master else "_multi_adamw_update",
                    adamw_update, ("mean", "var"),
                    (_LRS, *_ADAM_BETAS, _WDS,
                     Param("etas", P.floats, required=True,
                           doc="a learning-rate schedule multiplier per weight"), _ADAMW_CLIP),
                    "AdamW on num_weights weights at once (inputs weight_i, grad_i, then the "
                    "rescale_grad array; states mean_i, var_i"
                    + (", weight32_i" if _master else "") + "); skipped where rescale_grad "
                    "is 0, NaN or infinite.",
                    per_weight={"lr": "lrs", "wd": "wds", "eta": "etas"},
                    inputs=("rescale_grad",), master=_master, states_last=True)

"""mx.optimizer: MXNet 1.9.1's optimizers, each written as a pure JAX update rule.

Every optimizer defines, over one parameter's jax arrays,

    init_state(weight) -> state                      (None, an array or a tuple of them)
    step(weight, grad, state, lr, wd, t) -> (new_weight, new_state)

pure and jit-able, so a training loop can fuse it with the forward and backward pass.
``lr`` and ``wd`` are the parameter's learning rate and weight decay as MXNet's host code
computes them (scheduler, lr_mult / wd_mult; see ``_get_lr`` / ``_get_wd``) and ``t`` its
1-based update count; all three may be traced. ``rescale_grad``, ``clip_gradient`` and the
optimizer's own hyperparameters are read when ``step`` is traced: a compiled step stays
valid while ``trace_key()`` is unchanged.

Around that sits MXNet's host API: ``create``, ``update(index, weight, grad, state)`` on
NDArrays (a jitted ``step`` whose results are written back into the same NDArrays),
``Updater`` with ``get_states`` / ``set_states``, and ``as_optax()`` to use an MXNet
optimizer in optax code. Scalars are cast to the weight's dtype before the array math, as
MXNet's kernels get float parameters; what MXNet computes in Python (bias corrections, and
``1 - beta`` in the optimizers it writes in NDArray arithmetic) is computed in float64 first.
"""
import pickle
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from . import _x64
from .ndarray import NDArray
from .registry import Registry

__all__ = ["AdaDelta", "AdaGrad", "Adam", "AdamW", "Adamax", "FTML", "Ftrl", "LAMB", "NAG",
           "Nadam", "Optimizer", "RMSProp", "SGD", "Signum", "Updater", "ccSGD", "create",
           "get_updater", "register"]


def _cast(like, *scalars):
    """Host or traced scalars in the dtype of the array ``like`` (MXNet's float params)."""
    return [jnp.asarray(s, like.dtype) for s in scalars]


def _power(base, t):
    """``base ** t`` in float64, as MXNet's Python code computes bias corrections."""
    return jnp.power(jnp.asarray(base, jnp.float64), t)


def _active(limit):
    """Whether a clip limit is on: MXNet passes it to its kernels only when truthy, and
    the kernels ignore negative limits."""
    return bool(limit) and limit > 0


def _to_ndarrays(state, ctx):
    return jax.tree_util.tree_map(lambda a: NDArray(_x64.device_put(a, ctx.jax_device), ctx),
                                   state)


class Optimizer:
    """Base class of the optimizers; arguments as MXNet 1.9.1's ``mx.optimizer.Optimizer``."""

    # Attributes ``step`` reads at trace time; subclasses add their hyperparameters.
    _hyper = ("rescale_grad", "clip_gradient", "multi_precision")
    # Layout of a multi-precision state: (weight32, state), or (state, weight32) if False.
    _master_first = True

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0., clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None \
                and lr_scheduler.base_lr != learning_rate:
            warnings.warn("learning rate from ``lr_scheduler`` has been overwritten by "
                          "``learning_rate`` in optimizer.")
            lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise AssertionError("param_idx2name should be a dict of param indexes to names.")
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self._jit_step = _x64.jit(self._keyed_step, static_argnums=0)
        self.set_lr_mult({})
        self.set_wd_mult({})

    # --- registry ------------------------------------------------------------------------

    @staticmethod
    def register(klass):
        """Register an Optimizer subclass under its lower-cased class name."""
        return _REGISTRY.register(klass)

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An instance of the optimizer registered as ``name`` (case-insensitive)."""
        klass = _REGISTRY.get(name)
        if klass is None:
            raise ValueError(f"Cannot find optimizer {name}; registered optimizers: "
                             f"{_REGISTRY.names()}")
        return klass(**kwargs)

    # --- the pure update rule ------------------------------------------------------------

    def init_state(self, weight):
        """The initial state for ``weight`` (a jax array): None, an array or a tuple."""
        return None

    def step(self, weight, grad, state, lr, wd, t):
        """One update of one parameter: ``(new_weight, new_state)``; pure JAX."""
        raise NotImplementedError(f"{type(self).__name__} does not define step()")

    def trace_key(self):
        """The hyperparameters ``step`` reads at trace time (retrace when this changes)."""
        return (type(self),) + tuple(getattr(self, name) for name in self._hyper)

    def _keyed_step(self, key, *args):
        """``step``, jitted with ``key = trace_key()`` static so hyperparameter changes
        retrace."""
        return self.step(*args)

    def _master_copy(self, weight):
        return self.multi_precision and weight.dtype == np.float16

    def init_state_multi_precision(self, weight):
        """``init_state``, with a float32 master copy of a float16 weight if multi_precision."""
        if not self._master_copy(weight):
            return self.init_state(weight)
        weight32 = weight.astype(jnp.float32)
        return self._pack(weight32, self.init_state(weight32))

    def step_multi_precision(self, weight, grad, state, lr, wd, t):
        """``step`` for a state from ``init_state_multi_precision``: a float16 weight is
        updated through its float32 master copy."""
        if not self._master_copy(weight):
            return self.step(weight, grad, state, lr, wd, t)
        weight32, inner = self._unpack(state)
        weight32, inner = self.step(weight32, grad.astype(jnp.float32), inner, lr, wd, t)
        return weight32.astype(weight.dtype), self._pack(weight32, inner)

    def _pack(self, weight32, inner):
        return (weight32, inner) if self._master_first else (inner, weight32)

    def _unpack(self, state):
        return tuple(state) if self._master_first else (state[1], state[0])

    def _clip(self, grad):
        """``grad`` clipped to [-clip_gradient, clip_gradient] when clipping is on."""
        if not _active(self.clip_gradient):
            return grad
        return optax.clip(self.clip_gradient).update(grad, optax.EmptyState())[0]

    # --- host bookkeeping, as MXNet 1.9.1 ------------------------------------------------

    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        """Set the learning rate; an error when an lr_scheduler is in charge."""
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note "
                              "that set_learning_rate can mutate the value of the learning "
                              "rate of the optimizer only when the LRScheduler of the "
                              "optimizer is undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):
        """[DEPRECATED] Use set_lr_mult."""
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Per-parameter learning-rate multipliers, by name or index; ``__lr_mult__``
        attributes of ``sym``'s arguments come first."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__lr_mult__" in attr[name]:
                    self.lr_mult[name] = float(attr[name]["__lr_mult__"])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Per-parameter weight-decay multipliers, by name or index. Names in idx2name not
        ending in ``_weight`` or ``_gamma`` get 0; then ``__wd_mult__`` attributes of
        ``sym``'s arguments, then ``args_wd_mult``."""
        self.wd_mult = {}
        for name in self.idx2name.values():
            if not (name.endswith("_weight") or name.endswith("_gamma")):
                self.wd_mult[name] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id):
        """Switch to the update counts of device ``device_id``."""
        counts = self._all_index_update_counts.setdefault(device_id, {})
        self._index_update_count = counts

    def _update_count(self, index):
        """Count one more update of ``index`` (an index or a list of them)."""
        for idx in index if isinstance(index, (list, tuple)) else [index]:
            count = self._index_update_count.get(idx, self.begin_num_update) + 1
            self._index_update_count[idx] = count
            self.num_update = max(count, self.num_update)

    def _mult(self, table, index, attr):
        if index in self.param_dict:
            return getattr(self.param_dict[index], attr)
        if index in table:
            return table[index]
        if index in self.idx2name:
            return table.get(self.idx2name[index], 1.0)
        return 1.0

    def _get_lrs(self, indices):
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return [lr * self._mult(self.lr_mult, i, "lr_mult") for i in indices]

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        return [self.wd * self._mult(self.wd_mult, i, "wd_mult") for i in indices]

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    # --- NDArray API -----------------------------------------------------------------------

    def create_state(self, index, weight):
        """The state for the NDArray ``weight``: None, an NDArray or a tuple of NDArrays."""
        return _to_ndarrays(self.init_state(weight.asjax()), weight.context)

    def create_state_multi_precision(self, index, weight):
        """``create_state``, with a float32 master copy of a float16 weight if
        multi_precision."""
        if weight.dtype == np.float16 and not self.multi_precision:
            warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy "
                          "or slow convergence. Consider using multi_precision=True option "
                          f"of the {type(self).__name__} optimizer")
        if not self._master_copy(weight):
            return self.create_state(index, weight)
        weight32 = weight.astype(np.float32)
        return self._pack(weight32, self.create_state(index, weight32))

    def update(self, index, weight, grad, state):
        """Update ``weight`` and ``state`` in place (an index or lists of everything)."""
        if isinstance(index, (list, tuple)):
            for args in zip(index, weight, grad, state):
                self.update(*args)
            return
        weight._check_context(grad, f"{type(self).__name__} update")
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        jax_state = jax.tree_util.tree_map(NDArray.asjax, state)
        new_weight, new_state = self._jit_step(self.trace_key(), weight.asjax(), grad.asjax(),
                                               jax_state, lr, wd,
                                               self._index_update_count[index])
        weight._write(new_weight)
        for array, value in zip(jax.tree_util.tree_leaves(state),
                                jax.tree_util.tree_leaves(new_state)):
            array._write(value)

    def update_multi_precision(self, index, weight, grad, state):
        """``update`` for a state from ``create_state_multi_precision``."""
        if isinstance(index, (list, tuple)):
            for args in zip(index, weight, grad, state):
                self.update_multi_precision(*args)
            return
        if not self._master_copy(weight):
            self.update(index, weight, grad, state)
            return
        weight32, inner = self._unpack(state)
        self.update(index, weight32, grad.astype(np.float32), inner)
        weight[:] = weight32.astype(weight.dtype)

    # --- optax -----------------------------------------------------------------------------

    def as_optax(self, learning_rate=None):
        """This optimizer as an ``optax.GradientTransformation`` over a pytree of params.

        ``update(grads, state, params)`` needs ``params`` and returns ``new - params`` (apply
        with ``optax.apply_updates``). The learning rate is ``learning_rate`` (a float or an
        optax schedule of the step count) or else this optimizer's: its ``lr``, or its
        ``lr_scheduler`` in pure form, at MXNet's update numbers. It and the weight decay
        are hyperparameters (``optax.inject_hyperparams``) in ``state.hyperparams``. The
        leaves of a flat dict or list are looked up by key in lr_mult / wd_mult / idx2name
        as MXNet looks up indices; deeper leaves get multiplier 1.
        """
        first = self.begin_num_update + 1
        if learning_rate is None and self.lr_scheduler is not None:
            schedule = self.lr_scheduler.as_optax_schedule()
            learning_rate = lambda count: schedule(count + first)  # noqa: E731
        elif learning_rate is None:
            learning_rate = self.lr

        def transform(learning_rate, weight_decay):
            def init(params):
                leaves = jax.tree_util.tree_leaves(params)
                return _OptaxState(jnp.zeros([], jnp.int32),
                                   [self.init_state_multi_precision(p) for p in leaves])

            def update(grads, state, params=None):
                if params is None:
                    raise ValueError(f"{type(self).__name__}.as_optax() needs params")
                paths, treedef = jax.tree_util.tree_flatten_with_path(params)
                t = state.count + first
                updates, states = [], []
                for (path, w), g, s in zip(paths, treedef.flatten_up_to(grads), state.states):
                    key = _flat_key(path)
                    lr = learning_rate * self._mult(self.lr_mult, key, "lr_mult")
                    wd = weight_decay * self._mult(self.wd_mult, key, "wd_mult")
                    new_w, new_s = self.step_multi_precision(w, g, s, lr, wd, t)
                    updates.append(new_w - w)
                    states.append(new_s)
                return treedef.unflatten(updates), _OptaxState(state.count + 1, states)

            return optax.GradientTransformation(init, update)

        return optax.inject_hyperparams(transform)(learning_rate=learning_rate,
                                                   weight_decay=self.wd)

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["param_dict"], state["_jit_step"]
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}
        self._jit_step = _x64.jit(self._keyed_step, static_argnums=0)


_REGISTRY = Registry(Optimizer, "optimizer", wrong_class=AssertionError)
Optimizer.opt_registry = _REGISTRY.classes


class _OptaxState(NamedTuple):
    count: Any
    states: Any


def _flat_key(path):
    """The dict key or list index of a top-level leaf, else None."""
    if len(path) != 1:
        return None
    entry = path[0]
    if isinstance(entry, jax.tree_util.DictKey):
        return entry.key
    return getattr(entry, "idx", None)


register = Optimizer.register
create = Optimizer.create_optimizer


@register
class SGD(Optimizer):
    """SGD with momentum and weight decay (MXNet's sgd_update / sgd_mom_update)::

        state = momentum * state - lr * wd * weight - lr * clip(rescale_grad * grad)
        weight = weight + state          # without momentum: weight - lr * (...)
    """

    _hyper = Optimizer._hyper + ("momentum",)
    _master_first = False

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale = _cast(weight, lr, wd, self.rescale_grad)
        grad = self._clip(rescale * grad)
        if state is None:
            return (1 - lr * wd) * weight - lr * grad, None
        mom, _ = optax.trace(self.momentum).update(-lr * wd * weight - lr * grad,
                                                   optax.TraceState(trace=state))
        return weight + mom, mom


@register
class ccSGD(SGD):  # noqa: N801 (MXNet's name)
    """[DEPRECATED] Same as SGD."""


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient (MXNet's nag_mom_update)::

        g = clip(rescale_grad * grad)
        new_weight = weight + momentum**2 * state - (1 + momentum) * lr * (g + wd * weight)
        state = momentum * state - lr * (g + wd * new_weight)
    """

    _hyper = Optimizer._hyper + ("momentum",)
    _master_first = False

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, momentum = _cast(weight, lr, wd, self.rescale_grad, self.momentum)
        grad = self._clip(rescale * grad)
        if state is None:
            return (1 - lr * wd) * weight - lr * grad, None
        mom = momentum * state
        new_weight = weight - mom + (momentum + 1) * (mom - lr * (grad + wd * weight))
        # MXNet's kernel writes the weight in place before it updates the momentum, so the
        # momentum's weight-decay term sees the new weight
        return new_weight, mom - lr * (grad + wd * new_weight)


@register
class Signum(Optimizer):
    """Signum (MXNet's signum_update; signsgd_update when momentum is 0)::

        state = momentum * state - (1 - momentum) * (wd * weight + clip(rescale_grad * grad))
        weight = (1 - lr * wd_lh) * weight + lr * sign(state)
    """

    _hyper = Optimizer._hyper + ("momentum", "wd_lh")

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, momentum, wd_lh = _cast(weight, lr, wd, self.rescale_grad,
                                                 self.momentum, self.wd_lh)
        if state is None:  # signsgd_update ignores rescale_grad and clip_gradient
            return (1 - lr * wd) * weight - lr * jnp.sign(grad), None
        mom = (momentum * state - (1 - momentum) * wd * weight
               - (1 - momentum) * self._clip(rescale * grad))
        return (1 - lr * wd_lh) * weight + lr * jnp.sign(mom), mom


@register
class Adam(Optimizer):
    """Adam (MXNet's adam_update), bias correction folded into the learning rate::

        g = clip(rescale_grad * grad + wd * weight)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        weight -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + epsilon)
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr = lr * (jnp.sqrt(1 - _power(self.beta2, t)) / (1 - _power(self.beta1, t)))
        lr, wd, rescale, beta1, beta2, eps = _cast(weight, lr, wd, self.rescale_grad,
                                                   self.beta1, self.beta2, self.epsilon)
        grad = self._clip(rescale * grad + wd * weight)
        mean = beta1 * state[0] + (1 - beta1) * grad
        var = beta2 * state[1] + (1 - beta2) * grad * grad
        return weight - lr * mean / (jnp.sqrt(var) + eps), (mean, var)


@register
class AdamW(Optimizer):
    """AdamW with decoupled weight decay. MXNet 1.9.1 has no AdamW optimizer (only the
    contrib adamw_update kernel); this follows MXNet 2's AdamW (its fused step)::

        g = clip(rescale_grad * grad)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        eta = lr * sqrt(1 - beta2**t) / (1 - beta1**t)     # eta = lr if not correct_bias
        weight -= eta * (m / (sqrt(v) + epsilon) + wd * weight)
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "correct_bias")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 correct_bias=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.correct_bias = correct_bias

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        if self.correct_bias:
            lr = lr * (jnp.sqrt(1 - _power(self.beta2, t)) / (1 - _power(self.beta1, t)))
        lr, wd, rescale, beta1, beta2, eps = _cast(weight, lr, wd, self.rescale_grad,
                                                   self.beta1, self.beta2, self.epsilon)
        grad = self._clip(rescale * grad)
        mean = beta1 * state[0] + (1 - beta1) * grad
        var = beta2 * state[1] + (1 - beta2) * grad * grad
        return weight - lr * (mean / (jnp.sqrt(var) + eps) + wd * weight), (mean, var)


@register
class Adamax(Optimizer):
    """AdaMax::

        g = clip(rescale_grad * grad + wd * weight)
        m = beta1 * m + (1 - beta1) * g;  u = max(beta2 * u, |g|)
        weight -= lr / (1 - beta1**t) * m / u
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2")

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr = lr / (1 - _power(self.beta1, t))
        lr, wd, rescale, beta1, beta2, rest1 = _cast(weight, lr, wd, self.rescale_grad,
                                                     self.beta1, self.beta2, 1 - self.beta1)
        grad = self._clip(grad * rescale + wd * weight)
        mean = beta1 * state[0] + rest1 * grad
        u = jnp.maximum(beta2 * state[1], jnp.abs(grad))
        return weight - lr * mean / u, (mean, u)


@register
class Nadam(Optimizer):
    """Nesterov Adam. The momentum schedule product is kept per parameter, as the third
    state entry (MXNet keeps one product on the optimizer, advanced by every parameter's
    update; the two agree for a single parameter)."""

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "schedule_decay")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight), jnp.ones((1,), jnp.float64)

    def step(self, weight, grad, state, lr, wd, t):
        momentum_t = self.beta1 * (1 - 0.5 * _power(0.96, t * self.schedule_decay))
        momentum_t_1 = self.beta1 * (1 - 0.5 * _power(0.96, (t + 1) * self.schedule_decay))
        m_schedule = state[2] * momentum_t
        m_schedule_next = m_schedule[0] * momentum_t_1
        (lr, wd, rescale, beta1, beta2, rest1, rest2, eps, rest_t, mom_t_1, g_scale, m_scale,
         v_scale) = _cast(weight, lr, wd, self.rescale_grad, self.beta1, self.beta2,
                          1 - self.beta1, 1 - self.beta2, self.epsilon, 1 - momentum_t,
                          momentum_t_1, 1 - m_schedule[0], 1 - m_schedule_next,
                          1 - _power(self.beta2, t))
        grad = self._clip(grad * rescale + wd * weight)
        mean = beta1 * state[0] + rest1 * grad
        var = beta2 * state[1] + rest2 * grad * grad
        m_bar = rest_t * (grad / g_scale) + mom_t_1 * (mean / m_scale)
        new_weight = weight - lr * m_bar / (jnp.sqrt(var / v_scale) + eps)
        return new_weight, (mean, var, m_schedule)


@register
class AdaGrad(Optimizer):
    """AdaGrad::

        g = clip(rescale_grad * grad);  history += g**2
        weight -= lr * (g / sqrt(history + eps) + wd * weight)
    """

    _hyper = Optimizer._hyper + ("float_stable_eps",)

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def init_state(self, weight):
        return jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, eps = _cast(weight, lr, wd, self.rescale_grad, self.float_stable_eps)
        grad = self._clip(grad * rescale)
        history = state + grad * grad
        div = grad / jnp.sqrt(history + eps)
        return weight + (div + weight * wd) * -lr, history


@register
class RMSProp(Optimizer):
    """RMSProp: Tieleman & Hinton (rmsprop_update), or Graves' centered version
    (rmspropalex_update) with ``centered=True``::

        g = clip(rescale_grad * grad + wd * weight)
        n = (1 - gamma1) * g**2 + gamma1 * n
        weight -= lr * g / sqrt(n + epsilon)                        # not centered
        mean_g = (1 - gamma1) * g + gamma1 * mean_g                 # centered
        delta = gamma2 * delta - lr * g / sqrt(n - mean_g**2 + epsilon);  weight += delta

    then weights are clipped to [-clip_weights, clip_weights] if clip_weights is set.
    """

    _hyper = Optimizer._hyper + ("gamma1", "gamma2", "epsilon", "centered", "clip_weights")

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8,
                 centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def init_state(self, weight):
        return tuple(jnp.zeros_like(weight) for _ in range(3 if self.centered else 1))

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, gamma1, gamma2, eps = _cast(weight, lr, wd, self.rescale_grad,
                                                     self.gamma1, self.gamma2, self.epsilon)
        grad = self._clip(rescale * grad + wd * weight)
        n = (1 - gamma1) * (grad * grad) + gamma1 * state[0]
        if self.centered:
            mean_g = (1 - gamma1) * grad + gamma1 * state[1]
            delta = gamma2 * state[2] - lr * grad / jnp.sqrt(n - mean_g * mean_g + eps)
            weight, state = weight + delta, (n, mean_g, delta)
        else:
            weight, state = weight - lr * (grad / jnp.sqrt(n + eps)), (n,)
        if _active(self.clip_weights):
            weight = jnp.clip(weight, -self.clip_weights, self.clip_weights)
        return weight, state


@register
class AdaDelta(Optimizer):
    """AdaDelta (no learning rate)::

        g = clip(rescale_grad * grad)
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        weight -= delta + wd * weight
    """

    _hyper = Optimizer._hyper + ("rho", "epsilon")

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        wd, rescale, rho, rest, eps = _cast(weight, wd, self.rescale_grad, self.rho,
                                            1 - self.rho, self.epsilon)
        grad = self._clip(grad * rescale)
        acc_g = rho * state[0] + rest * grad * grad
        delta = jnp.sqrt(state[1] + eps) / jnp.sqrt(acc_g + eps) * grad
        acc_delta = rho * state[1] + rest * delta * delta
        return weight - (delta + wd * weight), (acc_g, acc_delta)


@register
class Ftrl(Optimizer):
    """FTRL-proximal (MXNet's ftrl_update)::

        g = clip(rescale_grad * grad)
        z += g - (sqrt(n + g**2) - sqrt(n)) * weight / lr;  n += g**2
        weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (|z| > lamda1)
    """

    _hyper = Optimizer._hyper + ("lamda1", "beta")

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, lamda1, beta = _cast(weight, lr, wd, self.rescale_grad, self.lamda1,
                                              self.beta)
        grad = self._clip(grad * rescale)
        z_prev, n_prev = state
        z = z_prev + grad - (jnp.sqrt(n_prev + grad * grad) - jnp.sqrt(n_prev)) * weight / lr
        n = n_prev + grad * grad
        new_weight = ((jnp.sign(z) * lamda1 - z) / ((beta + jnp.sqrt(n)) / lr + wd)
                      * (jnp.abs(z) > lamda1))
        return new_weight, (z, n)


@register
class FTML(Optimizer):
    """FTML (MXNet's ftml_update); state (d, v, z)::

        g = clip(rescale_grad * grad + wd * weight)
        v = beta2 * v + (1 - beta2) * g**2
        d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * weight;  weight = -z / d_t
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon")

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, beta1, beta2, eps, t = _cast(weight, lr, wd, self.rescale_grad,
                                                      self.beta1, self.beta2, self.epsilon, t)
        grad = self._clip(rescale * grad + wd * weight)
        d_prev, v_prev, z_prev = state
        v = beta2 * v_prev + (1 - beta2) * grad * grad
        d = (1 - beta1 ** t) / lr * (jnp.sqrt(v / (1 - beta2 ** t)) + eps)
        z = beta1 * z_prev + (1 - beta1) * grad - (d - beta1 * d_prev) * weight
        return -z / d, (d, v, z)


@register
class LAMB(Optimizer):
    """LAMB (MXNet's lamb_update_phase1 / phase2)::

        g = clip(rescale_grad * grad)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        r = m_hat / (sqrt(v_hat) + epsilon) + wd * weight   # m, v if not bias_correction
        r1 = ||weight|| bounded to [lower_bound, upper_bound];  r2 = ||r||
        weight -= lr * (r1 / r2 if r1 > 0 and r2 > 0 else 1) * r
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "lower_bound", "upper_bound",
                                 "bias_correction")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, beta1, beta2, eps = _cast(weight, lr, wd, self.rescale_grad,
                                                   self.beta1, self.beta2, self.epsilon)
        grad = self._clip(grad * rescale)
        mean = beta1 * state[0] + (1 - beta1) * grad
        var = beta2 * state[1] + (1 - beta2) * grad * grad
        m, v = mean, var
        if self.bias_correction:
            # MXNet's kernel raises the float32 betas to the power t in double
            beta1_t, beta2_t = _cast(weight, _power(np.float32(self.beta1), t),
                                     _power(np.float32(self.beta2), t))
            m, v = mean / (1 - beta1_t), var / (1 - beta2_t)
        r = m / (jnp.sqrt(v) + eps) + wd * weight
        r1, r2 = jnp.linalg.norm(weight.ravel()), jnp.linalg.norm(r.ravel())
        if self.lower_bound:
            r1 = jnp.maximum(r1, self.lower_bound)
        if self.upper_bound:
            r1 = jnp.minimum(r1, self.upper_bound)
        lr = jnp.where((r1 == 0) | (r2 == 0), lr, lr * r1 / r2)
        return weight - lr * r, (mean, var)


class Updater:
    """Applies an optimizer to (index, grad, weight) triples, keeping a state per index;
    what a KVStore calls."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}

    def __call__(self, index, grad, weight):
        """Update ``weight`` in place from ``grad`` (an index or lists of all three)."""
        if not isinstance(index, (list, tuple)):
            index, grad, weight = [index], [grad], [weight]
        if weight:
            self.optimizer._set_current_context(weight[0].context.device_id)
        for idx, g, w in zip(index, grad, weight):
            if isinstance(idx, bytes):
                idx = idx.decode()
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, w)
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx], w.context)
                self.states_synced[idx] = True
            self.optimizer.update_multi_precision(idx, w, g, self.states[idx])

    def sync_state_context(self, state, context):
        """``state`` with its NDArrays moved to ``context``."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            return type(state)(self.sync_state_context(s, context) for s in state)
        return state

    def set_states(self, states):
        """Restore states (and the optimizer, if it was dumped) from ``get_states`` bytes."""
        states = pickle.loads(states)
        if isinstance(states, tuple) and len(states) == 2:
            self.states, self.optimizer = states
        else:
            self.states = states
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states as pickled bytes; with ``dump_optimizer`` the optimizer too."""
        return pickle.dumps((self.states, self.optimizer) if dump_optimizer else self.states)


def get_updater(optimizer):
    """An Updater for ``optimizer``."""
    return Updater(optimizer)

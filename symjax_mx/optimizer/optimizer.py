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
import copy
import functools
import warnings
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from .. import x64
from ..ndarray import NDArray
from ..ops.optimizer_update import clip_by
from ..registry import Registry
from ..util import is_np_array

__all__ = ["Optimizer", "create", "register"]


def _power(base, t):
    """``base ** t`` in float64, as MXNet's Python code computes bias corrections (in
    float32 where a caller's pure form runs outside JAX's 64-bit mode)."""
    return jnp.power(jnp.asarray(base, float), t)


def _to_ndarrays(state, ctx):
    return jax.tree_util.tree_map(lambda a: NDArray(x64.device_put(a, ctx.jax_device), ctx),
                                  state)


class Optimizer:
    """Base class of the optimizers; arguments as MXNet 1.9.1's ``mx.optimizer.Optimizer``."""

    # Attributes ``step`` reads at trace time; subclasses add their hyperparameters.
    _hyper = ("rescale_grad", "clip_gradient", "multi_precision")
    # Layout of a multi-precision state: (weight32, state), or (state, weight32) if False.
    _master_first = True
    # Names (param_idx2name) that get weight decay; the others get wd_mult 0.
    _decayed_suffixes = ("_weight", "_gamma")

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
        self.allow_np_array = is_np_array()  # MXNet's flag: made under NumPy semantics
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

    def _compiled_step(self, lazy=False):
        """``step`` compiled once per ``trace_key()``, shared by every optimizer with that
        key: MXNet code creates many optimizers with equal settings. ``rescale_grad`` and a
        clip limit that is on are passed traced, so that optimizers differing only in them
        (MXNet's tests sweep them) share one compile. With ``lazy`` the step takes a last
        argument, a boolean per row of the weight: only those rows (of the weight and the
        states) change, as MXNet's lazy update of a row_sparse gradient."""
        traced = {"rescale_grad": self.rescale_grad}
        if self.clip_gradient is not None and self.clip_gradient > 0:
            traced["clip_gradient"] = self.clip_gradient
        template = copy.copy(self)  # a snapshot: later traces (new shapes) see these settings
        template.__dict__.update(dict.fromkeys(traced, "traced"))
        key = (template.trace_key(), lazy)
        step = _COMPILED_STEPS.get(key)
        if step is None:
            def run(values, weight, grad, state, lr, wd, t, *rows):
                snapshot = copy.copy(template)
                snapshot.__dict__.update(values)
                new_weight, new_state = snapshot.step(weight, grad, state, lr, wd, t)
                if not rows:
                    return new_weight, new_state
                return jax.tree_util.tree_map(functools.partial(_only_rows, rows[0]),
                                              (new_weight, new_state), (weight, state))
            step = _COMPILED_STEPS[key] = x64.jit(run)
        return functools.partial(step, traced)

    def _lazy_rows(self, weight, grad):
        """The rows of ``weight`` an update may change: a boolean per row (the rows ``grad``
        stores) where this optimizer updates a row_sparse gradient lazily, else None (every
        row). Optimizers with a lazy sparse update override ``_updates_lazily``."""
        if getattr(grad, "stype", "default") != "row_sparse" or weight.ndim == 0 \
                or not self._updates_lazily(weight, grad):
            return None
        return grad._stored_rows()

    def _updates_lazily(self, weight, grad):
        """Whether an update with the row_sparse ``grad`` leaves the rows it does not store
        alone (MXNet's sparse kernels); by default the update is dense."""
        return False

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
        return clip_by(grad, self.clip_gradient)

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
        ending in one of ``_decayed_suffixes`` get 0; then ``__wd_mult__`` attributes of
        ``sym``'s arguments, then ``args_wd_mult``."""
        self.wd_mult = {}
        for name in self.idx2name.values():
            if not name.endswith(self._decayed_suffixes):
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

    def step_inputs(self, indices):
        """Count one more update of each of ``indices`` and return what a compiled ``step``
        of them takes from the host: rows of learning rates, weight decays and, where
        ``step`` reads them, update counts, as one float64 array of shape (3 or 2,
        len(indices)) (for ``step_from_inputs``)."""
        self._update_count(indices)
        rows = [self._get_lrs(indices), self._get_wds(indices)]
        if self.reads_update_count():
            rows.append([self._index_update_count[i] for i in indices])
        return np.array(rows, np.float64)

    def step_from_inputs(self, weight, grad, state, inputs, i):
        """``step_multi_precision`` of the ``i``-th parameter of a ``step_inputs`` array."""
        count = inputs[2, i] if inputs.shape[0] > 2 else None
        return self.step_multi_precision(weight, grad, state, inputs[0, i], inputs[1, i],
                                         count)

    def reads_update_count(self):
        """Whether ``step`` reads its update count ``t`` (Adam's bias correction does,
        SGD does not); decided once per ``trace_key`` by tracing it."""
        key = self.trace_key()
        reads = _READS_COUNT.get(key)
        if reads is None:
            def probe(weight, grad, lr, wd, t):
                return self.step(weight, grad, self.init_state(weight), lr, wd, t)
            weight = jnp.ones((2, 2), jnp.float32)
            try:
                with x64.scope():
                    jaxpr = jax.make_jaxpr(probe)(weight, weight, 0.1, 0.0, 1.0).jaxpr
            except Exception:  # noqa: BLE001  (a step that cannot be probed so gets counts)
                reads = True
            else:
                count = jaxpr.invars[-1]
                reads = count in jaxpr.outvars or any(count in eqn.invars
                                                      for eqn in jaxpr.eqns)
            _READS_COUNT[key] = reads
        return reads

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

    @x64.x64
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
        rows = self._lazy_rows(weight, grad)
        new_weight, new_state = self._compiled_step(rows is not None)(
            weight.asjax(), grad.asjax(), jax_state, lr, wd, self._index_update_count[index],
            *(() if rows is None else (rows,)))
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
        del state["param_dict"]
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


_REGISTRY = Registry(Optimizer, "optimizer", wrong_class=AssertionError)
_COMPILED_STEPS = {}  # trace_key() -> jitted step
_READS_COUNT = {}  # trace_key() -> whether step reads its update count


class StepInputsTransfer:
    """Device copies of ``Optimizer.step_inputs`` arrays, made by ``put``: an array whose
    values repeat the last one's gets the last copy, so a loop with constant learning
    rates and weight decays and an optimizer that reads no update counts (SGD) transfers
    nothing per step."""

    def __init__(self, put):
        self._put, self._last = put, None

    def __call__(self, inputs):
        key = (inputs.shape, inputs.tobytes())
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        value = self._put(inputs)
        self._last = (key, value)
        return value
Optimizer.opt_registry = _REGISTRY.classes


class _OptaxState(NamedTuple):
    count: Any
    states: Any


def _only_rows(rows, new, old):
    """``new`` in the rows where ``rows`` is true, ``old`` elsewhere (a state that is not
    one row per weight row, such as Nadam's schedule, is always new)."""
    if new.ndim == 0 or new.shape[0] != rows.shape[0]:
        return new
    return jnp.where(rows.reshape((-1,) + (1,) * (new.ndim - 1)), new, old)


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

"""Updater: an optimizer applied to (index, grad, weight) triples with a state per index,
as a KVStore calls it; its states pickle as MXNet's do."""
from .. import lr_scheduler as _lr_scheduler
from ..ndarray import NDArray
from ..ndarray import states as states_file
from .optimizer import Optimizer, _REGISTRY

__all__ = ["Updater", "get_updater"]


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
        states = states_file.loads(states, _state_class)
        if isinstance(states, tuple) and len(states) == 2:
            self.states, self.optimizer = states
        else:
            self.states = states
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states as pickled bytes; with ``dump_optimizer`` the optimizer too."""
        return states_file.dumps((self.states, self.optimizer) if dump_optimizer
                                 else self.states)


def _state_class(module, name):
    """The class a ``.states`` file may rebuild for global ``module.name``: a registered
    optimizer or a learning-rate scheduler (MXNet's or ours); None refuses it."""
    package = module.split(".")[1] if module.startswith(("mxnet.", "symjax_mx.")) else None
    if package == "optimizer":
        cls = _REGISTRY.get(name)
        return cls if isinstance(cls, type) and issubclass(cls, Optimizer) else None
    if package == "lr_scheduler":
        cls = getattr(_lr_scheduler, name, None)
        return cls if isinstance(cls, type) and issubclass(cls, _lr_scheduler.LRScheduler) \
            else None
    return None


def get_updater(optimizer):
    """An Updater for ``optimizer``."""
    return Updater(optimizer)

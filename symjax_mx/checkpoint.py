"""Full training-state checkpoints with orbax-checkpoint.

``save_training_state(directory, module, epoch)`` writes everything a run needs to go on
exactly where it stopped: the parameters and auxiliary states, the optimizer's states and
update counts, the epoch, and the random state (``mx.random``'s, which dropout and the
initializers draw from, and numpy's global generator). A shuffling data iterator keeps
its own order; recreate it as the run did. ``load_training_state`` puts it back into a
module bound and given its optimizer the same way, and returns the epoch, so that
``fit(..., begin_epoch=epoch + 1)`` continues the run. MXNet's own checkpoint files
(``Module.save_checkpoint``) hold parameters and optimizer states only.
"""
import os

import jax
import numpy as np

from . import x64, random
from .base import MXNetError
from .ndarray import array

__all__ = ["save_training_state", "load_training_state"]


def _leaves(state):
    return {str(i): np.asarray(leaf) for i, leaf in enumerate(jax.tree_util.tree_leaves(state))}


def save_training_state(directory, module, epoch):
    """Write ``module``'s training state after ``epoch`` to ``directory`` (replaced if it
    exists; orbax writes to a temporary directory first)."""
    if not module.optimizer_initialized:
        raise MXNetError("save_training_state: the module has no optimizer; call "
                         "init_optimizer (or fit) first")
    arg_params, aux_params = module.get_params()
    optimizer = module._optimizer
    counts = [optimizer._index_update_count.get(i, optimizer.begin_num_update)
              for i in range(len(module._param_names))]
    algorithm, keys, position, has_gauss, cached = np.random.get_state()
    state = {
        "arg_params": {k: v.asnumpy() for k, v in arg_params.items()},
        "aux_params": {k: v.asnumpy() for k, v in aux_params.items()},
        "optimizer_states": {k: _leaves(s) for k, s in module._opt_states.items()},
        "update_counts": np.asarray(counts, np.int64),
        "num_update": np.int64(optimizer.num_update),
        "epoch": np.int64(epoch),
        "mx_random": np.asarray(random.get_state()),
        "numpy_random": {"keys": keys, "position": np.int64(position),
                         "has_gauss": np.int64(has_gauss), "cached": np.float64(cached)},
    }
    _checkpointer().save(os.path.abspath(os.fspath(directory)), state, force=True)


@x64.x64
def load_training_state(directory, module):
    """Restore a state written by save_training_state into ``module`` (bound, with its
    optimizer initialised as when it was saved); returns the saved epoch."""
    if not module.optimizer_initialized:
        raise MXNetError("load_training_state: bind the module and call init_optimizer "
                         "first, as for the run that saved the state")
    path = os.path.abspath(os.fspath(directory))
    if not os.path.isdir(path):
        raise MXNetError(f"load_training_state: no checkpoint at {path}")
    state = _checkpointer().restore(path)
    saved_states = state["optimizer_states"]
    if set(saved_states) != set(module._opt_states):
        raise MXNetError(f"load_training_state: the checkpoint has optimizer states for "
                         f"{sorted(saved_states)}, the module trains "
                         f"{sorted(module._opt_states)}")
    module.set_params({k: array(v, dtype=v.dtype) for k, v in state["arg_params"].items()},
                      {k: array(v, dtype=v.dtype) for k, v in state["aux_params"].items()})
    for name, current in module._opt_states.items():
        leaves, treedef = jax.tree_util.tree_flatten(current)
        saved = saved_states[name]
        if len(saved) != len(leaves):
            raise MXNetError(f"load_training_state: the optimizer state of {name!r} does not "
                             f"match the module's optimizer")
        restored = [jax.numpy.asarray(saved[str(i)]) for i in range(len(leaves))]
        module._opt_states[name] = module._placement.replicate(
            jax.tree_util.tree_unflatten(treedef, restored))
    optimizer = module._optimizer
    optimizer._index_update_count.update(
        {i: int(c) for i, c in enumerate(state["update_counts"])})
    optimizer.num_update = int(state["num_update"])
    random.set_state(state["mx_random"])
    saved_rng = state["numpy_random"]
    np.random.set_state(("MT19937", np.asarray(saved_rng["keys"], np.uint32),
                         int(saved_rng["position"]), int(saved_rng["has_gauss"]),
                         float(saved_rng["cached"])))
    return int(state["epoch"])


def _checkpointer():
    import orbax.checkpoint as ocp  # imported on use: it is slow to import and sets up logging
    return ocp.PyTreeCheckpointer()

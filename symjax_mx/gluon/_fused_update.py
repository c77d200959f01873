"""One compiled program updating every parameter of a Trainer step on one context.

The optimizer's pure ``step`` is applied to all (weight, grad, state) triples inside one
jitted function, so a step costs one dispatch instead of one per parameter. Learning
rates, weight decays and update counts come from the host as one array
(``Optimizer.step_inputs``), so changing them never recompiles. Optimizers without a pure
``step`` keep the per-parameter path of their Updater.
"""
import jax
import numpy as np

from .. import x64
from ..ndarray import NDArray
from ..optimizer import Optimizer


def _program(optimizer):
    def apply(weights, grads, states, hyper):
        results = [optimizer.step_multi_precision(w, g, s, hyper[0, i], hyper[1, i],
                                                  hyper[2, i])
                   for i, (w, g, s) in enumerate(zip(weights, grads, states))]
        return [r[0] for r in results], [r[1] for r in results]
    return x64.jit(apply)


class FusedUpdate:
    """Applies an Updater's optimizer to many parameters at once; programs are cached per
    optimizer settings (``trace_key``)."""

    def __init__(self):
        self._programs = {}

    @staticmethod
    def supports(optimizer, grads):
        return type(optimizer).step is not Optimizer.step and all(
            type(g) is NDArray for g in grads)

    def __call__(self, updater, indices, grads, weights):
        optimizer = updater.optimizer
        if not self.supports(optimizer, grads):
            updater(indices, grads, weights)
            return
        optimizer._set_current_context(weights[0].context.device_id)
        for index, weight in zip(indices, weights):
            if index not in updater.states:
                updater.states[index] = optimizer.create_state_multi_precision(index, weight)
                updater.states_synced[index] = True
            elif not updater.states_synced[index]:
                updater.states[index] = updater.sync_state_context(updater.states[index],
                                                                   weight.context)
                updater.states_synced[index] = True
        states = [updater.states[i] for i in indices]
        hyper = optimizer.step_inputs(list(indices))
        key = (optimizer.trace_key(), len(indices))
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = _program(optimizer)
        new_weights, new_states = program(
            [w.asjax() for w in weights], [g.asjax() for g in grads],
            jax.tree_util.tree_map(NDArray.asjax, states), np.asarray(hyper))
        for weight, value in zip(weights, new_weights):
            weight._write(value)
        for state, value in zip(states, new_states):
            for array, leaf in zip(jax.tree_util.tree_leaves(state),
                                   jax.tree_util.tree_leaves(value)):
                array._write(leaf)

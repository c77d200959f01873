"""One compiled program updating every parameter of a Trainer step on one context.

The optimizer's pure ``step`` is applied to all (weight, grad, state) triples inside one
jitted function, so a step costs one dispatch instead of one per parameter. Learning
rates, weight decays and update counts come from the host as one array
(``Optimizer.step_inputs``), so changing them never recompiles. Where every gradient is
still to be computed by one deferred backward (``ndarray.deferred.ProgramCall``), that
backward runs inside the update's program: the training step is one program. Optimizers
without a pure ``step`` keep the per-parameter path of their Updater.
"""
import collections

import jax
import numpy as np

from .. import x64
from ..ndarray import NDArray, deferred
from ..optimizer import Optimizer

_MAX_JOINED = 32  # joined programs kept per Trainer context (one per recorded structure)


def _apply(optimizer):
    def apply(weights, grads, states, hyper):
        results = [optimizer.step_multi_precision(w, g, s, hyper[0, i], hyper[1, i],
                                                  hyper[2, i])
                   for i, (w, g, s) in enumerate(zip(weights, grads, states))]
        return [r[0] for r in results], [r[1] for r in results]
    return apply


def _joined(optimizer, backward, positions):
    """The backward program, then the update of the weights from its outputs at
    ``positions``, as one program returning (backward outputs, weights, states)."""
    apply = _apply(optimizer)

    def joined(args, weights, states, hyper):
        outputs = jax.tree_util.tree_leaves(backward(*args))
        return (outputs,) + tuple(apply(weights, [outputs[p] for p in positions], states,
                                        hyper))
    return x64.jit(joined, compiler_options=backward.compiler_options)


def _backward_call(grads):
    """The one deferred backward that computes all of ``grads``, or None."""
    first = grads[0]._buffer
    call = getattr(first, "call", None)
    if type(call) is not deferred.ProgramCall:
        return None
    for grad in grads:
        if grad._base is not None or getattr(grad._buffer, "call", None) is not call:
            return None
    return call


class FusedUpdate:
    """Applies an Updater's optimizer to many parameters at once; programs are cached per
    optimizer settings (``trace_key``)."""

    def __init__(self):
        self._programs = {}
        self._joined = collections.OrderedDict()

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
        hyper = np.asarray(optimizer.step_inputs(list(indices)))
        state_values = jax.tree_util.tree_map(NDArray.asjax, states)
        weight_values = [w.asjax() for w in weights]
        call = _backward_call(grads)
        if call is None:
            new_weights, new_states = self._program(optimizer, len(indices))(
                weight_values, [g.asjax() for g in grads], state_values, hyper)
        else:
            outputs, new_weights, new_states = self._joined_program(optimizer, call, grads)(
                call.args, weight_values, state_values, hyper)
            deferred.fill(call.outputs, outputs)
        for weight, value in zip(weights, new_weights):
            weight._write(value)
        for state, value in zip(states, new_states):
            if state is None:  # a stateless optimizer (SGD without momentum)
                continue
            for array, leaf in zip(jax.tree_util.tree_leaves(state),
                                   jax.tree_util.tree_leaves(value)):
                array._write(leaf)

    def _program(self, optimizer, count):
        key = (optimizer.trace_key(), count)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = x64.jit(_apply(optimizer))
        return program

    def _joined_program(self, optimizer, call, grads):
        index = {id(out): i for i, out in enumerate(call.outputs)}
        positions = tuple(index[id(g._buffer)] for g in grads)
        key = (optimizer.trace_key(), call.program, positions)
        program = self._joined.get(key)
        if program is None:
            program = self._joined[key] = _joined(optimizer, call.program, positions)
            if len(self._joined) > _MAX_JOINED:
                self._joined.popitem(last=False)
        else:
            self._joined.move_to_end(key)
        return program

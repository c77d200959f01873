"""One compiled program updating every parameter of a Trainer step on one context.

The optimizer's pure ``step`` is applied to all (weight, grad, state) triples inside one
jitted function, so a step costs one dispatch instead of one per parameter. Learning
rates, weight decays and update counts come from the host as one array
(``Optimizer.step_inputs``), so changing them never recompiles. Where every gradient is
still to be computed by one deferred backward (``ndarray.deferred.ProgramCall``), that
backward runs inside the update's program: the training step is one program. Optimizers
without a pure ``step`` keep the per-parameter path of their Updater.

The weights and optimizer states are donated, so XLA updates them in place, as MXNet
does: a step allocates no second copy of them (for large layers, fresh pages the kernel
must fault in at every step). Only buffers that the previous update wrote and that
nothing else holds are donated; any other (an initial value, one set or assigned since,
one an NDArray made from ``asjax()`` shares) is copied first, so its holders keep it.
"""
import collections
import functools
import sys
import weakref

import jax

from .. import x64
from ..ndarray import NDArray, deferred
from ..optimizer.optimizer import Optimizer, StepInputsTransfer

_MAX_JOINED = 32  # joined programs kept per Trainer context (one per recorded structure)


def _apply(optimizer):
    def apply(weights, grads, states, hyper):
        results = [optimizer.step_from_inputs(w, g, s, hyper, i)
                   for i, (w, g, s) in enumerate(zip(weights, grads, states))]
        return [r[0] for r in results], [r[1] for r in results]
    return apply


def _joined(optimizer, backward, positions, args_tree, weight_slots):
    """The backward program, then the update of the weights from its outputs at
    ``positions``, as one program returning (weights, states, backward outputs). It takes
    the backward's argument leaves without the weights, which go at ``weight_slots``
    ((leaf position, weight index) pairs): a donated buffer is passed once. The memory of
    ``spent`` (the values the new gradients replace) is theirs to reuse."""
    apply = _apply(optimizer)

    def joined(leaves, weights, states, hyper, spent):
        leaves = list(leaves)
        for slot, weight in weight_slots:
            leaves[slot] = weights[weight]
        outputs = jax.tree_util.tree_leaves(backward(*args_tree.unflatten(leaves)))
        new_weights, new_states = apply(weights, [outputs[p] for p in positions], states,
                                        hyper)
        return new_weights, new_states, outputs  # in the order of the buffers they reuse
    return x64.jit(joined, compiler_options=backward.compiler_options,
                   donate_argnums=(1, 2, 4), keep_unused=True)


def _reference_counts(values):
    return [sys.getrefcount(value) for value in values]


_PROBE = [object()]  # one object with one holder: what an NDArray's own buffer looks like
_SOLE_HOLDER = _reference_counts([_PROBE[0]])[0]


def _forget(table, key, _):
    table.pop(key, None)


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
        self._last_joined = None  # (key, program) of the last step's joined program
        # id(NDArray) -> [weakref to it, weakref to the buffer this update wrote into it]
        self._written = {}
        self._transfers = {}  # device -> StepInputsTransfer onto it

    def _transfer(self, device):
        transfer = self._transfers.get(device)
        if transfer is None:
            transfer = self._transfers[device] = StepInputsTransfer(
                functools.partial(x64.device_put, device=device))
        return transfer

    @staticmethod
    def supports(optimizer, grads):
        return type(optimizer).step is not Optimizer.step and all(
            g.stype == "default" for g in grads)

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
        hyper = self._transfer(weights[0].context.jax_device)(
            optimizer.step_inputs(list(indices)))
        state_arrays, states_tree = jax.tree_util.tree_flatten(states)
        call = _backward_call(grads)
        if call is None:
            grad_values = [g.asjax() for g in grads]
            program = self._program(optimizer, len(indices))
        else:  # the weights leave the backward's arguments: they are donated
            leaves, args_tree = jax.tree_util.tree_flatten(call.args)
            call.args = None
            weight_index = {id(w._buffer): i for i, w in enumerate(weights)
                            if w._base is None}
            weight_slots = tuple([(slot, weight_index[id(leaf)]) for slot, leaf
                                  in enumerate(leaves) if id(leaf) in weight_index])
            for slot, _ in weight_slots:
                leaves[slot] = None
            program = self._joined_program(optimizer, call, grads, args_tree, weight_slots)
        weight_values = self._donatable(weights)
        state_values = states_tree.unflatten(self._donatable(state_arrays))
        if call is None:
            new_weights, new_states = program(weight_values, grad_values, state_values, hyper)
        else:
            spent, call.spent = call.spent, ()
            spent = [value for value, count in zip(spent, _reference_counts(spent))
                     if count < _SOLE_HOLDER]  # held by nothing but the list
            try:
                new_weights, new_states, outputs = program(leaves, weight_values,
                                                           state_values, hyper, spent)
            except Exception:  # the backward stays runnable on its own
                for slot, weight in weight_slots:
                    leaves[slot] = weight_values[weight]
                call.args = args_tree.unflatten(leaves)
                raise
            deferred.fill(call.outputs, outputs)
        self._write(weights, new_weights)
        self._write(state_arrays, jax.tree_util.tree_leaves(new_states))

    def _write(self, arrays, values):
        """Write each array's new value, noting it as written by this update."""
        written = self._written
        for array, value in zip(arrays, values):
            array._write(value)
            entry = written.get(id(array))
            if entry is None:  # an entry leaves the table when its array dies
                forget = functools.partial(_forget, written, id(array))
                entry = written[id(array)] = [weakref.ref(array, forget), None]
            entry[1] = weakref.ref(value)

    def _donatable(self, arrays):
        """The values of ``arrays`` for a program to donate: each array's own buffer where
        this object's last update wrote it and nothing else holds it, else a copy."""
        values = [NDArray.asjax(array) for array in arrays]
        for i, (array, count) in enumerate(zip(arrays, _reference_counts(values))):
            entry = self._written.get(id(array))
            if count > _SOLE_HOLDER or entry is None or entry[1]() is not values[i]:
                values[i] = x64.device_put(values[i], may_alias=False)
        return values

    def _program(self, optimizer, count):
        key = (optimizer.trace_key(), count)
        program = self._programs.get(key)
        if program is None:
            program = self._programs[key] = x64.jit(_apply(optimizer), donate_argnums=(0, 2))
        return program

    def _joined_program(self, optimizer, call, grads, args_tree, weight_slots):
        """The program joining ``call`` and the update; the last one is checked first."""
        trace_key, outputs = optimizer.trace_key(), call.outputs
        if self._last_joined is not None:
            (last_trace_key, backward, positions, last_tree, last_slots), program = \
                self._last_joined
            if (backward is call.program and last_tree == args_tree
                    and last_slots == weight_slots and last_trace_key == trace_key
                    and len(grads) == len(positions)
                    and all([outputs[p] is g._buffer for p, g in zip(positions, grads)])):
                return program
        index = {id(out): i for i, out in enumerate(outputs)}
        positions = tuple([index[id(g._buffer)] for g in grads])
        key = (trace_key, call.program, positions, args_tree, weight_slots)
        program = self._joined.get(key)
        if program is None:
            program = self._joined[key] = _joined(optimizer, call.program, positions,
                                                  args_tree, weight_slots)
            if len(self._joined) > _MAX_JOINED:
                self._joined.popitem(last=False)
        else:
            self._joined.move_to_end(key)
        self._last_joined = key, program
        return program

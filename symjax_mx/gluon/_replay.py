"""A hybridized block's forward under ``autograd.record()`` that keeps its VJP residuals
(MXNet's CachedOp in training): one jitted program computes the outputs, the updated
auxiliary states and ``jax.vjp``'s residuals; the tape node it records replays those
outputs and, in the backward program, applies the saved VJP instead of recomputing the
forward. The saved values travel as the node's key (what the tape passes to a node as a
program argument, as it does random operators' keys), never as constants of a program, so
the backward compiles once per structure, and the node's inputs stay the block's
(``autograd.get_symbol`` shows data, parameters and one ``_CachedOp``). Such a node is
differentiated once: ``grad(create_graph=True)`` through it is refused."""
import jax
import numpy as np

from .. import random_state, x64
from ..ndarray import NDArray, tape
from ..base import MXNetError
from ..ops.registry import Operator


@jax.tree_util.register_pytree_node_class
class _Saved:
    """The saved forward values of a recorded block (a pytree, passed as the node's key)."""

    def __init__(self, values):
        self.values = tuple(values)

    def tree_flatten(self):
        return self.values, None

    @classmethod
    def tree_unflatten(cls, aux, values):
        return cls(values)


class RecordedForward:
    """The training forward of a lowered graph for one input signature."""

    def __init__(self, graph, arg_names, aux_names, out_names, out_shapes, out_types):
        self._graph = graph
        self._arg_names, self._aux_names = arg_names, aux_names
        self._out_names = out_names
        self._out_shapes, self._out_types = out_shapes, out_types
        self._programs = {}  # is_train -> jitted forward
        self._replays = {}   # residuals' tree structure -> tape operator

    def _program(self, is_train):
        program = self._programs.get(is_train)
        if program is None:
            graph, arg_names, aux_names = self._graph, self._arg_names, self._aux_names

            def forward(args, aux, rng):
                def run(args):
                    outputs, new_aux = graph(dict(zip(arg_names, args)),
                                             dict(zip(aux_names, aux)), rng, is_train)
                    return outputs, [new_aux[name] for name in aux_names]
                outputs, vjp, new_aux = jax.vjp(run, list(args), has_aux=True)
                return outputs, new_aux, vjp
            program = self._programs[is_train] = x64.jit(forward)
        return program

    def __call__(self, args, aux, is_train):
        """The outputs (NDArrays on the tape) for NDArrays ``args`` and ``aux``."""
        ctx = args[0].context
        rng = random_state.next_key() if self._graph.random else None
        outputs, new_aux, vjp = self._program(is_train)(
            [a.asjax() for a in args], [a.asjax() for a in aux], rng)
        residuals, structure = jax.tree_util.tree_flatten(vjp)
        results = [NDArray(o, ctx, "_CachedOp") for o in outputs]
        saved = tuple(outputs) + tuple(new_aux) + tuple(residuals)
        op = self._replay(structure, len(residuals))
        tape.record(op, {}, list(args) + list(aux), results, is_train, _Saved(saved))
        return results

    def _replay(self, structure, num_residuals):
        op = self._replays.get(structure)
        if op is None:
            op = self._replays[structure] = _replay_operator(
                structure, len(self._arg_names), len(self._out_names), len(self._aux_names),
                num_residuals, self._aux_names, self._out_names, self._out_shapes,
                self._out_types, self._graph.host_callback)
        return op


def _replay_operator(structure, num_args, num_outputs, num_aux, num_residuals, aux_names,
                     out_names, out_shapes, out_types, host_callback):
    """The tape operator: inputs are the arguments, the saved outputs, the saved new
    auxiliary states and the residuals; its value is the saved outputs and its VJP the
    saved one."""
    @jax.custom_vjp
    def replay(args, saved):
        return saved

    def replay_fwd(args, saved):
        return saved, saved

    def replay_bwd(saved, cotangents):
        residuals = saved[num_outputs + num_aux:]
        vjp = jax.tree_util.tree_unflatten(structure, residuals)
        outputs = saved[:num_outputs]
        (grads,) = vjp([c.astype(o.dtype) for c, o in zip(cotangents[:num_outputs], outputs)])
        return grads, [jax.numpy.zeros_like(s) if jax.numpy.issubdtype(s.dtype, np.inexact)
                       else np.zeros(s.shape, jax.dtypes.float0) for s in saved]

    replay.defvjp(replay_fwd, replay_bwd)

    def compute(inputs, aux, params, is_train, saved):
        if not isinstance(saved, _Saved):
            raise MXNetError("a hybridized block recorded under autograd.record() is "
                             "differentiated once; grad(create_graph=True) through it is "
                             "not supported (call it unhybridized)")
        values = replay(list(inputs), list(saved.values))
        return values[:num_outputs], values[num_outputs:num_outputs + num_aux]

    return Operator(
        name="_CachedOp", compute=compute, inputs=tuple(f"arg{i}" for i in range(num_args)),
        aux=tuple(aux_names), outputs=tuple(out_names), random=True, differentiable=True,
        host_callback=host_callback,
        shape_rule=lambda op, params, shapes: (shapes, list(out_shapes)),
        dtype_rule=lambda op, params, dtypes: (dtypes, list(out_types)))

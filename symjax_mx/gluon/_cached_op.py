"""The compiled program of a hybridized block (MXNet's CachedOp).

The traced Symbol is lowered (``lowering.LoweredGraph``) once per input signature into an
operator whose compute is the whole graph: arguments in, outputs and updated auxiliary
states out. It runs through ``ndarray.invoke`` like any operator, so one jitted program
serves each call. Under ``autograd.record()`` the call is one tape node, deferred so that
the backward computes the block's forward in its own program; where it cannot be deferred
(sparse inputs, the profiler timing operators) the node keeps the forward's VJP residuals
(``_replay``), so the backward never recomputes the block.
"""
import warnings

import jax
import numpy as np

from .. import autograd
from ..base import c_str
from ..ndarray import handles
from ..ndarray.ndarray import defers, invoke, invoke_deferred
from ..lowering.graph import LoweredGraph
from ..ops.describe import monitor_input_names
from ..ops.registry import Operator
from ..symbol import Symbol
from ..symbol.inference import solve
from ..symbol.symbol import group_class
from ._replay import RecordedForward
from .parameter import DeferredInitializationError


class CachedOp:
    """Runs ``out`` (a Symbol whose inputs are ``data`` variables and the parameters of
    ``block``) on NDArrays."""

    def __init__(self, block, data, out, inline_limit=2):
        self._symbol = out
        #: whether the graph's outputs are mx.sym.np symbols, which give mx.np arrays
        self.numpy_outputs = group_class([out]) is not Symbol
        self._num_ops = sum(node.op is not None for node in out.graph.nodes)
        self._inline_limit = inline_limit
        # a graph with an operator whose output shape depends on values runs op by op
        self._dynamic = any(node.op is not None and node.op.dynamic_shape
                            for node in out.graph.nodes)
        data_index = {var.name: i for i, var in enumerate(data)}
        params = block.collect_params()
        inputs = out.list_inputs()
        for name in inputs:
            if name not in params and name not in data_index:
                raise AssertionError(f"Unknown input to HybridBlock: {name}")
        unused = [f"{i}-th" for name, i in data_index.items() if name not in inputs]
        if unused:
            warnings.warn(f"The {', '.join(unused)} input to HybridBlock is not used by any "
                          "computation. Is this intended?", stacklevel=4)
        unused = [name for name in params.keys() if name not in inputs]
        if unused:
            warnings.warn(f"Parameter {', '.join(unused)} is not used by any computation. Is "
                          "this intended?", stacklevel=4)
        self._sources = {name: (data_index[name] if name in data_index else params[name])
                         for name in inputs}
        self._arg_names = tuple(out.list_arguments())
        self._aux_names = tuple(out.list_auxiliary_states())
        self._input_sources = [self._sources[name] for name in self._arg_names + self._aux_names]
        self._data_positions = [(position, source) for position, source
                                in enumerate(self._input_sources) if type(source) is int]
        # (ctx, [(parameter, its arrays)], inputs with the data as None, their shapes and
        # dtypes): the parameters' arrays, read once per context
        self._read_params = None
        self._ops = {}  # input signature -> (Operator, its outputs' avals)
        self._recorded = {}  # input signature -> RecordedForward (under autograd.record)

    def _values(self, flat):
        """Inputs by name; parameters are read on the data's context (a parameter that is
        not there is MXNet's error naming it)."""
        ctx = flat[0].context
        return {name: flat[source] if isinstance(source, int) else source.data(ctx)
                for name, source in self._sources.items()}

    def _inputs(self, flat, infer_shapes):
        """(the graph's arguments then auxiliary states as NDArrays, their shapes and
        dtypes); the parameters' arrays are read once per context and reused while no
        parameter replaced its arrays (initialisation, ``reset_ctx`` and ``cast`` make new
        ones; writes keep an array's shape and dtype)."""
        ctx = flat[0].context
        read = self._read_params
        if read is None or read[0] != ctx or any(p._data is not arrays for p, arrays in read[1]):
            read = self._read_params = self._read_parameters(flat, ctx, infer_shapes)
        inputs, signature = list(read[2]), list(read[3])
        for position, source in self._data_positions:
            x = inputs[position] = flat[source]
            signature[position] = (x._shape, x.dtype)
        return inputs, tuple(signature)

    def _read_parameters(self, flat, ctx, infer_shapes):
        try:
            values = self._values(flat)
        except DeferredInitializationError:
            infer_shapes()
            for source in self._sources.values():
                if not isinstance(source, int):
                    source._finish_deferred_init()
            values = self._values(flat)
        params = [source for source in self._sources.values() if not isinstance(source, int)]
        arrays = [None if isinstance(source, int) else values[name]
                  for name, source in zip(self._arg_names + self._aux_names, self._input_sources)]
        return (ctx, [(param, param._data) for param in params], arrays,
                [None if x is None else (x._shape, x.dtype) for x in arrays])

    def __call__(self, flat, infer_shapes):
        """The outputs (a list) for the flat inputs ``flat``; ``infer_shapes()`` completes
        deferred parameter shapes on the first call."""
        inputs, signature = self._inputs(flat, infer_shapes)
        recording = autograd.is_recording()
        if self._dynamic or (recording and self._num_ops <= self._inline_limit):
            return self._inline(dict(zip(self._arg_names + self._aux_names, inputs)))
        if recording and not defers(inputs):
            recorded = self._recorded.get(signature)
            if recorded is None:
                recorded = self._recorded[signature] = RecordedForward(*self._lowered(inputs))
            num_args = len(self._arg_names)
            return recorded(inputs[:num_args], inputs[num_args:], autograd.is_training())
        entry = self._ops.get(signature)
        if entry is None:
            entry = self._ops[signature] = self._operator(inputs)
        op, avals = entry
        if recording:  # and deferred (checked above)
            out = invoke_deferred(op, inputs, avals)
            if out is not None:
                return out
        out = invoke(op, inputs, {})
        return list(out) if isinstance(out, (list, tuple)) else [out]

    def _inline(self, values):
        """Run the graph operator by operator, so that each is recorded on the tape (MXNet
        inlines a recorded graph of at most ``inline_limit`` operators) and each output
        shape is known when the next operator runs (MXNet's dynamic-shape CachedOp)."""
        results = {}
        for node in self._symbol.graph.nodes:
            if node.op is None:
                results[id(node)] = [values[node.name]]
                continue
            out = invoke(node.op, [results[id(n)][i] for n, i in node.inputs], node.params)
            results[id(node)] = list(out) if isinstance(out, (list, tuple)) else [out]
        return [results[id(n)][i] for n, i in self._symbol.graph.heads]

    def monitor(self, flat, callback, monitor_all):
        """Call ``callback(name, operator name, handle)`` with each operator's output (and,
        with ``monitor_all``, first with its inputs, ``<node>_<input>``), as MXNet's op hook:
        names as bytes, the array as an NDArray handle lent for the call."""
        def report(name, op_name, value):
            with handles.lent(value) as handle:
                callback(c_str(name), c_str(op_name), handle)

        values = self._values(flat)
        results = {}
        with autograd.pause():
            for node in self._symbol.graph.nodes:
                if node.op is None:
                    results[id(node)] = [values[node.name]]
                    continue
                inputs = [results[id(n)][i] for n, i in node.inputs]
                if monitor_all:
                    names = monitor_input_names(node.op, node.params, len(inputs))
                    for name, value in zip(names, inputs):
                        report(f"{node.name}_{name}", node.op.name, value)
                out = invoke(node.op, inputs, node.params)
                out = results[id(node)] = list(out) if isinstance(out, (list, tuple)) else [out]
                for name, value in zip(node.output_names(), out):
                    report(name, node.op.name, value)

    def _lowered(self, inputs):
        """(lowered graph, argument names, aux names, output names, output shapes, output
        dtypes) for inputs of these shapes and dtypes."""
        names = self._arg_names + self._aux_names
        shapes = {name: x.shape for name, x in zip(names, inputs)}
        entry_shapes = solve(self._symbol.graph, "shape", shapes)[1]
        out_shapes = self._symbol.infer_shape(**shapes)[1]
        out_types = self._symbol.infer_type(**{n: x.dtype for n, x in zip(names, inputs)})[1]
        return (LoweredGraph(self._symbol.graph, entry_shapes, updates_last_first=True),
                self._arg_names, self._aux_names, tuple(self._symbol.list_outputs()),
                out_shapes, out_types)

    def _operator(self, inputs):
        """(the operator running the whole graph for inputs of these shapes and dtypes, its
        outputs' shapes and dtypes)."""
        graph, arg_names, aux_names, _, out_shapes, out_types = self._lowered(inputs)

        def compute(values, aux, params, is_train, rng):
            outputs, new_aux = graph(dict(zip(arg_names, values)), dict(zip(aux_names, aux)),
                                     rng, is_train)
            return list(outputs), [new_aux[name] for name in aux_names]

        avals = [jax.ShapeDtypeStruct(shape, np.dtype(dtype))
                 for shape, dtype in zip(out_shapes, out_types)]
        return Operator(
            name="_CachedOp", compute=compute, inputs=arg_names, aux=aux_names,
            outputs=tuple(self._symbol.list_outputs()), random=graph.random,
            host_callback=graph.host_callback,
            shape_rule=lambda op, params, shapes: (shapes, list(out_shapes)),
            dtype_rule=lambda op, params, dtypes: (dtypes, list(out_types))), avals


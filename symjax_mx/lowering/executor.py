"""The Executor: bind a Symbol to arrays and run its compiled forward and backward.

``forward(is_train=True)`` keeps the residuals of ``jax.vjp`` (they cross the jit
boundary), so ``backward`` does not run the forward again. The executor's arrays are
NDArray handles that stay valid across calls. Its programs come from
``programs.programs_for``; ``fused_step`` and ``apply_update`` run the optimizer's
programs on its arrays for Module.
"""
import jax
import jax.numpy as jnp
import numpy as np

from .. import compile_options, x64, random_state as random
from ..compile_log import describe_shapes, logs_compiles
from ..base import MXNetError, c_str, normalize_dtype
from ..context import Context, current_context
from ..ndarray import NDArray, deferred, handles, pending, zeros_buffer, zeros_buffers
from ..ndarray.fixed_ones import write_ones
from ..ndarray.storage import gradient_stypes, graph_stypes, variable_stypes
from ..symbol.graph import Graph
from ..ops import get_op
from ..ops.describe import monitor_input_names
from ..symbol.inference import given_values, infer_with_entries, solve
from ..symbol.common_expr import common_expr_enabled, eliminate_common_expr
from .backward_monitor import backward_outputs
from .errors import RunTimeFailure
from .placed import StagedPrograms, node_contexts
from .graph import fixed_gamma_names
from .programs import Programs, optimizer_update, programs_for

__all__ = ["Executor", "bind", "check_group2ctx", "simple_bind"]

GRAD_REQS = ("write", "add", "null", "inplace")
_BLOCK_GRAD = get_op("BlockGrad")


def _grad_reqs(grad_req, arg_names):
    """name -> request, from one request, a list in argument order or a dict (arguments it
    does not name get 'null')."""
    if isinstance(grad_req, str):
        reqs = dict.fromkeys(arg_names, grad_req)
    elif isinstance(grad_req, (list, tuple)):
        if len(grad_req) != len(arg_names):
            raise MXNetError(f"grad_req has {len(grad_req)} entries for {len(arg_names)} "
                             f"arguments {arg_names}")
        reqs = dict(zip(arg_names, grad_req))
    elif isinstance(grad_req, dict):  # as in MXNet, names that are not arguments are ignored
        reqs = {name: grad_req.get(name, "null") for name in arg_names}
    else:
        raise MXNetError(f"grad_req must be a string, list or dict, got {grad_req!r}")
    for name, req in reqs.items():
        if req not in GRAD_REQS:
            raise MXNetError(f"unknown grad_req {req!r} for argument {name!r}; expected one of "
                             f"{list(GRAD_REQS)}")
    return reqs


def _describe(executor):
    shapes = describe_shapes((n, a.shape) for n, a in executor.arg_dict.items())
    return f"the program of {'+'.join(executor._symbol.list_outputs())} for shapes {shapes}"


def check_no_extra_params(arg_params, aux_params, arg_names, aux_names):
    """MXNet's ValueError for a given parameter that is not among ``arg_names`` /
    ``aux_names`` (its wording, from Executor.copy_params_from)."""
    for name in arg_params or {}:
        if name not in arg_names:
            raise ValueError(f'Find name "{name}" that is not in the arguments')
    for name in aux_params or {}:
        if name not in aux_names:
            raise ValueError(f"Find name {name} that is not in the auxiliary states")


class Executor:
    """A bound symbol: arguments, gradients and auxiliary states as NDArrays."""

    def __init__(self, symbol, ctx, args, grads, grad_req, aux, entry_shapes=None,
                 group2ctx=None, entry_dtypes=None):
        """``entry_shapes`` and ``entry_dtypes`` are the shape and dtype of every graph
        entry when the caller inferred them (for these arrays); ``group2ctx`` places node
        groups on other contexts (see ``lowering.placed``)."""
        self._symbol = symbol
        graph = self._graph = symbol.graph
        self._eliminate_common_expr = common_expr_enabled()  # read at bind, as MXNet
        self._ctx = ctx
        self._group2ctx = group2ctx
        self._arg_names = symbol.list_arguments()
        self._aux_names = symbol.list_auxiliary_states()
        self.arg_arrays = [args[name] for name in self._arg_names]
        self.aux_arrays = [aux[name] for name in self._aux_names]
        self._grad_req = grad_req
        self.grad_arrays = [grads.get(name) for name in self._arg_names]
        self.arg_dict = dict(zip(self._arg_names, self.arg_arrays))
        self.aux_dict = dict(zip(self._aux_names, self.aux_arrays))
        self.grad_dict = {name: grads[name] for name in self._arg_names if name in grads}
        given = {name: a.shape for name, a in self.arg_dict.items()}
        given.update({name: a.shape for name, a in self.aux_dict.items()})
        for node in graph.nodes:
            if node.op is not None and node.op.dynamic_shape:
                raise MXNetError(f"cannot bind: the output shape of node {node.name!r} "
                                 f"({node.op.name}) depends on input values; run the symbol "
                                 f"as a hybridized gluon.SymbolBlock")
        if entry_shapes is None:
            entry_shapes = solve(graph, "shape", given)[1]
        self._entry_shapes = entry_shapes
        self._out_shapes = [entry_shapes.get((id(n), i)) for n, i in graph.heads]
        diff = tuple(n for n in self._arg_names if grad_req[n] != "null" and n in grads)
        _check_gradient_defined(graph, diff)
        diff = _differentiated(graph, diff, tuple(n for n in self._arg_names if n in grads))
        contexts = node_contexts(graph, ctx, group2ctx)
        arrays = [*self.arg_arrays, *self.aux_arrays, *self.grad_dict.values()]
        if len({*contexts.values(), *(a.context for a in arrays)}) > 1:
            self._compiled = StagedPrograms(graph, entry_shapes, contexts, diff)
        else:
            self._compiled = programs_for(graph, entry_shapes, given, diff)
        diff = self._compiled.diff_names
        self._diff_args = [(name, self.arg_dict[name]) for name in diff]
        self._rest_args = [(name, a) for name, a in self.arg_dict.items() if name not in diff]
        self._accumulated = tuple(name for name in diff if grad_req[name] == "add")
        self._written_grads = [(name, self.grad_dict[name], np.dtype(self.arg_dict[name].dtype)
                                .kind in "biu") for name in diff if grad_req[name] != "null"]
        if entry_dtypes is None:
            entry_dtypes = solve(graph, "dtype", {n: a.dtype for n, a in
                                                  {**self.arg_dict, **self.aux_dict}.items()})[1]
        out_types = self._entry_dtypes = entry_dtypes
        out_stypes = graph_stypes(graph, {name: a.stype for name, a in self.arg_dict.items()},
                                  entry_shapes)
        self.outputs = zeros_buffers([
            (shape, contexts[id(n)], out_types.get((id(n), i), np.float32), stype)
            for (n, i), shape, stype in zip(graph.heads, self._out_shapes, out_stypes)])
        self.output_dict = dict(zip(symbol.list_outputs(), self.outputs))
        self._vjp = None    # the residuals of the last training forward, for backward
        self._grads = None  # or the gradients themselves, when every head is a loss
        self._deferred_pass = None  # (inputs, Deferred outputs) of a training pass not run yet
        self._loss_heads_only = all(_needs_no_head_grad(node) for node, _ in graph.heads)
        self._last_inference = None  # (args, aux, rng) of the last forward(is_train=False)
        self._monitor = None
        self._monitor_all = False
        self._monitored_pass = None  # (args, aux, rng) of the last monitored training pass
        self._loss_heads = {}  # output index -> the (ignored) head gradient of a loss head
        self._fixed_gammas = [n for n in fixed_gamma_names(graph.nodes) if n in self.arg_dict]

    # --- running -------------------------------------------------------------------------

    @logs_compiles(_describe)
    def forward(self, is_train=False, **kwargs):
        """Run the graph; keyword arrays are copied into the arguments first."""
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError(f"forward: unknown argument {name!r}; the arguments are "
                                 f"{self._arg_names}")
            self.arg_dict[name][:] = value
        if self._fixed_gammas:
            write_ones([self.arg_dict[n] for n in self._fixed_gammas])
        compiled = self._compiled
        training = is_train and compiled.diff_names
        args = {name: a._read() for name, a in (self._rest_args if training else
                                                self.arg_dict.items())}
        diff = {name: a._read() for name, a in self._diff_args} if training else None
        aux = {name: a._read() for name, a in self.aux_dict.items()}
        rng = random.next_key() if compiled.graph.random else None
        self._vjp = self._grads = self._last_inference = self._monitored_pass = None
        self._deferred_pass = None
        if self._monitor is not None:  # a copy: a training pass donates the aux states
            monitored = ({**args, **(diff or {})}, {n: x64.device_put(v, may_alias=False)
                                                    for n, v in aux.items()}, rng)
            if is_train:
                self._monitored_pass = monitored
        if not is_train and compiled.diff_names:
            self._last_inference = (dict(args), aux, rng)
        try:
            if training:
                if self._loss_heads_only:
                    outputs, new_aux, self._grads = compiled.train_with_grads(diff, args, aux,
                                                                              rng)
                elif self._defers_training_pass():
                    outputs, new_aux = self._defer_training_pass((diff, args, aux, rng)), {}
                else:
                    outputs, new_aux, self._vjp = compiled.train(diff, args, aux, rng)
            else:
                outputs, new_aux = compiled.infer(args, aux, rng, bool(is_train))
        except RunTimeFailure as err:  # as MXNet's engine: raised when an output is read
            pending.attach(self.outputs, pending.cell_of((), err))
            return self.outputs
        for handle, value in zip(self.outputs, outputs):
            handle._write(value)
        if is_train:
            for name, value in new_aux.items():
                self.aux_dict[name]._write(value)
        if self._monitor is not None:
            self._run_monitor(*monitored, is_train)
        return self.outputs

    @logs_compiles(_describe)
    def backward(self, out_grads=None, is_train=True):
        """Gradients of the last training forward into ``grad_arrays`` per ``grad_req``.

        Loss heads (SoftmaxOutput, MakeLoss, ...) need no ``out_grads``; other heads do.
        """
        if self._deferred_pass is not None:
            heads = self._head_grads(out_grads)  # reading a head gradient may run the pass
            if self._deferred_pass is not None:
                self._train_and_backward(heads)
                return
        if self._vjp is None and self._grads is None:
            if not self._compiled.diff_names:
                return
            if self._last_inference is None:  # MXNet runs backward without a forward too:
                rng = random.next_key() if self._compiled.graph.random else None  # current args
                self._last_inference = ({n: a.asjax() for n, a in self.arg_dict.items()},
                                        {n: a.asjax() for n, a in self.aux_dict.items()}, rng)
            self._differentiate_last_inference(is_train)
        accumulate = self._accumulated
        if self._grads is not None:  # computed with the forward: loss heads only
            grads = self._grads
            if accumulate:
                grads = {**grads, **self._compiled.accumulate(
                    {name: self.grad_dict[name].asjax() for name in accumulate},
                    {name: grads[name] for name in accumulate})}
        else:
            grads = self._compiled.backward(self._vjp, self._head_grads(out_grads),
                                            self._previous_grads(), accumulate)
        self._write_grads(grads)
        if self._monitor is not None and self._monitored_pass is not None:
            device = self._ctx.jax_device
            on_ctx = jax.tree_util.tree_map(lambda x: x64.device_put(x, device),
                                            (self._monitored_pass, self._head_grads(out_grads)))
            for name, grad in backward_outputs(self._compiled.graph, *on_ctx[0], on_ctx[1]):
                self._report(name, NDArray(grad, self._ctx))

    @property
    def programs(self):
        """The compiled programs this executor runs (``lowering.programs.Programs``)."""
        return self._compiled

    def next_rng_data(self):
        """Fresh random key data for one run of the graph, or None if it draws none."""
        return jax.random.key_data(random.next_key()) if self._compiled.random else None

    def fused_step(self, optimizer, states, hyper, rng_data=None):
        """A training forward, backward and ``optimizer``'s update of the parameters named
        in ``states`` (name -> optimizer state) as one program; every head must be a loss.
        Writes the outputs, auxiliary states and parameters; returns the new states."""
        if isinstance(self._compiled, StagedPrograms):
            raise MXNetError("fused_step: the graph runs on several contexts (group2ctx); "
                             "use forward, backward and apply_update")
        if self._fixed_gammas:  # the step itself uses 1 for the trained ones
            write_ones([self.arg_dict[n] for n in self._fixed_gammas if n not in states])
        args = {n: a.asjax() for n, a in self.arg_dict.items()}
        params = {n: args.pop(n) for n in states}
        aux = {n: a.asjax() for n, a in self.aux_dict.items()}
        step = self._compiled.fused_step(optimizer)
        outputs, new_aux, new_params, new_states = step(params, args, aux, states, hyper,
                                                        rng_data)
        for handle, value in zip(self.outputs, outputs):
            handle._write(value)
        for name, value in new_aux.items():
            self.aux_dict[name]._write(value)
        for name, value in new_params.items():
            self.arg_dict[name]._write(value)
        self._vjp = self._grads = None
        return new_states

    def apply_update(self, optimizer, states, hyper):
        """``optimizer``'s update of the parameters named in ``states`` from their
        gradients, as one program; writes the parameters and returns the new states."""
        names = sorted(states)  # ``hyper``'s column order
        by_context = {}  # one program per context the parameters live on
        for column, name in enumerate(names):
            by_context.setdefault(self.arg_dict[name].context, []).append(column)
        new_states = {}
        for columns in by_context.values():
            part = [names[c] for c in columns]
            params = {n: self.arg_dict[n].asjax() for n in part}
            grads = {n: self.grad_dict[n].asjax() for n in part}
            part_hyper = hyper if len(by_context) == 1 else np.asarray(hyper)[:, columns]
            new_params, updated = optimizer_update(optimizer)(
                params, grads, {n: states[n] for n in part}, part_hyper)
            for name, value in new_params.items():
                self.arg_dict[name]._write(value)
            new_states.update(updated)
        return new_states

    def _previous_grads(self):
        """The gradient arrays' values for the backward program, which donates them; zeros
        for a 'null' request (differentiated, but its array is left alone)."""
        return {name: self.grad_dict[name].asjax() if self._grad_req[name] != "null" else
                x64.device_put(np.zeros(self.grad_dict[name].shape, self.grad_dict[name].dtype),
                               self.grad_dict[name].context.jax_device, may_alias=True)
                for name in self._compiled.diff_names}

    def _write_grads(self, grads):
        for name, target, integer in self._written_grads:
            grad = grads[name]
            if integer and grad.dtype == jax.dtypes.float0:  # JAX has no gradient for it
                grad = x64.device_put(np.zeros(target.shape, target.dtype),
                                      target.context.jax_device, may_alias=True)
            target._write(grad)

    def _defers_training_pass(self):
        """Whether a training forward waits for ``backward`` (which then runs forward and
        backward as one program) or for a read of its outputs (which runs the forward that
        keeps residuals): for graphs without auxiliary states or a monitor."""
        return (not self._aux_names and self._monitor is None
                and isinstance(self._compiled, Programs))

    def _defer_training_pass(self, inputs):
        """`Deferred` outputs of the training pass over ``inputs`` (diff, rest, aux, rng).
        Read before ``backward``, a small graph's outputs come from the program that runs
        the pass and its backward (with zero head gradients), which ``backward`` runs again:
        one compile instead of two where compiling costs more than running."""
        avals = [jax.ShapeDtypeStruct(shape, np.dtype(output.dtype))
                 for output, shape in zip(self.outputs, self._out_shapes)]
        state = [inputs, ()]

        def run(_):
            if compile_options.compiles_fast(self._compiled.compiler_options):
                def zeros(array, shape=None):  # committed, as the arrays backward passes
                    return x64.device_put(np.zeros(shape or array.shape, array.dtype),
                                          array.context.jax_device, may_alias=True)
                heads = [zeros(output, shape) for output, shape in zip(self.outputs,
                                                                        self._out_shapes)]
                unused = {name: zeros(self.grad_dict[name])
                          for name in self._compiled.diff_names}
                flags = {name: self._grad_req[name] == "add" for name in unused}
                return self._compiled.train_backward(*inputs, heads, unused, flags)[0]
            outputs, _, vjp = self._compiled.train(*inputs)
            if self._deferred_pass is state:
                self._deferred_pass, self._vjp = None, vjp
            return outputs
        state[1] = deferred.defer(run, (), avals)
        self._deferred_pass = state
        return state[1]

    def _train_and_backward(self, heads):
        """Run the deferred training pass and its backward as one program."""
        (inputs, outputs), self._deferred_pass = self._deferred_pass, None
        previous = self._previous_grads()
        flags = {name: self._grad_req[name] == "add" for name in self._compiled.diff_names}
        values, grads = self._compiled.train_backward(*inputs, heads, previous, flags)
        deferred.fill(outputs, values)
        self._write_grads(grads)

    @x64.x64
    def _differentiate_last_inference(self, is_train):
        """backward after forward(is_train=False), which MXNet allows: differentiate a
        training pass over the same inputs (it differs from the inference forward only in
        operators that behave differently in training, such as Dropout and BatchNorm), or
        the inference pass itself for backward(is_train=False)."""
        args, aux, rng = self._last_inference
        diff = {n: args[n] for n in self._compiled.diff_names}
        rest = {n: v for n, v in args.items() if n not in diff}
        aux = {n: jnp.array(v, copy=True) for n, v in aux.items()}  # the pass donates them
        if not is_train:
            self._vjp = self._compiled.train(diff, rest, aux, rng, is_train=False)[2]
        elif self._loss_heads_only:
            self._grads = self._compiled.train_with_grads(diff, rest, aux, rng)[2]
        else:
            self._vjp = self._compiled.train(diff, rest, aux, rng)[2]

    def _head_grads(self, out_grads):
        """The head gradients of a backward given ``out_grads``: ones for a loss head (its
        gradient ignores them), made once."""
        if out_grads is None and len(self._loss_heads) == len(self.outputs):
            return [self._loss_heads[index] for index in range(len(self.outputs))]
        return self._checked_head_grads(out_grads)

    @x64.x64
    def _checked_head_grads(self, out_grads):
        if out_grads is None:
            out_grads = [None] * len(self.outputs)
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        if len(out_grads) < len(self.outputs):  # as in MXNet, extra out_grads are ignored
            out_grads = list(out_grads) + [None] * (len(self.outputs) - len(out_grads))
        heads = []
        for index, ((node, _), name, output, grad) in enumerate(zip(
                self._graph.heads, self._graph.output_names(), self.outputs, out_grads)):
            if grad is None or _needs_no_head_grad(node):
                if not _needs_no_head_grad(node):
                    raise MXNetError(f"backward: output {name!r} is not a loss, so it needs "
                                     f"an out_grad")
                if index not in self._loss_heads:
                    self._loss_heads[index] = jnp.ones(output.shape, output.dtype)
                heads.append(self._loss_heads[index])
            else:
                value = grad.asjax() if isinstance(grad, NDArray) else jnp.asarray(grad)
                if tuple(value.shape) != output.shape:
                    raise MXNetError(f"backward: out_grad for {name!r} has shape "
                                     f"{tuple(value.shape)}, expected {output.shape}")
                heads.append(value.astype(output.dtype))
        return heads

    # --- parameters and introspection ----------------------------------------------------

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        """Copy parameters (name -> NDArray) into the bound arguments and aux states; a
        name the executor lacks is MXNet's ValueError unless ``allow_extra_params``."""
        if not allow_extra_params:
            check_no_extra_params(arg_params, aux_params, self.arg_dict, self.aux_dict)
        for params, target in ((arg_params, self.arg_dict), (aux_params or {}, self.aux_dict)):
            for name, value in params.items():
                if name in target:
                    value.copyto(target[name]) if isinstance(value, NDArray) \
                        else target[name].__setitem__(slice(None), value)

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes. An array whose shape is unchanged is shared;
        a smaller one is a view of the old array's memory (outputs too), as on MXNet; a
        larger one needs ``allow_up_sizing``, and an argument not given whose shape changes
        needs ``partial_shaping``. Shapes not given are inferred from the given ones, else
        kept."""
        inferred = dict(zip(self._arg_names, self._symbol.infer_shape_partial(**kwargs)[0]))
        kept = {n: a.shape for n, a in self.arg_dict.items() if not inferred.get(n)}
        arg_shapes, out_shapes, aux_shapes = self._symbol.infer_shape(**{**kept, **kwargs})
        if arg_shapes is None:
            raise MXNetError(f"reshape: cannot infer every shape from {kwargs}")

        def fit(old, shape, name, kind):
            shape = tuple(shape)
            if old.shape == shape:
                return old
            if kind != "output" and name not in kwargs and not partial_shaping:
                raise MXNetError(f"reshape: the shape of {kind} {name!r}, which was not given, "
                                 f"changes from {old.shape} to {shape}; pass "
                                 f"partial_shaping=True if this is intended")
            size = int(np.prod(shape))
            if size > old.size:
                if not allow_up_sizing:
                    raise MXNetError(f"reshape: {kind} {name!r} grows from {old.shape} to "
                                     f"{shape}; pass allow_up_sizing=True to allocate new "
                                     f"arrays (or bind the larger executor first)")
                return zeros_buffer(shape, self._ctx, old.dtype)
            return old.reshape((-1,))[:size].reshape(shape)

        args = {n: fit(self.arg_dict[n], s, n, "argument")
                for n, s in zip(self._arg_names, arg_shapes)}
        grads = {n: fit(self.grad_dict[n], s, n, "gradient")
                 for n, s in zip(self._arg_names, arg_shapes) if n in self.grad_dict}
        aux = {n: fit(self.aux_dict[n], s, n, "auxiliary state")
               for n, s in zip(self._aux_names, aux_shapes)}
        executor = Executor(self._symbol, self._ctx, args, grads, self._grad_req, aux,
                            group2ctx=self._group2ctx)
        executor.outputs = [fit(old, shape, name, "output") for old, shape, name in
                            zip(self.outputs, out_shapes, self._symbol.list_outputs())]
        executor.output_dict = dict(zip(self._symbol.list_outputs(), executor.outputs))
        if self.monitor_callback is not None:  # MXNet's reshaped executor keeps the monitor
            executor.set_monitor_callback(*self.monitor_callback)
        return executor

    def set_monitor_callback(self, callback, monitor_all=False):
        """Call ``callback(name, handle)`` with every operator output after each forward;
        with ``monitor_all`` also with each operator's inputs (``<node>_<input>``).

        As on MXNet, ``name`` is UTF-8 bytes and ``handle`` an NDArray handle (an integer)
        that ``NDArray(ctypes.cast(handle, NDArrayHandle))`` turns into the array."""
        self._monitor = callback
        self._monitor_all = monitor_all

    @property
    def monitor_callback(self):
        """(callback, monitor_all) as given to set_monitor_callback, or None."""
        return None if self._monitor is None else (self._monitor, self._monitor_all)

    def _report(self, name, array):
        """Pass ``array`` to the monitor callback under ``name`` with a handle lent for the call."""
        with handles.lent(array) as handle:
            self._monitor(c_str(name), handle)

    def _run_monitor(self, args, aux, rng, is_train):
        internals = Graph([(node, i) for node in self._graph.nodes
                           for i in range(len(node.output_names()))])
        given = {n: a.shape for n, a in {**self.arg_dict, **self.aux_dict}.items()}
        compiled = programs_for(internals, solve(internals, "shape", given)[1], given, ())
        values, _ = compiled.infer({**args, **{n: self.arg_dict[n].asjax() for n in
                                               self._compiled.diff_names}}, aux, rng,
                                   bool(is_train))
        value_of = {(id(n), i): v for (n, i), v in zip(internals.heads, values)}
        for (node, i), name, value in zip(internals.heads, internals.output_names(), values):
            if node.op is None:
                continue
            if self._monitor_all:  # a variable input is also seen under its own name
                names = monitor_input_names(node.op, node.params, len(node.inputs))
                for input_name, (source, j) in zip(names, node.inputs):
                    seen = NDArray(value_of[(id(source), j)], self._ctx)
                    if source.op is None:
                        self._report(source.name, seen)
                    self._report(f"{node.name}_{input_name}", seen)
            self._report(name, NDArray(value, self._ctx))

    def get_optimized_symbol(self):
        """The bound symbol after the bind-time graph passes (common expressions merged
        unless ``MXNET_ELIMINATE_COMMON_EXPR=0``); the program computes the same values."""
        if not self._eliminate_common_expr:
            return self._symbol
        return type(self._symbol)(eliminate_common_expr(self._graph))

    def debug_str(self):
        """A readable listing of the bound graph: each node, its inputs and shapes."""
        lines = [f"Symbol outputs: {self._symbol.list_outputs()}"]
        for node in self._graph.nodes:
            if node.op is None:
                lines.append(f"Variable:{node.name}")
            else:
                inputs = ", ".join(n.name for n, _ in node.inputs)
                lines.append(f"Op:{node.op.name}, Name={node.name}, Inputs=[{inputs}]")
        lines.append(f"Total {self._planned_bytes() >> 20} MB allocated")
        return "\n".join(lines)

    def _planned_bytes(self):
        """MXNet's memory-plan size: every operator output (BlockGrad's is its input's),
        plus a gradient for each input of the operators the backward pass runs through
        (those between an argument with a gradient and a head, along differentiable
        operators)."""
        def size(entry):
            shape = self._entry_shapes.get(entry)
            dtype = np.dtype(self._entry_dtypes.get(entry, np.float32))
            return 0 if shape is None else int(np.prod(shape)) * dtype.itemsize

        def passes_gradient(node):
            return node.op is not None and node.op.differentiable and node.op is not _BLOCK_GRAD
        from_args = {id(n) for n in self._graph.nodes if n.op is None and n.name in
                     self._compiled.diff_names}
        for node in self._graph.nodes:
            if passes_gradient(node) and any(id(i) in from_args for i, _ in node.inputs):
                from_args.add(id(node))
        to_heads = {id(n) for n, _ in self._graph.heads if passes_gradient(n)}
        for node in reversed(self._graph.nodes):
            if id(node) in to_heads:
                to_heads.update(id(i) for i, _ in node.inputs if passes_gradient(i))
        total = 0
        for node in self._graph.nodes:
            if node.op is not None and node.op is not _BLOCK_GRAD:
                total += sum(size((id(node), i)) for i in range(node.op.num_outputs(node.params)))
            if id(node) in from_args and id(node) in to_heads:
                total += sum(size((id(i), k)) for i, k in node.inputs)
        return total


def _check_gradient_defined(graph, diff):
    """MXNet's bind-time error for a gradient of ``diff`` that must pass through an operator
    without one (BlockGrad stops the gradient before it gets there)."""
    stack, seen = [node for node, _ in graph.heads], set()
    while diff and stack:
        node = stack.pop()
        if id(node) in seen or node.op is None or node.op is _BLOCK_GRAD:
            continue
        seen.add(id(node))
        if node.op.gradient_undefined and any(n in node.variables for n in diff):
            raise MXNetError(f"Operator {node.op.name} is non-differentiable because it "
                             f"didn't register FGradient attribute (node {node.name})")
        stack.extend(child for child, _ in node.inputs)


def _differentiated(graph, requested, bound):
    """The arguments a bind differentiates: those whose gradient is requested, or every one
    bound with a gradient array where their gradients are defined, so that binds differing
    only in which requests are 'null' share one program (a 'null' gradient is not written)."""
    if not requested or bound == requested:
        return requested
    try:
        _check_gradient_defined(graph, bound)
    except MXNetError:
        return requested
    return bound


def _needs_no_head_grad(node):
    """Whether backward needs no out_grad for this head (MXNet then ignores one given): a
    loss, or an operator whose gradient is zero whatever the head gradient (BlockGrad,
    comparisons, shape_array, ...)."""
    return node.op is not None and (node.op.is_loss(node.params) or node.op is _BLOCK_GRAD
                                    or not node.op.differentiable)


def _placed(array, name, ctx, shape=None, kind="argument"):
    if not isinstance(array, NDArray):
        raise MXNetError(f"{kind} {name!r} must be an NDArray, got {type(array).__name__}")
    if ctx is not None and array.context != ctx:
        raise MXNetError(f"{kind} {name!r} is on {array.context}, but the executor is bound "
                         f"to {ctx}")
    if shape is not None and array.shape != shape:
        raise MXNetError(f"{kind} {name!r} has shape {array.shape}, expected {shape}")
    return array


def _by_name(values, names, kind):
    """A name -> array dict from a list (in ``names`` order) or a dict (whose keys not in
    ``names`` are ignored, as in MXNet)."""
    if values is None:
        return {}
    if isinstance(values, dict):
        return {name: values[name] for name in names if name in values}
    values = list(values)
    if len(values) != len(names):
        raise MXNetError(f"bind: {len(values)} {kind} arrays given for {len(names)} {kind}s "
                         f"{names}")
    return dict(zip(names, values))


def check_group2ctx(group2ctx):
    """``group2ctx`` (group name -> Context), checked."""
    for group, ctx in (group2ctx or {}).items():
        if not isinstance(ctx, Context):
            raise MXNetError(f"group2ctx: group {group!r} maps to {ctx!r}, not a Context")
    return group2ctx or None


def bind(symbol, ctx, args, args_grad=None, grad_req="write", aux_states=None,
         group2ctx=None, shared_exec=None):
    """An Executor over the given argument (and gradient, aux) arrays."""
    ctx = ctx if isinstance(ctx, Context) else current_context()
    group2ctx = check_group2ctx(group2ctx)
    arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
    args = _by_name(args, arg_names, "argument")
    missing = [n for n in arg_names if n not in args]
    if missing:
        raise MXNetError(f"bind: missing arguments {missing}")
    aux = _by_name(aux_states, aux_names, "auxiliary state")
    missing = [n for n in aux_names if n not in aux]
    if missing:
        raise MXNetError(f"bind: missing auxiliary states {missing}")
    # With group2ctx the arrays may live anywhere: the stages transfer what they read.
    where = None if group2ctx else ctx
    for name in args:
        _placed(args[name], name, where)
    for name in aux:
        _placed(aux[name], name, where, kind="auxiliary state")
    reqs = _grad_reqs(grad_req, arg_names)
    grads = _by_name(args_grad, arg_names, "gradient")
    grads = {n: _placed(g, n, where, args[n].shape, "gradient") for n, g in grads.items()
             if g is not None}
    reqs = {n: (req if n in grads else "null") for n, req in reqs.items()}
    return Executor(symbol, ctx, args, grads, reqs, aux, group2ctx=group2ctx)


def simple_bind(symbol, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                shared_arg_names=None, shared_exec=None, shared_buffer=None, **kwargs):
    """An Executor with arguments, gradients and aux states allocated from input shapes
    (keyword tuples; as in MXNet, other keyword values are ignored)."""
    ctx = ctx if isinstance(ctx, Context) else current_context()
    group2ctx = check_group2ctx(group2ctx)
    kwargs = {name: shape for name, shape in kwargs.items() if isinstance(shape, tuple)}
    arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
    graph = symbol.graph
    contexts = node_contexts(graph, ctx, group2ctx)
    context_of = {n.name: contexts[id(n)] for n in graph.nodes if n.op is None}
    nodes, entry_shapes = solve(graph, "shape", given_values(graph, "shape", (), kwargs))
    variables = {n.name: entry_shapes.get((id(n), 0)) for n in nodes if n.op is None}
    arg_shapes = [variables[n] for n in arg_names]
    aux_shapes = [variables[n] for n in aux_names]
    unknown = [n for n, s in zip(arg_names + aux_names, arg_shapes + aux_shapes) if not s]
    if unknown:
        raise MXNetError(f"simple_bind: cannot infer the shapes of {unknown}; give more input "
                         f"shapes")
    types = {n: normalize_dtype(t) for n, t in (type_dict or {}).items()}
    (arg_types, _, aux_types), entry_dtypes = infer_with_entries(  # with the variables'
        graph, "dtype", (), types, partial=False)                  # own dtypes
    if arg_types is None:
        given = {arg_names[0]: np.float32} if arg_names else {}
        (arg_types, _, aux_types), entry_dtypes = infer_with_entries(
            graph, "dtype", (), {**given, **types}, partial=False)
    if arg_types is None:
        arg_types, aux_types = [np.float32] * len(arg_names), [np.float32] * len(aux_names)
        entry_dtypes = None
    reqs = _grad_reqs(grad_req, arg_names)
    stypes = variable_stypes(graph, stype_dict)
    grad_stypes = gradient_stypes(graph, stypes)

    shared = shared_exec
    args, grads, aux = {}, {}, {}
    new = []  # (table, name, (shape, context, dtype, stype)) of the arrays made below

    def allocate(table, name, shape, dtype, pool, stype="default"):
        """The shared executor's array if it fits, else a new one (made together)."""
        reuse = pool.get(name)
        if reuse is not None and reuse.shape == tuple(shape) and reuse.dtype == dtype \
                and reuse.stype == stype:
            table[name] = reuse
        else:
            table[name] = None  # keeps the names' order
            new.append((table, name, (shape, context_of[name], dtype, stype)))

    for n, s, t in zip(arg_names, arg_shapes, arg_types):
        allocate(args, n, s, t, shared.arg_dict if shared else {}, stypes.get(n, "default"))
        if reqs[n] != "null":
            allocate(grads, n, s, t, shared.grad_dict if shared else {},
                     grad_stypes.get(n, "default"))
    for n, s, t in zip(aux_names, aux_shapes, aux_types):
        allocate(aux, n, s, t, shared.aux_dict if shared else {})
    for (table, name, _), array in zip(new, zeros_buffers([spec for *_, spec in new])):
        table[name] = array
    return Executor(symbol, ctx, args, grads, reqs, aux, entry_shapes, group2ctx,
                    entry_dtypes)

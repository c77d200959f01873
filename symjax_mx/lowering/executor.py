"""The Executor: bind a Symbol to arrays and run its compiled forward and backward.

``forward(is_train=True)`` keeps the residuals of ``jax.vjp`` (they cross the jit
boundary), so ``backward`` does not run the forward again. The executor's arrays are
NDArray handles that stay valid across calls.
"""
import jax.numpy as jnp
import numpy as np

from .. import _x64, random
from ..compile_log import describe_shapes, logs_compiles
from ..base import MXNetError, normalize_dtype
from ..context import Context, current_context
from ..ndarray import NDArray, zeros
from ..symbol.inference import given_values, solve
from .graph import Compiled, LoweredGraph

__all__ = ["Executor", "bind", "check_placement", "simple_bind"]

GRAD_REQS = ("write", "add", "null", "inplace")
_COMPILED = {}


def _grad_reqs(grad_req, arg_names):
    """name -> request, from one request, a list in argument order or a dict."""
    if isinstance(grad_req, str):
        reqs = dict.fromkeys(arg_names, grad_req)
    elif isinstance(grad_req, (list, tuple)):
        if len(grad_req) != len(arg_names):
            raise MXNetError(f"grad_req has {len(grad_req)} entries for {len(arg_names)} "
                             f"arguments {arg_names}")
        reqs = dict(zip(arg_names, grad_req))
    elif isinstance(grad_req, dict):
        unknown = set(grad_req) - set(arg_names)
        if unknown:
            raise MXNetError(f"grad_req names {sorted(unknown)}, which are not arguments of "
                             f"the symbol {arg_names}")
        reqs = {name: grad_req.get(name, "null") for name in arg_names}
    else:
        raise MXNetError(f"grad_req must be a string, list or dict, got {grad_req!r}")
    for name, req in reqs.items():
        if req not in GRAD_REQS:
            raise MXNetError(f"unknown grad_req {req!r} for argument {name!r}; expected one of "
                             f"{list(GRAD_REQS)}")
    return reqs


def _compiled_for(symbol, entry_shapes, arg_shapes, diff_names):
    key = (symbol.tojson(), tuple(sorted(arg_shapes.items())), diff_names)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = Compiled(LoweredGraph(symbol, entry_shapes), diff_names)
    return compiled


def _describe(executor):
    shapes = describe_shapes((n, a.shape) for n, a in executor.arg_dict.items())
    return f"the program of {'+'.join(executor._symbol.list_outputs())} for shapes {shapes}"


class Executor:
    """A bound symbol: arguments, gradients and auxiliary states as NDArrays."""

    def __init__(self, symbol, ctx, args, grads, grad_req, aux, entry_shapes=None):
        """``entry_shapes`` is the shape of every graph entry when the caller inferred it."""
        self._symbol = symbol
        self._ctx = ctx
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
        if entry_shapes is None:
            entry_shapes = solve(symbol, "shape", given)[1]
        self._out_shapes = [entry_shapes.get((id(n), i)) for n, i in symbol._outputs]
        diff = tuple(n for n in self._arg_names if grad_req[n] != "null" and n in grads)
        self._compiled = _compiled_for(symbol, entry_shapes, given, diff)
        out_types = solve(symbol, "dtype", {n: a.dtype for n, a in
                                            {**self.arg_dict, **self.aux_dict}.items()})[1]
        self.outputs = [zeros(shape, ctx, out_types.get((id(n), i), np.float32))
                        for (n, i), shape in zip(symbol._outputs, self._out_shapes)]
        self.output_dict = dict(zip(symbol.list_outputs(), self.outputs))
        self._vjp = None    # the residuals of the last training forward, for backward
        self._grads = None  # or the gradients themselves, when every head is a loss
        self._loss_heads_only = all(node.op is not None and node.op.loss
                                    for node, _ in symbol._outputs)
        self._monitor = None
        self._monitor_all = False
        self._loss_heads = {}  # output index -> the (ignored) head gradient of a loss head

    # --- running -------------------------------------------------------------------------

    @logs_compiles(_describe)
    def forward(self, is_train=False, **kwargs):
        """Run the graph; keyword arrays are copied into the arguments first."""
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError(f"forward: unknown argument {name!r}; the arguments are "
                                 f"{self._arg_names}")
            self.arg_dict[name][:] = value
        args = {name: a.asjax() for name, a in self.arg_dict.items()}
        aux = {name: a.asjax() for name, a in self.aux_dict.items()}
        rng = random.next_key() if self._compiled.graph.random else None
        compiled = self._compiled
        self._vjp = self._grads = None
        if is_train and compiled.diff_names:
            diff = {n: args.pop(n) for n in compiled.diff_names}
            if self._loss_heads_only:
                outputs, new_aux, self._grads = compiled.train_with_grads(diff, args, aux, rng)
            else:
                outputs, new_aux, self._vjp = compiled.train(diff, args, aux, rng)
        else:
            outputs, new_aux = compiled.infer(args, aux, rng, bool(is_train))
        for handle, value in zip(self.outputs, outputs):
            handle._write(value)
        if is_train:
            for name, value in new_aux.items():
                self.aux_dict[name]._write(value)
        if self._monitor is not None:
            self._run_monitor(args, aux, rng, is_train)
        return self.outputs

    @logs_compiles(_describe)
    def backward(self, out_grads=None, is_train=True):
        """Gradients of the last training forward into ``grad_arrays`` per ``grad_req``.

        Loss heads (SoftmaxOutput, MakeLoss, ...) need no ``out_grads``; other heads do.
        """
        if self._vjp is None and self._grads is None:
            if not self._compiled.diff_names:
                return
            raise MXNetError("backward needs a forward(is_train=True) first")
        heads = self._head_grads(out_grads)
        names = self._compiled.diff_names
        accumulate = tuple(n for n in names if self._grad_req[n] == "add")
        previous = {name: self.grad_dict[name].asjax() for name in
                    (accumulate if self._grads is not None else names)}
        if self._grads is not None:  # computed with the forward: loss heads only
            grads = dict(self._grads)
            if accumulate:
                grads.update(self._compiled.accumulate(
                    previous, {n: grads[n] for n in accumulate}))
        else:
            grads = self._compiled.backward(self._vjp, heads, previous, accumulate)
        for name, grad in grads.items():
            self.grad_dict[name]._write(grad)

    @_x64.x64
    def _head_grads(self, out_grads):
        if out_grads is None:
            out_grads = [None] * len(self.outputs)
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        if len(out_grads) != len(self.outputs):
            raise MXNetError(f"backward: {len(out_grads)} out_grads for {len(self.outputs)} "
                             f"outputs {self._symbol.list_outputs()}")
        heads = []
        for index, ((node, _), name, output, grad) in enumerate(zip(
                self._symbol._outputs, self._symbol.list_outputs(), self.outputs, out_grads)):
            if grad is None:
                if node.op is None or not node.op.loss:
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
        """Copy parameters (name -> NDArray) into the bound arguments and aux states."""
        for params, target, kind in ((arg_params, self.arg_dict, "argument"),
                                     (aux_params or {}, self.aux_dict, "auxiliary state")):
            for name, value in params.items():
                if name in target:
                    value.copyto(target[name]) if isinstance(value, NDArray) \
                        else target[name].__setitem__(slice(None), value)
                elif not allow_extra_params:
                    raise MXNetError(f"copy_params_from: {name!r} is not an {kind} of the "
                                     f"executor")

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes, sharing every array whose shape is unchanged.

        Shapes not given are inferred from the given ones, else kept.
        """
        inferred = dict(zip(self._arg_names, self._symbol.infer_shape_partial(**kwargs)[0]))
        kept = {n: a.shape for n, a in self.arg_dict.items() if not inferred.get(n)}
        return simple_bind(self._symbol, self._ctx, self._grad_req, shared_exec=self,
                           **{**kept, **kwargs})

    def set_monitor_callback(self, callback, monitor_all=False):
        """Call ``callback(name, array)`` with every operator output after each forward;
        with ``monitor_all`` also with each operator's inputs (``<node>_<input>``)."""
        self._monitor = callback
        self._monitor_all = monitor_all

    def _run_monitor(self, args, aux, rng, is_train):
        internals = self._symbol.get_internals()
        key = ("monitor", id(self._compiled))
        compiled = _COMPILED.get(key)
        if compiled is None:
            given = {n: a.shape for n, a in {**self.arg_dict, **self.aux_dict}.items()}
            compiled = _COMPILED[key] = Compiled(
                LoweredGraph(internals, solve(internals, "shape", given)[1]), ())
        values, _ = compiled.infer({**args, **{n: self.arg_dict[n].asjax() for n in
                                               self._compiled.diff_names}}, aux, rng,
                                   bool(is_train))
        value_of = {(id(n), i): v for (n, i), v in zip(internals._outputs, values)}
        for (node, i), name, value in zip(internals._outputs, internals.list_outputs(), values):
            if node.op is None:
                continue
            if self._monitor_all:
                names = node.op.input_names(node.params) + node.op.aux_names(node.params)
                for input_name, (source, j) in zip(names, node.inputs):
                    self._monitor(f"{node.name}_{input_name}",
                                  NDArray(value_of[(id(source), j)], self._ctx))
            self._monitor(name, NDArray(value, self._ctx))

    def debug_str(self):
        """A readable listing of the bound graph: each node, its inputs and shapes."""
        lines = [f"Symbol outputs: {self._symbol.list_outputs()}"]
        for node in self._symbol._nodes():
            if node.op is None:
                lines.append(f"Variable:{node.name}")
            else:
                inputs = ", ".join(n.name for n, _ in node.inputs)
                lines.append(f"Op:{node.op.name}, Name={node.name}, Inputs=[{inputs}]")
        return "\n".join(lines)


def _placed(array, name, ctx, shape=None, kind="argument"):
    if not isinstance(array, NDArray):
        raise MXNetError(f"{kind} {name!r} must be an NDArray, got {type(array).__name__}")
    if array.context != ctx:
        raise MXNetError(f"{kind} {name!r} is on {array.context}, but the executor is bound "
                         f"to {ctx}")
    if shape is not None and array.shape != shape:
        raise MXNetError(f"{kind} {name!r} has shape {array.shape}, expected {shape}")
    return array


def _by_name(values, names, kind):
    """A name -> array dict from a list (in ``names`` order) or a dict."""
    if values is None:
        return {}
    if isinstance(values, dict):
        return dict(values)
    values = list(values)
    if len(values) != len(names):
        raise MXNetError(f"bind: {len(values)} {kind} arrays given for {len(names)} {kind}s "
                         f"{names}")
    return dict(zip(names, values))


def check_placement(ctx, group2ctx=None, stype_dict=None):
    """MXNetError for what binding does not support: node groups on other devices (model
    parallelism) and sparse storage."""
    elsewhere = {g: c for g, c in (group2ctx or {}).items() if c != ctx}
    if elsewhere:
        raise MXNetError(f"group2ctx: placing node groups on other devices than {ctx} "
                         f"({elsewhere}) is not supported; bind the whole graph to one "
                         f"context, or train data parallel with mx.mod.Module")
    sparse = {n: t for n, t in (stype_dict or {}).items() if t != "default"}
    if sparse:
        raise MXNetError(f"stype_dict: sparse storage {sparse} is not supported")


def bind(symbol, ctx, args, args_grad=None, grad_req="write", aux_states=None,
         group2ctx=None, shared_exec=None):
    """An Executor over the given argument (and gradient, aux) arrays."""
    ctx = ctx if isinstance(ctx, Context) else current_context()
    check_placement(ctx, group2ctx)
    arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
    args = _by_name(args, arg_names, "argument")
    missing = [n for n in arg_names if n not in args]
    if missing:
        raise MXNetError(f"bind: missing arguments {missing}")
    aux = _by_name(aux_states, aux_names, "auxiliary state")
    missing = [n for n in aux_names if n not in aux]
    if missing:
        raise MXNetError(f"bind: missing auxiliary states {missing}")
    for name in args:
        _placed(args[name], name, ctx)
    for name in aux:
        _placed(aux[name], name, ctx, kind="auxiliary state")
    reqs = _grad_reqs(grad_req, arg_names)
    grads = _by_name(args_grad, arg_names, "gradient")
    grads = {n: _placed(g, n, ctx, args[n].shape, "gradient") for n, g in grads.items()
             if g is not None}
    reqs = {n: (req if n in grads else "null") for n, req in reqs.items()}
    return Executor(symbol, ctx, args, grads, reqs, aux)


def simple_bind(symbol, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                shared_arg_names=None, shared_exec=None, shared_buffer=None, **kwargs):
    """An Executor with arguments, gradients and aux states allocated from input shapes."""
    ctx = ctx if isinstance(ctx, Context) else current_context()
    check_placement(ctx, group2ctx, stype_dict)
    arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
    nodes, entry_shapes = solve(symbol, "shape", given_values(symbol, "shape", (), kwargs))
    variables = {n.name: entry_shapes.get((id(n), 0)) for n in nodes if n.op is None}
    arg_shapes = [variables[n] for n in arg_names]
    aux_shapes = [variables[n] for n in aux_names]
    unknown = [n for n, s in zip(arg_names + aux_names, arg_shapes + aux_shapes) if not s]
    if unknown:
        raise MXNetError(f"simple_bind: cannot infer the shapes of {unknown}; give more input "
                         f"shapes")
    types = {n: normalize_dtype(t) for n, t in (type_dict or {}).items()}
    arg_types, _, aux_types = symbol.infer_type(**types) if types else (None, None, None)
    if arg_types is None:
        given = {arg_names[0]: np.float32} if arg_names else {}
        arg_types, _, aux_types = symbol.infer_type(**{**given, **types})
    if arg_types is None:
        arg_types, aux_types = [np.float32] * len(arg_names), [np.float32] * len(aux_names)
    reqs = _grad_reqs(grad_req, arg_names)

    def allocate(name, shape, dtype, pool):
        """The shared executor's array if it fits, else a new one."""
        reuse = pool.get(name)
        if reuse is not None and reuse.shape == tuple(shape) and reuse.dtype == dtype:
            return reuse
        return zeros(shape, ctx, dtype)

    shared = shared_exec
    args = {n: allocate(n, s, t, shared.arg_dict if shared else {})
            for n, s, t in zip(arg_names, arg_shapes, arg_types)}
    grads = {n: allocate(n, s, t, shared.grad_dict if shared else {})
             for n, s, t in zip(arg_names, arg_shapes, arg_types) if reqs[n] != "null"}
    aux = {n: allocate(n, s, t, shared.aux_dict if shared else {})
           for n, s, t in zip(aux_names, aux_shapes, aux_types)}
    return Executor(symbol, ctx, args, grads, reqs, aux, entry_shapes)

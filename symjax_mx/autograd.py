"""mx.autograd: imperative gradients on NDArrays.

Under `record()` the NDArray operations append nodes to a tape (``ndarray/tape.py``).
`backward` and `grad` collect the part of the tape that reaches the heads, turn it into
a graph of the Symbol IR, lower it once per structure (operators, params, wiring, leaf
shapes and dtypes) and run its VJP as one jitted program: a training loop that records
the same computation each step compiles once. Leaves (attached variables, captured
constants), the keys random operators drew and the operators' traced scalars (the
``scalar`` of ``x - 3.5``) are arguments of that program, never baked in.
``grad(create_graph=True)`` records the gradient computation itself as a node whose
compute is that VJP, so it can be differentiated again.
"""
import collections
import itertools
import math
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from . import profiler, x64
from .base import MXNetError
from .lowering.graph import LoweredGraph
from .ndarray import NDArray
from .ndarray import deferred, tape
from .ndarray.tape import NOT_IN_GRAPH, STATE, TapeNode, variable
from .ops.registry import Operator
from .symbol.graph import Graph, Node
from .symbol.symbol import Symbol, attr_string

__all__ = ["record", "pause", "train_mode", "predict_mode", "is_recording", "is_training",
           "set_recording", "set_training", "mark_variables", "backward", "grad", "get_symbol",
           "Function", "NDArray"]  # MXNet's ``from mxnet.autograd import *`` gives NDArray too

_NO_VARIABLES = "There are no inputs in computation graph that require gradients."


# --- recording and training state -----------------------------------------------------

def set_recording(is_recording):
    """Set whether operations are recorded; returns the previous state."""
    previous, STATE.recording = STATE.recording, bool(is_recording)
    return previous


def set_training(train_mode):
    """Set whether operators run in training mode (Dropout, BatchNorm); returns the previous
    state."""
    previous, STATE.training = STATE.training, bool(train_mode)
    return previous


def is_recording():
    """Whether operations are being recorded."""
    return STATE.recording


def is_training():
    """Whether operators run in training mode."""
    return STATE.training


class _RecordingStateScope:
    """Sets recording and/or training on entry and restores them on exit."""

    def __init__(self, is_record, train_mode):
        self._enter = (is_record, train_mode)
        self._previous = (None, None)

    def __enter__(self):
        is_record, train = self._enter
        self._previous = (set_recording(is_record) if is_record is not None else None,
                          set_training(train) if train is not None else None)

    def __exit__(self, *exc):
        (is_record, train), (prev_record, prev_train) = self._enter, self._previous
        if is_record is not None and prev_record != is_record:
            set_recording(prev_record)
        if train is not None and prev_train != train:
            set_training(prev_train)


def record(train_mode=True):
    """Scope recording operations for gradients (in training mode by default).

    >>> x = mx.nd.array([1, 2]); x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = x * x
    >>> y.backward(); x.grad.asnumpy()
    array([2., 4.], dtype=float32)
    """
    return _RecordingStateScope(True, train_mode)


def pause(train_mode=False):
    """Scope not recording operations (in predict mode by default)."""
    return _RecordingStateScope(False, train_mode)


def train_mode():
    """Scope running operators in training mode; recording is unchanged."""
    return _RecordingStateScope(None, True)


def predict_mode():
    """Scope running operators in predict mode; recording is unchanged."""
    return _RecordingStateScope(None, False)


# --- variables ----------------------------------------------------------------------------

def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


def mark_variables(variables, gradients, grad_reqs="write"):
    """Make ``variables`` variables of the tape, whose gradients go into ``gradients``."""
    variables, gradients = _as_list(variables), _as_list(gradients)
    if len(variables) != len(gradients):
        raise MXNetError(f"mark_variables: {len(variables)} variables but {len(gradients)} "
                         f"gradient arrays")
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    for var, grad_array, req in zip(variables, gradients, reqs):
        if not isinstance(var, NDArray) or not isinstance(grad_array, NDArray):
            raise TypeError("mark_variables takes NDArrays")
        if grad_array.shape != var.shape:
            raise MXNetError(f"mark_variables: the gradient array has shape {grad_array.shape}, "
                             f"but the variable has shape {var.shape}")
        variable(var, grad_array, req)


# --- the recorded sub-graph, lowered once per structure -----------------------------------

def _collect(heads):
    """(nodes reaching ``heads`` in topological order, each node's position, head entries)."""
    entries = []
    for head in heads:
        if not isinstance(head, NDArray):
            raise TypeError(f"autograd heads must be NDArrays, got {type(head).__name__}")
        if head._entry is None:  # a freed entry is refused below, with the same message
            raise MXNetError(NOT_IN_GRAPH)
        entries.append(head._entry)
    order, position = [], {}  # a node is positioned once its inputs are: depth first
    for head_node, _ in entries:
        if id(head_node) in position:
            continue
        if head_node.freed:
            raise MXNetError(NOT_IN_GRAPH)
        stack = [(head_node, iter(head_node.inputs))]
        while stack:  # (an acyclic graph never reaches a node on the stack again)
            node, inputs = stack[-1]
            for child, _ in inputs:
                if id(child) not in position:
                    if child.freed:
                        raise MXNetError(NOT_IN_GRAPH)
                    if child.inputs:
                        stack.append((child, iter(child.inputs)))
                        break
                    position[id(child)] = len(order)  # a leaf is done at once
                    order.append(child)
            else:
                stack.pop()
                position[id(node)] = len(order)
                order.append(node)
    return order, position, entries


def _graph(order, heads):
    """The recorded nodes as a Graph of the IR, each node's name there, and its node."""
    made, names = {}, []
    for position, node in enumerate(order):
        if node.op is None:
            name = f"var{position}"
            made[id(node)] = Node(None, name)
        else:
            name = f"{node.op.name.lower()}{position}"
            attrs = {k: attr_string(v) for k, v in node.params.items() if v is not None}
            made[id(node)] = Node(node.op, name, attrs, node.params,
                                  [(made[id(child)], index) for child, index in node.inputs])
        names.append(name)
    graph = Graph([(made[id(node)], index) for node, index in heads])
    return graph, names, [made[id(node)] for node in order]


class _Plan:
    """A recorded sub-graph lowered once: its heads as a pure function of its leaves' values
    and its random nodes' keys, and the jitted programs of its gradients."""

    traces = 0  # how many gradient programs were traced (compiled), for tests and benchmarks

    def __init__(self, order, heads, modes):
        graph, names, nodes = _graph(order, heads)
        self.lowered = LoweredGraph(graph, {}, updates_last_first=True)
        self.leaf_names = [name for node, name in zip(order, names) if node.op is None]
        self.leaf_index = {name: i for i, name in enumerate(self.leaf_names)}
        self.key_names = [name for node, name in zip(order, names) if node.key is not None]
        self.traced_nodes = [(id(made), [k for k, _ in node.traced])
                             for node, made in zip(order, nodes) if node.op is not None
                             and node.traced]
        self.known_names = [name for name, mode in zip(names, modes) if mode is _KEEP]
        self.fill_nodes = [node for node, mode in zip(nodes, modes) if mode is _FILL]
        self.train = {name: node.is_train for node, name in zip(order, names)
                      if node.op is not None}
        self.dynamic = any(node.op is not None and node.op.dynamic_shape for node in order)
        self.host_callback = self.lowered.host_callback
        self._programs = {}
        self._layouts = {}
        self._grad_ops = {}

    def heads(self, leaves, keys, scalars, known=None):
        """(head values, (new values of the auxiliary states updated in training mode,
        the results of the nodes whose deferred outputs the backward fills)); ``scalars``
        are the traced parameter values of the nodes that have them; ``known`` are the
        recorded results of the nodes that kept them (default: all are recomputed)."""
        lowered, values = self.lowered, {}
        params = dict(lowered.params)
        for (node, names), traced in zip(self.traced_nodes, scalars):
            params[node] = {**params[node], **dict(zip(names, traced))}
        new_aux = lowered.evaluate(lowered.nodes, values, dict(zip(self.leaf_names, leaves)),
                                   {}, None, self.train, dict(zip(self.key_names, keys)),
                                   known=None if known is None else dict(zip(self.known_names,
                                                                             known)),
                                   params=params)
        filled = [tuple(values[id(node)]) for node in self.fill_nodes]
        return [values[id(node)][i] for node, i in lowered.heads], (new_aux, filled)

    def gradients(self, diff, leaves, keys, scalars, head_grads, known=None):
        """(gradients of the heads with respect to the leaves at positions ``diff``, (new
        auxiliary states by leaf name, filled results)); a head gradient None means ones."""
        def run(diff_values):
            values = list(leaves)
            for position, value in zip(diff, diff_values):
                values[position] = value
            return self.heads(values, keys, scalars, known)
        outputs, vjp, new_aux = jax.vjp(run, [_differentiable(leaves[i]) for i in diff],
                                        has_aux=True)
        cotangents = [jnp.ones_like(o) if g is None else g.astype(o.dtype)
                      for o, g in zip(outputs, head_grads)]
        return vjp(cotangents)[0], new_aux

    def program(self, diff):
        """Jitted ``(leaves, keys, scalars, known, head_grads, previous) -> (gradients,
        (new aux states, filled results))``, ``known`` being the recorded results of the
        nodes that kept them; a gradient with a previous value (grad_req 'add') is added to
        it."""
        fn = self._programs.get(diff)
        if fn is None:
            def run(leaves, keys, scalars, known, head_grads, previous):
                _Plan.traces += 1
                grads, side = self.gradients(diff, leaves, keys, scalars, head_grads, known)
                return [g if p is None else p + g.astype(p.dtype)
                        for g, p in zip(grads, previous)], side
            # an operator whose output shape depends on values runs on concrete arrays
            fn = self._programs[diff] = x64.x64(run) if self.dynamic else x64.jit(
                run, blocks=self.host_callback)
        return fn

    def result_layout(self, diff, args):
        """(tree structure, (shape, dtype) of each leaf) of ``program(diff)(*args)``'s
        result, traced once per kind of arguments (which head gradients and previous
        gradients are given)."""
        grads_in, previous = args[4], args[5]
        key = (diff, tuple(g is None for g in grads_in),
               tuple(None if p is None else p.dtype for p in previous))
        layout = self._layouts.get(key)
        if layout is None:
            with x64.scope():
                leaves, structure = jax.tree_util.tree_flatten(
                    self.program(diff).eval_shape(*args))
            layout = self._layouts[key] = (structure, [(tuple(a.shape), np.dtype(a.dtype))
                                                       for a in leaves])
        return layout

    def grad_op(self, diff, num_inputs):
        """The operator of a recorded gradient computation (``grad(create_graph=True)``):
        inputs are the leaves, the keys and the head gradients; its ``scalars`` parameter
        the traced scalars."""
        op = self._grad_ops.get(diff)
        if op is None:
            num_leaves, num_keys = len(self.leaf_names), len(self.key_names)

            def compute(inputs, aux, params, is_train, rng):
                leaves = inputs[:num_leaves]
                keys = inputs[num_leaves:num_leaves + num_keys]
                grads, _ = self.gradients(diff, leaves, keys, params["scalars"],
                                          inputs[num_leaves + num_keys:])
                return list(grads), aux
            op = self._grad_ops[diff] = Operator(
                name="_backward_graph", compute=compute,
                inputs=tuple(f"input{i}" for i in range(num_inputs)),
                outputs=tuple(f"grad{i}" for i in range(len(diff))))
        return op


def _differentiable(value):
    """An integer or boolean variable is differentiated as floating point (MXNet computes
    integer gradients; JAX gives integers none); the gradient is cast back on writing."""
    if _is_inexact(value.dtype):
        return value
    return value.astype(jnp.float64 if value.dtype.itemsize == 8 else jnp.float32)


_PLANS = collections.OrderedDict()
_MAX_PLANS = 256  # a graph that changes every step must not keep every program alive


_KEEP, _FILL = "keep", "fill"


def _output_mode(node):
    """What a backward does with a node's recorded results: reuses them (``_KEEP``,
    floating-point ones only), computes and fills them (``_FILL``: they are deferred and
    their inputs unchanged), or None (recomputes what the gradient needs)."""
    outputs = node.outputs
    if outputs is None:
        return None
    if deferred.pending(outputs):
        return _FILL if deferred.fillable(outputs) else None
    return _KEEP if all(_is_inexact(v.dtype) for v in outputs) else None


_INEXACT = {}


def _is_inexact(dtype):
    inexact = _INEXACT.get(dtype)
    if inexact is None:
        inexact = _INEXACT[dtype] = bool(jnp.issubdtype(dtype, jnp.inexact))
    return inexact


def _plan_for(order, position, heads):
    """(the cached plan of this structure, leaf nodes, their values, keys, traced scalars,
    the recorded results the backward reuses, the deferred results it fills)."""
    parts, leaves, values, keys, known, fills, modes = [], [], [], [], [], [], []
    scalars = []
    for node in order:
        if node.op is None:
            value = node.leaf_value()
            leaves.append(node)
            values.append(value)
            parts.append((value.shape, value.dtype))
            modes.append(None)
        else:
            if node.key is not None:
                keys.append(node.key)
            if node.traced:
                scalars.append(tuple(v for _, v in node.traced))
            mode = _output_mode(node)
            if mode is _KEEP:
                known.append(deferred.values(node.outputs))
            elif mode is _FILL:
                fills.append(node.outputs)
            modes.append(mode)
            parts.append((node.op, node.params_key, node.is_train, node.key is not None, mode,
                          tuple([(position[id(child)], index) for child, index in node.inputs])))
    structure = (tuple(parts), tuple([(position[id(node)], index) for node, index in heads]))
    plan = _PLANS.get(structure)
    if plan is None:
        plan = _PLANS[structure] = _Plan(order, heads, modes)
        if len(_PLANS) > _MAX_PLANS:
            _PLANS.popitem(last=False)
    else:
        _PLANS.move_to_end(structure)
    return plan, leaves, values, keys, scalars, known, fills


def _head_grads(heads, head_grads):
    """Head gradients as jax arrays (None: ones), checked against the heads."""
    if head_grads is None:
        return [None] * len(heads)
    head_grads = _as_list(head_grads)
    if len(head_grads) != len(heads):
        raise MXNetError(f"got {len(head_grads)} head gradients for {len(heads)} heads")
    values = []
    for i, (head, head_grad) in enumerate(zip(heads, head_grads)):
        if head_grad is None:
            values.append(None)
            continue
        if not isinstance(head_grad, NDArray):
            raise TypeError(f"head gradient {i} must be an NDArray, got "
                            f"{type(head_grad).__name__}")
        if head_grad.shape != head.shape:
            raise MXNetError(f"head gradient {i} has shape {head_grad.shape}, but its head has "
                             f"shape {head.shape}")
        if head_grad.dtype != head.dtype:
            raise MXNetError(f"head gradient {i} has dtype {np.dtype(head_grad.dtype).name}, but "
                             f"its head has dtype {np.dtype(head.dtype).name}")
        values.append(head_grad._read())
    return values


def _dtype_of(array):
    """``array``'s numpy dtype (of a dense array's value without the property's calls)."""
    if type(array) is NDArray and array._base is None:
        return array._buffer.dtype
    return np.dtype(array.dtype)


def _update_aux(plan, leaves, new_aux):
    """Write the auxiliary states a backward pass updated (BatchNorm's moving statistics
    in training mode: MXNet updates them in the backward pass)."""
    for name, value in new_aux.items():
        leaves[plan.leaf_index[name]].array._write(value, "backward")


def _fill(fills, filled):
    """Give the deferred results a backward computed their values."""
    for outputs, values in zip(fills, filled):
        deferred.fill(outputs, values)


def _free(order):
    """Forget the recorded operations of a sub-graph (backward without retain_graph)."""
    for node in order:
        if node.op is not None:
            node.freed = True
            node.inputs, node.outputs = (), None
        elif (node.grad_req is None and isinstance(node.array, NDArray)
              and node.array._entry is not None and node.array._entry[0] is node):
            node.array._entry = None  # a constant leaves the freed graph


_SPENT_MIN_BYTES = 1 << 20  # smaller blocks malloc reuses without new pages anyway


def _spent_buffers(targets, previous):
    """The values that the gradients being computed replace in ``targets``, where a
    program computed them (an earlier backward's) and they are written, not added to, and
    of at least 1 MiB: memory the program computing the new ones may reuse."""
    spent = []
    for target, added_to in zip(targets, previous):
        value = target._buffer  # (its own shape and dtype: jax's properties cost more)
        if (added_to is None and type(value) is deferred.Deferred and value.value is not None
                and math.prod(value.shape) * value.dtype.itemsize >= _SPENT_MIN_BYTES):
            spent.append(value.value)
    return spent


def _defer_backward(plan, diff, args, targets, fills):
    """The backward's results as `deferred.Deferred` values of one `deferred.ProgramCall`
    (computed when read, or inside the optimizer update that consumes the gradients),
    with the forward results it fills joining that call; None where the backward must
    run now: a graph with value-dependent shapes or Python operators, the profiler timing
    operators, or a gradient buffer that is sparse, a view, or of another dtype than its
    gradient."""
    if plan.dynamic or plan.host_callback or profiler.timing_operators():
        return None
    program = plan.program(diff)
    structure, avals = plan.result_layout(diff, args)
    for target, (_, dtype) in zip(targets, avals):
        if target.stype != "default" or target._base is not None or (
                target._buffer.dtype != dtype):
            return None
    previous = args[-1]  # per gradient: the value it is added to, or None
    call = deferred.ProgramCall(program, args, _spent_buffers(targets, previous))
    forward = [out for outputs in fills for out in outputs]
    made = [deferred.Deferred(shape, dtype, call)
            for shape, dtype in avals[:len(avals) - len(forward)]]
    for out in forward:
        out.call = call
    call.outputs = tuple(made + forward)
    return jax.tree_util.tree_unflatten(structure, call.outputs)


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute the gradients of ``heads`` into the attached variables' gradient buffers.

    ``head_grads`` (None: ones) are the gradients of the heads. The graph is freed unless
    ``retain_graph``. Recorded operations are recomputed in the mode they were recorded in,
    so ``train_mode`` changes nothing here.
    """
    del train_mode
    heads = _as_list(heads)
    grads_in = _head_grads(heads, head_grads)
    for group in _device_groups(heads):  # data parallel: a program per device's losses
        _backward([heads[i] for i in group], [grads_in[i] for i in group], retain_graph)


def _device_groups(heads):
    """The positions of ``heads`` grouped by device; where they are on several, their
    recorded graphs must be apart (one loss per device, as data-parallel Gluon code
    computes them), since one program runs on one device."""
    by_device = {}
    for i, head in enumerate(heads):
        by_device.setdefault(head.context if isinstance(head, NDArray) else None, []).append(i)
    groups = list(by_device.values())
    if len(groups) > 1:
        owner = {}
        for number, group in enumerate(groups):
            for node in _collect([heads[i] for i in group])[0]:
                if owner.setdefault(id(node), number) != number:
                    raise MXNetError(
                        "backward: the heads are on several devices and their recorded "
                        "graphs share operations; a backward runs on one device (copy the "
                        "heads to one device, or call backward on each device's heads)")
    return groups


def _backward(heads, grads_in, retain_graph):
    """``backward`` of heads on one device, ``grads_in`` their checked head gradients
    (jax values, None for ones)."""
    order, position, entries = _collect(heads)
    plan, leaves, values, keys, scalars, known, fills = _plan_for(order, position, entries)
    diff = tuple([i for i, node in enumerate(leaves) if node.grad_req not in (None, "null")])
    if not diff:
        raise MXNetError(_NO_VARIABLES)
    previous = [leaves[i].grad._read() if leaves[i].grad_req == "add" else None for i in diff]
    args = (values, keys, scalars, known, grads_in, previous)
    targets = [leaves[i].grad for i in diff]
    deferred_results = _defer_backward(plan, diff, args, targets, fills)
    if deferred_results is None:
        grads, (new_aux, filled) = plan.program(diff)(*args)
        _fill(fills, filled)
    else:
        grads, (new_aux, _) = deferred_results
    _update_aux(plan, leaves, new_aux)
    for target, value, i in zip(targets, grads, diff):
        dtype = _dtype_of(target)
        if value.dtype != dtype:
            with x64.scope():
                value = value.astype(dtype)
        target._write(value, "backward")
        leaves[i].fresh = True
    if not retain_graph:
        _free(order)


@x64.x64
def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """The gradients of ``heads`` with respect to ``variables`` (a list of new arrays); the
    variables' gradient buffers are not touched. With ``create_graph`` the computation is
    recorded, so the results can be differentiated again.

    >>> x = mx.nd.array([1.0]); x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = x * x * x
    ...     dx = mx.autograd.grad(y, [x], create_graph=True)[0]
    >>> dx.backward(); x.grad.asnumpy()     # d2(x^3)/dx2 = 6x
    array([6.], dtype=float32)
    """
    del train_mode
    heads, variables = _as_list(heads), _as_list(variables)
    retain_graph = create_graph if retain_graph is None else retain_graph
    for i, var in enumerate(variables):
        if not isinstance(var, NDArray) or var._entry is None or not var._entry[0].is_variable:
            raise MXNetError(f"Cannot differentiate with respect to the {i + 1}-th variable "
                             f"because it does not require gradient.")
    grads_in = _head_grads(heads, head_grads)
    order, position, entries = _collect(heads)
    if create_graph and any(node.key is not None and not isinstance(node.key, jax.Array)
                            for node in order):
        raise MXNetError("grad(create_graph=True): the graph holds the recorded forward of a "
                         "hybridized block, whose gradient cannot be differentiated again; "
                         "call the block without hybridize() for higher-order gradients")
    plan, leaves, values, keys, scalars, known, fills = _plan_for(order, position, entries)
    index = {id(node): i for i, node in enumerate(leaves)}
    for i, var in enumerate(variables):
        if id(var._entry[0]) not in index:
            raise MXNetError(f"Cannot differentiate with respect to the {i + 1}-th variable "
                             f"because it is unreachable from the outputs.")
    diff = tuple(sorted({index[id(v._entry[0])] for v in variables}))
    grads, (new_aux, filled) = plan.program(diff)(values, keys, scalars, known, grads_in,
                                                  [None] * len(diff))
    _update_aux(plan, leaves, new_aux)
    _fill(fills, filled)
    ctx = heads[0].context
    arrays = [NDArray(g if g.dtype == values[i].dtype else g.astype(values[i].dtype), ctx,
                      "grad") for i, g in zip(diff, grads)]
    if create_graph:
        _record_gradient(plan, diff, leaves, order, heads, head_grads, arrays, scalars)
    if not retain_graph:
        _free(order)
    results = {id(leaves[i]): array for i, array in zip(diff, arrays)}
    out = [results[id(v._entry[0])] for v in variables]
    for array, var in zip(out, variables):
        if var.stype == "default":
            array.__class__ = type(var)  # an mx.np variable's gradient is an mx.np array
    return out


def _record_gradient(plan, diff, leaves, order, heads, head_grads, arrays, scalars):
    """Record the gradient computation as one node, whose outputs are ``arrays``."""
    inputs = [(node, 0) for node in leaves]
    inputs += [(TapeNode(value=node.key), 0) for node in order if node.key is not None]
    given = [None] * len(heads) if head_grads is None else _as_list(head_grads)
    for head, head_grad in zip(heads, given):
        if head_grad is None:
            value = jnp.ones(head.shape, head.dtype, device=head.context.jax_device)
            inputs.append((TapeNode(value=value), 0))
        else:
            inputs.append(head_grad._entry or (TapeNode(array=head_grad), 0))
    node = TapeNode(plan.grad_op(diff, len(inputs)), {"scalars": tuple(scalars)}, inputs,
                    STATE.training)
    for index, array in enumerate(arrays):
        array._entry = (node, index)


def get_symbol(x):
    """The recorded computation of ``x`` as a Symbol (leaves are its arguments)."""
    order, _, entries = _collect([x])
    return Symbol(_graph(order, entries)[0])


# --- custom functions -----------------------------------------------------------------------

class Function:
    """A differentiable function written in Python: override ``forward`` and ``backward``
    (both on NDArrays); ``save_for_backward`` keeps what backward needs. Each instance is
    called once.

    >>> class Square(mx.autograd.Function):
    ...     def forward(self, x):
    ...         self.save_for_backward(x)
    ...         return x * x
    ...     def backward(self, dy):
    ...         x, = self.saved_tensors
    ...         return 2 * x * dy
    """

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, *output_grads):
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, *inputs):
        if self._used:
            raise AssertionError("Each Function instance can only be called once. Please "
                                 "create another instance.")
        self._used = True
        with pause(train_mode=is_training()):
            outputs = self.forward(*inputs)
        single = isinstance(outputs, NDArray)
        outputs = [outputs] if single else list(outputs)
        outputs = [out.detach() if any(out is x for x in inputs) else out for out in outputs]
        if is_recording() and any(x._entry is not None for x in inputs):
            self._record(inputs, outputs)
        return outputs[0] if single else tuple(outputs)

    def _record(self, inputs, outputs):
        """Record one node: it passes the forward's outputs on, and its gradient calls this
        instance's ``backward`` on the host. The node's operator serves every instance of
        the class with these shapes (the instance is an input, by number), so a loop that
        calls a new instance each step compiles once."""
        number = next(_FUNCTION_NUMBERS)
        _LIVE_FUNCTIONS[number] = self
        specs = tuple(jax.ShapeDtypeStruct(x.shape, x.dtype) for x in inputs)
        op = _function_op(type(self), specs, len(outputs), inputs[0].context)
        entries = [(TapeNode(array=_FunctionHandle(self, number)), 0)]
        entries += [x._entry or (TapeNode(array=x), 0) for x in inputs]
        entries += [(TapeNode(array=out.detach()), 0) for out in outputs]
        node = TapeNode(op, {}, entries, is_training())
        for index, out in enumerate(outputs):
            out._entry = (node, index)


_FUNCTION_NUMBERS = itertools.count()
_LIVE_FUNCTIONS = weakref.WeakValueDictionary()  # number -> Function, alive with its node
_FUNCTION_OPS = {}


class _FunctionHandle:
    """A tape leaf whose value is a Function instance's number; it keeps the instance
    alive as long as the recorded node."""

    def __init__(self, function, number):
        self.function = function
        self.value = jnp.asarray(number, jnp.int32)

    def _read(self):
        return self.value


def _function_op(cls, input_specs, num_outputs, ctx):
    """The operator of recorded calls of Function class ``cls`` with these inputs."""
    key = (cls, input_specs, num_outputs, ctx)
    op = _FUNCTION_OPS.get(key)
    if op is not None:
        return op
    num_inputs = len(input_specs)

    def host_backward(number, *cotangents):
        function = _LIVE_FUNCTIONS[int(number)]
        with pause(train_mode=is_training()):
            grads = function.backward(*[NDArray(jnp.asarray(c), ctx) for c in cotangents])
        grads = [grads] if isinstance(grads, NDArray) else list(grads)
        return tuple(g.asnumpy().astype(s.dtype) for g, s in zip(grads, input_specs))

    def compute(values, aux, params, is_train, rng):
        @jax.custom_vjp
        def apply(number, xs, outs):
            return tuple(outs)

        def apply_fwd(number, xs, outs):
            return tuple(outs), (number, outs)

        def apply_bwd(residuals, cotangents):
            number, outs = residuals
            grads = jax.pure_callback(host_backward, list(input_specs), number, *cotangents)
            return (None, tuple(grads), tuple(jnp.zeros_like(o) for o in outs))

        apply.defvjp(apply_fwd, apply_bwd)
        number, rest = values[0], values[1:]
        return list(apply(number, tuple(rest[:num_inputs]), tuple(rest[num_inputs:]))), aux

    op = _FUNCTION_OPS[key] = Operator(
        name=cls.__name__, compute=compute,
        inputs=("function",) + tuple(f"input{i}" for i in range(num_inputs + num_outputs)),
        outputs=tuple(f"output{i}" for i in range(num_outputs)), host_callback=True)
    return op


tape.BACKWARD[:] = [backward]

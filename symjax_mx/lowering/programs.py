"""The compiled programs of a graph: inference, the training forward with its
residuals, the backward pass, the optimizer update, and the forward, backward and update
fused into one step. Every program the Executor and Module (and later Gluon) run is built
here, from (graph, optimizer); where arrays live (their shardings) is decided by the
inputs' placement, which the programs follow.

    >>> programs = programs_for(graph, entry_shapes, arg_shapes, diff_names=("w",))
    >>> outputs, new_aux = programs.infer(args, aux, rng, False)
    >>> step = programs.fused_step(optimizer)  # jitted, cached per optimizer settings
"""
import functools
import math

import jax
import jax.numpy as jnp

from .. import compile_options, x64
from . import bn_fold, channels_last, integer_gradients
from .errors import reported
from .graph import LoweredGraph, fixed_gamma_names

__all__ = ["Programs", "programs_for", "optimizer_update", "training_vjp", "loss_gradients",
           "multiply_adds"]

_PROGRAMS = {}  # (structural key, argument shapes[, differentiated names]) -> Programs
_MAX_PROGRAMS = 256  # least recently used last; bounded, since each compiled program
                     # holds memory maps (a process has at most vm.max_map_count)
_UPDATES = {}   # (id(optimizer), trace key) -> (optimizer, jitted update)


def programs_for(graph, entry_shapes, arg_shapes, diff_names):
    """The Programs of ``graph`` (a ``symbol.graph.Graph``) for these argument shapes
    (name -> shape), differentiated with respect to ``diff_names``; shared by every
    structurally equal graph. ``entry_shapes`` is the inferred shape of each entry."""
    diff_names = tuple(diff_names)
    key = (graph.structural_key(), tuple(sorted(arg_shapes.items())), diff_names)
    programs = _PROGRAMS.pop(key, None)
    if programs is not None:
        _PROGRAMS[key] = programs  # now the most recently used
    else:
        sibling = _PROGRAMS.get(key[:2])  # same graph and shapes, other differentiated names
        if sibling is None:
            shapes = [entry_shapes.get((id(node), i)) for node in graph.nodes
                      if node.op is not None for i in range(node.op.num_outputs(node.params))]
            work = multiply_adds(graph, arg_shapes, entry_shapes)
            programs = Programs(LoweredGraph(graph, entry_shapes), diff_names,
                                compile_options.for_shapes(shapes, work),
                                early_options=compile_options.early_options(shapes, work))
            _PROGRAMS[key[:2]] = programs
        else:
            programs = Programs(sibling.graph, diff_names, sibling.compiler_options, sibling,
                                sibling.early_options)
        _PROGRAMS[key] = programs
        while len(_PROGRAMS) > _MAX_PROGRAMS:  # executors keep theirs alive
            del _PROGRAMS[next(iter(_PROGRAMS))]
    return programs


_LAYERS = ("Convolution", "FullyConnected")


def multiply_adds(graph, arg_shapes, entry_shapes):
    """The multiply-adds of the Convolution and FullyConnected layers of ``graph`` whose
    weights are arguments (of ``arg_shapes``) and whose output shapes ``entry_shapes``
    gives."""
    total = 0
    for node in graph.nodes:
        if node.op is not None and node.op.name in _LAYERS and len(node.inputs) > 1:
            source = node.inputs[1][0]
            shape = arg_shapes.get(source.name) if source.op is None else None
            out = entry_shapes.get((id(node), 0))
            units = node.params.get("num_filter") or node.params.get("num_hidden")
            if shape and out and units:
                total += math.prod(shape) * math.prod(out) // units
    return total


class Programs:
    """The jitted functions of one lowered graph, shared by every bind of the same graph.

    When every head is a loss, whose gradient ignores the head gradient, the head gradients
    are known before ``backward`` is called: ``train_with_grads`` runs the forward and
    backward passes as one program, and keeps no residuals at all. Otherwise ``train``
    runs the forward pass under ``jax.vjp`` and returns the residuals the backward pass
    needs; residuals that are simply inputs (data, weights, the random key)
    are not returned but passed to ``backward`` again, since a jit output can never share
    a non-donated input's buffer and would be a copy. Buffers that are overwritten are
    donated, so XLA updates them in place: the auxiliary states in a training forward, the
    previous gradients in backward.
    """

    def __init__(self, graph, diff_names, compiler_options=None, sibling=None,
                 early_options=None):
        """``compiler_options`` (see ``symjax_mx.compile_options``) apply to every program
        but the optimizer steps, and ``early_options`` to the first calls of the forward and
        backward programs; the inference programs of ``sibling`` (Programs of the same
        graph differentiated with respect to other names), with their compiles, are shared."""
        self.graph = graph
        self.compiler_options = compiler_options
        self.early_options = early_options
        self.diff_names = tuple(diff_names)
        self._layouts = {}  # input signature -> (vjp treedef, input position of each leaf)
        self._train_differs = {}  # input signature -> whether training differs from inference

        def infer(args, aux, rng, is_train):
            return graph(args, aux, rng, is_train)

        def train(diff, rest, aux, rng, is_train):
            outputs, vjp, new_aux = training_vjp(graph, diff, rest, aux, rng, is_train)
            leaves, treedef = jax.tree_util.tree_flatten(vjp)
            inputs = jax.tree_util.tree_leaves((diff, rest, rng))
            position = {id(x): i for i, x in enumerate(inputs)}
            positions = tuple(position.get(id(leaf)) for leaf in leaves)
            self._layouts[_signature(inputs), is_train] = (treedef, positions)
            return outputs, new_aux, [x for x, p in zip(leaves, positions) if p is None]

        def backward(residuals, inputs, head_grads, previous, accumulate, treedef, positions):
            fresh = iter(residuals)
            leaves = [next(fresh) if p is None else inputs[p] for p in positions]
            grads = jax.tree_util.tree_unflatten(treedef, leaves)(head_grads)[0]
            return _with_previous(grads, previous, accumulate)

        def train_backward(diff, rest, aux, rng, head_grads, previous, accumulate):
            outputs, vjp, _ = training_vjp(graph, diff, rest, aux, rng)
            return outputs, _with_previous(vjp(head_grads)[0], previous, accumulate)

        def accumulate(previous, grads):
            return {name: previous[name] + grad for name, grad in grads.items()}

        # a program calling back into Python returns once run (see x64.jit)
        jit = functools.partial(x64.jit, compiler_options=compiler_options,
                                blocks=graph.host_callback, early_options=early_options)
        if sibling is not None:
            self._infer, self._weights, self._folded, self._infer_prepared = (
                sibling._infer, sibling._weights, sibling._folded, sibling._infer_prepared)
        else:
            self._infer = reported(jit(infer, static_argnums=(3,)))
            folds = bn_fold.folds(graph.nodes, graph.heads, channels_last.channels_last_conv)
            names = channels_last.prepared_weights(graph.nodes, graph.heads,
                                                   skip={id(fold.conv) for fold in folds})
            self._weights = (channels_last.PreparedWeights(names) if graph.channels_last
                             else None)
            self._folded = bn_fold.FoldedWeights(folds)
            self._infer_prepared = reported(x64.jit(functools.partial(
                _channels_last_heads, graph, prepared=frozenset(names), folds=folds),
                compiler_options=compile_options.for_inference(compiler_options),
                early_options=early_options and compile_options.for_inference(early_options)))
        self.train_with_grads = reported(jit(functools.partial(loss_gradients, graph),
                                             donate_argnums=(2,), second_start=True))
        # a training forward and its backward as one program (when nothing is read between)
        self.train_backward = reported(jit(train_backward, donate_argnums=(5,)))
        self.accumulate = reported(jit(accumulate, donate_argnums=(0,), early_options=None))
        self._train = reported(jit(train, donate_argnums=(2,), static_argnums=(4,)))
        # which gradients accumulate is a runtime flag: 'write' and 'add' share one program
        self._backward = reported(jit(backward, static_argnums=(5, 6), donate_argnums=(3,)))
        self._fused = {}  # (id(optimizer), trace key) -> (optimizer, jitted step)

    def infer(self, args, aux, rng, is_train):
        """(outputs, new aux) of a forward pass without gradients; an inference pass of a
        graph with NCHW convolutions takes their weights transposed once, not per call,
        and BatchNorms folded into the convolutions before them (``bn_fold``). A training
        pass of a graph that trains as it infers (no dropout, no batch statistics, ...) runs
        the inference program rather than compiling its own."""
        if is_train and not self._trains_differently(args, aux, rng):
            is_train = False
        if is_train or self._weights is None:
            return self._infer(args, aux, rng, is_train)
        return self._infer_prepared({**self._weights(args), **self._folded(args, aux)}, aux,
                                    rng), aux

    def _trains_differently(self, args, aux, rng):
        """Whether the graph's training pass differs from its inference pass here: their
        traced programs differ (tracing is cheap next to compiling); once per signature."""
        key = _signature(jax.tree_util.tree_leaves((args, aux, rng)))
        differs = self._train_differs.get(key)
        if differs is None:
            with x64.scope():
                traced = [str(jax.make_jaxpr(self.graph, static_argnums=(3,))(
                    args, aux, rng, is_train)) for is_train in (True, False)]
            differs = self._train_differs[key] = traced[0] != traced[1]
        return differs

    @property
    def random(self):
        """Whether the graph draws random numbers (its programs then take a key)."""
        return self.graph.random

    def train(self, diff, rest, aux, rng, is_train=True):
        """(outputs, new aux, state for ``backward``) of a training forward (of an
        inference forward with ``is_train`` False: MXNet's backward(is_train=False))."""
        outputs, new_aux, residuals = self._train(diff, rest, aux, rng, is_train)
        inputs = jax.tree_util.tree_leaves((diff, rest, rng))
        return outputs, new_aux, (residuals, inputs, is_train)

    def backward(self, state, head_grads, previous, accumulate):
        """Gradients of the differentiated arguments, from ``train``'s state."""
        residuals, inputs, is_train = state
        treedef, positions = self._layouts[_signature(inputs), is_train]
        flags = {name: name in accumulate for name in self.diff_names}
        return self._backward(residuals, inputs, head_grads, previous, flags, treedef,
                              positions)

    def has_fused_step(self, optimizer):
        """Whether ``fused_step(optimizer)`` was built already (else it compiles first)."""
        return (id(optimizer), optimizer.trace_key()) in self._fused

    def fused_step(self, optimizer):
        """The training forward, backward and ``optimizer``'s update as one program of
        (params, other args, aux, optimizer states, hyper, random key data) ->
        (outputs, new aux, new params, new states), for a graph whose heads are all losses;
        the parameters, auxiliary and optimizer states are donated."""
        key = (id(optimizer), optimizer.trace_key())
        cached = self._fused.get(key)
        if cached is None:
            step = reported(x64.jit(_fused_step(self.graph, optimizer), donate_argnums=(0, 2, 3),
                                   blocks=self.graph.host_callback, second_start=True))
            cached = self._fused[key] = (optimizer, step)
        return cached[1]


def _with_previous(grads, previous, accumulate):
    """The gradients, each added to its previous value where its runtime flag in
    ``accumulate`` is set (grad_req 'add'); those of integer arguments (float0) and those
    without a previous value as they are."""
    return {name: grad if grad.dtype == jax.dtypes.float0 or name not in previous else
            jnp.where(accumulate[name], previous[name] + grad, grad)
            for name, grad in grads.items()}


def _channels_last_heads(graph, args, aux, rng, prepared, folds):
    """The outputs of ``channels_last.run`` (inference leaves the auxiliary states as they
    are: returning them from the program would copy them)."""
    return channels_last.run(graph, args, aux, rng, prepared, folds)[0]


def training_vjp(graph, diff, rest, aux, rng, is_train=True):
    """(outputs, vjp function, new aux) of a training pass of ``graph`` (an inference
    pass with ``is_train`` False), differentiated with respect to the arguments in
    ``diff``; integer arguments and integer Cast heads get gradients as MXNet's Cast
    passes them (see ``integer_gradients``)."""
    integers = {n: v for n, v in diff.items() if integer_gradients.has_stand_in(v.dtype)}
    head_dtypes = [integer_gradients.cast_head_dtype(n, graph.params.get(id(n)))
                   for n, _ in graph.heads]
    if not integers and not any(head_dtypes):
        def run(diff_args):
            return graph({**rest, **diff_args}, aux, rng, is_train)
        return jax.vjp(run, diff, has_aux=True)

    def run_with_stand_ins(diff_args):
        stand_ins = {n: diff_args[n] for n in integers}
        return graph({**rest, **diff_args, **integers}, aux, rng, is_train, stand_ins=stand_ins)
    diff = {n: v.astype(jnp.float64) if n in integers else v for n, v in diff.items()}
    outputs, vjp, new_aux = jax.vjp(run_with_stand_ins, diff, has_aux=True)
    outputs = [o if d is None else o.astype(d) for o, d in zip(outputs, head_dtypes)]
    grad_dtypes = tuple((n, v.dtype) for n, v in integers.items())
    return outputs, jax.tree_util.Partial(
        functools.partial(_integer_vjp, tuple(head_dtypes), grad_dtypes), vjp), new_aux


def _integer_vjp(head_dtypes, grad_dtypes, vjp, head_grads):
    """``vjp`` of a pass with float64 stand-ins, taking and giving integer dtypes."""
    head_grads = [g if d is None else g.astype(jnp.float64)
                  for g, d in zip(head_grads, head_dtypes)]
    (grads,) = vjp(head_grads)
    return ({**grads, **{n: grads[n].astype(d) for n, d in grad_dtypes}},)


def loss_gradients(graph, diff, rest, aux, rng):
    """(outputs, new aux, gradients of ``diff``) of a training pass of a graph whose heads
    are all losses: their gradients ignore the head gradient, so ones serve."""
    outputs, vjp, new_aux = training_vjp(graph, diff, rest, aux, rng)
    return outputs, new_aux, vjp([jax.numpy.ones_like(o) for o in outputs])[0]


def _signature(arrays):
    return tuple((x.shape, str(x.dtype)) for x in arrays)


def optimizer_update(optimizer):
    """``optimizer``'s update as one program of (params, grads, states, hyper) ->
    (new params, new states), the parameters and states donated; ``hyper`` is
    ``Optimizer.step_inputs``' array of the parameters in sorted name order."""
    key = (id(optimizer), optimizer.trace_key())
    cached = _UPDATES.get(key)
    if cached is None:
        cached = _UPDATES[key] = (optimizer, reported(x64.jit(
            _apply_optimizer(optimizer), donate_argnums=(0, 2))))
    return cached[1]


def _apply_optimizer(optimizer):
    """(params, grads, states, hyper) -> (new params, new states); ``hyper`` is
    ``Optimizer.step_inputs``' array of the parameters in sorted name order."""
    def apply(params, grads, states, hyper):
        new_params, new_states = {}, {}
        for i, name in enumerate(sorted(params)):
            new_params[name], new_states[name] = optimizer.step_from_inputs(
                params[name], grads[name], states[name], hyper, i)
        return new_params, new_states
    return apply


def _fused_step(graph, optimizer):
    """The training forward, backward and optimizer update of ``graph`` (whose heads are
    all losses) as one function of the parameters, the other arguments, aux states,
    optimizer states, their hyperparameters and the random key's data."""
    update = _apply_optimizer(optimizer)
    fixed_gammas = fixed_gamma_names(graph.nodes)

    def step(params, rest, aux, states, hyper, rng_data):
        rng = None if rng_data is None else jax.random.wrap_key_data(rng_data)
        params = {n: jax.lax.full_like(v, 1) if n in fixed_gammas else v
                  for n, v in params.items()}  # as MXNet's forward writes them
        outputs, new_aux, grads = loss_gradients(graph, params, rest, aux, rng)
        new_params, new_states = update(params, grads, states, hyper)
        return outputs, new_aux, new_params, new_states
    return step

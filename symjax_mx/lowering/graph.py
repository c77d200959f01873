"""Lowering: a Symbol and its inferred shapes become one pure JAX function,
``(args, aux, rng, is_train) -> (outputs, new_aux)``, evaluated in topological order.
All planning happens here, once; the function does no per-node Python work beyond
calling each operator's compute while JAX traces it."""
import functools

import jax

from .. import _x64
from ..base import MXNetError


class LoweredGraph:
    """The graph of ``symbol`` as a pure function over dicts of jax arrays."""

    def __init__(self, symbol, entry_shapes):
        self.nodes = symbol._nodes()
        self.heads = symbol._outputs
        self.random = any(node.op is not None and node.op.random for node in self.nodes)
        # An operator without inputs whose shape has unknown (0) sizes gets the inferred one.
        self.params = {}
        for node in self.nodes:
            if node.op is None:
                continue
            params = node.params
            shape = params.get("shape")
            if not node.inputs and isinstance(shape, tuple) and (not shape or 0 in shape):
                inferred = entry_shapes.get((id(node), 0))
                if inferred is None:
                    raise MXNetError(f"cannot bind: the shape of node {node.name!r} "
                                     f"({node.op.name}) is unknown")
                if shape and (len(inferred) != len(shape) or any(
                        d not in (0, i) for d, i in zip(shape, inferred))):
                    raise MXNetError(f"cannot bind: node {node.name!r} ({node.op.name}) has "
                                     f"shape {shape}, but what consumes it needs {inferred}")
                params = {**params, "shape": inferred}
            self.params[id(node)] = params

    def __call__(self, args, aux, rng, is_train):
        values, new_aux = {}, dict(aux)
        for position, node in enumerate(self.nodes):
            if node.op is None:
                values[id(node)] = (args[node.name] if node.name in args else aux[node.name],)
                continue
            entries = [values[id(n)][i] for n, i in node.inputs]
            split = node.num_inputs()
            key = jax.random.fold_in(rng, position) if node.op.random else None
            outputs, updated = node.op.compute(entries[:split], entries[split:],
                                               self.params[id(node)], is_train, key)
            values[id(node)] = tuple(outputs)
            if is_train:
                for (state, _), value in zip(node.inputs[split:], updated):
                    if state.op is None:
                        new_aux[state.name] = value
        return [values[id(n)][i] for n, i in self.heads], new_aux


class Compiled:
    """The jitted functions an executor runs, shared by every bind of the same graph.

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

    def __init__(self, graph, diff_names):
        self.graph = graph
        self.diff_names = tuple(diff_names)
        self._layouts = {}  # input signature -> (vjp treedef, input position of each leaf)

        def infer(args, aux, rng, is_train):
            return graph(args, aux, rng, is_train)

        def train(diff, rest, aux, rng):
            outputs, vjp, new_aux = training_vjp(graph, diff, rest, aux, rng)
            leaves, treedef = jax.tree_util.tree_flatten(vjp)
            inputs = jax.tree_util.tree_leaves((diff, rest, rng))
            position = {id(x): i for i, x in enumerate(inputs)}
            positions = tuple(position.get(id(leaf)) for leaf in leaves)
            self._layouts[_signature(inputs)] = (treedef, positions)
            return outputs, new_aux, [x for x, p in zip(leaves, positions) if p is None]

        def backward(residuals, inputs, head_grads, previous, accumulate, treedef, positions):
            fresh = iter(residuals)
            leaves = [next(fresh) if p is None else inputs[p] for p in positions]
            grads = jax.tree_util.tree_unflatten(treedef, leaves)(head_grads)[0]
            return {name: previous[name] + grad if name in accumulate else grad
                    for name, grad in grads.items()}

        def accumulate(previous, grads):
            return {name: previous[name] + grad for name, grad in grads.items()}

        self.infer = _x64.jit(infer, static_argnums=(3,))
        self.train_with_grads = _x64.jit(functools.partial(loss_gradients, graph),
                                         donate_argnums=(2,))
        self.accumulate = _x64.jit(accumulate, donate_argnums=(0,))
        self._train = _x64.jit(train, donate_argnums=(2,))
        self._backward = _x64.jit(backward, static_argnums=(4, 5, 6), donate_argnums=(3,))

    def train(self, diff, rest, aux, rng):
        """(outputs, new aux, state for ``backward``) of a training forward."""
        outputs, new_aux, residuals = self._train(diff, rest, aux, rng)
        inputs = jax.tree_util.tree_leaves((diff, rest, rng))
        return outputs, new_aux, (residuals, inputs)

    def backward(self, state, head_grads, previous, accumulate):
        """Gradients of the differentiated arguments, from ``train``'s state."""
        residuals, inputs = state
        treedef, positions = self._layouts[_signature(inputs)]
        return self._backward(residuals, inputs, head_grads, previous, accumulate, treedef,
                              positions)


def training_vjp(graph, diff, rest, aux, rng):
    """(outputs, vjp function, new aux) of a training pass of ``graph``, differentiated
    with respect to the arguments in ``diff``."""
    def run(diff_args):
        return graph({**rest, **diff_args}, aux, rng, True)
    return jax.vjp(run, diff, has_aux=True)


def loss_gradients(graph, diff, rest, aux, rng):
    """(outputs, new aux, gradients of ``diff``) of a training pass of a graph whose heads
    are all losses: their gradients ignore the head gradient, so ones serve."""
    outputs, vjp, new_aux = training_vjp(graph, diff, rest, aux, rng)
    return outputs, new_aux, vjp([jax.numpy.ones_like(o) for o in outputs])[0]


def _signature(arrays):
    return tuple((x.shape, str(x.dtype)) for x in arrays)

"""Lowering: a Graph and its inferred shapes become one pure JAX function,
``(args, aux, rng, is_train) -> (outputs, new_aux)``, evaluated in topological order.
All planning happens here, once; the function does no per-node Python work beyond
calling each operator's compute while JAX traces it."""
import jax
import jax.numpy as jnp

from ..base import MXNetError
from . import channels_last, fusion_fences, integer_gradients
from .errors import node_scope


def fixed_gamma_names(nodes):
    """The variables that operators set to 1 (``Operator.writes_ones``: BatchNorm's gamma
    with ``fix_gamma=True``): MXNet 1.9.1's forward writes 1 into them (so an optimizer
    updates them from 1)."""
    return sorted({node.inputs[i][0].name for node in nodes
                   if node.op is not None and node.op.writes_ones is not None
                   for i in node.op.writes_ones(node.params) if node.inputs[i][0].op is None})


class LoweredGraph:
    """``graph`` (a ``symbol.graph.Graph``) as a pure function over dicts of jax arrays;
    ``entry_shapes`` maps ``(id(node), index)`` to a shape, for operators without inputs
    whose own shape has unknown (0 or -1) sizes. An auxiliary state that several training
    nodes update (one BatchNorm applied twice) is updated by each in turn: in graph order,
    as MXNet's executor does, or last node first (``updates_last_first``), as Gluon does
    (it updates them in the backward pass)."""

    def __init__(self, graph, entry_shapes, updates_last_first=False):
        repeated = graph.repeated_variable_names()
        if repeated:
            raise MXNetError(f"cannot bind: different variables share the names {repeated}, "
                             f"and arguments are bound by name; give each variable its own "
                             f"name")
        self.nodes = graph.nodes
        self.heads = graph.heads
        self.updates_last_first = updates_last_first
        self.random = any(node.op is not None and node.op.random for node in self.nodes)
        self.host_callback = any(node.op is not None and node.op.host_callback
                                 for node in self.nodes)
        self.positions = {id(node): i for i, node in enumerate(self.nodes)}
        self.channels_last = channels_last.applies(self.nodes)
        self.fenced = fusion_fences.fenced_nodes(self.nodes) if fusion_fences.applies() else ()
        # An operator without inputs whose shape has unknown (0 or -1) sizes gets the inferred one.
        self.params = {}
        for node in self.nodes:
            if node.op is None:
                continue
            params = node.params
            shape = params.get("shape")
            if not node.inputs and isinstance(shape, tuple) and (
                    not shape or 0 in shape or -1 in shape):
                inferred = entry_shapes.get((id(node), 0))
                if inferred is None:
                    raise MXNetError(f"cannot bind: the shape of node {node.name!r} "
                                     f"({node.op.name}) is unknown")
                if shape and (len(inferred) != len(shape) or any(
                        d not in (0, -1, i) for d, i in zip(shape, inferred))):
                    raise MXNetError(f"cannot bind: node {node.name!r} ({node.op.name}) has "
                                     f"shape {shape}, but what consumes it needs {inferred}")
                params = {**params, "shape": inferred}
            self.params[id(node)] = params

    def __call__(self, args, aux, rng, is_train, keys=None, known=None, stand_ins=None):
        """``is_train`` is one flag, or a dict of flags by node name (autograd's tape records
        each operation's own); ``keys`` gives random nodes, by name, the PRNG keys they
        must use (default: ``rng`` folded with the node's position); ``known`` gives nodes
        without auxiliary states, by name, the output values they already computed: they
        pass those on, and only their gradient evaluates the operator (so what the
        gradient does not need is never recomputed). With ``stand_ins`` (integer argument
        name -> float64 stand-in) the pass is differentiated across integer Casts, and
        integer Cast heads are float64 (see ``integer_gradients``)."""
        if (isinstance(is_train, bool) and keys is None and known is None
                and stand_ins is None and self.channels_last):
            return channels_last.run(self, args, aux, rng, is_train=is_train)
        values, new_aux = {}, dict(aux)
        new_aux.update(self.evaluate(self.nodes, values, args, aux, rng, is_train, keys,
                                     known=known, stand_ins=stand_ins))
        heads = [values[id(n)][i] for n, i in self.heads]
        if stand_ins is not None:
            heads = [self._float_head(n, value, values, stand_ins) if
                     integer_gradients.cast_head_dtype(n, self.params.get(id(n))) else value
                     for (n, _), value in zip(self.heads, heads)]
        return heads, new_aux

    def _float_head(self, node, value, values, stand_ins):
        source, index = node.inputs[0]
        inputs = integer_gradients.cast_inputs(node, self.params[id(node)],
                                               [values[id(source)][index]], stand_ins)
        return integer_gradients.float_head(value, inputs[0])

    def evaluate(self, nodes, values, args, aux, rng, is_train, keys=None, perturb=None,
                 known=None, stand_ins=None, params=None):
        """Compute ``nodes`` (a topologically ordered part of the graph) into ``values``
        (id(node) -> its outputs, indexable by output; it already holds what they read from
        other nodes); returns the auxiliary states a training pass updates, by name.
        ``perturb`` (id(node) -> one array per output) is added to operator outputs, so
        that differentiating with respect to it gives each entry's gradient; ``known`` is
        as for ``__call__``; ``params`` (id(node) -> parsed params) replaces the nodes'
        own."""
        params = self.params if params is None else params
        updates, updaters = {}, {}  # state name -> new value, -> the nodes updating it
        for position, node in enumerate(nodes):
            if node.op is None:
                values[id(node)] = (args[node.name] if node.name in args else aux[node.name],)
                continue
            entries = [values[id(n)][i] for n, i in node.inputs]
            if stand_ins and node.op.casts:
                entries = integer_gradients.cast_inputs(node, params[id(node)], entries,
                                                        stand_ins)
            split = node.num_inputs()
            key = self.node_key(node, rng, keys)
            train = is_train[node.name] if isinstance(is_train, dict) else is_train
            with node_scope(node):
                if known is not None and node.name in known and split == len(entries):
                    outputs, updated = _pinned(node.op, params[id(node)], train, key,
                                               entries, known[node.name]), ()
                else:
                    outputs, updated = node.op.compute(entries[:split], entries[split:],
                                                       params[id(node)], train, key)
            if perturb is not None:
                outputs = [o + p for o, p in zip(outputs, perturb[id(node)])]
            if id(node) in self.fenced:
                outputs = [fusion_fences.fence(o) for o in outputs]
            values[id(node)] = tuple(outputs)
            if train:
                for (state, _), value in zip(node.inputs[split:], updated):
                    if state.op is None:
                        updates[state.name] = value
                        updaters.setdefault(state.name, []).append(
                            (position, node, entries[:split], params[id(node)], key))
        if any(len(by) > 1 for by in updaters.values()):
            updates.update(_chained_updates(updaters, values, self.updates_last_first))
        return updates

    def node_key(self, node, rng, keys=None):
        """The PRNG key a random node draws with (None for others)."""
        if not node.op.random:
            return None
        if keys is not None and node.name in keys:
            return keys[node.name]
        return jax.random.fold_in(rng, self.positions[id(node)])


def _chained_updates(updaters, values, last_first):
    """The new values of the auxiliary states that several training nodes update: each
    node updates what the one before it left, in graph order or (``last_first``) the
    reverse."""
    involved = {id(entry[1]): entry for by in updaters.values() if len(by) > 1
                for entry in by}
    current = {}
    for _, node, inputs, params, key in sorted(involved.values(), key=lambda e: e[0],
                                               reverse=last_first):
        states = [state for state, _ in node.inputs[len(inputs):]]
        aux_in = [current.get(s.name, values[id(s)][0]) if s.op is None else values[id(s)][0]
                  for s in states]
        with node_scope(node):
            _, updated = node.op.compute(list(inputs), aux_in, params, True, key)
        for state, value in zip(states, updated):
            if state.op is None:
                current[state.name] = value
    return current


def _pinned(op, params, is_train, key, inputs, outputs):
    """``outputs`` (the operator's results on ``inputs``, computed before), whose gradient
    is the operator's VJP at ``inputs``."""
    def apply(*values):
        return tuple(op.compute(list(values), [], params, is_train, key)[0])

    @jax.custom_vjp
    def pinned(inputs, outputs):
        return tuple(outputs)

    def forward(inputs, outputs):
        return tuple(outputs), inputs

    def backward(inputs, cotangents):
        return jax.vjp(apply, *inputs)[1](cotangents), tuple(jnp.zeros_like(o) for o in outputs)

    pinned.defvjp(forward, backward)
    return pinned(tuple(inputs), tuple(outputs))

"""Model parallelism: node groups placed on the devices ``group2ctx`` names.

A node belongs to the group in its ``__ctx_group__`` attribute (set with
``mx.AttrScope(ctx_group=...)``); ``group2ctx`` maps groups to contexts, and nodes
without a group (or of a group not named) run on the executor's context. The graph runs
as stages: each run of consecutive nodes (in topological order) on one context is one
jitted program on that device, and the values crossing stages (and arguments that live
elsewhere) are transferred with ``device_put``. The training pass differentiates the
chain of stages with ``jax.vjp``, so the backward pass runs each stage's transpose on
its own device and gradients travel back the same way.
"""
import jax

from .. import x64
from .errors import reported
from .graph import LoweredGraph

__all__ = ["node_contexts", "StagedPrograms"]


def node_contexts(graph, ctx, group2ctx):
    """id(node) -> the Context each node of ``graph`` runs on (variables: where their
    arrays are allocated)."""
    group2ctx = group2ctx or {}
    return {id(node): group2ctx.get(node.attrs.get("__ctx_group__"), ctx)
            for node in graph.nodes}


class _Stage:
    """Consecutive operator nodes on one context, with the entries they read from other
    stages (``imports``) and those later stages or the heads read from them (``exports``)."""

    def __init__(self, ctx, nodes):
        self.ctx = ctx
        self.nodes = nodes
        mine = {id(n) for n in nodes}
        self.imports = sorted({(id(n), i) for node in nodes for n, i in node.inputs
                               if n.op is not None and id(n) not in mine})
        self.variables = {n.name: n for node in nodes for n, _ in node.inputs if n.op is None}
        self.exports = []
        self.run = None


class StagedPrograms:
    """The Programs interface the Executor uses (``infer``, ``train``, ``backward``,
    ``train_with_grads``, ``accumulate``) for a graph whose nodes run on several
    contexts; see the module doc."""

    def __init__(self, graph, entry_shapes, contexts, diff_names):
        self.graph = lowered = LoweredGraph(graph, entry_shapes)
        self.diff_names = tuple(diff_names)
        self.head_contexts = [contexts[id(n)] for n, _ in graph.heads]
        self._heads = [(id(n), i) for n, i in graph.heads]
        runs = []  # [(context, consecutive operator nodes on it)]
        for node in graph.nodes:
            if node.op is None:
                continue
            if not runs or runs[-1][0] != contexts[id(node)]:
                runs.append((contexts[id(node)], []))
            runs[-1][1].append(node)
        self._stages = [_Stage(ctx, nodes) for ctx, nodes in runs]
        wanted = set(self._heads)
        for stage in reversed(self._stages):
            mine = {id(n) for n in stage.nodes}
            stage.exports = sorted(k for k in wanted if k[0] in mine)
            wanted.update(stage.imports)
        for stage in self._stages:
            stage.run = reported(x64.jit(
                self._stage_function(lowered, stage), static_argnums=(4,),
                blocks=any(node.op.host_callback for node in stage.nodes)))
        self._backward = {}

    @staticmethod
    def _stage_function(lowered, stage):
        nodes = list(stage.variables.values()) + stage.nodes

        def run(imports, args, aux, rng, is_train):
            values = {}
            for (node_id, index), value in imports.items():
                values.setdefault(node_id, {})[index] = value
            updates = lowered.evaluate(nodes, values, args, aux, rng, is_train)
            return {key: values[key[0]][key[1]] for key in stage.exports}, updates
        return run

    @property
    def random(self):
        return self.graph.random

    def _forward(self, args, aux, rng, is_train):
        """(outputs on their heads' contexts, updated aux states) of one pass."""
        values, updates = {}, {}
        for stage in self._stages:
            device = stage.ctx.jax_device

            def put(x, device=device):
                return None if x is None else jax.device_put(x, device)
            imports = {key: put(values[key]) for key in stage.imports}
            names = stage.variables
            stage_args = {n: put(args[n]) for n in names if n in args}
            stage_aux = {n: put(aux[n]) for n in names if n in aux and n not in args}
            exports, updated = stage.run(imports, stage_args, stage_aux, put(rng),
                                         is_train)
            values.update(exports)
            updates.update(updated)
        return [values[key] for key in self._heads], updates

    @staticmethod
    def _placed_like(values, like):
        """Each of ``values`` moved to the device of the array of the same name in ``like``."""
        return {n: jax.device_put(v, next(iter(like[n].devices()))) for n, v in values.items()}

    @x64.x64
    def infer(self, args, aux, rng, is_train):
        outputs, updates = self._forward(args, aux, rng, is_train)
        return outputs, {**aux, **self._placed_like(updates, aux)}

    @x64.x64
    def train(self, diff, rest, aux, rng, is_train=True):
        """(outputs, new aux, the vjp for ``backward``) of a training pass (of an
        inference pass with ``is_train`` False)."""
        def run(diff_args):
            return self._forward({**rest, **diff_args}, aux, rng, is_train)
        outputs, vjp, updates = jax.vjp(run, diff, has_aux=True)
        return outputs, {**aux, **self._placed_like(updates, aux)}, (vjp, diff)

    @x64.x64
    def backward(self, state, head_grads, previous, accumulate):
        vjp, diff = state
        heads = [jax.device_put(g, ctx.jax_device)
                 for g, ctx in zip(head_grads, self.head_contexts)]
        grads = self._placed_like(vjp(heads)[0], diff)
        return {name: previous[name] + grad if name in accumulate else grad
                for name, grad in grads.items()}

    @x64.x64
    def train_with_grads(self, diff, rest, aux, rng):
        outputs, new_aux, state = self.train(diff, rest, aux, rng)
        heads = [jax.numpy.ones_like(o) for o in outputs]
        return outputs, new_aux, self.backward(state, heads, {}, ())

    @x64.x64
    def accumulate(self, previous, grads):
        return {name: previous[name] + grad for name, grad in grads.items()}

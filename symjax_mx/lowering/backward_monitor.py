"""What MXNet's executor monitor reports during backward: for every operator node, the
gradient its backward pass computes for each of its inputs, named
``<node>_backward_output`` (one input) or ``<node>_backward_output<i>``."""
import jax
import jax.numpy as jnp

from .. import x64


def backward_outputs(lowered, args, aux, rng, head_grads):
    """[(name, gradient)] for the operator nodes of ``lowered`` (a LoweredGraph), last
    node first as a backward pass runs them, in a training pass over ``args``, ``aux``
    and ``rng`` whose heads get ``head_grads``."""
    with x64.scope():
        values = {}
        lowered.evaluate(lowered.nodes, values, args, aux, rng, True)
        operators = [n for n in lowered.nodes if n.op is not None]
        perturb = {id(n): tuple(jnp.zeros_like(v) for v in values[id(n)]) for n in operators}

        def run(perturb):
            entries = {}
            lowered.evaluate(lowered.nodes, entries, args, aux, rng, True, perturb=perturb)
            return [entries[id(n)][i] for n, i in lowered.heads]
        _, vjp = jax.vjp(run, perturb)
        cotangents = vjp(list(head_grads))[0]  # id(node) -> gradient of each output
        reports = []
        for node in reversed(operators):
            inputs = [values[id(n)][i] for n, i in node.inputs]
            split = node.num_inputs()
            grads = _input_gradients(lowered, node, inputs[:split], inputs[split:], rng,
                                     cotangents[id(node)])
            for i, grad in enumerate(grads):
                suffix = "" if split == 1 else str(i)
                reports.append((f"{node.name}_backward_output{suffix}", grad))
        return reports


def _input_gradients(lowered, node, inputs, states, rng, cotangent):
    """The gradient ``node``'s backward pass gives each input, for output gradients
    ``cotangent``; zeros for inputs that take none (integers, non-differentiable)."""
    key = lowered.node_key(node, rng)
    params = lowered.params[id(node)]
    floating = [jnp.issubdtype(x.dtype, jnp.inexact) for x in inputs]
    if not node.op.differentiable or not any(floating):
        return [jnp.zeros_like(x) for x in inputs]

    def forward(differentiable):
        given = iter(differentiable)
        full = [next(given) if f else x for x, f in zip(inputs, floating)]
        return list(node.op.compute(full, states, params, True, key)[0])
    _, vjp = jax.vjp(forward, [x for x, f in zip(inputs, floating) if f])
    grads = iter(vjp(list(cotangent))[0])
    return [next(grads) if f else jnp.zeros_like(x) for x, f in zip(inputs, floating)]

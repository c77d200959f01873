"""A second starting kernel for training programs whose only one is the first layer.

XLA's CPU runtime runs a program's kernels on the thread that starts it, and hands ready
kernels to its worker pool only while more than one is ready. The training step of an
MLP with MXNet's SoftmaxOutput (whose gradient reads the labels only after the forward
pass) starts with one kernel, the first layer's product, and ran at 0.84-0.89x the speed
of the same step hand-written in JAX, whose loss starts with several independent kernels
(the gather indices of its labels); with a one-hot loss instead, the hand-written step
was as slow as ours. One extra starting kernel, the sum of a small input returned as an
output nobody reads, made ours run at 0.99x the hand-written's speed (2026-12-07, 2 cores,
paired rounds of ``bench/executor.py``'s MLP program called directly; ``Module.fit``'s
MLP step 1-2% faster). Where XLA schedules such a kernel first, the step
runs as it did without one. It costs one reduction of the smallest input that is not
donated; on other platforms nothing is added.
"""
import functools

import jax
import jax.numpy as jnp

__all__ = ["with_second_start"]


def with_second_start(fn, donate_argnums=()):
    """``fn`` returning ``(its result, marker)``: the marker is the sum of its smallest
    non-empty numeric argument that is not donated, when tracing for the CPU, else None."""
    donated = {donate_argnums} if isinstance(donate_argnums, int) else set(donate_argnums)

    @functools.wraps(fn)
    def started(*args, **kwargs):
        result = fn(*args, **kwargs)
        if jax.default_backend() != "cpu":
            return result, None
        candidates = [leaf for i, arg in enumerate(args) if i not in donated
                      for leaf in jax.tree_util.tree_leaves(arg)]
        candidates += jax.tree_util.tree_leaves(kwargs)
        candidates = [leaf for leaf in candidates if hasattr(leaf, "dtype") and leaf.size
                      and jnp.issubdtype(leaf.dtype, jnp.number)]
        if not candidates:
            return result, None
        return result, jnp.sum(min(candidates, key=lambda leaf: leaf.size))
    return started

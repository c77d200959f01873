"""Fusion fences: where a long chain of element-wise operators runs through a graph (an
unrolled LSTM's cell state, ``c_t = f_t * c_{t-1} + i_t * g_t``), its values are kept
in memory every :data:`CHAIN_LENGTH` operators, so that XLA does not recompute the
chain inside every fusion that reads it.

XLA's CPU fusion duplicates a producer into all its consumers when every consumer can
fuse it. The backward pass of an unrolled LSTM has such a chain, the cell state's
gradient ``dc_t = dc_{t+1} * f_{t+1} + ...``, read by each step's gate gradients: each
of them recomputed the chain from the last step down, so the program grew with the
square of the sequence length. ``python bench/compile_time.py`` (lstm_bucketing.py's
training step, 2 layers of 200 units; medians of 3 rounds on 2 shared cores,
2026-12-06) compiled buckets 10, 20, 30, 40, 50 and 60 in 4.4, 12.0, 24.7, 39.6, 68.4
and 103.9 s without fences, in 3.1, 4.5, 6.3, 7.6, 10.2 and 11.6 s with chains of 8
(253 s in all, 43 s); steps took the same time within the noise (71-840 ms, 69-997
ms). Bucket 20's optimised program had 25,800 lines of HLO, 13,000 with fences.

JAX's ``optimization_barrier`` does not keep a value in memory on the CPU (XLA removes
it before fusing), so a fence is a ``while`` loop that XLA cannot see through: it runs
no iteration unless the array's first element is NaN, and then one that multiplies
the array by the loop counter plus one (1): the value passes unchanged either way. The
fence's gradient is fenced too, which is what breaks the backward chain. A fence costs
a loop whose condition reads one element. The program computes the same operations,
split into other kernels: float32 results may differ in their last bits (XLA
contracts multiply-adds within a kernel; bucket 20's weights after 3 steps by at most
7e-9).
"""
import collections

import jax
import jax.numpy as jnp

__all__ = ["CHAIN_LENGTH", "applies", "fenced_nodes", "fence"]

# element-wise operators between fences: bucket 30 of bench/compile_time.py compiled in
# 5.9, 4.8 and 4.9 s of CPU time with 4, 8 and 16 (16.7 s without; one round)
CHAIN_LENGTH = 8

# Operators whose outputs XLA computes in library calls (dot products, convolutions):
# they end a chain. Every other operator is counted as element-wise (a fence too many
# costs little).
_CHAIN_ENDS = frozenset(("FullyConnected", "Convolution", "Deconvolution", "dot",
                         "batch_dot", "RNN"))


def applies():
    """Whether programs get fences: on XLA's CPU backend, whose fusion the fences are
    for (a GPU evaluates a while loop's condition on the host, at a synchronisation per
    fence)."""
    return jax.default_backend() == "cpu"


def fenced_nodes(nodes, chain_length=None):
    """The ids of the operator nodes among ``nodes`` (topologically ordered) whose
    outputs are fenced: those that more than one element-wise operator reads (a value
    read once is fused into its reader, never recomputed) and that end a chain of at
    least ``chain_length`` (default :data:`CHAIN_LENGTH`) operators that are not chain
    ends; the chain starts again after them."""
    chain_length = chain_length or CHAIN_LENGTH
    readers = collections.Counter(id(n) for node in nodes for n, _ in node.inputs
                                  if node.op.name not in _CHAIN_ENDS)
    depth, fenced = {}, set()
    for node in nodes:
        if node.op is None or node.op.name in _CHAIN_ENDS:
            depth[id(node)] = 0
            continue
        length = 1 + max((depth[id(n)] for n, _ in node.inputs), default=0)
        if length >= chain_length and readers[id(node)] > 1:
            fenced.add(id(node))
            length = 0
        depth[id(node)] = length
    return fenced


def fence(x):
    """``x`` unchanged, kept in memory (as its gradient is) rather than fused into
    what reads it; arrays that are not floating point, or empty, as they are."""
    if not jnp.issubdtype(x.dtype, jnp.floating) or x.size == 0:
        return x
    return _fence(x)


def _opaque(x):
    first = x.reshape(-1)[0]
    trips = (first != first).astype(jnp.int32)  # 1 for NaN, else 0
    return jax.lax.while_loop(lambda c: c[0] < trips,
                              lambda c: (c[0] + 1, c[1] * (c[0] + 1).astype(x.dtype)),
                              (jnp.int32(0), x))[1]


@jax.custom_vjp
def _fence(x):
    return _opaque(x)


def _fence_forward(x):
    return _fence(x), None  # differentiable again (a gradient of the gradient)


def _fence_backward(_, gradient):
    return (_fence(gradient),)


_fence.defvjp(_fence_forward, _fence_backward)

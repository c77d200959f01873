"""FullyConnected's product ``x @ weight.T`` in the form XLA's CPU backend runs fastest.

* **Weight-first** (inference, and training with few rows or a weight much wider than
  the batch): ``weight @ x.T``, then transposed. The weight is the left operand with its
  contracted axis last, which XLA's CPU matrix kernels read without copying it (the
  other way round, VGG's 4096x4096 classifier at batch 2 ran ~95x MXNet's time).
* **Data-first** (training with many rows): ``x @ weight.T`` as written. On this
  project's 2-core host (2026-12-06), the 784-128-64-10 MLP's training step ran 6-11%
  faster data-first than weight-first at batch 64-512 (``python bench/fc_layout.py``).

Tried and left out: a hand-written gradient for the data-first form that multiplies a
copy of ``dy.T`` (kept by ``lax.optimization_barrier``) so that YNNPACK's kernels
compute the weight's gradient instead of Eigen's. ``bench/executor.py``'s MLP forward
and backward ran 5-7% faster, but ``Module.fit``'s step (forward, backward and SGD with
momentum as one program) 7% slower: YNNPACK then also took the optimizer's update into
its kernel.
"""
import math

import jax.numpy as jnp
from jax import lax

__all__ = ["multiplies_data_first", "product"]

_PRECISION = lax.Precision.HIGHEST

# data-first from this many rows, while the weight has at most this many outputs per row
_MIN_ROWS_DATA_FIRST, _MAX_HIDDEN_PER_ROW = 64, 32


def multiplies_data_first(rows, hidden, is_train):
    """Whether FullyConnected computes ``x @ weight.T`` data-first (else weight-first)."""
    return is_train and rows >= _MIN_ROWS_DATA_FIRST and hidden <= _MAX_HIDDEN_PER_ROW * rows


def _matmul(a, b, contract_a, contract_b):
    return lax.dot_general(a, b, (((contract_a,), (contract_b,)), ((), ())),
                           precision=_PRECISION)


def product(x, weight, bias, is_train):
    """``x @ weight.T + bias`` over ``x``'s last axis (weight: (hidden, in); bias: None or
    (hidden,))."""
    rows = math.prod(x.shape[:-1])
    if multiplies_data_first(rows, weight.shape[0], is_train):
        flat = x.reshape(rows, x.shape[-1])
        out = _matmul(flat, weight, 1, 1).reshape(x.shape[:-1] + (weight.shape[0],))
        return out if bias is None else out + bias
    out = _matmul(weight, x, 1, x.ndim - 1)
    if bias is not None:
        out = out + bias.reshape((-1,) + (1,) * (x.ndim - 1))
    return jnp.moveaxis(out, 0, -1)

"""``_contrib_hawkesll``: the log likelihood of marked, self-exciting Hawkes processes with
exponential decay (``mx.nd.contrib.hawkesll``), as MXNet 1.9.1 computes it.

Its gradients are the derivatives of both outputs. MXNet's hand-written backward gives the
same gradients of lda, alpha and beta from the log likelihood's head gradient, but it
ignores out_state's head gradient and gives the state input a zero gradient."""
import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import register

_INPUTS = ("lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time")
_RANKS = (2, 1, 1, 2, 2, 2, 1, 1)


def _hawkesll(inputs, aux, params, is_train, rng):
    """For each sequence n: the sum over its valid points of log(intensity) minus the
    compensator up to max_time[n], and the process memory at max_time[n]."""
    lda, alpha, beta, state, lags, marks, valid_length, max_time = inputs
    rows = jnp.arange(lags.shape[0])
    valid = jnp.arange(lags.shape[1])[:, None] < valid_length[None, :]  # (T, N)

    def point(carry, step):
        now, last, memory, loglike = carry
        lag, mark, is_valid = step
        now = jnp.where(is_valid, now + lag, now)
        gap = now - last[rows, mark]
        decay = jnp.exp(-beta[mark] * gap)
        previous = memory[rows, mark]
        intensity = lda[rows, mark] + alpha[mark] * beta[mark] * previous * decay
        compensator = lda[rows, mark] * gap + alpha[mark] * previous * (1 - decay)
        loglike = loglike + jnp.where(is_valid, jnp.log(intensity) - compensator, 0)
        memory = memory.at[rows, mark].set(jnp.where(is_valid, 1 + previous * decay,
                                                     previous))
        last = last.at[rows, mark].set(jnp.where(is_valid, now, last[rows, mark]))
        return (now, last, memory, loglike), None

    start = (jnp.zeros_like(max_time), jnp.zeros_like(lda), state, jnp.zeros_like(max_time))
    (_, last, memory, loglike), _ = jax.lax.scan(
        point, start, (lags.T, marks.T.astype(jnp.int32), valid))
    decay = jnp.exp(-beta * (max_time[:, None] - last))
    remaining = lda * (max_time[:, None] - last) + alpha * memory * (1 - decay)
    return (loglike - remaining.sum(axis=1), decay * memory), aux


def _shape_rule(op, params, shapes):
    if any(shape is None for shape in shapes):
        return shapes, [None, None]
    for name, shape, rank in zip(_INPUTS, shapes, _RANKS):
        if len(shape) != rank:
            raise MXNetError(f"hawkesll: {name} must have {rank} dimension(s), got shape "
                             f"{tuple(shape)}")
    batch, steps = shapes[4]
    marks = shapes[0][1]
    expected = ((batch, marks), (marks,), (marks,), (batch, marks), (batch, steps),
                (batch, steps), (batch,), (batch,))
    for name, shape, want in zip(_INPUTS, shapes, expected):
        if tuple(shape) != want:
            raise MXNetError(f"hawkesll: {name} must have shape {want} (N={batch} sequences "
                             f"of T={steps} points, K={marks} marks), got {tuple(shape)}")
    return shapes, [(batch,), (batch, marks)]


def _dtype_rule(op, params, dtypes):
    real = next((d for i, d in enumerate(dtypes) if i != 5 and d is not None), None)
    for name, dtype in zip(_INPUTS, dtypes):
        if name != "marks" and dtype is not None and np.dtype(dtype) != np.dtype(real):
            raise MXNetError(f"hawkesll: {name} is {np.dtype(dtype).name}, but the inputs "
                             f"other than marks share one dtype ({np.dtype(real).name})")
    if dtypes[5] is not None and np.dtype(dtypes[5]) != np.int32:
        raise MXNetError(f"hawkesll: marks must be int32, got {np.dtype(dtypes[5]).name}")
    filled = [np.dtype(np.int32) if i == 5 else real for i in range(len(_INPUTS))]
    return filled, [real, real]


register("_contrib_hawkesll", _hawkesll, aliases=("hawkesll",), inputs=_INPUTS,
         outputs=("output", "out_state"), shape_rule=_shape_rule, dtype_rule=_dtype_rule,
         doc="Log likelihood (N,) of N marked Hawkes processes observed on (0, max_time], "
             "with background intensities lda (N, K), branching ratios alpha (K,) and "
             "decays beta (K,); lags and marks (N, T) are left-aligned, valid_length (N,) "
             "points long; state (N, K) is each process' memory at time 0, and out_state "
             "its memory at max_time.")

"""``mx.npx.random``: MXNet's sampling extensions on mx.np arrays (Bernoulli draws, and
uniform and normal draws of a batch shape before the parameters' shape); seeded by
``mx.random.seed`` (``seed`` here)."""
import numpy as _onp

from ..ndarray import NDArray
from ..numpy import random as _np_random
from ..numpy.multiarray import exp as _exp
from ..random import seed

__all__ = ["seed", "bernoulli", "uniform_n", "normal_n"]


def _parameter_shape(*params):
    return _onp.broadcast_shapes(*(p.shape if isinstance(p, NDArray) else () for p in params))


def bernoulli(prob=None, logit=None, size=None, dtype=None, ctx=None, out=None):
    """1 with probability ``prob`` (or ``sigmoid(logit)``), else 0; of shape ``size`` or the
    parameter's."""
    if (prob is None) == (logit is None):
        raise ValueError("npx.random.bernoulli: give exactly one of prob and logit")
    if prob is None:
        prob = 1 / (1 + _exp(-logit)) if isinstance(logit, NDArray) else \
            1 / (1 + _onp.exp(-logit))
    shape = _np_random.size_shape(size) if size is not None else _parameter_shape(prob)
    draws = _np_random.uniform(size=shape or None, ctx=ctx)
    result = (draws < prob).astype(dtype or _onp.float32)
    if out is not None:
        out[...] = result
        return out
    return result


def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None):
    """Samples from [low, high) of shape ``batch_shape + broadcast(low, high).shape``."""
    shape = _np_random.size_shape(batch_shape) + _parameter_shape(low, high)
    return _np_random.uniform(low, high, size=shape or None, dtype=dtype, ctx=ctx)


def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None):
    """Samples from N(loc, scale**2) of shape ``batch_shape + broadcast(loc, scale).shape``."""
    shape = _np_random.size_shape(batch_shape) + _parameter_shape(loc, scale)
    return _np_random.normal(loc, scale, size=shape or None, dtype=dtype, ctx=ctx)



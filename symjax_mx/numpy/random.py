"""``mx.np.random``: sampling with NumPy's signatures (``size=``), returning
mx.np.ndarray; seeded by ``mx.random.seed``."""
import numbers

from ..ndarray import random as _nd_random
from .multiarray import to_np

__all__ = ["uniform", "normal", "randint", "rand"]


def _draw(sample, size, **params):
    """Sample with shape ``size`` (a 0-d array when None)."""
    shape = (1,) if size is None else (size,) if isinstance(size, numbers.Integral) else size
    out = to_np(sample(shape=tuple(shape), **params))
    return out.reshape(()) if size is None else out


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None):
    """Samples from [low, high)."""
    return _draw(_nd_random.uniform, size, low=low, high=high, dtype=dtype, ctx=ctx)


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None):
    """Samples from N(loc, scale**2)."""
    return _draw(_nd_random.normal, size, loc=loc, scale=scale, dtype=dtype, ctx=ctx)


def randint(low, high=None, size=None, dtype=None, ctx=None):
    """Integers from [low, high) (from [0, low) without ``high``)."""
    if high is None:
        low, high = 0, low
    return _draw(_nd_random.randint, size, low=low, high=high, dtype=dtype or "int64", ctx=ctx)


def rand(*size):
    """Samples from [0, 1) of shape ``size``."""
    return uniform(size=size or None)

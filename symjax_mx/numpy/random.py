"""``mx.np.random``: sampling with NumPy's signatures (``size=``), returning
mx.np.ndarray; seeded by ``mx.random.seed``."""
import numbers

from ..base import MXNetError
from ..ndarray import arange as _nd_arange, random as _nd_random
from .multiarray import to_np

__all__ = ["uniform", "normal", "randint", "rand", "randn", "choice", "shuffle"]


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


def randn(*size):
    """Samples from N(0, 1) of shape ``size``."""
    return normal(size=size or None)


def shuffle(x):
    """Shuffle ``x`` in place along its first axis."""
    x[...] = _nd_random.shuffle(x)


def choice(a, size=None, replace=True, p=None, ctx=None, out=None):
    """Samples of ``a`` (an array, or ``range(a)`` for an int): uniform, or by the
    probabilities ``p``; without ``replace`` no element is drawn twice."""
    n = int(a) if isinstance(a, numbers.Integral) else len(a)
    count = 1 if size is None else size if isinstance(size, numbers.Integral) \
        else int(_prod(size))
    if p is not None:
        if not replace:
            raise MXNetError("np.random.choice: sampling with p needs replace=True")
        index = _nd_random.multinomial(to_np(p).as_nd_ndarray(), shape=(count,))
    elif replace:
        index = _nd_random.randint(0, n, shape=(count,), dtype="int64", ctx=ctx)
    elif count > n:
        raise MXNetError(f"np.random.choice: cannot take {count} samples from {n} "
                         f"without replacement")
    else:
        index = _nd_random.shuffle(_nd_arange(0, n, dtype="int64", ctx=ctx))[:count]
    picked = index if isinstance(a, numbers.Integral) else to_np(a).as_nd_ndarray().take(index)
    shape = () if size is None else (size,) if isinstance(size, numbers.Integral) else size
    result = to_np(picked).reshape(tuple(shape))
    if out is not None:
        out[...] = result
        return out
    return result


def _prod(shape):
    total = 1
    for n in shape:
        total *= int(n)
    return total

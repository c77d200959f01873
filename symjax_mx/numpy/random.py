"""``mx.np.random``: sampling with NumPy's signatures (``size=``), returning
mx.np.ndarray; seeded by ``mx.random.seed``."""
import math
import numbers

import numpy as _onp

from ..base import MXNetError
from ..ndarray import NDArray, arange as _nd_arange, linalg as _nd_linalg, random as _nd_random
from . import multiarray as _np
from .multiarray import to_np

__all__ = ["uniform", "normal", "randint", "rand", "randn", "choice", "shuffle", "exponential",
           "gamma", "beta", "chisquare", "gumbel", "logistic", "lognormal", "pareto", "power",
           "rayleigh", "weibull", "multinomial", "multivariate_normal"]


def _draw(sample, size, **params):
    """Sample with shape ``size`` (a 0-d array when None)."""
    shape = (1,) if size is None else (size,) if isinstance(size, numbers.Integral) else size
    out = to_np(sample(shape=tuple(shape), **params))
    return out.reshape(()) if size is None else out


def _arrays(*params):
    return [p for p in params if isinstance(p, NDArray)]


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None):
    """Samples from [low, high) (numbers, or arrays broadcast to ``size``)."""
    arrays = _arrays(low, high)
    if arrays:
        unit = uniform(size=_size(size, low, high), dtype=dtype, ctx=ctx or arrays[0].context)
        return low + (high - low) * unit
    return _draw(_nd_random.uniform, size, low=low, high=high, dtype=dtype, ctx=ctx)


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None):
    """Samples from N(loc, scale**2) (numbers, or arrays broadcast to ``size``)."""
    arrays = _arrays(loc, scale)
    if arrays:
        unit = normal(size=_size(size, loc, scale), dtype=dtype, ctx=ctx or arrays[0].context)
        return loc + scale * unit
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
    shape = size_shape(size)
    count = math.prod(shape)
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
    result = to_np(picked).reshape(shape)
    if out is not None:
        out[...] = result
        return out
    return result


def size_shape(size):
    """``size`` (None, an int or a sequence) as a shape: () for None."""
    return () if size is None else (int(size),) if isinstance(size, numbers.Integral) \
        else tuple(int(n) for n in size)


# ---- distributions drawn from uniform, normal and gamma samples -------------------------

def _size(size, *params):
    """``size``, or (without it) the broadcast shape of array parameters (None: scalars)."""
    if size is not None:
        return size
    shapes = [p.shape for p in params if isinstance(p, NDArray)]
    return _onp.broadcast_shapes(*shapes) if shapes else None


def _open_uniform(size, ctx):
    """Samples from (0, 1]."""
    return 1.0 - uniform(size=size, ctx=ctx)


def exponential(scale=1.0, size=None, ctx=None, out=None):
    return -_np.log(_open_uniform(_size(size, scale), ctx)) * scale


def gamma(shape, scale=1.0, size=None, dtype=None, ctx=None, out=None):  # noqa: A002
    """Samples from the gamma distribution of ``shape`` (k) and ``scale`` (theta), which
    are numbers."""
    if isinstance(shape, NDArray) or isinstance(scale, NDArray):
        raise NotImplementedError("np.random.gamma: array shape or scale parameters are not "
                                  "supported; pass numbers")
    return _draw(_nd_random.gamma, size, alpha=shape, beta=scale, dtype=dtype, ctx=ctx)


def beta(a, b, size=None, dtype=None, ctx=None):
    first, second = gamma(a, 1.0, size, dtype, ctx), gamma(b, 1.0, size, dtype, ctx)
    return first / (first + second)


def chisquare(df, size=None, dtype=None, ctx=None):
    return gamma(df / 2.0, 2.0, size, dtype, ctx)


def gumbel(loc=0.0, scale=1.0, size=None, ctx=None, out=None):
    return loc - scale * _np.log(-_np.log(_open_uniform(_size(size, loc, scale), ctx)))


def logistic(loc=0.0, scale=1.0, size=None, ctx=None, out=None):
    u = _open_uniform(_size(size, loc, scale), ctx)
    return loc + scale * _np.log(u / (1.0 - u))


def lognormal(mean=0.0, sigma=1.0, size=None, dtype=None, ctx=None, out=None):
    return _np.exp(normal(mean, sigma, _size(size, mean, sigma), dtype, ctx))


def pareto(a, size=None, ctx=None, out=None):
    """Samples from the Pareto II (Lomax) distribution of shape ``a``, as NumPy's."""
    return _np.power(_open_uniform(_size(size, a), ctx), -1.0 / a) - 1.0


def power(a, size=None, ctx=None, out=None):
    return _np.power(_open_uniform(_size(size, a), ctx), 1.0 / a)


def rayleigh(scale=1.0, size=None, ctx=None, out=None):
    return scale * _np.sqrt(-2.0 * _np.log(_open_uniform(_size(size, scale), ctx)))


def weibull(a, size=None, ctx=None, out=None):
    return _np.power(-_np.log(_open_uniform(_size(size, a), ctx)), 1.0 / a)


def multinomial(n, pvals, size=None):
    """Counts (int64) of ``n`` draws over the categories of probabilities ``pvals``, per
    experiment of shape ``size``."""
    pvals = pvals if isinstance(pvals, NDArray) else _np.array(pvals)
    shape = size_shape(size)
    if math.prod(shape) == 0 or pvals.shape[0] == 0:  # nothing to draw
        return _np.zeros(shape + (pvals.shape[0],), dtype=_onp.int64)
    drawn = _nd_random.multinomial(pvals, shape=(math.prod(shape), n)).asnumpy()
    counts = _onp.stack([_onp.bincount(row, minlength=pvals.shape[0]) for row in drawn])
    return _np.array(counts.reshape(shape + (pvals.shape[0],)).astype(_onp.int64),
                     dtype=_onp.int64)


def multivariate_normal(mean, cov, size=None, check_valid=None, tol=None):
    """Samples of the normal distribution with ``mean`` (d,) and covariance ``cov`` (d, d),
    of shape ``size + (d,)``."""
    mean, cov = (x if isinstance(x, NDArray) else _np.array(x) for x in (mean, cov))
    shape = size_shape(size)
    factor = to_np(_nd_linalg.potrf(cov))  # the lower Cholesky factor
    draws = normal(size=shape + (mean.shape[0],))
    return _np.dot(draws.reshape(-1, mean.shape[0]), factor.T).reshape(
        shape + (mean.shape[0],)) + mean

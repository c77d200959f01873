"""More of ``mx.np``'s functions: element-wise math, predicates, rounding, cumulative sums,
statistics and array manipulation, each on registry operators (so they record on the
autograd tape), with MXNet 1.9.1's dtype rules (an integer array stays an integer array)."""
import builtins

import numpy as _onp

from .. import ndarray as nd
from ..base import MXNetError
from ..ops import get_op
from .multiarray import _unary, array, concatenate, ndarray, to_np

__all__ = ["arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "cosh",
           "sinh", "tan", "expm1", "log10", "log1p", "log2", "rint", "trunc", "fix",
           "degrees", "radians", "deg2rad", "rad2deg", "reciprocal", "isnan", "isinf",
           "isfinite", "logical_not", "around", "round", "round_", "sort", "argsort", "cumsum",
           "all", "any",
           "amax", "amin", "std", "var", "tile", "repeat", "flip", "moveaxis",
           "broadcast_to", "hstack", "vstack", "ravel", "copy", "outer", "diag", "tril",
           "arctan2", "hypot", "mod", "remainder"]


(arccos, arccosh, arcsin, arcsinh, arctan, arctanh, cbrt, cosh, sinh, tan, expm1, log10,
 log1p, log2, rint, trunc, fix, degrees, radians, reciprocal) = (_unary(n) for n in (
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "cosh", "sinh",
    "tan", "expm1", "log10", "log1p", "log2", "rint", "trunc", "fix", "degrees", "radians",
    "reciprocal"))
deg2rad, rad2deg = radians, degrees


def isnan(x, out=None):
    return x != x


def isinf(x, out=None):
    return abs(x) == _onp.inf


def isfinite(x, out=None):
    return (x - x) == 0  # NaN for an infinity or NaN


def logical_not(x, out=None):
    return x == 0


def around(a, decimals=0, out=None):
    """Rounded to ``decimals`` places, halves to even (as NumPy)."""
    return a.round(decimals)


round = round_ = around  # noqa: A001  (NumPy's names)


def sort(a, axis=-1):
    """Sorted along ``axis`` (the flattened array for None)."""
    return to_np(nd.sort(a.reshape(-1) if axis is None else a, axis=0 if axis is None
                         else axis))


def argsort(a, axis=-1):
    return (a.reshape(-1) if axis is None else a).argsort(axis=0 if axis is None else axis)


def cumsum(a, axis=None, dtype=None, out=None):
    return to_np(a._apply(get_op("_np_cumsum"), (a,), {"axis": axis, "dtype": dtype}))


def _truth(a, reduce, axis, keepdims):
    """``reduce`` (min: all, max: any) of ``a != 0`` as booleans; 0-d over every axis."""
    flags = to_np(nd.not_equal(a, 0)).astype(_onp.int32)
    if axis is None and not keepdims:
        return getattr(flags.reshape(-1), reduce)(axis=0).astype(_onp.bool_).reshape(())
    return to_np(getattr(nd, reduce)(flags, axis=axis, keepdims=keepdims)).astype(_onp.bool_)


def all(a, axis=None, out=None, keepdims=False):  # noqa: A001  (NumPy's name)
    return _truth(a, "min", axis, keepdims)


def any(a, axis=None, out=None, keepdims=False):  # noqa: A001  (NumPy's name)
    return _truth(a, "max", axis, keepdims)


def amax(a, axis=None, out=None, keepdims=False):
    return a.max(axis=axis, keepdims=keepdims)


def amin(a, axis=None, out=None, keepdims=False):
    return a.min(axis=axis, keepdims=keepdims)


def _in_float(a):
    """``a`` in the float dtype its statistics are computed in."""
    return a.astype(_onp.float64 if a.dtype == _onp.float64 else _onp.float32)


def _variance(data, axis, ddof, keepdims):
    mean = data.mean(axis=axis, keepdims=True)
    squares = ((data - mean) ** 2).sum(axis=axis, keepdims=keepdims)
    count = data.size // builtins.max(mean.size, 1)
    return squares / builtins.max(count - ddof, 0)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """The variance over ``axis`` with ``ddof`` delta degrees of freedom, in ``a``'s dtype
    (an integer array's truncated, as MXNet gives it)."""
    return to_np(_variance(_in_float(a), axis, ddof, keepdims).astype(dtype or a.dtype))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    variance = _variance(_in_float(a), axis, ddof, keepdims)
    return to_np(nd.sqrt(variance).astype(dtype or a.dtype))


def tile(A, reps):  # noqa: N803  (NumPy's name)
    return to_np(nd.tile(A, reps=(reps,) if isinstance(reps, int) else tuple(reps)))


def repeat(a, repeats, axis=None):
    return to_np(nd.repeat(a, repeats=repeats, axis=axis))


def flip(m, axis=None):
    axes = tuple(range(m.ndim)) if axis is None else axis
    return to_np(nd.flip(m, axis=axes))


def moveaxis(a, source, destination):
    sources = [s % a.ndim for s in ((source,) if isinstance(source, int) else source)]
    targets = [d % a.ndim for d in ((destination,) if isinstance(destination, int)
                                    else destination)]
    if len(sources) != len(targets):
        raise ValueError("`source` and `destination` arguments must have the same number of "
                         "elements")
    order = [axis for axis in range(a.ndim) if axis not in sources]
    for target, axis in sorted(zip(targets, sources)):
        order.insert(target, axis)
    return to_np(nd.transpose(a, axes=tuple(order)))


def broadcast_to(array, shape):  # noqa: A002  (NumPy's name)
    """``array`` broadcast to ``shape``, which may have more (leading) axes."""
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if len(shape) > array.ndim:
        array = array.reshape((1,) * (len(shape) - array.ndim) + tuple(array.shape))
    return to_np(nd.broadcast_to(array, shape=shape))


def hstack(tup):
    return concatenate(tup, axis=0 if builtins.all(a.ndim == 1 for a in tup) else 1)


def vstack(tup):
    return concatenate([a.reshape(1, -1) if a.ndim == 1 else a for a in tup], axis=0)


def ravel(a, order="C"):
    return a.reshape(-1)


def copy(a):
    return a.copy()


def outer(a, b):
    return to_np(nd.broadcast_mul(a.reshape(-1, 1), b.reshape(1, -1)))


def diag(v, k=0):
    return to_np(nd.diag(v, k=k))


def tril(m, k=0):
    """The lower triangle (at and below diagonal ``k``) of the last two axes."""
    if m.ndim < 2:
        raise MXNetError(f"tril: needs an array of at least 2 dims, got shape {m.shape}")
    keep = array(_onp.tri(m.shape[-2], m.shape[-1], k, dtype=bool), ctx=m.context)
    return to_np(nd.where(nd.broadcast_to(keep, shape=m.shape), m, nd.zeros_like(m)))


def arctan2(x1, x2, out=None):
    return to_np(x1._apply(get_op("_npi_arctan2"), (x1, x2), {}))


def hypot(x1, x2, out=None):
    return to_np(nd.broadcast_hypot(x1, x2))


def mod(x1, x2, out=None):
    return x1 % x2


remainder = mod


def _method(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    method.__name__ = function.__name__
    method.__doc__ = function.__doc__
    return method


# mx.np.ndarray's methods for functions of this module (multiarray, which defines the
# class, cannot import them)
for _function in (std, var, cumsum, all, any):
    setattr(ndarray, _function.__name__, _method(_function))

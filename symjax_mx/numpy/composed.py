"""``mx.np`` functions built from other ``mx.np`` functions and registry operators (so
those on floating values record on the autograd tape): grids, stacking and splitting
variants, diagonals and traces, tensor products, shifts, differences, averages and
percentiles, padding, and MXNet's constants. Functions whose result depends on values
(``nonzero``, ``unique``, ``bincount``, ``insert``, ``delete``) run on the host, as
MXNet's do not differentiate them either."""
import builtins
import math as _math
import numbers

import numpy as _onp

from .. import ndarray as nd
from ..ndarray import NDArray
from ..ops import get_op
from .fallback import host_function
from .functions import _method, all as _all, any as _any, broadcast_to, flip, vstack
from .multiarray import (_split, abs as _abs, array, concatenate, dot, eye, full, linspace,
                         ndarray, power, prod, stack, to_np, where, zeros)

__all__ = ["meshgrid", "nonzero", "atleast_1d", "atleast_2d", "atleast_3d", "identity",
           "fliplr", "flipud", "column_stack", "row_stack", "dstack", "hsplit", "vsplit",
           "dsplit", "empty_like", "fabs", "shape", "take", "diagonal", "diagflat", "trace",
           "tensordot", "inner", "vdot", "rot90", "roll", "diff", "ediff1d", "average",
           "percentile", "quantile", "logspace", "nan_to_num", "copysign", "isposinf",
           "isneginf", "ldexp", "resize", "pad", "append", "broadcast_arrays", "polyval",
           "product", "sometrue", "alltrue", "unique", "bincount", "insert", "delete",
           "histogram", "indices", "unravel_index", "diag_indices_from", "hamming", "hanning",
           "blackman", "shares_memory", "may_share_memory", "set_printoptions", "einsum",
           "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "invert", "lcm",
           "NAN", "NaN", "NINF", "PINF", "NZERO", "PZERO", "bool", "finfo"]

NAN = NaN = _onp.nan
NINF, PINF = -_onp.inf, _onp.inf
NZERO, PZERO = -0.0, 0.0
bool = builtins.bool  # noqa: A001  (MXNet's np.bool is Python's)
finfo, set_printoptions = _onp.finfo, _onp.set_printoptions


def _axis(axis, ndim):
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
    return axis % ndim


def meshgrid(*xi, indexing="xy", sparse=False, copy=True):
    """Coordinate arrays from 1-D coordinate vectors (``'xy'``: the first two swapped)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    sizes = [x.size for x in xi]
    if indexing == "xy" and len(xi) > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    grids = []
    for i, x in enumerate(xi):
        position = (1 - i if i < 2 else i) if indexing == "xy" and len(xi) > 1 else i
        shape = [1] * len(xi)
        shape[position] = x.size
        grid = x.reshape(tuple(shape))
        grids.append(grid if sparse else broadcast_to(grid, tuple(sizes)))
    return grids


def nonzero(a):
    """A tuple of int64 index arrays, one per axis, of ``a``'s nonzero elements."""
    return where(a)


def _at_least(arrays, ndim, place):
    out = []
    for a in arrays:
        a = a if isinstance(a, NDArray) else array(a)
        out.append(a if a.ndim >= ndim else a.reshape(place(a.shape)))
    return out[0] if len(out) == 1 else out


def atleast_1d(*arys):
    return _at_least(arys, 1, lambda s: (1,))


def atleast_2d(*arys):
    return _at_least(arys, 2, lambda s: (1,) * (2 - len(s)) + s)


def atleast_3d(*arys):
    return _at_least(arys, 3, lambda s: {0: (1, 1, 1), 1: (1,) + s + (1,)}.get(len(s),
                                                                             s + (1,)))


def identity(n, dtype=None, ctx=None):
    return eye(n, dtype=dtype or "float32", ctx=ctx)


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def column_stack(tup):
    return concatenate([a.reshape(-1, 1) if a.ndim < 2 else a for a in tup], axis=1)


row_stack = vstack


def dstack(tup):
    return concatenate([atleast_3d(a) for a in tup], axis=2)


def hsplit(ary, indices_or_sections):
    return _split(ary, indices_or_sections, 0 if ary.ndim == 1 else 1, even=True)


def vsplit(ary, indices_or_sections):
    return _split(ary, indices_or_sections, 0, even=True)


def dsplit(ary, indices_or_sections):
    return _split(ary, indices_or_sections, 2, even=True)


def empty_like(prototype, dtype=None, order="C", subok=False, shape=None):
    return zeros(shape or prototype.shape, dtype or prototype.dtype, ctx=prototype.context)


fabs = _abs


def shape(a):
    return a.shape if isinstance(a, NDArray) else _onp.shape(a)


def take(a, indices, axis=None, mode="raise", out=None):
    """Elements of ``a`` (flattened when ``axis`` is None) at ``indices``; ``'clip'`` and
    ``'raise'`` clip out-of-range indices, ``'wrap'`` wraps them."""
    if not isinstance(indices, NDArray):
        indices = array(indices, dtype=_onp.int64, ctx=a.context)
    source = a.reshape(-1) if axis is None else a
    return to_np(nd.take(source, indices, axis=0 if axis is None else axis,
                         mode="wrap" if mode == "wrap" else "clip"))


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of each matrix over ``axis1`` and ``axis2``, as the last axis."""
    return to_np(nd.diag(a, k=offset, axis1=axis1, axis2=axis2))


def trace(a, offset=0, axis1=0, axis2=1, out=None):
    return diagonal(a, offset, axis1, axis2).sum(axis=-1)


def diagflat(v, k=0):
    return to_np(nd.diag(v.reshape(-1), k=k))


def tensordot(a, b, axes=2):
    """Sums of products over ``axes`` of ``a`` and ``b`` (an int: the last ``axes`` of
    ``a`` with the first of ``b``)."""
    if isinstance(axes, numbers.Integral):
        a_axes, b_axes = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        a_axes, b_axes = ([x] if isinstance(x, numbers.Integral) else list(x) for x in axes)
    a_axes = [_axis(i, a.ndim) for i in a_axes]
    b_axes = [_axis(i, b.ndim) for i in b_axes]
    a_free = [i for i in range(a.ndim) if i not in a_axes]
    b_free = [i for i in range(b.ndim) if i not in b_axes]
    inner_size = _math.prod(a.shape[i] for i in a_axes)
    left = a.transpose(a_free + a_axes).reshape(-1, inner_size)
    right = b.transpose(b_axes + b_free).reshape(inner_size, -1)
    return dot(left, right).reshape(tuple(a.shape[i] for i in a_free)
                                    + tuple(b.shape[i] for i in b_free))


def inner(a, b):
    return tensordot(a, b, ([-1], [-1])) if a.ndim and b.ndim else a * b


def einsum(subscripts, *operands, out=None, optimize=False):
    """Einstein summation of ``operands`` by ``subscripts`` (NumPy's notation)."""
    operands = [x if isinstance(x, NDArray) else array(x) for x in operands]
    return to_np(operands[0]._apply(get_op("_npi_einsum"), tuple(operands), {
        "subscripts": subscripts, "num_args": len(operands), "optimize": int(bool(optimize))}))


def _integer_binary(name):
    def fn(x1, x2, out=None):
        like = x1 if isinstance(x1, NDArray) else x2
        x1, x2 = (x if isinstance(x, NDArray) else full(like.shape, x, like.dtype,
                                                          ctx=like.context) for x in (x1, x2))
        return to_np(x1._apply(get_op(f"_npi_{name}"), (x1, x2), {}))
    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name} of integer (or boolean) arrays; either may be a scalar."
    return fn


bitwise_and, bitwise_or, bitwise_xor, lcm = (_integer_binary(n) for n in (
    "bitwise_and", "bitwise_or", "bitwise_xor", "lcm"))


def bitwise_not(x, out=None):
    return to_np(x._apply(get_op("_npi_bitwise_not"), (x,), {}))


invert = bitwise_not


def vdot(a, b):
    return dot(a.reshape(-1), b.reshape(-1))


def rot90(m, k=1, axes=(0, 1)):
    """``m`` rotated by 90 degrees ``k`` times in the plane of ``axes``."""
    k %= 4
    first, second = axes
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, first), second)
    order = list(range(m.ndim))
    order[first], order[second] = order[second], order[first]
    return flip(m, second).transpose(order) if k == 1 else flip(m.transpose(order), second)


def roll(a, shift, axis=None):
    """Elements shifted by ``shift`` along ``axis`` (the flattened array for None), those
    past the end coming back at the start."""
    if axis is None:
        return roll(a.reshape(-1), shift, 0).reshape(a.shape)
    shifts = (shift,) if isinstance(shift, numbers.Integral) else tuple(shift)
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = _axis(ax, a.ndim)
        size = a.shape[ax]
        s = s % size if size else 0
        if s:
            head, tail = _split(a, [size - s], ax, even=True)
            a = concatenate([tail, head], axis=ax)
    return a


def _slice(a, axis, begin, end):
    return to_np(nd.slice_axis(a, axis=axis, begin=begin, end=end))


def diff(a, n=1, axis=-1, prepend=None, append=None):
    """The ``n``-th differences along ``axis``."""
    axis = _axis(axis, a.ndim)
    pieces = [p if isinstance(p, NDArray) or p is None else full(
        a.shape[:axis] + (1,) + a.shape[axis + 1:], p, a.dtype, ctx=a.context)
        for p in (prepend, append)]
    if pieces[0] is not None or pieces[1] is not None:
        a = concatenate([p for p in (pieces[0], a, pieces[1]) if p is not None], axis=axis)
    for _ in range(n):
        size = a.shape[axis]
        a = _slice(a, axis, 1, size) - _slice(a, axis, 0, size - 1)
    return a


def ediff1d(ary, to_end=None, to_begin=None):
    flat = ary.reshape(-1)
    parts = [diff(flat)] if flat.size > 1 else [zeros((0,), flat.dtype, ctx=flat.context)]
    for extra, at_end in ((to_begin, False), (to_end, True)):
        if extra is not None:
            extra = atleast_1d(extra if isinstance(extra, NDArray)
                               else array(extra, dtype=flat.dtype)).reshape(-1)
            parts = parts + [extra] if at_end else [extra] + parts
    return concatenate(parts)


def average(a, axis=None, weights=None, returned=False):
    """The (weighted) mean along ``axis``; with ``returned``, also the sum of weights."""
    if weights is None:
        mean = a.mean(axis=axis)
        total = full(mean.shape, a.size / builtins.max(mean.size, 1), mean.dtype,
                     ctx=a.context)
    else:
        if weights.shape != a.shape:
            if axis is None or weights.ndim != 1:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            shape_ = [1] * a.ndim
            shape_[_axis(axis, a.ndim)] = weights.size
            weights = broadcast_to(weights.reshape(tuple(shape_)), a.shape)
        total = weights.sum(axis=axis)
        mean = (a * weights).sum(axis=axis) / total
    return (mean, total) if returned else mean


def _interpolated(a, q, axis, interpolation, keepdims):
    """Order statistics at fractions ``q`` (a scalar or sequence in [0, 1]) of ``a``."""
    if axis is None:
        a, axis = a.reshape(-1), 0
    axis = _axis(axis, a.ndim)
    ordered = to_np(nd.sort(a, axis=axis))
    last = a.shape[axis] - 1
    results = []
    for fraction in _onp.atleast_1d(_onp.asarray(q, dtype=_onp.float64)):
        position = fraction * last
        low, high = int(_onp.floor(position)), int(_onp.ceil(position))
        if interpolation == "lower" or (interpolation == "nearest" and position - low < 0.5):
            high = low
        elif interpolation in ("higher", "nearest"):
            low = high
        elif interpolation not in ("linear", "midpoint"):
            raise ValueError(f"interpolation can only be 'linear', 'lower' 'higher', "
                             f"'midpoint', or 'nearest', not {interpolation!r}")
        lower = _slice(ordered, axis, low, low + 1)
        upper = _slice(ordered, axis, high, high + 1)
        weight = 0.5 if interpolation == "midpoint" and high != low else position - low
        value = lower + (upper - lower) * weight if high != low else lower
        results.append(value if keepdims else value.squeeze(axis=axis))
    return results[0] if _onp.ndim(q) == 0 else stack(results)


def percentile(a, q, axis=None, out=None, overwrite_input=None, interpolation="linear",
               keepdims=False):
    return _interpolated(a, _onp.asarray(q) / 100.0, axis, interpolation, keepdims)


def quantile(a, q, axis=None, out=None, overwrite_input=None, interpolation="linear",
             keepdims=False):
    return _interpolated(a, q, axis, interpolation, keepdims)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, ctx=None):
    return power(base, linspace(start, stop, num, endpoint=endpoint, ctx=ctx)).astype(
        dtype or "float32")


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    """NaN as ``nan`` and infinities as ``posinf`` / ``neginf`` (default: the dtype's
    largest and smallest values); ``copy=False`` writes into ``x``."""
    if not _onp.issubdtype(x.dtype, _onp.floating):
        return x
    info = _onp.finfo(x.dtype)
    out = nd.where(x != x, full(x.shape, nan, x.dtype, ctx=x.context), x)
    out = nd.where(out == _onp.inf, full(x.shape, info.max if posinf is None else posinf,
                                         x.dtype, ctx=x.context), out)
    out = to_np(nd.where(out == -_onp.inf, full(
        x.shape, info.min if neginf is None else neginf, x.dtype, ctx=x.context), out))
    if not copy:
        x[...] = out
        return x
    return out


def copysign(x1, x2, out=None):
    """The magnitudes of ``x1`` with the signs of ``x2`` (as MXNet, an array's -0.0 counts
    as positive, a scalar's as negative)."""
    magnitude = _abs(x1)
    if isinstance(x2, numbers.Number):
        return magnitude * _onp.copysign(1.0, x2)
    return magnitude * (1 - 2 * (x2 < 0).astype(magnitude.dtype))


def isposinf(x, out=None):
    return x == _onp.inf


def isneginf(x, out=None):
    return x == -_onp.inf


def ldexp(x1, x2, out=None):
    return x1 * power(2.0, x2)


def resize(a, new_shape):
    """``a`` repeated (or cut) to fill ``new_shape``."""
    new_shape = (new_shape,) if isinstance(new_shape, numbers.Integral) else tuple(new_shape)
    size = _math.prod(new_shape)
    flat = a.reshape(-1)
    if flat.size == 0 or size == 0:
        return zeros(new_shape, a.dtype, ctx=a.context)
    repeated = to_np(nd.tile(flat, reps=(-(-size // flat.size),)))
    return _slice(repeated, 0, 0, size).reshape(new_shape)


def pad(x, pad_width, mode="constant", **kwargs):
    """``x`` padded by ``pad_width`` ((before, after) per axis, or one pair or int for
    all): with ``constant_values`` (mode 'constant') or the edge values (mode 'edge')."""
    if mode not in ("constant", "edge"):
        raise NotImplementedError(f"np.pad: mode {mode!r} is not supported ('constant' and "
                                  f"'edge' are)")
    widths = _onp.broadcast_to(_onp.asarray(pad_width, dtype=_onp.int64), (x.ndim, 2))
    value = kwargs.get("constant_values", 0)
    for axis, (before, after) in enumerate(widths.tolist()):
        parts = []
        for width, at in ((before, 0), (after, x.shape[axis] - 1)):
            if width == 0:
                parts.append(None)
                continue
            block = x.shape[:axis] + (width,) + x.shape[axis + 1:]
            if mode == "constant":
                parts.append(full(block, value, x.dtype, ctx=x.context))
            else:
                parts.append(broadcast_to(_slice(x, axis, at, at + 1), block))
        if parts[0] is not None or parts[1] is not None:
            x = concatenate([p for p in (parts[0], x, parts[1]) if p is not None], axis=axis)
    return x


def append(arr, values, axis=None):
    if axis is None:
        return concatenate([arr.reshape(-1), values.reshape(-1)])
    return concatenate([arr, values], axis=axis)


def broadcast_arrays(*args):
    target = _onp.broadcast_shapes(*(a.shape for a in args))
    return [a if a.shape == target else broadcast_to(a, target) for a in args]


def polyval(p, x):
    """The polynomial with coefficients ``p`` (highest power first) at ``x``."""
    result = x * 0
    for i in range(p.shape[0]):
        result = result * x + _slice(p, 0, i, i + 1).reshape(())
    return result


product = prod
sometrue, alltrue = _any, _all


def shares_memory(a, b, max_work=None):
    """Whether ``a`` and ``b`` are views of one array's memory with overlapping elements."""
    root_a = a if a._base is None else a._base
    root_b = b if b._base is None else b._base
    if root_a is not root_b:
        return False
    a_end, b_end = a._begin + a.size, b._begin + b.size
    return a.size > 0 and b.size > 0 and a._begin < b_end and b._begin < a_end


may_share_memory = shares_memory


def _window(function, M, dtype, ctx):
    return array(function(M), dtype=dtype or _onp.float32, ctx=ctx)


def hamming(M, dtype=None, ctx=None):
    return _window(_onp.hamming, M, dtype, ctx)


def hanning(M, dtype=None, ctx=None):
    return _window(_onp.hanning, M, dtype, ctx)


def blackman(M, dtype=None, ctx=None):
    return _window(_onp.blackman, M, dtype, ctx)


# value-dependent results, computed by NumPy as MXNet's are
unique, bincount, insert, delete = (host_function(getattr(_onp, name))
                                    for name in ("unique", "bincount", "insert", "delete"))


def histogram(a, bins=10, range=None, normed=None, weights=None, density=None):  # noqa: A002
    """Counts of ``a`` in ``bins`` (a number of equal bins over ``range``, or the edges),
    and the edges; as MXNet, a number of bins needs a ``range``."""
    if isinstance(bins, numbers.Integral) and range is None:
        raise NotImplementedError("automatic range is not supported yet...")
    counts, edges = nd.histogram(a, bins, range)
    return to_np(counts), to_np(edges)


def unravel_index(indices, shape, order="C"):
    host = indices.asnumpy().astype(_onp.int64) if isinstance(indices, NDArray) else indices
    ctx = indices.context if isinstance(indices, NDArray) else None
    return tuple(array(_onp.asarray(i), dtype=_onp.int64, ctx=ctx)
                 for i in _onp.unravel_index(host, shape, order))


def diag_indices_from(arr):
    return tuple(array(i, dtype=_onp.int64, ctx=arr.context)
                 for i in _onp.diag_indices(arr.shape[0], arr.ndim))


def indices(dimensions, dtype=_onp.int32, ctx=None):
    grid = _onp.indices(tuple(dimensions), dtype=dtype)
    return array(grid, dtype=grid.dtype, ctx=ctx)


# mx.np.ndarray's methods for functions of this module (multiarray, which defines the
# class, cannot import them)
ndarray.nonzero, ndarray.take = _method(nonzero), _method(take)

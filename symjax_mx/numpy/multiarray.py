"""``mx.np.ndarray``: an NDArray with NumPy semantics (0-d results, full reductions of
shape ``()``, NumPy's names and signatures), and the creation and math functions that
return it. Every function runs a registry operator, so results record on the autograd
tape and hybridized blocks see the same operators."""
import builtins
import math as _math
import numbers

import numpy as _onp

from .. import ndarray as nd
from ..base import MXNetError, check_c_order
from ..ndarray import NDArray
from ..ndarray.ndarray import NUMPY_ARRAY_CLASS
from ..ops import get_op
from ..ops.fluent import FLUENT
from ..ops.methods import COMPARISONS
from ..util import is_np_array

__all__ = ["ndarray", "array", "asarray", "zeros", "ones", "full", "empty", "arange",
           "linspace", "eye", "zeros_like", "ones_like", "full_like", "concatenate", "stack",
           "split", "array_split", "reshape", "transpose", "expand_dims", "squeeze", "swapaxes",
           "sum", "mean", "max", "min", "prod", "argmax", "argmin", "dot", "matmul", "add",
           "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum",
           "where", "clip", "exp", "log", "sqrt", "square", "abs", "absolute", "tanh", "sin",
           "cos", "negative", "sign", "floor", "ceil", "equal", "not_equal", "greater",
           "greater_equal", "less", "less_equal"]

_NP_RESHAPE = get_op("_np_reshape")


def to_np(value):
    """Give fresh operator results (an NDArray or a list of them) NumPy semantics."""
    if isinstance(value, (list, tuple)):
        return [to_np(v) for v in value]
    if isinstance(value, NDArray) and not isinstance(value, ndarray):
        value.__class__ = ndarray
    return value


def to_np_if_on(value):
    """``to_np(value)`` while NumPy array semantics are on (``npx.set_np()``), where MXNet
    makes ``mx.np`` arrays of what it would otherwise make as NDArrays; else ``value``."""
    return to_np(value) if is_np_array() else value


def _full_reduction(value, axis, keepdims, ndim):
    """A reduction over every axis of an ``ndim``-d array is 0-d in NumPy (the legacy
    operators give shape (1,))."""
    axes = () if axis is None else (axis,) if isinstance(axis, numbers.Integral) else axis
    if not keepdims and value.shape == (1,) and (axis is None or len(set(
            int(a) % builtins.max(ndim, 1) for a in axes)) == ndim):
        return to_np(value).reshape(())
    return value


def _numpy_key(shape, key):
    """``key`` in the forms NDArray indexing takes, with NumPy's meaning: 0-d integer
    arrays become integers, a boolean mask the index arrays of its True positions over the
    axes it covers, and a scalar bool a new axis indexed by [0] (True) or [] (False).

    Returns (the shape to view the array as first, or None; the key). Masks are read to
    the host: which positions they select decides the result's shape.
    """
    items = [_numpy_item(k) for k in (key if isinstance(key, tuple) else (key,))]
    if not any(_is_mask(k) for k in items):
        return None, tuple(items) if isinstance(key, tuple) else items[0]
    used = builtins.sum(k.ndim if _is_mask(k) else 1
                        for k in items if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices for an array of shape {shape}")
    at = next((i for i, k in enumerate(items) if k is Ellipsis), len(items))
    items[at:at + 1] = [slice(None)] * (len(shape) - used)
    viewed, out, axis = [], [], 0
    for k in items:
        if not _is_mask(k):
            out.append(k)
            if k is not None:
                viewed.append(shape[axis])
                axis += 1
        elif k.ndim == 0:  # a new axis of length 1, of which it selects all or nothing
            out.append(_onp.zeros(int(k), _onp.int64))
            viewed.append(1)
        else:
            covered = shape[axis:axis + k.ndim]
            for dim, (size, mask_size) in enumerate(zip(covered, k.shape)):
                if size != mask_size:
                    raise IndexError(f"boolean index did not match indexed array along "
                                     f"dimension {axis + dim}; dimension is {size} but "
                                     f"corresponding boolean dimension is {mask_size}")
            out.extend(_onp.nonzero(k))
            viewed.extend(covered)
            axis += k.ndim
    return (tuple(viewed) if len(viewed) != len(shape) else None), tuple(out)


def _is_mask(item):
    """Whether an index item (after `_numpy_item`) is a boolean mask, 0-d ones included."""
    return isinstance(item, _onp.ndarray) and item.dtype == _onp.bool_


def _numpy_item(item):
    """One index item: a boolean NDArray, list or 0-d array as a numpy boolean array, a 0-d
    integer array as an int, a Python or numpy bool as a 0-d boolean array."""
    if isinstance(item, (bool, _onp.bool_)):
        return _onp.asarray(item)
    if isinstance(item, list):
        try:
            candidate = _onp.asarray(item)
        except ValueError:  # ragged lists index as they are
            return item
        return candidate if candidate.dtype == _onp.bool_ else item
    dtype = getattr(item, "dtype", None)
    if dtype is None or not hasattr(item, "ndim"):
        return item
    if _onp.dtype(dtype) == _onp.bool_:
        return _onp.asarray(item.asnumpy() if hasattr(item, "asnumpy") else item)
    if item.ndim == 0 and _onp.dtype(dtype).kind in "iu":
        return int(item.item())
    return item


_PROMOTING = frozenset(("add", "sub", "mul", "div", "power"))


def _common_dtype(a, b):
    """MXNet's mx.np promotion: an integer and a float give the float, two integers or
    two floats the wider (int64 with float32 gives float32, where NumPy gives float64)."""
    a, b = _onp.dtype(a), _onp.dtype(b)
    a_float, b_float = a.kind == "f", b.kind == "f"
    if a_float != b_float:
        return a if a_float else b
    return _onp.promote_types(a, b)


class ndarray(NDArray):  # noqa: N801  (NumPy's name)
    """An array with NumPy semantics; shares the NDArray machinery (context, autograd,
    views, in-place updates)."""

    __slots__ = ()

    def _binary(self, other, key, reflected=False):
        """Comparisons give booleans, as NumPy's (the legacy operators give 0/1 in the
        operands' dtype); arithmetic on two dtypes computes in their common one."""
        if key == "div" and self.dtype.kind in "iub" and (
                isinstance(other, numbers.Number) or isinstance(other, NDArray)
                and _onp.dtype(other.dtype).kind in "iub"):  # true division: float32
            other = other.astype(_onp.float32) if isinstance(other, NDArray) else other
            return ndarray._binary(self.astype(_onp.float32), other, key, reflected)
        if key in _PROMOTING and isinstance(other, NDArray) and other.dtype != self.dtype:
            common = _common_dtype(self.dtype, other.dtype)
            self_, other = self.astype(common, copy=False), other.astype(common, copy=False)
            return ndarray._binary(to_np(self_), other, key, reflected)
        out = super()._binary(other, key, reflected)
        return out.astype(_onp.bool_) if key in COMPARISONS and out is not NotImplemented \
            else out

    def _apply(self, op, inputs, params, hint=None):
        return to_np(super()._apply(op, inputs, params, hint))

    def __str__(self):
        return str(self.asnumpy())

    def __format__(self, format_spec):
        """A 0-d array formats as its element; others only with an empty format spec."""
        if self.ndim == 0:
            return format(self.item(), format_spec)
        if format_spec:
            raise TypeError("Cannot format mxnet.numpy.ndarray with format_spec")
        return format(str(self), format_spec)

    def __repr__(self):
        body = repr(self.asnumpy())
        if self.context.device_type != "cpu":
            body = body[:-1] + f", ctx={self.context})"
        return body

    def __getitem__(self, key):
        viewed, key = _numpy_key(self.shape, key)
        if viewed is not None:  # scalar bools: first a view with their new axes
            return to_np(self.reshape(viewed)[key])
        if isinstance(key, numbers.Integral) and self.ndim == 1:
            return to_np(super().__getitem__(slice(key, key + 1 or None))).reshape(())
        if isinstance(key, tuple) and len(key) == self.ndim and all(
                isinstance(k, numbers.Integral) for k in key):  # one element: 0-d
            return to_np(super().__getitem__(key)).reshape(())
        return to_np(super().__getitem__(key))

    def __setitem__(self, key, value):
        viewed, key = _numpy_key(self.shape, key)
        if viewed is None:
            super().__setitem__(key, value)
        elif self.size:  # an empty array has nothing to write
            NDArray.reshape(self, viewed)[key] = value

    @property
    def grad(self):
        return to_np(super().grad)

    def as_nd_ndarray(self):
        """The same memory as a legacy NDArray."""
        out = self.reshape(self.shape)
        out.__class__ = NDArray
        return out

    def as_np_ndarray(self):
        return self

    @property
    def dtype(self):
        """A NumPy dtype object, as NumPy's arrays have (the legacy NDArray's is the scalar
        type)."""
        return self._root_buffer().dtype

    def __float__(self):
        return float(self._scalar())

    def __int__(self):
        return int(self._scalar())

    def _scalar(self):
        if self.size != 1:
            raise TypeError("only size-1 arrays can be converted to Python scalars")
        return self.asnumpy().item()

    def item(self):
        """The one element as a Python scalar."""
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.asnumpy().item()

    def tolist(self):
        return self.asnumpy().tolist()

    def reshape(self, *shape, order="C"):
        """NumPy's reshape (one -1 inferred, ``()`` for a 0-d array): a view, or for a
        0-d target a copy."""
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = shape[0]
        shape = tuple(int(s) for s in shape)
        if -1 not in shape and _math.prod(shape) != self.size:
            raise MXNetError(f"cannot reshape array of shape {self.shape} into {shape}")
        if shape and -1 not in shape and 0 not in shape:
            return to_np(super().reshape(shape))
        return to_np(self._apply(_NP_RESHAPE, (self,), {"newshape": shape, "order": order}))

    def sum(self, axis=None, dtype=None, keepdims=False):
        return sum(self, axis, dtype, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, keepdims=False):
        return mean(self, axis, dtype, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return max(self, axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return min(self, axis, keepdims=keepdims)

    def prod(self, axis=None, keepdims=False):
        return prod(self, axis, keepdims=keepdims)

    def squeeze(self, axis=None):
        return squeeze(self, axis)

    def clip(self, min=None, max=None):  # noqa: A002  (NumPy's names)
        return clip(self, min, max)

    def transpose(self, *axes):
        """The axes permuted (reversed without ``axes``; given as one tuple or as
        arguments)."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return transpose(self, tuple(axes) if axes else None)

    def astype(self, dtype, copy=True):
        return to_np(super().astype(dtype, copy=copy))

    def copy(self, order="C"):
        check_c_order("copy", order)
        return to_np(super().copy())

    def copyto(self, other):
        out = super().copyto(other)
        return out if isinstance(other, NDArray) else to_np(out)

    def detach(self):
        return to_np(super().detach())

    def as_in_context(self, context):
        return to_np(super().as_in_context(context))

    as_in_ctx = as_in_context

    @property
    def T(self):
        return self if self.ndim < 2 else self.transpose()

    def __matmul__(self, other):
        return matmul(self, other)

    def dot(self, b):
        return dot(self, b)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def argmax(self, axis=None):
        return argmax(self, axis)

    def argsort(self, axis=-1):
        """The indices that sort along ``axis``, in int64."""
        return to_np(nd.argsort(self, axis=axis, dtype="int64"))

    def round(self, decimals=0):
        """Rounded to ``decimals`` places, halves to even (NumPy's)."""
        return to_np(self._apply(get_op("_npi_around"), (self,), {"decimals": decimals}))

    def argmin(self, axis=None):
        return argmin(self, axis)

    def flatten(self, order="C"):
        """A 1-D copy (NumPy's flatten; the legacy one keeps the first axis)."""
        return self.reshape(-1).copy()


NUMPY_ARRAY_CLASS.append(ndarray)


def _numpy_fluent(name):
    """The legacy fluent method ``name`` returning an mx.np array."""
    legacy = getattr(NDArray, name)

    def method(self, *args, **kwargs):
        return to_np(legacy(self, *args, **kwargs))
    method.__name__ = name
    method.__doc__ = legacy.__doc__
    return method


for _name in FLUENT:
    if hasattr(NDArray, _name) and _name not in vars(ndarray):
        setattr(ndarray, _name, _numpy_fluent(_name))


# ---- creation --------------------------------------------------------------------------

def array(object, dtype=None, ctx=None):  # noqa: A002  (NumPy's argument name)
    """An mx.np.ndarray from array-like ``object`` (a NumPy source keeps its dtype, as in
    NumPy; Python floats give float32, MXNet's default)."""
    if dtype is None and isinstance(object, _onp.ndarray) and object.dtype != _onp.float64:
        dtype = object.dtype
    if dtype is None and isinstance(object, NDArray):
        dtype = object.dtype
    return to_np(nd.array(object, ctx=ctx, dtype=dtype))


def asarray(obj, dtype=None, ctx=None):
    return obj if isinstance(obj, ndarray) and dtype in (None, obj.dtype) else array(obj, dtype,
                                                                                      ctx)


def _shape(shape):
    return (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)


def zeros(shape, dtype="float32", order="C", ctx=None):
    check_c_order("zeros", order)
    return to_np(nd.zeros(_shape(shape), ctx=ctx, dtype=dtype or "float32"))


def ones(shape, dtype="float32", order="C", ctx=None):
    check_c_order("ones", order)
    return to_np(nd.ones(_shape(shape), ctx=ctx, dtype=dtype or "float32"))


def full(shape, fill_value, dtype=None, order="C", ctx=None):
    check_c_order("full", order)
    return to_np(nd.full(_shape(shape), fill_value, ctx=ctx, dtype=dtype or "float32"))


def empty(shape, dtype="float32", order="C", ctx=None):
    check_c_order("empty", order)
    return zeros(shape, dtype, order, ctx)


def zeros_like(a, dtype=None):
    return zeros(a.shape, dtype or a.dtype, ctx=a.context)


def ones_like(a, dtype=None):
    return ones(a.shape, dtype or a.dtype, ctx=a.context)


def full_like(a, fill_value, dtype=None):
    return full(a.shape, fill_value, dtype or a.dtype, ctx=a.context)


def arange(start, stop=None, step=1, dtype="float32", ctx=None):
    if stop is None:
        start, stop = 0, start
    return to_np(nd.arange(start, stop, step, ctx=ctx, dtype=dtype or "float32"))


def linspace(start, stop, num=50, endpoint=True, dtype="float32", ctx=None):
    return to_np(nd.linspace(start, stop, num, endpoint=endpoint, ctx=ctx,
                           dtype=dtype or "float32"))


def eye(N, M=None, k=0, dtype="float32", ctx=None):  # noqa: N803  (NumPy's names)
    return to_np(nd.eye(N, M or 0, k, ctx=ctx, dtype=dtype or "float32"))


# ---- shape manipulation --------------------------------------------------------------

def concatenate(seq, axis=0):
    """Join arrays along an existing axis (``axis=None`` flattens them first)."""
    if axis is None:
        seq, axis = [a.reshape(-1) for a in seq], 0
    return to_np(nd.concat(*seq, dim=axis))


def stack(arrays, axis=0):
    return to_np(nd.stack(*arrays, axis=axis))


def _split_points(size, sections, even):
    """Start offsets of the pieces of ``size`` items (NumPy's split rules)."""
    if not isinstance(sections, numbers.Integral):
        return [0] + [int(i) for i in sections]
    if even and size % sections:
        raise ValueError("array split does not result in an equal division")
    each, extra = divmod(size, sections)
    return [i * each + builtins.min(i, extra) for i in range(sections)]


def _split(ary, sections, axis, even):
    size = ary.shape[axis]
    starts = _split_points(size, sections, even)
    ends = starts[1:] + [size]
    skip = (None,) * (axis % ary.ndim)
    pieces = []
    for begin, end in zip(starts, ends):
        begin, end, _ = slice(begin, end).indices(size)  # NumPy's slice of each piece
        end = builtins.max(begin, end)  # an empty piece where the indices decrease
        pieces.append(to_np(nd.slice(ary, begin=skip + (begin,), end=skip + (end,))))
    return pieces


def split(ary, indices_or_sections, axis=0):
    """Equal pieces (a number of sections) or pieces between indices."""
    return _split(ary, indices_or_sections, axis, even=True)


def array_split(ary, indices_or_sections, axis=0):
    """As `split`, but the first pieces are one longer when the size does not divide."""
    return _split(ary, indices_or_sections, axis, even=False)


def reshape(a, newshape, order="C"):
    return asarray(a).reshape(newshape)


def transpose(a, axes=None):
    return to_np(nd.transpose(a, axes=() if axes is None else tuple(axes)))


def swapaxes(a, axis1, axis2):
    return to_np(nd.swapaxes(a, dim1=axis1, dim2=axis2))


def expand_dims(a, axis):
    return to_np(nd.expand_dims(a, axis=axis))


def squeeze(a, axis=None):
    axes = range(a.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    axes = {i % a.ndim for i in axes}
    return asarray(a).reshape(tuple(s for i, s in enumerate(a.shape) if i not in axes or s != 1))


# ---- reductions ----------------------------------------------------------------------

def _reduce(op_name, a, axis, dtype, keepdims):
    return to_np(getattr(nd._internal, op_name)(a, axis=axis, dtype=dtype, keepdims=keepdims))


def sum(a, axis=None, dtype=None, out=None, keepdims=False):  # noqa: A001
    return _reduce("_np_sum", a, axis, dtype, keepdims)


def mean(a, axis=None, dtype=None, out=None, keepdims=False):
    return _reduce("_npi_mean", a, axis, dtype, keepdims)


def max(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _reduce("_np_max", a, axis, None, keepdims)


def min(a, axis=None, out=None, keepdims=False):  # noqa: A001
    return _reduce("_np_min", a, axis, None, keepdims)


def prod(a, axis=None, dtype=None, out=None, keepdims=False):
    return _reduce("_np_prod", a, axis, dtype, keepdims)


def argmax(a, axis=None):
    if axis is None:
        a, axis = a.reshape(-1), 0
    return to_np(_full_reduction(nd.argmax(a, axis=axis), axis, False, a.ndim)).astype(
        "int64")


def argmin(a, axis=None):
    if axis is None:
        a, axis = a.reshape(-1), 0
    return to_np(_full_reduction(nd.argmin(a, axis=axis), axis, False, a.ndim)).astype(
        "int64")


def dot(a, b):
    """NumPy's dot: a 1-d by 1-d product is 0-d."""
    out = to_np(nd.dot(a, b))
    return out.reshape(()) if a.ndim == 1 and b.ndim == 1 else out


def matmul(a, b):
    if a.ndim <= 2 and b.ndim <= 2:
        return dot(a, b)
    return to_np(nd.batch_dot(a, b))


# ---- element-wise ----------------------------------------------------------------------

def _binary(name):
    def fn(x1, x2, out=None):
        result = to_np(getattr(nd, name)(x1, x2))
        return result.astype(_onp.bool_) if name in COMPARISONS else result
    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name}, broadcasting; either side may be a scalar."
    return fn


add, subtract, multiply, divide, power = (_binary(n) for n in (
    "add", "subtract", "multiply", "divide", "power"))
maximum, minimum, equal, not_equal = (_binary(n) for n in (
    "maximum", "minimum", "equal", "not_equal"))
greater, greater_equal, less, less_equal = (_binary(n) for n in (
    "greater", "greater_equal", "lesser", "lesser_equal"))
true_divide = divide


def _unary(name):
    def fn(x, out=None):
        return to_np(getattr(nd, name)(x))
    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name}."
    return fn


exp, log, sqrt, square, abs, tanh = (_unary(n) for n in (  # noqa: A001
    "exp", "log", "sqrt", "square", "abs", "tanh"))
sin, cos, negative, sign, floor, ceil = (_unary(n) for n in (
    "sin", "cos", "negative", "sign", "floor", "ceil"))
absolute = abs


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (arrays or scalars,
    broadcast together); with only ``condition``, the indices of its nonzero elements."""
    if x is None and y is None:
        return tuple(array(i, dtype=_onp.int64, ctx=condition.context)
                     for i in _onp.nonzero(condition.asnumpy()))
    arrays = [a for a in (condition, x, y) if isinstance(a, NDArray)]
    shape = _onp.broadcast_shapes(*(a.shape for a in arrays))
    ctx = arrays[0].context
    values = [a.dtype for a in (x, y) if isinstance(a, NDArray)]
    dtype = (_common_dtype(*values) if len(values) == 2 else values[0]) if values \
        else _onp.float32

    def filled(value, value_dtype):
        if isinstance(value, NDArray):
            if value.shape == shape:
                return value
            leading = (1,) * (len(shape) - value.ndim)
            return nd.broadcast_to(value.reshape(leading + value.shape), shape=shape)
        return nd.full(shape, value, ctx=ctx, dtype=value_dtype)
    return to_np(nd.where(filled(condition, _onp.float32), filled(x, dtype).astype(dtype),
                          filled(y, dtype).astype(dtype)))


def clip(a, a_min, a_max, out=None):
    """``a`` limited to [a_min, a_max]; either bound may be None."""
    if a_min is None and a_max is None:
        raise ValueError("One of max or min must be given")
    if a_min is None:
        return to_np(nd.minimum(a, a_max))
    if a_max is None:
        return to_np(nd.maximum(a, a_min))
    return to_np(nd.clip(a, a_min, a_max))

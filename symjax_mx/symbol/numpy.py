"""``mx.sym.np``: ``mx.np``'s common functions on Symbols, what a hybridized block's
``hybrid_forward`` gets as ``F.np`` under NumPy semantics (the same registry operators as
the eager ``mx.np``). Two Symbols broadcast against each other, and comparisons give
booleans. A reduction over every axis is 0-d, as MXNet's NumPy operators make it."""
import operator as _operator

import numpy as _onp

from ..base import check_c_order
from ..context import current_context
from ..ops import get_op
from ..ops.methods import UFUNCS
from .creation import arange
from .numpy_extension import operator
from .register import op_function
from .symbol import Symbol, _Symbol  # noqa: F401  (mx.sym.np._Symbol)

_UNARY = ("exp", "log", "sqrt", "square", "abs", "tanh", "sin", "cos", "tan", "sign", "floor",
          "ceil", "negative", "log1p", "expm1", "log2", "log10", "arcsin", "arccos", "arctan",
          "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "reciprocal", "rint", "trunc",
          "fix", "cbrt", "degrees", "radians")

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "power", "maximum",
           "minimum", "mod", "equal", "not_equal", "greater", "greater_equal", "less",
           "less_equal", "sum", "mean", "max", "min", "prod", "argmax", "argmin", "dot",
           "reshape", "transpose", "expand_dims", "squeeze", "concatenate", "stack", "split",
           "hsplit", "vsplit",
           "where", "clip", "zeros", "ones", "full", "identity", "eye", "zeros_like",
           "ones_like", "arange",
           "tile", "repeat", "flip", "swapaxes", "broadcast_to", "cumsum", "around", "round",
           "arctan2", "absolute", *_UNARY]


def _unary(name):
    def fn(x, out=None):
        return operator(name)(x)
    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name} of a Symbol."
    return fn


globals().update({name: _unary(name) for name in _UNARY})
absolute = abs  # noqa: F821  (made above)


def _binary(name, broadcast, with_scalar, boolean=False):
    def fn(x1, x2, out=None):
        if isinstance(x1, Symbol) and isinstance(x2, Symbol):
            result = operator(broadcast)(x1, x2)
        else:
            result = with_scalar(x1, x2)
        return operator("Cast")(result, dtype="bool") if boolean else result
    fn.__name__ = name
    fn.__doc__ = f"Element-wise {name}, broadcasting; either side may be a scalar."
    return fn


add = _binary("add", "broadcast_add", _operator.add)
subtract = _binary("subtract", "broadcast_sub", _operator.sub)
multiply = _binary("multiply", "broadcast_mul", _operator.mul)
divide = true_divide = _binary("divide", "broadcast_div", _operator.truediv)
power = _binary("power", "broadcast_power", _operator.pow)
mod = _binary("mod", "broadcast_mod", _operator.mod)
maximum = _binary("maximum", "broadcast_maximum", UFUNCS["maximum"])
minimum = _binary("minimum", "broadcast_minimum", UFUNCS["minimum"])
equal = _binary("equal", "broadcast_equal", _operator.eq, True)
not_equal = _binary("not_equal", "broadcast_not_equal", _operator.ne, True)
greater = _binary("greater", "broadcast_greater", _operator.gt, True)
greater_equal = _binary("greater_equal", "broadcast_greater_equal", _operator.ge, True)
less = _binary("less", "broadcast_lesser", _operator.lt, True)
less_equal = _binary("less_equal", "broadcast_lesser_equal", _operator.le, True)


def _reduction(name, op_name):
    """mx.sym.np's ``name``: the node named ``name0``..., its attributes those given (the
    mean's keepdims always), as MXNet writes them."""
    function = op_function(get_op(op_name), name)

    def fn(a, axis=None, dtype=None, out=None, keepdims=False):
        given = {"axis": axis, "dtype": dtype,
                 "keepdims": keepdims if keepdims or name == "mean" else None}
        return function(a, **{k: v for k, v in given.items() if v is not None})
    fn.__name__ = name
    fn.__doc__ = f"The {name} along ``axis`` (every axis for None) of a Symbol."
    return fn


sum, mean, max, min, prod = (_reduction(n, op) for n, op in (  # noqa: A001  (NumPy's names)
    ("sum", "_np_sum"), ("mean", "_npi_mean"), ("max", "_np_max"), ("min", "_np_min"),
    ("prod", "_np_prod")))


def _arg_extreme(name):
    def fn(a, axis=None, out=None):
        whole = axis is None
        if whole:
            a, axis = reshape(a, (-1,)), 0
        result = operator("Cast")(operator(name)(a, axis=axis), dtype="int64")
        return operator("_np_reshape")(result, newshape=()) if whole else result
    fn.__name__ = name
    return fn


argmax, argmin = _arg_extreme("argmax"), _arg_extreme("argmin")


def dot(a, b, out=None):
    return operator("dot")(a, b)


def reshape(a, newshape, order="C"):
    return operator("_np_reshape")(a, newshape=(newshape,) if isinstance(newshape, int)
                                   else tuple(newshape), order=order)


def transpose(a, axes=None):
    return operator("transpose")(a, axes=() if axes is None else tuple(axes))


def expand_dims(a, axis):
    return operator("expand_dims")(a, axis=axis)


def squeeze(a, axis=None):
    return operator("squeeze")(a, axis=axis)


def concatenate(seq, axis=0, out=None):
    return operator("Concat")(*seq, dim=axis, num_args=len(seq))


def stack(arrays, axis=0, out=None):
    return operator("stack")(*arrays, axis=axis, num_args=len(arrays))


def split(ary, indices_or_sections, axis=0):
    """``indices_or_sections`` equal pieces along ``axis`` (a list of Symbols)."""
    if not isinstance(indices_or_sections, int):
        raise NotImplementedError("mx.sym.np.split: only a number of equal sections is "
                                  "supported on Symbols")
    pieces = operator("SliceChannel")(ary, num_outputs=indices_or_sections, axis=axis)
    return list(pieces)


def hsplit(ary, indices_or_sections):
    """``indices_or_sections`` equal pieces along axis 1 (axis 0 of a 1-d Symbol)."""
    if not isinstance(indices_or_sections, int):
        raise NotImplementedError("mx.sym.np.hsplit: only a number of equal sections is "
                                  "supported on Symbols")
    return list(operator("_npi_hsplit")(ary, sections=indices_or_sections, axis=1))


def vsplit(ary, indices_or_sections):
    """``indices_or_sections`` equal pieces along axis 0."""
    return split(ary, indices_or_sections, axis=0)


def where(condition, x, y):
    """Elements of ``x`` where ``condition`` holds, else of ``y`` (Symbols of one shape)."""
    return operator("where")(condition, x, y)


def clip(a, a_min, a_max, out=None):
    if a_min is None:
        return UFUNCS["minimum"](a, a_max)
    if a_max is None:
        return UFUNCS["maximum"](a, a_min)
    return operator("clip")(a, a_min=a_min, a_max=a_max)


def _created(op_name, hint, ctx, dtype, **params):
    """A NumPy-semantics node of creation operator ``op_name`` (named ``hint0``...): the
    context's string and the dtype (float32 for None) recorded as MXNet does."""
    dtype = _onp.float32 if dtype is None else dtype
    function = op_function(get_op(op_name), hint)
    return function(ctx=current_context() if ctx is None else ctx, dtype=dtype,
                    **params).as_np_ndarray()


def zeros(shape, dtype=_onp.float32, order="C", ctx=None):
    """A Symbol of zeros of ``shape`` (``()`` is 0-d, a 0 size is empty)."""
    check_c_order("zeros", order)
    return _created("_npi_zeros", "zeros", ctx, dtype, shape=shape)


def ones(shape, dtype=_onp.float32, order="C", ctx=None):
    """A Symbol of ones of ``shape``."""
    check_c_order("ones", order)
    return _created("_npi_ones", "ones", ctx, dtype, shape=shape)


def full(shape, fill_value, dtype=None, order="C", ctx=None, out=None):
    """A Symbol of ``shape`` filled with ``fill_value`` (a Symbol is broadcast to it)."""
    check_c_order("full", order)
    if isinstance(fill_value, Symbol):
        result = broadcast_to(fill_value, shape)
        return result if dtype is None else result.astype(dtype)
    if isinstance(fill_value, bool):
        fill_value, dtype = int(fill_value), _onp.bool_ if dtype is None else dtype
    return _created("_npi_full", "full", ctx, dtype, shape=shape, value=fill_value)


def identity(n, dtype=None, ctx=None):
    """The ``n`` x ``n`` identity matrix as a Symbol."""
    if not isinstance(n, int):
        raise TypeError("Input 'n' should be an integer")
    if n < 0:
        raise ValueError("Input 'n' cannot be negative")
    return _created("_npi_identity", "identity", ctx, dtype, shape=(n, n))


def eye(N, M=None, k=0, dtype=_onp.float32, **kwargs):  # noqa: N803  (NumPy's names)
    """An ``N`` x ``M`` Symbol with ones on diagonal ``k``, zeros elsewhere."""
    return _created("_npi_eye", "eye", kwargs.pop("ctx", None), dtype, N=N, M=M, k=k,
                    **kwargs)


def zeros_like(a, dtype=None):
    return operator("zeros_like")(a)


def ones_like(a, dtype=None):
    return operator("ones_like")(a)


def tile(A, reps):  # noqa: N803  (NumPy's name)
    return operator("tile")(A, reps=(reps,) if isinstance(reps, int) else tuple(reps))


def repeat(a, repeats, axis=None):
    return operator("repeat")(a, repeats=repeats, axis=axis)


def flip(m, axis=None):
    return operator("reverse")(m, axis=axis)


def swapaxes(a, axis1, axis2):
    return operator("SwapAxis")(a, dim1=axis1, dim2=axis2)


def broadcast_to(array, shape):  # noqa: A002  (NumPy's name)
    return operator("broadcast_to")(array, shape=tuple(shape))


def cumsum(a, axis=None, dtype=None, out=None):
    return operator("_np_cumsum")(a, axis=axis, dtype=dtype)


def around(a, decimals=0, out=None):
    return operator("_npi_around")(a, decimals=decimals)


round = around  # noqa: A001  (NumPy's name)


def arctan2(x1, x2, out=None):
    return operator("_npi_arctan2")(x1, x2)


"""mx.nd.<Name> functions for every registry operator, and MXNet's scalar-or-array ufuncs."""
import operator

from ..base import MXNetError
from ..context import as_context
from ..ops.describe import docstring, signature
from ..ops.methods import apply_binary
from ..ops.registry import resolve_inputs, split_call
from .ndarray import NDArray, invoke


def _inputs(op, args, kwargs):
    """(inputs in order, parsed params) of an imperative call; every input must be given."""
    _, params, given = resolve_inputs(op, *split_call(op, args, kwargs, NDArray))
    names = op.arg_names(params)
    if any(name not in given for name in names):
        raise MXNetError(f"operator {op.name} takes {len(names)} inputs {list(names)}, "
                         f"got {len(given)}")
    return tuple(given[name] for name in names), params


def op_function(op, public_name):
    def fn(*args, out=None, name=None, ctx=None, **kwargs):
        inputs, params = _inputs(op, args, kwargs)
        placement = as_context(ctx if ctx is not None else params.get("ctx") or None)
        return invoke(op, inputs, params, out=out, ctx=placement)
    fn.__name__ = fn.__qualname__ = public_name
    fn.__doc__ = docstring(op, "ndarray")
    fn.__signature__ = signature(op, "ndarray")
    return fn


def _ufunc(key, scalar_fn, doc):
    def fn(lhs, rhs):
        return apply_binary(lhs, rhs, key, scalar_fn)
    fn.__name__ = key
    fn.__doc__ = doc
    return fn


def _truth(fn):
    return lambda lhs, rhs: float(fn(lhs, rhs))


UFUNCS = {
    "add": _ufunc("add", operator.add, "lhs + rhs, broadcasting; either may be a scalar."),
    "subtract": _ufunc("sub", operator.sub, "lhs - rhs, broadcasting; either may be a scalar."),
    "multiply": _ufunc("mul", operator.mul, "lhs * rhs, broadcasting; either may be a scalar."),
    "divide": _ufunc("div", operator.truediv, "lhs / rhs, broadcasting; either may be a scalar."),
    "true_divide": _ufunc("div", operator.truediv, "lhs / rhs; either may be a scalar."),
    "modulo": _ufunc("mod", operator.mod, "lhs % rhs, broadcasting; either may be a scalar."),
    "power": _ufunc("power", operator.pow, "lhs ** rhs, broadcasting; either may be a scalar."),
    "maximum": _ufunc("maximum", max, "Element-wise maximum; either may be a scalar."),
    "minimum": _ufunc("minimum", min, "Element-wise minimum; either may be a scalar."),
    "hypot": _ufunc("hypot", lambda a, b: (a * a + b * b) ** 0.5, "sqrt(lhs**2 + rhs**2)."),
    "equal": _ufunc("equal", _truth(operator.eq), "1 where lhs == rhs, else 0."),
    "not_equal": _ufunc("not_equal", _truth(operator.ne), "1 where lhs != rhs, else 0."),
    "greater": _ufunc("greater", _truth(operator.gt), "1 where lhs > rhs, else 0."),
    "greater_equal": _ufunc("greater_equal", _truth(operator.ge), "1 where lhs >= rhs, else 0."),
    "lesser": _ufunc("lesser", _truth(operator.lt), "1 where lhs < rhs, else 0."),
    "lesser_equal": _ufunc("lesser_equal", _truth(operator.le), "1 where lhs <= rhs, else 0."),
    "logical_and": _ufunc("logical_and", _truth(lambda a, b: a and b), "1 where both are nonzero."),
    "logical_or": _ufunc("logical_or", _truth(lambda a, b: a or b), "1 where either is nonzero."),
    "logical_xor": _ufunc("logical_xor", _truth(lambda a, b: bool(a) != bool(b)),
                          "1 where exactly one is nonzero."),
}

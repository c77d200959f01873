"""mx.nd.<Name> functions for every registry operator, and MXNet's scalar-or-array ufuncs."""
import operator

from ..base import MXNetError
from ..context import as_context
from ..ops.methods import apply_binary
from .ndarray import NDArray, invoke


def _split_arguments(op, args, kwargs):
    """(inputs, raw params) from an imperative call's positional and keyword arguments."""
    inputs = [a for a in args if isinstance(a, NDArray)]
    extra = list(args[len(inputs):])
    if any(isinstance(a, NDArray) for a in extra):
        raise MXNetError(f"operator {op.name}: array inputs must come before parameters")
    param_names = list(op.params)
    if len(extra) > len(param_names):
        raise MXNetError(f"operator {op.name}: too many positional arguments")
    params = dict(zip(param_names, extra))
    named_inputs = {k: v for k, v in kwargs.items() if isinstance(v, NDArray)}
    params.update({k: v for k, v in kwargs.items() if k not in named_inputs})
    if "num_args" in op.params and "num_args" not in params:
        params["num_args"] = len(inputs) + len(named_inputs)
    parsed = op.parse_params(params)
    names = op.arg_names(parsed)
    for name in names[len(inputs):]:
        if name in named_inputs:
            inputs.append(named_inputs.pop(name))
    if named_inputs:
        raise MXNetError(f"operator {op.name} has no input named {sorted(named_inputs)[0]!r}; "
                         f"its inputs are {list(names)}")
    if len(inputs) != len(names):
        raise MXNetError(f"operator {op.name} takes {len(names)} inputs {list(names)}, "
                         f"got {len(inputs)}")
    return tuple(inputs), parsed


def op_function(op, public_name):
    def fn(*args, out=None, name=None, ctx=None, **kwargs):
        """``name`` is accepted as in MXNet and unused: imperative results have no names.
        ``ctx`` places the result of an operator without array inputs."""
        inputs, params = _split_arguments(op, args, kwargs)
        placement = as_context(ctx if ctx is not None else params.get("ctx") or None)
        return invoke(op, inputs, params, out=out, ctx=placement)
    fn.__name__ = public_name
    fn.__doc__ = op.doc
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

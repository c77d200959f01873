"""Element-wise operators: binary (same-shape, broadcast, scalar, reflected scalar) and unary.

MXNet's rules, which differ from NumPy's: results keep the input dtype (comparisons
give 0/1 in that dtype), a scalar operand is first cast to the array's dtype
(``int32_array * 1.5`` multiplies by 1), integer division truncates toward zero and
``%`` is floored.
"""
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, simple_compute, _same_dtype_rule


def _divide(lhs, rhs):
    if jnp.issubdtype(lhs.dtype, jnp.integer):
        return lax.div(lhs, rhs)  # C semantics: truncate toward zero
    return lhs / rhs


def _power(lhs, rhs):
    return jnp.power(lhs, rhs.astype(lhs.dtype))


def _logical(fn):
    return lambda lhs, rhs: fn(lhs != 0, rhs != 0)


# name -> (fn(lhs, rhs), same-shape names, broadcast names, scalar names, reflected names,
#          whether the result is a 0/1 truth value)
BINARY = {
    "add": (jnp.add, ("elemwise_add", "_add", "_plus", "_Plus"),
            ("broadcast_add", "broadcast_plus"), ("_plus_scalar", "_PlusScalar"), None, False),
    "sub": (jnp.subtract, ("elemwise_sub", "_sub", "_minus", "_Minus"),
            ("broadcast_sub", "broadcast_minus"), ("_minus_scalar", "_MinusScalar"),
            ("_rminus_scalar", "_RMinusScalar"), False),
    "mul": (jnp.multiply, ("elemwise_mul", "_mul", "_Mul"), ("broadcast_mul",),
            ("_mul_scalar", "_MulScalar"), None, False),
    "div": (_divide, ("elemwise_div", "_div", "_Div"), ("broadcast_div",),
            ("_div_scalar", "_DivScalar"), ("_rdiv_scalar", "_RDivScalar"), False),
    "mod": (jnp.remainder, ("_mod", "_Mod"), ("broadcast_mod",), ("_mod_scalar", "_ModScalar"),
            ("_rmod_scalar", "_RModScalar"), False),
    "power": (_power, ("_power", "_Power"), ("broadcast_power",),
              ("_power_scalar", "_PowerScalar"), ("_rpower_scalar", "_RPowerScalar"), False),
    "maximum": (jnp.maximum, ("_maximum", "_Maximum"), ("broadcast_maximum",),
                ("_maximum_scalar", "_MaximumScalar"), None, False),
    "minimum": (jnp.minimum, ("_minimum", "_Minimum"), ("broadcast_minimum",),
                ("_minimum_scalar", "_MinimumScalar"), None, False),
    "hypot": (jnp.hypot, ("_hypot",), ("broadcast_hypot",), ("_hypot_scalar",), None, False),
    "equal": (jnp.equal, ("_equal",), ("broadcast_equal",), ("_equal_scalar",), None, True),
    "not_equal": (jnp.not_equal, ("_not_equal",), ("broadcast_not_equal",),
                  ("_not_equal_scalar",), None, True),
    "greater": (jnp.greater, ("_greater",), ("broadcast_greater",), ("_greater_scalar",),
                None, True),
    "greater_equal": (jnp.greater_equal, ("_greater_equal",), ("broadcast_greater_equal",),
                      ("_greater_equal_scalar",), None, True),
    "lesser": (jnp.less, ("_lesser",), ("broadcast_lesser",), ("_lesser_scalar",), None, True),
    "lesser_equal": (jnp.less_equal, ("_lesser_equal",), ("broadcast_lesser_equal",),
                     ("_lesser_equal_scalar",), None, True),
    "logical_and": (_logical(jnp.logical_and), ("_logical_and",), ("broadcast_logical_and",),
                    ("_logical_and_scalar",), None, True),
    "logical_or": (_logical(jnp.logical_or), ("_logical_or",), ("broadcast_logical_or",),
                   ("_logical_or_scalar",), None, True),
    "logical_xor": (_logical(jnp.logical_xor), ("_logical_xor",), ("broadcast_logical_xor",),
                    ("_logical_xor_scalar",), None, True),
}


def broadcast_shape(lhs, rhs):
    """NumPy broadcasting of two shapes; None if they do not broadcast."""
    try:
        return tuple(np.broadcast_shapes(lhs, rhs))
    except ValueError:
        return None


def _broadcast_shape_rule(op, params, in_shapes):
    lhs, rhs = in_shapes
    if lhs is None or rhs is None:
        return in_shapes, [None]
    out = broadcast_shape(lhs, rhs)
    if out is None:
        raise MXNetError(f"{op.name}: operands could not be broadcast together with shapes "
                         f"{lhs} and {rhs}")
    return in_shapes, [out]


def _arithmetic_dtype_rule(op, params, in_dtypes):
    in_dtypes, out_dtypes = _same_dtype_rule(op, params, in_dtypes)
    if any(d is not None and np.dtype(d) == np.bool_ for d in in_dtypes):
        raise MXNetError(f"operator {op.name} does not support boolean type")
    return in_dtypes, out_dtypes


def _binary_compute(fn, is_truth):
    def apply(lhs, rhs):
        out = fn(lhs, rhs)
        return out.astype(lhs.dtype) if is_truth else out
    return apply


def cast_scalar(scalar, dtype):
    """A scalar in ``dtype`` the way MXNet's C++ casts it: integers truncate and wrap."""
    scalar = jnp.asarray(scalar)
    if jnp.issubdtype(dtype, jnp.integer):
        scalar = scalar.astype(jnp.int64)
    return scalar.astype(dtype)


def _scalar_compute(fn, is_truth, reflected):
    def apply(data, scalar):
        value = cast_scalar(scalar, data.dtype)
        out = fn(value, data) if reflected else fn(data, value)
        return out.astype(data.dtype) if is_truth else out
    return apply


_SCALAR = Param("scalar", P.number, default=1.0, traced=True, doc="the scalar operand")


def _register_binary():
    for key, (fn, elemwise, broadcast, scalar, reflected, is_truth) in BINARY.items():
        dtype_rule = _same_dtype_rule if is_truth else _arithmetic_dtype_rule
        register(elemwise[0], simple_compute(_binary_compute(fn, is_truth)),
                 aliases=elemwise[1:], inputs=("lhs", "rhs"), dtype_rule=dtype_rule,
                 doc=f"Element-wise {key} of two arrays of the same shape.")
        register(broadcast[0], simple_compute(_binary_compute(fn, is_truth)),
                 aliases=broadcast[1:], inputs=("lhs", "rhs"), dtype_rule=dtype_rule,
                 shape_rule=_broadcast_shape_rule,
                 doc=f"Element-wise {key} of two arrays with NumPy-style broadcasting.")
        register(scalar[0], simple_compute(_scalar_compute(fn, is_truth, False)),
                 aliases=scalar[1:], params=(_SCALAR,), dtype_rule=dtype_rule,
                 doc=f"Element-wise {key} of an array and a scalar.")
        if reflected:
            register(reflected[0], simple_compute(_scalar_compute(fn, is_truth, True)),
                     aliases=reflected[1:], params=(_SCALAR,), dtype_rule=dtype_rule,
                     doc=f"Element-wise {key} of a scalar and an array.")


def _round_half_away(x):
    """MXNet's round: halves go away from zero (NumPy rounds them to even)."""
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return x
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


# name -> jnp function; results keep the input dtype.
UNARY = {
    "negative": jnp.negative, "abs": jnp.abs, "sign": jnp.sign, "square": jnp.square,
    "sqrt": jnp.sqrt, "rsqrt": lax.rsqrt, "cbrt": jnp.cbrt,
    "exp": jnp.exp, "expm1": jnp.expm1, "log": jnp.log, "log2": jnp.log2,
    "log10": jnp.log10, "log1p": jnp.log1p, "reciprocal": jnp.reciprocal,
    "floor": jnp.floor, "ceil": jnp.ceil, "round": _round_half_away, "rint": jnp.rint,
    "fix": jnp.trunc, "trunc": jnp.trunc,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin,
    "arccos": jnp.arccos, "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "arcsinh": jnp.arcsinh, "arccosh": jnp.arccosh, "arctanh": jnp.arctanh,
    "zeros_like": jnp.zeros_like, "ones_like": jnp.ones_like,
}


def _register_unary():
    for name, fn in UNARY.items():
        register(name, simple_compute(fn), doc=f"Element-wise {name}.")


_register_binary()
_register_unary()

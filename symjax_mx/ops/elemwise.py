"""Element-wise operators: binary (same-shape, broadcast, scalar, reflected scalar),
unary, add_n and _copy.

MXNet's rules, which differ from NumPy's: results keep the input dtype (comparisons
give 0/1 in that dtype), a scalar operand is first cast to the array's dtype
(``int32_array * 1.5`` multiplies by 1), integer division truncates toward zero and
``%`` is floored. Unary math on an integer array (``sqrt``, ``sigmoid``) is computed in
float64 and cast back as C++ does: truncated, with NaN and overflow giving INT_MIN.
"""
import functools
import math
from fractions import Fraction

import jax
import jax.numpy as jnp
import jax.scipy.special  # noqa: F401  (jax.scipy.special.erf, gamma, gammaln)
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, simple_compute, same_dtype_rule


def _divide(lhs, rhs):
    if jnp.issubdtype(lhs.dtype, jnp.integer):
        return lax.div(lhs, rhs)  # C semantics: truncate toward zero
    return lhs / rhs


def _power(lhs, rhs):
    return jnp.power(lhs, rhs.astype(lhs.dtype))


def _logical(fn):
    return lambda lhs, rhs: fn(lhs != 0, rhs != 0)


@jax.custom_jvp
def _hypot(a, b):
    return jnp.hypot(a, b)


@_hypot.defjvp
def _hypot_jvp(primals, tangents):
    """MXNet's gradient (a / hypot, b / hypot): NaN at the origin, where JAX's is 0."""
    (a, b), (da, db) = primals, tangents
    value = jnp.hypot(a, b)
    return value, (a * da + b * db) / value


def _left_at_ties(fn, left_wins):
    """``fn`` (jnp.maximum, jnp.minimum) with MXNet's gradient: all of it to the left
    operand where ``left_wins(lhs, rhs)``, ties included (JAX halves it at a tie)."""
    @jax.custom_jvp
    def pick(a, b):
        return fn(a, b)

    @pick.defjvp
    def pick_jvp(primals, tangents):
        (a, b), (da, db) = primals, tangents
        return fn(a, b), jnp.where(left_wins(a, b), da, db)
    return pick


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
    "maximum": (_left_at_ties(jnp.maximum, jnp.greater_equal), ("_maximum", "_Maximum"),
                ("broadcast_maximum",), ("_maximum_scalar", "_MaximumScalar"), None, False),
    "minimum": (_left_at_ties(jnp.minimum, jnp.less_equal), ("_minimum", "_Minimum"),
                ("broadcast_minimum",), ("_minimum_scalar", "_MinimumScalar"), None, False),
    "hypot": (_hypot, ("_hypot",), ("broadcast_hypot",), ("_hypot_scalar",), None, False),
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


def arithmetic_dtype_rule(op, params, in_dtypes):
    """Inputs share one dtype, which is not bool; the outputs have it."""
    in_dtypes, out_dtypes = same_dtype_rule(op, params, in_dtypes)
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


def _scalar_dtype_rule(op, params, in_dtypes):
    """One input, whose dtype the output has; a boolean one computes in int64, as MXNet's
    scalar operators do."""
    (dtype,) = in_dtypes
    if dtype is not None and np.dtype(dtype) == np.bool_:
        return in_dtypes, [np.int64]
    return same_dtype_rule(op, params, in_dtypes)


def _scalar_compute(fn, is_truth, reflected):
    def apply(data, scalar):
        if data.dtype == jnp.bool_:
            data = data.astype(jnp.int64)
        value = cast_scalar(scalar, data.dtype)
        out = fn(value, data) if reflected else fn(data, value)
        return out.astype(data.dtype) if is_truth else out
    return apply


_SCALAR = Param("scalar", P.number, default=1.0, traced=True, doc="the scalar operand")


def _register_binary():
    for key, (fn, elemwise, broadcast, scalar, reflected, is_truth) in BINARY.items():
        dtype_rule = same_dtype_rule if is_truth else arithmetic_dtype_rule
        register(elemwise[0], simple_compute(_binary_compute(fn, is_truth)),
                 aliases=elemwise[1:], inputs=("lhs", "rhs"), dtype_rule=dtype_rule,
                 differentiable=not is_truth,
                 doc=f"Element-wise {key} of two arrays of the same shape.")
        register(broadcast[0], simple_compute(_binary_compute(fn, is_truth)),
                 aliases=broadcast[1:], inputs=("lhs", "rhs"), dtype_rule=dtype_rule,
                 differentiable=not is_truth,
                 shape_rule=_broadcast_shape_rule,
                 doc=f"Element-wise {key} of two arrays with NumPy-style broadcasting.")
        register(scalar[0], simple_compute(_scalar_compute(fn, is_truth, False)),
                 aliases=scalar[1:], params=(_SCALAR,), dtype_rule=_scalar_dtype_rule,
                 differentiable=not is_truth,
                 doc=f"Element-wise {key} of an array and a scalar.")
        if reflected:
            register(reflected[0], simple_compute(_scalar_compute(fn, is_truth, True)),
                     aliases=reflected[1:], params=(_SCALAR,), dtype_rule=_scalar_dtype_rule,
                     differentiable=not is_truth,
                     doc=f"Element-wise {key} of a scalar and an array.")


def float_to_int(values, dtype):
    """Float values in an integer dtype the way MXNet's C++ casts them on x86: truncated
    toward zero; NaN and out-of-range values become the minimum of int32 (of int64 for
    64-bit types), of which narrower types keep the low bits."""
    wide = jnp.int64 if np.dtype(dtype).itemsize == 8 else jnp.int32
    if values.dtype.itemsize < 4:  # 16-bit floats compare with the bounds in float32
        values = values.astype(jnp.float32)
    low = float(np.iinfo(wide).min)
    inside = (values >= low) & (values < -low)
    return jnp.where(inside, values, low).astype(wide).astype(dtype)


def _via_float64(fn):
    """``fn`` on a float array; an integer array is computed in float64 and cast back."""
    def apply(x):
        if jnp.issubdtype(x.dtype, jnp.integer):
            return float_to_int(fn(x.astype(jnp.float64)), x.dtype)
        return fn(x)
    return apply


def _keep_integers(fn):
    """A rounding function: the identity on integer arrays."""
    return lambda x: x if jnp.issubdtype(x.dtype, jnp.integer) else fn(x)


def _round_half_away(x):
    """MXNet's round: halves go away from zero (NumPy rounds them to even)."""
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


def _rint(x):
    """MXNet's rint: the nearer of floor and ceil, halves going down (not to even)."""
    lower, upper = jnp.floor(x), jnp.ceil(x)
    return jnp.where(x - lower <= upper - x, lower, upper)


@jax.custom_jvp
def _abs(x):
    return jnp.abs(x)


# MXNet's abs has gradient sign(x): 0 at 0 (JAX's gives 1)
_abs.defjvp(lambda primals, tangents: (jnp.abs(primals[0]), jnp.sign(primals[0]) * tangents[0]))


def _exact_at_powers(log_fn, base, exponents):
    """``log_fn`` made exact at the integral powers of ``base``, as C's log2 and log10 are
    (JAX divides natural logarithms); the gradient stays ``log_fn``'s."""
    powers = np.array([float(Fraction(base) ** e) for e in exponents])
    first, last = exponents[0], exponents[-1]

    def apply(x):
        r = log_fn(x)
        k = jnp.clip(jnp.round(r), first, last)
        table = jnp.asarray(np.where(powers <= jnp.finfo(x.dtype).max, powers, np.inf), x.dtype)
        hit = jnp.isfinite(r) & (x == table[(k - first).astype(jnp.int32)])
        return jnp.where(hit, r + lax.stop_gradient(k - r), r)
    return apply


def _erfinv(x):
    """erfinv; outside [-1, 1] MXNet gives its dtype's quiet NaN, which is 0 for integers."""
    out = _via_float64(lax.erf_inv)(x)
    if jnp.issubdtype(x.dtype, jnp.integer):
        out = jnp.where(jnp.abs(x) > 1, jnp.zeros_like(out), out)
    return out


def _in_float64(fn):
    """``fn`` computed in float64 and cast back, for functions JAX computes loosely in
    float32 (gamma(5) = 24.00002, gammaln(1) = 5e-7)."""
    return lambda x: fn(x.astype(jnp.float64)).astype(x.dtype)


_FACTORIALS = np.array([float(math.factorial(n)) for n in range(171)])  # beyond: inf


@jax.custom_jvp
def _float_gamma(x):
    return jax.scipy.special.gamma(x)


@_float_gamma.defjvp
def _float_gamma_jvp(primals, tangents):
    """d gamma = gamma * digamma, with MXNet's infinite slope at the poles 0, -1, -2 ..."""
    (x,), (dx,) = primals, tangents
    value = jax.scipy.special.gamma(x)
    pole = (x <= 0) & (x == jnp.round(x))
    slope = jnp.where(pole, jnp.inf, value * jax.scipy.special.digamma(x))
    return value, slope * dx


def _exact_gammaln(x):
    """log|gamma(x)|, exactly 0 at its zeros 1 and 2 (whatever rounding XLA's compile
    options give the series there)."""
    return jnp.where((x == 1) | (x == 2), jnp.zeros_like(x), jax.scipy.special.gammaln(x))


@jax.custom_jvp
def _gammaln(x):
    return _exact_gammaln(x)


@_gammaln.defjvp
def _gammaln_jvp(primals, tangents):
    """d gammaln = digamma, infinite at the poles 0, -1, -2 ... as in MXNet."""
    (x,), (dx,) = primals, tangents
    pole = (x <= 0) & (x == jnp.round(x))
    slope = jnp.where(pole, jnp.inf, jax.scipy.special.digamma(x))
    return _exact_gammaln(x), slope * dx


def _gamma(x):
    """Gamma; integer inputs are exact factorials."""
    if jnp.issubdtype(x.dtype, jnp.integer):
        n = x.astype(jnp.int64)
        exact = jnp.asarray(_FACTORIALS)[jnp.clip(n - 1, 0, len(_FACTORIALS) - 1)]
        exact = jnp.where(n < 1, jnp.nan, jnp.where(n > len(_FACTORIALS), jnp.inf, exact))
        return float_to_int(exact, x.dtype)
    return _in_float64(_float_gamma)(x)


# Functions computed in floating point: integer inputs give the truncated float64 result.
_FLOAT_MATH = {
    "sqrt": jnp.sqrt, "rsqrt": lax.rsqrt, "cbrt": jnp.cbrt, "rcbrt": lambda x: 1 / jnp.cbrt(x),
    "exp": jnp.exp, "expm1": jnp.expm1, "log": jnp.log,
    "log2": _exact_at_powers(jnp.log2, 2, range(-60, 64)),
    "log10": _exact_at_powers(jnp.log10, 10, range(0, 23)), "log1p": jnp.log1p,
    "reciprocal": jnp.reciprocal, "degrees": jnp.degrees, "radians": jnp.radians,
    "sin": jnp.sin, "cos": jnp.cos, "tan": jnp.tan, "arcsin": jnp.arcsin,
    "arccos": jnp.arccos, "arctan": jnp.arctan, "sinh": jnp.sinh, "cosh": jnp.cosh,
    "tanh": jnp.tanh, "arcsinh": jnp.arcsinh, "arccosh": jnp.arccosh, "arctanh": jnp.arctanh,
    "sigmoid": jax.nn.sigmoid, "softsign": jax.nn.soft_sign,
    "erf": jax.scipy.special.erf, "gammaln": _in_float64(_gammaln),
}

# name -> function; results keep the input dtype (MXNet's rule, integers included).
UNARY = {
    "negative": jnp.negative, "abs": _abs, "sign": jnp.sign, "square": jnp.square,
    "relu": jax.nn.relu,
    "floor": _keep_integers(jnp.floor), "ceil": _keep_integers(jnp.ceil),
    "round": _keep_integers(_round_half_away), "rint": _keep_integers(_rint),
    "fix": _keep_integers(jnp.trunc), "trunc": _keep_integers(jnp.trunc),
    "zeros_like": jnp.zeros_like, "ones_like": jnp.ones_like,
    "logical_not": lambda x: (x == 0).astype(x.dtype),
    "gamma": _gamma, "erfinv": _erfinv,
    **{name: _via_float64(fn) for name, fn in _FLOAT_MATH.items()},
}
_BOOL_OK = {"zeros_like", "ones_like"}


def _register_unary():
    for name, fn in UNARY.items():
        dtype_rule = same_dtype_rule if name in _BOOL_OK else arithmetic_dtype_rule
        register(name, simple_compute(fn), dtype_rule=dtype_rule, doc=f"Element-wise {name}.")


def _add_n(inputs, aux, params, is_train, rng):
    return (functools.reduce(jnp.add, inputs),), aux


register("add_n", _add_n, aliases=("ElementWiseSum",),
         inputs=lambda params: tuple(f"arg{i}" for i in range(params["num_args"])),
         params=(Param("num_args", P.integer_at_least(1), required=True, doc="number of inputs"),),
         dtype_rule=arithmetic_dtype_rule, doc="Sum of arrays of one shape.")
register("_copy", simple_compute(lambda data: data), aliases=("identity",),
         doc="A copy of the input.")

_register_binary()
_register_unary()

"""The operator-method surface shared by NDArray and Symbol.

Arithmetic, comparisons, reductions and unary math resolve to registry operators here,
once. A front end supplies three hooks: ``_apply(op, inputs, params)`` runs the
operator now (NDArray) or adds a graph node (Symbol), ``_as_operand(value)`` turns a
foreign operand into the front end's own type (or returns None), and
``_ARRAY_BINARY`` picks the operator family for two arrays: MXNet's NDArray
broadcasts (``broadcast_add``), its Symbol does not (``elemwise_add``).
"""
import numbers
import operator

from .elemwise import BINARY, UNARY
from .reduce import REDUCTIONS
from .registry import get_op

SAME_SHAPE, BROADCAST = 1, 2


def _family(key):
    entry = BINARY[key]
    elemwise, broadcast, scalar, reflected = entry[1], entry[2], entry[3], entry[4]
    return {
        SAME_SHAPE: get_op(elemwise[0]),
        BROADCAST: get_op(broadcast[0]),
        "scalar": get_op(scalar[0]),
        # a commutative operator's reflected form is itself
        "reflected": get_op(reflected[0]) if reflected else get_op(scalar[0]),
    }


_FAMILIES = {key: _family(key) for key in BINARY}
_REFLECTED_COMPARISON = {"greater": "lesser", "greater_equal": "lesser_equal",
                         "lesser": "greater", "lesser_equal": "greater_equal",
                         "equal": "equal", "not_equal": "not_equal"}
COMPARISONS = frozenset(_REFLECTED_COMPARISON)  # the binary keys that compare
_MUL_SCALAR = get_op("_mul_scalar")
_ABS = get_op("abs")


# MXNet's Symbol names nodes made by its arithmetic operators after the legacy operator
# names it calls (``x + y`` is node ``_plus0``, ``1 - x`` is ``_rminusscalar0``).
_LEGACY_NAMES = {
    "elemwise_add": "_plus", "elemwise_sub": "_minus", "elemwise_mul": "_mul",
    "elemwise_div": "_div", "_mod": "_mod", "_power": "_power",
    "_plus_scalar": "_plusscalar", "_minus_scalar": "_minusscalar",
    "_rminus_scalar": "_rminusscalar", "_mul_scalar": "_mulscalar",
    "_div_scalar": "_divscalar", "_rdiv_scalar": "_rdivscalar", "_mod_scalar": "_modscalar",
    "_rmod_scalar": "_rmodscalar", "_power_scalar": "_powerscalar",
}


def is_scalar(value):
    """Whether a value is a Python or NumPy number (not an array)."""
    return type(value) in (int, float) or isinstance(value, numbers.Number)


class OperatorMethods:
    """Mixin giving operator dunders and methods to a front end's array or graph type."""

    __slots__ = ()
    _ARRAY_BINARY = BROADCAST

    def _apply(self, op, inputs, params, hint=None):
        """Run or add ``op``; ``hint`` is the name stem a graph node gets when unnamed."""
        raise NotImplementedError

    def _as_operand(self, value):
        return None

    def _binary(self, other, key, reflected=False):
        """``self <key> other`` (or ``other <key> self`` when reflected)."""
        family = _FAMILIES[key]
        if isinstance(other, type(self)):
            pass
        elif is_scalar(other):
            op = family["reflected" if reflected else "scalar"]
            return self._apply(op, (self,), {"scalar": other}, _LEGACY_NAMES.get(op.name))
        else:
            other = self._as_operand(other)
            if other is None:
                return NotImplemented
        inputs = (other, self) if reflected else (self, other)
        op = family[self._ARRAY_BINARY]
        return self._apply(op, inputs, {}, _LEGACY_NAMES.get(op.name))

    def __add__(self, other):
        return self._binary(other, "add")

    def __radd__(self, other):
        return self._binary(other, "add", reflected=True)

    def __sub__(self, other):
        return self._binary(other, "sub")

    def __rsub__(self, other):
        return self._binary(other, "sub", reflected=True)

    def __mul__(self, other):
        return self._binary(other, "mul")

    def __rmul__(self, other):
        return self._binary(other, "mul", reflected=True)

    def __truediv__(self, other):
        return self._binary(other, "div")

    def __rtruediv__(self, other):
        return self._binary(other, "div", reflected=True)

    def __mod__(self, other):
        return self._binary(other, "mod")

    def __rmod__(self, other):
        return self._binary(other, "mod", reflected=True)

    def __pow__(self, other):
        return self._binary(other, "power")

    def __rpow__(self, other):
        return self._binary(other, "power", reflected=True)

    def __neg__(self):
        return self._apply(_MUL_SCALAR, (self,), {"scalar": -1.0}, "_mulscalar")

    def __abs__(self):
        return self._apply(_ABS, (self,), {})

    def __eq__(self, other):
        return self._binary(other, "equal")

    def __ne__(self, other):
        return self._binary(other, "not_equal")

    def __gt__(self, other):
        return self._binary(other, "greater")

    def __ge__(self, other):
        return self._binary(other, "greater_equal")

    def __lt__(self, other):
        return self._binary(other, "lesser")

    def __le__(self, other):
        return self._binary(other, "lesser_equal")

    __hash__ = object.__hash__

    def transpose(self, axes=()):
        """Permute the axes (reverse them when none are given)."""
        return self._apply(get_op("transpose"), (self,), {"axes": axes})


def _reduction_method(name):
    op = get_op(name)

    def method(self, axis=None, keepdims=False, exclude=False):
        return self._apply(op, (self,), {"axis": axis, "keepdims": keepdims, "exclude": exclude})
    method.__name__ = name
    method.__doc__ = f"{name} over the given axes (all when axis is None)."
    return method


def _unary_method(name):
    op = get_op(name)

    def method(self):
        return self._apply(op, (self,), {})
    method.__name__ = name
    method.__doc__ = f"Element-wise {name}."
    return method


def _operator_method(name):
    op = get_op(name)

    def method(self, *args, **kwargs):
        params = dict(zip(op.params, args), **kwargs)
        return self._apply(op, (self,), params)
    method.__name__ = name
    method.__doc__ = op.doc
    return method


for _name in REDUCTIONS:
    setattr(OperatorMethods, _name, _reduction_method(_name))
for _name in ("norm", "argmax", "argmin", "argmax_channel", "topk", "sort", "argsort"):
    setattr(OperatorMethods, _name, _operator_method(_name))
for _name in UNARY:
    setattr(OperatorMethods, _name, _unary_method(_name))


def apply_binary(lhs, rhs, key, scalar_fn):
    """A binary operation where either side may be a scalar, as in ``mx.nd.add(1, a)``."""
    if isinstance(lhs, OperatorMethods):
        return lhs._binary(rhs, key)
    if isinstance(rhs, OperatorMethods):
        if key in _REFLECTED_COMPARISON:
            return rhs._binary(lhs, _REFLECTED_COMPARISON[key])
        return rhs._binary(lhs, key, reflected=True)
    return scalar_fn(lhs, rhs)


# ---- MXNet's scalar-or-array functions: mx.nd.maximum(a, 2), mx.sym.power(2, s), ...

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
    "pow": _ufunc("power", operator.pow, "lhs ** rhs, broadcasting; either may be a scalar."),
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


def histogram(a, bins=10, range=None):  # noqa: A002  (MXNet's argument name)
    """Counts of ``a`` in ``bins`` (a number of equal bins over ``range``, or an array of
    edges) and the bin edges."""
    op = get_op("_histogram")
    if isinstance(bins, OperatorMethods):
        return a._apply(op, (a, bins), {})
    return a._apply(op, (a,), {"bin_cnt": bins, "range": range})

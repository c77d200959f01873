"""The operator registry, tested from tables: every element-wise family, unary op and
reduction against NumPy (with MXNet's dtype rules), parameter parsing, and the errors."""
import math
from statistics import NormalDist

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op, list_ops, register
from symjax_mx.ops.elemwise import BINARY, UNARY
from symjax_mx.ops.matrix import infer_reshape
from symjax_mx.ops.reduce import REDUCTIONS

from opcheck import check_gradient

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

_internal = mx.nd._internal
RNG = np.random.default_rng(0)


def _trunc_div(a, b):
    return np.trunc(a / b).astype(a.dtype) if a.dtype.kind == "i" else a / b


def _truth(fn):
    return lambda a, b: fn(a, b).astype(a.dtype)


# key -> NumPy reference with MXNet's semantics
REFERENCE = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": _trunc_div,
    "mod": np.mod, "power": np.power, "maximum": np.maximum, "minimum": np.minimum,
    "hypot": np.hypot,
    "equal": _truth(np.equal), "not_equal": _truth(np.not_equal), "greater": _truth(np.greater),
    "greater_equal": _truth(np.greater_equal), "lesser": _truth(np.less),
    "lesser_equal": _truth(np.less_equal),
    "logical_and": _truth(lambda a, b: np.logical_and(a != 0, b != 0)),
    "logical_or": _truth(lambda a, b: np.logical_or(a != 0, b != 0)),
    "logical_xor": _truth(lambda a, b: np.logical_xor(a != 0, b != 0)),
}
FLOAT_ONLY = {"hypot"}


def _operands(dtype, shape):
    if np.dtype(dtype).kind == "i":
        return RNG.integers(-5, 6, shape).astype(dtype), RNG.integers(1, 4, shape).astype(dtype)
    return (RNG.uniform(-2, 2, shape).astype(dtype), RNG.uniform(0.5, 2, shape).astype(dtype))


def _function(name):
    return getattr(_internal, name) if name.startswith("_") else getattr(mx.nd, name)


def _cases():
    return [pytest.param(key, dtype, id=f"{key}-{dtype}") for key in BINARY
            for dtype in ("float32", "int32") if not (dtype == "int32" and key in FLOAT_ONLY)]


def test_reference_covers_every_binary_family():
    assert set(REFERENCE) == set(BINARY)


@pytest.mark.parametrize("key, dtype", _cases())
def test_binary_family_against_numpy(key, dtype):
    _, elemwise, broadcast, scalar, reflected, _ = BINARY[key]
    ref = REFERENCE[key]
    a, b = _operands(dtype, (2, 3))
    if key == "power" and dtype == "float32":
        a = np.abs(a)
    rtol = 1e-5

    out = _function(elemwise[0])(mx.nd.array(a, dtype=dtype), mx.nd.array(b, dtype=dtype))
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.asnumpy(), ref(a, b), rtol=rtol)

    row = b[:1]  # (1, 3) broadcasts against (2, 3)
    out = _function(broadcast[0])(mx.nd.array(a, dtype=dtype), mx.nd.array(row, dtype=dtype))
    np.testing.assert_allclose(out.asnumpy(), ref(a, np.broadcast_to(row, a.shape)), rtol=rtol)

    # the scalar is cast to the array's dtype first: int32 op 2.7 uses 2
    s = 2.7
    cast = np.asarray(s).astype(dtype)
    out = _function(scalar[0])(mx.nd.array(a, dtype=dtype), scalar=s)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out.asnumpy(), ref(a, np.full_like(a, cast)), rtol=rtol)
    if reflected:
        positive = np.abs(a) + 1
        out = _function(reflected[0])(mx.nd.array(positive, dtype=dtype), scalar=s)
        np.testing.assert_allclose(out.asnumpy(), ref(np.full_like(positive, cast), positive),
                                   rtol=rtol)


def test_aliases_are_the_same_operator():
    for key, (_, elemwise, broadcast, scalar, reflected, _) in BINARY.items():
        for names in filter(None, (elemwise, broadcast, scalar, reflected)):
            assert len({id(get_op(n)) for n in names}) == 1, names
    assert get_op("_Plus") is get_op("elemwise_add")
    assert get_op("concat") is get_op("Concat")


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def _rint_half_down(x):
    lower, upper = np.floor(x), np.ceil(x)
    return np.where(x - lower <= upper - x, lower, upper)


UNARY_REFERENCE = {
    "round": _round_half_away, "rint": _rint_half_down, "fix": np.trunc,
    "rsqrt": lambda x: 1 / np.sqrt(x), "rcbrt": lambda x: 1 / np.cbrt(x),
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "softsign": lambda x: x / (1 + np.abs(x)), "erf": np.vectorize(math.erf),
    "erfinv": np.vectorize(lambda y: NormalDist().inv_cdf((y + 1) / 2) / math.sqrt(2)),
    "gamma": np.vectorize(math.gamma), "gammaln": np.vectorize(math.lgamma),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_against_numpy(name):
    x = RNG.uniform(0.1, 0.9, (2, 3)).astype(np.float32)
    if name == "arccosh":
        x = x + 1
    if name in ("round", "rint", "floor", "ceil", "fix", "trunc", "sign", "negative", "abs",
                "relu", "softsign"):
        x = np.array([[-2.5, -1.5, -0.4], [0.5, 1.5, 2.7]], np.float32)
    ref = UNARY_REFERENCE.get(name, getattr(np, name, None))
    out = getattr(mx.nd, name)(mx.nd.array(x))
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_allclose(out.asnumpy(), ref(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(getattr(mx.nd.array(x), name)().asnumpy(), ref(x), rtol=1e-5,
                               atol=1e-6)


def test_round_goes_half_away_from_zero_but_rint_half_down():
    x = mx.nd.array([-2.5, -0.5, 0.5, 1.5, 2.5])
    assert mx.nd.round(x).asnumpy().tolist() == [-3, -1, 1, 2, 3]
    assert mx.nd.rint(x).asnumpy().tolist() == [-3, -1, 0, 1, 2]  # MXNet's rint: not to even


NP_REDUCTIONS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min,
                 "prod": np.prod, "nansum": np.nansum, "nanprod": np.nanprod}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis, keepdims, exclude, expected_shape", [
    (None, False, False, (1,)),
    (None, True, False, (1, 1, 1)),
    (1, False, False, (2, 4)),
    ((0, 2), False, False, (3,)),
    (-1, True, False, (2, 3, 1)),
    (1, False, True, (3,)),
])
def test_reductions_against_numpy(name, axis, keepdims, exclude, expected_shape):
    x = RNG.uniform(0.5, 1.5, (2, 3, 4)).astype(np.float32)
    if name.startswith("nan"):
        x[0, 0, 0] = np.nan
    out = getattr(mx.nd, name)(mx.nd.array(x), axis=axis, keepdims=keepdims, exclude=exclude)
    assert out.shape == expected_shape
    np_axis = axis
    if exclude:
        np_axis = tuple(i for i in range(3) if i not in ((axis,) if isinstance(axis, int) else axis))
    expected = NP_REDUCTIONS[name](x, axis=np_axis, keepdims=keepdims)
    np.testing.assert_allclose(out.asnumpy().reshape(expected_shape),
                               np.reshape(expected, expected_shape), rtol=1e-5)


def test_integer_reductions_keep_the_dtype():
    x = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    assert mx.nd.sum(x).dtype == np.int32 and mx.nd.sum(x).asnumpy().tolist() == [10]
    assert mx.nd.mean(mx.nd.array([1, 2], dtype="int32")).asnumpy().tolist() == [1]


def test_reduction_axis_out_of_range():
    with pytest.raises(mx.MXNetError, match="axis 3 is out of range for an array of 2 dims"):
        mx.nd.sum(mx.nd.ones((2, 3)), axis=3)


def test_params_parse_mxnet_strings():
    assert get_op("sum").parse_params({"axis": "(0, 2)", "keepdims": "True"}) == {
        "axis": (0, 2), "keepdims": True, "exclude": False}
    assert get_op("sum").parse_params({"axis": "()"})["axis"] is None
    assert get_op("_plus_scalar").parse_params({"scalar": "2.5"}) == {"scalar": 2.5}
    reshape = get_op("Reshape").parse_params({"shape": "[0, -1]", "reverse": "0"})
    assert (reshape["shape"], reshape["reverse"]) == ((0, -1), False)
    assert get_op("Cast").parse_params({"dtype": "float16"}) == {"dtype": "float16"}
    assert get_op("Concat").parse_params({"num_args": "3", "dim": "0"}) == {"num_args": 3, "dim": 0}


@pytest.mark.parametrize("op, params, message", [
    ("sum", {"foo": 1}, "operator sum has no parameter 'foo'; its parameters are: axis, "
                        "keepdims, exclude"),
    ("sum", {"keepdims": "maybe"}, "operator sum: invalid value for parameter keepdims"),
    ("_plus_scalar", {"scalar": "abc"}, "invalid value for parameter scalar"),
    ("Reshape", {"shape": "(1, 2.5)"}, "invalid value for parameter shape"),
    ("Cast", {}, "operator Cast: required parameter dtype is missing"),
    ("Cast", {"dtype": "complex64"}, "dtype complex64 is not supported"),
])
def test_bad_params_name_the_operator_and_parameter(op, params, message):
    with pytest.raises((mx.MXNetError, TypeError), match=message):
        get_op(op).parse_params(params)


def test_operators_without_parameters_ignore_keywords_as_mxnet_does():
    a, b = mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[0, 5]])
    assert mx.nd.broadcast_maximum(a, b, axis=1).asnumpy().tolist() == [[1, 5], [3, 5]]
    assert get_op("sqrt").parse_params({"foo": "1"}) == {}
    node = mx.sym.sqrt(mx.sym.var("x"), foo=1, name="s")
    assert node.list_attr() == {"foo": "1"}  # kept as an attribute, like MXNet's
    reloaded = mx.sym.load_json(node.tojson())
    assert reloaded.eval(x=mx.nd.array([4.0]))[0].asnumpy().tolist() == [2.0]


def test_unknown_operator_and_double_registration():
    with pytest.raises(mx.MXNetError, match="unknown operator 'NoSuchOp'"):
        get_op("NoSuchOp")
    with pytest.raises(ValueError, match="registered twice"):
        register("elemwise_add", lambda *a: None)
    assert len(list_ops()) == len({id(op) for op in list_ops()})


def test_mismatched_shapes_name_both():
    with pytest.raises(mx.MXNetError, match=r"could not be broadcast together with shapes "
                                            r"\(2, 3\) and \(4,\)"):
        mx.nd.ones((2, 3)) + mx.nd.ones((4,))
    with pytest.raises(mx.MXNetError, match=r"elemwise_add: inputs must share one shape, but "
                                            r"lhs is \(2, 1\) and rhs is \(1, 3\)"):
        mx.nd.elemwise_add(mx.nd.ones((2, 1)), mx.nd.ones((1, 3)))


def test_mixed_dtypes_and_bool_arithmetic_are_errors():
    with pytest.raises(mx.MXNetError, match="lhs is float32 and rhs is float64"):
        mx.nd.ones((2,)) + mx.nd.ones((2,), dtype="float64")
    with pytest.raises(mx.MXNetError, match="broadcast_add does not support boolean type"):
        mx.nd.ones((2,), dtype="bool") + mx.nd.ones((2,), dtype="bool")


def test_function_call_forms():
    a, b = mx.nd.ones((2, 3)), mx.nd.arange(6).reshape((2, 3))
    assert mx.nd.sum(b, 1).asnumpy().tolist() == [3, 12]  # positional parameter
    assert mx.nd.elemwise_add(lhs=a, rhs=b).asnumpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    assert mx.nd.concat(a, b, dim=0).shape == (4, 3)
    assert mx.nd.Concat(a, b, a).shape == (2, 9)
    out = mx.nd.zeros((2, 3))
    result = mx.nd.elemwise_mul(b, b, out=out)
    assert result is out and out.asnumpy().tolist() == [[0, 1, 4], [9, 16, 25]]
    with pytest.raises(mx.MXNetError, match=r"takes 2 inputs \['lhs', 'rhs'\], got 1"):
        mx.nd.elemwise_add(a)
    with pytest.raises(mx.MXNetError, match="has no input named 'x'"):
        mx.nd.elemwise_add(a, b, x=a)
    with pytest.raises(mx.MXNetError, match=r"out= has shape \(3,\), but the result has shape"):
        mx.nd.elemwise_add(a, b, out=mx.nd.zeros((3,)))


def test_scalar_or_array_ufuncs():
    a = mx.nd.array([1, 5])
    assert mx.nd.add(1, a).asnumpy().tolist() == [2, 6]
    assert mx.nd.subtract(10, a).asnumpy().tolist() == [9, 5]
    assert mx.nd.maximum(a, 3).asnumpy().tolist() == [3, 5]
    assert mx.nd.greater(3, a).asnumpy().tolist() == [1, 0]  # 3 > a, not a > 3
    assert mx.nd.lesser_equal(a, mx.nd.array([1, 1])).asnumpy().tolist() == [1, 0]
    assert mx.nd.power(2, 3) == 8


@pytest.mark.parametrize("src, target, reverse, expected", [
    ((2, 3, 4), (0, -1), False, (2, 12)),
    ((2, 3, 4), (-3, -2), False, (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), False, (1, 2, 3, 4)),
    ((6, 4), (-4, 2, -1, 0), False, (2, 3, 4)),
    ((2, 3, 4), (-2, 1), False, (2, 3, 4, 1)),
    ((2, 3, 4, 5), (-3, -3), False, (6, 20)),
    ((10, 5, 4), (-1, 0), True, (50, 4)),
    ((2, 3, 4), (0, -1), True, (3, 8)),
])
def test_infer_reshape_special_values(src, target, reverse, expected):
    assert infer_reshape(src, target, reverse) == expected
    out = mx.nd.Reshape(mx.nd.zeros(src), shape=target, reverse=reverse)
    assert out.shape == expected


@pytest.mark.parametrize("target, message", [
    ((4, 2), r"cannot reshape an array of shape \(2, 3\) \(size 6\) into shape \(4, 2\)"),
    ((-1, -1), "only one dimension"),
    ((-4, 4, -1), "-4 cannot split dimension 2"),
    ((0, 0, 0), "has no matching dimension"),
])
def test_infer_reshape_errors(target, message):
    with pytest.raises(mx.MXNetError, match=message):
        infer_reshape((2, 3), target)


def test_transpose_cast_concat():
    x = mx.nd.arange(24).reshape((2, 3, 4))
    assert mx.nd.transpose(x).shape == (4, 3, 2)
    np.testing.assert_array_equal(mx.nd.transpose(x, axes=(1, 0, 2)).asnumpy(),
                                  x.asnumpy().transpose(1, 0, 2))
    with pytest.raises(mx.MXNetError, match="not a permutation"):
        mx.nd.transpose(x, axes=(0, 0, 1))
    assert mx.nd.Cast(x, dtype="int8").dtype == np.int8
    with pytest.raises(mx.MXNetError, match=r"Concat: input arg1 has shape \(2, 2\)"):
        mx.nd.concat(mx.nd.ones((3, 2)), mx.nd.ones((2, 2)), dim=1)


@pytest.mark.parametrize("name", ["broadcast_mul", "broadcast_div", "broadcast_power",
                                  "broadcast_hypot", "broadcast_maximum"])
def test_binary_gradients(name):
    a = RNG.uniform(0.5, 2, (2, 3))
    check_gradient(name, [a, RNG.uniform(0.5, 2, (1, 3))])


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"round", "rint", "floor", "ceil", "fix",
                                                       "trunc", "sign", "zeros_like",
                                                       "ones_like"}))
def test_unary_gradients(name):
    x = RNG.uniform(0.2, 0.8, (2, 3)) + (1 if name == "arccosh" else 0)
    check_gradient(name, [x])


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_gradients(name):
    check_gradient(name, [RNG.uniform(0.5, 1.5, (2, 3))], {"axis": 1})


# MXNet 1.9.1's gradients (autograd, head gradient 2): at a tie, all of it goes to the left
# operand, for maximum and minimum alike (JAX's own rule halves it)
_A, _B = [1.0, 2.0, 3.0], [1.0, 5.0, 0.0]


@pytest.mark.parametrize("name, lhs_grad, rhs_grad", [
    ("maximum", [2, 0, 2], [0, 2, 0]), ("_maximum", [2, 0, 2], [0, 2, 0]),
    ("broadcast_maximum", [2, 0, 2], [0, 2, 0]), ("minimum", [2, 2, 0], [0, 0, 2]),
    ("_minimum", [2, 2, 0], [0, 0, 2]), ("broadcast_minimum", [2, 2, 0], [0, 0, 2])])
def test_maximum_minimum_gradients_at_ties_go_to_the_left_operand(name, lhs_grad, rhs_grad):
    lhs, rhs = mx.nd.array(_A), mx.nd.array(_B)
    lhs.attach_grad()
    rhs.attach_grad()
    with mx.autograd.record():
        out = _function(name)(lhs, rhs)
    out.backward(mx.nd.array([2.0, 2.0, 2.0]))
    np.testing.assert_array_equal(lhs.grad.asnumpy(), lhs_grad)
    np.testing.assert_array_equal(rhs.grad.asnumpy(), rhs_grad)


@pytest.mark.parametrize("name, grad", [("_maximum_scalar", [0, 2, 2]),
                                        ("_minimum_scalar", [2, 2, 0])])
def test_scalar_maximum_minimum_gradients_at_ties(name, grad):
    x = mx.nd.array(_A)
    x.attach_grad()
    with mx.autograd.record():
        out = _function(name)(x, scalar=2.0)
    out.backward(mx.nd.array([2.0, 2.0, 2.0]))
    np.testing.assert_array_equal(x.grad.asnumpy(), grad)

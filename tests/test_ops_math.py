"""Math, linear algebra and ordering operators, tested from tables: unary math on integer
dtypes, norm, argmax/argmin, topk/sort/argsort, dot/batch_dot, add_n and identity.
Expected values were confirmed against MXNet 1.9.1."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op
from symjax_mx.ops.elemwise import UNARY

from opcheck import check_gradient, forward

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

RNG = np.random.default_rng(0)
M = -2 ** 31  # what MXNet's C++ cast makes of NaN and out-of-range values in int32
M64 = -2 ** 63


def forward_compute(name, x, **params):
    """The first output of an operator's compute on a jax array (for jax.grad)."""
    op = get_op(name)
    return op.compute([x], [], op.parse_params(params), False, None)[0][0]


# ---- unary math on integers: computed in float64, truncated back ------------------------

INT_INPUT = [0, 1, 2, 3, -1, 8, 100]
UNARY_INT32 = {
    "negative": [0, -1, -2, -3, 1, -8, -100], "abs": [0, 1, 2, 3, 1, 8, 100],
    "sign": [0, 1, 1, 1, -1, 1, 1], "square": [0, 1, 4, 9, 1, 64, 10000],
    "sqrt": [0, 1, 1, 1, M, 2, 10], "rsqrt": [M, 1, 0, 0, M, 0, 0],
    "cbrt": [0, 1, 1, 1, -1, 2, 4], "rcbrt": [M, 1, 0, 0, -1, 0, 0],
    "exp": [1, 2, 7, 20, 0, 2980, M], "expm1": [0, 1, 6, 19, 0, 2979, M],
    "log": [M, 0, 0, 1, M, 2, 4], "log2": [M, 0, 1, 1, M, 3, 6],
    "log10": [M, 0, 0, 0, M, 0, 2], "log1p": [0, 0, 1, 1, M, 2, 4],
    "reciprocal": [M, 1, 0, 0, -1, 0, 0],
    **{name: INT_INPUT for name in ("floor", "ceil", "round", "rint", "fix", "trunc")},
    "sin": [0, 0, 0, 0, 0, 0, 0], "cos": [1, 0, 0, 0, 0, 0, 0], "tan": [0, 1, -2, 0, -1, -6, 0],
    "arcsin": [0, 1, M, M, -1, M, M], "arccos": [1, 0, M, M, 3, M, M],
    "arctan": [0, 0, 1, 1, 0, 1, 1], "sinh": [0, 1, 3, 10, -1, 1490, M],
    "cosh": [1, 1, 3, 10, 1, 1490, M], "tanh": [0, 0, 0, 0, 0, 0, 1],
    "arcsinh": [0, 0, 1, 1, 0, 2, 5], "arccosh": [M, 0, 1, 1, M, 2, 5],
    "arctanh": [0, M, M, M, M, M, M], "zeros_like": [0] * 7, "ones_like": [1] * 7,
    "logical_not": [1, 0, 0, 0, 0, 0, 0],
    "relu": [0, 1, 2, 3, 0, 8, 100], "sigmoid": [0, 0, 0, 0, 0, 0, 1],
    "softsign": [0] * 7, "erf": [0, 0, 0, 0, 0, 1, 1], "erfinv": [0, M, 0, 0, M, 0, 0],
    "gamma": [M, 1, 1, 2, M, 5040, M], "gammaln": [M, 0, 0, 0, M, 8, 359],
    "degrees": [0, 57, 114, 171, -57, 458, 5729], "radians": [0, 0, 0, 0, 0, 0, 1],
}
# narrower types keep the low bits of the int32 result; int64 uses its own minimum
UNARY_OTHER_INTS = {
    ("negative", "uint8"): [0, 255, 254, 253, 1, 248, 156],
    ("square", "uint8"): [0, 1, 4, 9, 1, 64, 16], ("sqrt", "uint8"): [0, 1, 1, 1, 15, 2, 10],
    ("exp", "uint8"): [1, 2, 7, 20, 0, 164, 0], ("gamma", "uint8"): [0, 1, 1, 2, 0, 176, 0],
    ("gammaln", "uint8"): [0, 0, 0, 0, 132, 8, 103], ("tan", "uint8"): [0, 1, 254, 0, 0, 250, 0],
    ("degrees", "uint8"): [0, 57, 114, 171, 18, 202, 97],
    ("sigmoid", "uint8"): [0, 0, 0, 0, 1, 0, 1], ("relu", "uint8"): [0, 1, 2, 3, 255, 8, 100],
    ("abs", "uint8"): [0, 1, 2, 3, 255, 8, 100],
    ("exp", "int64"): [1, 2, 7, 20, 0, 2980, M64],
    ("gamma", "int64"): [M64, 1, 1, 2, M64, 5040, M64],
    ("log2", "int64"): [M64, 0, 1, 1, M64, 3, 6], ("sqrt", "int64"): [0, 1, 1, 1, M64, 2, 10],
}


def test_integer_table_covers_every_unary_op():
    assert set(UNARY_INT32) == set(UNARY)


@pytest.mark.parametrize("name", sorted(UNARY_INT32))
def test_unary_on_int32(name):
    out = getattr(mx.nd, name)(mx.nd.array(INT_INPUT, dtype="int32"))
    assert out.dtype == np.int32 and out.asnumpy().tolist() == UNARY_INT32[name]


@pytest.mark.parametrize("name, dtype", sorted(UNARY_OTHER_INTS))
def test_unary_on_other_integers(name, dtype):
    data = np.array(INT_INPUT, np.int64).astype(dtype)  # -1 wraps to 255 in uint8
    out = getattr(mx.nd, name)(mx.nd.array(data, dtype=dtype))
    assert out.dtype == np.dtype(dtype) and out.asnumpy().tolist() == UNARY_OTHER_INTS[name, dtype]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log2_log10_are_exact_at_powers(dtype):
    exponents = np.arange(-20, 40) if dtype == "float64" else np.arange(-20, 30)
    out = mx.nd.log2(mx.nd.array(2.0 ** exponents, dtype=dtype))
    assert out.asnumpy().tolist() == exponents.tolist()
    out = mx.nd.log10(mx.nd.array(10.0 ** np.arange(0, 10), dtype=dtype))
    assert out.asnumpy().tolist() == list(range(10))
    assert mx.nd.log10(mx.nd.array([10 ** 18], dtype="int64")).asnumpy().tolist() == [18]


def test_gamma_precision():
    x = np.array([0.5, 1.5, 4.0])
    out = mx.nd.gamma(mx.nd.array(x, dtype="float64"))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.asnumpy(), [np.sqrt(np.pi), np.sqrt(np.pi) / 2, 6], rtol=1e-13)
    # float32 goes through float64: exact at small integers (MXNet's tgammaf is 1 ulp off)
    assert mx.nd.gamma(mx.nd.array([3.0, 5.0])).asnumpy().tolist() == [2, 24]
    assert mx.nd.gammaln(mx.nd.array([1.0, 2.0])).asnumpy().tolist() == [0, 0]


@pytest.mark.parametrize("name, x, expected", [
    ("abs", [0.0, -2.0, 3.0], [0, -1, 1]),      # MXNet: sign(x), 0 at 0 (JAX's abs gives 1)
    ("relu", [0.0, -2.0, 3.0], [0, 0, 1]),
    ("softsign", [0.0, 1.0, -1.0], [1, 0.25, 0.25]),
    ("sigmoid", [0.0], [0.25]),
    ("log2", [8.0, 0.5], [1 / (8 * np.log(2)), 2 / np.log(2)]),  # exact values, same slope
])
def test_unary_gradients_at_special_points(name, x, expected):
    grad = jax.grad(lambda v: jnp.sum(forward_compute(name, v)))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(grad), expected)


def test_unary_bool_is_an_error_but_zeros_like_is_not():
    flags = mx.nd.array([0, 1], dtype="bool")
    with pytest.raises(mx.MXNetError, match="operator sigmoid does not support boolean type"):
        mx.nd.sigmoid(flags)
    assert mx.nd.zeros_like(flags).dtype == np.bool_


# ---- norm ------------------------------------------------------------------------------

X_NORM = np.arange(-6, 6, dtype=np.float32).reshape(2, 3, 2)


def _np_norm(x, ord, axis, keepdims):
    if ord == 1:
        return np.sum(np.abs(x), axis=axis, keepdims=keepdims)
    return np.sqrt(np.sum(np.square(x), axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("params, shape", [
    ({}, (1,)),
    ({"keepdims": True}, (1, 1, 1)),
    ({"ord": 1}, (1,)),
    ({"ord": 1, "axis": 1}, (2, 2)),
    ({"axis": (0, 2)}, (3,)),
    ({"axis": (1, 0), "keepdims": True}, (1, 1, 2)),
    ({"axis": -1, "keepdims": True}, (2, 3, 1)),
    ({"ord": "1", "axis": "(0, 1)"}, (2,)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_norm_against_numpy(params, shape, dtype):
    out = mx.nd.norm(mx.nd.array(X_NORM, dtype=dtype), **params)
    assert out.shape == shape and out.dtype == np.dtype(dtype)
    parsed = get_op("norm").parse_params(params)
    expected = _np_norm(X_NORM.astype(dtype), parsed["ord"], parsed["axis"], parsed["keepdims"])
    np.testing.assert_allclose(out.asnumpy(), np.reshape(expected, shape), rtol=1e-6)


@pytest.mark.parametrize("rows, dtype, params, expected", [
    # MXNet's integer L2 norm is max|x| * sqrt(count of max|x|), truncated
    ([[3, 4], [0, 0]], "int32", {"axis": 1}, [4, 0]),
    ([[2, 2, 2, 2], [5, 5, 3, 0]], "int32", {"axis": 1}, [4, 7]),
    ([[1, -1, 1, 0]], "int32", {"axis": 1}, [1]),
    ([[1, 255, 1, 0]], "uint8", {"axis": 1}, [255]),
    (X_NORM.tolist(), "int32", {}, [6]),
    (X_NORM.tolist(), "int32", {"ord": 1}, [36]),
    ([3, 4], "int64", {"ord": 1}, [7]),
])
def test_norm_on_integers(rows, dtype, params, expected):
    out = mx.nd.norm(mx.nd.array(rows, dtype=dtype), **params)
    assert out.dtype == np.dtype(dtype) and out.asnumpy().tolist() == expected


def test_norm_out_dtype_and_rules():
    # MXNet 1.9.1's imperative norm rejects out_dtype (a kernel bug); its infer_type and
    # documentation give the output that dtype, which is what happens here
    op = get_op("norm")
    out = mx.nd.norm(mx.nd.array([[3, 4], [6, 8]]), axis=1, out_dtype="float64")
    assert out.dtype == np.float64 and out.asnumpy().tolist() == [5, 10]
    assert mx.nd.norm(mx.nd.array([2.9, 0]), out_dtype="int32").asnumpy().tolist() == [2]
    params = op.parse_params({"axis": "1", "out_dtype": "int64"})
    assert op.infer_shape(params, [(2, 3, 4)]) == ([(2, 3, 4)], [(2, 4)])
    assert op.infer_type(params, [np.float32]) == ([np.float32], [np.int64])


@pytest.mark.parametrize("data, params, message", [
    (X_NORM, {"ord": 3}, "operator norm: invalid value for parameter ord: norm supports ord=1 "
                         "and ord=2 only, got 3"),
    (X_NORM, {"axis": 3}, "norm: axis 3 is out of range for an array of 3 dims"),
    (X_NORM, {"axis": (0, 0)}, r"norm: axis \(0, 0\) repeats an axis"),
    (X_NORM, {"out_dtype": "uint8"}, "invalid value for parameter out_dtype: expected one of"),
    (X_NORM, {"p": 2}, "operator norm has no parameter 'p'; its parameters are: ord, axis, "
                       "out_dtype, keepdims"),
    (np.ones(2, bool), {}, "operator norm does not support boolean type"),
])
def test_norm_errors(data, params, message):
    with pytest.raises(mx.MXNetError, match=message):
        mx.nd.norm(mx.nd.array(data, dtype=data.dtype), **params)


@pytest.mark.parametrize("params", [{"ord": 1, "axis": 1}, {"axis": (0, 2)}, {}])
def test_norm_gradient(params):
    check_gradient("norm", [RNG.uniform(0.5, 1.5, (2, 3, 2))], params)


def test_norm_gradient_at_zero():
    # MXNet: sign(x) for ord=1; x / norm (NaN for an all-zero row) for ord=2
    x = np.array([[0.0, 0.0], [1.0, -2.0]])
    grad = jax.grad(lambda v: jnp.sum(forward_compute("norm", v, ord=1, axis=1)))(x)
    assert np.asarray(grad).tolist() == [[0, 0], [1, -1]]
    grad = np.asarray(jax.grad(lambda v: jnp.sum(forward_compute("norm", v, axis=1)))(x))
    assert np.isnan(grad[0]).all()
    np.testing.assert_allclose(grad[1], [1 / np.sqrt(5), -2 / np.sqrt(5)])


# ---- argmax, argmin, argmax_channel ----------------------------------------------------

X_ARG = np.array([[1, 5, 5], [7, 0, 7]], np.float32)


@pytest.mark.parametrize("name, params, expected", [
    ("argmax", {}, [3]),
    ("argmax", {"keepdims": True}, [[3]]),
    ("argmax", {"axis": 0}, [1, 0, 1]),
    ("argmax", {"axis": 1}, [1, 0]),               # ties: the first occurrence
    ("argmax", {"axis": -1, "keepdims": True}, [[1], [0]]),
    ("argmax", {"axis": "None"}, [3]),
    ("argmin", {"axis": 1}, [0, 1]),
    ("argmin", {}, [4]),
    ("argmax_channel", {}, [1, 0]),
])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_arg_reductions(name, params, expected, dtype):
    out = getattr(mx.nd, name)(mx.nd.array(X_ARG, dtype=dtype), **params)
    assert out.dtype == np.dtype(dtype)  # the indices come in the input's dtype
    assert out.asnumpy().tolist() == expected


def test_arg_reduction_shapes_and_nan():
    assert mx.nd.argmax(mx.nd.array([1, 3, 2]), axis=0).shape == (1,)
    assert mx.nd.argmax(mx.nd.array([1, 3, 2]), axis=0, keepdims=True).shape == (1,)
    cube = mx.nd.array([[[1, 9], [3, 2]], [[0, 1], [7, 5]]])
    assert mx.nd.argmax_channel(cube).asnumpy().tolist() == [[1, 0], [1, 1]]
    assert mx.nd.argmax(cube, keepdims=True).shape == (1, 1, 1)
    nan = mx.nd.array([1, np.nan, 3])
    assert mx.nd.argmax(nan, axis=0).asnumpy().tolist() == [1]  # NaN wins both ways
    assert mx.nd.argmin(nan, axis=0).asnumpy().tolist() == [1]


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_several_axes_propagate_nan(name):
    data = np.random.default_rng(0).uniform(size=(7, 2, 8, 9, 7))
    data[0, 0, 0, 0, 0] = np.nan  # XLA's CPU reduction of this shape lost it
    data[2, 0, 1, 1, 1] = np.inf
    out = getattr(mx.nd, name)(mx.nd.array(data, dtype="float64"), axis=(1, 2, 3))
    np.testing.assert_array_equal(out.asnumpy(), getattr(np, name)(data, axis=(1, 2, 3)))


@pytest.mark.parametrize("call, message", [
    (lambda x: mx.nd.argmax(x, axis=2), "argmax: axis 2 is out of range for an array of 2 dims"),
    (lambda x: mx.nd.argmin(x, axis=-3), "argmin: axis -3 is out of range"),
    (lambda x: mx.nd.argmax(x, axis=(0, 1)), "argmax: invalid value for parameter axis"),
    (lambda x: mx.nd.argmax(x, dtype="uint8"), "operator argmax has no parameter 'dtype'"),
    (lambda x: mx.nd.argmax_channel(x[0]), "argmax_channel: axis 1 is out of range"),
])
def test_arg_reduction_errors(call, message):
    with pytest.raises(mx.MXNetError, match=message):
        call(mx.nd.array(X_ARG))


# ---- topk, sort, argsort ---------------------------------------------------------------

X_TOP = np.array([[3, 1, 4, 1], [5, 9, 2, 6]], np.float32)


@pytest.mark.parametrize("params, expected", [
    ({}, [[[2], [1]]]),
    ({"k": 2}, [[[2, 0], [1, 3]]]),
    ({"k": 2, "ret_typ": "value"}, [[[4, 3], [9, 6]]]),
    ({"k": 2, "ret_typ": "mask"}, [[[1, 0, 1, 0], [0, 1, 0, 1]]]),
    ({"k": 2, "ret_typ": "both"}, [[[4, 3], [9, 6]], [[2, 0], [1, 3]]]),
    ({"k": 2, "ret_typ": "both", "is_ascend": True}, [[[1, 1], [2, 5]], [[1, 3], [2, 0]]]),
    ({"k": 1, "axis": 0, "ret_typ": "both"}, [[[5, 9, 4, 6]], [[1, 1, 0, 1]]]),
    ({"k": 3, "axis": "None", "ret_typ": "both"}, [[9, 6, 5], [5, 7, 4]]),
    ({"k": 3, "axis": "None", "ret_typ": "mask"}, [[[0, 0, 0, 0], [1, 1, 0, 1]]]),
    ({"k": 0}, [[[2, 0, 1, 3], [1, 3, 0, 2]]]),   # k < 1: the whole axis
    ({"k": -1, "axis": -2}, [[[1, 1, 0, 1], [0, 0, 1, 0]]]),
])
def test_topk(params, expected):
    outputs, _ = forward("topk", [X_TOP], params)
    assert [o.tolist() for o in outputs] == expected


@pytest.mark.parametrize("data, params, expected", [
    ([1, 3, 3, 2, 3], {"k": 2}, [1, 2]),                       # ties: lower index first
    ([1, 3, 1, 2, 1], {"k": 2, "is_ascend": True}, [0, 2]),
])
def test_topk_is_stable(data, params, expected):
    assert mx.nd.topk(mx.nd.array(data), **params).asnumpy().tolist() == expected


@pytest.mark.parametrize("in_dtype, params, dtypes", [
    ("float32", {"dtype": "int32"}, ["int32"]),
    ("float32", {"dtype": "uint8", "ret_typ": "both"}, ["float32", "uint8"]),
    ("float64", {"ret_typ": "both"}, ["float64", "float32"]),
    ("int32", {"ret_typ": "mask", "dtype": "int64"}, ["int32"]),   # mask: the input's dtype
    ("int32", {"ret_typ": "value"}, ["int32"]),
])
def test_topk_dtypes(in_dtype, params, dtypes):
    out = mx.nd.topk(mx.nd.array(X_TOP, dtype=in_dtype), k=2, **params)
    out = out if isinstance(out, list) else [out]
    assert [o.dtype for o in out] == [np.dtype(d) for d in dtypes]
    op = get_op("topk")
    parsed = op.parse_params({"k": 2, **params})
    assert op.infer_type(parsed, [np.dtype(in_dtype).type])[1] == [np.dtype(d).type for d in dtypes]


def test_topk_indices_wrap_in_uint8():
    out = mx.nd.topk(mx.nd.arange(300), k=3, dtype="uint8")
    assert out.asnumpy().tolist() == [43, 42, 41]


@pytest.mark.parametrize("ret_typ, names, shapes", [
    ("value", ("output0",), [(3, 2)]),
    ("indices", ("output",), [(3, 2)]),
    ("mask", ("output",), [(3, 4)]),
    ("both", ("output0", "output1"), [(3, 2), (3, 2)]),
])
def test_topk_outputs_and_shape_rule(ret_typ, names, shapes):
    op = get_op("topk")
    params = op.parse_params({"k": "2", "ret_typ": ret_typ})
    assert op.output_names(params) == names
    assert op.infer_shape(params, [(3, 4)]) == ([(3, 4)], shapes)
    assert op.infer_shape(params, [None]) == ([None], [None] * len(names))


@pytest.mark.parametrize("params, message", [
    ({"ret_typ": "foo"}, r"invalid value for parameter ret_typ: expected one of \['both', "
                         r"'indices', 'mask', 'value'\], got 'foo'"),
    ({"k": 5}, r"topk: k=5 is larger than the 4 elements along axis 1 of input data of "
               r"shape \(2, 4\)"),
    ({"k": 5, "ret_typ": "mask"}, "k=5 is larger than the 4 elements"),
    ({"axis": 2}, r"topk: axis 2 is out of range for input data of shape \(2, 4\)"),
    ({"dtype": "int8"}, r"parameter dtype: expected one of \['float16', 'float32', 'float64', "
                        r"'int32', 'int64', 'uint8'\], got 'int8'"),
    ({"foo": 1}, "operator topk has no parameter 'foo'; its parameters are: axis, k, ret_typ, "
                 "is_ascend, dtype"),
])
def test_topk_errors(params, message):
    with pytest.raises(mx.MXNetError, match=message):
        mx.nd.topk(mx.nd.array(X_TOP), **params)


@pytest.mark.parametrize("name, params, expected", [
    ("sort", {}, [[1, 1, 3, 4], [2, 5, 6, 9]]),
    ("sort", {"is_ascend": False}, [[4, 3, 1, 1], [9, 6, 5, 2]]),
    ("sort", {"axis": 0}, [[3, 1, 2, 1], [5, 9, 4, 6]]),
    ("sort", {"axis": "None"}, [1, 1, 2, 3, 4, 5, 6, 9]),
    ("argsort", {}, [[1, 3, 0, 2], [2, 0, 3, 1]]),
    ("argsort", {"is_ascend": "0"}, [[2, 0, 1, 3], [1, 3, 0, 2]]),
    ("argsort", {"axis": "None"}, [1, 3, 6, 0, 2, 4, 7, 5]),
    ("argsort", {"axis": -2}, [[0, 0, 1, 0], [1, 1, 0, 1]]),
])
def test_sort_and_argsort(name, params, expected):
    out = getattr(mx.nd, name)(mx.nd.array(X_TOP), **params)
    assert out.dtype == np.float32 and out.asnumpy().tolist() == expected


def test_sort_dtypes_and_stability():
    assert mx.nd.argsort(mx.nd.array(X_TOP), dtype="int32").dtype == np.int32
    assert mx.nd.argsort(mx.nd.array(X_TOP, dtype="int64")).dtype == np.float32
    ties = mx.nd.array([1, 3, 3, 2, 3, 1])
    assert mx.nd.argsort(ties).asnumpy().tolist() == [0, 5, 3, 1, 2, 4]
    assert mx.nd.argsort(ties, is_ascend=False).asnumpy().tolist() == [1, 2, 4, 3, 0, 5]
    wide = mx.nd.array([3, 0, 255, 7], dtype="uint8")
    assert mx.nd.sort(wide, is_ascend=False).asnumpy().tolist() == [255, 7, 3, 0]
    assert get_op("sort").output_names({}) == ("output0",)
    with pytest.raises(mx.MXNetError, match=r"argsort: axis -3 is out of range for input data "
                                            r"of shape \(2, 4\)"):
        mx.nd.argsort(mx.nd.array(X_TOP), axis=-3)
    with pytest.raises(mx.MXNetError, match="operator sort does not support boolean type"):
        mx.nd.sort(mx.nd.array([1, 0], dtype="bool"))


@pytest.mark.parametrize("name, params", [
    ("topk", {"k": 2, "ret_typ": "value"}),
    ("topk", {"k": 2, "ret_typ": "both", "is_ascend": True, "axis": 0}),
    ("sort", {"is_ascend": False}),
    ("sort", {"axis": "None"}),
])
def test_ordering_gradients(name, params):
    check_gradient(name, [RNG.permutation(12).reshape(3, 4) + RNG.uniform(0, 0.5, (3, 4))],
                   params)


# ---- dot, batch_dot --------------------------------------------------------------------

def _np_dot(lhs, rhs, transpose_a=False, transpose_b=False):
    """MXNet's dot: contract lhs's last (first if transposed) axis with rhs's first (last)."""
    lhs_axis = 0 if transpose_a else lhs.ndim - 1
    rhs_axis = rhs.ndim - 1 if transpose_b else 0
    return np.atleast_1d(np.tensordot(lhs, rhs, axes=([lhs_axis], [rhs_axis])))


@pytest.mark.parametrize("lhs, rhs, params, shape", [
    ((2, 3), (3, 4), {}, (2, 4)),
    ((2, 3, 4), (4, 5), {}, (2, 3, 5)),
    ((2, 3, 4), (4, 3, 2), {}, (2, 3, 3, 2)),
    ((3, 2), (3, 4), {"transpose_a": True}, (2, 4)),
    ((3, 2, 5), (3, 4), {"transpose_a": True}, (2, 5, 4)),
    ((2, 3), (4, 5, 3), {"transpose_b": True}, (2, 4, 5)),
    ((3, 2, 5), (4, 6, 3), {"transpose_a": True, "transpose_b": True}, (2, 5, 4, 6)),
    ((3,), (3,), {}, (1,)),
    ((3,), (3, 2), {}, (2,)),
    ((3,), (2, 3), {"transpose_b": True}, (2,)),
    ((2, 3), (3,), {}, (2,)),
    ((4, 2, 3), (4,), {"transpose_a": True}, (2, 3)),
    ((2,), (2, 3, 4), {}, (3, 4)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_dot_against_numpy(lhs, rhs, params, shape, dtype):
    a = RNG.integers(-3, 4, lhs).astype(dtype)
    b = RNG.integers(-3, 4, rhs).astype(dtype)
    out = mx.nd.dot(mx.nd.array(a, dtype=dtype), mx.nd.array(b, dtype=dtype), **params)
    assert out.shape == shape and out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.asnumpy(), _np_dot(a, b, **params))
    op = get_op("dot")
    assert op.infer_shape(op.parse_params(params), [lhs, rhs])[1] == [shape]


def test_dot_uses_full_float32_precision():
    a = RNG.uniform(-1, 1, (64, 256)).astype(np.float32)
    b = RNG.uniform(-1, 1, (256, 32)).astype(np.float32)
    exact = a.astype(np.float64) @ b.astype(np.float64)
    np.testing.assert_allclose(mx.nd.dot(mx.nd.array(a), mx.nd.array(b)).asnumpy(), exact,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(
        mx.nd.batch_dot(mx.nd.array(a[None]), mx.nd.array(b[None])).asnumpy()[0], exact,
        rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("lhs, rhs, params, shape", [
    ((2, 3, 4), (2, 4, 5), {}, (2, 3, 5)),
    ((2, 4, 3), (2, 4, 5), {"transpose_a": True}, (2, 3, 5)),
    ((2, 3, 4), (2, 5, 4), {"transpose_b": True}, (2, 3, 5)),
    ((2, 4, 3), (2, 5, 4), {"transpose_a": "1", "transpose_b": "1"}, (2, 3, 5)),
    ((2, 2, 3, 4), (2, 2, 4, 5), {}, (2, 2, 3, 5)),
])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_dot_against_numpy(lhs, rhs, params, shape, dtype):
    a = RNG.uniform(-1, 1, lhs).astype(dtype)
    b = RNG.uniform(-1, 1, rhs).astype(dtype)
    out = mx.nd.batch_dot(mx.nd.array(a, dtype=dtype), mx.nd.array(b, dtype=dtype), **params)
    parsed = get_op("batch_dot").parse_params(params)
    a_t = np.swapaxes(a, -1, -2) if parsed["transpose_a"] else a
    b_t = np.swapaxes(b, -1, -2) if parsed["transpose_b"] else b
    assert out.shape == shape and out.dtype == np.dtype(dtype)
    # sums of four products: a float32 result near zero differs by its rounding, not rtol
    np.testing.assert_allclose(out.asnumpy(), a_t @ b_t, rtol=1e-5, atol=1e-6)
    op = get_op("batch_dot")
    assert op.infer_shape(parsed, [lhs, rhs])[1] == [shape]


@pytest.mark.parametrize("name, lhs, rhs, params", [
    ("dot", (3, 2), (3, 4), {"transpose_a": True}),
    ("dot", (3, 2, 5), (3, 4), {"transpose_a": True}),
    ("dot", (2, 3), (4, 5, 3), {"transpose_b": True}),
    ("batch_dot", (2, 3, 4), (2, 4, 5), {}),
    ("batch_dot", (2, 4, 3), (2, 5, 4), {"transpose_a": True, "transpose_b": True}),
])
def test_matmul_gradients(name, lhs, rhs, params):
    check_gradient(name, [RNG.uniform(-1, 1, lhs), RNG.uniform(-1, 1, rhs)], params)


@pytest.mark.parametrize("name, lhs, rhs, params, message", [
    ("dot", (2, 3), (4, 5), {}, r"dot: lhs shape \(2, 3\) and rhs shape \(4, 5\) do not match "
                                r"\(transpose_a=False, transpose_b=False\): contracting 3 with 4"),
    ("dot", (2, 4), (4, 5, 3), {"transpose_b": True}, r"lhs shape \(2, 4\) and rhs shape "
                                                      r"\(4, 5, 3\) do not match"),
    ("dot", (3,), (3,), {"transpose_a": True}, "dot: cannot transpose vectors"),
    ("dot", (2, 3), (3, 4), {"forward_stype": "bsr"}, "forward_stype must be None"),
    ("batch_dot", (2, 3, 4), (2, 5, 4), {}, r"batch_dot: lhs shape \(2, 3, 4\) and rhs shape "
                                            r"\(2, 5, 4\) do not match .*contracting 4 with 5"),
    ("batch_dot", (2, 3, 4), (3, 4, 5), {}, "the leading batch dimensions differ"),
    ("batch_dot", (3, 4), (4, 5), {}, r"at least 3, got lhs \(3, 4\) and rhs \(4, 5\)"),
    ("batch_dot", (2, 2, 3, 4), (2, 4, 5), {}, "the same number of dimensions"),
])
def test_matmul_errors(name, lhs, rhs, params, message):
    with pytest.raises(mx.MXNetError, match=message):
        getattr(mx.nd, name)(mx.nd.ones(lhs), mx.nd.ones(rhs), **params)


def test_matmul_rules_fill_nothing_and_check_dtypes():
    op = get_op("dot")
    assert op.infer_shape({"transpose_a": False, "transpose_b": False},
                          [(2, 3), None]) == ([(2, 3), None], [None])
    with pytest.raises(mx.MXNetError, match="dot: inputs must share one dtype, but lhs is "
                                            "float64 and rhs is float32"):
        mx.nd.dot(mx.nd.ones((2, 3), dtype="float64"), mx.nd.ones((3, 2)))
    out = mx.nd.dot(lhs=mx.nd.ones((2, 3)), rhs=mx.nd.ones((3, 2)), transpose_a=False,
                    forward_stype="default")
    assert out.asnumpy().tolist() == [[3, 3], [3, 3]]


# ---- add_n, identity -------------------------------------------------------------------

def test_add_n():
    arrays = [mx.nd.array([1, 2]), mx.nd.array([10, 20]), mx.nd.array([100, 200])]
    assert mx.nd.add_n(*arrays).asnumpy().tolist() == [111, 222]
    assert mx.nd.ElementWiseSum(*arrays[:2]).asnumpy().tolist() == [11, 22]
    assert mx.nd.add_n(arrays[0]).asnumpy().tolist() == [1, 2]
    wrap = mx.nd.add_n(mx.nd.array([200], dtype="uint8"), mx.nd.array([100], dtype="uint8"))
    assert wrap.dtype == np.uint8 and wrap.asnumpy().tolist() == [44]
    op = get_op("ElementWiseSum")
    assert op is get_op("add_n") and op.name == "add_n"
    params = op.parse_params({"num_args": "3"})
    assert op.input_names(params) == ("arg0", "arg1", "arg2")
    assert op.infer_shape(params, [None, (2, 3), None]) == ([(2, 3)] * 3, [(2, 3)])
    check_gradient("add_n", [RNG.uniform(size=(2, 3)) for _ in range(3)], {"num_args": 3})


@pytest.mark.parametrize("call, message", [
    (lambda: mx.nd.add_n(mx.nd.ones((2,)), mx.nd.ones((3,))),
     r"add_n: inputs must share one shape, but arg0 is \(2,\) and arg1 is \(3,\)"),
    (lambda: mx.nd.add_n(mx.nd.ones((2,)), mx.nd.ones((2,), dtype="int32")),
     "add_n: inputs must share one dtype, but arg0 is float32 and arg1 is int32"),
    (lambda: mx.nd.add_n(), "invalid value for parameter num_args: expected an integer >= 1, got 0"),
    (lambda: get_op("add_n").parse_params({}), "required parameter num_args is missing"),
])
def test_add_n_errors(call, message):
    with pytest.raises(mx.MXNetError, match=message):
        call()


def test_identity():
    for dtype in ("float32", "int64", "bool"):
        x = mx.nd.array([0, 1], dtype=dtype)
        out = mx.nd.identity(x)
        assert out.dtype == np.dtype(dtype) and out.asnumpy().tolist() == x.asnumpy().tolist()
        assert out is not x
    assert get_op("identity") is get_op("_copy") and get_op("identity").name == "_copy"
    assert mx.nd._internal._copy(mx.nd.ones((2,))).asnumpy().tolist() == [1, 1]
    check_gradient("_copy", [RNG.uniform(size=(2, 3))])


# ---- call forms ------------------------------------------------------------------------

def test_positional_parameters_follow_mxnet_order():
    x = mx.nd.array(X_TOP)
    assert mx.nd.topk(x, 0, 1).asnumpy().tolist() == [[1, 1, 0, 1]]       # axis, k
    assert mx.nd.norm(x, 1).asnumpy().tolist() == [31]                     # ord
    assert mx.nd.argsort(x, 1, False).asnumpy().tolist() == [[2, 0, 1, 3], [1, 3, 0, 2]]
    assert mx.nd.argmax(x, 0, True).shape == (1, 4)                         # axis, keepdims
    assert mx.nd.dot(x, x, False, True).shape == (2, 2)                     # transpose_b



def test_symbolic_sort_with_axis_none_flattens_and_keeps_the_attribute():
    out = mx.sym.sort(mx.sym.Variable("a"), axis=None, is_ascend=False)
    assert out.list_attr()["axis"] == "None"
    assert out.infer_shape(a=(2, 2))[1] == [(4,)]
    executor = mx.sym.load_json(out.tojson()).bind(mx.cpu(), {"a": mx.nd.array([[3, 1], [2, 4]])})
    assert executor.forward()[0].asnumpy().tolist() == [4, 3, 2, 1]

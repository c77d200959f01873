"""Behaviour tests for ``mx.nd.NDArray``.

Every expectation here was first confirmed by running the same code on real
MXNet 1.9.1, except for the deliberate differences this project adopts, which
live in tests whose names contain ``deviation``:

1. operations mixing NDArrays on two different contexts raise MXNetError
   naming both contexts (MXNet silently allowed it for CPUs);
2. numpy arrays are accepted as binary-op operands, in both orders, and are
   converted to the NDArray's dtype (MXNet raised TypeError);
3. (as in MXNet) outside ``mx.np_shape()``, ``mx.nd.zeros((2, 0))`` and ``zeros(())``
   raise MXNetError (a 0 means unknown there); ``empty`` and ``array`` make them;
4. (as in MXNet) mixed dtypes in a binary op, and bool arithmetic, raise
   MXNetError.

``np.asarray(nd)`` (via ``__array__``) is also a project requirement that
MXNet 1.9.1 did not meet (it built an object array).

tests/conftest.py gives the suite four host CPU devices, so ``mx.cpu(0..3)``
are distinct devices.
"""
import operator
import re

import numpy as np
import pytest

import symjax_mx as mx

MXNetError = mx.base.MXNetError

NP_TYPE = {
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "uint8": np.uint8,
    "int8": np.int8,
    "int32": np.int32,
    "int64": np.int64,
    "bool": np.bool_,
}
ALL_DTYPES = list(NP_TYPE)
FLOAT_DTYPES = ["float16", "float32", "float64"]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def check(arr, expected, dtype="float32", shape=None, ctx=None):
    """``arr`` is an NDArray of the given dtype, shape and values (and context)."""
    assert isinstance(arr, mx.nd.NDArray), type(arr)
    assert arr.dtype is NP_TYPE[dtype], (arr.dtype, dtype)
    expected = np.asarray(expected)
    if shape is None:
        shape = expected.shape
    shape = tuple(shape)
    assert arr.shape == shape, (arr.shape, shape)
    got = arr.asnumpy()
    assert isinstance(got, np.ndarray)
    assert got.dtype == np.dtype(dtype), got.dtype
    assert got.shape == shape
    expected = expected.reshape(shape)
    if np.issubdtype(got.dtype, np.floating):
        rtol = 1e-3 if got.dtype == np.float16 else 1e-6
        np.testing.assert_allclose(got.astype(np.float64),
                                   expected.astype(np.float64), rtol=rtol, atol=0)
    else:
        np.testing.assert_array_equal(got, expected)
    if ctx is not None:
        assert arr.context == ctx, (arr.context, ctx)


def _shape_pattern(shape):
    """Regex matching a shape written as (2, 3), (2,3), [2,3], (4,) or [4]."""
    inner = r",\s*".join(str(d) for d in shape)
    if len(shape) == 1:
        inner += r",?"
    return r"[\[(]" + inner + r"[\])]"


def assert_mentions_shapes(excinfo, *shapes):
    msg = str(excinfo.value)
    for shape in shapes:
        assert re.search(_shape_pattern(shape), msg), (shape, msg)


def assert_mentions(excinfo, *words):
    msg = str(excinfo.value)
    for word in words:
        assert word in msg, (word, msg)


def base12():
    """[[0,1,2,3],[4,5,6,7],[8,9,10,11]] as float32."""
    return mx.nd.arange(12).reshape((3, 4))


NP12 = np.arange(12, dtype=np.float32).reshape(3, 4)


# --------------------------------------------------------------------------
# creation
# --------------------------------------------------------------------------
def test_empty_shape_dtype_context():
    e = mx.nd.empty((2, 3))
    assert isinstance(e, mx.nd.NDArray)
    assert e.shape == (2, 3)
    assert e.dtype is np.float32
    assert e.context == mx.cpu(0)
    assert mx.nd.empty(3).shape == (3,)
    e = mx.nd.empty((2,), dtype="int32", ctx=mx.cpu(1))
    assert e.dtype is np.int32
    assert e.context == mx.cpu(1)
    assert mx.nd.empty((2,), dtype=np.float64).dtype is np.float64


def test_zeros_ones_defaults():
    check(mx.nd.zeros((2, 3)), np.zeros((2, 3)), "float32", ctx=mx.cpu(0))
    check(mx.nd.zeros(3), [0, 0, 0], "float32")
    check(mx.nd.zeros((4,)), np.zeros(4), "float32")
    check(mx.nd.ones(4), [1, 1, 1, 1], "float32")
    check(mx.nd.ones((2, 2), dtype="float16"), np.ones((2, 2)), "float16")
    check(mx.nd.zeros((2,), dtype=np.int64), [0, 0], "int64")


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_creation_every_dtype(dtype):
    check(mx.nd.zeros((2, 3), dtype=dtype), np.zeros((2, 3)), dtype)
    check(mx.nd.ones((2, 3), dtype=dtype), np.ones((2, 3)), dtype)
    check(mx.nd.full((2,), 1, dtype=dtype), [1, 1], dtype)
    check(mx.nd.array([1, 0, 1], dtype=dtype), [1, 0, 1], dtype)
    e = mx.nd.empty((2, 1), dtype=dtype)
    assert e.dtype is NP_TYPE[dtype] and e.shape == (2, 1)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_dtype_argument_spellings(dtype):
    for spelling in (dtype, NP_TYPE[dtype], np.dtype(dtype)):
        assert mx.nd.zeros((2,), dtype=spelling).dtype is NP_TYPE[dtype]


@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    (((2, 3), 7), {}, np.full((2, 3), 7.0), "float32"),
    ((3, 2), {}, [2, 2, 2], "float32"),
    (((2,), 2.5), {"dtype": "int32"}, [2, 2], "int32"),
    (((2,), -3.7), {"dtype": "int8"}, [-3, -3], "int8"),
    (((2,), 2.5), {"dtype": np.float64}, [2.5, 2.5], "float64"),
    (((2,), 1), {"dtype": "bool"}, [True, True], "bool"),
])
def test_full(args, kwargs, expected, dtype):
    check(mx.nd.full(*args, **kwargs), expected, dtype, ctx=mx.cpu(0))


def test_creation_ctx_argument():
    check(mx.nd.full((2,), 2.5, ctx=mx.cpu(1), dtype=np.float64), [2.5, 2.5],
          "float64", ctx=mx.cpu(1))
    check(mx.nd.zeros((2,), ctx=mx.cpu(1)), [0, 0], ctx=mx.cpu(1))
    check(mx.nd.ones(3, ctx=mx.cpu(1), dtype="int8"), [1, 1, 1], "int8", ctx=mx.cpu(1))
    check(mx.nd.array([1, 2], ctx=mx.cpu(2)), [1, 2], ctx=mx.cpu(2))
    check(mx.nd.array(mx.nd.array([1, 2]), ctx=mx.cpu(2)), [1, 2], ctx=mx.cpu(2))
    check(mx.nd.arange(3, ctx=mx.cpu(1)), [0, 1, 2], ctx=mx.cpu(1))


@pytest.mark.parametrize("source", [
    [1, 2, 3],
    [1.5, 2.0, 3.0],
    (1, 2, 3),
    [True, False, True],
    [[1, 2], [3, 4]],
    np.array([1.5, 2.0, 3.0]),                 # float64
    np.array([1, 2, 3], dtype=np.int64),
    np.array([1, 2, 3], dtype=np.int32),
    np.array([1, 2, 3], dtype=np.uint8),
    np.array([1, 2, 3], dtype=np.float16),
    np.array([True, False, True]),
], ids=["list-int", "list-float", "tuple", "list-bool", "nested", "np-float64",
        "np-int64", "np-int32", "np-uint8", "np-float16", "np-bool"])
def test_array_defaults_to_float32(source):
    check(mx.nd.array(source), np.asarray(source, dtype=np.float32), "float32")


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "float16", "float64"])
def test_array_of_ndarray_keeps_dtype_and_copies(dtype):
    src = mx.nd.array([1, 2], dtype=dtype)
    out = mx.nd.array(src)
    check(out, [1, 2], dtype)
    assert out is not src
    out[:] = 0
    check(src, [1, 2], dtype)


def test_array_of_ndarray_with_explicit_dtype():
    src = mx.nd.array([1, 2], dtype="int32")
    check(mx.nd.array(src, dtype="float64"), [1.0, 2.0], "float64")
    check(mx.nd.array(np.array([1.5, 2.0]), dtype="float64"), [1.5, 2.0], "float64")
    check(mx.nd.array([1, 2], dtype=np.float64), [1.0, 2.0], "float64")


def test_array_float_to_int_truncates():
    check(mx.nd.array([1.7, 2.2, -1.7], dtype="int32"), [1, 2, -1], "int32")


def test_array_copies_numpy_input():
    n = np.array([1.0, 2.0])
    t = mx.nd.array(n)
    n[0] = 9
    check(t, [1, 2])


@pytest.mark.parametrize("source, value", [
    (3, 3.0),
    (3.5, 3.5),
    (np.float64(2.5), 2.5),
    (np.array(2), 2.0),
])
def test_array_of_scalar_is_zero_dim(source, value):
    a = mx.nd.array(source)
    assert a.shape == ()
    assert a.ndim == 0
    assert a.size == 1
    assert a.dtype is np.float32
    assert a.asscalar() == value
    np.testing.assert_array_equal(a.asnumpy(), np.array(value, dtype=np.float32))


def test_array_empty_list():
    check(mx.nd.array([]), np.zeros((0,)), "float32")


@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    ((5,), {}, [0, 1, 2, 3, 4], "float32"),
    ((2, 8, 2), {}, [2, 4, 6], "float32"),
    ((0, 1, 0.25), {}, [0, 0.25, 0.5, 0.75], "float32"),
    ((1, 2, 0.3), {}, [1, 1.3, 1.6, 1.9], "float32"),
    ((3,), {"repeat": 2}, [0, 0, 1, 1, 2, 2], "float32"),
    ((4,), {"dtype": "int32"}, [0, 1, 2, 3], "int32"),
    ((), {"start": 1, "stop": 4}, [1, 2, 3], "float32"),
    ((5, 0, -2), {}, [5, 3, 1], "float32"),
    ((-1, -3, -0.5), {}, [-1, -1.5, -2, -2.5], "float32"),
    ((3,), {"dtype": np.float64}, [0, 1, 2], "float64"),
    ((2, 5), {"dtype": np.int64}, [2, 3, 4], "int64"),
    ((0, 5, 2), {"repeat": 2, "dtype": "int32"}, [0, 0, 2, 2, 4, 4], "int32"),
])
def test_arange(args, kwargs, expected, dtype):
    check(mx.nd.arange(*args, **kwargs), expected, dtype)


@pytest.mark.parametrize("dtype", ["float32", "int32", "float16", "bool"])
def test_zeros_like_ones_like(dtype):
    src1 = mx.nd.ones((2, 1), dtype=dtype, ctx=mx.cpu(1))
    src0 = mx.nd.zeros((2, 1), dtype=dtype, ctx=mx.cpu(1))
    check(mx.nd.zeros_like(src1), np.zeros((2, 1)), dtype, ctx=mx.cpu(1))
    check(mx.nd.ones_like(src0), np.ones((2, 1)), dtype, ctx=mx.cpu(1))
    check(src1.zeros_like(), np.zeros((2, 1)), dtype, ctx=mx.cpu(1))
    check(src0.ones_like(), np.ones((2, 1)), dtype, ctx=mx.cpu(1))


def test_concatenate():
    a = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    b = mx.nd.array([[5, 6]], dtype="int32")
    check(mx.nd.concatenate([a, b]), [[1, 2], [3, 4], [5, 6]], "int32")
    check(mx.nd.concatenate([a, a], axis=1), [[1, 2, 1, 2], [3, 4, 3, 4]], "int32")
    check(mx.nd.concatenate([mx.nd.array([1, 2]), mx.nd.array([3])]), [1, 2, 3])
    c = mx.nd.ones((2,), ctx=mx.cpu(1))
    check(mx.nd.concatenate([c, c]), [1, 1, 1, 1], ctx=mx.cpu(1))


def test_concatenate_copies():
    c = mx.nd.array([1, 2])
    d = mx.nd.concatenate([c, c])
    c[:] = 0
    check(d, [1, 2, 1, 2])


def test_concat_dim():
    a = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    b = mx.nd.array([[5, 6]], dtype="int32")
    check(mx.nd.concat(a, a, dim=1), [[1, 2, 1, 2], [3, 4, 3, 4]], "int32")
    check(mx.nd.concat(a, a), [[1, 2, 1, 2], [3, 4, 3, 4]], "int32")  # default dim=1
    check(mx.nd.concat(a, b, dim=0), [[1, 2], [3, 4], [5, 6]], "int32")
    check(mx.nd.concat(mx.nd.ones((1, 2)), mx.nd.zeros((1, 1)), mx.nd.ones((1, 3)) * 2),
          [[1, 1, 0, 2, 2, 2]])
    check(mx.nd.concat(mx.nd.ones((1, 2)), mx.nd.zeros((1, 1)), dim=-1), [[1, 1, 0]])
    c = mx.nd.ones((2,), ctx=mx.cpu(1))
    check(mx.nd.concat(c, c, dim=0), [1, 1, 1, 1], ctx=mx.cpu(1))


def test_concat_errors():
    a = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    b = mx.nd.array([[5, 6]], dtype="int32")
    with pytest.raises(MXNetError):
        mx.nd.concat(a, b, dim=1)
    with pytest.raises(MXNetError):
        mx.nd.concat(a, a.astype("float32"), dim=1)


@pytest.mark.parametrize("make", [
    lambda: mx.nd.zeros(2, dtype="foo"),
    lambda: mx.nd.ones(2, dtype="foo"),
    lambda: mx.nd.full(2, 1, dtype="foo"),
    lambda: mx.nd.empty(2, dtype="foo"),
    lambda: mx.nd.array([1, 2]).astype("foo"),
], ids=["zeros", "ones", "full", "empty", "astype"])
def test_unknown_dtype_raises_type_error(make):
    with pytest.raises(TypeError):
        make()


@pytest.mark.parametrize("make", [
    lambda: mx.nd.zeros((2, -1)),
    lambda: mx.nd.ones((-2,)),
], ids=["zeros", "ones"])
def test_negative_dimension_raises(make):
    with pytest.raises(MXNetError):
        make()


def test_zeros_and_ones_refuse_unknown_shapes_outside_np_shape():
    # MXNet 1.x's legacy shapes: a 0 or no dimension at all means unknown
    for create in (mx.nd.zeros, mx.nd.ones):
        for shape in ((), (2, 0), (0, 1, 3, 0)):
            with pytest.raises(MXNetError, match="np_shape"):
                create(shape)
    with pytest.raises(MXNetError, match="np_shape"):
        mx.nd.full((), 2)
    # what MXNet allows there: empty, full and array of zero-size shapes, array of a scalar
    assert mx.nd.empty(()).shape == () and mx.nd.empty((2, 0)).shape == (2, 0)
    check(mx.nd.full((0, 3), 2), np.zeros((0, 3)), "float32")
    assert mx.nd.array(np.zeros((2, 0))).shape == (2, 0)
    assert mx.nd.array(np.float32(3)).shape == ()


def test_repeated_small_creations_on_the_cpu_compile_no_filler():
    # a bind allocates each shape twice, so the third bind of a graph used to compile a
    # filler per shape (20-60 ms each); on the CPU a shape is filled on the host until
    # its fills have cost about one compile
    from symjax_mx.ndarray import creation
    filler_compiles = creation._filler.cache_info().misses
    shape = (7, 3, 5)
    for i in range(40):
        check(mx.nd.full(shape, i, dtype="int32"), np.full(shape, i), "int32")
        check(mx.nd.zeros(shape, dtype="float16"), np.zeros(shape), "float16")
    assert creation._filler.cache_info().misses == filler_compiles
    # NaN into integers is the device's cast: it still takes the compiled filler
    assert mx.nd.full((2, 9, 1), float("nan"), dtype="int32").shape == (2, 9, 1)
    assert creation._filler.cache_info().misses == filler_compiles + 1


def test_zero_size_and_scalar_arrays_under_np_shape():
    with mx.np_shape():
        z = mx.nd.zeros((2, 0))
        assert z.shape == (2, 0)
        assert z.size == 0
        assert z.asnumpy().shape == (2, 0)
        assert not bool(z)
        check(mx.nd.ones((0,)), np.zeros((0,)), "float32")
        check(mx.nd.zeros((0, 3), dtype="int32"), np.zeros((0, 3)), "int32")
        check(mx.nd.ones(()), np.ones(()), "float32")
        check(mx.nd.full((), 2), np.full((), 2), "float32")


# --------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------
def test_basic_properties():
    a = mx.nd.arange(6).reshape((2, 3))
    assert isinstance(a.shape, tuple)
    assert a.shape == (2, 3)
    assert a.size == 6
    assert a.ndim == 2
    assert a.dtype is np.float32
    assert a.context == mx.cpu(0)
    assert a.ctx == mx.cpu(0)
    assert a.context == mx.cpu()
    assert mx.nd.zeros((4, 1, 2)).ndim == 3


def test_context_property():
    a = mx.nd.zeros((2,), ctx=mx.cpu(1))
    assert a.context == mx.cpu(1)
    assert a.ctx == mx.cpu(1)
    assert a.context != mx.cpu(0)
    assert a.context.device_type == "cpu"
    assert a.context.device_id == 1
    assert str(a.context) == "cpu(1)"


def test_transpose_property():
    a = mx.nd.arange(6).reshape((2, 3))
    check(a.T, [[0, 3], [1, 4], [2, 5]])
    c = mx.nd.arange(24).reshape((2, 3, 4))
    t = c.T
    assert t.shape == (4, 3, 2)
    np.testing.assert_array_equal(t.asnumpy(), c.asnumpy().T)
    b = mx.nd.arange(3)
    assert b.T is b
    s = mx.nd.array(3)
    assert s.T is s


@pytest.mark.parametrize("make, text", [
    (lambda: mx.nd.arange(6).reshape((2, 3)),
     "\n[[0. 1. 2.]\n [3. 4. 5.]]\n<NDArray 2x3 @cpu(0)>"),
    (lambda: mx.nd.arange(3), "\n[0. 1. 2.]\n<NDArray 3 @cpu(0)>"),
    (lambda: mx.nd.array([1, 2], dtype="int32"), "\n[1 2]\n<NDArray 2 @cpu(0)>"),
    (lambda: mx.nd.array([[1, 2]], dtype="int64"), "\n[[1 2]]\n<NDArray 1x2 @cpu(0)>"),
    (lambda: mx.nd.array([1, 0], dtype="bool"), "\n[ True False]\n<NDArray 2 @cpu(0)>"),
    (lambda: mx.nd.array([1.5, 0], dtype="float16"), "\n[1.5 0. ]\n<NDArray 2 @cpu(0)>"),
    (lambda: mx.nd.array([1.5, 0.25], dtype="float64"),
     "\n[1.5  0.25]\n<NDArray 2 @cpu(0)>"),
    (lambda: mx.nd.array([0.5, 1.25, -3]), "\n[ 0.5   1.25 -3.  ]\n<NDArray 3 @cpu(0)>"),
    (lambda: mx.nd.zeros((2,), ctx=mx.cpu(1)), "\n[0. 0.]\n<NDArray 2 @cpu(1)>"),
    (lambda: mx.nd.zeros((1, 2, 2)),
     "\n[[[0. 0.]\n  [0. 0.]]]\n<NDArray 1x2x2 @cpu(0)>"),
    (lambda: mx.nd.array(3), "\n3.0\n<NDArray  @cpu(0)>"),
], ids=["2x3", "1d", "int32", "int64", "bool", "float16", "float64", "fractions",
        "cpu1", "3d", "0d"])
def test_repr_and_str(make, text):
    a = make()
    assert repr(a) == text
    assert str(a) == text


def test_len():
    assert len(mx.nd.arange(6).reshape((2, 3))) == 2
    assert len(mx.nd.arange(3)) == 3
    assert len(mx.nd.zeros((4, 1))) == 4


def test_iteration_1d_yields_shape_1_items():
    items = list(mx.nd.array([0, 1, 2]))
    assert len(items) == 3
    for i, item in enumerate(items):
        check(item, [float(i)], shape=(1,))


def test_iteration_2d_yields_row_views():
    a = mx.nd.arange(6).reshape((2, 3))
    rows = list(a)
    assert len(rows) == 2
    check(rows[0], [0, 1, 2])
    check(rows[1], [3, 4, 5])
    rows[0][:] = 9
    check(a, [[9, 9, 9], [3, 4, 5]])


@pytest.mark.parametrize("make, expected", [
    (lambda: mx.nd.array([0]), False),
    (lambda: mx.nd.array([2]), True),
    (lambda: mx.nd.array(0), False),
    (lambda: mx.nd.array(5), True),
    (lambda: mx.nd.array([[0.5]]), True),
    (lambda: mx.nd.array([]), False),
], ids=["[0]", "[2]", "0d-zero", "0d-five", "[[0.5]]", "empty"])
def test_bool(make, expected):
    assert bool(make()) is expected


def test_bool_of_many_elements_raises():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(mx.nd.array([1, 2]))


# --------------------------------------------------------------------------
# arithmetic
# --------------------------------------------------------------------------
F = [[1.5, -2.5, 3], [4, 5, -6]]
G = [[2, 2, 2], [-4, 3, 4]]

# (op, F op G, F op 2, 2 op G)
BINARY = [
    (operator.add, [[3.5, -0.5, 5], [0, 8, -2]], [[3.5, -0.5, 5], [6, 7, -4]],
     [[4, 4, 4], [-2, 5, 6]]),
    (operator.sub, [[-0.5, -4.5, 1], [8, 2, -10]], [[-0.5, -4.5, 1], [2, 3, -8]],
     [[0, 0, 0], [6, -1, -2]]),
    (operator.mul, [[3, -5, 6], [-16, 15, -24]], [[3, -5, 6], [8, 10, -12]],
     [[4, 4, 4], [-8, 6, 8]]),
    (operator.truediv, [[0.75, -1.25, 1.5], [-1, 5 / 3, -1.5]],
     [[0.75, -1.25, 1.5], [2, 2.5, -3]], [[1, 1, 1], [-0.5, 2 / 3, 0.5]]),
    (operator.mod, [[1.5, 1.5, 1], [0, 2, 2]], [[1.5, 1.5, 1], [0, 1, 0]],
     [[0, 0, 0], [-2, 2, 2]]),
    (operator.pow, [[2.25, 6.25, 9], [0.00390625, 125, 1296]],
     [[2.25, 6.25, 9], [16, 25, 36]], [[4, 4, 4], [0.0625, 8, 16]]),
]
BINARY_IDS = ["add", "sub", "mul", "div", "mod", "pow"]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op, nd_nd, nd_scalar, scalar_nd", BINARY, ids=BINARY_IDS)
def test_binary_ndarray_ndarray(op, nd_nd, nd_scalar, scalar_nd, dtype):
    f = mx.nd.array(F, dtype=dtype)
    g = mx.nd.array(G, dtype=dtype)
    check(op(f, g), nd_nd, dtype)
    check(f, F, dtype)  # operands untouched
    check(g, G, dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op, nd_nd, nd_scalar, scalar_nd", BINARY, ids=BINARY_IDS)
def test_binary_ndarray_scalar(op, nd_nd, nd_scalar, scalar_nd, dtype):
    check(op(mx.nd.array(F, dtype=dtype), 2), nd_scalar, dtype)
    check(op(mx.nd.array(F, dtype=dtype), 2.0), nd_scalar, dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op, nd_nd, nd_scalar, scalar_nd", BINARY, ids=BINARY_IDS)
def test_binary_scalar_ndarray_reflected(op, nd_nd, nd_scalar, scalar_nd, dtype):
    check(op(2, mx.nd.array(G, dtype=dtype)), scalar_nd, dtype)


def test_float_division_by_zero():
    check(mx.nd.array([1.0, -1.0, 0.0]) / 0, [np.inf, -np.inf, np.nan])


def test_float_mod_is_floored():
    check(mx.nd.array([7.5, -7.5]) % -2, [-0.5, -1.5])
    check(7.5 % mx.nd.array([2.0, -2.0]), [1.5, -0.5])
    check(2 ** mx.nd.array([1.0, 0.5]), [2.0, np.sqrt(2.0)])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["int32", "int64"])
def test_unary_negation_and_abs(dtype):
    x = mx.nd.array([[3, -4], [0, 5]], dtype=dtype)
    check(-x, [[-3, 4], [0, -5]], dtype)
    check(abs(x), [[3, 4], [0, 5]], dtype)
    check(x, [[3, -4], [0, 5]], dtype)


def test_unary_float_values():
    f = mx.nd.array(F)
    check(-f, [[-1.5, 2.5, -3], [-4, -5, 6]])
    check(abs(f), [[1.5, 2.5, 3], [4, 5, 6]])


def test_uint8_wraps():
    u = mx.nd.array([0, 1, 200], dtype="uint8")
    check(-u, [0, 255, 56], "uint8")
    check(u - 1, [255, 0, 199], "uint8")
    check(u + 100, [100, 101, 44], "uint8")
    check(u * 2, [0, 2, 144], "uint8")
    check(u / 3, [0, 0, 66], "uint8")
    check(abs(u), [0, 1, 200], "uint8")


def test_int8_negation_of_min_wraps():
    check(-mx.nd.array([-128, 1], dtype="int8"), [-128, -1], "int8")


I_VALS = [7, -7, 8, -9]
J_VALS = [2, 2, -3, 4]

# MXNet casts the Python scalar to the array's dtype first (1.5 -> 1, 2.7 -> 2,
# -7.5 -> -7), integer division truncates toward zero, % is floored.
INT_RULES = [
    ("i * 1.5", lambda i, j: i * 1.5, [7, -7, 8, -9]),
    ("1.5 * i", lambda i, j: 1.5 * i, [7, -7, 8, -9]),
    ("i + 1.5", lambda i, j: i + 1.5, [8, -6, 9, -8]),
    ("i + 2.7", lambda i, j: i + 2.7, [9, -5, 10, -7]),
    ("i - 0.5", lambda i, j: i - 0.5, [7, -7, 8, -9]),
    ("i / 2", lambda i, j: i / 2, [3, -3, 4, -4]),
    ("i / 2.5", lambda i, j: i / 2.5, [3, -3, 4, -4]),
    ("i / j", lambda i, j: i / j, [3, -3, -2, -2]),
    ("10 / j", lambda i, j: 10 / j, [5, 5, -3, 2]),
    ("-7.5 / j", lambda i, j: -7.5 / j, [-3, -3, 2, -1]),
    ("i % j", lambda i, j: i % j, [1, 1, -1, 3]),
    ("i % 3", lambda i, j: i % 3, [1, 2, 2, 0]),
    ("i % -3", lambda i, j: i % -3, [-2, -1, -1, 0]),
    ("3 % j", lambda i, j: 3 % j, [1, 1, 0, 3]),
    ("i ** 2", lambda i, j: i ** 2, [49, 49, 64, 81]),
    ("10 - j", lambda i, j: 10 - j, [8, 8, 13, 6]),
    ("i + j", lambda i, j: i + j, [9, -5, 5, -5]),
    ("i * j", lambda i, j: i * j, [14, -14, -24, -36]),
    ("i == 7.5", lambda i, j: i == 7.5, [1, 0, 0, 0]),
]


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
@pytest.mark.parametrize("name, fn, expected", INT_RULES, ids=[r[0] for r in INT_RULES])
def test_integer_arithmetic_rules(name, fn, expected, dtype):
    i = mx.nd.array(I_VALS, dtype=dtype)
    j = mx.nd.array(J_VALS, dtype=dtype)
    check(fn(i, j), expected, dtype)


X_VALS = [1, 2, 3]
Y_VALS = [3, 2, 1]
# (op, x op y, x op 2, 2 op x)
COMPARISONS = [
    (operator.eq, [0, 1, 0], [0, 1, 0], [0, 1, 0]),
    (operator.ne, [1, 0, 1], [1, 0, 1], [1, 0, 1]),
    (operator.lt, [1, 0, 0], [1, 0, 0], [0, 0, 1]),
    (operator.le, [1, 1, 0], [1, 1, 0], [0, 1, 1]),
    (operator.gt, [0, 0, 1], [0, 0, 1], [1, 0, 0]),
    (operator.ge, [0, 1, 1], [0, 1, 1], [1, 1, 0]),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64",
                                   "uint8", "int8"])
@pytest.mark.parametrize("op, xy, x2, twox", COMPARISONS,
                         ids=["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons_return_input_dtype(op, xy, x2, twox, dtype):
    x = mx.nd.array(X_VALS, dtype=dtype)
    y = mx.nd.array(Y_VALS, dtype=dtype)
    check(op(x, y), xy, dtype)
    check(op(x, 2), x2, dtype)
    check(op(2, x), twox, dtype)


def test_comparison_broadcasts():
    check(mx.nd.array([[1], [2]]) == mx.nd.array([1, 2]), [[1, 0], [0, 1]])


@pytest.mark.parametrize("lhs, rhs, op, expected", [
    ([[1, 2, 3], [4, 5, 6]], [10, 20, 30], operator.add, [[11, 22, 33], [14, 25, 36]]),
    ([[1], [2]], [[10, 20, 30]], operator.add, [[11, 21, 31], [12, 22, 32]]),
    ([10, 20, 30], [[1, 2, 3], [4, 5, 6]], operator.sub, [[9, 18, 27], [6, 15, 24]]),
    ([[1, 2], [3, 4]], [2], operator.mul, [[2, 4], [6, 8]]),
    ([[2], [4]], [[1, 2]], operator.truediv, [[2, 1], [4, 2]]),
], ids=["(2,3)+(3,)", "(2,1)+(1,3)", "(3,)-(2,3)", "(2,2)*(1,)", "(2,1)/(1,2)"])
def test_broadcasting(lhs, rhs, op, expected):
    check(op(mx.nd.array(lhs), mx.nd.array(rhs)), expected)


@pytest.mark.parametrize("lshape, rshape", [((2, 3), (4,)), ((2, 3), (3, 2))])
def test_incompatible_shapes_raise(lshape, rshape):
    with pytest.raises(MXNetError) as excinfo:
        mx.nd.ones(lshape) + mx.nd.ones(rshape)
    assert_mentions_shapes(excinfo, lshape, rshape)


A_VALS = [[1, 5], [3, 2]]
B_VALS = [[2, 2], [2, 2]]
# (function, f(A, B), f(A, 2), f(2, A))
ND_FUNCS = [
    ("add", [[3, 7], [5, 4]], [[3, 7], [5, 4]], [[3, 7], [5, 4]]),
    ("subtract", [[-1, 3], [1, 0]], [[-1, 3], [1, 0]], [[1, -3], [-1, 0]]),
    ("multiply", [[2, 10], [6, 4]], [[2, 10], [6, 4]], [[2, 10], [6, 4]]),
    ("divide", [[0.5, 2.5], [1.5, 1]], [[0.5, 2.5], [1.5, 1]], [[2, 0.4], [2 / 3, 1]]),
    ("true_divide", [[0.5, 2.5], [1.5, 1]], [[0.5, 2.5], [1.5, 1]],
     [[2, 0.4], [2 / 3, 1]]),
    ("maximum", [[2, 5], [3, 2]], [[2, 5], [3, 2]], [[2, 5], [3, 2]]),
    ("minimum", [[1, 2], [2, 2]], [[1, 2], [2, 2]], [[1, 2], [2, 2]]),
    ("equal", [[0, 0], [0, 1]], [[0, 0], [0, 1]], [[0, 0], [0, 1]]),
    ("not_equal", [[1, 1], [1, 0]], [[1, 1], [1, 0]], [[1, 1], [1, 0]]),
    ("greater", [[0, 1], [1, 0]], [[0, 1], [1, 0]], [[1, 0], [0, 0]]),
    ("greater_equal", [[0, 1], [1, 1]], [[0, 1], [1, 1]], [[1, 0], [0, 1]]),
    ("lesser", [[1, 0], [0, 0]], [[1, 0], [0, 0]], [[0, 1], [1, 0]]),
    ("lesser_equal", [[1, 0], [0, 1]], [[1, 0], [0, 1]], [[0, 1], [1, 1]]),
    ("modulo", [[1, 1], [1, 0]], [[1, 1], [1, 0]], [[0, 2], [2, 0]]),
    ("power", [[1, 25], [9, 4]], [[1, 25], [9, 4]], [[2, 32], [8, 4]]),
]


@pytest.mark.parametrize("name, ab, a2, twoa", ND_FUNCS, ids=[r[0] for r in ND_FUNCS])
def test_nd_binary_functions(name, ab, a2, twoa):
    fn = getattr(mx.nd, name)
    a = mx.nd.array(A_VALS)
    b = mx.nd.array(B_VALS)
    check(fn(a, b), ab)
    check(fn(a, 2), a2)
    check(fn(2, a), twoa)


def test_nd_maximum_broadcasts():
    check(mx.nd.maximum(mx.nd.array(A_VALS), mx.nd.array([2, 4])), [[2, 5], [3, 4]])


@pytest.mark.parametrize("name, lhs, rhs, expected", [
    ("broadcast_add", [[1], [2]], [[10, 20]], [[11, 21], [12, 22]]),
    ("broadcast_sub", [[1], [2]], [[10, 20]], [[-9, -19], [-8, -18]]),
    ("broadcast_mul", [[1], [2]], [[10, 20]], [[10, 20], [20, 40]]),
    ("broadcast_div", [[1], [2]], [[10, 20]], [[0.1, 0.05], [0.2, 0.1]]),
    ("broadcast_maximum", [[1], [25]], [[10, 20]], [[10, 20], [25, 25]]),
    ("broadcast_minimum", [[1], [25]], [[10, 20]], [[1, 1], [10, 20]]),
    ("broadcast_equal", [[10], [20]], [[10, 20]], [[1, 0], [0, 1]]),
    ("broadcast_add", [[1], [2]], [10, 20], [[11, 21], [12, 22]]),
])
def test_broadcast_functions(name, lhs, rhs, expected):
    check(getattr(mx.nd, name)(mx.nd.array(lhs), mx.nd.array(rhs)), expected)


@pytest.mark.parametrize("name, expected", [
    ("elemwise_add", [[3, 7], [5, 4]]),
    ("elemwise_sub", [[-1, 3], [1, 0]]),
    ("elemwise_mul", [[2, 10], [6, 4]]),
    ("elemwise_div", [[0.5, 2.5], [1.5, 1]]),
])
def test_elemwise_functions(name, expected):
    check(getattr(mx.nd, name)(mx.nd.array(A_VALS), mx.nd.array(B_VALS)), expected)


@pytest.mark.parametrize("lhs, rhs", [((2, 1), (1, 2)), ((2, 2), (2,))])
def test_elemwise_add_requires_equal_shapes(lhs, rhs):
    with pytest.raises(MXNetError):
        mx.nd.elemwise_add(mx.nd.ones(lhs), mx.nd.ones(rhs))


def test_out_argument():
    a = mx.nd.array(A_VALS)
    b = mx.nd.array(B_VALS)
    o = mx.nd.zeros((2, 2))
    assert mx.nd.elemwise_add(a, b, out=o) is o
    check(o, [[3, 7], [5, 4]])
    o2 = mx.nd.zeros((2, 2))
    assert mx.nd.broadcast_add(a, b, out=o2) is o2
    check(o2, [[3, 7], [5, 4]])
    o3 = mx.nd.zeros((2,))
    assert mx.nd.sum(a, axis=0, out=o3) is o3
    check(o3, [4, 7])


def test_out_argument_writes_through_view():
    base = mx.nd.zeros((2, 2))
    mx.nd.elemwise_add(mx.nd.ones((2,)), mx.nd.ones((2,)), out=base[1])
    check(base, [[0, 0], [2, 2]])


def test_out_argument_wrong_shape_raises():
    with pytest.raises(MXNetError):
        mx.nd.elemwise_add(mx.nd.array(A_VALS), mx.nd.array(B_VALS), out=mx.nd.zeros((3,)))


@pytest.mark.parametrize("op, operand, expected", [
    (operator.iadd, 1, [2, 3, 4]),
    (operator.iadd, [1, 2, 3], [2, 4, 6]),
    (operator.isub, 1, [0, 1, 2]),
    (operator.isub, [3, 2, 1], [-2, 0, 2]),
    (operator.imul, 3, [3, 6, 9]),
    (operator.imul, [2, 0, -1], [2, 0, -3]),
    (operator.itruediv, 2, [0.5, 1, 1.5]),
    (operator.itruediv, [2, 4, 0.5], [0.5, 0.5, 6]),
    (operator.imod, 2, [1, 0, 1]),
    (operator.imod, [2, 2, 2], [1, 0, 1]),
], ids=["+=s", "+=nd", "-=s", "-=nd", "*=s", "*=nd", "/=s", "/=nd", "%=s", "%=nd"])
def test_inplace_operators_keep_identity(op, operand, expected):
    a = mx.nd.array([1, 2, 3])
    alias = a
    if isinstance(operand, list):
        operand = mx.nd.array(operand)
    a = op(a, operand)  # exactly what `a op= operand` does
    assert a is alias
    check(alias, expected)


def test_inplace_statements():
    a = mx.nd.array([1, 2, 3])
    b = a
    a += 1
    a -= mx.nd.array([1, 1, 1])
    a *= 3
    a /= 2
    a %= 2
    assert b is a
    check(b, [1.5, 1.0, 0.5])


def test_inplace_integer_rules():
    i = mx.nd.array([7, -7], dtype="int32")
    k = i
    i /= 2
    assert k is i
    check(k, [3, -3], "int32")
    i *= 2.9
    assert k is i
    check(k, [6, -6], "int32")


def test_inplace_broadcast_rhs():
    m = mx.nd.ones((2, 3))
    n = m
    m += mx.nd.array([1, 2, 3])
    assert n is m
    check(n, [[2, 3, 4], [2, 3, 4]])


def test_inplace_cannot_grow_shape():
    m = mx.nd.ones((1, 3))
    with pytest.raises(MXNetError):
        m += mx.nd.ones((2, 3))


def test_inplace_on_view_writes_to_base():
    v = mx.nd.zeros((2, 3))
    w = v[1]
    w += 5
    check(v, [[0, 0, 0], [5, 5, 5]])


@pytest.mark.parametrize("ldt, rdt", [
    ("float32", "float64"), ("float32", "int32"), ("int32", "int64"), ("float16", "float32"),
])
@pytest.mark.parametrize("op", [operator.add, operator.mul, operator.eq,
                                mx.nd.elemwise_add, mx.nd.broadcast_sub],
                         ids=["add", "mul", "eq", "elemwise_add", "broadcast_sub"])
def test_mixed_dtypes_raise(op, ldt, rdt):
    with pytest.raises(MXNetError) as excinfo:
        op(mx.nd.ones((2,), dtype=ldt), mx.nd.ones((2,), dtype=rdt))
    assert_mentions(excinfo, ldt, rdt)


@pytest.mark.parametrize("op", [operator.add, operator.mul], ids=["add", "mul"])
def test_bool_arithmetic_raises(op):
    with pytest.raises(MXNetError):
        # (MXNet reports this asynchronously, hence the asnumpy())
        op(mx.nd.ones(2, dtype="bool"), mx.nd.ones(2, dtype="bool")).asnumpy()


@pytest.mark.parametrize("op", [
    operator.add, operator.sub, operator.mul, operator.truediv, operator.eq, operator.lt,
    mx.nd.elemwise_add, mx.nd.broadcast_add, mx.nd.maximum,
], ids=["add", "sub", "mul", "div", "eq", "lt", "elemwise_add", "broadcast_add",
        "maximum"])
def test_deviation_mixed_contexts_raise(op):
    a = mx.nd.ones((2,), ctx=mx.cpu(0))
    b = mx.nd.ones((2,), ctx=mx.cpu(1))
    with pytest.raises(MXNetError) as excinfo:
        op(a, b)
    assert_mentions(excinfo, "cpu(0)", "cpu(1)")


def test_results_stay_on_the_operands_context():
    x = mx.nd.ones((2,), ctx=mx.cpu(1))
    check(x + 1, [2, 2], ctx=mx.cpu(1))
    check(1 - x, [0, 0], ctx=mx.cpu(1))
    check(x * x, [1, 1], ctx=mx.cpu(1))
    check(-x, [-1, -1], ctx=mx.cpu(1))
    check(x > 0, [1, 1], ctx=mx.cpu(1))
    check(x.sum(), [2], ctx=mx.cpu(1))
    check(x[0], [1], ctx=mx.cpu(1))
    check(x.reshape((2, 1)), [[1], [1]], ctx=mx.cpu(1))
    check(x.astype("int32"), [1, 1], "int32", ctx=mx.cpu(1))
    check(x.copy(), [1, 1], ctx=mx.cpu(1))
    check(mx.nd.zeros_like(x), [0, 0], ctx=mx.cpu(1))
    check(mx.nd.ones((2, 2), ctx=mx.cpu(1)).T, np.ones((2, 2)), ctx=mx.cpu(1))


def test_deviation_numpy_operands():
    a = mx.nd.array([1, 2, 3])
    check(a + np.array([1.0, 2.0, 3.0]), [2, 4, 6])
    check(np.array([10, 20, 30]) - a, [9, 18, 27])
    check(np.array([2.0, 4.0, 6.0]) / a, [2, 2, 2])
    check(a * np.array([2, 2, 2], dtype=np.int64), [2, 4, 6])
    check(a > np.array([0, 2, 4]), [1, 0, 0])
    m = mx.nd.ones((2, 3))
    check(m + np.array([1, 2, 3]), [[2, 3, 4], [2, 3, 4]])
    check(np.array([1, 2, 3]) * m, [[1, 2, 3], [1, 2, 3]])


def test_deviation_numpy_operand_converted_to_ndarray_dtype():
    i = mx.nd.array([1, 2, 3], dtype="int32")
    check(i + np.array([1.7, 2.7, 3.7]), [2, 4, 6], "int32")
    check(np.array([1.7, 2.7, 3.7]) + i, [2, 4, 6], "int32")
    h = mx.nd.array([1, 2], dtype="float16")
    check(h * np.array([2.0, 3.0]), [2, 6], "float16")


def test_numpy_sources_are_read_when_given_not_later():
    """On the CPU, JAX may alias a numpy array or copy it after the call returns: an
    operand changed right after the call must not change the result."""
    for _ in range(20):
        source = np.arange(1 << 21, dtype=np.float32)
        total = mx.nd.zeros(source.shape) + source
        source[:] = -1
        assert total[5].asscalar() == 5.0


def test_deviation_numpy_operand_inplace():
    a = mx.nd.array([1, 2, 3])
    b = a
    a += np.array([1.0, 1.0, 1.0])
    assert a is b
    check(b, [2, 3, 4])


# --------------------------------------------------------------------------
# reductions
# --------------------------------------------------------------------------
X2 = [[1, 2], [3, 4]]

REDUCTIONS_2D = [
    ("sum", {}, [10], (1,)),
    ("sum", {"axis": 0}, [4, 6], (2,)),
    ("sum", {"axis": -1}, [3, 7], (2,)),
    ("sum", {"axis": (0, 1)}, [10], (1,)),
    ("sum", {"axis": 1, "keepdims": True}, [[3], [7]], (2, 1)),
    ("sum", {"keepdims": True}, [[10]], (1, 1)),
    ("sum", {"axis": 0, "exclude": True}, [3, 7], (2,)),
    ("mean", {}, [2.5], (1,)),
    ("mean", {"axis": 0}, [2, 3], (2,)),
    ("max", {}, [4], (1,)),
    ("max", {"axis": 1}, [2, 4], (2,)),
    ("min", {}, [1], (1,)),
    ("min", {"axis": 0}, [1, 2], (2,)),
    ("prod", {}, [24], (1,)),
    ("prod", {"axis": 1}, [2, 12], (2,)),
    ("nansum", {"axis": 1}, [3, 7], (2,)),
    ("nanprod", {}, [24], (1,)),
]
RED_IDS = ["%s-%s" % (n, "-".join("%s=%s" % kv for kv in kw.items()) or "all")
           for n, kw, _, _ in REDUCTIONS_2D]


@pytest.mark.parametrize("name, kwargs, expected, shape", REDUCTIONS_2D, ids=RED_IDS)
def test_reduction_function(name, kwargs, expected, shape):
    check(getattr(mx.nd, name)(mx.nd.array(X2), **kwargs), expected, shape=shape)


@pytest.mark.parametrize("name, kwargs, expected, shape", REDUCTIONS_2D, ids=RED_IDS)
def test_reduction_method(name, kwargs, expected, shape):
    check(getattr(mx.nd.array(X2), name)(**kwargs), expected, shape=shape)


@pytest.mark.parametrize("name, kwargs, expected, shape", [
    ("sum", {"axis": (0, 2)}, [60, 92, 124], (3,)),
    ("sum", {"axis": (-1, -3)}, [60, 92, 124], (3,)),
    ("sum", {"axis": (0, 2), "keepdims": True}, [60, 92, 124], (1, 3, 1)),
    ("sum", {"axis": 1, "exclude": True}, [60, 92, 124], (3,)),
    ("sum", {"axis": 1, "exclude": True, "keepdims": True}, [60, 92, 124], (1, 3, 1)),
    ("max", {"axis": -2}, [[8, 9, 10, 11], [20, 21, 22, 23]], (2, 4)),
    ("min", {"axis": (1, 2)}, [0, 12], (2,)),
    ("mean", {"axis": 0}, np.arange(6, 18).reshape(3, 4), (3, 4)),
])
def test_reduction_3d(name, kwargs, expected, shape):
    x = mx.nd.arange(24).reshape((2, 3, 4))
    check(getattr(mx.nd, name)(x, **kwargs), expected, shape=shape)


def test_reduction_positional_axis_keepdims():
    check(mx.nd.sum(mx.nd.array(X2), 1, True), [[3], [7]])


def test_full_reduction_of_1d_has_shape_1():
    check(mx.nd.arange(4).sum(axis=0), [6], shape=(1,))
    check(mx.nd.arange(4).sum(), [6], shape=(1,))


def test_nan_reductions():
    y = mx.nd.array([[1, np.nan], [3, 4]])
    check(mx.nd.nansum(y), [8])
    check(mx.nd.nansum(y, axis=0), [4, 4])
    check(mx.nd.nanprod(y), [12])
    check(mx.nd.nanprod(y, axis=1), [1, 12])
    check(y.nansum(), [8])
    check(y.nanprod(axis=1), [1, 12])
    check(y.sum(), [np.nan])


@pytest.mark.parametrize("dtype, fn, expected", [
    ("int32", lambda x: x.sum(), [10]),
    ("int32", lambda x: x.sum(axis=0), [4, 6]),
    ("int32", lambda x: x.mean(), [2]),
    ("int32", lambda x: x.mean(axis=1), [1, 3]),
    ("int32", lambda x: x.max(), [4]),
    ("int32", lambda x: mx.nd.min(x, axis=1), [1, 3]),
    ("int32", lambda x: x.prod(), [24]),
    ("int64", lambda x: x.sum(axis=1), [3, 7]),
    ("int8", lambda x: x.prod(axis=0), [3, 8]),
    ("float16", lambda x: x.sum(), [10]),
    ("float64", lambda x: x.mean(), [2.5]),
])
def test_reductions_keep_dtype(dtype, fn, expected):
    check(fn(mx.nd.array(X2, dtype=dtype)), expected, dtype)


def test_uint8_sum_wraps():
    check(mx.nd.array([200, 100], dtype="uint8").sum(), [44], "uint8")
    check(mx.nd.array([200, 100], dtype="int64").sum(), [300], "int64")


def test_reduction_axis_out_of_range_raises():
    with pytest.raises(MXNetError):
        mx.nd.array(X2).sum(axis=2)


# --------------------------------------------------------------------------
# indexing
# --------------------------------------------------------------------------
GET_CASES = [
    ("a[1]", lambda a: a[1], NP12[1]),
    ("a[1:3]", lambda a: a[1:3], NP12[1:3]),
    ("a[:]", lambda a: a[:], NP12),
    ("a[...]", lambda a: a[...], NP12),
    ("a[1][2]", lambda a: a[1][2], NP12[1, 2].reshape(1)),   # MXNet: shape (1,)
    ("a[1, 2]", lambda a: a[1, 2], NP12[1, 2].reshape(1)),   # MXNet: shape (1,)
    ("a[2, -1]", lambda a: a[2, -1], NP12[2, -1].reshape(1)),
    ("a[-1]", lambda a: a[-1], NP12[-1]),
    ("a[None]", lambda a: a[None], NP12[None]),
    ("a[..., 1]", lambda a: a[..., 1], NP12[..., 1]),
    ("a[::2]", lambda a: a[::2], NP12[::2]),
    ("a[:, 1]", lambda a: a[:, 1], NP12[:, 1]),
    ("a[0, 1:3]", lambda a: a[0, 1:3], NP12[0, 1:3]),
    ("a[1:]", lambda a: a[1:], NP12[1:]),
    ("a[:, ::2]", lambda a: a[:, ::2], NP12[:, ::2]),
    ("a[::-1]", lambda a: a[::-1], NP12[::-1]),
    ("a[1:2]", lambda a: a[1:2], NP12[1:2]),
    ("a[-2:]", lambda a: a[-2:], NP12[-2:]),
    ("a[(1,)]", lambda a: a[(1,)], NP12[1]),
    ("a[1, None]", lambda a: a[1, None], NP12[1, None]),
    ("a[:, None, 1]", lambda a: a[:, None, 1], NP12[:, None, 1]),
    ("a[np.int64(1)]", lambda a: a[np.int64(1)], NP12[1]),
    ("a[1:3][0]", lambda a: a[1:3][0], NP12[1]),
    ("a[0:0]", lambda a: a[0:0], NP12[0:0]),
    ("a[5:]", lambda a: a[5:], NP12[5:]),
]


@pytest.mark.parametrize("name, get, expected", GET_CASES, ids=[c[0] for c in GET_CASES])
def test_basic_indexing_values(name, get, expected):
    check(get(base12()), expected)


def test_1d_integer_index_has_shape_1():
    b = mx.nd.arange(5)
    check(b[2], [2], shape=(1,))
    check(b[-1], [4], shape=(1,))
    check(b[1:4:2], [1, 3])


# (name, getter, numpy index of the selected region in the base)
VIEW_CASES = [
    ("a[1]", lambda a: a[1], (1,)),
    ("a[1:3]", lambda a: a[1:3], (slice(1, 3),)),
    ("a[0, 1:3]", lambda a: a[0, 1:3], (0, slice(1, 3))),
    ("a[1][2]", lambda a: a[1][2], (1, 2)),
    ("a[1, 2]", lambda a: a[1, 2], (1, 2)),
    ("a[:]", lambda a: a[:], (slice(None),)),
    ("a[-1]", lambda a: a[-1], (-1,)),
    ("a[1:2]", lambda a: a[1:2], (slice(1, 2),)),
    ("a[1:3][0]", lambda a: a[1:3][0], (1,)),
    ("a[1, :]", lambda a: a[1, :], (1,)),
    ("a[-2:]", lambda a: a[-2:], (slice(-2, None),)),
    ("a[None]", lambda a: a[None], (slice(None),)),
    ("a.reshape((4, 3))", lambda a: a.reshape((4, 3)), (slice(None),)),
    ("a.reshape((12,))", lambda a: a.reshape((12,)), (slice(None),)),
]
VIEW_IDS = [c[0] for c in VIEW_CASES]


@pytest.mark.parametrize("name, get, region", VIEW_CASES, ids=VIEW_IDS)
def test_contiguous_view_writes_through_to_base(name, get, region):
    a = base12()
    v = get(a)
    v[:] = 100
    expected = NP12.copy()
    expected[region] = 100
    check(a, expected)


@pytest.mark.parametrize("name, get, region", VIEW_CASES, ids=VIEW_IDS)
def test_contiguous_view_sees_later_base_writes(name, get, region):
    a = base12()
    v = get(a)
    a[:] = -1
    check(v, -np.ones(v.shape), shape=v.shape)
    a[:] = mx.nd.arange(12).reshape((3, 4)) * 2
    np.testing.assert_array_equal(v.asnumpy().ravel(), (NP12 * 2)[region].ravel())


COPY_CASES = [
    ("a[:, 1]", lambda a: a[:, 1]),
    ("a[::2]", lambda a: a[::2]),
    ("a[..., 1]", lambda a: a[..., 1]),
    ("a[:, 1:3]", lambda a: a[:, 1:3]),
    ("a.T", lambda a: a.T),
    ("a[[0, 1]]", lambda a: a[[0, 1]]),
    ("a[np.array([0, 2])]", lambda a: a[np.array([0, 2])]),
    ("a[mx.nd.array([1, 0])]", lambda a: a[mx.nd.array([1, 0])]),
    ("a[[0, 1], [1, 2]]", lambda a: a[[0, 1], [1, 2]]),
]


@pytest.mark.parametrize("name, get", COPY_CASES, ids=[c[0] for c in COPY_CASES])
def test_noncontiguous_result_is_a_copy(name, get):
    a = base12()
    v = get(a)
    before = v.asnumpy()
    v[:] = 100
    check(a, NP12)                # writes to the copy do not reach the base
    a[:] = -1
    np.testing.assert_array_equal(v.asnumpy(), np.full(before.shape, 100, np.float32))


ADVANCED_CASES = [
    ("a[[0, 1]]", lambda a: a[[0, 1]], NP12[[0, 1]]),
    ("a[np.array([0, 2])]", lambda a: a[np.array([0, 2])], NP12[[0, 2]]),
    ("a[mx.nd.array([1, 0])]", lambda a: a[mx.nd.array([1, 0])], NP12[[1, 0]]),
    ("a[int32 nd]", lambda a: a[mx.nd.array([1, 0], dtype="int32")], NP12[[1, 0]]),
    ("a[[0, 1], [1, 2]]", lambda a: a[[0, 1], [1, 2]], NP12[[0, 1], [1, 2]]),
    ("a[[0, 2], :]", lambda a: a[[0, 2], :], NP12[[0, 2], :]),
    ("a[:, [1, 3]]", lambda a: a[:, [1, 3]], NP12[:, [1, 3]]),
    ("a[[[0], [2]], [1, 3]]", lambda a: a[[[0], [2]], [1, 3]], NP12[[[0], [2]], [1, 3]]),
    ("a[[-1]]", lambda a: a[[-1]], NP12[[-1]]),
    ("a[1, [0, 3]]", lambda a: a[1, [0, 3]], NP12[1, [0, 3]]),
    ("a[2-d nd]", lambda a: a[mx.nd.array([[0, 1], [2, 0]])], NP12[[[0, 1], [2, 0]]]),
]


@pytest.mark.parametrize("name, get, expected", ADVANCED_CASES,
                         ids=[c[0] for c in ADVANCED_CASES])
def test_advanced_indexing_values(name, get, expected):
    check(get(base12()), expected)


def test_advanced_indexing_1d():
    c = mx.nd.array([5, 6, 7])
    check(c[[2, 0, 0]], [7, 5, 5])
    check(c[mx.nd.array([2, 0])], [7, 5])


SET_CASES = [
    ("a[:] = 5", lambda a: a.__setitem__(slice(None), 5), np.full((3, 4), 5)),
    ("a[:] = nd row", lambda a: a.__setitem__(slice(None), mx.nd.array([1, 2, 3, 4])),
     np.tile([1, 2, 3, 4], (3, 1))),
    ("a[:] = np row", lambda a: a.__setitem__(slice(None), np.array([1, 2, 3, 4])),
     np.tile([1, 2, 3, 4], (3, 1))),
    ("a[:] = np full", lambda a: a.__setitem__(slice(None), NP12 * 2), NP12 * 2),
    ("a[:] = 0-d nd", lambda a: a.__setitem__(slice(None), mx.nd.array(5)),
     np.full((3, 4), 5)),
    ("a[:] = True", lambda a: a.__setitem__(slice(None), True), np.ones((3, 4))),
    ("a[1] = 7", lambda a: a.__setitem__(1, 7), [[0, 1, 2, 3], [7, 7, 7, 7], [8, 9, 10, 11]]),
    ("a[1] = 2.7", lambda a: a.__setitem__(1, 2.7),
     [[0, 1, 2, 3], [2.7, 2.7, 2.7, 2.7], [8, 9, 10, 11]]),
    ("a[1] = np.float64", lambda a: a.__setitem__(1, np.float64(2.5)),
     [[0, 1, 2, 3], [2.5, 2.5, 2.5, 2.5], [8, 9, 10, 11]]),
    ("a[1] = nd", lambda a: a.__setitem__(1, mx.nd.array([9, 8, 7, 6])),
     [[0, 1, 2, 3], [9, 8, 7, 6], [8, 9, 10, 11]]),
    ("a[1] = np", lambda a: a.__setitem__(1, np.array([9, 8, 7, 6])),
     [[0, 1, 2, 3], [9, 8, 7, 6], [8, 9, 10, 11]]),
    ("a[1] = list", lambda a: a.__setitem__(1, [9, 8, 7, 6]),
     [[0, 1, 2, 3], [9, 8, 7, 6], [8, 9, 10, 11]]),
    ("a[1] = int32 nd", lambda a: a.__setitem__(1, mx.nd.array([1, 2, 3, 4], dtype="int32")),
     [[0, 1, 2, 3], [1, 2, 3, 4], [8, 9, 10, 11]]),
    ("a[1] = float64 nd",
     lambda a: a.__setitem__(1, mx.nd.array([1, 2, 3, 4], dtype="float64")),
     [[0, 1, 2, 3], [1, 2, 3, 4], [8, 9, 10, 11]]),
    ("a[1:3] = 0", lambda a: a.__setitem__(slice(1, 3), 0),
     [[0, 1, 2, 3], [0, 0, 0, 0], [0, 0, 0, 0]]),
    ("a[1:3] = ones", lambda a: a.__setitem__(slice(1, 3), mx.nd.ones((2, 4))),
     [[0, 1, 2, 3], [1, 1, 1, 1], [1, 1, 1, 1]]),
    ("a[1:3] = column", lambda a: a.__setitem__(slice(1, 3), mx.nd.array([[1], [2]])),
     [[0, 1, 2, 3], [1, 1, 1, 1], [2, 2, 2, 2]]),
    ("a[1, 0:2] = -1", lambda a: a.__setitem__((1, slice(0, 2)), -1),
     [[0, 1, 2, 3], [-1, -1, 6, 7], [8, 9, 10, 11]]),
    ("a[:, 1] = 4", lambda a: a.__setitem__((slice(None), 1), 4),
     [[0, 4, 2, 3], [4, 4, 6, 7], [8, 4, 10, 11]]),
    ("a[:, 1] = nd", lambda a: a.__setitem__((slice(None), 1), mx.nd.array([1, 2, 3])),
     [[0, 1, 2, 3], [4, 2, 6, 7], [8, 3, 10, 11]]),
    ("a[::2] = 1", lambda a: a.__setitem__(slice(None, None, 2), 1),
     [[1, 1, 1, 1], [4, 5, 6, 7], [1, 1, 1, 1]]),
    ("a[1, 2] = 99", lambda a: a.__setitem__((1, 2), 99),
     [[0, 1, 2, 3], [4, 5, 99, 7], [8, 9, 10, 11]]),
    ("a[1, 2] = nd[5]", lambda a: a.__setitem__((1, 2), mx.nd.array([5])),
     [[0, 1, 2, 3], [4, 5, 5, 7], [8, 9, 10, 11]]),
    ("a[-1] = 3", lambda a: a.__setitem__(-1, 3), [[0, 1, 2, 3], [4, 5, 6, 7], [3, 3, 3, 3]]),
    ("a[..., 0] = 8", lambda a: a.__setitem__((Ellipsis, 0), 8),
     [[8, 1, 2, 3], [8, 5, 6, 7], [8, 9, 10, 11]]),
    ("a[:, ::2] = np", lambda a: a.__setitem__((slice(None), slice(None, None, 2)),
                                               np.array([[1, 2], [3, 4], [5, 6]])),
     [[1, 1, 2, 3], [3, 5, 4, 7], [5, 9, 6, 11]]),
    ("a[[0, 2]] = 0", lambda a: a.__setitem__([0, 2], 0),
     [[0, 0, 0, 0], [4, 5, 6, 7], [0, 0, 0, 0]]),
    ("a[np [0, 2]] = nd row",
     lambda a: a.__setitem__(np.array([0, 2]), mx.nd.array([1, 2, 3, 4])),
     [[1, 2, 3, 4], [4, 5, 6, 7], [1, 2, 3, 4]]),
    ("a[nd [2, 0]] = 1", lambda a: a.__setitem__(mx.nd.array([2, 0]), 1),
     [[1, 1, 1, 1], [4, 5, 6, 7], [1, 1, 1, 1]]),
    ("a[[0, 1], [1, 2]] = -5", lambda a: a.__setitem__(([0, 1], [1, 2]), -5),
     [[0, -5, 2, 3], [4, 5, -5, 7], [8, 9, 10, 11]]),
    ("a[[0, 1], [1, 2]] = nd",
     lambda a: a.__setitem__(([0, 1], [1, 2]), mx.nd.array([10, 20])),
     [[0, 10, 2, 3], [4, 5, 20, 7], [8, 9, 10, 11]]),
]


@pytest.mark.parametrize("name, assign, expected", SET_CASES, ids=[c[0] for c in SET_CASES])
def test_setitem(name, assign, expected):
    a = base12()
    alias = a
    assign(a)
    assert a is alias
    check(a, expected)


def test_setitem_statement_forms():
    a = base12()
    a[1, 0:2] = -1
    a[:, 3] = 4
    a[::2, 0] = 7
    check(a, [[7, 1, 2, 4], [-1, -1, 6, 4], [7, 9, 10, 4]])


def test_setitem_on_int_array_truncates():
    i = mx.nd.array([1, 2, 3], dtype="int32")
    i[:] = 2.7
    check(i, [2, 2, 2], "int32")
    i[1] = -1.9
    check(i, [2, -1, 2], "int32")
    i[:] = np.array([1.5, 2.5, -3.5])
    check(i, [1, 2, -3], "int32")


def test_setitem_through_view_of_view():
    a = base12()
    a[1:3][0][1:3] = 0
    check(a, [[0, 1, 2, 3], [4, 0, 0, 7], [8, 9, 10, 11]])


@pytest.mark.parametrize("get", [
    lambda a: a[3], lambda a: a[-4], lambda a: a[0, 4], lambda a: a[1, 2, 3],
    lambda a: a[[3]],
], ids=["a[3]", "a[-4]", "a[0, 4]", "a[1, 2, 3]", "a[[3]]"])
def test_out_of_range_index_raises(get):
    with pytest.raises(IndexError):
        get(base12()).asnumpy()  # (MXNet reports a[[3]] asynchronously)


def test_out_of_range_1d_and_setitem_raise():
    with pytest.raises(IndexError):
        mx.nd.arange(5)[5]
    a = base12()
    with pytest.raises(IndexError):
        a[3] = 1
    check(a, NP12)


@pytest.mark.parametrize("target_shape, index, value, vshape, rshape", [
    ((3,), slice(None), np.ones(4), (4,), (3,)),
    ((3,), slice(None), mx.nd.ones(4), (4,), (3,)),
    ((3,), slice(0, 2), [1, 2, 3], (3,), (2,)),
    ((3, 4), 1, np.ones(3), (3,), (4,)),
    ((3, 4), slice(1, 3), mx.nd.ones((3, 4)), (3, 4), (2, 4)),
    ((3, 4), slice(None), mx.nd.ones((3,)), (3,), (3, 4)),
], ids=["np(4)->(3,)", "nd(4)->(3,)", "list3->(2,)", "np(3)->row(4)",
        "(3,4)->(2,4)", "(3,)->(3,4)"])
def test_setitem_wrong_shape_raises(target_shape, index, value, vshape, rshape):
    a = mx.nd.zeros(target_shape)
    with pytest.raises((ValueError, MXNetError)) as excinfo:
        a[index] = value
    assert_mentions_shapes(excinfo, vshape, rshape)


# --------------------------------------------------------------------------
# reshape
# --------------------------------------------------------------------------
RESHAPE_CASES = [
    ((2, 3, 4), (0, -1), {}, (2, 12)),
    ((2, 3, 4), (-3, -2), {}, (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), {}, (1, 2, 3, 4)),
    ((10, 5, 4), (-1, 0), {"reverse": True}, (50, 4)),
    ((10, 5, 4), (-1, 0), {}, (40, 5)),
    ((2, 3, 4), (0, -1), {"reverse": True}, (3, 8)),
    ((6, 4), (-4, 2, -1, 0), {}, (2, 3, 4)),
    ((2, 3, 4), (4, 0, 2), {}, (4, 3, 2)),
    ((2, 3, 4), (-1,), {}, (24,)),
    ((2, 3, 4), (-2,), {}, (2, 3, 4)),
    ((2, 3, 4), (2, -2), {}, (2, 3, 4)),
    ((2, 3, 4), (-3, 4), {}, (6, 4)),
    ((2, 3, 4), (0, 0, -1), {}, (2, 3, 4)),
    ((2, 3, 4), (-4, -1, 1, -2), {}, (2, 1, 3, 4)),
    ((2, 3, 4), (6, 1, -1), {}, (6, 1, 4)),
    ((2, 3, 4), (-2, 1, 1), {}, (2, 3, 4, 1, 1)),
    ((2, 3, 4), (0, -4, 3, 1, -2), {}, (2, 3, 1, 4)),
    ((2, 3, 4), (-3, -1), {}, (6, 4)),
    ((12,), (3, -1), {}, (3, 4)),
    ((2, 3, 4), (1, 0, -1, 0), {"reverse": True}, (1, 2, 3, 4)),
    ((2, 3, 4), (-1, 3, 2), {"reverse": True}, (4, 3, 2)),
]


@pytest.mark.parametrize("src, shape, kwargs, expected", RESHAPE_CASES,
                         ids=["%s->%s%s" % (s, t, "-rev" if k else "")
                              for s, t, k, _ in RESHAPE_CASES])
def test_reshape_special_values(src, shape, kwargs, expected):
    n = int(np.prod(src))
    a = mx.nd.arange(n).reshape(src)
    r = a.reshape(shape, **kwargs)
    check(r, np.arange(n).reshape(expected))
    check(mx.nd.reshape(a, shape=shape, **kwargs), np.arange(n).reshape(expected))


def test_reshape_call_forms():
    a = mx.nd.arange(6).reshape((2, 3))
    check(a.reshape(3, 2), [[0, 1], [2, 3], [4, 5]])
    check(a.reshape(shape=(6,)), [0, 1, 2, 3, 4, 5])
    check(a.reshape(-1), [0, 1, 2, 3, 4, 5])
    check(mx.nd.arange(4).reshape(4, 1), [[0], [1], [2], [3]])
    check(mx.nd.arange(4, dtype="int32").reshape((2, 2)), [[0, 1], [2, 3]], "int32")


def test_reshape_method_is_a_view():
    b = mx.nd.arange(6).reshape((2, 3))
    r = b.reshape((6,))
    r[0] = 7
    check(b, [[7, 1, 2], [3, 4, 5]])
    r2 = b.reshape((3, 2))
    b[:] = 1
    check(r2, np.ones((3, 2)))


@pytest.mark.parametrize("src, shape", [
    ((2, 3, 4), (5, 5)),
    ((2, 3), (4, 2)),
    ((2, 3, 4), (-1, -1)),
])
def test_reshape_size_mismatch_raises(src, shape):
    a = mx.nd.arange(int(np.prod(src))).reshape(src)
    with pytest.raises(MXNetError):
        a.reshape(shape)


@pytest.mark.parametrize("shape", [(4,), (5, -1)])
def test_reshape_to_fewer_elements_raises(shape):
    # MXNet 1.9.1 raises ValueError here (MXNetError when the target is larger).
    with pytest.raises((ValueError, MXNetError)):
        mx.nd.arange(6).reshape((2, 3)).reshape(shape)


# --------------------------------------------------------------------------
# movement / conversion
# --------------------------------------------------------------------------
def test_copyto_ndarray():
    a = mx.nd.array([[1, 2], [3, 4]])
    b = mx.nd.zeros((2, 2))
    assert a.copyto(b) is b
    check(b, [[1, 2], [3, 4]])
    a[:] = 0
    check(b, [[1, 2], [3, 4]])


def test_copyto_ndarray_casts_to_target_dtype():
    a = mx.nd.array([[1.5, 2], [3, 4]])
    c = mx.nd.zeros((2, 2), dtype="int32")
    assert a.copyto(c) is c
    check(c, [[1, 2], [3, 4]], "int32")


def test_copyto_ndarray_on_other_context():
    a = mx.nd.array([1, 2])
    b = mx.nd.zeros((2,), ctx=mx.cpu(1))
    assert a.copyto(b) is b
    check(b, [1, 2], ctx=mx.cpu(1))


@pytest.mark.parametrize("shape", [(3,), (4,), (2, 1)])
def test_copyto_shape_mismatch_raises(shape):
    with pytest.raises(MXNetError) as excinfo:
        mx.nd.array([[1, 2], [3, 4]]).copyto(mx.nd.zeros(shape))
    assert_mentions_shapes(excinfo, (2, 2), shape)


def test_copyto_context():
    a = mx.nd.array([[1, 2], [3, 4]])
    r = a.copyto(mx.cpu(1))
    assert r is not a
    check(r, [[1, 2], [3, 4]], ctx=mx.cpu(1))
    r[:] = 0
    check(a, [[1, 2], [3, 4]], ctx=mx.cpu(0))
    s = a.copyto(mx.cpu(0))
    assert s is not a
    s[:] = 0
    check(a, [[1, 2], [3, 4]])


def test_copy_is_independent():
    a = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    d = a.copy()
    assert d is not a
    check(d, [[1, 2], [3, 4]], "int32")
    d[:] = 9
    check(a, [[1, 2], [3, 4]], "int32")
    a[:] = 5
    check(d, np.full((2, 2), 9), "int32")


def test_as_in_context():
    a = mx.nd.array([[1, 2], [3, 4]])
    assert a.as_in_context(mx.cpu(0)) is a
    assert a.as_in_context(mx.cpu()) is a
    e = a.as_in_context(mx.cpu(1))
    assert e is not a
    check(e, [[1, 2], [3, 4]], ctx=mx.cpu(1))
    e[:] = 0
    check(a, [[1, 2], [3, 4]])
    assert e.as_in_context(mx.cpu(1)) is e


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_asnumpy_is_a_writable_copy(dtype):
    a = mx.nd.array([[1, 0], [1, 1]], dtype=dtype)
    n = a.asnumpy()
    assert isinstance(n, np.ndarray)
    assert n.dtype == np.dtype(dtype)
    assert n.flags.writeable
    n[0, 0] = 0
    check(a, [[1, 0], [1, 1]], dtype)


@pytest.mark.parametrize("make, value, typ", [
    (lambda: mx.nd.array([3.5]), 3.5, np.float32),
    (lambda: mx.nd.array([3], dtype="int32"), 3, np.int32),
    (lambda: mx.nd.array([3], dtype="float64"), 3.0, np.float64),
    (lambda: mx.nd.array(2.5), 2.5, np.float32),
])
def test_asscalar(make, value, typ):
    s = make().asscalar()
    assert s == value
    assert type(s) is typ


@pytest.mark.parametrize("make", [lambda: mx.nd.array([1, 2]), lambda: mx.nd.array([])],
                         ids=["size2", "size0"])
def test_asscalar_not_a_scalar(make):
    with pytest.raises(ValueError, match="not a scalar"):
        make().asscalar()


@pytest.mark.parametrize("src, src_dtype, dtype, expected", [
    ([[1, 2], [3, 4]], "float32", "int32", [[1, 2], [3, 4]]),
    ([[1, 2], [3, 4]], "float32", np.float64, [[1, 2], [3, 4]]),
    ([1.7, -1.7, 2.5], "float32", "int32", [1, -1, 2]),
    ([0, 1.5, -2], "float32", "bool", [False, True, True]),
    ([1, 0], "bool", "float32", [1, 0]),
    ([1, 0, 3], "int32", "float16", [1, 0, 3]),
    ([1, 0, 3], "int64", "uint8", [1, 0, 3]),
])
def test_astype(src, src_dtype, dtype, expected):
    a = mx.nd.array(src, dtype=src_dtype)
    name = np.dtype(dtype).name
    check(a.astype(dtype), expected, name)
    check(a, src, src_dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_astype_every_dtype(dtype):
    check(mx.nd.array([0, 1, 2]).astype(dtype), np.array([0, 1, 2]).astype(dtype), dtype)


def test_astype_copy_semantics():
    x = mx.nd.array([1, 2])
    y = x.astype("float32")
    assert y is not x
    y[:] = 0
    check(x, [1, 2])
    assert x.astype("float32", copy=False) is x


def test_astype_bool_repr():
    assert repr(mx.nd.array([0, 1.5, -2]).astype("bool")) == \
        "\n[False  True  True]\n<NDArray 3 @cpu(0)>"


def test_numpy_asarray():
    # Project requirement (MXNet 1.9.1 had no __array__ and built an object array).
    a = mx.nd.array([[1, 2], [3, 4]])
    n = np.asarray(a)
    assert isinstance(n, np.ndarray)
    assert n.dtype == np.float32
    np.testing.assert_array_equal(n, [[1, 2], [3, 4]])
    n64 = np.asarray(mx.nd.array([1, 2], dtype="int64"))
    assert n64.dtype == np.int64
    np.testing.assert_array_equal(n64, [1, 2])
    np.testing.assert_array_equal(np.array(a, dtype=np.float64), [[1, 2], [3, 4]])


def test_repeated_calls_with_equal_but_differently_typed_params_parse_each_type():
    x = mx.nd.array([1.5, 2.5], dtype="float32")
    np.testing.assert_array_equal(mx.nd.clip(x, a_min=0, a_max=2).asnumpy(), [1.5, 2.0])
    np.testing.assert_array_equal(mx.nd.clip(x, a_min=0.0, a_max=2.0).asnumpy(), [1.5, 2.0])
    m = mx.nd.ones((2, 3))
    assert mx.nd.sum(m, axis=1, keepdims=True).shape == (2, 1)
    assert mx.nd.sum(m, axis=1, keepdims=1).shape == (2, 1)
    assert mx.nd.sum(m, axis=1, keepdims=False).shape == (2,)
    assert mx.nd.sum(m, axis=1, keepdims=0).shape == (2,)
    # variadic operators take their input count from each call
    assert mx.nd.add_n(x, x).asnumpy().tolist() == [3.0, 5.0]
    assert mx.nd.add_n(x, x, x).asnumpy().tolist() == [4.5, 7.5]
    with pytest.raises(MXNetError, match="parameter"):
        mx.nd.clip(x, a_min=0, a_max=2, bogus=1)


def test_crop_assign_writes_a_slice():
    x = mx.nd.ones((2, 3, 4))
    mx.nd._internal._crop_assign(x, mx.nd.zeros((2, 1, 3)), begin=(0, 0, 0), end=(2, 1, 3),
                                 out=x)
    expected = np.ones((2, 3, 4))
    expected[:, :1, :3] = 0
    np.testing.assert_array_equal(x.asnumpy(), expected)
    mx.nd._internal._crop_assign_scalar(x, scalar=5, begin=(0, 1, 0), end=(2, 3, 4), out=x)
    expected[:, 1:] = 5
    np.testing.assert_array_equal(x.asnumpy(), expected)


def test_dlpack_capsules_round_trip():
    a = mx.nd.array(np.arange(6).reshape(2, 3))
    for capsule in (a.to_dlpack_for_read(), a.to_dlpack_for_write(),
                    mx.nd.to_dlpack_for_read(a), mx.nd.to_dlpack_for_write(a)):
        np.testing.assert_array_equal(mx.nd.from_dlpack(capsule).asnumpy(), a.asnumpy())


def test_shapes_may_be_integer_numpy_arrays():
    out = mx.nd.broadcast_to(mx.nd.ones((1, 3)), shape=np.array([2, 3]))
    assert out.shape == (2, 3)


def test_integer_arange_casts_start_and_step_first():
    out = mx.nd.arange(1.3, 456.6, 1.3, dtype="int32")
    np.testing.assert_array_equal(out.asnumpy(), np.arange(1.3, 456.6, 1.3, dtype=np.int32))
    np.testing.assert_allclose(mx.nd.arange(1.3, 4, 1.3).asnumpy(), [1.3, 2.6, 3.9], rtol=1e-6)


def test_cached_op_runs_a_symbol_on_ndarrays_and_records_it():
    data, weight = mx.sym.Variable("data"), mx.sym.Variable("weight")
    op = mx.nd.CachedOp(mx.sym.FullyConnected(data, weight, num_hidden=2, no_bias=True) + 1)
    x, w = mx.nd.array([[1, 2, 3]]), mx.nd.array([[1, 0, 0], [0, 1, 1]])
    np.testing.assert_array_equal(op(x, w).asnumpy(), [[2, 6]])
    target = mx.nd.zeros((1, 2))
    assert op(x, w, out=target) is target
    np.testing.assert_array_equal(target.asnumpy(), [[2, 6]])
    w.attach_grad()
    with mx.autograd.record():
        y = op(x, w) * 2
    y.backward()
    np.testing.assert_array_equal(w.grad.asnumpy(), [[2, 4, 6], [2, 4, 6]])
    with pytest.raises(mx.base.MXNetError, match="CachedOp takes 2 NDArrays"):
        op(x)


@pytest.mark.parametrize("key", [slice(1, 5, 2), (slice(None), [2, 0, 2]), [[1], [3]],
                                 (1, None, slice(None, None, -1))])
def test_indexing_that_copies_is_recorded_and_differentiates(key):
    data = np.arange(24, dtype=np.float32).reshape(6, 4)
    x = mx.nd.array(data)
    x.attach_grad()
    with mx.autograd.record():
        y = x[key] * 2
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), data[key] * 2)
    expected = np.zeros_like(data)
    np.add.at(expected, key, 2)
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_numpy_all_and_any_take_ndarrays():
    flags = mx.nd.array([[1, 0], [1, 1]]) == 1
    assert not np.all(flags) and np.any(flags)
    np.testing.assert_array_equal(np.all(flags, axis=0), [True, False])
    assert np.all(mx.nd.array([2 ** 24 + 1], dtype="int64") == 2 ** 24 + 1)


# pickle.dumps(mx.nd.array([[1.5, 2], [3, 4]]), protocol=2) on MXNet 1.9.1 (its module name
# swapped for ours): NDArray(None), then __setstate__ with the array in MXNet's save format
_MXNET_PICKLE = (
    b"\x80\x02csymjax_mx.ndarray.ndarray\nNDArray\nq\x00N\x85q\x01Rq\x02}q\x03X\x06\x00\x00"
    b"\x00handleq\x04c__builtin__\nbytearray\nq\x05c_codecs\nencode\nq\x06X>\x00\x00\x00"
    b"\xc3\x89\xc3\xba\xc2\x93\xc3\xb9\x00\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x00"
    b"\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    b"\x00\x00\x00\x00\xc3\x80?\x00\x00\x00@\x00\x00@@\x00\x00\xc2\x80@q\x07X\x06\x00\x00"
    b"\x00latin1q\x08\x86q\tRq\n\x85q\x0bRq\x0csb.")


def test_unpickles_an_ndarray_that_mxnet_pickled():
    """gluon/tree_lstm caches its dataset (NDArrays) in a pickle made by MXNet."""
    import pickle
    array = pickle.loads(_MXNET_PICKLE)
    assert isinstance(array, mx.nd.NDArray) and array.dtype == np.float32
    assert array.asnumpy().tolist() == [[1.5, 2], [3, 4]]
    assert mx.nd.NDArray(None).shape == (0,)
    with pytest.raises(TypeError, match="NDArray needs"):
        mx.nd.NDArray()

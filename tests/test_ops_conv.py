"""Dense and convolution operators: FullyConnected, Convolution, Deconvolution, Pooling,
UpSampling and Embedding against MXNet 1.9.1's golden outputs (tests/golden/ops/conv),
their gradients, shape and dtype rules, layouts, errors and call forms."""
import importlib.util
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op

from opcheck import check_gradient, forward

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

_GOLDEN_DIR = os.path.join(os.path.dirname(__file__), "golden", "ops", "conv")
_spec = importlib.util.spec_from_file_location("conv_golden",
                                               os.path.join(_GOLDEN_DIR, "make_golden.py"))
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)
GOLDEN = np.load(os.path.join(_GOLDEN_DIR, "golden.npz"))
RNG = np.random.default_rng(0)


def _rand(*shape):
    return RNG.uniform(-1, 1, shape)


@pytest.mark.parametrize("name", sorted(golden.CASES))
def test_matches_mxnet(name):
    op, params = golden.params_of(name)
    xs = golden.inputs_of(name)
    if op == "UpSampling":
        params = dict(params, num_args=len(xs))
    (out,), _ = forward(op, xs, params)
    np.testing.assert_allclose(out, GOLDEN[f"{name}/out"], rtol=1e-5, atol=1e-5)
    if f"{name}/grad0" in GOLDEN:
        parsed = get_op(op).parse_params(params)
        _, vjp = jax.vjp(lambda x: get_op(op).compute([x], [], parsed, False, None)[0][0],
                         jnp.asarray(xs[0]))
        (grad,) = vjp(jnp.asarray(GOLDEN[f"{name}/head"]))
        np.testing.assert_allclose(np.asarray(grad), GOLDEN[f"{name}/grad0"], rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("op, params, shapes, wrt", [
    ("FullyConnected", {"num_hidden": 3}, [(2, 2, 2), (3, 4), (3,)], None),
    ("FullyConnected", {"num_hidden": 2, "flatten": False}, [(2, 2, 3), (2, 3), (2,)], None),
    ("Convolution", {"kernel": (3,), "num_filter": 2, "stride": (2,), "pad": (1,)},
     [(1, 2, 6), (2, 2, 3), (2,)], None),
    ("Convolution", {"kernel": (2, 2), "num_filter": 4, "num_group": 2, "dilate": (2, 1),
                     "no_bias": True}, [(1, 2, 4, 3), (4, 1, 2, 2)], None),
    ("Convolution", {"kernel": (2, 2, 2), "num_filter": 1, "pad": (1, 0, 0)},
     [(1, 1, 2, 3, 3), (1, 1, 2, 2, 2), (1,)], None),
    ("Deconvolution", {"kernel": (3, 3), "num_filter": 4, "num_group": 2, "stride": (2, 2),
                       "pad": (1, 1), "adj": (1, 0), "no_bias": False},
     [(1, 2, 2, 3), (2, 2, 3, 3), (4,)], None),
    ("Deconvolution", {"kernel": (3,), "num_filter": 2, "stride": (2,), "target_shape": (6,)},
     [(1, 2, 3), (2, 2, 3)], None),
    ("Pooling", {"kernel": (2, 2), "stride": (2, 2)}, [(1, 2, 4, 5)], None),
    ("Pooling", {"kernel": (3, 3), "stride": (2, 1), "pad": (1, 1)}, [(1, 1, 4, 4)], None),
    ("Pooling", {"kernel": (3, 2), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg",
                 "pooling_convention": "full", "count_include_pad": False}, [(1, 2, 4, 5)],
     None),
    ("Pooling", {"kernel": (2,), "pool_type": "lp", "p_value": 2}, [(2, 2, 5)], None),
    ("Pooling", {"kernel": (2, 2, 2), "pool_type": "sum", "stride": (1, 2, 2)},
     [(1, 1, 3, 4, 4)], None),
    ("Pooling", {"global_pool": True, "pool_type": "avg"}, [(2, 3, 3, 2)], None),
    ("UpSampling", {"scale": 2, "sample_type": "nearest", "num_args": 2},
     [(1, 2, 2, 2), (1, 1, 4, 4)], None),
    ("UpSampling", {"scale": 2, "sample_type": "bilinear", "num_filter": 2, "num_args": 2},
     [(1, 2, 2, 3), (2, 1, 4, 4)], None),
    ("Embedding", {"input_dim": 4, "output_dim": 3}, [(2, 2), (4, 3)], [1]),
])
def test_gradients(op, params, shapes, wrt):
    xs = [_rand(*shape) for shape in shapes]
    if op == "Pooling" and params.get("pool_type") == "lp":
        xs[0] = np.abs(xs[0]) + 0.1
    if op == "Embedding":
        xs[0] = np.array([[0, 3], [1, 1]], np.float64)
    check_gradient(op, xs, params, wrt=wrt)


def test_fully_connected_against_numpy():
    x, w, b = _rand(2, 3, 4), _rand(5, 12), _rand(5)
    (out,), _ = forward("FullyConnected", [x, w, b], {"num_hidden": 5})
    np.testing.assert_allclose(out, x.reshape(2, -1) @ w.T + b)
    (out,), _ = forward("FullyConnected", [x, w[:, :4]], {"num_hidden": 5, "flatten": False,
                                                           "no_bias": True})
    np.testing.assert_allclose(out, x @ w[:, :4].T)
    (out,), _ = forward("FullyConnected", [x, w[:, :4], b], {"num_hidden": 5, "flatten": False})
    np.testing.assert_allclose(out, x @ w[:, :4].T + b)


@pytest.mark.parametrize("layout", ["NCHW", "NHWC"])
def test_unpadded_windows_give_the_valid_convolution(layout):
    """Axes without padding are computed padded at the end and cropped (faster on XLA's
    CPU backend): the result is still the unpadded convolution."""
    x, w = _rand(2, 3, 9, 8), _rand(4, 3, 3, 2)
    params = {"kernel": (3, 2), "stride": (2, 1), "dilate": (2, 1), "pad": (0, 1),
              "num_filter": 4, "no_bias": True}
    expected = jax.lax.conv_general_dilated(
        jnp.asarray(x), jnp.asarray(w), (2, 1), [(0, 0), (1, 1)], rhs_dilation=(2, 1),
        dimension_numbers=("NCHW", "OIHW", "NCHW"), precision=jax.lax.Precision.HIGHEST)
    if layout == "NHWC":
        x, w = x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1)
    (out,), _ = forward("Convolution", [x, w], dict(params, layout=layout))
    if layout == "NHWC":
        out = out.transpose(0, 3, 1, 2)
    assert out.shape == (2, 4, 3, 9)
    np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("stride", [(1, 1), (2, 2), (3, 2)])
def test_channels_last_1x1_convolutions_are_dot_products(stride):
    """A 1x1 convolution over NHWC data is one dot product over the channel axis of the
    strided positions (faster on XLA's CPU backend), with the convolution's values."""
    x, w, b = _rand(2, 4, 7, 8), _rand(5, 4, 1, 1), _rand(5)
    params = {"kernel": (1, 1), "num_filter": 5, "stride": stride}
    (nchw,), _ = forward("Convolution", [x, w, b], params)
    (nhwc,), _ = forward("Convolution", [x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1), b],
                         dict(params, layout="NHWC"))
    assert nhwc.shape == nchw.transpose(0, 2, 3, 1).shape
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-10)
    conv = get_op("Convolution")
    parsed = conv.parse_params(dict(params, layout="NHWC", no_bias=True))
    text = jax.jit(lambda x, w: conv.compute([x, w], [], parsed, False, None)[0][0]).lower(
        jnp.ones((2, 7, 8, 4)), jnp.ones((5, 1, 1, 4))).as_text()
    assert "dot_general" in text and "convolution" not in text


def _fc_dot(rows, is_train, hidden=6):
    fc = get_op("FullyConnected")
    params = fc.parse_params({"num_hidden": hidden})
    text = jax.jit(lambda x, w, b: fc.compute([x, w, b], [], params, is_train, None)[0][0]
                   ).lower(jnp.ones((rows, 4)), jnp.ones((hidden, 4)), jnp.ones(hidden)).as_text()
    (dot,) = [line for line in text.splitlines() if "dot_general" in line]
    return dot


@pytest.mark.parametrize("rows, is_train, hidden", [(2, False, 6), (2, True, 6),
                                                     (128, False, 6), (64, True, 4096)])
def test_fully_connected_reads_the_weight_as_stored(rows, is_train, hidden):
    """Inference, and training with few rows or a weight much wider than the batch: the
    weight is the product's left operand, contracted on its last axis, which XLA's CPU
    kernels use without copying it (the other way round, VGG's 4096x4096 classifier ran
    ~95x MXNet's time)."""
    dot = _fc_dot(rows, is_train, hidden)
    assert "dot_general %arg1, %arg0" in dot and "contracting_dims = [1] x [1]" in dot, dot


@pytest.mark.parametrize("rows", [64, 300])
def test_fully_connected_trains_data_first_on_many_rows(rows):
    """Training with many rows multiplies ``x @ weight.T`` as written (an MLP step 6-11%
    faster on XLA's CPU backend, bench/fc_layout.py), with the same values."""
    dot = _fc_dot(rows, True)
    assert "dot_general %arg0, %arg1" in dot and "contracting_dims = [1] x [1]" in dot, dot
    x, w, b = _rand(rows, 2, 3), _rand(5, 6), _rand(5)
    for params, inputs, expected in [
            ({"num_hidden": 5}, [x, w, b], x.reshape(rows, -1) @ w.T + b),
            ({"num_hidden": 5, "flatten": False, "no_bias": True}, [x, w[:, :3]],
             x @ w[:, :3].T)]:
        (out,), _ = forward("FullyConnected", inputs, params, is_train=True)
        np.testing.assert_allclose(out, expected, rtol=1e-10)
    check_gradient("FullyConnected", [_rand(64, 3), _rand(4, 3), _rand(4)], {"num_hidden": 4},
                   is_train=True)


@pytest.mark.parametrize("flatten", [True, False])
def test_data_first_gradients_are_jax_gradients(flatten):
    """The data-first product's gradients, first and second order, are those of the plain
    product (for flattened and N-d data)."""
    fc = get_op("FullyConnected")
    params = fc.parse_params({"num_hidden": 5, "flatten": flatten})
    x, w, b = (jnp.asarray(v) for v in (_rand(70, 2, 3), _rand(5, 6 if flatten else 3),
                                        _rand(5)))

    def loss(product):
        return lambda x, w, b: jnp.sum(jnp.sin(product(x, w, b)))

    def plain(x, w, b):
        return (x.reshape(70, -1) if flatten else x) @ w.T + b

    def operator(x, w, b):
        return fc.compute([x, w, b], [], params, True, None)[0][0]

    first = [jax.grad(loss(f), argnums=(0, 1, 2))(x, w, b) for f in (operator, plain)]
    for ours, theirs in zip(*first):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    second = [jax.grad(lambda x, w, b, f=f: jnp.sum(
        jax.grad(loss(f), argnums=1)(x, w, b) ** 2), argnums=(0, 1))(x, w, b)
        for f in (operator, plain)]
    for ours, theirs in zip(*second):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def _infer(op, params, shapes):
    op = get_op(op)
    return op.infer_shape(op.parse_params(params), shapes)


@pytest.mark.parametrize("op, params, data, filled, out", [
    ("FullyConnected", {"num_hidden": 10}, (100, 2, 50), [(10, 100), (10,)], (100, 10)),
    ("FullyConnected", {"num_hidden": 10, "flatten": False}, (4, 2, 50), [(10, 50), (10,)],
     (4, 2, 10)),
    ("Convolution", {"kernel": (5, 5), "num_filter": 20}, (8, 3, 28, 28),
     [(20, 3, 5, 5), (20,)], (8, 20, 24, 24)),
    ("Convolution", {"kernel": (3, 3), "num_filter": 6, "num_group": 3, "layout": "NHWC",
                     "stride": (2, 2)}, (1, 9, 9, 6), [(6, 3, 3, 2), (6,)], (1, 4, 4, 6)),
    ("Convolution", {"kernel": (3,), "num_filter": 2, "no_bias": True, "dilate": (3,)},
     (1, 4, 10), [(2, 4, 3)], (1, 2, 4)),
    ("Deconvolution", {"kernel": (3, 3), "num_filter": 4}, (1, 3, 4, 4), [(3, 4, 3, 3)],
     (1, 4, 6, 6)),
    ("Deconvolution", {"kernel": (3, 3), "num_filter": 2, "layout": "NHWC", "stride": (2, 2)},
     (1, 5, 5, 3), [(3, 3, 3, 2)], (1, 11, 11, 2)),
    ("Deconvolution", {"kernel": (4, 4), "num_filter": 2, "stride": (2, 2),
                       "target_shape": (9, 8), "no_bias": False}, (1, 1, 4, 4),
     [(1, 2, 4, 4), (2,)], (1, 2, 9, 8)),
    ("Embedding", {"input_dim": 7, "output_dim": 3}, (2, 5), [(7, 3)], (2, 5, 3)),
    ("UpSampling", {"scale": 3, "sample_type": "bilinear", "num_filter": 2, "num_args": 2},
     (1, 2, 4, 4), [(2, 1, 5, 5)], (1, 2, 12, 12)),
])
def test_shape_rules_fill_parameters(op, params, data, filled, out):
    shapes, outs = _infer(op, params, [data] + [None] * len(filled))
    assert shapes == [data] + filled and outs == [out]


def test_shape_rules_without_data():
    shapes, outs = _infer("Convolution", {"kernel": (3, 3), "num_filter": 4}, [None] * 3)
    assert shapes == [None, None, (4,)] and outs == [None]
    shapes, outs = _infer("Embedding", {"input_dim": 5, "output_dim": 2}, [None, None])
    assert shapes == [None, (5, 2)] and outs == [None]


@pytest.mark.parametrize("params, data, out", [
    ({"kernel": (3, 3), "stride": (2, 2), "pooling_convention": "full"}, (1, 2, 6, 6),
     (1, 2, 3, 3)),
    ({"kernel": (3, 3), "stride": (2, 2)}, (1, 2, 6, 6), (1, 2, 2, 2)),
    ({"kernel": (3,), "stride": (2,), "pooling_convention": "same"}, (1, 2, 6), (1, 2, 3)),
    ({"global_pool": True, "layout": "NWC"}, (1, 2, 3), (1, 1, 3)),
    ({"kernel": (2, 2), "layout": "NHWC"}, (1, 4, 4, 2), (1, 3, 3, 2)),
    ({"kernel": (3, 3), "pad": (3, 3)}, (1, 1, 5, 5), (1, 1, 9, 9)),
])
def test_pooling_output_shapes(params, data, out):
    assert _infer("Pooling", params, [data]) == ([data], [out])
    (result,), _ = forward("Pooling", [np.ones(data, np.float32)], params)
    assert result.shape == out


def test_same_convention_pools_from_the_left_edge():
    x = np.arange(6, dtype=np.float32).reshape(1, 1, 6)
    (out,), _ = forward("Pooling", [x], {"kernel": (3,), "stride": (2,),
                                          "pooling_convention": "same"})
    assert out.tolist() == [[[2, 4, 5]]]


def test_channel_last_layouts_match_channel_first():
    x, w, b = _rand(2, 4, 5, 6), _rand(4, 2, 3, 2), _rand(4)
    params = {"kernel": (3, 2), "num_filter": 4, "num_group": 2, "stride": (1, 2)}
    (nchw,), _ = forward("Convolution", [x, w, b], params)
    (nhwc,), _ = forward("Convolution", [x.transpose(0, 2, 3, 1), w.transpose(0, 2, 3, 1), b],
                         dict(params, layout="NHWC"))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-10)

    wd = _rand(4, 3, 3, 2)
    params = {"kernel": (3, 2), "num_filter": 6, "num_group": 2, "stride": (2, 2),
              "adj": (1, 1)}
    (nchw,), _ = forward("Deconvolution", [x, wd], params)
    (nhwc,), _ = forward("Deconvolution", [x.transpose(0, 2, 3, 1), wd.transpose(0, 2, 3, 1)],
                         dict(params, layout="NHWC"))
    np.testing.assert_allclose(nhwc, nchw.transpose(0, 2, 3, 1), rtol=1e-10)

    x3 = _rand(2, 3, 7)
    params = {"kernel": (3,), "stride": (2,), "pool_type": "avg", "pad": (1,)}
    (ncw,), _ = forward("Pooling", [x3], params)
    (nwc,), _ = forward("Pooling", [x3.transpose(0, 2, 1)], dict(params, layout="NWC"))
    np.testing.assert_allclose(nwc, ncw.transpose(0, 2, 1), rtol=1e-10)


def test_deconvolution_is_the_gradient_of_convolution():
    x, w = _rand(1, 4, 7, 6), _rand(6, 2, 3, 3)
    conv = {"kernel": (3, 3), "num_filter": 6, "num_group": 2, "stride": (2, 2),
            "pad": (1, 1), "no_bias": True}
    parsed = get_op("Convolution").parse_params(conv)
    y, vjp = jax.vjp(lambda d: get_op("Convolution").compute([d, jnp.asarray(w)], [], parsed,
                                                             False, None)[0][0], jnp.asarray(x))
    head = _rand(*y.shape)
    (expected,) = vjp(jnp.asarray(head))
    (out,), _ = forward("Deconvolution", [head, w], dict(conv, num_filter=4,
                                                         target_shape=(7, 6)))
    np.testing.assert_allclose(out, np.asarray(expected), rtol=1e-10)


def test_max_pooling_sends_tied_gradients_to_the_first_maximum():
    x = mx.nd.ones((1, 1, 4, 4))
    parsed = get_op("Pooling").parse_params({"kernel": (2, 2), "stride": (2, 2)})
    grad = jax.grad(lambda d: get_op("Pooling").compute([d], [], parsed, False, None)[0][0]
                    .sum())(x.asjax())
    assert np.asarray(grad)[0, 0].tolist() == [[1, 0, 1, 0], [0, 0, 0, 0]] * 2


def test_embedding_indices_truncate_and_clip():
    weight = np.arange(15, dtype=np.float32).reshape(5, 3)
    out = mx.nd.Embedding(mx.nd.array([1.7, -0.5, 4.9, 9, -3]), mx.nd.array(weight),
                          input_dim=5, output_dim=3)
    assert out.asnumpy()[:, 0].tolist() == [3, 0, 12, 12, 0]


def test_dtype_rules():
    emb = get_op("Embedding")
    params = emb.parse_params({"input_dim": 3, "output_dim": 2, "dtype": "float16"})
    assert emb.infer_type(params, [np.int32, None]) == ([np.int32, np.float16], [np.float16])
    assert emb.infer_type(params, [np.float32, np.float64]) == ([np.float32, np.float64],
                                                               [np.float64])
    fc = get_op("FullyConnected")
    dtypes, out = fc.infer_type(fc.parse_params({"num_hidden": 2}), [np.float64, None, None])
    assert dtypes == [np.float64] * 3 and out == [np.float64]
    with pytest.raises(mx.MXNetError, match="Convolution: input data has dtype int32; this "
                                            "operator only supports floating-point types"):
        mx.nd.Convolution(mx.nd.ones((1, 1, 3, 3), dtype="int32"),
                          mx.nd.ones((1, 1, 2, 2), dtype="int32"),
                          mx.nd.ones((1,), dtype="int32"), kernel=(2, 2), num_filter=1)
    out = mx.nd.FullyConnected(mx.nd.ones((2, 3), dtype="float64"),
                               mx.nd.ones((4, 3), dtype="float64"),
                               mx.nd.ones((4,), dtype="float64"), num_hidden=4)
    assert out.dtype == np.float64


def test_params_parse_mxnet_strings():
    conv = get_op("Convolution").parse_params({
        "kernel": "(3, 3)", "num_filter": "8", "stride": "(2, 2)", "pad": "()",
        "no_bias": "True", "cudnn_tune": "fastest", "workspace": "256", "layout": "None"})
    assert conv["kernel"] == (3, 3) and conv["pad"] == () and conv["no_bias"] is True
    assert conv["layout"] is None and conv["cudnn_tune"] == "fastest"
    deconv = get_op("Deconvolution").parse_params({"kernel": "(2,)", "num_filter": "1"})
    assert deconv["no_bias"] is True and deconv["workspace"] == 512
    pool = get_op("Pooling").parse_params({"kernel": "(2, 2)", "pool_type": "avg",
                                           "count_include_pad": "False", "p_value": "None"})
    assert pool["count_include_pad"] is False and pool["p_value"] is None


@pytest.mark.parametrize("call, message", [
    (lambda: mx.nd.FullyConnected(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), mx.nd.ones(4)),
     "operator FullyConnected: required parameter num_hidden is missing"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 2, 3, 3)),
                               mx.nd.ones(3), num_filter=3),
     "operator Convolution: required parameter kernel is missing"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 2, 3, 3)),
                               mx.nd.ones(3), kernel=(3, 3), num_filter=3, foo=1),
     "operator Convolution has no parameter 'foo'"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4)), kernel=(2, 2), pool_type="median"),
     r"expected one of \['avg', 'lp', 'max', 'sum'\], got 'median'"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 2, 3, 3)),
                               kernel=(3, 3), num_filter=3),
     r"Convolution takes 3 inputs \['data', 'weight', 'bias'\], got 2"),
    (lambda: mx.nd.Deconvolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((2, 3, 3, 3)),
                                 mx.nd.ones(3), kernel=(3, 3), num_filter=3),
     r"Deconvolution takes 2 inputs \['data', 'weight'\], got 3"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 3, 3, 3)),
                               mx.nd.ones(3), kernel=(3, 3), num_filter=3),
     r"Convolution: input weight has shape \(3, 3, 3, 3\), but data of shape "
     r"\(1, 2, 4, 4\) needs \(3, 2, 3, 3\)"),
    (lambda: mx.nd.FullyConnected(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), mx.nd.ones(5),
                                  num_hidden=4),
     r"FullyConnected: input bias has shape \(5,\), but data of shape \(2, 3\) needs \(4,\)"),
    (lambda: mx.nd.Embedding(mx.nd.ones((2,)), mx.nd.ones((5, 4)), input_dim=5, output_dim=3),
     r"Embedding: input weight has shape \(5, 4\), but data of shape \(2,\) needs \(5, 3\)"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 2, 5, 5)),
                               mx.nd.ones(3), kernel=(5, 5), num_filter=3),
     r"kernel \(5, 5\) exceeds the padded input"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((3, 2, 3, 3)),
                               mx.nd.ones(3), kernel=(3, 3), num_filter=3, stride=(1, 1, 1)),
     r"stride \(1, 1, 1\) must have as many dimensions as kernel \(3, 3\)"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 2, 4, 4, 4)), mx.nd.ones((3, 2, 3, 3)),
                               mx.nd.ones(3), kernel=(3, 3), num_filter=3),
     r"data of shape \(1, 2, 4, 4, 4\) does not fit layout NCHW"),
    (lambda: mx.nd.Convolution(mx.nd.ones((1, 3, 4, 4)), mx.nd.ones((4, 1, 3, 3)),
                               mx.nd.ones(4), kernel=(3, 3), num_filter=4, num_group=2),
     "3 input channels of data"),
    (lambda: mx.nd.Deconvolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((2, 3, 3, 3)),
                                 kernel=(3, 3), num_filter=3, stride=(2, 2), adj=(2, 2)),
     r"adj \(2, 2\) must be smaller than stride \(2, 2\)"),
    (lambda: mx.nd.Deconvolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((2, 3, 3, 3)),
                                 kernel=(3, 3), num_filter=3, target_shape=(7, 7)),
     r"target_shape \(7, 7\) is too big for data \(1, 2, 4, 4\); at most \(6, 6\)"),
    (lambda: mx.nd.Deconvolution(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((2, 3, 3, 3)),
                                 kernel=(3, 3), num_filter=3, pad=(4, 4)),
     r"pad \(4, 4\) leaves no output"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4)), kernel=(5, 5)),
     r"Pooling: kernel \(5, 5\) exceeds data \(1, 1, 4, 4\)"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4))),
     r"kernel \(\) does not fit data of shape \(1, 1, 4, 4\)"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4)), kernel=(2, 2), pool_type="lp",
                           p_value=4), "lp pooling needs p_value 1, 2 or 3, got 4"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4)), kernel=(2, 2),
                           pooling_convention="same"),
     "'same' supports only 1-D data and no pad"),
    (lambda: mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4), dtype="int32"), kernel=(2, 2)),
     "only supports floating-point types"),
    (lambda: mx.nd.UpSampling(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((1, 3, 3, 3)), scale=2,
                              sample_type="nearest"),
     r"input arg1 of shape \(1, 3, 3, 3\) does not scale evenly to the output size \(8, 8\)"),
    (lambda: mx.nd.UpSampling(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((1, 3, 2, 2)), scale=2,
                              sample_type="nearest", multi_input_mode="sum"),
     "'sum' needs inputs with the same number of channels"),
    (lambda: mx.nd.UpSampling(mx.nd.ones((1, 2, 4)), scale=2, sample_type="nearest"),
     "nearest sampling needs 4-D"),
    (lambda: mx.nd.UpSampling(mx.nd.ones((1, 2, 4, 4)), mx.nd.ones((2, 1, 4, 4)), scale=2,
                              sample_type="bilinear"), "bilinear sampling needs num_filter"),
    (lambda: mx.nd.UpSampling(mx.nd.ones((1, 2, 4, 4)), scale=2),
     "required parameter sample_type is missing"),
    (lambda: mx.nd.FullyConnected(mx.nd.ones((2, 3)), mx.nd.ones((4, 3)), mx.nd.ones(4),
                                  num_hidden=0), "expected an integer >= 1, got 0"),
])
def test_errors(call, message):
    with pytest.raises(mx.MXNetError, match=message):
        call()


def test_call_forms():
    x, w, b = mx.nd.ones((2, 1, 5, 5)), mx.nd.ones((4, 1, 3, 3)), mx.nd.zeros((4,))
    out = mx.nd.Convolution(data=x, weight=w, bias=b, kernel=(3, 3), num_filter=4)
    assert out.shape == (2, 4, 3, 3) and out.asnumpy().max() == 9
    assert mx.nd.Convolution(x, w, kernel="(3, 3)", num_filter=4, no_bias=True,
                             workspace=64, cudnn_off=True).shape == (2, 4, 3, 3)
    assert mx.nd.Deconvolution(x, mx.nd.ones((1, 2, 2, 2)), kernel=(2, 2),
                               num_filter=2).shape == (2, 2, 6, 6)
    assert mx.nd.Pooling(x, (2, 2), "avg").shape == (2, 1, 4, 4)  # positional params
    assert mx.nd.Pooling(x, global_pool=True).shape == (2, 1, 1, 1)
    fc = mx.nd.FullyConnected(x, mx.nd.ones((3, 25)), mx.nd.ones((3,)), num_hidden=3)
    assert fc.asnumpy().tolist() == [[26, 26, 26]] * 2
    up = mx.nd.UpSampling(mx.nd.array([[[[1, 2]]]]), scale=2, sample_type="nearest")
    assert up.asnumpy().tolist() == [[[[1, 1, 2, 2], [1, 1, 2, 2]]]]
    emb = mx.nd.Embedding(mx.nd.array([2, 0]), mx.nd.array([[1, 1], [2, 2], [3, 3]]),
                          input_dim=3, output_dim=2, sparse_grad=True)
    assert emb.asnumpy().tolist() == [[3, 3], [1, 1]]
    result = mx.nd.zeros((2, 1, 2, 2))
    assert mx.nd.Pooling(x, kernel=(2, 2), stride=(2, 2), out=result) is result

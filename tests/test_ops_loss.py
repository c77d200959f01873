"""Loss layers and gradient-shaping operators against MXNet 1.9.1 golden data.

The golden file (tests/golden/ops/loss/make_golden.py) holds MXNet's forward outputs
and gradients, taken with a head gradient that is not all ones: these operators define
their own gradient and ignore the head.
"""
import json
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op

from opcheck import forward

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "loss", "golden.npz"))
CASES = {c["case"]: c for c in json.loads(str(GOLDEN["__cases__"]))}


def _golden(case, key):
    return GOLDEN[f"{case}/{key}"]


def _vjp(name, inputs, params=None):
    """(output, vjp function) of operator ``name`` through jax.vjp of its compute."""
    op = get_op(name)
    parsed = op.parse_params(params or {})

    def fn(*args):
        return op.compute(list(args), [], parsed, True, None)[0][0]
    return jax.vjp(fn, *[jnp.asarray(x) for x in inputs])


@pytest.mark.parametrize("case", sorted(CASES))
def test_forward_and_gradient_match_mxnet(case):
    spec = CASES[case]
    inputs = [_golden(case, n) for n in spec["inputs"]]
    expected = _golden(case, "output")
    (out,), _ = forward(spec["op"], inputs, spec["params"], is_train=True)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    tol = dict(rtol=1e-5, atol=1e-6) if expected.dtype == np.float32 else dict(rtol=1e-12)
    np.testing.assert_allclose(out, expected, **tol)
    if expected.dtype == np.float64:
        tol = dict(rtol=1e-6)  # MXNet computes grad_scale / count in float32 even for float64

    _, vjp = _vjp(spec["op"], inputs, spec["params"])
    head = _golden(case, "head")
    for grads in (vjp(jnp.asarray(head)), vjp(jnp.ones_like(head))):  # the head is ignored
        for name, grad in zip(spec["inputs"], grads):
            assert grad.dtype == expected.dtype
            np.testing.assert_allclose(np.asarray(grad), _golden(case, f"grad_{name}"), **tol,
                                       err_msg=f"{case}: gradient of {name}")


def test_golden_covers_every_operator_and_mode():
    ops = {c["op"] for c in CASES.values()}
    assert ops == {"SoftmaxOutput", "LinearRegressionOutput", "LogisticRegressionOutput",
                   "MAERegressionOutput", "MakeLoss", "make_loss", "BlockGrad"}
    for op in ("SoftmaxOutput", "MakeLoss"):
        modes = {c["params"].get("normalization", "null") for c in CASES.values() if c["op"] == op}
        assert modes == {"null", "batch", "valid"}


@pytest.mark.parametrize("name, params, data, label", [
    ("SoftmaxOutput", {"normalization": "valid", "use_ignore": True, "smooth_alpha": 0.1},
     np.random.default_rng(0).normal(size=(4, 3)), np.array([0.0, 2, -1, 1])),
    ("SoftmaxOutput", {"multi_output": True, "normalization": "batch"},
     np.random.default_rng(1).normal(size=(2, 3, 4)), np.zeros((2, 4))),
    ("LogisticRegressionOutput", {"grad_scale": 2.0}, np.ones((3, 2)), np.zeros((3, 2))),
    ("MakeLoss", {"normalization": "valid"}, np.arange(-2.0, 4.0).reshape(2, 3), None),
])
def test_vjp_jits_and_keeps_float64(name, params, data, label):
    inputs = [data] if label is None else [data, label]
    op = get_op(name)
    parsed = op.parse_params(params)

    def step(args, head):
        out, vjp = jax.vjp(lambda *a: op.compute(list(a), [], parsed, True, None)[0][0], *args)
        return out, vjp(head)

    args = [jnp.asarray(x, jnp.float64) for x in inputs]
    head = jnp.full(data.shape, 3.0, jnp.float64)
    out, grads = jax.jit(step)(args, head)
    eager_out, eager_grads = step(args, head)
    assert out.dtype == jnp.float64 and all(g.dtype == jnp.float64 for g in grads)
    np.testing.assert_allclose(out, eager_out, rtol=1e-12)
    for grad, eager in zip(grads, eager_grads):
        np.testing.assert_allclose(grad, eager, rtol=1e-12)


def test_integer_labels_get_a_float0_gradient():
    data = jnp.asarray([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
    _, vjp = _vjp("SoftmaxOutput", [data, jnp.asarray([2, 0], jnp.int32)])
    grad_data, grad_label = vjp(jnp.ones((2, 3)))
    assert grad_label.dtype == jax.dtypes.float0
    p = np.asarray(jax.nn.softmax(data, axis=-1))
    np.testing.assert_allclose(grad_data, p - np.eye(3)[[2, 0]], rtol=1e-6)


def test_preserve_shape_on_a_vector():
    """A 1-d input with a 0-d label under preserve_shape (values from MXNet 1.9.1)."""
    out, vjp = _vjp("SoftmaxOutput", [np.array([1.0, 2, 3]), np.array(2.0)],
                    {"preserve_shape": True})
    np.testing.assert_allclose(out, [0.09003057, 0.24472848, 0.66524094], rtol=1e-6)
    np.testing.assert_allclose(vjp(jnp.ones(3))[0], [0.09003057, 0.24472848, -0.33475906],
                               rtol=1e-6)
    assert mx.nd.SoftmaxOutput(mx.nd.array([1, 2, 3]), mx.nd.array(2),
                               preserve_shape=True).shape == (3,)


def test_block_grad_inside_make_loss():
    """MXNet's example: MakeLoss(BlockGrad(3 * b) + a) passes gradient to a only."""
    make_loss, block = get_op("MakeLoss"), get_op("BlockGrad")

    def loss(a, b):
        blocked = block.compute([3 * b], [], {}, True, None)[0][0]
        return make_loss.compute([blocked + a], [], make_loss.parse_params({}), True, None)[0][0]

    a, b = jnp.asarray([1.0, 2.0]), jnp.asarray([0.0, 1.0])
    out, vjp = jax.vjp(loss, a, b)
    grad_a, grad_b = vjp(jnp.asarray([5.0, 7.0]))
    assert out.tolist() == [1, 5] and grad_a.tolist() == [1, 1] and grad_b.tolist() == [0, 0]


def test_nd_call_forms():
    data = mx.nd.array([[1, 2, 3], [1, 1, 1]])
    label = mx.nd.array([2, 0])
    expected = np.asarray(jax.nn.softmax(jnp.asarray([[1.0, 2, 3], [1, 1, 1]]), axis=-1))
    for out in (mx.nd.SoftmaxOutput(data, label), mx.nd.Softmax(data, label),
                mx.nd.SoftmaxOutput(data=data, label=label, normalization="batch"),
                mx.nd.SoftmaxOutput(data, label, 2.0, -1, False, True),  # positional params
                mx.nd.SoftmaxOutput(data, label, preserve_shape="True")):
        assert out.shape == (2, 3) and out.dtype == np.float32
        np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    multi = mx.nd.SoftmaxOutput(mx.nd.zeros((2, 4, 3)), mx.nd.zeros((2, 3)), multi_output=True)
    np.testing.assert_allclose(multi.asnumpy(), np.full((2, 4, 3), 0.25))
    x = mx.nd.array([[-1.0, 0.0], [2.0, 3.0]])
    assert mx.nd.LinearRegressionOutput(x, x).asnumpy().tolist() == x.asnumpy().tolist()
    assert mx.nd.MAERegressionOutput(data=x, label=x, grad_scale=2).shape == (2, 2)
    np.testing.assert_allclose(mx.nd.LogisticRegressionOutput(x, mx.nd.zeros((2, 2))).asnumpy(),
                               1 / (1 + np.exp(-x.asnumpy())), rtol=1e-6)
    for fn in (mx.nd.MakeLoss, mx.nd.make_loss, mx.nd.BlockGrad, mx.nd.stop_gradient):
        assert fn(x).asnumpy().tolist() == x.asnumpy().tolist()
    assert mx.nd.MakeLoss(x, normalization="valid", valid_thresh=0.5).shape == (2, 2)
    ints = mx.nd.array([1, 2], dtype="int32")
    assert mx.nd.BlockGrad(ints).dtype == np.int32
    doubles = mx.nd.SoftmaxOutput(mx.nd.ones((2, 2), dtype="float64"),
                                  mx.nd.zeros((2,), dtype="float64"))
    assert doubles.dtype == np.float64


def test_registry_names():
    softmax = get_op("SoftmaxOutput")
    assert get_op("Softmax") is softmax and get_op("stop_gradient") is get_op("BlockGrad")
    params = softmax.parse_params({})
    assert softmax.input_names(params) == ("data", "label")
    assert list(softmax.params) == ["grad_scale", "ignore_label", "multi_output", "use_ignore",
                                    "preserve_shape", "normalization", "out_grad", "smooth_alpha"]
    assert params["normalization"] == "null" and params["ignore_label"] == -1.0
    assert get_op("make_loss").output_names({}) == ("loss",)
    for name in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
        assert get_op(name).input_names({}) == ("data", "label")
        assert get_op(name).output_names({}) == ("output",)
    assert list(get_op("MakeLoss").params) == ["grad_scale", "valid_thresh", "normalization"]
    assert get_op("SoftmaxOutput").parse_params(
        {"grad_scale": "2", "use_ignore": "True", "normalization": "valid"})["grad_scale"] == 2.0


def _infer(name, shapes, **params):
    op = get_op(name)
    return op.infer_shape(op.parse_params(params), shapes)


@pytest.mark.parametrize("name, params, data, label", [
    ("SoftmaxOutput", {}, (4, 3), (4,)),
    ("SoftmaxOutput", {}, (2, 3, 4, 5), (2, 3, 4)),
    ("SoftmaxOutput", {"preserve_shape": True}, (2, 3, 4), (2, 3)),
    ("SoftmaxOutput", {"preserve_shape": True}, (5,), ()),
    ("SoftmaxOutput", {"multi_output": True}, (2, 3, 4, 5), (2, 20)),
    ("SoftmaxOutput", {"multi_output": True}, (4, 3), (4, 1)),
    ("LinearRegressionOutput", {}, (4, 1), (4,)),
    ("LogisticRegressionOutput", {}, (4, 3), (4, 3)),
    ("MAERegressionOutput", {}, (4,), (4,)),
])
def test_shape_rules_fill_the_label(name, params, data, label):
    assert _infer(name, [data, None], **params) == ([data, label], [data])
    assert _infer(name, [None, label], **params) == ([None, label], [None])


@pytest.mark.parametrize("name, params, data, label", [
    ("SoftmaxOutput", {}, (4, 3), (4, 3)),  # probability labels
    ("SoftmaxOutput", {"multi_output": True}, (2, 3, 4, 5), (2, 4, 5)),
    ("SoftmaxOutput", {"multi_output": True}, (2, 3, 4, 5), (2, 1, 4, 5)),
    ("SoftmaxOutput", {"multi_output": True}, (4, 3), (4,)),
    ("LinearRegressionOutput", {}, (4, 3), (4, 1, 3)),
    ("LinearRegressionOutput", {}, (4, 1), (4, 1)),
])
def test_shape_rules_accept_mxnet_label_forms(name, params, data, label):
    assert _infer(name, [data, label], **params) == ([data, label], [data])


@pytest.mark.parametrize("name, params, data, label, message", [
    ("SoftmaxOutput", {}, (2, 3), (3,),
     r"SoftmaxOutput: input label has shape \(3,\), inconsistent with data shape \(2, 3\): "
     r"expected \(2,\)"),
    ("SoftmaxOutput", {}, (2, 3, 4, 5), (2,), r"expected \(2, 3, 4\)"),
    ("SoftmaxOutput", {"multi_output": True}, (2, 3, 4, 5), (2, 3, 4),
     r"label has shape \(2, 3, 4\).*expected \(2, 20\) or \(2, 4, 5\) or \(2, 1, 4, 5\)"),
    ("SoftmaxOutput", {}, (5,), (), r"data must have at least 2 dimensions.*\(5,\)"),
    ("LinearRegressionOutput", {}, (4, 1), (1, 4),
     r"LinearRegressionOutput: input label has shape \(1, 4\), inconsistent with data shape "
     r"\(4, 1\)"),
    ("MAERegressionOutput", {}, (4, 3), (12,), r"label has shape \(12,\).*\(4, 3\)"),
])
def test_label_shape_inconsistent_with_data(name, params, data, label, message):
    with pytest.raises(mx.MXNetError, match=message):
        _infer(name, [data, label], **params)


def test_nd_call_with_a_bad_label_shape():
    with pytest.raises(mx.MXNetError, match=r"SoftmaxOutput: input label has shape \(3,\), "
                                            r"inconsistent with data shape \(2, 3\)"):
        mx.nd.SoftmaxOutput(mx.nd.ones((2, 3)), mx.nd.ones((3,)))


def test_dtype_rules():
    softmax = get_op("SoftmaxOutput")
    params = softmax.parse_params({})
    assert softmax.infer_type(params, [np.float64, None]) == ([np.float64] * 2, [np.float64])
    assert softmax.infer_type(params, [None, np.float32]) == ([None, np.float32], [None])
    with pytest.raises(mx.MXNetError, match="SoftmaxOutput: input label has dtype int32, but "
                                            "data has dtype float32"):
        mx.nd.SoftmaxOutput(mx.nd.ones((2, 3)), mx.nd.array([1, 0], dtype="int32"))
    linear = get_op("LinearRegressionOutput")
    assert linear.infer_type({"grad_scale": 1.0}, [None, np.float16]) == (
        [np.float16] * 2, [np.float16])
    with pytest.raises(mx.MXNetError, match="MakeLoss: only floating point types are "
                                            "supported, not int32"):
        mx.nd.MakeLoss(mx.nd.array([1, 2], dtype="int32"))


@pytest.mark.parametrize("name", ["SoftmaxOutput", "MakeLoss"])
def test_invalid_normalization_lists_the_valid_values(name):
    with pytest.raises(mx.MXNetError, match=rf"operator {name}: invalid value for parameter "
                                            r"normalization: expected one of \['null', "
                                            r"'batch', 'valid'\], got 'foo'"):
        get_op(name).parse_params({"normalization": "foo"})


@pytest.mark.parametrize("name", ["SoftmaxOutput", "LinearRegressionOutput", "MakeLoss"])
def test_unknown_parameter(name):
    """An operator with parameters refuses an unknown one (BlockGrad, without any, ignores
    it, as MXNet does: tests/test_ops.py)."""
    with pytest.raises(mx.MXNetError, match=f"operator {name} has no parameter 'foo'"):
        getattr(mx.nd, name)(mx.nd.ones((2, 1)), *([mx.nd.ones((2,))] if "Output" in name
                                                    else []), foo=1)


@pytest.mark.parametrize("linear", [True, False])
def test_svm_output_gradient_is_the_hinge_loss_gradient(linear):
    x = np.array([[0.2, 1.5, -0.3], [0.9, 0.1, 2.0]], np.float32)
    label = np.array([1, 0], np.float32)
    data = mx.sym.Variable("data")
    net = mx.sym.SVMOutput(data=data, label=mx.sym.Variable("label"), margin=1.0,
                           regularization_coefficient=0.5, use_linear=linear)
    grad = mx.nd.zeros(x.shape)
    exe = net.bind(mx.cpu(), {"data": mx.nd.array(x), "label": mx.nd.array(label)},
                   args_grad={"data": grad})
    np.testing.assert_allclose(exe.forward(is_train=True)[0].asnumpy(), x)
    exe.backward()
    sign = np.where(label[:, None] == np.arange(3), 1.0, -1.0)
    slack = 1.0 - sign * x
    want = -0.5 * sign * (slack > 0) if linear else -2 * 0.5 * sign * np.maximum(slack, 0)
    np.testing.assert_allclose(grad.asnumpy(), want, rtol=1e-6)


def test_ctc_loss_matches_torch_warpctc_values_and_lengths():
    # activations and losses from MXNet 1.9.1's own test_ctc_loss (Torch WarpCTC values)
    acts = np.array([[[-5, -4, -3, -2, -1], [1.2, 3.4, 1.2, -0.1, -2.34]],
                     [[-10, -9, -8, -7, -6], [0.1, 0.2, 0.3, 0.22, 0.123]],
                     [[-15, -14, -13, -12, -11], [-15, -14.2, -13.5, -12.2, -11.22]]],
                    np.float32)
    loss = mx.nd.ctc_loss(mx.nd.array(acts), mx.nd.array([[2, 3, 1], [2, 0, 0]]))
    np.testing.assert_allclose(loss.asnumpy(), [7.3557, 5.4091], rtol=1e-4)
    same = mx.nd.contrib.ctc_loss(mx.nd.array(acts), mx.nd.array([[2, 3, 1], [2, 9, 9]]),
                                  mx.nd.array([3, 1]), use_label_lengths=True)
    np.testing.assert_allclose(same.asnumpy(), loss.asnumpy(), rtol=1e-6)
    # blank last: classes shift down by one, padding is -1
    last = mx.nd.ctc_loss(mx.nd.array(np.roll(acts, -1, axis=2)),
                          mx.nd.array([[1, 2, 0], [1, -1, -1]]), blank_label="last")
    np.testing.assert_allclose(last.asnumpy(), loss.asnumpy(), rtol=1e-5)
    shorter = mx.nd.ctc_loss(mx.nd.array(acts), mx.nd.array([[2, 0, 0], [2, 0, 0]]),
                             mx.nd.array([2, 3]), use_data_lengths=True)
    assert shorter.shape == (2,) and np.isfinite(shorter.asnumpy()).all()
    with pytest.raises(mx.MXNetError, match="CTCLoss: label must be"):
        mx.nd.ctc_loss(mx.nd.array(acts), mx.nd.ones((3, 2)))


def test_ctc_loss_ignores_steps_past_the_data_lengths():
    """NaN in steps past a sequence's length reaches neither the loss nor the gradient."""
    rs = np.random.RandomState(0)
    data = rs.uniform(-1, 1, (4, 2, 5)).astype(np.float32)
    padded = data.copy()
    padded[3:, 0] = np.nan
    lengths, label = mx.nd.array([3, 4]), mx.nd.array([[1, 2], [3, 3]])
    losses, grads = [], []
    for values in (data, padded):
        x = mx.nd.array(values)
        x.attach_grad()
        with mx.autograd.record():
            loss = mx.nd.CTCLoss(x, label, lengths, use_data_lengths=True)
        loss.backward()
        losses.append(loss.asnumpy())
        grads.append(x.grad.asnumpy())
    assert np.isfinite(losses[1]).all() and np.isfinite(grads[1]).all()
    np.testing.assert_array_equal(losses[1], losses[0])
    np.testing.assert_array_equal(grads[1], grads[0])
    assert not grads[1][3:, 0].any()

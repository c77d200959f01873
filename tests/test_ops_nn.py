"""Neural-network layers (symjax_mx/ops/nn.py): forward against MXNet 1.9.1's golden
outputs (tests/golden/ops/nn) or NumPy, gradients against finite differences, shape and
dtype rules, Dropout / rrelu statistics, the mx.nd call forms and the errors."""
import importlib.util
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ndarray.ndarray import invoke
from symjax_mx.ops import get_op

from opcheck import check_gradient, forward

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "ops", "nn")
_spec = importlib.util.spec_from_file_location("golden_ops_nn",
                                               os.path.join(GOLDEN, "make_golden.py"))
_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_golden)
CASES = _golden.CASES
DATA = dict(np.load(os.path.join(GOLDEN, "nn.npz")))
RNG = np.random.default_rng(0)
KEY = jax.random.PRNGKey(0)


def _as64(x):
    x = np.asarray(x)
    return x.astype(np.float64) if x.dtype.kind == "f" else x


def _golden(name, prefix):
    arrays, i = [], 0
    while f"{name}/{prefix}{i}" in DATA:
        arrays.append(DATA[f"{name}/{prefix}{i}"])
        i += 1
    return arrays


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_matches_mxnet(name):
    """Computed in float64 from MXNet's float32 inputs."""
    op, params, _, train = CASES[name]
    values = [_as64(v) for v in _golden(name, "in")]
    num_aux = len(get_op(op).aux_names(get_op(op).parse_params(params)))
    inputs, aux = values[:len(values) - num_aux], values[len(values) - num_aux:]
    outputs, new_aux = forward(op, inputs, params, aux=aux, is_train=train)
    expected = _golden(name, "out")
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=name)
    for got, want in zip(new_aux, _golden(name, "aux") if train else aux):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=name)


@pytest.mark.parametrize("name", sorted(n for n, case in CASES.items() if case[3]))
def test_batch_norm_gradient_matches_mxnet(name):
    """Gradients of data, gamma and beta for a head gradient on the output only."""
    op, params, _, train = CASES[name]
    data, gamma, beta, mm, mv = [jnp.asarray(_as64(v)) for v in _golden(name, "in")]
    parsed = get_op(op).parse_params(params)

    def output(*inputs):
        return get_op(op).compute(list(inputs), [mm, mv], parsed, train, None)[0][0]

    _, vjp = jax.vjp(output, data, gamma, beta)
    grads = vjp(jnp.asarray(DATA[f"{name}/head"], jnp.float64))
    for got, want in zip(grads, _golden(name, "grad")):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=2e-5, err_msg=name)


NP_ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh, "softrelu": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
}


@pytest.mark.parametrize("act_type", sorted(NP_ACTIVATIONS))
def test_activation(act_type):
    x = RNG.uniform(-2, 2, (2, 3))
    (out,), _ = forward("Activation", [x], {"act_type": act_type})
    np.testing.assert_allclose(out, NP_ACTIVATIONS[act_type](x), rtol=1e-6)
    check_gradient("Activation", [x], {"act_type": act_type})
    y = mx.nd.Activation(mx.nd.array(x), act_type=act_type)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), NP_ACTIVATIONS[act_type](x), rtol=1e-5, atol=1e-6)


def forward_sum(op, x, **params):
    return jnp.sum(get_op(op).compute([x], [], get_op(op).parse_params(params), False, None)[0][0])


def test_relu_gradient_at_zero_is_zero():
    grad = jax.grad(lambda x: forward_sum("Activation", x, act_type="relu"))(jnp.zeros(2))
    assert grad.tolist() == [0, 0]


@pytest.mark.parametrize("params", [
    {"act_type": "leaky", "slope": 0.1}, {"act_type": "elu", "slope": 0.5}, {"act_type": "selu"},
    {"act_type": "gelu"}, {"act_type": "rrelu"},
])
def test_leaky_relu_gradients(params):
    x = np.array([[-1.5, -0.3, 0.4], [0.9, -2.0, 1.7]])
    check_gradient("LeakyReLU", [x], params)


def test_elu_gradient_stays_finite_for_large_inputs():
    grad = jax.grad(lambda x: forward_sum("LeakyReLU", x, act_type="elu"))(jnp.array([800.0, -5]))
    assert np.isfinite(np.asarray(grad)).all()


@pytest.mark.parametrize("gamma_shape, expected_view", [
    ((3,), (1, 3, 1)), ((1,), (1, 1, 1)), ((2, 3), (2, 3, 1)), ((2, 1), (2, 1, 1)),
    ((2,), (2, 1, 1)),  # MXNet matches a trailing 2 against the batch axis, not the last
])
def test_prelu_gamma_broadcasting(gamma_shape, expected_view):
    x = RNG.uniform(-1, 1, (2, 3, 2))
    gamma = RNG.uniform(0.1, 0.5, gamma_shape)
    (out,), _ = forward("LeakyReLU", [x, gamma], {"act_type": "prelu"})
    np.testing.assert_allclose(out, np.where(x > 0, x, gamma.reshape(expected_view) * x))
    check_gradient("LeakyReLU", [x, gamma], {"act_type": "prelu"})


def test_rrelu_training_draws_slopes_between_the_bounds():
    x = -np.ones((50, 40))
    params = {"act_type": "rrelu", "lower_bound": 0.2, "upper_bound": 0.5}
    (out, mask), _ = forward("LeakyReLU", [x], params, is_train=True, rng=KEY)
    np.testing.assert_allclose(-out, mask)
    assert 0.2 <= mask.min() and mask.max() <= 0.5
    assert abs(mask.mean() - 0.35) < 0.01 and mask.std() > 0.05
    (out, mask), _ = forward("LeakyReLU", [x], params)
    np.testing.assert_allclose(out, -0.35)
    np.testing.assert_array_equal(mask, 0)
    check_gradient("LeakyReLU", [np.array([[-1.0, 0.5, -0.2]])], params, is_train=True, rng=KEY)


def _bn_inputs(shape=(3, 2, 2), axis=1):
    c = shape[axis]
    return ([RNG.normal(size=shape), RNG.uniform(0.5, 1.5, c), RNG.normal(size=c)],
            [RNG.normal(size=c), RNG.uniform(0.5, 1.5, c)])


@pytest.mark.parametrize("params, is_train", [
    ({"fix_gamma": False}, True), ({"fix_gamma": False, "axis": -1}, True),
    ({"fix_gamma": False, "use_global_stats": True}, True), ({"fix_gamma": False}, False),
])
def test_batch_norm_gradients(params, is_train):
    inputs, aux = _bn_inputs(axis=params.get("axis", 1))
    check_gradient("BatchNorm", inputs, params, aux=aux, is_train=is_train)


def test_batch_norm_fix_gamma_uses_one_and_gives_gamma_no_gradient():
    (data, gamma, beta), aux = _bn_inputs()
    (fixed,), _ = forward("BatchNorm", [data, gamma, beta], {}, aux=aux, is_train=True)
    (ones,), _ = forward("BatchNorm", [data, np.ones(2), beta], {"fix_gamma": False}, aux=aux,
                         is_train=True)
    np.testing.assert_allclose(fixed, ones)
    parsed = get_op("BatchNorm").parse_params({})
    grad = jax.grad(lambda g: jnp.sum(get_op("BatchNorm").compute(
        [jnp.asarray(data), g, jnp.asarray(beta)], [jnp.asarray(a) for a in aux], parsed,
        True, None)[0][0] ** 2))(jnp.asarray(gamma))
    assert grad.tolist() == [0, 0]


@pytest.mark.parametrize("mode", ["predict", "train", "record"])
def test_batch_norm_fix_gamma_call_writes_one_into_gamma(mode):
    """As MXNet 1.9.1's kernel: every imperative call with fix_gamma=True sets gamma to
    1, whatever the mode (values from MXNet); fix_gamma=False leaves it."""
    x = mx.nd.array([[1., 2.], [3., 5.]]).reshape((2, 2, 1, 1))
    gamma, beta = mx.nd.array([3., 4.]), mx.nd.array([0.5, 0.5])
    stats = [mx.nd.zeros(2), mx.nd.ones(2)]
    if mode == "record":
        gamma.attach_grad()
        with mx.autograd.record():
            out = mx.nd.BatchNorm(x, gamma, beta, *stats, fix_gamma=True)
        out.backward()
        assert gamma.grad.asnumpy().tolist() == [0, 0]
    else:
        with mx.autograd.train_mode() if mode == "train" else mx.autograd.predict_mode():
            out = mx.nd.BatchNorm(x, gamma, beta, *stats, fix_gamma=True)
    assert gamma.asnumpy().tolist() == [1, 1]
    expected = {"predict": [1.4995, 2.499, 3.4985, 5.4975],
                "train": [-0.4995, -0.4998, 1.4995, 1.4998]}
    np.testing.assert_allclose(out.asnumpy().ravel(), expected.get(mode, expected["train"]),
                               atol=1e-4)
    gamma[:] = 5  # written since: set to 1 again by the next call
    mx.nd.BatchNorm(x, gamma, beta, *stats, fix_gamma=True).wait_to_read()
    assert gamma.asnumpy().tolist() == [1, 1]
    kept = mx.nd.array([3., 4.])
    mx.nd.BatchNorm(x, kept, beta, *stats, fix_gamma=False).wait_to_read()
    assert kept.asnumpy().tolist() == [3, 4]


def test_batch_norm_training_call_updates_aux_in_place():
    (data, gamma, beta), (mm, mv) = _bn_inputs()
    nds = [mx.nd.array(a, dtype="float64") for a in (data, gamma, beta, mm, mv)]
    out, mean, inv_std = invoke(get_op("BatchNorm"), nds, get_op("BatchNorm").parse_params(
        {"output_mean_var": True, "momentum": 0.8}), is_train=True)
    batch_mean, batch_var = data.mean((0, 2)), data.var((0, 2))
    np.testing.assert_allclose(nds[3].asnumpy(), 0.8 * mm + 0.2 * batch_mean)
    np.testing.assert_allclose(nds[4].asnumpy(), 0.8 * mv + 0.2 * batch_var)  # biased
    np.testing.assert_allclose(mean.asnumpy(), batch_mean)
    np.testing.assert_allclose(inv_std.asnumpy(), 1 / np.sqrt(batch_var + 1e-3))
    assert out.shape == data.shape


def test_batch_norm_nd_call_is_inference():
    (data, gamma, beta), (mm, mv) = _bn_inputs()
    nds = [mx.nd.array(a) for a in (data, gamma, beta, mm, mv)]
    out = mx.nd.BatchNorm(*nds, fix_gamma=False)
    view = (1, 2, 1)
    expected = ((data - mm.reshape(view)) / np.sqrt(mv.reshape(view) + 1e-3)
                * gamma.reshape(view) + beta.reshape(view))
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nds[3].asnumpy(), mm, rtol=1e-6)  # unchanged
    outs = mx.nd.BatchNorm(*nds, output_mean_var=True)
    assert [o.shape for o in outs] == [data.shape, (2,), (2,)]
    half = [mx.nd.array(data, dtype="float16")] + nds[1:]
    assert mx.nd.BatchNorm(*half).dtype == np.float16


def test_norm_gradients():
    x = RNG.normal(size=(2, 3, 2))
    check_gradient("LayerNorm", [x, RNG.uniform(0.5, 1.5, 2), RNG.normal(size=2)])
    check_gradient("LayerNorm", [x, RNG.uniform(0.5, 1.5, 3), RNG.normal(size=3)], {"axis": 1})
    check_gradient("InstanceNorm", [x, RNG.uniform(0.5, 1.5, 3), RNG.normal(size=3)])
    for mode in ("instance", "channel", "spatial"):
        check_gradient("L2Normalization", [x], {"mode": mode})
    check_gradient("LRN", [RNG.normal(size=(1, 4, 2, 1))], {"nsize": 3, "alpha": 0.5})


def test_layer_norm_and_instance_norm_nd_calls():
    x = RNG.normal(size=(2, 3, 4))
    out, mean, std = mx.nd.LayerNorm(mx.nd.array(x), mx.nd.ones((4,)), mx.nd.zeros((4,)),
                                     output_mean_var=True)
    assert mean.shape == std.shape == (2, 3, 1)
    np.testing.assert_allclose(std.asnumpy(), np.sqrt(x.var(-1, keepdims=True) + 1e-5),
                               rtol=1e-5)
    out = mx.nd.InstanceNorm(data=mx.nd.array(x), gamma=mx.nd.ones((3,)), beta=mx.nd.zeros((3,)))
    expected = (x - x.mean(2, keepdims=True)) / np.sqrt(x.var(2, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_l2_normalization_and_lrn_nd_calls():
    x = RNG.normal(size=(2, 3, 2, 2))
    out = mx.nd.L2Normalization(mx.nd.array(x), mode="channel")
    np.testing.assert_allclose(out.asnumpy(), x / np.sqrt((x ** 2).sum(1, keepdims=True) + 1e-10),
                               rtol=1e-5)
    assert mx.nd.L2Normalization(mx.nd.array([3.0, -4.0])).asnumpy().tolist() == [1, -1]
    out = mx.nd.LRN(mx.nd.array(x), nsize=1, alpha=1.0, beta=0.5, knorm=1.0)
    np.testing.assert_allclose(out.asnumpy(), x / np.sqrt(1 + x ** 2), rtol=1e-5)


def test_dropout_statistics():
    x = np.full((200, 100), 2.0)
    (out,), _ = forward("Dropout", [x], {"p": 0.3}, is_train=True, rng=KEY)
    dropped = np.mean(out == 0)
    assert abs(dropped - 0.3) < 0.02
    np.testing.assert_allclose(out[out != 0], 2 / 0.7)
    assert abs(out.mean() - 2) < 0.06
    (shared,), _ = forward("Dropout", [x], {"p": 0.5, "axes": (1,)}, is_train=True, rng=KEY)
    rows_dropped = np.all(shared == 0, axis=1)
    assert np.all(shared[~rows_dropped] == 4) and abs(rows_dropped.mean() - 0.5) < 0.15
    (same,), _ = forward("Dropout", [x], {"p": 0.3}, rng=KEY)
    np.testing.assert_array_equal(same, x)
    (always,), _ = forward("Dropout", [x], {"p": 0.3, "mode": "always"}, rng=KEY)
    np.testing.assert_array_equal(always, out)
    (none,), _ = forward("Dropout", [x], {"p": 1.0}, is_train=True, rng=KEY)
    assert np.isnan(none).all()  # MXNet 1.9.1: 0 * 1 / (1 - 1)
    check_gradient("Dropout", [RNG.normal(size=(2, 3))], {"p": 0.4}, is_train=True, rng=KEY)


def test_dropout_nd_calls():
    x = mx.nd.ones((20, 30))
    assert mx.nd.Dropout(x, p=0.5).asnumpy().tolist() == x.asnumpy().tolist()
    mx.random.seed(3)
    first = mx.nd.Dropout(x, p=0.5, mode="always").asnumpy()
    mx.random.seed(3)
    assert mx.nd.Dropout(x, p=0.5, mode="always").asnumpy().tolist() == first.tolist()
    assert set(np.unique(first)) == {0.0, 2.0}


def _np_softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("axis, temperature", [(-1, None), (0, 2.0), (1, 0.5)])
def test_softmax_and_log_softmax(axis, temperature):
    x = RNG.normal(size=(2, 3, 2))
    params = {"axis": axis, "temperature": temperature}
    scaled = x / (temperature or 1)
    (out,), _ = forward("softmax", [x], params)
    np.testing.assert_allclose(out, _np_softmax(scaled, axis), rtol=1e-6)
    (out,), _ = forward("log_softmax", [x], params)
    np.testing.assert_allclose(out, np.log(_np_softmax(scaled, axis)), rtol=1e-6)
    check_gradient("softmax", [x], params)
    check_gradient("log_softmax", [x], params)


def test_softmax_length_and_dtype():
    x = RNG.normal(size=(2, 4))
    length = np.array([3, 0], np.int32)
    (out,), _ = forward("softmax", [x, length], {"use_length": True})
    np.testing.assert_allclose(out[0, :3], _np_softmax(x[0, :3], 0))
    assert out[0, 3] == 0 and out[1].tolist() == [0, 0, 0, 0]
    check_gradient("softmax", [x, length], {"use_length": True}, wrt=[0])
    y = mx.nd.softmax(mx.nd.array(x), mx.nd.array(length, dtype="int32"), use_length=True)
    np.testing.assert_allclose(y.asnumpy(), out, rtol=1e-6)
    assert mx.nd.softmax(mx.nd.array(x), dtype="float64").dtype == np.float64
    assert mx.nd.log_softmax(mx.nd.array(x, dtype="float16"), dtype="float32").dtype == np.float32
    assert get_op("softmax").input_names({"use_length": True}) == ("data", "length")


@pytest.mark.parametrize("mode", ["instance", "channel"])
def test_softmax_activation(mode):
    x = RNG.normal(size=(2, 3, 2))
    out = mx.nd.SoftmaxActivation(mx.nd.array(x), mode=mode)
    np.testing.assert_allclose(out.asnumpy(), _np_softmax(x, -1 if mode == "instance" else 1),
                               rtol=1e-5)
    check_gradient("SoftmaxActivation", [x], {"mode": mode})


def test_names_and_output_counts():
    bn = get_op("BatchNorm")
    plain, stats = bn.parse_params({}), bn.parse_params({"output_mean_var": "True"})
    assert bn.arg_names(plain) == ("data", "gamma", "beta", "moving_mean", "moving_var")
    assert bn.output_names(plain) == ("output",)
    assert bn.output_names(stats) == ("output", "mean", "var")
    ln = get_op("LayerNorm")
    assert ln.output_names(ln.parse_params({"output_mean_var": True})) == ("output", "mean", "std")
    leaky = get_op("LeakyReLU")
    assert leaky.input_names(leaky.parse_params({"act_type": "prelu"})) == ("data", "gamma")
    assert leaky.output_names(leaky.parse_params({"act_type": "rrelu"})) == ("output", "mask")
    assert leaky.random and get_op("Dropout").random and not bn.random
    assert len(mx.nd.LeakyReLU(mx.nd.ones((2, 3)), act_type="rrelu")) == 2


def test_params_parse_mxnet_strings():
    assert get_op("BatchNorm").parse_params({"eps": "0.0010000000474974513", "fix_gamma": "False",
                                             "axis": "-1", "cudnn_off": "1"})["fix_gamma"] is False
    assert get_op("Dropout").parse_params({"p": "0.2", "axes": "(0, 2)", "mode": "always"}) == {
        "p": 0.2, "mode": "always", "axes": (0, 2), "cudnn_off": False}
    assert get_op("softmax").parse_params({"temperature": "None", "dtype": "None"})[
        "temperature"] is None
    assert get_op("softmax").parse_params({"dtype": np.float64})["dtype"] == "float64"
    assert get_op("LRN").parse_params({"nsize": "5"})["nsize"] == 5


def test_shape_rules_fill_weights():
    bn = get_op("BatchNorm")
    shapes, outs = bn.infer_shape(bn.parse_params({"output_mean_var": True}),
                                  [(2, 3, 4), None, None, None, None])
    assert shapes == [(2, 3, 4)] + [(3,)] * 4 and outs == [(2, 3, 4), (3,), (3,)]
    shapes, _ = bn.infer_shape(bn.parse_params({"axis": -1}), [(2, 3, 4), None, (4,), None, None])
    assert shapes[1:] == [(4,)] * 4
    ln = get_op("LayerNorm")
    shapes, outs = ln.infer_shape(ln.parse_params({"axis": 1, "output_mean_var": True}),
                                  [(2, 3, 4), None, None])
    assert shapes[1:] == [(3,), (3,)] and outs[1:] == [(2, 1, 4), (2, 1, 4)]
    shapes, _ = get_op("InstanceNorm").infer_shape({"eps": 1e-3}, [(2, 5, 4), None, None])
    assert shapes[1:] == [(5,), (5,)]
    leaky = get_op("LeakyReLU")
    shapes, outs = leaky.infer_shape(leaky.parse_params({"act_type": "prelu"}), [(2, 3, 4), None])
    assert shapes == [(2, 3, 4), (3,)] and outs == [(2, 3, 4)]
    sm = get_op("softmax")
    shapes, _ = sm.infer_shape(sm.parse_params({"use_length": True, "axis": 1}), [(2, 3, 4), None])
    assert shapes == [(2, 3, 4), (2, 4)]
    assert bn.infer_shape(bn.parse_params({}), [None] * 5) == ([None] * 5, [None])


def test_dtype_rules():
    bn = get_op("BatchNorm")
    dtypes, outs = bn.infer_type(bn.parse_params({"output_mean_var": True}),
                                 [np.float16, None, None, None, None])
    assert dtypes == [np.float16] + [np.float32] * 4 and outs == [np.float16, np.float32,
                                                                  np.float32]
    assert bn.infer_type(bn.parse_params({}), [np.float64] + [None] * 4)[0] == [np.float64] * 5
    sm = get_op("softmax")
    assert sm.infer_type(sm.parse_params({"dtype": "float64"}), [np.float32]) == (
        [np.float32], [np.float64])


@pytest.mark.parametrize("call, message", [
    (lambda x: mx.nd.Activation(x, act_type="foo"),
     r"Activation: invalid value for parameter act_type: expected one of \['relu', 'sigmoid', "
     r"'softrelu', 'softsign', 'tanh'\], got 'foo'"),
    (lambda x: mx.nd.LeakyReLU(x, act_type="swish"),
     r"expected one of \['elu', 'gelu', 'leaky', 'prelu', 'rrelu', 'selu'\]"),
    (lambda x: mx.nd.Activation(x), "operator Activation: required parameter act_type is missing"),
    (lambda x: mx.nd.LRN(x), "operator LRN: required parameter nsize is missing"),
    (lambda x: mx.nd.Activation(x, act_type="relu", slope=1),
     "operator Activation has no parameter 'slope'; its parameters are: act_type"),
    (lambda x: mx.nd.BatchNorm(x, fix_gamma=False, momentom=0.9),
     "operator BatchNorm has no parameter 'momentom'"),
    (lambda x: mx.nd.Activation(x, x, act_type="relu"),
     r"operator Activation takes 1 inputs \['data'\], got 2"),
    (lambda x: mx.nd.BatchNorm(x, mx.nd.ones((3,)), mx.nd.ones((3,)), mx.nd.ones((3,))),
     r"BatchNorm takes 5 inputs \['data', 'gamma', 'beta', 'moving_mean', 'moving_var'\], got 4"),
    (lambda x: mx.nd.LeakyReLU(x, act_type="prelu"),
     r"LeakyReLU takes 2 inputs \['data', 'gamma'\], got 1"),
    (lambda x: mx.nd.Dropout(x, p=1.5), r"Dropout: invalid value for parameter p: expected a "
                                         r"fraction in \[0, 1\], got 1.5"),
    (lambda x: mx.nd.Dropout(x, axes=(4,)), r"Dropout: axis 4 in axes \(4,\) is out of range"),
    (lambda x: mx.nd.softmax(x, axis=3), "softmax: axis 3 is out of range for an array of 3 dims"),
    (lambda x: mx.nd.log_softmax(x, use_length=True), "log_softmax takes no length input"),
])
def test_errors(call, message):
    with pytest.raises(mx.MXNetError, match=message):
        call(mx.nd.ones((2, 3, 4)))


@pytest.mark.parametrize("op, inputs, params, message", [
    ("BatchNorm", [(2, 3, 4), (4,), (3,), (3,), (3,)], {},
     r"BatchNorm: gamma has shape \(4,\), but data of shape \(2, 3, 4\) has 3 channels on "
     r"axis 1; expected \(3,\)"),
    ("BatchNorm", [(2, 3, 4), (4,), (4,), (4,), (3,)], {"axis": -1},
     r"BatchNorm: moving_var has shape \(3,\), but data of shape \(2, 3, 4\) has 4 channels "
     r"on axis 2"),
    ("BatchNorm", [(2, 3), (3,), (3,), (3,), (3,)], {"axis": 2},
     "BatchNorm: axis 2 is out of range for an array of 2 dims"),
    ("LayerNorm", [(2, 3, 4), (3,), (4,)], {}, r"LayerNorm: gamma has shape \(3,\)"),
    ("InstanceNorm", [(2, 3, 4), (3,), (2,)], {}, r"InstanceNorm: beta has shape \(2,\)"),
    ("InstanceNorm", [(2, 3), (3,), (3,)], {}, "InstanceNorm: data must have at least 3 dims"),
    ("LeakyReLU", [(2, 3, 2), (3, 2)], {"act_type": "prelu"},
     r"LeakyReLU: gamma of shape \(3, 2\) does not broadcast to data of shape \(2, 3, 2\)"),
    ("LRN", [(2, 3, 4)], {"nsize": 3}, r"LRN: data must be 4-D .* got shape \(2, 3, 4\)"),
    ("L2Normalization", [(2, 3)], {"mode": "spatial"}, "mode spatial needs data of at least 3"),
    ("SoftmaxActivation", [(2, 3)], {"mode": "channel"}, "mode channel needs data of at least 3"),
    ("softmax", [(2, 3), (3,)], {"use_length": True},
     r"softmax: length has shape \(3,\), but data of shape \(2, 3\) with axis -1 needs \(2,\)"),
])
def test_shape_errors_name_the_input_and_shapes(op, inputs, params, message):
    arrays = [mx.nd.ones(s, dtype="int32" if op == "softmax" and i else "float32")
              for i, s in enumerate(inputs)]
    with pytest.raises(mx.MXNetError, match=message):
        getattr(mx.nd, op)(*arrays, **params)


def test_dtype_errors():
    x = mx.nd.ones((2, 3))
    with pytest.raises(mx.MXNetError, match="softmax: length must have an integer dtype, got "
                                            "float32"):
        mx.nd.softmax(x, mx.nd.ones((2,)), use_length=True)
    with pytest.raises(mx.MXNetError, match="BatchNorm: gamma has dtype float64, but data of "
                                            "dtype float32 needs float32"):
        mx.nd.BatchNorm(x, mx.nd.ones((3,), dtype="float64"), *[mx.nd.ones((3,))] * 3)
    with pytest.raises(mx.MXNetError, match=r"expected one of \['float16', 'float32', "
                                            r"'float64'\], got 'int32'"):
        mx.nd.softmax(x, dtype="int32")


def test_call_forms():
    x = mx.nd.array([[-1.0, 2.0]])
    assert mx.nd.Activation(x, "relu").asnumpy().tolist() == [[0, 2]]  # positional parameter
    assert mx.nd.LeakyReLU(data=x, slope=0.5).asnumpy().tolist() == [[-0.5, 2]]
    out = mx.nd.zeros((1, 2))
    result = mx.nd.LeakyReLU(x, mx.nd.array([0.25]), act_type="prelu", out=out)
    assert result is out and out.asnumpy().tolist() == [[-0.25, 2]]
    np.testing.assert_allclose(mx.nd.softmax(x, axis=0).asnumpy(), [[1, 1]])


def test_sync_batch_norm_on_one_device_is_batch_norm():
    rs = np.random.RandomState(0)
    data, gamma, beta = (mx.nd.array(rs.rand(*s)) for s in ((4, 3, 2), (3,), (3,)))
    stats = [mx.nd.zeros((3,)), mx.nd.ones((3,))]
    with mx.autograd.record(train_mode=True):
        sync = mx.nd.contrib.SyncBatchNorm(data, gamma, beta, *stats, key="bn", fix_gamma=False)
        plain = mx.nd.BatchNorm(data, gamma, beta, *stats, fix_gamma=False)
    np.testing.assert_allclose(sync.asnumpy(), plain.asnumpy(), rtol=1e-6)


def test_float16_softmax_computes_and_differentiates_in_float32():
    data = mx.nd.array(np.random.default_rng(0).uniform(size=(100, 500)), dtype="float16")
    data.attach_grad()
    with mx.autograd.record():
        out = mx.nd.softmax(data, axis=-1)
    out.backward()  # the gradient of sum(softmax) is 0
    assert out.dtype == np.float16
    np.testing.assert_allclose(data.grad.asnumpy(), 0, atol=1e-5)


def test_sync_batch_norm_outputs_the_variance():
    """SyncBatchNorm's (and BatchNorm_v1's) third output is the batch variance in training,
    the moving variance otherwise; BatchNorm's is the inverse standard deviation."""
    x = np.random.RandomState(0).uniform(size=(4, 3, 2)).astype(np.float32)
    stats = [mx.nd.ones(3), mx.nd.zeros(3), mx.nd.zeros(3), mx.nd.full(3, 2.0)]
    variance = x.var(axis=(0, 2))
    for op, kwargs in ((mx.nd.contrib.SyncBatchNorm, {"key": "k"}), (mx.nd.BatchNorm_v1, {})):
        with mx.autograd.record():
            _, mean, var = op(mx.nd.array(x), *stats, output_mean_var=True, eps=1e-5, **kwargs)
        np.testing.assert_allclose(mean.asnumpy(), x.mean(axis=(0, 2)), rtol=1e-5)
        np.testing.assert_allclose(var.asnumpy(), variance, rtol=1e-4)
        _, _, moving = op(mx.nd.array(x), *stats, output_mean_var=True, **kwargs)
        assert (moving.asnumpy() == 2).all()
    _, _, inv_std = mx.nd.BatchNorm(mx.nd.array(x), *stats, output_mean_var=True, eps=1e-5)
    np.testing.assert_allclose(inv_std.asnumpy(), 1 / np.sqrt(2 + 1e-5), rtol=1e-5)


def _bn_formula(x, gamma, beta, axis=1, eps=1e-3):
    """BatchNorm in training as JAX differentiates it by itself (the reference)."""
    reduce = tuple(i for i in range(x.ndim) if i != axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    mean, var = x.mean(reduce, keepdims=True), x.var(reduce, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize("shape, axis", [((4, 3), 1), ((2, 3, 4, 5), 1), ((2, 4, 5, 3), 3)])
def test_batch_norm_training_gradients_and_their_gradients_equal_jax_differentiating_it(
        shape, axis):
    from symjax_mx.ops.norm_gradients import normalize_batch
    rng = np.random.RandomState(0)
    x = jnp.asarray(rng.normal(size=shape))
    gamma, beta = (jnp.asarray(rng.uniform(0.5, 1.5, shape[axis])) for _ in range(2))
    head = jnp.asarray(rng.normal(size=shape))

    def loss(f):
        return lambda x, g, b: jnp.sum(f(x, g, b) * head)
    hand = loss(lambda x, g, b: normalize_batch(x, g, b, axis, 1e-3)[0])
    reference = loss(lambda x, g, b: _bn_formula(x, g, b, axis))
    for got, want in zip(jax.grad(hand, (0, 1, 2))(x, gamma, beta),
                         jax.grad(reference, (0, 1, 2))(x, gamma, beta)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)

    def second(f):  # a gradient's own gradient (autograd.grad with create_graph)
        return jax.grad(lambda x, g, b: jnp.sum(jax.grad(f, 0)(x, g, b) ** 2), (0, 1, 2))
    for got, want in zip(second(hand)(x, gamma, beta), second(reference)(x, gamma, beta)):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_batch_norm_mean_and_var_outputs_carry_no_gradient_as_in_mxnet():
    # golden: MXNet 1.9.1, the same data; its gradient ignores the mean and var outputs
    x = mx.nd.array(np.random.RandomState(0).rand(4, 3))
    gamma, beta = mx.nd.ones(3) * 1.5, mx.nd.zeros(3)
    for array in (x, gamma, beta):
        array.attach_grad()
    with mx.autograd.record():
        out, mean, var = mx.nd.BatchNorm(x, gamma, beta, mx.nd.zeros(3), mx.nd.ones(3),
                                         fix_gamma=False, output_mean_var=True)
        loss = ((out * mx.nd.arange(12).reshape((4, 3))).sum() + (mean * 3).sum()
                + (var * 2).sum())
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [
        [-36.007153, -38.75981, -39.004543], [19.154896, 7.177076, -12.8683195],
        [-0.8875618, -0.42877847, 10.192985], [17.73991, 32.011528, 41.679882]],
        rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(gamma.grad.asnumpy(), [-11.670301, 5.9047503, 0.85325575],
                               rtol=2e-5)
    np.testing.assert_allclose(beta.grad.asnumpy(), [18, 22, 26], rtol=1e-6)


def _ln_formula(x, gamma, beta, axis, eps=1e-5):
    """LayerNorm as JAX differentiates it by itself (the reference)."""
    shape = [1] * x.ndim
    shape[axis] = -1
    mean, std = x.mean(axis, keepdims=True), jnp.sqrt(x.var(axis, keepdims=True) + eps)
    return (x - mean) / std * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize("shape, axis", [((4, 3), 1), ((2, 3, 5), 2), ((2, 3, 5), 1)])
def test_layer_norm_gradients_and_their_gradients_equal_jax_differentiating_it(shape, axis):
    from symjax_mx.ops.norm_gradients import normalize_layer
    rng = np.random.RandomState(1)
    x = jnp.asarray(rng.normal(size=shape))
    gamma, beta = (jnp.asarray(rng.uniform(0.5, 1.5, shape[axis])) for _ in range(2))
    head = jnp.asarray(rng.normal(size=shape))
    hand = lambda x, g, b: jnp.sum(normalize_layer(x, g, b, axis, 1e-5)[0] * head)  # noqa
    reference = lambda x, g, b: jnp.sum(_ln_formula(x, g, b, axis) * head)  # noqa
    for got, want in zip(jax.grad(hand, (0, 1, 2))(x, gamma, beta),
                         jax.grad(reference, (0, 1, 2))(x, gamma, beta)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)

    def second(f):
        return jax.grad(lambda x, g, b: jnp.sum(jax.grad(f, 0)(x, g, b) ** 2), (0, 1, 2))
    for got, want in zip(second(hand)(x, gamma, beta), second(reference)(x, gamma, beta)):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10)


def test_layer_norm_mean_and_std_outputs_carry_no_gradient_as_in_mxnet():
    # golden: MXNet 1.9.1 (the same gradients with and without the mean and std terms)
    x = mx.nd.array(np.random.RandomState(0).rand(2, 4))
    gamma, beta = mx.nd.array([1.5, 0.5, 2.0, 1.0]), mx.nd.zeros(4)
    for array in (x, gamma, beta):
        array.attach_grad()
    with mx.autograd.record():
        out, mean, std = mx.nd.LayerNorm(x, gamma, beta, axis=-1, output_mean_var=True)
        loss = ((out * mx.nd.arange(8).reshape((2, 4))).sum() + (mean * 3).sum()
                + (std * 2).sum())
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [
        [-32.168941497802734, -9.76968002319336, 30.867816925048828, 11.070796966552734],
        [-9.985908508300781, -21.58592414855957, 21.9807186126709, 9.591108322143555]],
        rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(gamma.grad.asnumpy(), [-3.7022664546966553, 2.8450894355773926,
                                                      -5.118297100067139, 8.216540336608887],
                               rtol=2e-5)
    np.testing.assert_allclose(beta.grad.asnumpy(), [4, 6, 8, 10], rtol=1e-6)
    np.testing.assert_allclose(std.asnumpy().ravel(), [0.06881171, 0.1902321], rtol=1e-5)

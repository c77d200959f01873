"""mx.init / mx.initializer. Expected strings, scales and kernels marked "MXNet 1.9.1" were
obtained by running real MXNet 1.9.1 (scales by recording the arguments its initializers
pass to mx.random.uniform / normal)."""
import logging

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import initializer as init
from symjax_mx.ndarray import random as nd_random

D = init.InitDesc


@pytest.fixture(autouse=True)
def _seeded():
    mx.random.seed(7)


def _filled(initializer, name, shape, **kwargs):
    arr = mx.nd.zeros(shape, **kwargs)
    initializer(D(name), arr)
    return arr


# --- random initializers: statistics ---------------------------------------------------

def test_uniform_range_and_std():
    x = _filled(init.Uniform(0.3), "fc_weight", (200, 300)).asnumpy()
    assert x.min() >= -0.3 and x.max() < 0.3
    assert abs(x.mean()) < 0.005 and abs(x.std() - 0.3 / np.sqrt(3)) < 0.003


def test_uniform_and_normal_defaults():
    assert np.abs(_filled(init.Uniform(), "w_weight", (200, 300)).asnumpy()).max() <= 0.07
    assert abs(_filled(init.Normal(), "w_weight", (200, 300)).asnumpy().std() - 0.01) < 2e-4


def test_normal_std():
    x = _filled(init.Normal(0.5), "fc_weight", (200, 300)).asnumpy()
    assert abs(x.mean()) < 0.01 and abs(x.std() - 0.5) < 0.01


def test_xavier_statistics():
    x = _filled(init.Xavier(), "fc_weight", (200, 300)).asnumpy()
    bound = np.sqrt(3.0 / 250)
    assert np.abs(x).max() <= bound and np.abs(x).max() > 0.99 * bound
    g = _filled(init.Xavier("gaussian", "in", 2), "fc_weight", (200, 300)).asnumpy()
    assert abs(g.std() - np.sqrt(2.0 / 300)) < 0.002


def test_msraprelu_statistics():
    x = _filled(init.MSRAPrelu("in", 0.0), "conv_weight", (64, 32, 3, 3)).asnumpy()
    assert abs(x.std() - np.sqrt(2.0 / (32 * 9))) < 0.002


# --- Xavier / MSRAPrelu scales: exact, against MXNet 1.9.1 ------------------------------

SCALES = [  # (initializer, shape, sampler, scale) from MXNet 1.9.1
    (init.Xavier(), (10, 20), "uniform", 0.4472135954999579),
    (init.Xavier(factor_type="in"), (10, 20), "uniform", 0.3872983346207417),
    (init.Xavier(factor_type="out", magnitude=2.34), (10, 20), "uniform", 0.48373546489791297),
    (init.Xavier(), (64, 3, 3, 3), "uniform", 0.09975093361076329),
    (init.Xavier("gaussian", "in"), (64, 3, 3, 3), "normal", 0.3333333333333333),
    (init.Xavier(factor_type="out"), (16, 8, 5), "uniform", 0.19364916731037085),
    (init.Xavier(magnitude=6), (7, 9, 2, 3, 4), "uniform", 0.1767766952966369),
    (init.MSRAPrelu(), (32, 16, 3, 3), "normal", 0.09335200560186732),
    (init.MSRAPrelu("in", 0.0), (32, 16, 3, 3), "normal", 0.11785113019775792),
    (init.MSRAPrelu("out", 0.1), (100, 50), "normal", 0.14071950894605836),
]


@pytest.mark.parametrize("initializer,shape,sampler,scale", SCALES)
def test_xavier_scale_matches_mxnet(monkeypatch, initializer, shape, sampler, scale):
    calls = []
    original = getattr(nd_random, sampler)

    def record(a, b, shape=None, **kwargs):
        calls.append((float(a), float(b), shape))
        return original(a, b, shape, **kwargs)

    monkeypatch.setattr(nd_random, sampler, record)
    _filled(initializer, "x_weight", shape)
    low = -scale if sampler == "uniform" else 0.0
    assert calls == [(pytest.approx(low, rel=1e-15), pytest.approx(scale, rel=1e-15), shape)]


def test_xavier_errors_match_mxnet():
    with pytest.raises(ValueError, match=r"^Xavier initializer cannot be applied to vector "
                                         r"fc_weight\. It requires at least 2D\.$"):
        _filled(init.Xavier(), "fc_weight", (5,))
    with pytest.raises(ValueError, match="^Incorrect factor type$"):
        _filled(init.Xavier(factor_type="bad"), "fc_weight", (5, 4))
    with pytest.raises(ValueError, match="^Unknown random type$"):
        _filled(init.Xavier(rnd_type="bad"), "fc_weight", (5, 4))


# --- deterministic initializers -------------------------------------------------------

def test_orthogonal():
    for shape, scale in (((20, 50), 1.414), ((50, 20), 0.5), ((8, 3, 2, 2), 1.0)):
        for rand_type in ("uniform", "normal"):
            w = _filled(init.Orthogonal(scale, rand_type), "w_weight", shape).asnumpy()
            m = w.reshape(shape[0], -1)
            gram = m @ m.T if m.shape[0] <= m.shape[1] else m.T @ m
            np.testing.assert_allclose(gram, scale ** 2 * np.eye(len(gram)), atol=1e-5)
    with pytest.raises(ValueError, match="rand_type"):
        _filled(init.Orthogonal(rand_type="bad"), "w_weight", (3, 3))


def test_bilinear_matches_mxnet():
    edge, mid = [0.0625, 0.1875, 0.1875, 0.0625], [0.1875, 0.5625, 0.5625, 0.1875]
    w = _filled(init.Bilinear(), "up_weight", (1, 1, 4, 4)).asnumpy()
    assert w[0, 0].tolist() == [edge, mid, mid, edge]  # MXNet 1.9.1
    third, two = 0.3333333432674408, 0.6666666865348816  # MXNet 1.9.1, shape (2, 1, 3, 5)
    rows = [[0.1111111119389534, 0.2222222238779068, third, 0.2222222238779068,
             0.1111111119389534],
            [0.2222222238779068, 0.4444444477558136, two, 0.4444444477558136,
             0.2222222238779068],
            [third, two, 1.0, two, third]]
    w = _filled(init.Bilinear(), "up_weight", (2, 1, 3, 5)).asnumpy()
    assert w[0, 0].tolist() == rows and w[1, 0].tolist() == rows


def test_lstm_bias_constant_zero_one():
    b = mx.nd.zeros((8,))
    init.LSTMBias(2.5)._init_weight("lstm_bias", b)
    assert b.asnumpy().tolist() == [0, 0, 2.5, 2.5, 0, 0, 0, 0]  # MXNet 1.9.1
    assert (_filled(init.Constant(3.0), "w_weight", (2, 3)).asnumpy() == 3).all()
    value = mx.nd.array(np.arange(6).reshape(2, 3))
    assert (_filled(init.Constant(value), "w_weight", (2, 3)).asnumpy()
            == np.arange(6).reshape(2, 3)).all()
    assert (_filled(init.Zero(), "w_weight", (2, 3)).asnumpy() == 0).all()
    assert (_filled(init.One(), "w_weight", (2, 3)).asnumpy() == 1).all()


# --- dispatch by name and by the __init__ attribute --------------------------------------

@pytest.mark.parametrize("name,value", [("fc_bias", 0), ("bn_gamma", 1), ("bn_beta", 0),
                                        ("q_min", 0), ("q_max", 1), ("fc_weight", 5)])
def test_dispatch_by_name(name, value):
    assert (_filled(init.Constant(5), name, (3, 4)).asnumpy() == value).all()


@pytest.mark.parametrize("name", ["bn_moving_mean", "data", "upsampling0_weight_x"])
def test_unknown_pattern_matches_mxnet(name):
    msg = (f"Unknown initialization pattern for {name}. Default initialization is now limited "
           f'to "weight", "bias", "gamma" (1.0), and "beta" (0.0).Please use '
           f"mx.sym.Variable(init=mx.init.*) to set initialization pattern")  # MXNet 1.9.1
    with pytest.raises(ValueError) as err:
        _filled(init.Uniform(), name, (3,))
    assert str(err.value) == msg


@pytest.mark.parametrize("name,value", [
    ("bn_moving_mean", 0), ("bn_moving_var", 1), ("x_moving_inv_var", 0), ("x_moving_avg", 0),
    ("fc_bias", 0), ("bn_gamma", 1), ("bn_beta", 0), ("q_min", 0), ("q_max", 1),
    ("fc_weight", 5), ("stn_loc_weight", 0)])
def test_legacy_string_names(name, value):
    arr = mx.nd.full((6,), 9.0)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        init.Constant(5)(name, arr)
    assert (arr.asnumpy() == value).all()


def test_legacy_stn_loc_bias_and_upsampling():
    arr = mx.nd.zeros((6,))
    with pytest.warns(DeprecationWarning):
        init.Zero()("stn_loc_bias", arr)
    assert arr.asnumpy().tolist() == [1, 0, 0, 0, 1, 0]
    up = mx.nd.zeros((1, 1, 4, 4))
    with pytest.warns(DeprecationWarning):
        init.Zero()("upsampling0_weight", up)
    assert up.asnumpy()[0, 0, 1, 1] == 0.5625
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="Unknown init"):
        init.Zero()("data", up)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="arr must be NDArray"):
        init.Zero()("fc_weight", np.zeros(3))


def test_variable_init_attr_and_dispatch():
    var = mx.sym.Variable("w", init=init.Constant(3.0))
    attr = var.attr("__init__")
    assert attr == '["constant", {"value": 3.0}]'  # MXNet 1.9.1
    arr = mx.nd.zeros((2, 2))
    desc = D("w", attrs=var.attr_dict()["w"])
    global_init = init.Uniform()
    global_init(desc, arr)  # the attribute wins over the name and the global initializer
    assert (arr.asnumpy() == 3).all()
    assert desc.global_init is global_init


def test_batchnorm_aux_init_attrs():
    bn = mx.sym.BatchNorm(mx.sym.Variable("data"), name="bn")
    attrs = bn.attr_dict()
    for name, value in (("bn_moving_mean", 0), ("bn_moving_var", 1)):
        arr = mx.nd.full((4,), 7.0)
        init.Xavier()(D(name, attrs[name]), arr)
        assert (arr.asnumpy() == value).all()


def test_init_desc_is_str():
    desc = D("fc_weight", {"a": "1"})
    assert isinstance(desc, str) and desc == "fc_weight"
    assert desc.attrs == {"a": "1"} and desc.global_init is None
    assert D("x").attrs == {}


# --- dumps / create / register -------------------------------------------------------------

DUMPS = [  # MXNet 1.9.1
    (init.Xavier(factor_type="in", magnitude=2.34),
     '["xavier", {"rnd_type": "uniform", "factor_type": "in", "magnitude": 2.34}]'),
    (init.MSRAPrelu(), '["msraprelu", {"factor_type": "avg", "slope": 0.25}]'),
    (init.Zero(), '["zero", {}]'),
    (init.One(), '["one", {}]'),
    (init.Constant(3.0), '["constant", {"value": 3.0}]'),
    (init.Constant(mx.nd.array([1, 2])), '["constant", {"value": [1.0, 2.0]}]'),
    (init.Constant(np.array([1, 2])), '["constant", {"value": [1, 2]}]'),
    (init.Orthogonal(), '["orthogonal", {"scale": 1.414, "rand_type": "uniform"}]'),
    (init.Bilinear(), '["bilinear", {}]'),
    (init.LSTMBias(), '["lstmbias", {"forget_bias": 1.0}]'),
    (init.Uniform(), '["uniform", {"scale": 0.07}]'),
    (init.Normal(), '["normal", {"sigma": 0.01}]'),
]


@pytest.mark.parametrize("initializer,text", DUMPS)
def test_dumps_matches_mxnet_and_round_trips(initializer, text):
    assert initializer.dumps() == text
    again = init.create(text)
    assert type(again) is type(initializer) and again.dumps() == text


def test_create_forms():
    assert type(init.create("zeros")) is init.Zero
    assert type(init.create("ones")) is init.One
    assert type(init.create("XAVIER")) is init.Xavier
    assert init.create("uniform", 0.3) == init.Uniform(0.3)
    assert init.create(initializer="uniform", scale=0.3) == init.Uniform(0.3)
    assert init.create({"initializer": "normal", "sigma": 2}) == init.Normal(2)
    assert init.create('{"initializer": "normal", "sigma": 2}') == init.Normal(2)
    x = init.create('["xavier", {"magnitude": 2}]')
    assert x.magnitude == 2.0 and x == init.Xavier(magnitude=2)
    instance = init.Normal()
    assert init.create(instance) is instance


def test_create_errors():
    with pytest.raises(ValueError, match="^foo is not registered. Please register with "
                                         "initializer.register first; available initializers: .*xavier"):
        init.create("foo")
    with pytest.raises(ValueError, match="already an instance"):
        init.create(init.Zero(), 3)
    with pytest.raises(TypeError, match="initializer must be of string type"):
        init.create(3)


def test_equality():
    assert init.Xavier() == init.Xavier() and init.Xavier() != init.Xavier(magnitude=2)
    assert init.Zero() != init.One()


def test_register_alias_custom():
    @init.register
    @init.alias("testinit_alias")
    class TestInitCustom(init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 0.1

        def _init_bias(self, _, arr):
            arr[:] = 1

    for name in ("testinitcustom", "TestInit_Alias"):
        custom = init.create(name)
        assert isinstance(custom, TestInitCustom)
        np.testing.assert_allclose(_filled(custom, "a_weight", (2,)).asnumpy(), 0.1)
        assert (_filled(custom, "a_bias", (2,)).asnumpy() == 1).all()
    with pytest.warns(UserWarning, match="overriding existing initializer"):
        init.register(TestInitCustom)
    with pytest.raises(TypeError, match="subclass of Initializer"):
        init.register(dict)


# --- Mixed and Load ----------------------------------------------------------------------

def test_mixed():
    mixed = init.Mixed([".*bias", ".*"], [init.Zero(), init.Constant(2)])
    bias, weight = mx.nd.ones((3,)), mx.nd.zeros((3,))
    mixed(D("fc_bias"), bias)
    mixed(D("fc_weight"), weight)
    assert (bias.asnumpy() == 0).all() and (weight.asnumpy() == 2).all()
    with pytest.raises(ValueError, match="Parameter name fc_bias did not match any pattern"):
        init.Mixed(["bias"], [init.Zero()])(D("fc_bias"), weight)


def test_load_dict_and_file(tmp_path):
    params = {"arg:fc_weight": mx.nd.array([[1, 2], [3, 4]]), "aux:bn_moving_mean": mx.nd.ones(2),
              "plain": mx.nd.array([5.0])}
    fname = str(tmp_path / "p.params")
    mx.nd.save(fname, params)
    for source in (params, fname):
        loader = init.Load(source, default_init=init.Constant(9))
        assert sorted(loader.param) == ["bn_moving_mean", "fc_weight", "plain"]
        w = mx.nd.zeros((2, 2), dtype="float16")
        loader(D("fc_weight"), w)
        assert w.dtype == np.float16 and w.asnumpy().tolist() == [[1, 2], [3, 4]]
        other = mx.nd.zeros((2,))
        loader(D("other_weight"), other)
        assert (other.asnumpy() == 9).all()


def test_load_errors_and_context():
    loader = init.Load({"fc_weight": mx.nd.ones((2, 2))})
    with pytest.raises(ValueError, match=r"Parameter fc_weight cannot be initialized from "
                                         r"loading\. Shape mismatch, target \(3, 2\) vs "
                                         r"loaded \(2, 2\)"):
        loader(D("fc_weight"), mx.nd.zeros((3, 2)))
    with pytest.raises(ValueError, match="Cannot Initialize fc_bias. Not found"):
        loader(D("fc_bias"), mx.nd.zeros((2,)))
    target = mx.nd.zeros((2, 2), ctx=mx.cpu(1))
    loader(D("fc_weight"), target)
    assert target.context == mx.cpu(1) and (target.asnumpy() == 1).all()


def test_load_verbose_and_set_verbosity(caplog):
    with caplog.at_level(logging.INFO):
        init.Load({"w": mx.nd.ones(2)}, verbose=True)(D("w"), mx.nd.zeros(2))
        init.One().set_verbosity(True)(D("fc_weight"), mx.nd.zeros(4))
    assert "Initialized w by loading" in caplog.text
    assert "Initialized fc_weight as weight: 1.0" in caplog.text


# --- in place, dtype, context, reproducibility ------------------------------------------

@pytest.mark.parametrize("initializer", [init.Uniform(), init.Normal(), init.Xavier(),
                                         init.MSRAPrelu(), init.Orthogonal(), init.Bilinear(),
                                         init.Constant(2), init.Zero(), init.One()])
@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_keeps_identity_dtype_context(initializer, dtype):
    arr = mx.nd.full((4, 3, 2, 2), 5.0, ctx=mx.cpu(2), dtype=dtype)
    before = id(arr)
    initializer(D("conv_weight"), arr)
    assert id(arr) == before and arr.dtype == np.dtype(dtype) and arr.context == mx.cpu(2)
    assert np.isfinite(arr.asnumpy()).all() and (arr.asnumpy() != 5).all()


@pytest.mark.parametrize("initializer", [init.Uniform(), init.Normal(), init.Xavier("gaussian"),
                                         init.Orthogonal(rand_type="normal")])
def test_reproducible_under_seed(initializer):
    def draw():
        mx.random.seed(123)
        return _filled(initializer, "fc_weight", (6, 5)).asnumpy()
    first, second = draw(), draw()
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, _filled(initializer, "fc_weight", (6, 5)).asnumpy())

"""Random sampling: mx.nd.random, mx.random and the _random_* / _sample_* / _like /
multinomial / shuffle operators. Statistics use fixed seeds and ~20k samples."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ndarray import _invoke
from symjax_mx.ops import get_op

N = 20000
nd = mx.nd


@pytest.fixture(autouse=True)
def _seeded():
    mx.random.seed(42)


def _stats(x):
    x = x.asnumpy().astype(np.float64)
    return x.mean(), x.var()


# --- distributions from scalar parameters: mean and variance ---------------------------

SCALAR_CASES = {
    "uniform": (lambda: nd.random.uniform(2, 5, shape=(N,)), 3.5, 0.75),
    "normal": (lambda: nd.random.normal(3, 2, shape=(N,)), 3.0, 4.0),
    "randn": (lambda: nd.random.randn(100, N // 100, loc=-1, scale=0.5), -1.0, 0.25),
    "gamma": (lambda: nd.random.gamma(9, 0.5, shape=(N,)), 4.5, 2.25),
    "exponential": (lambda: nd.random.exponential(4, shape=(N,)), 4.0, 16.0),
    "poisson": (lambda: nd.random.poisson(4, shape=(N,)), 4.0, 4.0),
    "negative_binomial": (lambda: nd.random.negative_binomial(3, 0.4, shape=(N,)), 4.5, 11.25),
    "generalized_negative_binomial": (
        lambda: nd.random.generalized_negative_binomial(2, 0.3, shape=(N,)), 2.0, 3.2),
    "generalized_negative_binomial-poisson": (
        lambda: nd.random.generalized_negative_binomial(3, 0, shape=(N,)), 3.0, 3.0),
    "randint": (lambda: nd.random.randint(-3, 4, shape=(N,)), 0.0, 4.0),
}


@pytest.mark.parametrize("name", SCALAR_CASES)
def test_scalar_parameter_statistics(name):
    sample, mean, var = SCALAR_CASES[name]
    x = sample()
    got_mean, got_var = _stats(x)
    assert abs(got_mean - mean) < 0.05 * max(1.0, np.sqrt(var)), (got_mean, mean)
    assert abs(got_var - var) < 0.06 * var, (got_var, var)


def test_supports_and_value_types():
    u = nd.random.uniform(-1, 1, shape=(N,)).asnumpy()
    assert u.min() >= -1 and u.max() < 1 and u.min() < -0.99 and u.max() > 0.99
    for sample in (nd.random.poisson(2.5, shape=(1000,)),
                   nd.random.negative_binomial(2, 0.5, shape=(1000,)),
                   nd.random.generalized_negative_binomial(2, 0.5, shape=(1000,))):
        x = sample.asnumpy()
        assert sample.dtype == np.float32 and (x == np.round(x)).all() and x.min() >= 0
    assert nd.random.gamma(0.5, 2, shape=(1000,)).asnumpy().min() >= 0
    assert nd.random.exponential(1, shape=(1000,)).asnumpy().min() >= 0
    r = nd.random.randint(-3, 4, shape=(N,))
    assert r.dtype == np.int32 and set(np.unique(r.asnumpy())) == set(range(-3, 4))


def test_degenerate_parameters():
    assert (nd.random.uniform(1, 1, shape=(5,)).asnumpy() == 1).all()
    assert (nd.random.poisson(0, shape=(5,)).asnumpy() == 0).all()
    assert (nd.random.negative_binomial(0, 0.5, shape=(5,)).asnumpy() == 0).all()
    assert (nd.random.negative_binomial(3, 1, shape=(5,)).asnumpy() == 0).all()
    assert (nd.random.randint(7, 8, shape=(5,)).asnumpy() == 7).all()


def test_randint_int64_range():
    r = nd.random.randint(-2 ** 40, 2 ** 40, shape=(1000,), dtype="int64")
    x = r.asnumpy()
    assert r.dtype == np.int64 and x.min() >= -2 ** 40 and x.max() < 2 ** 40
    assert np.abs(x).max() > 2 ** 35  # not confined to 32 bits


# --- distributions from NDArray parameters ---------------------------------------------

def test_uniform_with_array_bounds():
    low, high = nd.array([0, 10]), nd.array([1, 20])
    x = nd.random.uniform(low, high, shape=(N // 2,))
    assert x.shape == (2, N // 2) and x.dtype == np.float32
    v = x.asnumpy()
    assert 0 <= v[0].min() and v[0].max() < 1 and 10 <= v[1].min() and v[1].max() < 20
    np.testing.assert_allclose(v.mean(axis=1), [0.5, 15], rtol=0.02)


SAMPLE_CASES = {
    "normal": (lambda a, b: nd.random.normal(a, b, shape=(N,)), [0.0, 10.0], [1.0, 3.0],
               lambda a, b: (a, b ** 2)),
    "gamma": (lambda a, b: nd.random.gamma(a, b, shape=(N,)), [2.0, 9.0], [1.0, 0.5],
              lambda a, b: (a * b, a * b ** 2)),
    "exponential": (lambda a, b: nd.random.exponential(a, shape=(N,)), [0.5, 4.0], [0, 0],
                    lambda a, b: (a, a ** 2)),
    "poisson": (lambda a, b: nd.random.poisson(a, shape=(N,)), [1.0, 7.0], [0, 0],
                lambda a, b: (a, a)),
    "negative_binomial": (lambda a, b: nd.random.negative_binomial(a, b, shape=(N,)),
                          [3.0, 5.0], [0.4, 0.7],
                          lambda k, p: (k * (1 - p) / p, k * (1 - p) / p ** 2)),
    "generalized_negative_binomial": (
        lambda a, b: nd.random.generalized_negative_binomial(a, b, shape=(N,)),
        [2.0, 5.0], [0.3, 0.0], lambda mu, alpha: (mu, mu + alpha * mu ** 2)),
}


@pytest.mark.parametrize("name", SAMPLE_CASES)
def test_array_parameter_statistics(name):
    sample, first, second, moments = SAMPLE_CASES[name]
    a, b = nd.array(first), nd.array(second)
    x = sample(a, b) if name not in ("exponential", "poisson") else sample(a, None)
    assert x.shape == (2, N) and x.dtype == np.float32
    v = x.asnumpy().astype(np.float64)
    for row, (p, q) in enumerate(zip(first, second)):
        mean, var = moments(np.float64(p), np.float64(q))
        assert abs(v[row].mean() - mean) < 0.05 * max(1.0, np.sqrt(var)), (row, mean)
        assert abs(v[row].var() - var) < 0.07 * var, (row, var)


def test_sample_shapes_and_dtypes():
    mu, sigma = nd.array([[0, 1, 2]], dtype="float64"), nd.array([[1, 1, 1]], dtype="float64")
    assert nd.random.normal(mu, sigma).shape == (1, 3)
    x = nd.random.normal(mu, sigma, shape=(4, 5))
    assert x.shape == (1, 3, 4, 5) and x.dtype == np.float32  # float32 unless dtype says
    assert nd.random.normal(mu, sigma, shape=2, dtype="float16").dtype == np.float16
    ints = nd.sample_uniform(nd.array([0, 5], dtype="int32"), nd.array([1, 6], dtype="int32"))
    assert ints.dtype == np.float32 and (ints.asnumpy() // 1 == [0, 5]).all()
    assert nd._internal._sample_uniform(low=nd.array([0]), high=nd.array([1])).shape == (1,)


def test_array_parameters_carry_no_gradient():
    op = get_op("_sample_normal")
    params = op.parse_params({"shape": (3,)})

    def total(mu, sigma):
        return op.compute([mu, sigma], [], params, False, jax.random.key(0))[0][0].sum()
    grads = jax.grad(total, argnums=(0, 1))(jnp.ones(2), jnp.ones(2))
    assert all((np.asarray(g) == 0).all() for g in grads)


# --- _like operators --------------------------------------------------------------------

def test_like_operators_follow_data():
    data = nd.zeros((100, 200), dtype="float64")
    x = nd.random.normal_like(data, loc=3, scale=0.5)
    assert x.shape == (100, 200) and x.dtype == np.float64
    mean, var = _stats(x)
    assert abs(mean - 3) < 0.03 and abs(var - 0.25) < 0.02
    u = nd.random.uniform_like(nd.zeros((2, 3), dtype="float16"), 5, 6)
    assert u.dtype == np.float16 and u.shape == (2, 3)
    assert 5 <= u.asnumpy().min() and u.asnumpy().max() <= 6
    for fn in (nd.random.gamma_like, nd.random.exponential_like, nd.random.poisson_like,
               nd.random.negative_binomial_like, nd.random.generalized_negative_binomial_like):
        assert fn(nd.ones((2, 2))).shape == (2, 2)
    assert nd._internal._random_exponential_like(nd.ones((3,)), lam=2).shape == (3,)


# --- multinomial and shuffle ------------------------------------------------------------

def test_multinomial_frequencies_and_shapes():
    probs = nd.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    x = nd.random.multinomial(probs, shape=(N // 2,))
    assert x.shape == (2, N // 2) and x.dtype == np.int32
    v = x.asnumpy()
    np.testing.assert_allclose(np.bincount(v[0], minlength=3) / v.shape[1], [0.1, 0.2, 0.7],
                               atol=0.015)
    assert set(np.unique(v[1])) == {0, 1}
    assert nd.random.multinomial(nd.array([0.2, 0.8])).shape == (1,)
    assert nd.random.multinomial(nd.array([0.2, 0.8]), shape=(3,)).shape == (3,)
    assert nd.random.multinomial(probs).shape == (2,)
    assert nd.random.multinomial(probs, dtype="uint8").dtype == np.uint8


def test_multinomial_log_probabilities():
    probs = nd.array([[0.2, 0.8], [0.5, 0.5]], dtype="float64")
    samples, logp = nd.random.multinomial(probs, shape=(3,), get_prob=True)
    assert samples.shape == logp.shape == (2, 3)
    assert samples.dtype == np.int32 and logp.dtype == np.float64
    p = probs.asnumpy()
    np.testing.assert_allclose(logp.asnumpy(),
                               np.log(np.take_along_axis(p, samples.asnumpy(), axis=1)))
    op = get_op("_sample_multinomial")
    params = op.parse_params({"get_prob": True, "shape": (4,)})
    assert op.output_names(params) == ("output0", "output1")
    data = jnp.asarray([0.3, 0.7])

    def total(d):
        return op.compute([d], [], params, False, jax.random.key(3))[0][1].sum()
    picked = np.asarray(op.compute([data], [], params, False, jax.random.key(3))[0][0])
    expected = np.bincount(picked, minlength=2) / np.asarray(data)  # d log p / dp
    np.testing.assert_allclose(np.asarray(jax.grad(total)(data)), expected, rtol=1e-6)


def test_multinomial_unnormalised_weights_pick_the_first_crossing():
    # MXNet's inverse CDF: cumulative [-0.3, 1.0] always first exceeds a draw in [0, 1) at 1
    assert (nd.random.multinomial(nd.array([-0.3, 1.3]), shape=(50,)).asnumpy() == 1).all()
    # weights summing below one: draws past the total land on the last category
    x = nd.random.multinomial(nd.array([0.3, 0.3]), shape=(N,)).asnumpy()
    np.testing.assert_allclose(np.bincount(x) / N, [0.3, 0.7], atol=0.015)


def test_shuffle_permutes_rows():
    data = nd.arange(40, dtype="int32").reshape((20, 2))
    out = nd.random.shuffle(data)
    rows = out.asnumpy()
    assert out.dtype == np.int32 and out.shape == (20, 2)
    assert sorted(map(tuple, rows)) == sorted(map(tuple, data.asnumpy()))
    assert (rows[:, 1] - rows[:, 0] == 1).all() and not (rows == data.asnumpy()).all()
    assert nd.shuffle(nd.array([5])).asnumpy().tolist() == [5]
    seen = {tuple(nd.random.shuffle(nd.arange(3)).asnumpy()) for _ in range(40)}
    assert len(seen) == 6


# --- reproducibility --------------------------------------------------------------------

SAMPLERS = {
    "uniform": lambda: nd.random.uniform(shape=(4,)),
    "normal": lambda: nd.random.normal(shape=(4,)),
    "randn": lambda: nd.random.randn(4),
    "gamma": lambda: nd.random.gamma(2, 2, shape=(4,)),
    "exponential": lambda: nd.random.exponential(shape=(4,)),
    "poisson": lambda: nd.random.poisson(20, shape=(8,)),
    "negative_binomial": lambda: nd.random.negative_binomial(10, 0.3, shape=(8,)),
    "generalized_negative_binomial": lambda: nd.random.generalized_negative_binomial(
        10, 0.5, shape=(8,)),
    "randint": lambda: nd.random.randint(0, 1000, shape=(4,)),
    "sample_normal": lambda: nd.random.normal(nd.zeros((2,)), nd.ones((2,)), shape=(2,)),
    "multinomial": lambda: nd.random.multinomial(nd.ones((10,)) / 10, shape=(8,)),
    "shuffle": lambda: nd.random.shuffle(nd.arange(10)),
    "uniform_like": lambda: nd.random.uniform_like(nd.zeros((4,))),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_same_seed_same_samples(name):
    sample = SAMPLERS[name]
    mx.random.seed(11)
    first, second = sample().asnumpy(), sample().asnumpy()
    mx.random.seed(11)
    again = sample().asnumpy()
    mx.random.seed(12)
    other = sample().asnumpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second) and not np.array_equal(first, other)


def test_mx_random_forwards_to_nd_random():
    assert mx.random.uniform is nd.random.uniform and "randn" in dir(mx.random)
    mx.random.seed(3)
    a = mx.random.normal(0, 1, shape=(3,))
    mx.random.seed(3)
    np.testing.assert_array_equal(a.asnumpy(), nd.random.normal(0, 1, shape=(3,)).asnumpy())
    with pytest.raises(AttributeError):
        mx.random.no_such_sampler


# --- placement, dtypes, shapes, out= ----------------------------------------------------

def test_context_placement():
    assert nd.random.uniform(shape=(2,), ctx=mx.cpu(1)).context == mx.cpu(1)
    x = nd.random.normal(shape=(2,), ctx="cpu(2)")
    assert x.context == mx.cpu(2) and x.asjax().devices() == {jax.devices()[2]}
    with mx.cpu(3):
        assert nd.random.randint(0, 3, shape=(2,)).context == mx.cpu(3)
        assert nd.uniform(shape=(2,)).context == mx.cpu(3)
    low = nd.zeros((2,), ctx=mx.cpu(1))
    assert nd.random.uniform(low, low + 1, ctx=mx.cpu(2)).context == mx.cpu(1)  # as MXNet
    assert nd.random.shuffle(nd.arange(4, ctx=mx.cpu(2))).context == mx.cpu(2)


def test_default_shape_and_dtypes():
    assert nd.random.uniform().shape == (1,) and nd.random.uniform().dtype == np.float32
    assert nd.random.normal(shape=5).shape == (5,)
    assert nd.random.randn(2, 3).shape == (2, 3)
    assert nd.random.uniform(shape=(2,), name="u").shape == (2,)  # name= accepted, unused
    for dtype in ("float16", "float32", "float64"):
        assert nd.random.gamma(shape=(2,), dtype=dtype).dtype == np.dtype(dtype)
        assert nd.random.poisson(3, shape=(2,), dtype=dtype).dtype == np.dtype(dtype)
    assert nd.random.randint(0, 5).dtype == np.int32
    assert nd.random.randint(0, 5, shape=(2,), dtype="int64").dtype == np.int64


def test_out_writes_into_an_existing_array():
    target = nd.zeros((3, 4), ctx=mx.cpu(1))
    result = nd.random.uniform(5, 6, out=target)
    assert result is target and target.context == mx.cpu(1)
    assert 5 <= target.asnumpy().min() and target.asnumpy().max() < 6
    wide = nd.zeros((2, 2), dtype="float64")
    nd.random.normal(out=wide)
    assert wide.dtype == np.float64 and (wide.asnumpy() != 0).all()
    ints = nd.zeros((5,), dtype="int64")
    nd.random.randint(0, 3, out=ints)
    assert ints.asnumpy().max() < 3
    pair = [nd.zeros((2,), dtype="int32"), nd.zeros((2,))]
    assert nd.random.multinomial(nd.array([[0.5, 0.5]] * 2), get_prob=True, out=pair) is pair
    assert (pair[1].asnumpy() != 0).all()
    shuffled = nd.zeros((3,))
    nd.random.shuffle(nd.array([1, 2, 3]), out=shuffled)
    assert sorted(shuffled.asnumpy()) == [1, 2, 3]
    sample = nd.zeros((2, 3), dtype="float16")
    nd.random.poisson(nd.array([1, 2]), shape=(3,), out=sample)
    assert sample.dtype == np.float16


def test_out_errors():
    with pytest.raises(mx.MXNetError, match="out= has dtype float32, but dtype float64"):
        nd.random.uniform(shape=(2,), dtype="float64", out=nd.zeros((2,)))
    with pytest.raises(mx.MXNetError, match="out= has shape"):
        nd.random.uniform(shape=(3, 2), out=nd.zeros((2, 3)))
    with pytest.raises(mx.MXNetError, match="parameter dtype: expected one of"):
        nd.random.uniform(out=nd.zeros((2,), dtype="int32"))
    with pytest.raises(mx.MXNetError, match="out= has dtype float32, but dtype int32"):
        nd.random.multinomial(nd.array([0.2, 0.8]), out=nd.zeros((1,)))


# --- errors -----------------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: nd.random.negative_binomial(2.5, 0.5, shape=(2,)), "parameter k: expected an int"),
    (lambda: nd.random.uniform(2, 1, shape=(2,)), "low must be less than or equal to high"),
    (lambda: nd.random.randint(5, 2), "low must be less than high"),
    (lambda: nd.random.randint(5, 5), "low must be less than high"),
    (lambda: nd.random.randint(1.5, 5), "parameter low: expected an integer"),
    (lambda: nd.random.randint(nd.array([1]), 5), "must be integers, not NDArrays"),
    (lambda: nd.random.uniform(shape=(2,), dtype="int32"), "parameter dtype: expected one of"),
    (lambda: nd.random.randint(0, 5, dtype="float32"), "parameter dtype: expected one of"),
    (lambda: nd.random.multinomial(nd.array([0.5, 0.5]), dtype="int64"), "expected one of"),
    (lambda: nd.random.uniform(nd.array([0]), 1), "must all have the same type, but got both "
                                                  "NDArray and int"),
    (lambda: nd.random.normal(0, nd.array([1])), "must all have the same type"),
    (lambda: nd.random.uniform("a", 2), "must be either NDArray or numbers, but got str"),
    (lambda: nd.random.uniform(shape=()), "output shape \\(\\) is unknown"),
    (lambda: nd.random.uniform(shape=(2, 0)), "output shape \\(2, 0\\) is unknown"),
    (lambda: nd.random.randn(), "is unknown"),
    (lambda: nd.random.uniform(shape=(2, -1)), "negative dimension"),
    (lambda: nd.random.uniform(ctx="tpu(0)"), "unknown device type"),
    (lambda: nd.random.uniform(ctx="cpu"), "invalid context"),
    (lambda: nd.random.uniform(nd.array([0, 1]), nd.array([1, 2, 3])), "inputs must share one "
                                                                      "shape"),
    (lambda: nd.random.uniform(nd.array([0], dtype="float16"), nd.array([1], dtype="float64")),
     "inputs must share one dtype, but low is float16 and high is float64"),
    (lambda: nd.random.normal(nd.array(0), nd.array(1)), "at least one dimension"),
    (lambda: nd.random.multinomial(nd.array(0.5)), "at least one dimension"),
    (lambda: nd.random.multinomial(nd.array([1, 0], dtype="int32")), "floating point types"),
    (lambda: nd.random.uniform_like(nd.zeros((2,), dtype="int32")), "floating point types"),
    (lambda: nd.random.shuffle(nd.array(5)), "at least one dimension"),
    (lambda: nd.random.uniform(shape=(2,), bogus=1), "has no parameter 'bogus'"),
    (lambda: nd._internal._random_randint(high=5, shape=(2,)), "required parameter low"),
])
def test_errors(call, message):
    with pytest.raises(mx.MXNetError, match=message):
        call()


# MXNet checks these values in the kernel: the call returns, reading the result raises.
@pytest.mark.parametrize("call, message", [
    (lambda: nd.random.normal(0, -1, shape=(2,)), "parameter scale: must be positive"),
    (lambda: nd.random.normal(0, 0, shape=(2,)), "parameter scale: must be positive"),
    (lambda: nd.random.gamma(-1, 1, shape=(2,)), "parameter alpha: must be positive"),
    (lambda: nd.random.gamma(1, 0, shape=(2,)), "parameter beta: must be positive"),
    (lambda: nd.random.exponential(-1, shape=(2,)), "parameter lam: must be positive"),
    (lambda: nd.random.poisson(-1, shape=(2,)), "parameter lam: must be non-negative"),
    (lambda: nd.random.negative_binomial(-1, 0.5, shape=(2,)), "parameter k: must be non-neg"),
    (lambda: nd.random.negative_binomial(2, -0.5, shape=(2,)), "parameter p: must be non-neg"),
    (lambda: nd.random.generalized_negative_binomial(-1, 1), "parameter mu: must be non-neg"),
    (lambda: nd.random.generalized_negative_binomial(1, -1), "parameter alpha: must be non-n"),
])
def test_kernel_check_errors_surface_when_read(call, message):
    result = call()
    assert result.shape == (2,) or result.shape == (1,)
    with pytest.raises(mx.MXNetError, match=message):
        result.asnumpy()
    result.asnumpy()  # raised once, then cleared, as MXNet's engine does


# --- the registry operators -------------------------------------------------------------

def test_names_and_aliases():
    for name, op in [("uniform", "_random_uniform"), ("random_uniform", "_random_uniform"),
                     ("normal", "_random_normal"), ("random_gamma", "_random_gamma"),
                     ("random_randint", "_random_randint"), ("sample_normal", "_sample_normal"),
                     ("sample_multinomial", "_sample_multinomial"), ("shuffle", "_shuffle"),
                     ("random_generalized_negative_binomial",
                      "_random_generalized_negative_binomial")]:
        assert get_op(name) is get_op(op)
        assert callable(getattr(nd, name)) and callable(getattr(nd._internal, op))
    assert get_op("_random_uniform").input_names({}) == ()
    assert get_op("_sample_normal").input_names({}) == ("mu", "sigma")
    assert get_op("_sample_negative_binomial").input_names({}) == ("k", "p")
    assert list(get_op("_random_uniform").params) == ["low", "high", "shape", "ctx", "dtype"]
    assert nd.random_uniform(0, 1, (2, 3), "cpu(0)", "float64").dtype == np.float64


def test_parameters_parse_mxnet_strings():
    op = get_op("_random_uniform")
    params = op.parse_params({"low": "-1", "high": "2.5", "shape": "(2, 3)", "ctx": "cpu(0)",
                              "dtype": "None"})
    assert params == {"low": -1.0, "high": 2.5, "shape": (2, 3), "ctx": "cpu(0)", "dtype": None}
    assert op.infer_shape(params, []) == ([], [(2, 3)])
    assert op.infer_type(params, []) == ([], [np.float32])
    assert op.parse_params({"shape": "None"})["shape"] == ()
    assert op.infer_shape(op.parse_params({}), []) == ([], [None])  # shape unknown
    with pytest.raises(mx.MXNetError, match="low must be less than or equal to high"):
        op.infer_shape(op.parse_params({"low": "3", "high": "1", "shape": "(2,)"}), [])
    randint = get_op("_random_randint")
    parsed = randint.parse_params({"low": "0", "high": "9", "dtype": "int64"})
    assert randint.infer_type(parsed, []) == ([], [np.int64])
    multinomial = get_op("_sample_multinomial")
    parsed = multinomial.parse_params({"shape": "(4,)", "get_prob": "True"})
    assert multinomial.infer_shape(parsed, [(2, 3)]) == ([(2, 3)], [(2, 4), (2, 4)])
    assert multinomial.infer_type(parsed, [np.float64]) == ([np.float64], [np.int32, np.float64])


def test_sample_rules_complete_what_they_can():
    op = get_op("_sample_gamma")
    params = op.parse_params({"shape": "(4, 5)", "dtype": "float64"})
    assert op.infer_shape(params, [(2, 3), None]) == ([(2, 3), (2, 3)], [(2, 3, 4, 5)])
    assert op.infer_shape(params, [None, None]) == ([None, None], [None])
    assert op.infer_type(params, [None, np.float32]) == ([np.float32, np.float32], [np.float64])
    like = get_op("_random_normal_like")
    assert like.infer_shape(like.parse_params({}), [(3, 4)]) == ([(3, 4)], [(3, 4)])


def test_new_parameter_values_compile_nothing():
    for name, call in [("_random_uniform", lambda v: nd.random.uniform(-v, v, shape=(7, 3))),
                       ("_random_randint", lambda v: nd.random.randint(-v, v + 1, shape=(7, 3))),
                       ("_random_normal_like", lambda v: nd.random.normal_like(
                           nd.zeros((7, 3)), loc=v, scale=v))]:
        call(1).wait_to_read()
        op = get_op(name)
        params = dict(op.parse_params({"low": 0, "high": 1} if "randint" in name else {}))
        if "shape" in params:
            params["shape"] = (7, 3)
        fn, _ = _invoke.compiled(op, params)
        before, functions = fn._cache_size(), len(_invoke._COMPILED)
        for value in (2, 5, 10):
            call(value).wait_to_read()
        assert fn._cache_size() == before and len(_invoke._COMPILED) == functions, name


def test_symbolic_sampler_without_shape_takes_its_consumers_shape():
    noise = mx.sym.random.randn(loc=10.0, scale=0.5, data=mx.sym.ones((2, 2)))  # data: dropped
    assert noise.list_arguments() == []
    out = noise + mx.sym.Variable("X")
    assert out.infer_shape(X=(2, 3))[1] == [(2, 3)]
    executor = out.bind(mx.cpu(), {"X": mx.nd.zeros((2, 3))})
    values = executor.forward()[0].asnumpy()
    assert values.shape == (2, 3) and abs(values.mean() - 10.0) < 2.0

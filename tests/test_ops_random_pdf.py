"""random_pdf_<dist>: densities of MXNet's sampling distributions against scipy.stats."""
import numpy as np
import pytest
import scipy.stats as ss

import symjax_mx as mx

_RS = np.random.RandomState(0)
_X = _RS.uniform(0.2, 3, (2, 2, 5))
_A, _B = _RS.uniform(0.5, 2, (2, 2)), _RS.uniform(2.5, 4, (2, 2))


@pytest.mark.parametrize("name, reference, params, sample", [
    ("normal", ss.norm.pdf, (_A, _B), _X),
    ("uniform", lambda x, low, high: 1 / (high - low) + 0 * x, (_A, _B), _X),
    ("gamma", lambda x, a, b: ss.gamma.pdf(x, a, 0, 1 / b), (_A, _B), _X),
    ("exponential", lambda x, lam: ss.expon.pdf(x, 0, 1 / lam), (_A,), _X),
    ("poisson", ss.poisson.pmf, (_A,), np.floor(3 * _X)),
    ("negative_binomial", ss.nbinom.pmf, (np.floor(_B), _A / 3), np.floor(3 * _X)),
    ("generalized_negative_binomial",
     lambda x, mu, a: ss.nbinom.pmf(x, 1 / a, 1 / (mu * a + 1)), (_A, _B), np.floor(3 * _X)),
])
@pytest.mark.parametrize("is_log", [False, True])
def test_densities_match_scipy(name, reference, params, sample, is_log):
    f64 = [mx.nd.array(v, dtype="float64") for v in (sample,) + params]
    out = getattr(mx.nd, "random_pdf_" + name)(*f64, is_log=is_log).asnumpy()
    expected = reference(sample, *(p[..., None] for p in params))
    np.testing.assert_allclose(out, np.log(expected) if is_log else expected, rtol=1e-10)


def test_dirichlet_density_and_symbol():
    alpha = _RS.uniform(0.5, 2, (2, 3))
    draws = np.stack([ss.dirichlet.rvs(a, size=4, random_state=1) for a in alpha])
    sample, conc = mx.sym.Variable("sample"), mx.sym.Variable("alpha")
    out = mx.sym.random_pdf_dirichlet(sample, conc, is_log=True).eval(
        sample=mx.nd.array(draws, dtype="float64"), alpha=mx.nd.array(alpha, dtype="float64"))
    expected = np.stack([ss.dirichlet.logpdf(d.T, a) for d, a in zip(draws, alpha)])
    np.testing.assert_allclose(out[0].asnumpy(), expected, rtol=1e-10)


def test_unique_zipfian_samples_are_distinct_and_count_their_draws():
    classes, tries = mx.nd._internal._sample_unique_zipfian(50, shape=(3, 20))
    assert classes.dtype == np.int64 and classes.shape == (3, 20)
    for row, count in zip(classes.asnumpy(), tries.asnumpy()):
        assert len(set(row)) == 20 and row.min() >= 0 and row.max() < 50
        assert count >= 20


def test_rand_zipfian_expected_counts_follow_the_log_uniform_law():
    true_classes = mx.nd.array([0, 3, 7], dtype="int32")
    expected = np.log((np.arange(20) + 2) / (np.arange(20) + 1)) / np.log(21) * 1000
    sampled, count_true, count_sampled = mx.nd.contrib.rand_zipfian(true_classes, 1000, 20)
    assert sampled.shape == (1000,) and 0 <= sampled.asnumpy().min() <= sampled.asnumpy().max() < 20
    np.testing.assert_allclose(count_true.asnumpy(), expected[[0, 3, 7]], rtol=1e-6)
    np.testing.assert_allclose(count_sampled.asnumpy(), expected[sampled.asnumpy()], rtol=1e-6)
    symbols = mx.sym.contrib.rand_zipfian(mx.sym.var("true_classes"), 1000, 20)
    outputs = mx.sym.Group(symbols).eval(true_classes=true_classes)
    np.testing.assert_allclose(outputs[1].asnumpy(), expected[[0, 3, 7]], rtol=1e-6)

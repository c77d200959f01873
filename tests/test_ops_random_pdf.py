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

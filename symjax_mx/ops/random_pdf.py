"""Probability densities (and masses) of the sampling distributions: ``random_pdf_<dist>``
(MXNet 1.9.1's src/operator/random/pdf_op.h).

The distribution parameters have shape [s]; the samples [s] + [n] (dirichlet: the samples
[s] + [n, k] and alpha [s] + [k]). The output has the samples' shape ([s] + [n] for
dirichlet): the density of each sample under its distribution, or its log with
``is_log``. Gradients reach the samples (continuous distributions) and the parameters.
"""
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gammaln

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, same_dtype_rule


def _negative_binomial(x, k, p):
    return (gammaln(x + k) - gammaln(x + 1) - gammaln(k) + k * jnp.log(p)
            + x * jnp.log1p(-p))


# name -> (log density of (sample, *params), parameter names)
_LOG_DENSITIES = {
    "normal": (lambda x, mu, sigma: -0.5 * ((x - mu) / sigma) ** 2 - jnp.log(sigma)
               - 0.5 * np.log(2 * np.pi), ("mu", "sigma")),
    "uniform": (lambda x, low, high: -jnp.log(high - low) + 0 * x, ("low", "high")),
    "gamma": (lambda x, alpha, beta: alpha * jnp.log(beta) + (alpha - 1) * jnp.log(x)
              - beta * x - gammaln(alpha), ("alpha", "beta")),
    "exponential": (lambda x, lam: jnp.log(lam) - lam * x, ("lam",)),
    "poisson": (lambda x, lam: x * jnp.log(lam) - lam - gammaln(x + 1), ("lam",)),
    "negative_binomial": (_negative_binomial, ("k", "p")),
    "generalized_negative_binomial": (
        lambda x, mu, alpha: _negative_binomial(x, 1 / alpha, 1 / (mu * alpha + 1)),
        ("mu", "alpha")),
}

_IS_LOG = Param("is_log", P.boolean, default=False, doc="return the log density")


def _pdf_compute(log_density):
    def compute(inputs, aux, params, is_train, rng):
        sample, *dist = inputs
        extra = (1,) * (sample.ndim - dist[0].ndim)
        logp = log_density(sample, *(d.reshape(d.shape + extra) for d in dist))
        return ((logp if params["is_log"] else jnp.exp(logp)).astype(sample.dtype),), aux
    return compute


def _pdf_shape_rule(op, params, shapes):
    sample, *dist = shapes
    names = op.input_names(params)
    known = [s for s in dist if s is not None]
    for name, shape in zip(names[1:], dist):
        if shape is not None and shape != known[0]:
            raise MXNetError(f"{op.name}: the parameters must share one shape, but {name} has "
                             f"{tuple(shape)} and {names[1]} {tuple(known[0])}")
    if sample is not None and known and tuple(sample[:len(known[0])]) != tuple(known[0]):
        raise MXNetError(f"{op.name}: sample of shape {tuple(sample)} must start with the "
                         f"parameters' shape {tuple(known[0])}")
    return shapes, [sample]


for _name, (_log_density, _params) in _LOG_DENSITIES.items():
    register(f"_random_pdf_{_name}", _pdf_compute(_log_density),
             aliases=(f"random_pdf_{_name}",), inputs=("sample",) + _params,
             shape_rule=_pdf_shape_rule, dtype_rule=same_dtype_rule, params=(_IS_LOG,),
             doc=f"The {_name.replace('_', ' ')} density of each sample under the distribution "
                 f"whose parameters ({', '.join(_params)}) lead its index.")


def _dirichlet(inputs, aux, params, is_train, rng):
    sample, alpha = inputs
    alpha = alpha.reshape(alpha.shape[:-1] + (1,) * (sample.ndim - alpha.ndim) + alpha.shape[-1:])
    logp = (jnp.sum((alpha - 1) * jnp.log(sample), -1) + gammaln(jnp.sum(alpha, -1))
            - jnp.sum(gammaln(alpha), -1))
    return ((logp if params["is_log"] else jnp.exp(logp)).astype(sample.dtype),), aux


def _dirichlet_shape_rule(op, params, shapes):
    sample, alpha = shapes
    if sample is None or alpha is None:
        return shapes, [None if sample is None else tuple(sample[:-1])]
    sample, alpha = tuple(sample), tuple(alpha)
    if sample[:len(alpha) - 1] != alpha[:-1] or sample[-1] != alpha[-1]:
        raise MXNetError(f"random_pdf_dirichlet: sample {sample} must be alpha's leading "
                         f"shape {alpha[:-1]}, then draws, then alpha's last axis {alpha[-1]}")
    return shapes, [sample[:-1]]


register("_random_pdf_dirichlet", _dirichlet, aliases=("random_pdf_dirichlet",),
         inputs=("sample", "alpha"), shape_rule=_dirichlet_shape_rule,
         dtype_rule=same_dtype_rule, params=(_IS_LOG,),
         doc="The Dirichlet density of each sample (last axis: the k components) under the "
             "concentrations alpha (last axis k) leading its index.")

"""mx.sym.random: random-sampling nodes with MXNet's Python semantics (as mx.nd.random).

Distribution parameters given as numbers add a ``_random_<dist>`` node with shape ``shape``
(default: inferred from its consumers); parameters given as Symbols add ``_sample_<dist>``,
``shape`` draws per element. ``name=`` and ``attr=`` name the node; other keywords (``ctx``) are attributes.
"""
import numpy as np

from ..base import MXNetError
from ..ops import get_op
from .symbol import Symbol, create

__all__ = ["uniform", "normal", "randn", "gamma", "exponential", "poisson", "negative_binomial",
           "generalized_negative_binomial", "randint", "multinomial", "shuffle", "uniform_like",
           "normal_like", "gamma_like", "exponential_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]

_NUMBERS = (int, float, np.integer, np.floating)


def _node(op_name, inputs, params):
    """A node of ``op_name``; parameters given as None take their defaults."""
    name, attr = params.pop("name", None), params.pop("attr", None)
    params = {k: v for k, v in params.items() if v is not None}
    return create(get_op(op_name), list(inputs), {}, params, name=name, attr=attr)


def _sample(dist, params, shape, dtype, kwargs):
    """Dispatch on the parameters' type: all Symbols or all numbers."""
    values = list(params.values())
    kind = Symbol if isinstance(values[0], Symbol) else _NUMBERS
    if kind is _NUMBERS and not isinstance(values[0], _NUMBERS):
        raise MXNetError(f"Distribution parameters must be either Symbol or numbers, but got "
                         f"{type(values[0]).__name__}")
    for value in values[1:]:
        if not isinstance(value, kind):
            raise MXNetError(f"Distribution parameters must all have the same type, but got "
                             f"both {type(values[0]).__name__} and {type(value).__name__}")
    if kind is Symbol:
        return _node(f"_sample_{dist}", values, {"shape": shape, "dtype": dtype, **kwargs})
    # a Symbol keyword (randn(data=...)) has no input to bind to, and MXNet drops it; no
    # shape leaves it to inference from the node's consumers, as in MXNet
    kwargs = {k: v for k, v in kwargs.items() if not isinstance(v, Symbol)}
    return _node(f"_random_{dist}", [], {**params, "shape": shape or (), "dtype": dtype,
                                         **kwargs})


def uniform(low=0, high=1, shape=None, dtype=None, **kwargs):
    """Samples from the uniform distribution on [low, high)."""
    return _sample("uniform", {"low": low, "high": high}, shape, dtype, kwargs)


def normal(loc=0, scale=1, shape=None, dtype=None, **kwargs):
    """Samples from the normal distribution with mean ``loc`` and deviation ``scale``."""
    return _sample("normal", {"loc": loc, "scale": scale}, shape, dtype, kwargs)


def randn(*shape, **kwargs):
    """Samples of shape ``shape`` from a normal distribution (``loc``, ``scale`` keywords)."""
    loc, scale = kwargs.pop("loc", 0), kwargs.pop("scale", 1)
    return _sample("normal", {"loc": loc, "scale": scale}, shape, kwargs.pop("dtype", None),
                   kwargs)


def gamma(alpha=1, beta=1, shape=None, dtype=None, **kwargs):
    """Samples from the gamma distribution with shape ``alpha`` and scale ``beta``."""
    return _sample("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, kwargs)


def exponential(scale=1, shape=None, dtype=None, **kwargs):
    """Samples from the exponential distribution with scale (mean) ``scale``."""
    return _sample("exponential", {"lam": 1.0 / scale}, shape, dtype, kwargs)


def poisson(lam=1, shape=None, dtype=None, **kwargs):
    """Samples (as floats) from the Poisson distribution with rate ``lam``."""
    return _sample("poisson", {"lam": lam}, shape, dtype, kwargs)


def negative_binomial(k=1, p=1, shape=None, dtype=None, **kwargs):
    """Failures before the ``k``-th success, ``p`` the failure probability (as floats)."""
    return _sample("negative_binomial", {"k": k, "p": p}, shape, dtype, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, **kwargs):
    """Samples with mean ``mu`` and variance ``mu + alpha * mu**2`` (as floats)."""
    return _sample("generalized_negative_binomial", {"mu": mu, "alpha": alpha}, shape, dtype,
                   kwargs)


def randint(low, high, shape=None, dtype=None, **kwargs):
    """Integers drawn uniformly from [low, high); int32 unless ``dtype`` says int64."""
    if isinstance(low, Symbol) or isinstance(high, Symbol):
        raise MXNetError("randint: low and high must be integers, not Symbols")
    return _sample("randint", {"low": low, "high": high}, shape, dtype, kwargs)


def multinomial(data, shape=None, get_prob=False, dtype="int32", **kwargs):
    """Category indices drawn from the distributions on the last axis of ``data``; with
    ``get_prob`` also their log-probabilities."""
    return _node("_sample_multinomial", [data],
                 {"shape": shape, "get_prob": get_prob, "dtype": dtype, **kwargs})


def shuffle(data, **kwargs):
    """The rows (first axis) of ``data`` in a random order."""
    return _node("_shuffle", [data], kwargs)


def _like(dist):
    """The front end's function for ``_random_<dist>_like``; its positional parameters are
    the operator's, in schema order."""
    names = tuple(get_op(f"_random_{dist}_like").params)
    def sample_like(data=None, *args, **kwargs):
        return _node(f"_random_{dist}_like", [data], {**dict(zip(names, args)), **kwargs})
    sample_like.__name__ = f"{dist}_like"
    sample_like.__doc__ = (f"Samples of the {dist} distribution ({', '.join(names)}), shaped "
                           f"and typed like ``data``.")
    return sample_like


uniform_like = _like("uniform")
normal_like = _like("normal")
gamma_like = _like("gamma")
exponential_like = _like("exponential")
poisson_like = _like("poisson")
negative_binomial_like = _like("negative_binomial")
generalized_negative_binomial_like = _like("generalized_negative_binomial")

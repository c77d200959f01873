"""mx.nd.random: sampling with MXNet's Python semantics.

Distribution parameters given as numbers call the ``_random_<dist>`` operator: the
result has shape ``shape`` (default ``(1,)``, or ``out``'s shape) and is placed on
``ctx`` (default: the current context). Parameters given as NDArrays call
``_sample_<dist>``: ``shape`` draws per element, on the parameters' context. ``out``
writes the samples into an existing array; ``mx.random.seed`` makes them reproducible.
"""

import numpy as np

from ..base import MXNetError
from ..context import as_context, current_context
from ..ops import get_op
from .ndarray import NDArray, invoke

__all__ = ["uniform", "normal", "randn", "gamma", "exponential", "poisson", "negative_binomial",
           "generalized_negative_binomial", "randint", "multinomial", "shuffle", "uniform_like",
           "normal_like", "gamma_like", "exponential_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]

_NUMBERS = (int, float, np.integer, np.floating)


def _call(name, inputs, params, out=None, ctx=None):
    """Run registry operator ``name``; parameters given as None take their defaults and
    ``name=`` is accepted as in MXNet (imperative results have no names)."""
    op = get_op(name)
    params = op.parse_params({k: v for k, v in params.items() if v is not None and k != "name"},
                             defer_kernel_checks=True)
    return invoke(op, tuple(inputs), params, out=out, ctx=ctx)


def _dtype_for(name, dtype, out):
    """The dtype to sample: ``dtype``, else that of ``out``; the two must agree."""
    if out is None:
        return dtype
    target = np.dtype((out[0] if isinstance(out, (list, tuple)) else out).dtype)
    if dtype is None:
        return target.name
    if np.dtype(dtype) != target:
        raise MXNetError(f"{name}: out= has dtype {target.name}, but dtype "
                         f"{np.dtype(dtype).name} was requested")
    return dtype


def _sample(dist, params, shape, dtype, ctx, out, kwargs):
    """Dispatch on the parameters' type: all NDArrays or all numbers."""
    values = list(params.values())
    kind = NDArray if isinstance(values[0], NDArray) else _NUMBERS
    if kind is _NUMBERS and not isinstance(values[0], _NUMBERS):
        raise MXNetError(f"Distribution parameters must be either NDArray or numbers, but got "
                         f"{type(values[0]).__name__}")
    for value in values[1:]:
        if not isinstance(value, kind):
            raise MXNetError(f"Distribution parameters must all have the same type, but got "
                             f"both {type(values[0]).__name__} and {type(value).__name__}")
    if kind is NDArray:
        name = f"_sample_{dist}"
        return _call(name, values, {"shape": shape, "dtype": _dtype_for(name, dtype, out),
                                    **kwargs}, out=out)
    name = f"_random_{dist}"
    if out is not None:
        ctx = out.context
        shape = out.shape if shape is None else shape
    elif shape is None:
        shape = (1,)
    ctx = as_context(ctx) or current_context()
    return _call(name, [], {**params, "shape": shape, "dtype": _dtype_for(name, dtype, out),
                            **kwargs}, out=out, ctx=ctx)


def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from the uniform distribution on [low, high)."""
    return _sample("uniform", {"low": low, "high": high}, shape, dtype, ctx, out, kwargs)


def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from the normal distribution with mean ``loc`` and deviation ``scale``."""
    return _sample("normal", {"loc": loc, "scale": scale}, shape, dtype, ctx, out, kwargs)


def randn(*shape, **kwargs):
    """Samples of shape ``shape`` from a normal distribution (``loc``, ``scale`` keywords)."""
    loc, scale = kwargs.pop("loc", 0), kwargs.pop("scale", 1)
    dtype, ctx, out = kwargs.pop("dtype", None), kwargs.pop("ctx", None), kwargs.pop("out", None)
    return _sample("normal", {"loc": loc, "scale": scale}, shape, dtype, ctx, out, kwargs)


def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from the gamma distribution with shape ``alpha`` and scale ``beta``."""
    return _sample("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, ctx, out, kwargs)


def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from the exponential distribution with scale (mean) ``scale``."""
    return _sample("exponential", {"lam": 1.0 / scale}, shape, dtype, ctx, out, kwargs)


def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples (as floats) from the Poisson distribution with rate ``lam``."""
    return _sample("poisson", {"lam": lam}, shape, dtype, ctx, out, kwargs)


def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Failures before the ``k``-th success, ``p`` the failure probability (as floats)."""
    return _sample("negative_binomial", {"k": k, "p": p}, shape, dtype, ctx, out, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None, out=None,
                                  **kwargs):
    """Samples with mean ``mu`` and variance ``mu + alpha * mu**2`` (as floats)."""
    return _sample("generalized_negative_binomial", {"mu": mu, "alpha": alpha}, shape, dtype,
                   ctx, out, kwargs)


def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Integers drawn uniformly from [low, high); int32 unless ``dtype`` says int64."""
    if isinstance(low, NDArray) or isinstance(high, NDArray):
        raise MXNetError("randint: low and high must be integers, not NDArrays")
    return _sample("randint", {"low": low, "high": high}, shape, dtype, ctx, out, kwargs)


def multinomial(data, shape=None, get_prob=False, out=None, dtype="int32", **kwargs):
    """Category indices drawn from the distributions on the last axis of ``data``; with
    ``get_prob`` also their log-probabilities."""
    dtype = _dtype_for("_sample_multinomial", dtype, out)
    return _call("_sample_multinomial", [data],
                 {"shape": shape, "get_prob": get_prob, "dtype": dtype, **kwargs}, out=out)


def shuffle(data, **kwargs):
    """The rows (first axis) of ``data`` in a random order."""
    out = kwargs.pop("out", None)
    return _call("_shuffle", [data], kwargs, out=out)


def _like(dist):
    """The front end's function for ``_random_<dist>_like``; its positional parameters are
    the operator's, in schema order."""
    names = tuple(get_op(f"_random_{dist}_like").params)
    op_name = f"_random_{dist}_like"

    def sample_like(data=None, *args, out=None, name=None, **kwargs):
        params = dict(zip(names, args))
        params.update(kwargs)
        return _call(op_name, [data], params, out=out)
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

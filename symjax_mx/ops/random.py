"""Random sampling operators, each drawing from the PRNG key the registry passes in ``rng``.

- ``_random_<dist>``: scalar distribution parameters, output of parameter ``shape``.
- ``_random_<dist>_like``: the same, shaped and typed like the input ``data``.
- ``_sample_<dist>``: distribution parameters as arrays of one shape ``[s]``; the output
  has shape ``[s] + shape``, ``shape`` draws per distribution.
- ``_random_randint``, ``_sample_multinomial`` and ``_shuffle`` (along the first axis).

Distribution parameters of the scalar forms are traced: a new value compiles nothing.
As in MXNet, samples carry no gradient; only the log-probabilities that
``_sample_multinomial`` returns with ``get_prob`` do.
"""
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from ..util import is_np_shape
from .registry import Param, ParamParsers as P, register, same_dtype_rule, same_shape_rule


_FLOATS = ("float16", "float32", "float64")


def _shape(value):
    """A shape; None (MXNet's unset shape) reads as the empty shape."""
    return P.optional(P.shape)(value) or ()


def _checked(parse, test, requirement):
    """(parser, kernel check): the value must pass ``test``; ``requirement`` says how."""
    return parse, lambda value: None if test(value) else requirement


_POSITIVE = _checked(P.number, lambda v: v > 0, "positive")
_NON_NEGATIVE = _checked(P.number, lambda v: v >= 0, "non-negative")
_NON_NEGATIVE_INT = _checked(P.integer, lambda v: v >= 0, "non-negative")


def check_bounds(name, low, high, strict=False):
    """MXNetError unless low <= high (low < high when ``strict``)."""
    if low > high or (strict and low == high):
        relation = "less than" if strict else "less than or equal to"
        raise MXNetError(f"{name}: low must be {relation} high, got low={low} and high={high}")


def _work_dtype(dtype):
    """The dtype to sample in: float64 stays, float16 samples in float32."""
    return jnp.float64 if np.dtype(dtype) == np.float64 else jnp.float32


def flat_draw(sample, key, shape, *args):
    """``sample(key, shape, *args)`` (a ``jax.random`` sampler) drawn over the flattened
    shape and reshaped: the same values, since JAX's threefry numbers the elements in
    row-major order, but XLA compiles the generator over a 1-D counter several times faster
    than over a many-dimensional one."""
    return sample(key, (math.prod(shape),), *args).reshape(shape)


def _flat_param(value, shape, dtype):
    """A distribution parameter broadcast to ``shape`` and flattened."""
    return jnp.broadcast_to(jnp.asarray(value, dtype), shape).reshape(-1)


# --- distributions: draw(key, shape, dtype, *params), params broadcastable to shape --------

def _uniform(key, shape, dtype, low, high):
    return low + (high - low) * flat_draw(jax.random.uniform, key, shape, dtype)


def _normal(key, shape, dtype, loc, scale):
    return loc + scale * flat_draw(jax.random.normal, key, shape, dtype)


def _gamma(key, shape, dtype, alpha, beta):
    flat = jax.random.gamma(key, _flat_param(alpha, shape, dtype), (math.prod(shape),), dtype)
    return beta * flat.reshape(shape)


def _exponential(key, shape, dtype, lam):
    return flat_draw(jax.random.exponential, key, shape, dtype) / lam


def _poisson(key, shape, dtype, lam):
    flat = jax.random.poisson(key, _flat_param(lam, shape, dtype), (math.prod(shape),))
    return flat.reshape(shape).astype(dtype)


def _negative_binomial(key, shape, dtype, k, p):
    """Failures before the k-th success, p the failure probability: Poisson(Gamma(k, (1-p)/p))."""
    gamma_key, poisson_key = jax.random.split(key)
    rate = _gamma(gamma_key, shape, dtype, k, jnp.maximum((1 - p) / p, 0))
    return _poisson(poisson_key, shape, dtype, rate)


def _generalized_negative_binomial(key, shape, dtype, mu, alpha):
    """Mean mu, variance mu + alpha * mu**2: Poisson(Gamma(1/alpha, alpha*mu)); Poisson(mu)
    where alpha is 0."""
    gamma_key, poisson_key = jax.random.split(key)
    dispersed = alpha > 0
    safe_alpha = jnp.where(dispersed, alpha, 1)
    gamma = _gamma(gamma_key, shape, dtype, 1 / safe_alpha, safe_alpha * mu)
    return _poisson(poisson_key, shape, dtype, jnp.where(dispersed, gamma, mu))


def _param(name, parse, default, doc):
    """A traced distribution parameter; ``parse`` may be a (parser, kernel check) pair."""
    parse, check = parse if isinstance(parse, tuple) else (parse, None)
    return Param(name, parse, default=default, traced=True, doc=doc, kernel_check=check)


# name -> (draw, scalar parameters, input names of the _sample_ form, aliases of _random_)
DISTRIBUTIONS = {
    "uniform": (_uniform, (
        _param("low", P.number, 0.0, "lower bound of the distribution"),
        _param("high", P.number, 1.0, "upper bound of the distribution")),
        ("low", "high"), ("uniform", "random_uniform")),
    "normal": (_normal, (
        _param("loc", P.number, 0.0, "mean of the distribution"),
        _param("scale", _POSITIVE, 1.0, "standard deviation of the distribution")),
        ("mu", "sigma"), ("normal", "random_normal")),
    "gamma": (_gamma, (
        _param("alpha", _POSITIVE, 1.0, "shape of the gamma distribution"),
        _param("beta", _POSITIVE, 1.0, "scale of the gamma distribution")),
        ("alpha", "beta"), ("random_gamma",)),
    "exponential": (_exponential, (
        _param("lam", _POSITIVE, 1.0, "rate of the exponential distribution"),),
        ("lam",), ("random_exponential",)),
    "poisson": (_poisson, (
        _param("lam", _NON_NEGATIVE, 1.0, "rate of the Poisson distribution"),),
        ("lam",), ("random_poisson",)),
    "negative_binomial": (_negative_binomial, (
        _param("k", _NON_NEGATIVE_INT, 1, "limit of unsuccessful experiments"),
        _param("p", _NON_NEGATIVE, 1.0, "failure probability in each experiment")),
        ("k", "p"), ("random_negative_binomial",)),
    "generalized_negative_binomial": (_generalized_negative_binomial, (
        _param("mu", _NON_NEGATIVE, 1.0, "mean of the distribution"),
        _param("alpha", _NON_NEGATIVE, 1.0, "dispersion of the distribution")),
        ("mu", "alpha"), ("random_generalized_negative_binomial",)),
}

_SHAPE = Param("shape", _shape, default=(), doc="shape of the output")
_DRAWS = Param("shape", _shape, default=(), doc="shape of the draws from each distribution")
_CTX = Param("ctx", P.context, default="",
             doc="MXNet's context attribute; imperative calls place results by ctx=")
_FLOAT_DTYPE = Param("dtype", P.optional(P.dtype_in(*_FLOATS)), default=None,
                     doc="output dtype; None: float32")


def _known_shape(name, shape):
    """The output shape, or None while unknown (legacy MXNet reads () and 0 sizes as
    unknown; with NumPy shapes they are 0-d and empty)."""
    if any(d < 0 for d in shape):
        raise MXNetError(f"{name}: shape {shape} has a negative dimension")
    return shape if is_np_shape() or shape and 0 not in shape else None


def _bounded(op, params):
    """Check low <= high (low < high for randint) when the parameters are parsed."""
    if "low" in params and "high" in params:
        check_bounds(op.name, params["low"], params["high"],
                     strict=op.name == "_random_randint")


def _random_shape_rule(op, params, shapes):
    return shapes, [_known_shape(op.name, params["shape"])]


def _output_dtype(default):
    def rule(op, params, dtypes):
        return dtypes, [np.dtype(params["dtype"] or default).type]
    return rule


def _random_compute(name, draw, names, default_dtype):
    def compute(inputs, aux, params, is_train, rng):
        shape = params["shape"]
        if _known_shape(name, shape) is None:
            raise MXNetError(f"{name}: the output shape {shape} is unknown; pass shape=")
        dtype = np.dtype(params["dtype"] or default_dtype)
        out = draw(rng, shape, dtype if dtype.kind in "iu" else _work_dtype(dtype),
                   *(params[n] for n in names))
        return (out.astype(dtype),), aux
    return compute


def _float_data_rule(op, params, dtypes):
    """Output typed like the input ``data``, which must be floating point."""
    (dtype,) = dtypes
    if dtype is not None and not np.issubdtype(dtype, np.floating):
        raise MXNetError(f"{op.name}: this operation only supports floating point types, "
                         f"not {np.dtype(dtype).name}")
    return dtypes, [dtype]


def _like_compute(draw, names):
    def compute(inputs, aux, params, is_train, rng):
        (data,) = inputs
        out = draw(rng, data.shape, _work_dtype(data.dtype), *(params[n] for n in names))
        return (out.astype(data.dtype),), aux
    return compute


def _sample_shape_rule(op, params, shapes):
    shapes, _ = same_shape_rule(op, params, shapes)
    batch = shapes[0]
    if batch is None:
        return shapes, [None]
    if not batch:
        raise MXNetError(f"{op.name}: the distribution parameters must have at least one "
                         f"dimension, got shape ()")
    return shapes, [tuple(batch) + params["shape"]]


def _sample_dtype_rule(op, params, dtypes):
    dtypes, _ = same_dtype_rule(op, params, dtypes)
    return dtypes, [np.dtype(params["dtype"] or "float32").type]


def _sample_compute(draw):
    def compute(inputs, aux, params, is_train, rng):
        shape = params["shape"]
        dtype = np.dtype(params["dtype"] or "float32")
        work = _work_dtype(dtype)
        batch = inputs[0].shape
        values = [lax.stop_gradient(x).astype(work).reshape(batch + (1,) * len(shape))
                  for x in inputs]
        return (draw(rng, batch + shape, work, *values).astype(dtype),), aux
    return compute


for _dist, (_draw, _params, _inputs, _aliases) in DISTRIBUTIONS.items():
    _names = tuple(p.name for p in _params)
    register(f"_random_{_dist}", _random_compute(f"_random_{_dist}", _draw, _names, "float32"),
             params=(*_params, _SHAPE, _CTX, _FLOAT_DTYPE), aliases=_aliases, inputs=(),
             random=True, prefix_draws=True, shape_rule=_random_shape_rule,
             dtype_rule=_output_dtype("float32"), check=_bounded,
             doc=f"Samples of the {_dist} distribution, of shape ``shape``.")
    register(f"_random_{_dist}_like", _like_compute(_draw, _names), params=_params,
             inputs=("data",), random=True, dtype_rule=_float_data_rule,
             doc=f"Samples of the {_dist} distribution, shaped and typed like ``data``.")
    register(f"_sample_{_dist}", _sample_compute(_draw),
             params=(_DRAWS, _FLOAT_DTYPE), aliases=(f"sample_{_dist}",), inputs=_inputs,
             random=True, shape_rule=_sample_shape_rule, dtype_rule=_sample_dtype_rule,
             doc=f"``shape`` samples of the {_dist} distribution per element of the "
                 f"parameter arrays {list(_inputs)}.")


def _randint(key, shape, dtype, low, high):
    return flat_draw(jax.random.randint, key, shape, low, high, dtype)


register("_random_randint", _random_compute("_random_randint", _randint, ("low", "high"), "int32"),
         params=(Param("low", P.integer, required=True, traced=True, doc="lower bound"),
                 Param("high", P.integer, required=True, traced=True,
                       doc="upper bound (excluded)"),
                 _SHAPE, _CTX,
                 Param("dtype", P.optional(P.dtype_in("int32", "int64")), default=None,
                       doc="output dtype; None: int32")),
         aliases=("random_randint",), inputs=(), random=True, prefix_draws=True,
         shape_rule=_random_shape_rule, dtype_rule=_output_dtype("int32"), check=_bounded,
         doc="Integers drawn uniformly from [low, high).")


# --- multinomial and shuffle -----------------------------------------------------------

def _multinomial_outputs(params):
    return ("output0", "output1") if params["get_prob"] else ("output",)


def _multinomial_shape_rule(op, params, shapes):
    (data,) = shapes
    outputs = op.num_outputs(params)
    if data is None:
        return shapes, [None] * outputs
    if not data:
        raise MXNetError(f"{op.name}: data must have at least one dimension, got shape ()")
    out = tuple(data[:-1]) + params["shape"] or (1,)
    return shapes, [out] * outputs


def _multinomial_dtype_rule(op, params, dtypes):
    (dtype,) = dtypes
    _float_data_rule(op, params, dtypes)
    out = np.dtype(params["dtype"]).type
    return dtypes, [out, dtype] if params["get_prob"] else [out]


def _multinomial(inputs, aux, params, is_train, rng):
    """Inverse-CDF sampling as MXNet: the first category whose cumulative probability
    exceeds a uniform draw (the last one if none does)."""
    (data,) = inputs
    shape = params["shape"]
    batch, categories = data.shape[:-1], data.shape[-1]
    probs = data.reshape(batch + (1,) * len(shape) + (categories,))
    work = _work_dtype(data.dtype)
    cdf = jnp.cumsum(lax.stop_gradient(probs).astype(work), axis=-1)
    draws = flat_draw(jax.random.uniform, rng, batch + shape + (1,), work)
    hit = cdf > draws
    index = jnp.where(hit.any(axis=-1), jnp.argmax(hit, axis=-1), categories - 1)
    out_shape = batch + shape or (1,)
    samples = index.reshape(out_shape).astype(params["dtype"])
    if not params["get_prob"]:
        return (samples,), aux
    picked = jnp.take_along_axis(jnp.broadcast_to(probs, batch + shape + (categories,)),
                                 index[..., None], axis=-1)
    return (samples, jnp.log(picked).reshape(out_shape)), aux


register("_sample_multinomial", _multinomial, aliases=("sample_multinomial",),
         params=(_DRAWS,
                 Param("get_prob", P.boolean, default=False,
                       doc="also return the log-probability of each sample"),
                 Param("dtype", P.dtype_in("float16", "float32", "float64", "int32", "uint8"),
                       default="int32", doc="dtype of the sampled indices")),
         outputs=_multinomial_outputs, random=True, shape_rule=_multinomial_shape_rule,
         dtype_rule=_multinomial_dtype_rule,
         doc="Category indices drawn from the distributions on the last axis of ``data``.")


def _shuffle_shape_rule(op, params, shapes):
    if shapes[0] == ():
        raise MXNetError(f"{op.name}: data must have at least one dimension, got shape ()")
    return shapes, list(shapes)


def _shuffle(inputs, aux, params, is_train, rng):
    return (jax.random.permutation(rng, inputs[0], axis=0),), aux


register("_shuffle", _shuffle, aliases=("shuffle",), random=True,
         shape_rule=_shuffle_shape_rule,
         doc="The array with its rows (first axis) in a random order.")


def _unique_zipfian_row(key, num_sampled, range_max):
    """num_sampled distinct log-uniform classes in [0, range_max) by rejection, and the draws
    it took."""
    log_range = np.log(range_max)

    def draw(state):
        key, count, tries, taken, samples = state
        key, sub = jax.random.split(key)
        value = jnp.round(jnp.exp(jax.random.uniform(sub, (), jnp.float64) * log_range)) - 1
        value = value.astype(jnp.int64)
        new = ~taken[value]
        samples = jnp.where(new, samples.at[count].set(value), samples)
        return key, count + new, tries + 1, taken.at[value].set(True), samples

    state = (key, 0, 0, jnp.zeros(range_max, bool), jnp.zeros(num_sampled, jnp.int64))
    _, _, tries, _, samples = lax.while_loop(lambda s: s[1] < num_sampled, draw, state)
    return samples, tries.astype(jnp.int64)


def _sample_unique_zipfian(inputs, aux, params, is_train, rng):
    batch, num_sampled = params["shape"]
    keys = jax.random.split(rng, batch)
    samples, tries = jax.vmap(lambda k: _unique_zipfian_row(k, num_sampled,
                                                            params["range_max"]))(keys)
    return (samples, tries), aux


def _unique_zipfian_shape_rule(op, params, shapes):
    shape = params["shape"]
    if len(shape) != 2 or not 0 < shape[1] <= params["range_max"]:
        raise MXNetError(f"_sample_unique_zipfian: shape must be (batch, num_sampled) with "
                         f"num_sampled <= range_max={params['range_max']}, got {shape}")
    return shapes, [shape, shape[:1]]


register("_sample_unique_zipfian", _sample_unique_zipfian, inputs=(), random=True,
         outputs=("samples", "num_tries"), shape_rule=_unique_zipfian_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [np.int64, np.int64]),
         params=(Param("range_max", P.integer_at_least(1), required=True,
                       doc="classes are in [0, range_max)"),
                 Param("shape", P.shape, required=True, doc="(batch, num_sampled)")),
         doc="Per row, num_sampled distinct classes from the log-uniform (Zipfian) "
             "distribution over [0, range_max), and how many draws that took.")

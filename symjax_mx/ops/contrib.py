"""Small ``contrib`` operators (``mx.nd.contrib.<name>``): quadratic, div_sqrt_dim,
gradientmultiplier, the straight-through estimators round_ste and sign_ste, allclose,
arange_like, AdaptiveAvgPooling2D and reset_arrays."""
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .elemwise import _round_half_away
from .registry import (Param, ParamParsers as P, output_shape_rule, register, same_dtype_rule,
                       simple_compute)

register("_contrib_quadratic",
         simple_compute(lambda data, a, b, c: (a * data * data + b * data + c).astype(data.dtype)),
         aliases=("quadratic",),
         params=(Param("a", P.number, default=0.0, doc="coefficient of x**2"),
                 Param("b", P.number, default=0.0, doc="coefficient of x"),
                 Param("c", P.number, default=0.0, doc="constant term")),
         doc="a * x**2 + b * x + c, element-wise.")

register("_contrib_div_sqrt_dim",
         simple_compute(lambda data: data / jnp.asarray(math.sqrt(data.shape[-1]), data.dtype)),
         aliases=("div_sqrt_dim",),
         doc="data divided by the square root of its last axis' size.")


def _gradient_multiplier(data, scalar):
    @jax.custom_vjp
    def identity(x):
        return x

    identity.defvjp(lambda x: (x, None), lambda _, grad: (grad * scalar,))
    return identity(data)


register("_contrib_gradientmultiplier", simple_compute(_gradient_multiplier),
         aliases=("gradientmultiplier",), loss=False,
         params=(Param("scalar", P.number, default=1.0, doc="factor of the gradient"),),
         doc="The identity forward; backward multiplies the gradient by scalar.")


def _straight_through(function):
    """``function`` forward, the identity backward (a straight-through estimator)."""
    @jax.custom_vjp
    def estimator(x):
        return function(x)

    estimator.defvjp(lambda x: (function(x), None), lambda _, grad: (grad,))
    return estimator


for _name, _function, _what in (("round_ste", _round_half_away, "rounded half away from zero"),
                                ("sign_ste", jnp.sign, "the sign")):
    register(f"_contrib_{_name}", simple_compute(_straight_through(_function)),
             aliases=(_name,), loss=False,
             doc=f"data {_what}, element-wise; backward passes the gradient through "
                 "unchanged (a straight-through estimator).")


def _allclose(a, b, rtol, atol, equal_nan):
    a, b = a.astype(jnp.float64), b.astype(jnp.float64)
    close = jnp.abs(a - b) <= atol + rtol * jnp.abs(b)
    if equal_nan:
        close = close | (jnp.isnan(a) & jnp.isnan(b))
    return close.all().astype(jnp.uint8)


def _allclose_dtype_rule(op, params, dtypes):
    dtypes, _ = same_dtype_rule(op, params, dtypes)
    return dtypes, [np.uint8]


register("_contrib_allclose", simple_compute(_allclose), aliases=("allclose",),
         inputs=("a", "b"), differentiable=False, dtype_rule=_allclose_dtype_rule,
         shape_rule=output_shape_rule(lambda a, b, params: ()),
         params=(Param("rtol", P.number, default=1e-5, doc="relative tolerance"),
                 Param("atol", P.number, default=1e-8, doc="absolute tolerance"),
                 Param("equal_nan", P.boolean, default=True, doc="NaNs in both count as equal")),
         doc="1 (uint8, shape ()) if |a - b| <= atol + rtol * |b| everywhere, else 0.")


def _arange_like_shape(shape, params):
    axis = params["axis"]
    if axis is None:
        return tuple(shape)
    if not -len(shape) <= axis < len(shape):
        raise MXNetError(f"arange_like: axis {axis} is out of range for an input of "
                         f"{len(shape)} dimensions")
    return (shape[axis],)


def _arange_like(data, start, step, repeat, axis, ctx):
    shape = _arange_like_shape(data.shape, {"axis": axis})
    count = math.prod(shape)
    values = start + step * (jnp.arange(count) // repeat)
    return values.reshape(shape).astype(data.dtype)


register("_contrib_arange_like", simple_compute(_arange_like), aliases=("arange_like",),
         differentiable=False, shape_rule=output_shape_rule(_arange_like_shape),
         params=(Param("start", P.number, default=0.0, doc="the first value"),
                 Param("step", P.number, default=1.0, doc="the spacing of values"),
                 Param("repeat", P.integer, default=1, doc="times each value repeats"),
                 Param("axis", P.optional(P.integer), doc="the axis whose length it takes; "
                                                         "None: the whole input's shape"),
                 Param("ctx", P.string, default="", doc="ignored (the input's context)")),
         doc="start, start + step, ... in the input's shape (or the length of one axis) and "
             "dtype, each value repeated ``repeat`` times.")


def _adaptive_weights(size_in, size_out, dtype):
    """(size_out, size_in) averaging matrix: output o averages inputs
    [floor(o * in / out), ceil((o + 1) * in / out))."""
    weights = np.zeros((size_out, size_in))
    for o in range(size_out):
        start = (o * size_in) // size_out
        end = -(-((o + 1) * size_in) // size_out)
        weights[o, start:end] = 1.0 / (end - start)
    return jnp.asarray(weights, dtype)


def _output_size(params):
    size = params["output_size"] or (1,)
    return (size[0], size[0]) if len(size) == 1 else tuple(size)


def _adaptive_avg_pool(inputs, aux, params, is_train, rng):
    (data,) = inputs
    out_h, out_w = _output_size(params)
    rows = _adaptive_weights(data.shape[2], out_h, data.dtype)
    cols = _adaptive_weights(data.shape[3], out_w, data.dtype)
    return (jnp.einsum("oh,nchw,pw->ncop", rows, data, cols,
                       precision=jax.lax.Precision.HIGHEST),), aux


def _adaptive_shape(data, params):
    if len(data) != 4:
        raise MXNetError(f"AdaptiveAvgPooling2D: data must be 4-D (N, C, H, W), got "
                         f"{tuple(data)}")
    if len(params["output_size"]) > 2:
        raise MXNetError(f"AdaptiveAvgPooling2D: output_size must be one or two sizes, got "
                         f"{params['output_size']}")
    return tuple(data[:2]) + _output_size(params)


register("_contrib_AdaptiveAvgPooling2D", _adaptive_avg_pool,
         aliases=("AdaptiveAvgPooling2D",), shape_rule=output_shape_rule(_adaptive_shape),
         params=(Param("output_size", P.shape, default=(),
                       doc="output (height, width), or one size for both (default 1)"),),
         doc="Average pooling to a fixed output size: output cell o of an axis averages input "
             "rows floor(o * in / out) to ceil((o + 1) * in / out).")


def _reset_arrays(inputs, aux, params, is_train, rng):
    return (), [jnp.zeros_like(array) for array in aux]


def _reset_arrays_check(op, params):
    if params["num_arrays"] < 1:
        raise MXNetError(f"{op.name}: num_arrays must be at least 1")


register("reset_arrays", _reset_arrays, inputs=(),
         aux=lambda p: tuple(f"array{i}" for i in range(p["num_arrays"])), outputs=(),
         params=(Param("num_arrays", P.integer, required=True, doc="number of arrays"),),
         shape_rule=lambda op, params, shapes: (shapes, []),
         dtype_rule=lambda op, params, dtypes: (dtypes, []),
         check=_reset_arrays_check, mutates_aux=True, differentiable=False,
         doc="Set every array to zero in place (no outputs).")

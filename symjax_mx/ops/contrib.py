"""Small ``contrib`` operators (``mx.nd.contrib.<name>``): quadratic, div_sqrt_dim,
gradientmultiplier and allclose."""
import math

import jax
import jax.numpy as jnp
import numpy as np

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

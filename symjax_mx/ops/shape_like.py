"""Operators about shapes: shape_array, size_array, reshape_like, and the shape constraint
_identity_with_attr_like_rhs (its output is lhs, whose shape must be rhs's)."""
import math

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, output_shape_rule, register


def _int64_output(op, params, dtypes):
    return dtypes, [np.int64]


register("shape_array",
         lambda inputs, aux, params, is_train, rng: (
             (jnp.asarray(inputs[0].shape, jnp.int64),), aux),
         shape_rule=output_shape_rule(lambda data, params: (len(data),)),
         dtype_rule=_int64_output,
         doc="The shape of the input, as a 1-D int64 array.")

register("size_array",
         lambda inputs, aux, params, is_train, rng: (
             (jnp.asarray([math.prod(inputs[0].shape)], jnp.int64),), aux),
         shape_rule=output_shape_rule(lambda data, params: (1,)),
         dtype_rule=_int64_output,
         doc="The number of elements of the input, as a (1,) int64 array.")


def _range(params, side, ndim):
    """The [begin, end) axis range of ``side`` (lhs or rhs) that reshape_like uses."""
    begin, end = params[f"{side}_begin"], params[f"{side}_end"]
    begin = 0 if begin is None else begin % ndim if ndim else 0
    end = ndim if end is None else (end % ndim if end < 0 else end)
    if not 0 <= begin <= end <= ndim:
        raise MXNetError(f"reshape_like: {side} axes [{params[f'{side}_begin']}, "
                         f"{params[f'{side}_end']}) are out of range for {ndim} dimensions")
    return begin, end


def _reshape_like_shape(lhs, rhs, params):
    lb, le = _range(params, "lhs", len(lhs))
    rb, re = _range(params, "rhs", len(rhs))
    shape = tuple(lhs[:lb]) + tuple(rhs[rb:re]) + tuple(lhs[le:])
    if math.prod(shape) != math.prod(lhs):
        raise MXNetError(f"reshape_like: cannot reshape lhs of shape {tuple(lhs)} into "
                         f"{shape} (from rhs of shape {tuple(rhs)})")
    return shape


def _reshape_like_compute(inputs, aux, params, is_train, rng):
    lhs, rhs = inputs
    return (lhs.reshape(_reshape_like_shape(lhs.shape, rhs.shape, params)),), aux


register("reshape_like", _reshape_like_compute, inputs=("lhs", "rhs"),
         params=tuple(Param(name, P.optional(P.integer), doc=doc) for name, doc in (
             ("lhs_begin", "first lhs axis replaced (default 0)"),
             ("lhs_end", "end of the lhs axes replaced (default: all)"),
             ("rhs_begin", "first rhs axis used (default 0)"),
             ("rhs_end", "end of the rhs axes used (default: all)"))),
         shape_rule=output_shape_rule(_reshape_like_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="lhs reshaped to rhs's shape (axes lhs_begin:lhs_end replaced by rhs's "
             "rhs_begin:rhs_end); rhs gets no gradient.")


register("_identity_with_attr_like_rhs",
         lambda inputs, aux, params, is_train, rng: ((inputs[0],), aux),
         inputs=("lhs", "rhs"),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="lhs unchanged; lhs, rhs and the output share one shape, which lets shape "
             "inference carry rhs's shape to lhs and back.")

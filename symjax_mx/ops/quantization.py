"""Quantization of float32 data to 8-bit integers and back: ``contrib.quantize`` and
``contrib.dequantize`` (MXNet 1.9.1's src/operator/quantization/quantize-inl.h,
dequantize-inl.h). min_range and max_range are (1,) float32 arrays.

- int8 is zero-centered: scale 127 / max(|min|, |max|), values rounded half away from
  zero; the output range is (-r, r).
- uint8 maps [min, max] onto [0, 255], rounding half up; the output range is the input's.
"""
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_INT8_RANGE = 127.0


def _quantize(inputs, aux, params, is_train, rng):
    data, low, high = (x.astype(jnp.float32) for x in inputs)
    if params["out_type"] == "int8":
        real = jnp.maximum(jnp.abs(low), jnp.abs(high))
        scaled = jnp.minimum(jnp.abs(data) * (_INT8_RANGE / real) + 0.5, _INT8_RANGE)
        out = (jnp.sign(data) * scaled).astype(jnp.int8)
        return (out, -real, real), aux
    scaled = (data - low) * (255.0 / (high - low)) + 0.5
    return (scaled.astype(jnp.uint8), low, high), aux


def _range_shapes(name, shapes):
    data, low, high = shapes
    for what, shape in (("min_range", low), ("max_range", high)):
        if shape is not None and tuple(shape) != (1,):
            raise MXNetError(f"{name}: {what} must have shape (1,), got {tuple(shape)}")
    return [data, (1,), (1,)]


def _quantize_shape_rule(op, params, shapes):
    shapes = _range_shapes("quantize", shapes)
    return shapes, [shapes[0], (1,), (1,)]


def _quantize_dtype_rule(op, params, dtypes):
    return [dtypes[0], np.float32, np.float32], [np.dtype(params["out_type"]).type,
                                                 np.float32, np.float32]


register("_contrib_quantize", _quantize, inputs=("data", "min_range", "max_range"),
         outputs=("output", "min_output", "max_output"), differentiable=False,
         shape_rule=_quantize_shape_rule, dtype_rule=_quantize_dtype_rule,
         params=(Param("out_type", P.choice("int8", "uint8"), default="uint8",
                       doc="the integer type"),),
         doc="float32 data in [min_range, max_range] as 8-bit integers, with the range the "
             "integers represent.")


def _dequantize(inputs, aux, params, is_train, rng):
    data, low, high = inputs
    low, high = low.astype(jnp.float32), high.astype(jnp.float32)
    if data.dtype == jnp.int8:
        real = jnp.maximum(jnp.abs(low), jnp.abs(high))
        return (data.astype(jnp.float32) * (real / _INT8_RANGE),), aux
    return (data.astype(jnp.float32) * ((high - low) / 255.0) + low,), aux


def _dequantize_dtype_rule(op, params, dtypes):
    if dtypes[0] is not None and np.dtype(dtypes[0]) not in (np.int8, np.uint8):
        raise MXNetError(f"dequantize: data must be int8 or uint8, got "
                         f"{np.dtype(dtypes[0]).name}")
    return [dtypes[0], np.float32, np.float32], [np.float32]


register("_contrib_dequantize", _dequantize, inputs=("data", "min_range", "max_range"),
         differentiable=False,
         shape_rule=lambda op, params, shapes: (_range_shapes("dequantize", shapes),
                                                [shapes[0]]),
         dtype_rule=_dequantize_dtype_rule,
         params=(Param("out_type", P.choice("float32"), default="float32",
                       doc="the float type"),),
         doc="8-bit integers (int8 zero-centered, uint8 affine) back to float32 in the range "
             "they represent.")

"""Correlation (FlowNet's correlation layer), with MXNet 1.9.1's geometry.

Output channel (p, q) at (i, j) compares the kernel_size x kernel_size window of data1 at
(i * stride1 + max_displacement, j * stride1 + max_displacement) (zero-padded coordinates)
with data2's window displaced by (p, q) * stride2, summing products (or absolute
differences with is_multiply=False) over the window and channels, divided by
kernel_size**2 * channels. Displacements run over [-D, D] with D = max_displacement //
stride2, channel index (p + D) * (2D + 1) + (q + D).
"""
import math

import jax.numpy as jnp
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register


def _plan(shape, params):
    """(output height, width, displacement radius)."""
    if len(shape) != 4:
        raise MXNetError(f"Correlation: data must be 4-D (N, C, H, W), got {tuple(shape)}")
    k, md, s1, s2, pad = (params[n] for n in ("kernel_size", "max_displacement", "stride1",
                                                "stride2", "pad_size"))
    border = md + (k - 1) // 2
    height = math.ceil((shape[2] + 2 * pad - 2 * border) / s1)
    width = math.ceil((shape[3] + 2 * pad - 2 * border) / s1)
    if height < 1 or width < 1:
        raise MXNetError("Correlation cannot be done with current settings. Neighborhood and "
                         f"kernel don't fit in blob: data {tuple(shape)}, kernel_size {k}, "
                         f"max_displacement {md}, pad_size {pad}")
    return height, width, md // s2


def _correlation(inputs, aux, params, is_train, rng):
    data1, data2 = inputs
    k, md, s1, s2, pad = (params[n] for n in ("kernel_size", "max_displacement", "stride1",
                                                "stride2", "pad_size"))
    height, width, radius = _plan(data1.shape, params)
    span_h, span_w = (height - 1) * s1 + k, (width - 1) * s1 + k
    extra_h = max(0, md + radius * s2 + span_h - (data1.shape[2] + 2 * pad))
    extra_w = max(0, md + radius * s2 + span_w - (data1.shape[3] + 2 * pad))
    padding = ((0, 0), (0, 0), (pad, pad + extra_h), (pad, pad + extra_w))
    first, second = jnp.pad(data1, padding), jnp.pad(data2, padding)
    window = first[:, :, md:md + span_h, md:md + span_w]
    outputs = []
    for p in range(-radius, radius + 1):
        for q in range(-radius, radius + 1):
            y, x = md + p * s2, md + q * s2
            other = second[:, :, y:y + span_h, x:x + span_w]
            score = window * other if params["is_multiply"] else jnp.abs(window - other)
            outputs.append(lax.reduce_window(score.sum(axis=1), 0.0, lax.add, (1, k, k),
                                             (1, s1, s1), "VALID"))
    out = jnp.stack(outputs, axis=1) / (k * k * data1.shape[1])
    return (out.astype(data1.dtype),), aux


def _correlation_shape_rule(op, params, shapes):
    data1, data2 = shapes
    known = data1 if data1 is not None else data2
    if known is None:
        return shapes, [None]
    if data1 is not None and data2 is not None and tuple(data1) != tuple(data2):
        raise MXNetError(f"Correlation: data1 {tuple(data1)} and data2 {tuple(data2)} must "
                         f"have one shape")
    height, width, radius = _plan(known, params)
    return [tuple(known)] * 2, [(known[0], (2 * radius + 1) ** 2, height, width)]


register("Correlation", _correlation, inputs=("data1", "data2"),
         shape_rule=_correlation_shape_rule,
         params=(Param("kernel_size", P.integer_at_least(1), default=1,
                       doc="side of the compared windows"),
                 Param("max_displacement", P.integer_at_least(0), default=1,
                       doc="largest displacement compared"),
                 Param("stride1", P.integer_at_least(1), default=1,
                       doc="stride of the windows in data1"),
                 Param("stride2", P.integer_at_least(1), default=1,
                       doc="stride of the displacements in data2"),
                 Param("pad_size", P.integer_at_least(0), default=0,
                       doc="zero padding of both inputs"),
                 Param("is_multiply", P.boolean, default=True,
                       doc="multiply (else take absolute differences of) the windows")),
         doc="Correlation of data1's windows with data2's displaced windows (FlowNet): "
             "(N, (2 * (max_displacement // stride2) + 1) ** 2, H', W').")

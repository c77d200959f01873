"""Reductions over axes: sum, mean, max, min, prod, nansum, nanprod.

A reduction over every axis has shape (1,) as in MXNet 1.x (not ()), and the result
keeps the input dtype (an int32 mean truncates).
"""
import jax.numpy as jnp

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, simple_compute

_PARAMS = (
    Param("axis", P.axes, doc="axes to reduce; None reduces all"),
    Param("keepdims", P.boolean, default=False, doc="keep reduced axes with size 1"),
    Param("exclude", P.boolean, default=False, doc="reduce the axes NOT listed in axis"),
)


def reduce_axes(op_name, ndim, axis, exclude):
    """The sorted, non-negative axes a reduction covers."""
    if axis is None:
        return () if exclude else tuple(range(ndim))
    axes = []
    for a in axis:
        if not -ndim <= a < ndim:
            raise MXNetError(f"{op_name}: axis {a} is out of range for an array of {ndim} dims")
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise MXNetError(f"{op_name}: axis {axis} repeats an axis")
    if exclude:
        return tuple(i for i in range(ndim) if i not in axes)
    return tuple(sorted(axes))


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out if out else (1,)


def _reduce_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    axes = reduce_axes(op.name, len(shape), params["axis"], params["exclude"])
    return in_shapes, [_reduced_shape(shape, axes, params["keepdims"])]


def _reduction(fn):
    def apply(data, axis, keepdims, exclude):
        axes = reduce_axes("reduction", data.ndim, axis, exclude)
        out = fn(data, axis=axes, keepdims=keepdims).astype(data.dtype)
        return out.reshape(_reduced_shape(data.shape, axes, keepdims))
    return apply


REDUCTIONS = {
    "sum": (jnp.sum, ("sum_axis",)),
    "mean": (jnp.mean, ()),
    "max": (jnp.max, ("max_axis",)),
    "min": (jnp.min, ("min_axis",)),
    "prod": (jnp.prod, ()),
    "nansum": (jnp.nansum, ()),
    "nanprod": (jnp.nanprod, ()),
}

for _name, (_fn, _aliases) in REDUCTIONS.items():
    register(_name, simple_compute(_reduction(_fn)), aliases=_aliases, params=_PARAMS,
             shape_rule=_reduce_shape_rule, doc=f"{_name} over the given axes.")

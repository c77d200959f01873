"""Reductions and orderings: sum, mean, max, min, prod, nansum, nanprod, norm, argmax,
argmin, argmax_channel, topk, sort, argsort.

A reduction over every axis has shape (1,) as in MXNet 1.x (not ()), and the result
keeps the input dtype (an int32 mean truncates; argmax of float32 data gives float32
indices). Sorts are stable: equal elements keep their order, ascending or descending.
"""
import math

import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .elemwise import UNARY, float_to_int
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


def _reduced_shape(shape, axes, keepdims, zero_d=False):
    """The shape ``shape`` reduced over ``axes``; every axis reduced gives (1,), or () with
    ``zero_d`` (NumPy's)."""
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out if out or zero_d else (1,)


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


def _nan_propagating(fn):
    """``fn`` (max or min) that gives NaN where a reduced element is NaN, as MXNet does
    (XLA's CPU reductions over several axes may skip NaNs)."""
    def reduce(data, axis, keepdims):
        out = fn(data, axis=axis, keepdims=keepdims)
        if not jnp.issubdtype(data.dtype, jnp.inexact):
            return out
        return jnp.where(jnp.isnan(data).any(axis=axis, keepdims=keepdims),
                         jnp.asarray(jnp.nan, out.dtype), out)
    return reduce


REDUCTIONS = {
    "sum": (jnp.sum, ("sum_axis",)),
    "mean": (jnp.mean, ()),
    "max": (_nan_propagating(jnp.max), ("max_axis",)),
    "min": (_nan_propagating(jnp.min), ("min_axis",)),
    "prod": (jnp.prod, ()),
    "nansum": (jnp.nansum, ()),
    "nanprod": (jnp.nanprod, ()),
}

for _name, (_fn, _aliases) in REDUCTIONS.items():
    register(_name, simple_compute(_reduction(_fn)), aliases=_aliases, params=_PARAMS,
             shape_rule=_reduce_shape_rule, doc=f"{_name} over the given axes.")


# mx.np's reductions (MXNet's operator names): a reduction over every axis is 0-d, and
# the result's dtype follows MXNet's NumPy rules (an integer or boolean mean is float32,
# a boolean sum or product int64), unless ``dtype`` asks for another
NUMPY_REDUCTIONS = {"_np_sum": "sum", "_npi_mean": "mean", "_np_max": "max", "_np_min": "min",
                    "_np_prod": "prod"}
_NUMPY_PARAMS = (
    Param("axis", P.axes, doc="axes to reduce; None reduces all"),
    Param("dtype", P.optional(P.dtype), doc="dtype of the result (default: see above)"),
    Param("keepdims", P.boolean, default=False, doc="keep reduced axes with size 1"),
)


def _numpy_reduced_dtype(op_name, dtype, requested=None):
    """The dtype of mx.np reduction ``op_name`` of ``dtype`` data."""
    if requested is not None:
        return np.dtype(requested)
    dtype = np.dtype(dtype)
    if op_name == "_npi_mean" and not np.issubdtype(dtype, np.inexact):
        return np.dtype(np.float32)
    if op_name in ("_np_sum", "_np_prod") and dtype == np.bool_:
        return np.dtype(np.int64)
    return dtype


def _numpy_reduction(op_name, fn):
    def apply(data, axis, dtype, keepdims):
        axes = reduce_axes(op_name, data.ndim, axis, False)
        out_dtype = _numpy_reduced_dtype(op_name, data.dtype, dtype)
        if op_name not in ("_np_max", "_np_min"):
            data = data.astype(out_dtype)
        return fn(data, axis=axes, keepdims=keepdims).astype(out_dtype)
    return apply


def _numpy_reduce_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    axes = reduce_axes(op.name, len(shape), params["axis"], False)
    return in_shapes, [_reduced_shape(shape, axes, params["keepdims"], zero_d=True)]


def _numpy_reduce_dtype_rule(op, params, in_dtypes):
    (dtype,) = in_dtypes
    if dtype is None:
        return in_dtypes, [None]
    return in_dtypes, [_numpy_reduced_dtype(op.name, dtype, params["dtype"])]


for _name, _legacy in NUMPY_REDUCTIONS.items():
    register(_name, simple_compute(_numpy_reduction(_name, REDUCTIONS[_legacy][0])),
             params=_NUMPY_PARAMS, shape_rule=_numpy_reduce_shape_rule,
             dtype_rule=_numpy_reduce_dtype_rule,
             doc=f"NumPy's {_legacy} over the given axes (0-d over all of them).")


def _moments(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axes = tuple(range(data.ndim)) if params["axes"] is None else tuple(
        a % data.ndim for a in params["axes"])
    mean = data.mean(axis=axes, keepdims=True)
    shape = _reduced_shape(data.shape, axes, params["keepdims"])
    var = jnp.square(data - mean).mean(axis=axes).reshape(shape)
    mean = mean.reshape(shape)
    return (mean.astype(data.dtype), var.astype(data.dtype)), aux


def _moments_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None, None]
    axes = reduce_axes(op.name, len(shape), params["axes"], False)
    out = _reduced_shape(shape, axes, params["keepdims"])
    return in_shapes, [out, out]


register("moments", _moments, outputs=("mean", "var"), shape_rule=_moments_shape_rule,
         params=(Param("axes", P.axes, doc="axes to reduce; None: all"),
                 Param("keepdims", P.boolean, default=False,
                       doc="keep the reduced axes with size 1")),
         doc="Mean and (biased) variance over the given axes.")


def _check_numeric(op, dtype):
    if dtype is not None and np.dtype(dtype) == np.bool_:
        raise MXNetError(f"operator {op.name} does not support boolean type")


def _numeric_dtype_rule(op, params, in_dtypes):
    """One input of any numeric dtype; every output has that dtype."""
    _check_numeric(op, in_dtypes[0])
    return in_dtypes, [in_dtypes[0]] * op.num_outputs(params)


# ---- norm ------------------------------------------------------------------------------

def _norm_order(value):
    order = P.integer(value)
    if order not in (1, 2):
        raise ValueError(f"norm supports ord=1 and ord=2 only, got {order}")
    return order


def _integer_l2(data, axes):
    """MXNet's L2 norm in integer arithmetic: its scaled sum of squares truncates every
    ratio below 1 to 0, leaving max|x| * sqrt(number of elements equal to max|x|)."""
    magnitude = jnp.abs(data)
    peak = jnp.max(magnitude, axis=axes, keepdims=True)
    count = jnp.sum((magnitude == peak) & (peak != 0), axis=axes, keepdims=True)
    return float_to_int(peak.astype(jnp.float64) * jnp.sqrt(count.astype(jnp.float64)),
                        data.dtype)


def _norm(data, ord, axis, out_dtype, keepdims):
    axes = reduce_axes("norm", data.ndim, axis, False)
    if ord == 1:
        out = jnp.sum(UNARY["abs"](data), axis=axes, keepdims=True).astype(data.dtype)
    elif jnp.issubdtype(data.dtype, jnp.integer):
        out = _integer_l2(data, axes)
    else:
        wide = jnp.promote_types(data.dtype, jnp.float32)
        out = jnp.sqrt(jnp.sum(jnp.square(data.astype(wide)), axis=axes, keepdims=True))
        out = out.astype(data.dtype)
    out = out.reshape(_reduced_shape(data.shape, axes, keepdims))
    if out_dtype is None:
        return out
    if jnp.issubdtype(out_dtype, jnp.integer) and jnp.issubdtype(out.dtype, jnp.floating):
        return float_to_int(out, out_dtype)
    return out.astype(out_dtype)


def _norm_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    axes = reduce_axes(op.name, len(shape), params["axis"], False)
    return in_shapes, [_reduced_shape(shape, axes, params["keepdims"])]


def _norm_dtype_rule(op, params, in_dtypes):
    _check_numeric(op, in_dtypes[0])
    out = params["out_dtype"]
    return in_dtypes, [in_dtypes[0] if out is None else np.dtype(out).type]


register("norm", simple_compute(_norm), shape_rule=_norm_shape_rule,
         dtype_rule=_norm_dtype_rule,
         params=(Param("ord", _norm_order, default=2, doc="1 or 2"),
                 Param("axis", P.axes, doc="axes to reduce; None reduces all"),
                 Param("out_dtype", P.optional(P.dtype_in(
                     "float16", "float32", "float64", "int32", "int64", "int8")),
                     doc="output dtype; None keeps the input's"),
                 Param("keepdims", P.boolean, default=False, doc="keep reduced axes with size 1")),
         doc="The L1 or L2 norm over the given axes (all when axis is None).")


# ---- argmax, argmin --------------------------------------------------------------------

def _arg_reduction(name, fn):
    def apply(data, axis, keepdims):
        if axis is None:
            out = fn(data.reshape(-1))
            shape = (1,) * data.ndim if keepdims else (1,)
        else:
            axis = reduce_axes(name, data.ndim, (axis,), False)[0]
            out = fn(data, axis=axis)
            shape = _reduced_shape(data.shape, (axis,), keepdims)
        return out.reshape(shape).astype(data.dtype)
    return apply


def _arg_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    axis = params["axis"]
    axes = tuple(range(len(shape))) if axis is None else reduce_axes(
        op.name, len(shape), (axis,), False)
    return in_shapes, [_reduced_shape(shape, axes, params["keepdims"])]


_ARG_PARAMS = (
    Param("axis", P.optional(P.integer), doc="axis to reduce; None flattens"),
    Param("keepdims", P.boolean, default=False, doc="keep the reduced axis with size 1"),
)
for _name, _fn in (("argmax", jnp.argmax), ("argmin", jnp.argmin)):
    register(_name, simple_compute(_arg_reduction(_name, _fn)), params=_ARG_PARAMS,
             differentiable=False, shape_rule=_arg_shape_rule, dtype_rule=_numeric_dtype_rule,
             doc=f"Indices of the {_name[3:]}imum along an axis (first occurrence), in the "
                 f"input's dtype.")

register("argmax_channel",
         simple_compute(lambda data: _arg_reduction("argmax_channel", jnp.argmax)(data, 1, False)),
         shape_rule=lambda op, params, in_shapes: _arg_shape_rule(
             op, {"axis": 1, "keepdims": False}, in_shapes),
         dtype_rule=_numeric_dtype_rule, differentiable=False, doc="argmax along axis 1.")


# ---- topk, sort, argsort ---------------------------------------------------------------

_INDEX_DTYPE = Param("dtype", P.dtype_in("float16", "float32", "float64", "int32", "int64",
                                           "uint8"),
                     default="float32", doc="dtype of the indices")
_ORDER_AXIS = Param("axis", P.optional(P.integer), default=-1,
                    doc="axis to order along; None flattens the input first")


def _order_axis(op_name, shape, axis):
    """(shape ordered along, non-negative axis): the flattened shape when axis is None."""
    if axis is None:
        return (math.prod(shape),), 0
    if not -len(shape) <= axis < len(shape):
        raise MXNetError(f"{op_name}: axis {axis} is out of range for input data of shape "
                         f"{tuple(shape)}")
    return tuple(shape), axis % len(shape)


def _sort_with_indices(data, axis, ascending):
    """(values, int32 or int64 indices) of a stable sort along ``axis``."""
    index_type = jnp.int32 if data.shape[axis] < 2 ** 31 else jnp.int64
    iota = lax.broadcasted_iota(index_type, data.shape, axis)
    if ascending:
        return lax.sort((data, iota), dimension=axis, num_keys=1, is_stable=True)
    # descending and stable: sort the reversed array ascending, then reverse the result
    values, indices = lax.sort((lax.rev(data, (axis,)), lax.rev(iota, (axis,))),
                               dimension=axis, num_keys=1, is_stable=True)
    return lax.rev(values, (axis,)), lax.rev(indices, (axis,))


def _topk_count(shape, axis, k):
    """How many elements topk keeps: k, or the whole axis when k < 1."""
    size = shape[axis]
    if k > size:
        raise MXNetError(f"topk: k={k} is larger than the {size} elements along axis {axis} of "
                         f"input data of shape {tuple(shape)}")
    return size if k < 1 else k


def _topk_outputs(params):
    return {"value": ("output0",), "indices": ("output",), "mask": ("output",),
            "both": ("output0", "output1")}[params["ret_typ"]]


def _topk(inputs, aux, params, is_train, rng):
    (data,) = inputs
    shape, axis = _order_axis("topk", data.shape, params["axis"])
    flat = data.reshape(shape)
    count = _topk_count(shape, axis, params["k"])
    values, indices = _sort_with_indices(flat, axis, params["is_ascend"])
    values = lax.slice_in_dim(values, 0, count, axis=axis)
    indices = lax.slice_in_dim(indices, 0, count, axis=axis)
    ret = params["ret_typ"]
    if ret == "mask":
        mask = jnp.zeros(shape, data.dtype)
        ones = jnp.ones(indices.shape, data.dtype)
        mask = jnp.put_along_axis(mask, indices, ones, axis=axis, inplace=False)
        return (mask.reshape(data.shape),), aux
    indices = indices.astype(params["dtype"])
    return {"value": (values,), "indices": (indices,), "both": (values, indices)}[ret], aux


def _topk_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None] * op.num_outputs(params)
    ordered, axis = _order_axis(op.name, shape, params["axis"])
    if params["ret_typ"] == "mask":
        _topk_count(ordered, axis, params["k"])
        return in_shapes, [tuple(shape)]
    out = list(ordered)
    out[axis] = _topk_count(ordered, axis, params["k"])
    return in_shapes, [tuple(out)] * op.num_outputs(params)


def _topk_dtype_rule(op, params, in_dtypes):
    value, index = in_dtypes[0], np.dtype(params["dtype"]).type
    _check_numeric(op, value)
    return in_dtypes, {"value": [value], "indices": [index], "mask": [value],
                       "both": [value, index]}[params["ret_typ"]]


register("topk", _topk, outputs=_topk_outputs, shape_rule=_topk_shape_rule,
         dtype_rule=_topk_dtype_rule,
         params=(_ORDER_AXIS,
                 Param("k", P.integer, default=1, doc="elements to keep; < 1 keeps all"),
                 Param("ret_typ", P.choice("both", "indices", "mask", "value"),
                       default="indices", doc="what to return"),
                 Param("is_ascend", P.boolean, default=False, doc="keep the k smallest"),
                 _INDEX_DTYPE),
         doc="The k largest (or smallest) elements along an axis: values, indices, a 0/1 mask "
             "or values and indices. Ties keep the lower index first.")


def _sort_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    return in_shapes, [_order_axis(op.name, shape, params["axis"])[0]]


def _sort(data, axis, is_ascend):
    shape, axis = _order_axis("sort", data.shape, axis)
    return _sort_with_indices(data.reshape(shape), axis, is_ascend)[0]


def _argsort(data, axis, is_ascend, dtype):
    shape, axis = _order_axis("argsort", data.shape, axis)
    return _sort_with_indices(data.reshape(shape), axis, is_ascend)[1].astype(dtype)


_ASCEND = Param("is_ascend", P.boolean, default=True, doc="ascending order")
register("sort", simple_compute(_sort), outputs=("output0",),
         params=(_ORDER_AXIS, _ASCEND), shape_rule=_sort_shape_rule,
         dtype_rule=_numeric_dtype_rule, doc="Sort along an axis (stable).")


def _argsort_dtype_rule(op, params, in_dtypes):
    _check_numeric(op, in_dtypes[0])
    return in_dtypes, [np.dtype(params["dtype"]).type]


register("argsort", simple_compute(_argsort), differentiable=False,
         params=(_ORDER_AXIS, _ASCEND, _INDEX_DTYPE), shape_rule=_sort_shape_rule,
         dtype_rule=_argsort_dtype_rule,
         doc="Indices that sort along an axis (stable: ties keep their order).")


# ---- histogram --------------------------------------------------------------------------

def _histogram(inputs, aux, params, is_train, rng):
    data = inputs[0].reshape(-1)
    if params["bin_cnt"] is not None:
        low, high = params["range"]
        edges = jnp.linspace(low, high, params["bin_cnt"] + 1).astype(data.dtype)
    else:
        edges = inputs[1].astype(data.dtype)
    bins = edges.shape[0] - 1
    index = jnp.searchsorted(edges, data, side="right") - 1
    index = jnp.where(data == edges[-1], bins - 1, index)  # the last bin is closed
    inside = (index >= 0) & (index < bins)
    counts = jnp.zeros(bins, jnp.int64).at[jnp.where(inside, index, 0)].add(
        inside.astype(jnp.int64))
    return (counts, edges), aux


def _histogram_shape_rule(op, params, shapes):
    if params["bin_cnt"] is not None:
        return shapes, [(params["bin_cnt"],), (params["bin_cnt"] + 1,)]
    bins = shapes[1]
    if bins is None:
        return shapes, [None, None]
    if len(bins) != 1 or bins[0] < 2:
        raise MXNetError(f"histogram: bins must be a 1-D array of at least 2 edges, got shape "
                         f"{tuple(bins)}")
    return shapes, [(bins[0] - 1,), tuple(bins)]


def _histogram_check(op, params):
    if params["bin_cnt"] is not None:
        if params["range"] is None or len(params["range"]) != 2 \
                or params["range"][0] > params["range"][1]:
            raise MXNetError(f"histogram: bin_cnt needs range=(low, high) with low <= high, "
                             f"got {params['range']}")


def _range(value):
    value = P._literal(value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"expected (low, high), got {value!r}")
    return tuple(float(v) for v in value)


register("_histogram", _histogram, aliases=("histogram",), differentiable=False,
         inputs=lambda p: ("data",) if p["bin_cnt"] is not None else ("data", "bins"),
         outputs=("histogram", "bin_edges"), shape_rule=_histogram_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [np.int64, dtypes[0]]),
         check=_histogram_check,
         params=(Param("bin_cnt", P.optional(P.integer), doc="number of equal-width bins; "
                       "None: the bins input holds the edges"),
                 Param("range", P.optional(_range), doc="(low, high) of the equal bins")),
         doc="Counts (int64) of the flattened data in each bin, and the bin edges; the last "
             "bin includes its right edge, values outside are ignored.")

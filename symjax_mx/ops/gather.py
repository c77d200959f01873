"""Gathering and scattering by index arrays: batch_take, gather_nd, scatter_nd,
contrib.index_copy and contrib.boolean_mask.

Indices may have any dtype (MXNet passes floats) and are truncated to integers.
gather_nd counts negative indices from the end, as MXNet 1.9.1 does.
"""
import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


def _first_dtype(op, params, dtypes):
    return dtypes, [dtypes[0]]


def _batch_take(a, indices):
    rows = a.reshape(a.shape[0], -1)
    index = jnp.clip(indices.astype(jnp.int32).reshape(-1), 0, rows.shape[1] - 1)
    return jnp.take_along_axis(rows, index[:, None], axis=1)[:, 0]


def _batch_take_shape(a, indices, params):
    if len(a) < 1 or (len(indices) != 1 or indices[0] != a[0]):
        raise MXNetError(f"batch_take: indices must have shape ({a[0] if a else '?'},), one "
                         f"per row of a {tuple(a)}; got {tuple(indices)}")
    return (a[0],)


register("batch_take", simple_compute(_batch_take), inputs=("a", "indices"),
         shape_rule=output_shape_rule(_batch_take_shape), dtype_rule=_first_dtype,
         gradient_undefined=True,
         doc="out[i] = a[i, indices[i]]: one element per row (indices clipped to the row).")


def _gather_index(indices, leading):
    index = indices.astype(jnp.int32)
    sizes = jnp.asarray(leading, jnp.int32).reshape((-1,) + (1,) * (index.ndim - 1))
    return tuple(jnp.where(index < 0, index + sizes, index))


def _gather_nd(data, indices):
    m = indices.shape[0]
    return data[_gather_index(indices, data.shape[:m])]


def _gather_nd_shape(data, indices, params):
    if not indices or indices[0] > len(data):
        raise MXNetError(f"gather_nd: indices {tuple(indices)} must index at most the "
                         f"{len(data)} axes of data {tuple(data)} along their first axis")
    return tuple(indices[1:]) + tuple(data[indices[0]:])


def _gather_nd_bounds(params, values):
    """MXNet's CPU kernel's IndexError for an index outside [-size, size) of its axis."""
    data, indices = values
    indices = np.asarray(indices).reshape(indices.shape[0], -1)
    for axis, row in enumerate(indices):
        size = data.shape[axis]
        bad = row[(row < -size) | (row >= size)]
        if bad.size:
            return IndexError(f"index {int(bad[0])} is out of bounds for axis {axis} with "
                              f"size {size}")
    return None


register("gather_nd", simple_compute(_gather_nd), inputs=("data", "indices"),
         shape_rule=output_shape_rule(_gather_nd_shape), dtype_rule=_first_dtype,
         value_check=_gather_nd_bounds,
         doc="out[y..., z...] = data[indices[0, y...], ..., indices[M-1, y...], z...].")


def _scatter_nd(data, indices, shape):
    m = indices.shape[0]
    return jnp.zeros(shape, data.dtype).at[_gather_index(indices, shape[:m])].add(data)


def _scatter_nd_shape(data, indices, params):
    shape = params["shape"]
    if not indices or tuple(data) != tuple(indices[1:]) + tuple(shape[indices[0]:]):
        raise MXNetError(f"scatter_nd: data {tuple(data)} and indices {tuple(indices)} do not "
                         f"fit shape {shape}")
    return tuple(shape)


register("scatter_nd", simple_compute(_scatter_nd), inputs=("data", "indices"),
         shape_rule=output_shape_rule(_scatter_nd_shape), dtype_rule=_first_dtype,
         params=(Param("shape", P.shape, required=True, doc="shape of the output"),),
         doc="The inverse of gather_nd: data placed at the indexed positions of a zero array "
             "of the given shape (repeated positions add up).")


def _strides(shape):
    """Row-major strides of ``shape``; its first size may be -1 (unknown, unused)."""
    strides = [1]
    for size in reversed(shape[1:]):
        strides.insert(0, strides[0] * size)
    return strides


def _ravel(data, shape):
    strides = jnp.asarray(_strides(shape), data.dtype).reshape((-1,) + (1,) * (data.ndim - 1))
    return (data * strides).sum(axis=0).astype(data.dtype)


def _unravel(data, shape):
    flat = data.astype(jnp.int64)
    coords = []
    for i, stride in enumerate(_strides(shape)):
        coord = flat // stride
        coords.append(coord if i == 0 else coord % shape[i])
    return jnp.stack(coords).astype(data.dtype)


def _ravel_shape(data, params):
    if not data or data[0] != len(params["shape"]):
        raise MXNetError(f"ravel_multi_index: data {tuple(data)} needs a first axis of size "
                         f"{len(params['shape'])}, one row per axis of shape {params['shape']}")
    return tuple(data[1:])


_TARGET = Param("shape", P.shape, required=True,
                doc="shape of the array indexed; its first size may be -1")
register("_ravel_multi_index", simple_compute(_ravel), aliases=("ravel_multi_index",),
         shape_rule=output_shape_rule(_ravel_shape), params=(_TARGET,), differentiable=False,
         doc="Flat row-major indices from a (ndim, ...) array of coordinates.")
register("_unravel_index", simple_compute(_unravel), aliases=("unravel_index",),
         shape_rule=output_shape_rule(lambda data, params: (len(params["shape"]),) + tuple(data)),
         params=(_TARGET,), differentiable=False,
         doc="Coordinates (ndim, ...) of flat row-major indices.")


def _index_array(data, axes):
    axes = range(data.ndim) if axes is None else [a % data.ndim for a in axes]
    grids = jnp.meshgrid(*[jnp.arange(n, dtype=jnp.int64) for n in data.shape], indexing="ij")
    if not grids:
        return jnp.zeros((0,), jnp.int64)
    return jnp.stack([grids[a] for a in axes], axis=-1)


def _index_array_shape(data, params):
    axes = params["axes"]
    for a in axes or ():
        if not -len(data) <= a < len(data):
            raise MXNetError(f"index_array: axis {a} is out of range for data {tuple(data)}")
    return tuple(data) + (len(data) if axes is None else len(axes),)


register("_contrib_index_array", simple_compute(_index_array), aliases=("index_array",),
         shape_rule=output_shape_rule(_index_array_shape), differentiable=False,
         dtype_rule=lambda op, params, dtypes: (dtypes, [np.int64]),
         params=(Param("axes", P.optional(P.shape), doc="axes whose indices are returned; "
                       "None: all"),),
         doc="For every element of data, its index (int64) along the given axes: shape "
             "data.shape + (len(axes),).")


def _index_copy(old, index, new):
    return old.at[index.astype(jnp.int32)].set(new.astype(old.dtype))


def _index_copy_shape(old, index, new, params):
    if len(index) != 1 or not old or tuple(new) != (index[0],) + tuple(old[1:]):
        raise MXNetError(f"index_copy: new_tensor must be ({index[0] if index else '?'},) + "
                         f"old_tensor.shape[1:] {tuple(old[1:])} for a 1-D index_vector; "
                         f"got old_tensor {tuple(old)}, index_vector {tuple(index)} and "
                         f"new_tensor {tuple(new)}")
    return tuple(old)


register("_contrib_index_copy", simple_compute(_index_copy), aliases=("index_copy",),
         inputs=("old_tensor", "index_vector", "new_tensor"),
         shape_rule=output_shape_rule(_index_copy_shape), dtype_rule=_first_dtype,
         doc="old_tensor with the rows index_vector replaced by the rows of new_tensor.")


def _boolean_mask(inputs, aux, params, is_train, rng):
    data, index = inputs
    try:
        rows = jnp.nonzero(index)[0]
    except jax.errors.ConcretizationTypeError:
        raise MXNetError("boolean_mask: the output shape depends on the values of index, "
                         "which are not known here (inside a compiled program); call it "
                         "imperatively or in a hybridized block") from None
    return (jnp.take(data, rows, axis=0),), aux


def _boolean_mask_shape(op, params, shapes):
    data, index = shapes
    if params["axis"] != 0:
        raise MXNetError(f"boolean_mask: only axis 0 is supported, got {params['axis']}")
    if index is not None and len(index) != 1:
        raise MXNetError(f"boolean_mask: index must be 1-D, got shape {tuple(index)}")
    if data is not None and index is not None and (not data or data[0] != index[0]):
        raise MXNetError(f"boolean_mask: index has {index[0]} entries, but data of shape "
                         f"{tuple(data)} has {data[0] if data else 0} rows")
    return shapes, [None]  # the number of rows kept is known only from index's values


register("_contrib_boolean_mask", _boolean_mask, aliases=("boolean_mask",),
         inputs=("data", "index"), shape_rule=_boolean_mask_shape, dtype_rule=_first_dtype,
         dynamic_shape=True,
         params=(Param("axis", P.integer, default=0, doc="the axis masked (only 0)"),),
         doc="The rows of data (along axis 0) where index is nonzero; the gradient of data "
             "is the output's gradient in those rows, zero elsewhere.")


def index_key(template, arrays):
    """The numpy-style key of an NDArray index template: its items are None, integers,
    ``("slice", start, stop, step)`` and ``("array", i)`` (the i-th index array)."""
    key = []
    for item in template:
        if isinstance(item, tuple) and item[0] == "slice":
            key.append(slice(*item[1:]))
        elif isinstance(item, tuple) and item[0] == "array":
            key.append(arrays[item[1]])
        else:
            key.append(item)
    return tuple(key)


def _index_arrays(params):
    count = sum(isinstance(t, tuple) and t[0] == "array" for t in params["template"])
    return ("data",) + tuple(f"index{i}" for i in range(count))


def _getitem(data, *arrays, template):
    arrays = [a if jnp.issubdtype(a.dtype, jnp.integer) else a.astype(jnp.int32)
              for a in arrays]  # float positions are truncated
    out = data[index_key(template, arrays)]
    return out.reshape(1) if out.ndim == 0 else out  # MXNet 1.x has no 0-d results


def _getitem_shape(data, *rest):
    *arrays, params = rest
    out = jax.eval_shape(lambda d, *a: _getitem(d, *a, template=params["template"]),
                         jax.ShapeDtypeStruct(data, jnp.float32),
                         *(jax.ShapeDtypeStruct(a, jnp.int32) for a in arrays))
    return out.shape


register("_getitem", simple_compute(_getitem), inputs=_index_arrays,
         shape_rule=output_shape_rule(_getitem_shape), dtype_rule=_first_dtype,
         params=(Param("template", P.literal, required=True,
                       doc="the key: None, integers, ('slice', start, stop, step) and "
                           "('array', i) for the i-th index array"),),
         doc="NDArray indexing that copies (advanced or strided keys), as one operator so "
             "that autograd records it: the gradient scatters back, adding at repeated "
             "indices.")

"""Operators about an array's shape and layout: shape_array, size_array, reshape_like,
diag, depth_to_space, space_to_depth and split_v2 (MXNet 1.9.1 semantics)."""
import math

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import (Param, ParamParsers as P, get_op, output_shape_rule, register,
                       simple_compute)


def _int64_output(op, params, dtypes):
    return dtypes, [np.int64]


register("shape_array", simple_compute(lambda data: jnp.asarray(data.shape, jnp.int64)),
         differentiable=False, dtype_rule=_int64_output,
         shape_rule=output_shape_rule(lambda shape, params: (len(shape),)),
         doc="The shape of data, as a 1-D int64 array.")
register("size_array", simple_compute(lambda data: jnp.asarray([data.size], jnp.int64)),
         differentiable=False, dtype_rule=_int64_output,
         shape_rule=output_shape_rule(lambda shape, params: (1,)),
         doc="The number of elements of data, as a 1-element int64 array.")


# ---- reshape_like ---------------------------------------------------------------------

def _range(ndim, begin, end, name):
    """[begin, end) of a shape's axes, MXNet's way: None is the start / end, negatives count
    from the end."""
    start = 0 if begin is None else (begin + ndim if begin < 0 else begin)
    stop = ndim if end is None else (end + ndim if end < 0 else end)
    if not 0 <= start <= stop <= ndim:
        raise MXNetError(f"reshape_like: {name} range [{begin}, {end}) is invalid for "
                         f"{ndim} axes")
    return start, stop


def _reshape_like_shape(lhs, rhs, params):
    lo, hi = _range(len(lhs), params["lhs_begin"], params["lhs_end"], "lhs")
    rlo, rhi = _range(len(rhs), params["rhs_begin"], params["rhs_end"], "rhs")
    shape = tuple(lhs[:lo]) + tuple(rhs[rlo:rhi]) + tuple(lhs[hi:])
    if math.prod(shape) != math.prod(lhs):
        raise MXNetError(f"reshape_like: cannot reshape lhs of shape {tuple(lhs)} to "
                         f"{shape} (from rhs {tuple(rhs)})")
    return shape


def _reshape_like(inputs, aux, params, is_train, rng):
    lhs, rhs = inputs
    return (lhs.reshape(_reshape_like_shape(lhs.shape, rhs.shape, params)),), aux


def _first_dtype(op, params, dtypes):
    return dtypes, [dtypes[0]]


_OPTIONAL_AXIS = P.optional(P.integer)
register("reshape_like", _reshape_like, inputs=("lhs", "rhs"),
         shape_rule=output_shape_rule(_reshape_like_shape), dtype_rule=_first_dtype,
         params=(Param("lhs_begin", _OPTIONAL_AXIS, doc="first lhs axis replaced"),
                 Param("lhs_end", _OPTIONAL_AXIS, doc="end of the lhs axes replaced"),
                 Param("rhs_begin", _OPTIONAL_AXIS, doc="first rhs axis used"),
                 Param("rhs_end", _OPTIONAL_AXIS, doc="end of the rhs axes used")),
         doc="lhs reshaped so that axes [lhs_begin, lhs_end) take the sizes of rhs's axes "
             "[rhs_begin, rhs_end) (all axes by default).")


# ---- diag -----------------------------------------------------------------------------

def _diag_axes(shape, params):
    ndim = len(shape)
    a1, a2 = (a + ndim if a < 0 else a for a in (params["axis1"], params["axis2"]))
    if not (0 <= a1 < ndim and 0 <= a2 < ndim) or a1 == a2:
        raise MXNetError(f"diag: axis1 {params['axis1']} and axis2 {params['axis2']} must be "
                         f"two different axes of data with shape {tuple(shape)}")
    return a1, a2


def _diag_shape(shape, params):
    k = params["k"]
    if len(shape) == 0:
        raise MXNetError("diag: data must have at least one axis")
    if len(shape) == 1:
        return (shape[0] + abs(k),) * 2
    a1, a2 = _diag_axes(shape, params)
    size = min(shape[a1] + min(k, 0), shape[a2] - max(k, 0))
    if size < 1:
        raise MXNetError(f"diag: offset k={k} is outside the ({shape[a1]}, {shape[a2]}) "
                         f"planes of data with shape {tuple(shape)}")
    return tuple(s for i, s in enumerate(shape) if i not in (a1, a2)) + (size,)


def _diag(data, k, axis1, axis2):
    if data.ndim == 1:
        return jnp.diag(data, k)
    a1, a2 = _diag_axes(data.shape, {"axis1": axis1, "axis2": axis2})
    return jnp.diagonal(data, k, a1, a2)


register("diag", simple_compute(_diag), shape_rule=output_shape_rule(_diag_shape),
         params=(Param("k", P.integer, default=0, doc="diagonal offset; > 0 above the main"),
                 Param("axis1", P.integer, default=0, doc="first axis of the 2-D planes"),
                 Param("axis2", P.integer, default=1, doc="second axis of the 2-D planes")),
         doc="A 1-D array's diagonal matrix, or the k-th diagonals of an N-D array's "
             "(axis1, axis2) planes as its last axis.")


# ---- depth_to_space / space_to_depth ------------------------------------------------

def _block_check(name, shape, block, to_space):
    if len(shape) != 4:
        raise MXNetError(f"{name}: data must be 4-D (N, C, H, W), got shape {tuple(shape)}")
    if block < 1:
        raise MXNetError(f"{name}: block_size must be positive, got {block}")
    if 0 in shape:
        raise MXNetError(f"{name}: data must have no zero-size axis, got shape {tuple(shape)}")
    n, c, h, w = shape
    if to_space and c % (block * block):
        raise MXNetError(f"{name}: channels {c} must be a multiple of block_size**2 = "
                         f"{block * block}")
    if not to_space and (h % block or w % block):
        raise MXNetError(f"{name}: height {h} and width {w} must be multiples of block_size "
                         f"{block}")


def _depth_to_space_shape(shape, params):
    b = params["block_size"]
    _block_check("depth_to_space", shape, b, True)
    n, c, h, w = shape
    return (n, c // (b * b), h * b, w * b)


def _space_to_depth_shape(shape, params):
    b = params["block_size"]
    _block_check("space_to_depth", shape, b, False)
    n, c, h, w = shape
    return (n, c * b * b, h // b, w // b)


def _depth_to_space(data, block_size):
    n, c, h, w = data.shape
    b = block_size
    x = data.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c // (b * b), h * b, w * b)


def _space_to_depth(data, block_size):
    n, c, h, w = data.shape
    b = block_size
    x = data.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


_BLOCK = Param("block_size", P.integer, required=True, doc="side of the blocks moved")
register("depth_to_space", simple_compute(_depth_to_space), params=(_BLOCK,),
         shape_rule=output_shape_rule(_depth_to_space_shape),
         doc="Moves channel blocks into block_size x block_size spatial blocks: (N, C, H, W) "
             "to (N, C / block_size**2, H * block_size, W * block_size).")
register("space_to_depth", simple_compute(_space_to_depth), params=(_BLOCK,),
         shape_rule=output_shape_rule(_space_to_depth_shape),
         doc="Moves block_size x block_size spatial blocks into channels: the inverse of "
             "depth_to_space.")


# ---- split_v2 -------------------------------------------------------------------------

def _split_bounds(size, params):
    """[(start, stop)] of each piece along the axis."""
    if params["sections"] > 0:
        if size % params["sections"]:
            raise MXNetError(f"split_v2: an axis of size {size} does not split into "
                             f"{params['sections']} equal sections")
        step = size // params["sections"]
        return [(i * step, (i + 1) * step) for i in range(params["sections"])]
    starts = list(params["indices"])
    if not starts or sorted(starts) != starts or starts[-1] > size:
        raise MXNetError(f"split_v2: indices {tuple(starts[1:])} must increase and stay within "
                         f"the axis size {size}")
    return list(zip(starts, starts[1:] + [size]))


def _split_v2_shapes(shape, params):
    axis = params["axis"] % len(shape)
    pieces = []
    for start, stop in _split_bounds(shape[axis], params):
        piece = list(shape)
        piece[axis] = stop - start
        if params["squeeze_axis"] and piece[axis] == 1:
            del piece[axis]
        pieces.append(tuple(piece))
    return pieces


def _split_v2(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axis = params["axis"] % data.ndim
    bounds = _split_bounds(data.shape[axis], params)
    shapes = _split_v2_shapes(data.shape, params)
    return tuple(jnp.take(data, jnp.arange(start, stop), axis=axis).reshape(shape)
                 for (start, stop), shape in zip(bounds, shapes)), aux


def _split_v2_rule(op, params, shapes):
    if shapes[0] is None:
        return shapes, [None] * op.num_outputs(params)
    return shapes, _split_v2_shapes(shapes[0], params)


register("_split_v2", _split_v2, shape_rule=_split_v2_rule,
         outputs=lambda p: tuple(f"output{i}" for i in range(p["sections"] or len(p["indices"]))),
         params=(Param("indices", P.shape, default=(), doc="start of each piece (first: 0)"),
                 Param("axis", P.integer, default=0, doc="the axis to split"),
                 Param("squeeze_axis", P.boolean, default=False,
                       doc="drop the axis from pieces of size 1 along it"),
                 Param("sections", P.integer, default=0,
                       doc="number of equal pieces; 0: split at indices")),
         doc="Pieces of data along an axis, at the given start indices or in equal sections.")


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """NumPy-style split of an NDArray or Symbol: ``indices_or_sections`` is a number of equal
    sections or a tuple of split points."""
    if isinstance(indices_or_sections, int):
        params = {"sections": indices_or_sections}
    elif isinstance(indices_or_sections, (tuple, list)):
        params = {"indices": (0,) + tuple(indices_or_sections)}
    else:
        raise ValueError("indices_or_sections must be an int or a tuple of ints")
    return ary._apply(get_op("_split_v2"), (ary,), {**params, "axis": axis,
                                                      "squeeze_axis": squeeze_axis})

"""Shape-changing operators: Reshape (with MXNet's special values), transpose, Cast, Concat."""
import math

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, simple_compute


def infer_reshape(src, target, reverse=False):
    """The shape MXNet's Reshape gives ``src`` for a target using the special values.

    0 copies a dimension, -1 infers one, -2 copies the rest, -3 merges two dimensions,
    -4 splits one into the two that follow (either may be -1); ``reverse`` matches the
    special values from the right.
    """
    src, target = list(src), list(target)
    if reverse:
        src.reverse()
        target.reverse()
    out, src_idx, infer_at, i = [], 0, None, 0

    def take_src(code):
        if src_idx >= len(src):
            raise MXNetError(f"Reshape: special value {code} in shape {tuple(target)} has no "
                             f"matching dimension in the input shape {tuple(src)}")
        return src[src_idx]

    while i < len(target):
        code = target[i]
        if code == 0:
            out.append(take_src(0))
            src_idx += 1
        elif code == -1:
            if infer_at is not None:
                raise MXNetError(f"Reshape: only one dimension of {tuple(target)} can be -1")
            infer_at = len(out)
            out.append(1)
            src_idx += 1
        elif code == -2:
            out.extend(src[src_idx:])
            src_idx = len(src)
        elif code == -3:
            first = take_src(-3)
            src_idx += 1
            out.append(first * take_src(-3))
            src_idx += 1
        elif code == -4:
            if i + 2 >= len(target):
                raise MXNetError(f"Reshape: -4 in {tuple(target)} must be followed by two sizes")
            whole = take_src(-4)
            src_idx += 1
            d1, d2 = target[i + 1], target[i + 2]
            i += 2
            if d1 == -1 and d2 != 0:
                d1 = whole // d2
            elif d2 == -1 and d1 != 0:
                d2 = whole // d1
            if d1 * d2 != whole:
                raise MXNetError(f"Reshape: -4 cannot split dimension {whole} into ({d1}, {d2})")
            out.extend([d1, d2])
        elif code > 0:
            out.append(code)
            src_idx += 1
        else:
            raise MXNetError(f"Reshape: invalid value {code} in shape {tuple(target)}")
        i += 1
    size = math.prod(src)
    if infer_at is not None:
        rest = math.prod(out[:infer_at] + out[infer_at + 1:])
        if rest == 0 or size % rest:
            raise MXNetError(f"Reshape: cannot infer -1 reshaping {tuple(src)} into {tuple(target)}")
        out[infer_at] = size // rest
    if reverse:
        out.reverse()
        src.reverse()
        target.reverse()
    if math.prod(out) != size:
        raise MXNetError(f"Reshape: cannot reshape an array of shape {tuple(src)} "
                         f"(size {size}) into shape {tuple(out)} (size {math.prod(out)})")
    return tuple(out)


def _reshape_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    return in_shapes, [infer_reshape(shape, params["shape"], params["reverse"])]


register("Reshape", simple_compute(lambda data, shape, reverse: data.reshape(
            infer_reshape(data.shape, shape, reverse))),
         aliases=("reshape",), shape_rule=_reshape_shape_rule,
         params=(Param("shape", P.shape, default=(), doc="target shape, with special values"),
                 Param("reverse", P.boolean, default=False, doc="match special values from the right")),
         doc="Reshape without copying; see infer_reshape for the special values.")


def _transpose_axes(ndim, axes):
    if not axes:
        return tuple(reversed(range(ndim)))
    if sorted(a % ndim for a in axes) != list(range(ndim)) or len(axes) != ndim:
        raise MXNetError(f"transpose: axes {axes} are not a permutation of {ndim} dims")
    return tuple(a % ndim for a in axes)


def _transpose_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None]
    return in_shapes, [tuple(shape[a] for a in _transpose_axes(len(shape), params["axes"]))]


register("transpose", simple_compute(lambda data, axes: jnp.transpose(
            data, _transpose_axes(data.ndim, axes))),
         shape_rule=_transpose_shape_rule,
         params=(Param("axes", P.shape, default=(), doc="permutation; empty reverses the axes"),),
         doc="Permute the axes.")


def _cast_dtype_rule(op, params, in_dtypes):
    return in_dtypes, [np.dtype(params["dtype"]).type]


register("Cast", simple_compute(lambda data, dtype: data.astype(dtype)),
         aliases=("cast",), dtype_rule=_cast_dtype_rule,
         params=(Param("dtype", P.dtype, required=True, doc="output dtype"),),
         doc="Convert to another dtype.")


def _concat_inputs(params):
    return tuple(f"arg{i}" for i in range(params["num_args"]))


def _concat_shape_rule(op, params, in_shapes):
    known = [s for s in in_shapes if s is not None]
    if len(known) < len(in_shapes):
        return in_shapes, [None]
    ndim = len(known[0])
    dim = params["dim"]
    if not -ndim <= dim < ndim:
        raise MXNetError(f"Concat: dim {dim} is out of range for inputs of {ndim} dims")
    dim %= ndim
    for i, shape in enumerate(in_shapes):
        if len(shape) != ndim or any(a != b for j, (a, b) in enumerate(zip(shape, known[0]))
                                     if j != dim):
            raise MXNetError(f"Concat: input arg{i} has shape {shape}, which does not match "
                             f"arg0's shape {known[0]} outside dimension {dim}")
    out = list(known[0])
    out[dim] = sum(s[dim] for s in in_shapes)
    return in_shapes, [tuple(out)]


register("Concat", lambda inputs, aux, params, is_train, rng: (
            (jnp.concatenate(inputs, axis=params["dim"]),), aux),
         aliases=("concat",), inputs=_concat_inputs, shape_rule=_concat_shape_rule,
         params=(Param("num_args", P.integer, required=True, doc="number of inputs"),
                 Param("dim", P.integer, default=1, doc="axis to join along")),
         doc="Join arrays along an existing axis.")

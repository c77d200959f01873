"""Shape-changing operators: Reshape (with MXNet's special values), Flatten, transpose,
SwapAxis, expand_dims, squeeze, Cast, Concat, stack, reverse, tile, repeat and the
broadcasts (broadcast_to, broadcast_axis, broadcast_like)."""
import math

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from ..util import is_np_shape
from .elemwise import float_to_int
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


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
            raise MXNetError(f"Reshape: cannot infer -1 reshaping {tuple(src)} into "
                             f"{tuple(target)}")
        out[infer_at] = size // rest
    if reverse:
        out.reverse()
        src.reverse()
        target.reverse()
    if math.prod(out) != size:
        raise MXNetError(f"Reshape: cannot reshape an array of shape {tuple(src)} "
                         f"(size {size}) into shape {tuple(out)} (size {math.prod(out)})")
    return tuple(out)


def _legacy_reshape(src, target, keep_highest):
    """The shape for the deprecated ``target_shape``: one 0 is inferred from the size and
    ``keep_highest`` keeps the first dimension."""
    out = list(target)
    if keep_highest:
        out[0] = src[0]
    if any(d < 0 for d in out):
        raise MXNetError(f"Reshape: target_shape {tuple(target)} has a negative dimension")
    zeros = [i for i in range(1 if keep_highest else 0, len(out)) if out[i] == 0]
    size, rest = math.prod(src), math.prod(d for d in out if d)
    if len(zeros) == 1 and rest and size % rest == 0:
        out[zeros[0]] = size // rest
    if math.prod(out) != size:
        raise MXNetError(f"Reshape: cannot reshape an array of shape {tuple(src)} (size {size}) "
                         f"into target_shape {tuple(target)}")
    return tuple(out)


def reshape_shape(src, params):
    """The output shape of Reshape: ``shape`` wins, else the legacy ``target_shape``."""
    if params["shape"]:
        return infer_reshape(src, params["shape"], params["reverse"])
    if params["target_shape"]:
        return _legacy_reshape(src, params["target_shape"], params["keep_highest"])
    raise MXNetError("Reshape: give the target shape in parameter shape")


def _reshape_data_from_output(op, params, shapes, out_shapes):
    """A data shape with one unknown size (-1) completed from the known output's size, as
    MXNet infers a reshape's input backward."""
    data, out = shapes[0], out_shapes[0]
    if data is None or out is None or list(data).count(-1) != 1:
        return shapes
    known = math.prod(d for d in data if d != -1)
    if known and math.prod(out) % known == 0:
        shapes[0] = tuple(math.prod(out) // known if d == -1 else d for d in data)
    return shapes


register("Reshape", lambda inputs, aux, params, is_train, rng: (
            (inputs[0].reshape(reshape_shape(inputs[0].shape, params)),), aux),
         aliases=("reshape",), shape_rule=output_shape_rule(reshape_shape),
         shape_from_outputs=_reshape_data_from_output,
         params=(Param("shape", P.shape, default=(), doc="target shape, with special values"),
                 Param("reverse", P.boolean, default=False,
                       doc="match special values from the right"),
                 Param("target_shape", P.shape, default=(),
                       doc="deprecated target shape; one 0 is inferred"),
                 Param("keep_highest", P.boolean, default=False,
                       doc="with target_shape: keep the first dimension")),
         doc="Reshape without copying; see infer_reshape for the special values.")


def _np_reshape_shape(src, params):
    """NumPy's reshape: one -1 is inferred; ``()`` is a 0-d result."""
    target = params["newshape"]
    size = math.prod(src)
    known = math.prod(d for d in target if d != -1)
    if sum(d == -1 for d in target) > 1 or any(d < -1 for d in target):
        raise MXNetError(f"_np_reshape: invalid newshape {tuple(target)}")
    if -1 in target:
        if known == 0 or size % known:
            raise MXNetError(f"_np_reshape: cannot reshape {tuple(src)} into {tuple(target)}")
        target = tuple(size // known if d == -1 else d for d in target)
    if math.prod(target) != size:
        raise MXNetError(f"_np_reshape: cannot reshape {tuple(src)} into {tuple(target)}")
    return tuple(target)


register("_np_reshape", lambda inputs, aux, params, is_train, rng: (
            (inputs[0].reshape(_np_reshape_shape(inputs[0].shape, params)),), aux),
         shape_rule=output_shape_rule(_np_reshape_shape),
         params=(Param("newshape", P.shape, required=True, doc="target shape (NumPy's rules)"),
                 Param("order", P.string, default="C", doc="only 'C' (row-major)")),
         doc="mx.np's reshape: 0-d targets allowed, one -1 inferred.")


def _transpose_axes(ndim, axes):
    if not axes:
        return tuple(reversed(range(ndim)))
    if sorted(a % ndim for a in axes) != list(range(ndim)) or len(axes) != ndim:
        raise MXNetError(f"transpose: axes {axes} are not a permutation of {ndim} dims")
    return tuple(a % ndim for a in axes)


def _transposed_shape(shape, params):
    return tuple(shape[a] for a in _transpose_axes(len(shape), params["axes"]))


register("transpose", simple_compute(lambda data, axes: jnp.transpose(
            data, _transpose_axes(data.ndim, axes))),
         shape_rule=output_shape_rule(_transposed_shape),
         params=(Param("axes", P.shape, default=(), doc="permutation; empty reverses the axes"),),
         doc="Permute the axes.")


def _cast_dtype_rule(op, params, in_dtypes):
    return in_dtypes, [np.dtype(params["dtype"]).type]


def _cast(data, dtype):
    """``data`` in ``dtype``; floats become integers as MXNet's C++ casts them on x86
    (``float_to_int``: NaN and out-of-range values are not clamped)."""
    if jnp.issubdtype(data.dtype, jnp.floating) and np.dtype(dtype).kind in "iu":
        return float_to_int(data, dtype)
    return data.astype(dtype)


register("Cast", simple_compute(_cast),
         aliases=("cast",), dtype_rule=_cast_dtype_rule, casts=True,
         params=(Param("dtype", P.dtype, required=True, doc="output dtype"),),
         doc="Convert to another dtype.")


def _concat_inputs(params):
    return tuple(f"arg{i}" for i in range(params["num_args"]))


def _khatri_rao(inputs, aux, params, is_train, rng):
    out = inputs[0]
    for x in inputs[1:]:  # row i of out and j of x give row i * len(x) + j
        out = (out[:, None, :] * x[None, :, :]).reshape(-1, x.shape[1])
    return (out,), aux


def _khatri_rao_shape_rule(op, params, in_shapes):
    if any(s is None for s in in_shapes):
        return in_shapes, [None]
    if any(len(s) != 2 for s in in_shapes) or len({s[1] for s in in_shapes}) != 1:
        raise MXNetError(f"khatri_rao: the inputs must be matrices with one number of "
                         f"columns, got shapes {[tuple(s) for s in in_shapes]}")
    return in_shapes, [(math.prod(s[0] for s in in_shapes), in_shapes[0][1])]


register("khatri_rao", _khatri_rao,
         inputs=_concat_inputs,
         params=(Param("num_args", P.integer_at_least(1), required=True,
                       doc="number of input matrices"),),
         shape_rule=_khatri_rao_shape_rule,
         doc="Column-wise Khatri-Rao product: column k is the Kronecker product of the "
             "inputs' columns k.")


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


def normalize_axis(op_name, axis, ndim, name="axis"):
    """``axis`` in [-ndim, ndim) as a non-negative axis; MXNetError otherwise."""
    if not -ndim <= axis < ndim:
        raise MXNetError(f"{op_name}: {name} {axis} is out of range for an array of {ndim} dims")
    return axis % ndim


def first_dtype_rule(op, params, in_dtypes):
    """The outputs take the first input's dtype; the other inputs may have any dtype."""
    return in_dtypes, [in_dtypes[0]] * op.num_outputs(params)


def _flatten_shape(shape, params=None):
    if not shape:
        raise MXNetError("Flatten: cannot flatten a 0-d array")
    return (shape[0], math.prod(shape[1:]))


register("Flatten", simple_compute(lambda data: data.reshape(_flatten_shape(data.shape))),
         aliases=("flatten",), shape_rule=output_shape_rule(_flatten_shape),
         doc="Collapse all axes but the first: (N, d1, d2, ...) -> (N, d1*d2*...).")


def _swap_axes(shape, params):
    ndim = len(shape)
    return (normalize_axis("SwapAxis", params["dim1"], ndim, "dim1"),
            normalize_axis("SwapAxis", params["dim2"], ndim, "dim2"))


def _swapped_shape(shape, params):
    out = list(shape)
    d1, d2 = _swap_axes(shape, params)
    out[d1], out[d2] = out[d2], out[d1]
    return tuple(out)


register("SwapAxis", lambda inputs, aux, params, is_train, rng: (
            (jnp.swapaxes(inputs[0], *_swap_axes(inputs[0].shape, params)),), aux),
         aliases=("swapaxes",), shape_rule=output_shape_rule(_swapped_shape),
         params=(Param("dim1", P.integer, default=0, doc="first axis"),
                 Param("dim2", P.integer, default=0, doc="second axis")),
         doc="Interchange two axes.")


def _expand_dims_axis(shape, axis):
    ndim = len(shape)
    if not -ndim - 1 <= axis <= ndim:
        raise MXNetError(f"expand_dims: axis {axis} is out of range [{-ndim - 1}, {ndim}] for "
                         f"an array of shape {shape}")
    return axis % (ndim + 1)


def _expanded_shape(shape, params):
    axis = _expand_dims_axis(shape, params["axis"])
    return shape[:axis] + (1,) + shape[axis:]


register("expand_dims", simple_compute(lambda data, axis: jnp.expand_dims(
            data, _expand_dims_axis(data.shape, axis))),
         shape_rule=output_shape_rule(_expanded_shape),
         params=(Param("axis", P.integer, required=True, doc="position of the new axis"),),
         doc="Insert an axis of size 1.")


def _squeezed_shape(shape, params):
    axis = params["axis"]
    if axis is None:
        drop = {i for i, d in enumerate(shape) if d == 1}
    else:
        drop = {normalize_axis("squeeze", a, len(shape)) for a in axis}
        if len(drop) != len(axis):
            raise MXNetError(f"squeeze: axis {axis} repeats an axis")
        for a in sorted(drop):
            if shape[a] != 1:
                raise MXNetError(f"squeeze: cannot squeeze axis {a} of shape {shape}: its "
                                 f"size is {shape[a]}, not 1")
    return tuple(d for i, d in enumerate(shape) if i not in drop) or (1,)


register("squeeze", lambda inputs, aux, params, is_train, rng: (
            (inputs[0].reshape(_squeezed_shape(inputs[0].shape, params)),), aux),
         shape_rule=output_shape_rule(_squeezed_shape),
         params=(Param("axis", P.optional(P.shape), doc="axes of size 1 to remove; None: all"),),
         doc="Remove axes of size 1 (a result with no axes has shape (1,)).")


def _stack_shape_rule(op, params, in_shapes):
    known = [(i, s) for i, s in enumerate(in_shapes) if s is not None]
    if not known:
        return in_shapes, [None]
    first_index, first = known[0][0], tuple(known[0][1])
    for i, shape in known[1:]:
        if tuple(shape) != first:
            raise MXNetError(f"stack: input arg{i} has shape {shape}, but arg{first_index} has "
                             f"shape {first}; all inputs must share one shape")
    axis = normalize_axis("stack", params["axis"], len(first) + 1)
    out = first[:axis] + (params["num_args"],) + first[axis:]
    return [first] * len(in_shapes), [out]


register("stack", lambda inputs, aux, params, is_train, rng: (
            (jnp.stack(inputs, axis=params["axis"]),), aux),
         inputs=_concat_inputs, shape_rule=_stack_shape_rule,
         params=(Param("axis", P.integer, default=0, doc="position of the new axis"),
                 Param("num_args", P.integer, required=True, doc="number of inputs")),
         doc="Join arrays of one shape along a new axis.")


def _reverse_axes(shape, axis):
    """The axes flipped an odd number of times (MXNet accepts only non-negative axes)."""
    for a in axis:
        if not 0 <= a < len(shape):
            raise MXNetError(f"reverse: axis {a} must be in [0, {len(shape)}) for an array of "
                             f"shape {shape}")
    return tuple(a for a in sorted(set(axis)) if axis.count(a) % 2)


def _reversed_shape(shape, params):
    _reverse_axes(shape, params["axis"])
    return shape


register("reverse", simple_compute(lambda data, axis: jnp.flip(
            data, _reverse_axes(data.shape, axis))),
         aliases=("flip",),
         shape_rule=output_shape_rule(_reversed_shape),
         params=(Param("axis", P.shape, required=True, doc="axes to reverse"),),
         doc="Reverse the order of elements along the given axes.")


def _tiled_shape(shape, params):
    reps = params["reps"]
    if any(r < 0 for r in reps):
        raise MXNetError(f"tile: reps {reps} has a negative entry")
    if 0 in reps and not is_np_shape():  # a size 0 means unknown there
        raise MXNetError(f"tile: reps {reps} has a zero entry (allowed under mx.np_shape())")
    ndim = max(len(shape), len(reps))
    shape = (1,) * (ndim - len(shape)) + shape
    reps = (1,) * (ndim - len(reps)) + reps
    return tuple(d * r for d, r in zip(shape, reps))


register("tile", simple_compute(lambda data, reps: jnp.tile(
            data, reps) if reps else data),
         shape_rule=output_shape_rule(_tiled_shape),
         params=(Param("reps", P.shape, required=True, doc="repetitions per axis"),),
         doc="Repeat the whole array along each axis (NumPy's tile).")


def _repeat_axis(shape, params):
    if params["repeats"] < 0:
        raise MXNetError(f"repeat: repeats must be non-negative, got {params['repeats']}")
    return None if params["axis"] is None else normalize_axis("repeat", params["axis"],
                                                              len(shape))


def _repeated_shape(shape, params):
    axis = _repeat_axis(shape, params)
    if axis is None:
        return (math.prod(shape) * params["repeats"],)
    return shape[:axis] + (shape[axis] * params["repeats"],) + shape[axis + 1:]


def _repeat(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axis = _repeat_axis(data.shape, params)
    if axis is None:
        data, axis = data.reshape(-1), 0
    return (jnp.repeat(data, params["repeats"], axis=axis),), aux


register("repeat", _repeat, shape_rule=output_shape_rule(_repeated_shape),
         params=(Param("repeats", P.integer, required=True, doc="copies of each element"),
                 Param("axis", P.optional(P.integer), doc="axis to repeat along; None: flatten")),
         doc="Repeat each element (NumPy's repeat).")


def _broadcast_to_shape(shape, params):
    target = params["shape"]
    if len(target) != len(shape):
        raise MXNetError(f"broadcast_to: cannot broadcast an array of shape {shape} to "
                         f"{target}: they have different numbers of dimensions")
    out = tuple(d if t == 0 else t for d, t in zip(shape, target))
    for i, (d, o) in enumerate(zip(shape, out)):
        if o < 0 or (d != o and d != 1):
            raise MXNetError(f"broadcast_to: cannot broadcast an array of shape {shape} to "
                             f"{target}: dimension {i} has size {d}, which is neither {o} nor 1")
    return out


register("broadcast_to", lambda inputs, aux, params, is_train, rng: (
            (jnp.broadcast_to(inputs[0], _broadcast_to_shape(inputs[0].shape, params)),), aux),
         shape_rule=output_shape_rule(_broadcast_to_shape),
         params=(Param("shape", P.shape, default=(), doc="target shape; 0 keeps a dimension"),),
         doc="Broadcast axes of size 1 to a target shape.")


def _broadcast_axis_shape(shape, params):
    axis, size = params["axis"], params["size"]
    if len(axis) != len(size):
        raise MXNetError(f"broadcast_axis: axis {axis} and size {size} must have the same length")
    out = list(shape)
    for a, n in zip(axis, size):
        if not 0 <= a < len(shape):
            raise MXNetError(f"broadcast_axis: axis {a} must be in [0, {len(shape)}) for an "
                             f"array of shape {shape}")
        if out[a] != 1 or n < 0:
            raise MXNetError(f"broadcast_axis: cannot broadcast axis {a} of shape {shape} to "
                             f"size {n}: only axes of size 1 broadcast")
        out[a] = n
    return tuple(out)


register("broadcast_axis", lambda inputs, aux, params, is_train, rng: (
            (jnp.broadcast_to(inputs[0], _broadcast_axis_shape(inputs[0].shape, params)),), aux),
         aliases=("broadcast_axes",), shape_rule=output_shape_rule(_broadcast_axis_shape),
         params=(Param("axis", P.shape, default=(), doc="axes of size 1 to broadcast"),
                 Param("size", P.shape, default=(), doc="their new sizes")),
         doc="Broadcast the given axes of size 1 to new sizes.")


def broadcast_like_shape(lhs, rhs, params):
    """The shape ``lhs`` broadcasts to like ``rhs`` (all axes unless both axes are given)."""
    lhs_axes, rhs_axes = params["lhs_axes"], params["rhs_axes"]
    if lhs_axes is None or rhs_axes is None:
        if len(lhs) != len(rhs) or any(l != r and l != 1 for l, r in zip(lhs, rhs)):
            raise MXNetError(f"broadcast_like: cannot broadcast lhs of shape {lhs} like rhs of "
                             f"shape {rhs}")
        return tuple(rhs)
    if not lhs_axes or len(lhs_axes) != len(rhs_axes):
        raise MXNetError(f"broadcast_like: lhs_axes {lhs_axes} and rhs_axes {rhs_axes} must be "
                         f"non-empty and of the same length")
    out = list(lhs)
    for la, ra in zip(lhs_axes, rhs_axes):
        la = normalize_axis("broadcast_like", la, len(lhs), "lhs_axes entry")
        ra = normalize_axis("broadcast_like", ra, len(rhs), "rhs_axes entry")
        if out[la] != 1:
            raise MXNetError(f"broadcast_like: axis {la} of lhs shape {lhs} has size {out[la]}; "
                             f"only axes of size 1 broadcast")
        out[la] = rhs[ra]
    return tuple(out)


register("broadcast_like", lambda inputs, aux, params, is_train, rng: (
            (jnp.broadcast_to(inputs[0], broadcast_like_shape(inputs[0].shape, inputs[1].shape,
                                                               params)),), aux),
         inputs=("lhs", "rhs"), shape_rule=output_shape_rule(broadcast_like_shape),
         dtype_rule=first_dtype_rule,
         params=(Param("lhs_axes", P.optional(P.shape), doc="axes of lhs to broadcast"),
                 Param("rhs_axes", P.optional(P.shape), doc="the axes of rhs giving their sizes")),
         doc="Broadcast lhs to the shape of rhs (or of the given axes of rhs).")


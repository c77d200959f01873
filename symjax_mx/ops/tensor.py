"""Selection and padding operators: SliceChannel, slice, slice_axis, slice_like, take,
pick, one_hot, where, clip, Pad, Crop, the sequence operators (SequenceMask,
SequenceLast, SequenceReverse) and the creation operators (_zeros, _ones, _full, _arange,
and mx.np's _npi_zeros, _npi_ones, _npi_identity, _npi_eye).

Index inputs (take's ``indices``, pick's ``index``, one_hot's ``indices``, sequence
lengths) may be float arrays as in MXNet: values truncate toward zero.
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from ..util import is_np_shape
from .elemwise import cast_scalar
from .matrix import first_dtype_rule, normalize_axis
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


def _as_index(values):
    """Integer positions from an index array (floats truncate toward zero)."""
    return values.astype(jnp.int64 if values.dtype == jnp.int64 else jnp.int32)


def _float32_scalar(value, dtype):
    """A ``float`` parameter (stored as float32 by MXNet) in ``dtype``."""
    return cast_scalar(jnp.asarray(value, jnp.float32), dtype)


# --- splitting and slicing -------------------------------------------------------------

def _split_axis(shape, params):
    axis = normalize_axis("SliceChannel", params["axis"], len(shape))
    parts, size = params["num_outputs"], shape[axis]
    if parts < 1 or size % parts:
        raise MXNetError(f"SliceChannel: cannot split axis {axis} of shape {shape} into "
                         f"num_outputs={parts} equal parts")
    if params["squeeze_axis"] and size != parts:
        raise MXNetError(f"SliceChannel: squeeze_axis needs axis {axis} of shape {shape} to "
                         f"have size num_outputs={parts}")
    return axis


def _split_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    parts = params["num_outputs"]
    if shape is None:
        return in_shapes, [None] * parts
    shape = tuple(shape)
    axis = _split_axis(shape, params)
    middle = () if params["squeeze_axis"] else (shape[axis] // parts,)
    return in_shapes, [shape[:axis] + middle + shape[axis + 1:]] * parts


def _split(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axis = _split_axis(data.shape, params)
    pieces = jnp.split(data, params["num_outputs"], axis=axis)
    if params["squeeze_axis"]:
        pieces = [jnp.squeeze(p, axis) for p in pieces]
    return tuple(pieces), aux


register("SliceChannel", _split, aliases=("split",), shape_rule=_split_shape_rule,
         outputs=lambda params: tuple(f"output{i}" for i in range(params["num_outputs"])),
         params=(Param("num_outputs", P.integer, required=True, doc="number of equal parts"),
                 Param("axis", P.integer, default=1, doc="axis to split"),
                 Param("squeeze_axis", P.boolean, default=False,
                       doc="drop the split axis (its size must equal num_outputs)")),
         doc="Split an array into num_outputs equal parts along an axis.")


def _hsplit_params(shape, params):
    """SliceChannel's parameters for mx.np.hsplit: axis 0 of a 1-d array, else ``axis``."""
    if params["indices"]:
        raise MXNetError("_npi_hsplit: only a number of equal sections is supported")
    if not shape:
        raise MXNetError("_npi_hsplit: hsplit only works on arrays of 1 or more dimensions")
    return {"num_outputs": params["sections"], "axis": 0 if len(shape) == 1 else params["axis"],
            "squeeze_axis": params["squeeze_axis"]}


def _hsplit_shape_rule(op, params, in_shapes):
    (shape,) = in_shapes
    if shape is None:
        return in_shapes, [None] * params["sections"]
    return _split_shape_rule(op, _hsplit_params(tuple(shape), params), in_shapes)


register("_npi_hsplit", lambda inputs, aux, params, is_train, rng: _split(
            inputs, aux, _hsplit_params(inputs[0].shape, params), is_train, rng),
         shape_rule=_hsplit_shape_rule,
         outputs=lambda params: tuple(f"output{i}" for i in range(params["sections"])),
         params=(Param("sections", P.integer, required=True, doc="number of equal parts"),
                 Param("indices", P.shape, default=(), doc="split points (unsupported)"),
                 Param("axis", P.integer, default=1, doc="axis to split (0 for 1-d data)"),
                 Param("squeeze_axis", P.boolean, default=False,
                       doc="drop the split axis (its size must equal sections)")),
         doc="mx.np.hsplit: equal parts along axis 1, or axis 0 of a 1-d array.")


def _optional_ints(value):
    """A tuple of integers and None entries, as slice's begin/end/step: "(None, 2)"."""
    value = P._literal(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)) or not all(
            v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool))
            for v in value):
        raise ValueError(f"expected a tuple of integers or None, got {value!r}")
    return tuple(None if v is None else int(v) for v in value)


def _slices(shape, params):
    begin, end, step = params["begin"], params["end"], params["step"]
    step = step or (None,) * len(begin)
    if len(end) != len(begin) or len(step) != len(begin):
        raise MXNetError(f"slice: begin {begin}, end {end} and step {params['step']} must "
                         f"have the same length")
    if len(begin) > len(shape):
        raise MXNetError(f"slice: begin {begin} has more entries than the array of shape "
                         f"{shape} has dims")
    if 0 in step:
        raise MXNetError(f"slice: step {step} has a zero entry")
    return tuple(slice(b, e, s) for b, e, s in zip(begin, end, step))


def _sliced_shape(shape, params):
    slices = _slices(shape, params)
    return tuple(len(range(*s.indices(d))) for s, d in zip(slices, shape)) + shape[len(slices):]


def _slice_partial_shape(op, params, shapes):
    """MXNet's rule for partly known data: a sliced axis of unknown size (-1) stays
    unknown, whatever begin and end say."""
    (shape,) = shapes
    if shape is None:
        return shapes, [None]
    slices = _slices(shape, params)
    return shapes, [tuple(d if d == -1 else len(range(*s.indices(d)))
                          for s, d in zip(slices, shape)) + tuple(shape[len(slices):])]


register("slice", lambda inputs, aux, params, is_train, rng: (
            (inputs[0][_slices(inputs[0].shape, params)],), aux),
         aliases=("crop",), shape_rule=output_shape_rule(_sliced_shape),
         partial_shape_rule=_slice_partial_shape,
         params=(Param("begin", _optional_ints, required=True, doc="first index per axis"),
                 Param("end", _optional_ints, required=True, doc="end index per axis"),
                 Param("step", _optional_ints, default=(), doc="step per axis")),
         doc="Slice the leading axes like Python's a[b0:e0:s0, b1:e1:s1, ...].")


_SLICE_PARAMS = (Param("begin", _optional_ints, required=True, doc="first index per axis"),
                 Param("end", _optional_ints, required=True, doc="end index per axis"),
                 Param("step", _optional_ints, default=(), doc="step per axis"))


def _slice_assign_shape_rule(op, params, shapes):
    lhs, rhs = shapes
    if lhs is not None and rhs is not None and tuple(rhs) != _sliced_shape(tuple(lhs), params):
        raise MXNetError(f"{op.name}: rhs has shape {tuple(rhs)}, but the slice of lhs "
                         f"{tuple(lhs)} has shape {_sliced_shape(tuple(lhs), params)}")
    return shapes, [lhs]


register("_slice_assign", lambda inputs, aux, params, is_train, rng: (
            (inputs[0].at[_slices(inputs[0].shape, params)].set(
                inputs[1].astype(inputs[0].dtype)),), aux),
         aliases=("_crop_assign",), inputs=("lhs", "rhs"), shape_rule=_slice_assign_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]), params=_SLICE_PARAMS,
         doc="lhs with its slice [begin:end:step] replaced by rhs.")
register("_slice_assign_scalar", lambda inputs, aux, params, is_train, rng: (
            (inputs[0].at[_slices(inputs[0].shape, params)].set(
                jnp.asarray(params["scalar"], inputs[0].dtype)),), aux),
         aliases=("_crop_assign_scalar",),
         params=(Param("scalar", P.number, default=0.0, doc="the value to assign"),)
         + _SLICE_PARAMS,
         doc="data with its slice [begin:end:step] set to scalar.")


def _slice_axis_range(shape, params):
    axis = normalize_axis("slice_axis", params["axis"], len(shape))
    size, begin, end = shape[axis], params["begin"], params["end"]
    first = begin + size if begin < 0 else begin
    last = size if end is None else end + size if end < 0 else end
    if not 0 <= first < last <= size:
        raise MXNetError(f"slice_axis: begin={begin}, end={end} is not a non-empty range of "
                         f"axis {axis} (size {size}) of shape {shape}")
    return axis, first, last


def _slice_axis_shape(shape, params):
    axis, first, last = _slice_axis_range(shape, params)
    return shape[:axis] + (last - first,) + shape[axis + 1:]


def _slice_axis(inputs, aux, params, is_train, rng):
    axis, first, last = _slice_axis_range(inputs[0].shape, params)
    return (lax.slice_in_dim(inputs[0], first, last, axis=axis),), aux


def _slice_axis_partial_shape(op, params, shapes):
    """As slice's: the sliced axis stays unknown (-1) when its size is."""
    (shape,) = shapes
    if shape is None:
        return shapes, [None]
    axis = normalize_axis("slice_axis", params["axis"], len(shape))
    if shape[axis] == -1:
        return shapes, [tuple(shape)]
    return shapes, [_slice_axis_shape(tuple(shape), params)]


register("slice_axis", _slice_axis, shape_rule=output_shape_rule(_slice_axis_shape),
         partial_shape_rule=_slice_axis_partial_shape,
         params=(Param("axis", P.integer, required=True, doc="axis to slice"),
                 Param("begin", P.integer, required=True, doc="first index"),
                 Param("end", P.optional(P.integer), doc="end index; None: the axis end")),
         doc="Slice one axis from begin to end (negative values count from the end).")


def slice_like_shape(shape, like, params):
    """data's shape cut to shape_like's sizes on ``params["axes"]`` (all axes when empty)."""
    axes = params["axes"]
    if not axes:
        if len(shape) != len(like):
            raise MXNetError(f"slice_like: data of shape {shape} and shape_like of shape {like} "
                             f"differ in their number of dims; give axes")
        axes = range(len(shape))
    out = list(shape)
    for a in axes:
        axis = normalize_axis("slice_like", a, len(shape), "axes entry")
        if axis >= len(like):
            raise MXNetError(f"slice_like: axis {a} is out of range for shape_like of shape "
                             f"{like}")
        if like[axis] > shape[axis]:
            raise MXNetError(f"slice_like: cannot cut axis {axis} of data shape {shape} to "
                             f"size {like[axis]} of shape_like {like}")
        out[axis] = like[axis]
    return tuple(out)


def _slice_like(inputs, aux, params, is_train, rng):
    data, like = inputs
    out = slice_like_shape(data.shape, like.shape, params)
    return (data[tuple(slice(0, d) for d in out)],), aux


register("slice_like", _slice_like, inputs=("data", "shape_like"),
         shape_rule=output_shape_rule(slice_like_shape), dtype_rule=first_dtype_rule,
         params=(Param("axes", P.shape, default=(), doc="axes to cut; empty: all"),),
         doc="Cut data to the shape of shape_like, from the start of each axis.")


# --- indexing --------------------------------------------------------------------------

def _checked_in_range(op_name, values, size):
    """``values`` after a host-side check that each lies in [0, size - 1]."""
    def check(host):
        host = np.asarray(host)
        if host.size and (host.min() < 0 or host.max() > size - 1):
            raise MXNetError(f"{op_name}: index {host.min() if host.min() < 0 else host.max()} "
                             f"is out of bounds [0, {size - 1}] with mode='raise'")
        return host
    values = lax.stop_gradient(values)
    return jax.pure_callback(check, jax.ShapeDtypeStruct(values.shape, values.dtype), values,
                             vmap_method="broadcast_all")


def _bounded_index(op_name, values, size, mode):
    """Positions in [0, size) from index values under mode clip, wrap or raise."""
    if mode == "raise":
        values = _checked_in_range(op_name, values, size)
    index = _as_index(values)
    if mode == "wrap":
        return jnp.mod(index, size)
    return jnp.clip(index, 0, size - 1)


def _taken_shape(data, indices, params):
    axis = normalize_axis("take", params["axis"], len(data))
    return data[:axis] + indices + data[axis + 1:]


def _take(inputs, aux, params, is_train, rng):
    data, indices = inputs
    axis = normalize_axis("take", params["axis"], data.ndim)
    index = _bounded_index("take", indices, data.shape[axis], params["mode"])
    return (jnp.take(data, index, axis=axis, mode="clip"),), aux


register("take", _take, inputs=("a", "indices"), shape_rule=output_shape_rule(_taken_shape),
         dtype_rule=first_dtype_rule,
         params=(Param("axis", P.integer, default=0, doc="axis to take from"),
                 Param("mode", P.choice("clip", "raise", "wrap"), default="clip",
                       doc="out-of-range indices: clip, wrap around, or raise an error")),
         doc="Take slices along an axis at the given indices.")


def _pick_shapes(shape, params):
    """(axis, the index shape with the axis kept as 1, the output shape)."""
    if params["axis"] is None:
        raise MXNetError("pick: axis=None is not supported; give an axis")
    axis = normalize_axis("pick", params["axis"], len(shape))
    kept = shape[:axis] + (1,) + shape[axis + 1:]
    return axis, kept, kept if params["keepdims"] else shape[:axis] + shape[axis + 1:] or (1,)


def _pick_shape_rule(op, params, in_shapes):
    data, index = in_shapes
    if data is None:
        return in_shapes, [None]
    data = tuple(data)
    axis, kept, out = _pick_shapes(data, params)
    reduced = data[:axis] + data[axis + 1:] or (1,)
    if index is None:
        index = out
    elif tuple(index) != (kept if len(index) == len(data) else reduced):
        raise MXNetError(f"pick: index has shape {tuple(index)}, but data of shape {data} "
                         f"needs {reduced} or {kept} (axis {axis})")
    return [data, index], [out]


def _pick(inputs, aux, params, is_train, rng):
    data, index = inputs
    axis, kept, out = _pick_shapes(data.shape, params)
    index = _bounded_index("pick", index, data.shape[axis], params["mode"]).reshape(kept)
    return (jnp.take_along_axis(data, index, axis=axis).reshape(out),), aux


register("pick", _pick, aliases=("choose_element_0index",), inputs=("data", "index"),
         shape_rule=_pick_shape_rule, dtype_rule=first_dtype_rule,
         params=(Param("axis", P.optional(P.integer), default=-1, doc="axis to pick along"),
                 Param("keepdims", P.boolean, default=False, doc="keep the axis with size 1"),
                 Param("mode", P.choice("clip", "wrap"), default="clip",
                       doc="out-of-range indices: clip or wrap around")),
         doc="Pick one element along an axis at each position, by index.")

_ONE_HOT_DTYPES = ("float16", "float32", "float64", "int32", "int64", "int8", "uint8")


def _one_hot_dtype(value):
    name = P.dtype(value)
    if name not in _ONE_HOT_DTYPES:
        raise ValueError(f"expected one of {list(_ONE_HOT_DTYPES)}, got {name!r}")
    return name


def _one_hot_shape(shape, params):
    if params["depth"] < 0:
        raise MXNetError(f"one_hot: depth must be non-negative, got {params['depth']}")
    return shape + (params["depth"],)


def _one_hot(indices, depth, on_value, off_value, dtype):
    dtype = np.dtype(dtype)
    hot = _as_index(indices)[..., None] == jnp.arange(depth)
    return jnp.where(hot, cast_scalar(on_value, dtype), cast_scalar(off_value, dtype))


register("one_hot", simple_compute(_one_hot), inputs=("indices",), differentiable=False,
         shape_rule=output_shape_rule(_one_hot_shape),
         dtype_rule=lambda op, params, in_dtypes: (in_dtypes, [np.dtype(params["dtype"]).type]),
         params=(Param("depth", P.integer, required=True, doc="length of the one-hot axis"),
                 Param("on_value", P.number, default=1.0, traced=True, doc="value at the index"),
                 Param("off_value", P.number, default=0.0, traced=True, doc="value elsewhere"),
                 Param("dtype", _one_hot_dtype, default="float32", doc="output dtype")),
         doc="One-hot encode indices along a new last axis (out-of-range rows are all off).")


def _where_shape_rule(op, params, in_shapes):
    cond, x, y = in_shapes
    if cond is None:  # MXNet infers nothing until the condition's shape is known
        return list(in_shapes), [None]
    x = y if x is None else tuple(x)
    y = x if y is None else tuple(y)
    if x != y:
        raise MXNetError(f"where: x has shape {x} and y has shape {y}; they must match")
    if cond is not None and x is not None:
        cond = tuple(cond)
        if cond != x and not (len(cond) == 1 and x and cond[0] == x[0]):
            raise MXNetError(f"where: condition has shape {cond}; it must be x's shape {x} "
                             f"or ({x[0] if x else ''},)")
    return [cond, x, y], [x]


def _where_dtype_rule(op, params, in_dtypes):
    cond, x, y = in_dtypes
    x = y if x is None else x
    y = x if y is None else y
    if x is not None and np.dtype(x) != np.dtype(y):
        raise MXNetError(f"where: x is {np.dtype(x).name} and y is {np.dtype(y).name}; they "
                         f"must share one dtype")
    return [cond, x, y], [x]


def _where(cond, x, y):
    cond = cond != 0
    return jnp.where(cond.reshape(cond.shape + (1,) * (x.ndim - cond.ndim)), x, y)


register("where", simple_compute(_where), inputs=("condition", "x", "y"),
         shape_rule=_where_shape_rule, dtype_rule=_where_dtype_rule, needs_known_shapes=(0,),
         doc="x where condition is nonzero, else y; a 1-D condition selects rows of x and y.")


def _clip(data, a_min, a_max):
    low, high = _float32_scalar(a_min, data.dtype), _float32_scalar(a_max, data.dtype)
    return jnp.where(data > high, high, jnp.where(data < low, low, data))


register("clip", simple_compute(_clip),
         params=(Param("a_min", P.number, required=True, traced=True, doc="lower bound"),
                 Param("a_max", P.number, required=True, traced=True, doc="upper bound")),
         doc="Limit values to [a_min, a_max]; the gradient passes inside the bounds only.")


# --- padding and cropping --------------------------------------------------------------

def _pad_pairs(shape, params):
    width, ndim = params["pad_width"], len(shape)
    if ndim not in (4, 5):
        raise MXNetError(f"Pad: only 4-D and 5-D inputs are supported, got shape {shape}")
    if len(width) != 2 * ndim:
        raise MXNetError(f"Pad: pad_width {width} needs {2 * ndim} entries (two per axis) for "
                         f"an input of shape {shape}")
    if any(width[:4]) or min(width) < 0:
        raise MXNetError(f"Pad: pad_width {width} must start with four zeros (the batch and "
                         f"channel axes are not padded) and have no negative entry")
    pairs = tuple(zip(width[::2], width[1::2]))
    if params["mode"] == "reflect" and any(max(p) >= d for p, d in zip(pairs, shape)):
        raise MXNetError(f"Pad: reflect padding must be smaller than each axis: pad_width "
                         f"{width}, shape {shape}")
    return pairs


def _padded_shape(shape, params):
    return tuple(d + lo + hi for d, (lo, hi) in zip(shape, _pad_pairs(shape, params)))


def _pad(data, mode, pad_width, constant_value):
    pairs = _pad_pairs(data.shape, {"mode": mode, "pad_width": pad_width})
    if mode == "constant":
        return jnp.pad(data, pairs, constant_values=cast_scalar(constant_value, data.dtype))
    return jnp.pad(data, pairs, mode=mode)


register("Pad", simple_compute(_pad), aliases=("pad",), shape_rule=output_shape_rule(_padded_shape),
         params=(Param("mode", P.choice("constant", "edge", "reflect"), required=True,
                       doc="constant value, repeated edge, or reflection"),
                 Param("pad_width", P.shape, required=True,
                       doc="(before, after) per axis; the first four entries are 0"),
                 Param("constant_value", P.number, default=0.0, traced=True,
                       doc="fill value for mode constant")),
         doc="Pad the spatial axes of a 4-D or 5-D array.")


def _pair(name, value):
    if len(value) != 2:
        raise MXNetError(f"Crop: {name} must have two entries (height, width), got {value}")
    return value


def _crop_window(data, like, params):
    """(top, left, height, width) of the window Crop cuts from data of shape ``data``."""
    if params["num_args"] not in (1, 2):
        raise MXNetError(f"Crop: num_args must be 1 (crop to h_w) or 2 (crop like the second "
                         f"input), got {params['num_args']}")
    if len(data) != 4:
        raise MXNetError(f"Crop: data must be 4-D (batch, channel, height, width), got {data}")
    if like is None:
        height, width = _pair("h_w", params["h_w"])
    elif len(like) != 4:
        raise MXNetError(f"Crop: the input to crop like must be 4-D, got shape {like}")
    else:
        height, width = like[2:]
    if not (1 <= height <= data[2] and 1 <= width <= data[3]):
        raise MXNetError(f"Crop: cannot cut a {height}x{width} window from data of shape {data}")
    if params["center_crop"]:
        return (data[2] - height) // 2, (data[3] - width) // 2, height, width
    top, left = _pair("offset", params["offset"])
    if top < 0 or left < 0 or top + height > data[2] or left + width > data[3]:
        raise MXNetError(f"Crop: offset {params['offset']} puts the {height}x{width} window "
                         f"outside data of shape {data}")
    return top, left, height, width


def _crop_shape_rule(op, params, in_shapes):
    if any(s is None for s in in_shapes):
        return in_shapes, [None]
    like = tuple(in_shapes[1]) if len(in_shapes) > 1 else None
    data = tuple(in_shapes[0])
    _, _, height, width = _crop_window(data, like, params)
    return in_shapes, [data[:2] + (height, width)]


def _crop(inputs, aux, params, is_train, rng):
    data = inputs[0]
    like = inputs[1].shape if len(inputs) > 1 else None
    top, left, height, width = _crop_window(data.shape, like, params)
    return (data[:, :, top:top + height, left:left + width],), aux


register("Crop", _crop, inputs=lambda params: tuple(f"arg{i}" for i in range(params["num_args"])),
         shape_rule=_crop_shape_rule, dtype_rule=first_dtype_rule,
         params=(Param("num_args", P.integer, required=True,
                       doc="1: crop to h_w; 2: crop to the second input's height and width"),
                 Param("offset", P.shape, default=(0, 0), doc="(top, left) of the window"),
                 Param("h_w", P.shape, default=(0, 0), doc="(height, width) of the window"),
                 Param("center_crop", P.boolean, default=False, doc="center the window")),
         doc="Cut a height x width window from the last two axes of a 4-D array.")


# --- sequences -------------------------------------------------------------------------

def _sequence_inputs(params):
    return ("data", "sequence_length") if params["use_sequence_length"] else ("data",)


def _sequence_axis(op_name, shape, axis, allowed):
    if len(shape) < 2:
        raise MXNetError(f"{op_name}: data must have at least 2 dims, got shape {shape}")
    if axis not in allowed:
        raise MXNetError(f"{op_name}: axis must be {' or '.join(map(str, allowed))}, got {axis}")
    return axis


def _sequence_shape_rule(allowed, out_shape):
    def rule(op, params, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None]
        data = tuple(data)
        axis = _sequence_axis(op.name, data, params["axis"], allowed)
        if params["use_sequence_length"]:
            batch = (data[1 - axis],)
            if in_shapes[1] is None:
                in_shapes = [data, batch]
            elif tuple(in_shapes[1]) != batch:
                raise MXNetError(f"{op.name}: sequence_length has shape {tuple(in_shapes[1])}, "
                                 f"but data of shape {data} needs {batch}")
        return in_shapes, [out_shape(data, axis)]
    return rule


def _sequence_dtype_rule(op, params, in_dtypes):
    if len(in_dtypes) == 2 and in_dtypes[1] is None:
        in_dtypes = [in_dtypes[0], in_dtypes[0]]
    return in_dtypes, [in_dtypes[0]]


def _sequence_params(*extra):
    return (Param("use_sequence_length", P.boolean, default=False,
                  doc="take per-sequence lengths from the sequence_length input"),
            *extra,
            Param("axis", P.integer, default=0, doc="the time axis"))


def _register_sequence(name, compute, allowed, out_shape, extra_params=(), doc=""):
    def run(inputs, aux, params, is_train, rng):
        data = inputs[0]
        _sequence_axis(name, data.shape, params["axis"], allowed)
        return (compute(data, inputs[1] if len(inputs) > 1 else None, params),), aux
    register(name, run, inputs=_sequence_inputs,
             shape_rule=_sequence_shape_rule(allowed, out_shape),
             dtype_rule=_sequence_dtype_rule, params=_sequence_params(*extra_params), doc=doc)


def _sequence_mask(data, lengths, params):
    if lengths is None:
        return data
    axis = params["axis"]
    mask = jnp.arange(data.shape[axis])[:, None] < _as_index(lengths)[None, :]
    mask = mask if axis == 0 else mask.T
    mask = mask.reshape(mask.shape + (1,) * (data.ndim - 2))
    return jnp.where(mask, data, _float32_scalar(params["value"], data.dtype))


def _sequence_last(data, lengths, params):
    axis, steps = params["axis"], data.shape[params["axis"]]
    if lengths is None:
        return lax.index_in_dim(data, steps - 1, axis, keepdims=False)
    last = jnp.clip(_as_index(lengths) - 1, 0, steps - 1)
    return jnp.moveaxis(data, axis, 0)[last, jnp.arange(last.shape[0])]


def _sequence_reverse(data, lengths, params):
    if lengths is None:
        return jnp.flip(data, 0)
    steps = data.shape[0]
    lengths = jnp.clip(_as_index(lengths), 0, steps)[None, :]
    t = jnp.arange(steps)[:, None]
    source = jnp.where(t < lengths, lengths - 1 - t, t)
    return data[source, jnp.arange(data.shape[1])[None, :]]


_register_sequence(
    "SequenceMask", _sequence_mask, (0, 1), lambda shape, axis: shape,
    (Param("value", P.number, default=0.0, traced=True, doc="value for masked steps"),),
    doc="Set the steps past each sequence's length to value (time axis 0 or 1).")
_register_sequence(
    "SequenceLast", _sequence_last, (0, 1), lambda shape, axis: shape[:axis] + shape[axis + 1:],
    doc="The last step of each sequence (time axis 0 or 1).")
_register_sequence(
    "SequenceReverse", _sequence_reverse, (0,), lambda shape, axis: shape,
    doc="Reverse the first length steps of each sequence (time axis 0).")


# --- constant-filled arrays (_zeros, _ones, _full, _npi_zeros, _npi_ones, _npi_identity) ----

def _filled_shape_rule(op, params, shapes):
    shape = params["shape"]
    if is_np_shape():  # () is 0-d and a 0 size is empty, as MXNet's InitShape reads them
        return shapes, [shape]
    # legacy: () and a 0 size are unknown (-1 inside inference), settled by the consumers
    return shapes, [tuple(-1 if d == 0 else d for d in shape) or None]


def _dtype_param_rule(op, params, dtypes):
    return dtypes, [np.dtype(params["dtype"]).type]


def _filled(value_of):
    def compute(inputs, aux, params, is_train, rng):
        shape = params["shape"]
        if 0 in shape and not is_np_shape():
            raise MXNetError(f"shape {shape} has unknown (0) sizes; give the full shape")
        return (jnp.full(shape, value_of(params), params["dtype"]),), aux
    return compute


def _identity(inputs, aux, params, is_train, rng):
    shape = params["shape"]
    if len(shape) != 2 or shape[0] != shape[1]:
        raise MXNetError(f"_npi_identity: shape must be square (n, n), got {shape}")
    return (jnp.eye(shape[0], dtype=params["dtype"]),), aux


_FILL_PARAMS = (Param("shape", P.shape, default=(), doc="output shape (0 = inferred)"),
                Param("ctx", P.context, default="", doc="MXNet's context attribute"),
                Param("dtype", P.dtype, default="float32", doc="output dtype"))

for _name, _compute, _extra, _aliases, _what in (
        ("_zeros", _filled(lambda p: 0), (), (), "zeros"),
        ("_ones", _filled(lambda p: 1), (), (), "ones"),
        ("_full", _filled(lambda p: p["value"]),
         (Param("value", P.number, required=True, doc="the fill value"),), ("_npi_full",),
         "value"),
        ("_npi_zeros", _filled(lambda p: 0), (), (), "zeros (mx.np.zeros)"),
        ("_npi_ones", _filled(lambda p: 1), (), (), "ones (mx.np.ones)"),
        ("_npi_identity", _identity, (), (), "the identity matrix (mx.np.identity)")):
    register(_name, _compute, inputs=(), params=_FILL_PARAMS + _extra, aliases=_aliases,
             shape_rule=_filled_shape_rule, dtype_rule=_dtype_param_rule,
             doc=f"An array of the given shape filled by {_what}.")


def _eye_shape(params):
    return params["N"], params["N"] if params["M"] is None else params["M"]


register("_npi_eye",
         lambda inputs, aux, p, is_train, rng: (
             (jnp.eye(*_eye_shape(p), p["k"], dtype=p["dtype"]),), aux),
         inputs=(), shape_rule=lambda op, p, s: (s, [_eye_shape(p)]),
         dtype_rule=_dtype_param_rule,
         params=(Param("N", P.integer_at_least(0), required=True, doc="rows"),
                 Param("M", P.optional(P.integer_at_least(0)), doc="columns (None: N)"),
                 Param("k", P.integer, default=0, doc="the diagonal of ones (0: main)"),
                 Param("ctx", P.context, default="", doc="MXNet's context attribute"),
                 Param("dtype", P.dtype_in("float16", "float32", "float64", "int8", "uint8",
                                           "int32", "int64"),
                       default="float32", doc="output dtype (not bool)")),
         doc="A 2-D array with ones on diagonal k, zeros elsewhere (mx.np.eye).")


# --- _arange ---------------------------------------------------------------------------------

def _arange_plan(params):
    """(start, step, count) of an _arange; integer dtypes cast start and step first."""
    start, stop, step = params["start"], params["stop"], params["step"]
    if stop is None:
        if params["infer_range"]:
            raise MXNetError("_arange: infer_range (a stop taken from the consumers) is not "
                             "supported; give stop")
        start, stop = 0.0, start
    if step == 0:
        raise MXNetError("_arange: step must not be 0")
    count = max(int(np.ceil((stop - start) / step)), 0)
    if np.issubdtype(np.dtype(params["dtype"]), np.integer):
        start, step = int(start), int(step)
    return start, step, count


def _arange(inputs, aux, params, is_train, rng):
    start, step, count = _arange_plan(params)
    values = jnp.asarray(start + np.arange(count) * step, params["dtype"])
    return (jnp.repeat(values, params["repeat"]),), aux


register("_arange", _arange, inputs=(),
         shape_rule=lambda op, p, s: (s, [(_arange_plan(p)[2] * p["repeat"],)]),
         dtype_rule=_dtype_param_rule,
         params=(Param("start", P.number, required=True, doc="first value (stop if no stop)"),
                 Param("stop", P.optional(P.number), doc="end of the range (excluded)"),
                 Param("step", P.number, default=1.0, doc="spacing of the values"),
                 Param("repeat", P.integer_at_least(1), default=1, doc="copies of each value"),
                 Param("infer_range", P.boolean, default=False,
                       doc="take stop from the consumers (not supported)"),
                 Param("ctx", P.context, default="", doc="MXNet's context attribute"),
                 Param("dtype", P.dtype, default="float32", doc="output dtype")),
         doc="Evenly spaced values in [start, stop), each repeated repeat times.")

"""Index parsing for NDArray: which keys select a contiguous view, and the copy paths.

MXNet 1.9.1 returns a view exactly when the selected region is one contiguous span of
the flattened array (``a[1]``, ``a[1:3]``, ``a[0, 1:3]``), and a copy otherwise.
"""
import math
from functools import partial
import numbers

import jax
import jax.numpy as jnp
import numpy as np

from .. import x64
from ..ops.gather import index_key


def _is_basic_item(item):
    return item is None or item is Ellipsis or isinstance(item, (slice, numbers.Integral))


def expand_basic(shape, key):
    """Normalise a basic key to one (start, stop, step) or int per axis, plus new axes.

    Returns (per-axis items, positions of new axes in the result) or None when the key
    uses advanced (array) indexing.
    """
    if not isinstance(key, tuple):
        key = (key,)
    if not all(_is_basic_item(k) and not isinstance(k, (bool, np.bool_)) for k in key):
        return None
    key = _expand_ellipsis(shape, key)
    items, new_axes, axis = [], [], 0
    for k in key:
        if k is None:
            new_axes.append(sum(1 for i in items if not isinstance(i, int)) + len(new_axes))
            continue
        dim = shape[axis]
        if isinstance(k, slice):
            items.append(k.indices(dim))
        else:
            k = int(k)
            if not -dim <= k < dim:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {dim}")
            items.append(k % dim)
        axis += 1
    return items, new_axes


def _expand_ellipsis(shape, key):
    """The key with its Ellipsis (or a missing tail) replaced by whole-axis slices."""
    ellipses = [i for i, k in enumerate(key) if k is Ellipsis]
    if len(ellipses) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > len(shape):
        raise IndexError(f"too many indices for an array of shape {shape}: {len(key)} given")
    fill = (slice(None),) * (len(shape) - used)
    if ellipses:
        at = ellipses[0]
        return key[:at] + fill + key[at + 1:]
    return key + fill


def _length(item):
    if isinstance(item, int):
        return 1
    return len(range(*item))


def basic_result_shape(items, new_axes):
    """The shape a basic key gives; MXNet 1.x has no 0-d results, so () becomes (1,)."""
    shape = [_length(i) for i in items if not isinstance(i, int)]
    for position in new_axes:
        shape.insert(position, 1)
    return tuple(shape) if shape else (1,)


def contiguous_span(shape, items):
    """(begin, end) in the flattened array if the selection is contiguous, else None."""
    lengths = [_length(i) for i in items]
    if 0 in lengths:
        return 0, 0
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    begin = sum((i if isinstance(i, int) else i[0]) * s for i, s in zip(items, strides))
    # Axes before the first one selecting more than one element, and all axes after it
    # being whole, make one span.
    multi = [a for a, n in enumerate(lengths) if n > 1]
    if multi:
        first = multi[0]
        if items[first][2] != 1:
            return None
        if any(lengths[a] != shape[a] or (lengths[a] > 1 and items[a][2] != 1)
               for a in range(first + 1, len(shape))):  # whole axes, in order
            return None
    return begin, begin + math.prod(lengths)


def drop_leading_ones(value, ndim):
    """``value`` without leading size-1 axes beyond ``ndim`` axes (as numpy's setitem
    accepts a (1, 1, 9) value for a (4, 9) selection)."""
    shape = getattr(value, "shape", ())
    extra = 0
    while len(shape) - extra > ndim and shape[extra] == 1:
        extra += 1
    return value.reshape(shape[extra:]) if extra else value


def check_assignable(value_shape, target_shape):
    """ValueError unless a value of ``value_shape`` broadcasts to ``target_shape``."""
    try:
        fits = np.broadcast_shapes(tuple(value_shape), tuple(target_shape)) == tuple(target_shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"cannot assign a value of shape {tuple(value_shape)} to a selection "
                         f"of shape {tuple(target_shape)}")


def split_key(shape, key, to_index_array):
    """Split an index into a hashable template and its index arrays (runtime arguments).

    ``to_index_array`` turns an NDArray, list or numpy array into an integer array;
    numpy results are bounds-checked here (JAX would clamp them silently).
    """
    if not isinstance(key, tuple):
        key = (key,)
    key = _expand_ellipsis(shape, key)
    template, arrays, axis = [], [], 0
    for k in key:
        if k is None:
            template.append(None)
            continue
        if isinstance(k, slice):
            template.append(("slice", k.start, k.stop, k.step))
        elif isinstance(k, numbers.Integral) and not isinstance(k, (bool, np.bool_)):
            template.append(int(k))
        else:
            index = to_index_array(k)
            if isinstance(index, np.ndarray) and index.size and not (
                    -shape[axis] <= index.min() and index.max() < shape[axis]):
                bad = index.max() if index.max() >= shape[axis] else index.min()
                raise IndexError(f"index {bad} is out of bounds for axis {axis} with size "
                                 f"{shape[axis]}")
            template.append(("array", len(arrays)))
            arrays.append(index)
        axis += 1
    return tuple(template), arrays


@partial(x64.jit, static_argnums=(1,))
def scatter(data, template, arrays, value):
    """``data`` with ``data[key] = value`` (value broadcast and cast to data's dtype)."""
    key = index_key(template, arrays)
    target_shape = jax.eval_shape(lambda d: d[key], data).shape
    value = drop_leading_ones(jnp.asarray(value), len(target_shape))
    check_assignable(value.shape, target_shape)
    return data.at[key].set(jnp.broadcast_to(value, target_shape).astype(data.dtype))


@partial(x64.jit, static_argnums=(2,))
def read_span(flat_source, begin, shape):
    """The span [begin, begin + size(shape)) of a flattened buffer, reshaped."""
    flat = flat_source.reshape(-1)
    size = math.prod(shape)
    return jax.lax.dynamic_slice(flat, (begin,), (size,)).reshape(shape)


@partial(x64.jit, static_argnums=(3,))
def write_span(buffer, begin, value, shape):
    """``buffer`` with the span starting at ``begin`` set to ``value`` broadcast to ``shape``."""
    flat = buffer.reshape(-1)
    value = jnp.broadcast_to(jnp.asarray(value).astype(buffer.dtype), shape).reshape(-1)
    flat = jax.lax.dynamic_update_slice(flat, value, (begin,))
    return flat.reshape(buffer.shape)


@x64.x64
def whole_span(value, shape, dtype, buffer_shape):
    """A ``buffer_shape`` buffer of ``dtype`` holding ``value`` broadcast to ``shape``: what
    ``write_span`` gives where the span is the whole buffer (its old value unread)."""
    return jnp.broadcast_to(jnp.asarray(value).astype(dtype), shape).reshape(buffer_shape)

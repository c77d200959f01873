"""Writing ones into arrays, as MXNet's forward does with a ``fix_gamma`` BatchNorm's gamma."""
import functools
import weakref

import numpy as np

from .. import x64

__all__ = ["write_ones"]

_ONES_WRITTEN = {}  # id(NDArray) -> (weak reference to it, to the buffer of ones written)


def _forget_ones(key, _):
    _ONES_WRITTEN.pop(key, None)


def write_ones(arrays):
    """Set ``arrays`` to 1, as MXNet's forward does with a fix_gamma BatchNorm's gamma
    (imperative calls and executors alike; skipping those that still hold the ones
    written last)."""
    for array in arrays:
        entry = _ONES_WRITTEN.get(id(array))
        if entry is not None and entry[0]() is array and entry[1]() is array._read():
            continue
        ones = x64.device_put(np.ones(array.shape, array.dtype), array._ctx.jax_device)
        array._write(ones)
        key = id(array)
        _ONES_WRITTEN[key] = (weakref.ref(array, functools.partial(_forget_ones, key)),
                              weakref.ref(array._read()))

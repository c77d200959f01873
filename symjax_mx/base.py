"""Errors and dtype rules shared by every layer."""
import numpy as np


class MXNetError(Exception):
    """Error raised by symjax_mx for invalid input or failed operations."""


# The dtypes MXNet 1.9.1 supports, by name; float32 is MXNet's default (mx_real_t).
_DTYPES = {
    np.dtype(name): np.dtype(name).type
    for name in ("float16", "float32", "float64", "uint8", "int8", "int32", "int64", "bool")
}
mx_real_t = np.float32


def normalize_dtype(dtype, default=mx_real_t):
    """The numpy type object (np.float32, ...) for a dtype given by name, type or np.dtype.

    Raises TypeError for something that is not a dtype, as numpy (and MXNet) do, and
    MXNetError for a dtype MXNet has no support for.
    """
    if dtype is None:
        return default
    np_dtype = np.dtype(dtype)
    try:
        return _DTYPES[np_dtype]
    except KeyError:
        names = ", ".join(sorted(d.name for d in _DTYPES))
        raise MXNetError(f"dtype {np_dtype.name} is not supported; use one of: {names}") from None


def normalize_shape(shape):
    """A shape tuple from an int or a sequence of ints; negative sizes are an error."""
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise MXNetError(f"shape must be an int or a tuple of ints, got {shape!r}") from None
    if any(d < 0 for d in shape):
        raise MXNetError(f"shape {shape} has a negative dimension")
    return shape


# --- helpers MXNet's tests import from mxnet.base (confops; merge with confcore's) ---
def py_str(value):
    """A str from bytes (UTF-8) or a str."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _as_list(obj):
    """``obj`` if it is a list or tuple, else ``[obj]``."""
    return obj if isinstance(obj, (list, tuple)) else [obj]

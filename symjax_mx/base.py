"""Errors, dtype rules and MXNet's small public helpers (mxnet.base) shared by every layer."""
import os
import platform

import numpy as np


class MXNetError(RuntimeError):
    """Error raised by symjax_mx for invalid input or failed operations (a RuntimeError,
    as MXNet's is)."""


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


# MXNet's public helpers of mxnet.base that user code imports.
integer_types = (int, np.int32, np.int64)
numeric_types = (float, int, np.generic)
string_types = (str,)


def py_str(raw):
    """A Python str from UTF-8 bytes (as C libraries return them) or a str."""
    return raw.decode("utf-8") if isinstance(raw, (bytes, bytearray)) else raw


def c_str(text):
    """UTF-8 bytes of a Python str, as C libraries take them."""
    return text.encode("utf-8")


def data_dir_default():
    """The default folder for downloaded data: %APPDATA%/mxnet on Windows, else ~/.mxnet."""
    if platform.system() == "Windows":
        return os.path.join(os.environ.get("APPDATA"), "mxnet")
    return os.path.join(os.path.expanduser("~"), ".mxnet")


def data_dir():
    """The folder for downloaded data and models: $MXNET_HOME, else the default."""
    return os.getenv("MXNET_HOME", data_dir_default())


def _as_list(obj):
    """``obj`` itself if it is a list or tuple, else ``[obj]``."""
    return obj if isinstance(obj, (list, tuple)) else [obj]


class NotImplementedForSymbol(MXNetError):
    """An NDArray function that has no Symbol counterpart was called on a Symbol."""

    def __init__(self, function, alias=None, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self):
        msg = f"Function {self.function}"
        if self.alias:
            msg += f' (namely operator "{self.alias}")'
        if self.args:
            msg += " with arguments ({})".format(", ".join(self.args))
        return msg + " is not implemented for Symbol and only available in NDArray."

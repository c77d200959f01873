"""Errors, dtype rules and MXNet's small public helpers (mxnet.base) shared by every layer."""
import ctypes
import os
import platform
import threading

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


def check_c_order(what, order):
    """NotImplementedError for an ``order`` other than 'C' (row-major: the only memory order
    here, as in MXNet)."""
    if order != "C":
        raise NotImplementedError(f"{what}: only order='C' is supported, got {order!r}")


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


def flatten_nested(args, kind, what):
    """(the ``kind`` objects in nested lists ``args``, the nesting ``regroup_nested`` takes);
    AssertionError naming ``what`` for anything else, as MXNet's control flow raises."""
    if isinstance(args, kind):
        return [args], 0
    if not isinstance(args, (list, tuple)):
        raise AssertionError(f"{what} must be (nested) list of {kind.__name__}, but got "
                             f"{args!r} of type {type(args).__name__}")
    flat, formats = [], []
    for arg in args:
        items, fmt = flatten_nested(arg, kind, what)
        flat.extend(items)
        formats.append(fmt)
    return flat, formats


def regroup_nested(items, fmt):
    """``items`` nested as ``fmt`` (from ``flatten_nested``) says: (nested, the rest)."""
    if isinstance(fmt, int):
        return (items[0], items[1:]) if fmt == 0 else (items[:fmt], items[fmt:])
    nested = []
    for part in fmt:
        value, items = regroup_nested(items, part)
        nested.append(value)
    return nested, items


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


# --- MXNet's C API surface: handles, _LIB and check_call ----------------------------------

#: An NDArray handle, as MXNet's C API passes it: a pointer-sized value naming an NDArray
#: (``NDArray(handle)`` turns it back into the array; ``array.handle`` returns it).
NDArrayHandle = ctypes.c_void_p

# Exception types a C API function may raise that check_call raises again as such (MXNet's
# error_types); any other failure becomes MXNetError.
_PASSED_ERRORS = (MXNetError, ValueError, TypeError, IndexError, AttributeError,
                  NotImplementedError)


class CLibrary:
    """The subset of MXNet's C API that symjax_mx provides (``mx.base._LIB``).

    Functions keep MXNet's names and calling convention: arguments are ctypes values
    (handles, ``ctypes.byref`` out-parameters), the result is 0 on success and -1 on
    failure, whose message ``MXGetLastError()`` returns (``check_call`` raises it).
    Modules that implement a function register it with :meth:`function`.
    """

    def __init__(self):
        self._functions = {}
        self._last_error = threading.local()

    def function(self, fn):
        """Register ``fn`` (which returns nothing or raises) as the C function of its name."""
        def call(*args):
            try:
                fn(*args)
            except Exception as err:  # a C API reports every failure through its result
                self._last_error.value = (type(err), str(err))
                return -1
            return 0
        call.__name__ = call.__qualname__ = fn.__name__
        call.__doc__ = fn.__doc__
        self._functions[fn.__name__] = call
        return fn

    def MXGetLastError(self):  # noqa: N802 (MXNet's name)
        """The message of this thread's last failed call, as UTF-8 bytes."""
        return c_str(self.last_error()[1])

    def last_error(self):
        """(exception type, message) of this thread's last failed call."""
        return getattr(self._last_error, "value", (MXNetError, ""))

    def __getattr__(self, name):
        functions = self.__dict__.get("_functions", {})
        if name in functions:
            return functions[name]
        raise AttributeError(f"symjax_mx's C API (mx.base._LIB) has no function {name}; it "
                             f"provides: {', '.join(sorted([*functions, 'MXGetLastError']))}")

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._functions))


_LIB = CLibrary()

# As importing MXNet does: give ctypes the true result types of the capsule functions that
# DLPack code calls through ctypes.pythonapi (ctypes' default, int, truncates the pointer).
ctypes.pythonapi.PyCapsule_New.restype = ctypes.py_object
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p


def check_call(ret):
    """Raise the error of the last C API call (``_LIB.<function>(...)``) unless ``ret`` is 0."""
    if ret != 0:
        error_type, message = _LIB.last_error()
        raise (error_type if issubclass(error_type, _PASSED_ERRORS) else MXNetError)(message)

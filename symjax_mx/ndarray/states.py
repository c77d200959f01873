"""MXNet's ``.states`` files (optimizer states, as ``Updater.get_states`` pickles them),
written and read so that files cross between MXNet 1.9.1 and symjax_mx both ways.

An NDArray is pickled as MXNet pickles it: the global ``mxnet.ndarray.ndarray.NDArray``
called with ``(None,)`` and given the state ``{'handle': bytearray}``, the bytes one
array's record in MXNet's NDArray file format.

Reading never runs code from the file: a restricted unpickler builds only numbers,
strings, bytes, None, tuples, lists, dicts and NDArrays; any other global is refused,
except classes the caller's ``resolve(module, name)`` returns (the optimizer passes its
registered optimizers and learning-rate schedulers), which are rebuilt with
``cls.__new__`` and ``__setstate__`` from plain data.
"""
import io
import pickle
import struct

import numpy as np

from ..base import MXNetError
from . import file_format
from .creation import array
from .ndarray import NDArray

__all__ = ["dumps", "loads"]

_NDARRAY_GLOBALS = {("mxnet.ndarray.ndarray", "NDArray"), ("mxnet.ndarray", "NDArray"),
                    ("mxnet.nd", "NDArray")}
_PLAIN = (type(None), bool, int, float, str, bytes)


class _ArrayRecord:
    """A pickled NDArray until its bytes are decoded (the class the file's global names)."""

    def __init__(self, *args):
        self.value = None

    def __setstate__(self, state):
        if not isinstance(state, dict) or set(state) != {"handle"}:
            raise MXNetError(f"states file: an NDArray's pickled state must be "
                             f"{{'handle': bytes}}, got {type(state).__name__}")
        handle = state["handle"]
        if handle is None:
            return
        if not isinstance(handle, (bytes, bytearray)):
            raise MXNetError(f"states file: an NDArray's handle must be bytes, got "
                             f"{type(handle).__name__}")
        reader = file_format._Reader(bytes(handle))
        self.value = file_format._read_array(reader, 0)[0]


class _ObjectRecord:
    """A pickled object of a class ``resolve`` accepted, until it is rebuilt."""

    def __init__(self, *args):
        self.state = None

    def __setstate__(self, state):
        self.state = state


class _Unpickler(pickle.Unpickler):
    def __init__(self, data, resolve):
        super().__init__(io.BytesIO(data))
        self._resolve = resolve

    def find_class(self, module, name):
        if (module, name) in _NDARRAY_GLOBALS:
            return _ArrayRecord
        if (module, name) in (("builtins", "bytearray"), ("__builtin__", "bytearray")):
            return bytearray
        cls = self._resolve(module, name) if self._resolve is not None else None
        if cls is None:
            raise MXNetError(f"states file: refusing to load global {module}.{name}; only "
                             f"NDArrays, numbers, strings, tuples, lists and dicts are read")
        return type(name, (_ObjectRecord,), {"target": cls})

    def persistent_load(self, pid):
        raise MXNetError("states file: persistent ids are not supported")


def _build(obj, memo):
    """The loaded tree with records turned into NDArrays and rebuilt objects; ``memo``
    keeps objects referenced twice in the pickle shared."""
    if id(obj) in memo:
        return memo[id(obj)]
    if isinstance(obj, _ArrayRecord):
        built = None if obj.value is None else array(obj.value, dtype=obj.value.dtype)
    elif isinstance(obj, _ObjectRecord):
        built = obj.target.__new__(obj.target)
        state = _build(obj.state, memo)
        if hasattr(built, "__setstate__"):
            built.__setstate__(state)
        else:
            built.__dict__.update(state)
    elif isinstance(obj, dict):
        built = memo[id(obj)] = {}
        built.update((_build(k, memo), _build(v, memo)) for k, v in obj.items())
    elif isinstance(obj, list):
        built = memo[id(obj)] = []
        built.extend(_build(v, memo) for v in obj)
    elif isinstance(obj, tuple):
        built = tuple(_build(v, memo) for v in obj)
    elif isinstance(obj, (*_PLAIN, bytearray)):
        return obj
    else:
        raise MXNetError(f"states file: unexpected {type(obj).__name__} in the pickle")
    memo[id(obj)] = built
    return built


def loads(data, resolve=None):
    """The object pickled in ``data`` (bytes of a ``.states`` file), built without running
    the file's code; ``resolve(module, name)`` may allow further classes."""
    try:
        loaded = _Unpickler(bytes(data), resolve).load()
    except MXNetError:
        raise
    except Exception as err:  # malformed pickles raise many kinds of errors
        raise MXNetError(f"states file: not a valid optimizer states pickle ({err})") from None
    return _build(loaded, {})


class _Writer:
    """Pickle protocol 3 for trees of plain values, NDArrays and symjax_mx objects with
    plain state, naming classes as MXNet does (``mxnet.`` for ``symjax_mx.``)."""

    def __init__(self):
        self.out = io.BytesIO()
        self.memo = {}
        self.alive = []

    def write(self, *parts):
        for part in parts:
            self.out.write(part)

    def text(self, value):
        raw = value.encode("utf-8")
        self.write(b"X", struct.pack("<I", len(raw)), raw)

    def global_(self, module, name):
        self.write(b"c", module.encode() + b"\n" + name.encode() + b"\n")

    def remember(self, obj):
        """Memoize a container so later references to it stay shared."""
        index = self.memo[id(obj)] = len(self.memo)
        self.alive.append(obj)
        self.write(b"r", struct.pack("<I", index))

    def save(self, obj):
        if id(obj) in self.memo:
            self.write(b"j", struct.pack("<I", self.memo[id(obj)]))
        elif obj is None:
            self.write(b"N")
        elif obj is True or obj is False:
            self.write(b"\x88" if obj else b"\x89")
        elif isinstance(obj, int):
            self.integer(int(obj))
        elif isinstance(obj, np.generic):
            self.save(obj.item())
        elif isinstance(obj, float):
            self.write(b"G", struct.pack(">d", obj))
        elif isinstance(obj, str):
            self.text(obj)
        elif isinstance(obj, bytes):
            self.write(b"B", struct.pack("<I", len(obj)), obj)
        elif isinstance(obj, NDArray):
            self.ndarray(obj)
        elif isinstance(obj, tuple):
            self.write(b"(")
            for item in obj:
                self.save(item)
            self.write(b"t")
        elif isinstance(obj, list):
            self.write(b"]")
            self.remember(obj)
            self.items(obj, b"e")
        elif isinstance(obj, dict):
            self.write(b"}")
            self.remember(obj)
            self.items([x for kv in obj.items() for x in kv], b"u")
        else:
            self.instance(obj)

    def items(self, flat, op):
        if flat:
            self.write(b"(")
            for item in flat:
                self.save(item)
            self.write(op)

    def integer(self, value):
        if -2**31 <= value < 2**31:
            self.write(b"J", struct.pack("<i", value))
        else:
            raw = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
            self.write(b"\x8a", bytes([len(raw)]), raw)

    def ndarray(self, arr):
        record = file_format._encode_array(arr.asnumpy(), (1, 0), 0)
        self.global_("mxnet.ndarray.ndarray", "NDArray")
        self.write(b"N\x85R}")
        self.text("handle")
        self.global_("builtins", "bytearray")
        self.write(b"B", struct.pack("<I", len(record)), record)
        self.write(b"\x85Rsb")

    def instance(self, obj):
        cls = type(obj)
        if not cls.__module__.startswith("symjax_mx."):
            raise MXNetError(f"states file: cannot write a {cls.__name__}; only numbers, "
                             f"strings, tuples, lists, dicts, NDArrays and symjax_mx objects")
        state = obj.__getstate__() if hasattr(obj, "__getstate__") else obj.__dict__
        self.global_("mxnet" + cls.__module__[len("symjax_mx"):], cls.__name__)
        self.write(b")\x81")
        self.save(state)
        self.write(b"b")


def dumps(obj):
    """``obj`` pickled so that MXNet 1.9.1 (and ``loads``) read it."""
    writer = _Writer()
    writer.write(b"\x80\x03")
    writer.save(obj)
    writer.write(b".")
    return writer.out.getvalue()

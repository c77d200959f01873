"""mx.nd: NDArray, its creation functions, every registry operator, save and load."""
import types

from .creation import (arange, array, concatenate, empty, from_dlpack, full, ones,
                       to_dlpack_for_read, zeros)
from .io import load, load_frombuffer, save
from .ndarray import NDArray, waitall
from . import random  # noqa: E402  (mx.nd.random)
from .register import UFUNCS, op_functions

_internal = types.ModuleType(__name__ + "._internal", "Operators whose MXNet names start with _.")
for _name, _fn in op_functions().items():
    if _name.startswith("_"):
        setattr(_internal, _name, _fn)
    elif _name not in globals():
        globals()[_name] = _fn
globals().update(UFUNCS)
del _name, _fn

__all__ = ["NDArray", "arange", "array", "concatenate", "empty", "from_dlpack", "full", "load",
           "load_frombuffer", "ones", "save", "to_dlpack_for_read", "waitall", "zeros"]

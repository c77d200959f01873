"""mx.nd: NDArray, its creation functions, every registry operator, save and load."""
from ..ops.registry import publish
from .creation import (arange, array, concatenate, empty, from_dlpack, full, ones,
                       to_dlpack_for_read, zeros)
from .io import load, load_frombuffer, save
from .ndarray import NDArray, waitall
from . import random  # noqa: E402  (mx.nd.random)
from ..ops.layout import split_v2
from ..ops.methods import UFUNCS, histogram
from .register import op_function

publish(op_function, globals(), __name__)
globals().update(UFUNCS)

__all__ = ["histogram", "split_v2", "NDArray", "arange", "array", "concatenate", "empty", "from_dlpack", "full", "load",
           "load_frombuffer", "ones", "save", "to_dlpack_for_read", "waitall", "zeros"]

"""mx.sym.zeros / ones / full / arange: constant symbols (a 0 in ``shape`` is inferred from
what consumes the symbol)."""
import numpy as np

from ..ops import get_op
from .register import op_function

__all__ = ["zeros", "ones", "full", "arange"]


def _constant(op_name, **kwargs):
    return op_function(get_op(op_name), op_name)(**kwargs)


def zeros(shape, dtype=None, **kwargs):
    """A symbol of zeros of ``shape``."""
    return _constant("_zeros", shape=shape, dtype=dtype or np.float32, **kwargs)


def ones(shape, dtype=None, **kwargs):
    """A symbol of ones of ``shape``."""
    return _constant("_ones", shape=shape, dtype=dtype or np.float32, **kwargs)


def full(shape, val, dtype=None, **kwargs):
    """A symbol of ``shape`` filled with ``val``."""
    return _constant("_full", shape=shape, value=float(val), dtype=dtype or np.float32,
                     **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    """A symbol of evenly spaced values in [start, stop), each repeated ``repeat`` times."""
    return _constant("_arange", start=start, stop=stop, step=step, repeat=repeat,
                     infer_range=infer_range, name=name, dtype=dtype or np.float32)

"""mx.sym.zeros / ones / full: constant-filled symbols (a 0 in ``shape`` is inferred from
what consumes the symbol)."""
import numpy as np

__all__ = ["zeros", "ones", "full"]


def _internal():
    from . import _internal as ops  # published with the operator functions
    return ops


def zeros(shape, dtype=None, **kwargs):
    """A symbol of zeros of ``shape``."""
    return _internal()._zeros(shape=shape, dtype=dtype or np.float32, **kwargs)


def ones(shape, dtype=None, **kwargs):
    """A symbol of ones of ``shape``."""
    return _internal()._ones(shape=shape, dtype=dtype or np.float32, **kwargs)


def full(shape, val, dtype=None, **kwargs):
    """A symbol of ``shape`` filled with ``val``."""
    return _internal()._full(shape=shape, value=float(val), dtype=dtype or np.float32,
                             **kwargs)

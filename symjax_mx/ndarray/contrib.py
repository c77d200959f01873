"""mx.nd.contrib: MXNet's contrib array functions (the float checks isinf, isfinite, isnan;
getnnz of a CSRNDArray)."""
import numpy as np

from .sparse import getnnz

__all__ = ["isinf", "isfinite", "isnan", "getnnz"]


def isinf(data):
    """1 where ``data`` is +inf or -inf, else 0 (in ``data``'s dtype)."""
    return data.abs() == np.inf


def isfinite(data):
    """1 where ``data`` is neither infinite nor NaN, else 0."""
    return (data.abs() != np.inf) * (data == data)


def isnan(data):
    """1 where ``data`` is NaN, else 0."""
    return data != data

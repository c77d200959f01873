"""MXNet's legacy row-wise one-hot functions: onehot_encode and fill_element_0index."""
import numpy as np

from ..ops import get_op
from .ndarray import invoke

_ONE_HOT = get_op("one_hot")
_WHERE = get_op("where")


def _rows_one_hot(indices, depth, dtype):
    return invoke(_ONE_HOT, (indices,), _ONE_HOT.parse_params({"depth": depth, "dtype": dtype}))


def onehot_encode(indices, out):
    """Write into ``out`` (rows x classes) the one-hot encoding of ``indices`` (one class
    per row); returns ``out``."""
    out[:] = _rows_one_hot(indices, out.shape[1], np.dtype(out.dtype).name)
    return out


def fill_element_0index(lhs, mhs, rhs, out=None):
    """``lhs`` with element ``rhs[i]`` of each row i replaced by ``mhs[i]``."""
    hot = _rows_one_hot(rhs, lhs.shape[1], np.dtype(lhs.dtype).name)
    result = invoke(_WHERE, (hot, mhs.reshape((-1, 1)).broadcast_to(lhs.shape), lhs), {})
    if out is None:
        return result
    out[:] = result
    return out

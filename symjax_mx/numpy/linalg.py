"""``mx.np.linalg``: norms, inverses and determinants on registry operators."""
import numpy as _onp

from .. import ndarray as nd
from .multiarray import to_np

__all__ = ["norm", "inv", "det"]


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002  (NumPy's name)
    """The 2-norm of the flattened array or of vectors along ``axis`` (ord None or 2), the
    Frobenius norm over two axes (None or 'fro'), or a vector 1- or inf-norm."""
    axes = axis if axis is None or isinstance(axis, tuple) else (axis,)
    if ord in (None, "fro") or (ord == 2 and axes is not None and len(axes) == 1):
        out = to_np(nd.sqrt(nd.sum(nd.square(x), axis=axes, keepdims=keepdims)))
    elif ord == 1 and axes is not None and len(axes) == 1:
        out = to_np(nd.sum(nd.abs(x), axis=axes, keepdims=keepdims))
    elif ord == _onp.inf and axes is not None and len(axes) == 1:
        out = to_np(nd.max(nd.abs(x), axis=axes, keepdims=keepdims))
    else:
        raise NotImplementedError(f"np.linalg.norm: ord={ord!r} with axis={axis!r} is not "
                                  f"supported (2-norms, Frobenius norms, vector 1- and "
                                  f"inf-norms are)")
    if keepdims:
        return out
    kept = [] if axes is None else [d for i, d in enumerate(x.shape)
                                    if i not in {a % x.ndim for a in axes}]
    return out.reshape(tuple(kept))  # NumPy's shape: 0-d where every axis is reduced


def inv(a):
    """The inverse of each square matrix of the last two axes."""
    return to_np(nd.linalg.inverse(a))


def det(a):
    """The determinant of each square matrix of the last two axes."""
    return to_np(nd.linalg.det(a)).reshape(tuple(a.shape[:-2]))

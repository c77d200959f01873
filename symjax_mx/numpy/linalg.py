"""``mx.np.linalg``: norms, inverses, determinants, Cholesky, symmetric eigenproblems,
solves, powers and the SVD on registry operators (recorded by autograd); QR, general
eigenproblems, least squares, ranks and condition numbers on the host, as MXNet computes
them with NumPy (its results as ``mx.np`` arrays, scalars as NumPy's)."""
import functools
import math

import numpy as _onp

from .. import ndarray as nd
from ..base import MXNetError
from ..ndarray import NDArray
from ..ops import get_op
from .fallback import host_function
from .multiarray import array, dot, eye, matmul, to_np

__all__ = ["norm", "inv", "det", "cholesky", "slogdet", "eigh", "eigvalsh", "solve",
           "matrix_power", "multi_dot", "tensorinv", "tensorsolve", "svd", "pinv", "qr",
           "eig", "eigvals", "lstsq", "matrix_rank", "cond"]


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


def cholesky(a):
    """The lower Cholesky factor of each symmetric positive-definite matrix."""
    return to_np(nd.linalg.potrf(a))


def slogdet(a):
    """(sign, log of the absolute determinant) of each square matrix."""
    sign, logdet = nd.linalg.slogdet(a)
    batch = tuple(a.shape[:-2])
    return to_np(sign).reshape(batch), to_np(logdet).reshape(batch)


def eigh(a, UPLO="L"):  # noqa: N803  (NumPy's name)
    """(eigenvalues ascending, eigenvectors as columns) of each symmetric matrix."""
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    rows, values = nd.linalg.syevd(a)
    return to_np(values), to_np(nd.swapaxes(rows, -1, -2))


def eigvalsh(a, UPLO="L"):  # noqa: N803  (NumPy's name)
    return eigh(a, UPLO)[0]


def solve(a, b):
    """x with ``a @ x == b`` (``b`` a vector or matrices)."""
    inverse = inv(a)
    if b.ndim == a.ndim - 1:
        return to_np(nd.batch_dot(inverse, b.reshape(b.shape + (1,)))).reshape(b.shape) \
            if a.ndim > 2 else dot(inverse, b)
    return matmul(inverse, b)


def matrix_power(a, n):
    """``a`` multiplied by itself ``n`` times (its inverse's for negative ``n``)."""
    if n < 0:
        a, n = inv(a), -n
    result, square = None, a
    while True:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if not n:
            break
        square = matmul(square, square)
    return result if result is not None else to_np(nd.broadcast_to(
        eye(a.shape[-1], dtype=a.dtype, ctx=a.context), shape=a.shape))


def multi_dot(arrays):
    return functools.reduce(dot, arrays)


def tensorinv(a, ind=2):
    """The inverse of ``a`` as a linear map from its first ``ind`` axes to the others."""
    rows = math.prod(a.shape[:ind])
    return inv(a.reshape(rows, -1)).reshape(a.shape[ind:] + a.shape[:ind])


def tensorsolve(a, b, axes=None):
    """x with ``tensordot(a, x, x.ndim) == b``."""
    if axes is not None:
        order = [i for i in range(a.ndim) if i not in axes] + list(axes)
        a = a.transpose(order)
    unknown = a.shape[b.ndim:]
    solution = solve(a.reshape(math.prod(b.shape), math.prod(unknown)), b.reshape(-1))
    return solution.reshape(unknown)


def svd(a):
    """(ut, l, v) with ``a == ut @ diag(l) @ v`` (the reduced factors, ``l`` descending)."""
    return tuple(to_np(x) for x in a._apply(get_op("_npi_svd"), (a,), {}))


def pinv(a, rcond=1e-15, hermitian=False):
    """The pseudo-inverse: singular values up to ``rcond`` times the largest are dropped."""
    ut, l, v = svd(a)
    cutoff = l.max(axis=-1, keepdims=True) * rcond
    kept = (l > cutoff).astype(l.dtype)
    scale = kept / (l + (1 - kept))
    return matmul(v.swapaxes(-1, -2) * scale.reshape(scale.shape[:-1] + (1, -1)),
                  ut.swapaxes(-1, -2))


def _host(a):
    return a.asnumpy() if isinstance(a, NDArray) else _onp.asarray(a)


def _back(value, like):
    return array(value, dtype=value.dtype, ctx=like.context)


def qr(a, mode="reduced"):
    q, r = _onp.linalg.qr(_host(a), mode)
    return _back(q.astype(a.dtype), a), _back(r.astype(a.dtype), a)


def _real(values, name):
    if _onp.iscomplexobj(values):
        if _onp.any(values.imag != 0):
            raise MXNetError(f"np.linalg.{name}: the matrix has complex eigenvalues, which "
                             f"mx.np arrays cannot hold")
        values = values.real
    return values


def eig(a):
    """(eigenvalues, eigenvectors as columns) of each square matrix with real ones."""
    values, vectors = _onp.linalg.eig(_host(a))
    return (_back(_real(values, "eig").astype(a.dtype), a),
            _back(_real(vectors, "eig").astype(a.dtype), a))


def eigvals(a):
    return _back(_real(_onp.linalg.eigvals(_host(a)), "eigvals").astype(a.dtype), a)


def lstsq(a, b, rcond="warn"):
    """(solution, residuals, rank, singular values) of the least-squares problem."""
    x, residuals, rank, singular = _onp.linalg.lstsq(_host(a), _host(b),
                                                     None if rcond == "warn" else rcond)
    return (_back(x.astype(a.dtype), a), _back(residuals.astype(a.dtype), a), rank,
            _back(singular.astype(a.dtype), a))


matrix_rank, cond = host_function(_onp.linalg.matrix_rank), host_function(_onp.linalg.cond)

"""mx.nd.sparse: creating CSRNDArray / RowSparseNDArray, and the operators MXNet lists
here (the same registry operators as mx.nd; results keep sparse storage where MXNet's
sparse kernels would)."""
import numbers

import numpy as np

from ..base import MXNetError, mx_real_t, normalize_dtype
from ..context import current_context
from ..ops import get_op
from ..ops.sparse import SPARSE_NAMESPACE
from .ndarray import NDArray, invoke
from .register import op_function
from .sparse_array import (BaseSparseNDArray, CSRNDArray, NotSupportedForSparseNDArray,
                           RowSparseNDArray, host_array)

__all__ = ["BaseSparseNDArray", "CSRNDArray", "RowSparseNDArray", "csr_matrix",
           "row_sparse_array", "zeros", "empty", "array", "add", "subtract", "multiply",
           "divide", "NotSupportedForSparseNDArray"]

for _public, _name in SPARSE_NAMESPACE.items():
    globals()[_public] = op_function(get_op(_name), _public)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_shape(value):
    return isinstance(value, tuple) and value and all(_is_int(d) for d in value)


def _check_shape(given, inferred):
    if given is not None and tuple(given) != tuple(inferred):
        raise ValueError(f"the shape {tuple(inferred)} of the source does not match the "
                         f"shape {tuple(given)} given")


def _default_dtype(source, dtype):
    """MXNet's rule: the source's dtype for an array, float32 for a list."""
    if dtype is not None:
        return normalize_dtype(dtype)
    if isinstance(source, (NDArray, np.ndarray)):
        return np.dtype(source.dtype).type
    return mx_real_t


def _host(values, dtype=None):
    values = values.asnumpy() if isinstance(values, NDArray) else np.asarray(values)
    return values if dtype is None else values.astype(dtype)


def _is_scipy_sparse(value):
    try:
        import scipy.sparse as spsp
    except ImportError:
        return False
    return spsp.issparse(value)


def _from_dense(source, stype, shape, ctx, dtype):
    dtype = _default_dtype(source, dtype)
    dense = source.astype(dtype) if isinstance(source, NDArray) else \
        _host(source, dtype)
    _check_shape(shape, dense.shape)
    if isinstance(dense, NDArray):
        return dense.as_in_context(ctx).tostype(stype)
    return host_array(ctx, dense).tostype(stype)


def _copy_sparse(source, stype, shape, ctx, dtype):
    if source.stype != stype:
        raise ValueError(f"cannot create a {stype} array from a {source.stype} array")
    _check_shape(shape, source.shape)
    data, *aux = source._components()
    data = data.astype(normalize_dtype(dtype, default=source.dtype))
    return type(source)._from_parts(data, aux, source.shape, ctx)


def csr_matrix(arg1, shape=None, ctx=None, dtype=None):
    """A CSRNDArray from ``(data, indices, indptr)``, ``(data, (row, col))`` (COO), a
    shape ``(M, N)`` (all zeros), a dense array or list, a CSRNDArray or a
    scipy.sparse matrix."""
    ctx = ctx if ctx is not None else current_context()
    if isinstance(arg1, tuple) and len(arg1) == 3:
        data, indices, indptr = arg1
        return _csr_from_definition(data, indices, indptr, shape, ctx, dtype)
    if _is_shape(arg1):
        if len(arg1) != 2:
            raise ValueError(f"csr storage needs a 2-D shape, got {arg1}")
        _check_shape(shape, arg1)
        return zeros("csr", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, tuple) and len(arg1) == 2:  # (data, (row, col))
        import scipy.sparse as spsp
        coo = spsp.coo_matrix((_host(arg1[0]), tuple(_host(i) for i in arg1[1])), shape=shape)
        return csr_matrix(coo.tocsr(), ctx=ctx, dtype=dtype)
    if isinstance(arg1, CSRNDArray):
        return _copy_sparse(arg1, "csr", shape, ctx, dtype)
    if isinstance(arg1, BaseSparseNDArray):
        raise ValueError(f"cannot create a csr array from a {arg1.stype} array")
    if _is_scipy_sparse(arg1):
        canonical = arg1.tocsr(copy=True)
        canonical.sum_duplicates()
        canonical.sort_indices()
        dtype = normalize_dtype(dtype, default=canonical.dtype.type)
        return _csr_from_definition(canonical.data, canonical.indices, canonical.indptr,
                                    shape or canonical.shape, ctx, dtype)
    return _from_dense(arg1, "csr", shape, ctx, dtype)


def _csr_from_definition(data, indices, indptr, shape, ctx, dtype):
    dtype = _default_dtype(data, dtype)
    data, indices, indptr = _host(data, dtype), _host(indices, np.int64), _host(indptr, np.int64)
    if shape is None:
        if indices.size == 0:
            raise ValueError("cannot infer the number of columns of a csr array without indices")
        shape = (len(indptr) - 1, int(indices.max()) + 1)
    return CSRNDArray._from_parts(data, (indptr, indices), shape, ctx)


def row_sparse_array(arg1, shape=None, ctx=None, dtype=None):
    """A RowSparseNDArray from ``(data, indices)``, a shape (all zeros), a dense array or
    list, or a RowSparseNDArray."""
    ctx = ctx if ctx is not None else current_context()
    if _is_shape(arg1):
        _check_shape(shape, arg1)
        return zeros("row_sparse", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, tuple) and len(arg1) == 2:
        data, indices = arg1
        dtype = _default_dtype(data, dtype)
        data, indices = _host(data, dtype), _host(indices, np.int64).reshape(-1)
        if shape is None:
            if indices.size == 0:
                raise ValueError("cannot infer the shape of a row_sparse array without indices")
            shape = (int(indices.max()) + 1,) + data.shape[1:]
        return RowSparseNDArray._from_parts(data, (indices,), shape, ctx)
    if isinstance(arg1, RowSparseNDArray):
        return _copy_sparse(arg1, "row_sparse", shape, ctx, dtype)
    if isinstance(arg1, BaseSparseNDArray):
        raise ValueError(f"cannot create a row_sparse array from a {arg1.stype} array")
    return _from_dense(arg1, "row_sparse", shape, ctx, dtype)


def zeros(stype, shape, ctx=None, dtype=None, **kwargs):
    """An all-zero array of storage ``stype`` ('default', 'row_sparse' or 'csr')."""
    ctx = ctx if ctx is not None else current_context()
    dtype = normalize_dtype(dtype, default=mx_real_t)
    shape = (shape,) if _is_int(shape) else tuple(int(d) for d in shape)
    if stype == "default":
        return host_array(ctx, np.zeros(shape, dtype))
    if stype == "csr":
        if len(shape) != 2:
            raise ValueError(f"csr storage needs a 2-D shape, got {shape}")
        return CSRNDArray._from_parts(np.zeros(0, dtype), (np.zeros(shape[0] + 1, np.int64),
                                                           np.zeros(0, np.int64)), shape, ctx)
    if stype == "row_sparse":
        return RowSparseNDArray._from_parts(np.zeros((0,) + shape[1:], dtype),
                                            (np.zeros(0, np.int64),), shape, ctx)
    raise ValueError(f"unknown storage type {stype!r}; expected 'default', 'row_sparse' or "
                     f"'csr'")


def empty(stype, shape, ctx=None, dtype=None):
    """An array of storage ``stype`` (all zeros: nothing is stored)."""
    return zeros(stype, shape, ctx, dtype)


def array(source_array, ctx=None, dtype=None):
    """A sparse array from a CSRNDArray / RowSparseNDArray (a copy) or a scipy.sparse
    csr matrix."""
    ctx = ctx if ctx is not None else current_context()
    if isinstance(source_array, BaseSparseNDArray):
        return _copy_sparse(source_array, source_array.stype, None, ctx, dtype)
    if _is_scipy_sparse(source_array):
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    raise ValueError(f"sparse.array needs a sparse NDArray or a scipy.sparse csr matrix, got "
                     f"{type(source_array).__name__}")


def _ufunc(lhs, rhs, elemwise, broadcast, scalar, reflected):
    if isinstance(lhs, numbers.Number) and isinstance(rhs, numbers.Number):
        raise TypeError("at least one operand must be an NDArray")
    if isinstance(rhs, numbers.Number):
        return invoke(get_op(scalar), (lhs,), {"scalar": float(rhs)})
    if isinstance(lhs, numbers.Number):
        return invoke(get_op(reflected), (rhs,), {"scalar": float(lhs)})
    name = elemwise if lhs.shape == rhs.shape else broadcast
    return invoke(get_op(name), (lhs, rhs), {})


def add(lhs, rhs):
    """lhs + rhs, element-wise with broadcasting; sparse + sparse of one storage stays so."""
    return _ufunc(lhs, rhs, "elemwise_add", "broadcast_add", "_plus_scalar", "_plus_scalar")


def subtract(lhs, rhs):
    """lhs - rhs, element-wise with broadcasting."""
    return _ufunc(lhs, rhs, "elemwise_sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar")


def multiply(lhs, rhs):
    """lhs * rhs, element-wise with broadcasting."""
    return _ufunc(lhs, rhs, "elemwise_mul", "broadcast_mul", "_mul_scalar", "_mul_scalar")


def divide(lhs, rhs):
    """lhs / rhs, element-wise with broadcasting."""
    return _ufunc(lhs, rhs, "elemwise_div", "broadcast_div", "_div_scalar", "_rdiv_scalar")


def getnnz(data, axis=None):
    """The number of stored values of a CSRNDArray: in all (axis None) or per row (1)."""
    if not isinstance(data, CSRNDArray):
        raise MXNetError(f"getnnz needs a CSRNDArray, got {type(data).__name__}")
    _, indptr, indices = data._components()
    if axis is None:
        counts = np.array([len(indices)], np.int64)
    elif axis in (1, -1):
        counts = np.diff(indptr).astype(np.int64)
    elif axis in (0, -2):
        counts = np.bincount(indices, minlength=data.shape[1]).astype(np.int64)
    else:
        raise MXNetError(f"getnnz: axis {axis} is out of range for a 2-D array")
    return host_array(data.context, counts)

"""mx.nd.zeros / empty / array with MXNet's storage types: dense unless ``stype`` (or a
sparse source) says otherwise."""
import numbers
import warnings

import numpy as np

from . import creation, sparse
from ..base import mx_real_t
from ..ops import methods

__all__ = ["zeros", "zeros_buffer", "zeros_buffers", "empty", "array", "histogram"]


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs):
    """An all-zero array of storage ``stype`` (default dense, float32)."""
    if stype is None or stype == "default":
        return creation.zeros(shape, ctx, mx_real_t if dtype is None else dtype, **kwargs)
    return sparse.zeros(stype, shape, ctx=ctx, dtype=dtype, **kwargs)


def zeros_buffer(shape, ctx=None, dtype=None, stype=None):
    """An all-zero array of any shape, scalar and zero-size too, without ``zeros``' legacy
    check (a 0 size is unknown outside ``mx.np_shape()``): for the buffers the product
    allocates itself (outputs, gradients, parameters), as MXNet allocates its own."""
    if stype is None or stype == "default":
        return creation.empty(shape, ctx, mx_real_t if dtype is None else dtype)
    return sparse.zeros(stype, shape, ctx=ctx, dtype=dtype)


def zeros_buffers(specs):
    """``zeros_buffer(shape, ctx, dtype, stype)`` for each tuple of ``specs``, the dense
    ones filled when first read (``creation.empty_many``)."""
    arrays = [None] * len(specs)
    dense = [i for i, spec in enumerate(specs) if spec[3] is None or spec[3] == "default"]
    made = creation.empty_many([(shape, ctx, mx_real_t if dtype is None else dtype)
                                for shape, ctx, dtype, _ in (specs[i] for i in dense)])
    for i, array in zip(dense, made):
        arrays[i] = array
    for i, (shape, ctx, dtype, stype) in enumerate(specs):
        if arrays[i] is None:
            arrays[i] = sparse.zeros(stype, shape, ctx=ctx, dtype=dtype)
    return arrays


def empty(shape, ctx=None, dtype=None, stype=None):
    """An array of storage ``stype`` whose values are unspecified (zeros here)."""
    if stype is None or stype == "default":
        return creation.empty(shape, ctx, mx_real_t if dtype is None else dtype)
    return sparse.empty(stype, shape, ctx=ctx, dtype=dtype)


def array(source_array, ctx=None, dtype=None):
    """An NDArray from any array-like; a sparse NDArray or scipy.sparse matrix gives a
    sparse array of that storage."""
    if isinstance(source_array, sparse.BaseSparseNDArray) or sparse._is_scipy_sparse(source_array):
        return sparse.array(source_array, ctx=ctx, dtype=dtype)
    return creation.array(source_array, ctx=ctx, dtype=dtype)


def histogram(a, bins=10, range=None):  # noqa: A002  (MXNet's argument name)
    """Counts of ``a`` in ``bins`` (a number of equal bins over ``range``, or an array of
    edges) and the bin edges; with a number of bins and no range, NumPy's (over the data's
    minimum and maximum) as float32 arrays, as MXNet computes them."""
    if range is None and isinstance(bins, numbers.Integral):
        warnings.warn("range is not specified, using numpy's result to ensure consistency "
                      "with numpy")
        counts, edges = np.histogram(a.asnumpy(), bins=bins)
        return array(counts, a.context), array(edges, a.context)
    return methods.histogram(a, bins, range)

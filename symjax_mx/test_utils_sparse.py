"""MXNet's test helpers for sparse arrays (re-exported by mx.test_utils): random
CSRNDArray / RowSparseNDArray generation with MXNet's distributions and return forms."""
import numpy as np
import numpy.random as rnd

from .context import current_context
from .ndarray import sparse
from .ndarray.creation import array


def _validate_csr_generation_inputs(num_rows, num_cols, density, distribution="uniform"):
    """Raise ValueError for a density or shape the csr generators cannot serve."""
    if density < 0 or density > 1:
        raise ValueError("density has to be between 0 and 1")
    if num_rows <= 0 or num_cols <= 0:
        raise ValueError("num_rows or num_cols should be greater than 0")
    if distribution == "powerlaw" and int(num_rows * num_cols * density) < 2 * num_rows:
        raise ValueError(f"not supported for this density: {density} for this shape "
                         f"({num_rows}, {num_cols}); keep num_rows * num_cols * density >= "
                         f"2 * num_rows")


def shuffle_csr_column_indices(csr):
    """Shuffle, in place, the column indices within each row of a scipy csr matrix."""
    for row in range(len(csr.indptr) - 1):
        span = slice(csr.indptr[row], csr.indptr[row + 1])
        columns = np.array(csr.indices[span])
        np.random.shuffle(columns)
        csr.indices[span] = columns


def _get_uniform_dataset_csr(num_rows, num_cols, density=0.1, dtype=None, data_init=None,
                             shuffle_csr_indices=False):
    """A CSRNDArray of uniformly placed values in [0, 1) at the given density."""
    import scipy.sparse as spsp
    _validate_csr_generation_inputs(num_rows, num_cols, density)
    csr = spsp.rand(num_rows, num_cols, density, dtype=dtype, format="csr")
    if data_init is not None:
        csr.data.fill(data_init)
    if shuffle_csr_indices:
        shuffle_csr_column_indices(csr)
    return sparse.csr_matrix((csr.data, csr.indices, csr.indptr), shape=(num_rows, num_cols),
                             dtype=dtype)


def _get_powerlaw_dataset_csr(num_rows, num_cols, density=0.1, dtype=None):
    """A CSRNDArray whose rows hold exponentially more nonzeros (1, 2, 4, ... from column
    0), every row at least one, until ``num_rows * num_cols * density`` are placed."""
    _validate_csr_generation_inputs(num_rows, num_cols, density, "powerlaw")
    left = int(num_rows * num_cols * density)
    dense = np.zeros((num_rows, num_cols), dtype=dtype)

    def result():
        return array(dense).tostype("csr")

    for row in range(num_rows):
        dense[row][0] = 1 + rnd.uniform(0.001, 2)
        left -= 1
        if left <= 0:
            return result()
    width = 2
    for row in range(num_rows):
        limit = min(num_cols, width)
        if limit == num_cols and left > limit:
            dense[row] = 1 + rnd.uniform(0.001, 2)
            left -= limit - 1
            if left <= 0:
                return result()
            continue
        for col in range(1, limit):
            dense[row][col] = 1 + rnd.uniform(0.001, 2)
            left -= 1
            if left <= 0:
                return result()
        width *= 2
    if left > 0:
        raise ValueError(f"not supported for this density: {density} for this shape "
                         f"({num_rows},{num_cols})")
    return result()


def assign_each(the_input, function):
    """``function`` applied to each element (a copy when ``function`` is None)."""
    if function is None:
        return np.array(the_input)
    return np.vectorize(function, otypes=[np.float64])(the_input) if np.size(the_input) \
        else np.zeros(np.shape(the_input))


def assign_each2(input1, input2, function):
    """``function`` applied to each pair of elements (a copy of input1 when None)."""
    if function is None:
        return np.array(input1)
    assert input1.shape == input2.shape
    return np.vectorize(function, otypes=[np.float64])(input1, input2) if input1.size \
        else np.zeros(input1.shape)


def rand_sparse_ndarray(shape, stype, density=None, dtype=None, distribution=None,
                        data_init=None, rsp_indices=None, modifier_func=None,
                        shuffle_csr_indices=False, ctx=None):
    """A random sparse array and its parts: ``(rsp, (values, indices))`` for row_sparse,
    ``(csr, (indptr, indices, data))`` for csr ('uniform' or 'powerlaw' distribution)."""
    ctx = ctx if ctx else current_context()
    density = rnd.rand() if density is None else density
    dtype = np.float32 if dtype is None else dtype
    distribution = "uniform" if distribution is None else distribution
    if stype == "row_sparse":
        assert distribution == "uniform", f"Distribution {distribution} not supported for " \
                                          f"row_sparse"
        if rsp_indices is not None:
            indices = rsp_indices
            assert len(indices) <= shape[0]
        else:
            indices = np.argwhere(rnd.rand(shape[0]) < density).flatten()
        if indices.shape[0] == 0:
            result = sparse.zeros("row_sparse", shape, ctx=ctx, dtype=dtype)
            return result, (np.array([], dtype=dtype), np.array([]))
        values = rnd.rand(indices.shape[0], *shape[1:]).astype(dtype)
        if data_init is not None:
            values.fill(data_init)
        if modifier_func is not None:
            values = assign_each(values, modifier_func)
        result = sparse.row_sparse_array((values, indices), shape=shape, dtype=dtype, ctx=ctx)
        return result, (values, indices)
    if stype == "csr":
        assert len(shape) == 2
        if distribution == "uniform":
            csr = _get_uniform_dataset_csr(shape[0], shape[1], density, data_init=data_init,
                                           shuffle_csr_indices=shuffle_csr_indices, dtype=dtype)
        elif distribution == "powerlaw":
            csr = _get_powerlaw_dataset_csr(shape[0], shape[1], density=density, dtype=dtype)
        else:
            raise AssertionError(f"Distribution not supported: {distribution}")
        csr = csr.as_in_context(ctx)
        return csr, (csr.indptr, csr.indices, csr.data)
    raise AssertionError(f"unknown storage type {stype!r}")


def create_sparse_array(shape, stype, data_init=None, rsp_indices=None, dtype=None,
                        modifier_func=None, density=.5, shuffle_csr_indices=False):
    """A random sparse array; row_sparse indices, when given, are sorted first."""
    if stype == "row_sparse":
        indices = None if rsp_indices is None else np.sort(np.asarray(rsp_indices))
        return rand_sparse_ndarray(shape, stype, density=density, data_init=data_init,
                                   rsp_indices=indices, dtype=dtype,
                                   modifier_func=modifier_func)[0]
    if stype == "csr":
        return rand_sparse_ndarray(shape, stype, density=density, data_init=data_init,
                                   dtype=dtype, modifier_func=modifier_func,
                                   shuffle_csr_indices=shuffle_csr_indices)[0]
    raise AssertionError("Unknown storage type: " + stype)


def create_sparse_array_zd(shape, stype, density, data_init=None, rsp_indices=None,
                           dtype=None, modifier_func=None, shuffle_csr_indices=False):
    """create_sparse_array where row_sparse density comes from ``rsp_indices`` alone."""
    if stype == "row_sparse":
        density = 0.0
        if rsp_indices is not None:
            assert len(rsp_indices) <= shape[0]
    return create_sparse_array(shape, stype, data_init=data_init, rsp_indices=rsp_indices,
                               dtype=dtype, modifier_func=modifier_func, density=density,
                               shuffle_csr_indices=shuffle_csr_indices)


__all__ = ["rand_sparse_ndarray", "create_sparse_array", "create_sparse_array_zd",
           "shuffle_csr_column_indices", "assign_each", "assign_each2"]

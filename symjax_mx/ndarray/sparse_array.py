"""Sparse NDArrays: CSRNDArray (2-D compressed sparse rows) and RowSparseNDArray.

A sparse array holds its value two ways, each derived from the other when first needed:
the dense value (a jax.Array, what operators compute on: XLA has no sparse kernels
worth having) and MXNet's components (``data`` plus the aux arrays ``indptr``/``indices``
for csr, ``indices`` for row_sparse), kept on the host. Components given by the user
are kept as given (explicit zeros, unsorted or invalid indices: ``check_format`` finds
those); components derived from a dense value list its nonzeros (csr) or its nonzero
rows (row_sparse), and an operator result that keeps its inputs' storage type keeps the
union of their structures, as MXNet's sparse kernels do.
"""
import warnings

import jax.numpy as jnp
import numpy as np

from .. import x64
from ..base import MXNetError, normalize_dtype
from ..context import Context, existing_or_cpu
from ..ops import get_op
from ..ops.elemwise import BINARY
from . import tape
from .ndarray import NDArray, STORAGE_CLASSES, invoke

__all__ = ["BaseSparseNDArray", "CSRNDArray", "RowSparseNDArray", "with_storage_of"]

_DENSE = NDArray.__dict__["_buffer"]  # the slot holding the dense value (None: not derived)
_STORAGE_AUX_TYPES = {"row_sparse": [np.int64], "csr": [np.int64, np.int64]}


class NotSupportedForSparseNDArray(MXNetError):
    """An NDArray operation that sparse arrays do not have."""

    def __init__(self, function, alias, *args):
        super().__init__(f"Function {function.__name__} (namely operator \"{alias}\") is not "
                         f"supported for SparseNDArray and only available in NDArray.")


@x64.x64
def host_array(ctx, host):
    """A numpy array as a dense NDArray on ``ctx``."""
    return NDArray(x64.device_put(np.ascontiguousarray(host), ctx.jax_device), ctx)


class BaseSparseNDArray(NDArray):
    """An NDArray in a sparse storage format (see CSRNDArray and RowSparseNDArray)."""

    __slots__ = ("_parts", "_structure")
    stype = None

    def __init__(self, data, ctx=None, producer=None, structure=None):
        """A sparse array of the dense value ``data``; ``structure`` (the aux arrays) says
        which entries are stored, default: the nonzeros."""
        super().__init__(data, ctx, producer)
        self._structure = structure

    @classmethod
    def _from_parts(cls, data, aux, shape, ctx):
        """A sparse array of host components: ``data`` and the aux arrays (MXNet's order)."""
        array = cls.__new__(cls)
        _DENSE.__set__(array, None)
        array._parts = (data, *aux)
        array._structure = tuple(aux)
        array._base, array._begin, array._shape = None, 0, tuple(int(d) for d in shape)
        array._ctx, array._producer, array._entry = ctx, None, None
        array._writable = True
        return array

    @property
    def _buffer(self):
        dense = _DENSE.__get__(self)
        if dense is None:
            data, *aux = self._parts
            host = np.zeros(self._shape, data.dtype)
            self._scatter(host, data, aux)
            dense = x64.device_put(host, self._ctx.jax_device)
            _DENSE.__set__(self, dense)
        return dense

    @_buffer.setter
    def _buffer(self, value):
        _DENSE.__set__(self, value)
        self._parts = None
        self._structure = None

    @classmethod
    def _result(cls, data, ctx, producer=None, op_name=None, inputs=()):
        """Operator ``op_name``'s result ``data`` in this storage: it stores the requested
        rows (retain), the union of what its inputs of this storage and shape store (the
        structure-keeping kernels), or else its nonzeros."""
        if cls.stype == "csr" and data.ndim != 2:
            raise ValueError(f"csr storage needs a 2-D array, got shape {tuple(data.shape)}")
        if op_name == "_sparse_retain":
            rows = np.unique(np.asarray(inputs[1].asnumpy(), np.int64))
            structure = (rows[(rows >= 0) & (rows < data.shape[0])],)
        else:
            alike = [x for x in inputs if x.stype == cls.stype and x.shape == tuple(data.shape)]
            structure = _structure_union(cls.stype, alike, data.shape) if alike else None
        return cls(data, ctx, producer, structure)

    def _components(self):
        """(data, *aux) as host arrays, derived from the dense value when not given."""
        if self._parts is None:
            dense = np.asarray(self._buffer)
            aux = self._structure if self._structure is not None else self._nonzero(dense)
            self._parts = (self._gather(dense, aux), *aux)
        return self._parts

    # --- MXNet's surface -------------------------------------------------------------

    @property
    def dtype(self):
        dense = _DENSE.__get__(self)
        return (dense if dense is not None else self._parts[0]).dtype.type

    @property
    def _num_aux(self):
        return len(_STORAGE_AUX_TYPES[self.stype])

    @property
    def _aux_types(self):
        return list(_STORAGE_AUX_TYPES[self.stype])

    def _data(self):
        """A copy of the stored values as a dense NDArray."""
        return host_array(self._ctx, self._components()[0])

    def _aux_data(self, i):
        """A copy of the i-th aux array (csr: 0 indptr, 1 indices) as a dense NDArray."""
        return host_array(self._ctx, self._components()[1 + i])

    def __repr__(self):
        shape = "x".join(str(d) for d in self._shape)
        return f"\n<{type(self).__name__} {shape} @{self._ctx}>"

    __str__ = __repr__

    def __reduce__(self):
        data, *aux = self._components()
        return _unpickle, (self.stype, data, tuple(aux), self._shape, self._ctx.device_type,
                           self._ctx.device_id)

    def _as_operand(self, value):
        return value if isinstance(value, NDArray) else super()._as_operand(value)

    def _binary(self, other, key, reflected=False):
        """As MXNet's sparse arithmetic: the elementwise operator for arrays of one shape
        (sparse kernels), the broadcasting one otherwise."""
        if isinstance(other, NDArray) and other.shape == self._shape:
            return invoke(get_op(BINARY[key][1][0]), (other, self) if reflected else (self, other),
                          {})
        return super()._binary(other, key, reflected)

    def _inplace(self, other, key):
        result = self._binary(other, key)
        if result is NotImplemented:
            return NotImplemented
        result.copyto(self)
        return self

    def _at(self, idx):
        raise NotSupportedForSparseNDArray(self._at, "[idx]", idx)

    def _slice(self, start, stop):
        raise NotSupportedForSparseNDArray(self._slice, None, start, stop)

    def reshape(self, *shape, **kwargs):
        raise NotSupportedForSparseNDArray(self.reshape, None, shape)

    def detach(self):
        copy = type(self).__new__(type(self))
        for slot in ("_base", "_begin", "_shape", "_ctx", "_producer", "_parts", "_structure",
                     "_writable"):
            setattr(copy, slot, getattr(self, slot))
        _DENSE.__set__(copy, _DENSE.__get__(self))
        copy._entry = None
        return copy

    def astype(self, dtype, copy=True):
        """A copy with values of ``dtype`` and the same storage; with copy=False this array
        when it already has that dtype."""
        dtype = normalize_dtype(dtype)
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        data, *aux = self._components()
        return type(self)._from_parts(data.astype(dtype), aux, self._shape, self._ctx)

    @x64.x64
    def copyto(self, other):
        """Copy into an NDArray (dense or of a storage this one converts to) or onto a
        Context, keeping this array's stored structure."""
        if isinstance(other, Context):
            data, *aux = self._components()
            copy = type(self)._from_parts(data, aux, self._shape, other)
            tape.record_alias(copy, self)
            return copy
        if not isinstance(other, NDArray):
            raise TypeError(f"copyto does not support type {type(other).__name__}")
        if other is self:
            warnings.warn("You are attempting to copy an array to itself", RuntimeWarning)
            return False
        if other.stype not in ("default", self.stype):
            raise TypeError(f"copyto does not support destination NDArray stype {other.stype}")
        if other.shape != self._shape:
            raise MXNetError(f"copyto: cannot copy an array of shape {self._shape} into one of "
                             f"shape {other.shape}")
        if other.stype == self.stype:
            data, *aux = self._components()
            dtype = other.dtype
            dense = _DENSE.__get__(self)
            _DENSE.__set__(other, None if dense is None else
                           x64.device_put(dense, other._ctx.jax_device).astype(dtype))
            other._parts = (data.astype(dtype), *aux)
            other._structure = tuple(aux)
            return other
        return NDArray.copyto(self, other)

    def tostype(self, stype):
        """A copy of the array in storage ``stype``."""
        if stype == self.stype:
            return self.copy()
        if stype == "default":
            return NDArray(self._read(), self._ctx)
        return NDArray.tostype(self, stype)

    def check_format(self, full_check=True):
        """Raise MXNetError when the stored components are not a valid array of this
        storage type (indices out of range, unsorted or duplicate, a bad indptr)."""
        data, *aux = self._components()
        problem = self._format_problem(data, [np.asarray(a) for a in aux], full_check)
        if problem:
            raise MXNetError(f"check_format: invalid {self.stype} array: {problem}")

    def retain(self, *args, **kwargs):
        raise NotSupportedForSparseNDArray(self.retain, "retain", *args)

    def __getitem__(self, key):
        if isinstance(key, slice) and key == slice(None):
            return self
        raise ValueError(f"{type(self).__name__} does not support indexing with {key!r}")

    def __setitem__(self, key, value):
        """``x[:] = value``: an NDArray, a numpy array or (row_sparse only) a scalar."""
        if not (isinstance(key, slice) and key == slice(None)):
            raise ValueError(f"{type(self).__name__} only supports [:] for assignment")
        if isinstance(value, NDArray):
            if value is not self:
                value.copyto(self)
        elif isinstance(value, (np.ndarray, np.generic)):
            host_array(self._ctx, np.asarray(value, self.dtype)).copyto(self)
        elif isinstance(value, (int, float, np.number)) and self.stype == "row_sparse":
            self._write(x64.device_put(np.full(self._shape, value, self.dtype),
                                       self._ctx.jax_device))
        else:
            raise ValueError(f"assigning {type(value).__name__} to a {type(self).__name__} is "
                             f"not supported")


class CSRNDArray(BaseSparseNDArray):
    """A 2-D array in compressed sparse row format: row i's column indices are
    ``indices[indptr[i]:indptr[i+1]]`` and its values ``data[indptr[i]:indptr[i+1]]``."""

    __slots__ = ()
    stype = "csr"

    @staticmethod
    def _nonzero(dense):
        rows, cols = np.nonzero(dense)
        counts = np.bincount(rows, minlength=dense.shape[0])
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return indptr, cols.astype(np.int64)

    @staticmethod
    def _rows(indptr):
        return np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))

    @classmethod
    def _gather(cls, dense, aux):
        indptr, indices = aux
        return dense[cls._rows(indptr), indices]

    @classmethod
    def _scatter(cls, dense, data, aux):
        indptr, indices = aux
        dense[cls._rows(indptr), indices] = data

    def _format_problem(self, data, aux, full_check):
        indptr, indices = aux
        rows, cols = self._shape
        if len(indptr) != rows + 1 or len(indices) != len(data):
            return "the aux arrays do not fit the shape"
        if indptr[-1] != len(indices):
            return f"indptr ends with {indptr[-1]}, not the number of indices {len(indices)}"
        if not full_check:
            return None
        if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or np.any(indptr < 0):
            return "indptr is not a nondecreasing sequence starting at 0"
        if np.any(indices < 0) or np.any(indices >= cols):
            return "a column index is out of range"
        for row in range(rows):
            span = indices[indptr[row]:indptr[row + 1]]
            if np.any(np.diff(span) <= 0):
                return f"the column indices of row {row} are not ascending"
        return None

    @property
    def data(self):
        """A copy of the stored values."""
        return self._data()

    @property
    def indices(self):
        """A copy of the column indices (int64)."""
        return self._aux_data(1)

    @property
    def indptr(self):
        """A copy of the row pointers (int64)."""
        return self._aux_data(0)

    def __getitem__(self, key):
        """Rows: ``a[i]`` and ``a[start:stop]`` (step 1) as a CSRNDArray."""
        if isinstance(key, (int, np.integer)):
            begin = key + self._shape[0] if key < 0 else key
            return self._row_slice(begin, begin + 1)
        if isinstance(key, slice):
            if key.step is not None:
                raise ValueError("CSRNDArray only supports continuous slicing on axis 0")
            if key.start is None and key.stop is None:
                return self
            begin, end, _ = key.indices(self._shape[0])
            return self._row_slice(begin, end)
        if isinstance(key, tuple):
            raise ValueError("Multi-dimension indexing is not supported")
        raise ValueError(f"Undefined behaviour for {key}")

    def _row_slice(self, begin, end):
        return invoke(get_op("slice"), (self,), {"begin": (begin,), "end": (end,), "step": ()})

    def tostype(self, stype):
        if stype == "row_sparse":
            raise ValueError("cast_storage from csr to row_sparse is not supported")
        return super().tostype(stype)

    def asscipy(self):
        """The array as a scipy.sparse.csr_matrix (a copy)."""
        import scipy.sparse as spsp
        data, indptr, indices = self._components()
        return spsp.csr_matrix((data, indices, indptr), shape=self._shape, dtype=self.dtype)


class RowSparseNDArray(BaseSparseNDArray):
    """An array stored as the row slices ``data`` at the sorted row ``indices``; the other
    rows are zero: ``dense[indices[i]] = data[i]``."""

    __slots__ = ()
    stype = "row_sparse"

    @staticmethod
    def _nonzero(dense):
        rows = dense.reshape(dense.shape[0], -1).any(axis=1) if dense.ndim else dense
        return (np.nonzero(rows)[0].astype(np.int64),)

    @staticmethod
    def _gather(dense, aux):
        return dense[aux[0]]

    @staticmethod
    def _scatter(dense, data, aux):
        dense[aux[0]] = data

    def _format_problem(self, data, aux, full_check):
        (indices,) = aux
        if len(indices) != len(data) or data.shape[1:] != self._shape[1:]:
            return "the data and indices do not fit the shape"
        if not full_check:
            return None
        if np.any(indices < 0) or np.any(indices >= self._shape[0]):
            return "a row index is out of range"
        if np.any(np.diff(indices) <= 0):
            return "the row indices are not ascending"
        return None

    @property
    def data(self):
        """A copy of the stored rows."""
        return self._data()

    @property
    def indices(self):
        """A copy of the row indices (int64)."""
        return self._aux_data(0)

    def tostype(self, stype):
        if stype == "csr":
            raise ValueError("cast_storage from row_sparse to csr is not supported")
        return super().tostype(stype)

    def _stored_rows(self):
        """A jax boolean per row: whether this array stores the row (its nonzero rows when
        the structure was not given), on the array's device."""
        if self._structure is None and self._parts is None:
            dense = self._buffer
            return _nonzero_rows(dense.reshape(dense.shape[0], -1))
        rows = np.zeros(self._shape[0], bool)
        rows[self._components()[1]] = True
        return x64.device_put(rows, self._ctx.jax_device)

    def retain(self, indices):
        """The rows listed in ``indices``; the others become zero (see sparse.retain)."""
        return invoke(get_op("_sparse_retain"), (self, indices), {})


def _any_nonzero(rows):
    return jnp.any(rows != 0, axis=1)


_nonzero_rows = x64.jit(_any_nonzero)


def with_storage_of(arrays, data, ctx):
    """``data`` (a jax array on ``ctx``) as an NDArray of the storage type all ``arrays``
    share (dense if they differ). A row_sparse result stores the union of their stored rows
    where those are known without reading the values, else its nonzero rows."""
    stypes = {a.stype for a in arrays}
    if len(stypes) != 1 or stypes == {"default"}:
        return NDArray(data, ctx)
    stype = stypes.pop()
    structure = None
    if stype == "row_sparse" and all(a._structure is not None for a in arrays):
        rows = np.unique(np.concatenate([a._structure[0] for a in arrays]))
        structure = (rows.astype(np.int64),)
    return STORAGE_CLASSES[stype](data, ctx, None, structure)


def _unpickle(stype, data, aux, shape, device_type, device_id):
    ctx = existing_or_cpu(Context(device_type, device_id))
    return STORAGE_CLASSES[stype]._from_parts(data, aux, shape, ctx)


def _structure_union(stype, arrays, shape):
    """The aux arrays storing every entry any of ``arrays`` (of ``stype``) stores."""
    if stype == "row_sparse":
        rows = np.unique(np.concatenate([a._components()[1] for a in arrays]))
        return (rows.astype(np.int64),)
    mask = np.zeros(shape, bool)
    for array in arrays:
        _, indptr, indices = array._components()
        mask[CSRNDArray._rows(indptr), indices] = True
    return CSRNDArray._nonzero(mask)


STORAGE_CLASSES.update({"csr": CSRNDArray, "row_sparse": RowSparseNDArray})

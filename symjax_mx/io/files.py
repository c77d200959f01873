"""Iterators over files, MXNet's native ones: CSVIter, MNISTIter and LibSVMIter."""
import gzip
import math
import os
import struct
import sys
import warnings

import numpy as np

from ..base import MXNetError, normalize_shape
from ..context import cpu
from ..ndarray.sparse import csr_matrix
from .io import DataBatch, DataDesc, DataIter, _to_nd



class MXDataIter(DataIter):
    """Base of the file iterators; as MXNet's, ``getdata``/``getlabel`` return one NDArray.

    A subclass sets ``provide_data``, ``provide_label`` and ``batch_size`` and implements
    ``_fetch()``: the next (data, label, pad, index) as numpy values, or None at the end.
    """

    _batch = None

    def iter_next(self):
        self._batch = self._fetch()
        return self._batch is not None

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=[self.getdata()], label=[self.getlabel()], pad=self.getpad(),
                         index=self.getindex())

    def getdata(self):
        return _to_nd(self._batch[0])

    def getlabel(self):
        return _to_nd(self._batch[1])

    def getpad(self):
        return self._batch[2]

    def getindex(self):
        return self._batch[3]


def _positive(name, value):
    if value is None:
        raise MXNetError(f"Required parameter {name} is not presented")
    if int(value) < 1:
        raise MXNetError(f"{name} must be positive, got {value}")
    return int(value)


_CSV_DTYPES = {None: np.float32, "float32": np.float32, "int32": np.int32, "int64": np.int64}


def _read_csv(path, width, shape_name, dtype):
    """The rows of a CSV file (or of every file in a directory) as an (n, width) array."""
    if not os.path.exists(path):
        raise MXNetError(f"CSVIter: cannot open {path!r}: no such file or directory")
    files = [path]
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path))
    parts = []
    for fname in files:
        try:
            with warnings.catch_warnings():  # an empty file is checked below
                warnings.simplefilter("ignore", UserWarning)
                rows = np.loadtxt(fname, delimiter=",", dtype=np.float64, ndmin=2)
        except (OSError, ValueError) as err:
            raise MXNetError(f"CSVIter: cannot read {fname!r}: {err}") from None
        if rows.size and rows.shape[1] != width:
            raise MXNetError(f"CSVIter: the rows of {fname!r} have {rows.shape[1]} values, but "
                             f"{shape_name} needs {width}")
        parts.append(rows.reshape(-1, width))
    rows = np.concatenate(parts)
    if not len(rows):
        raise MXNetError(f"CSVIter: {path!r} has no rows")
    return rows.astype(dtype)  # integers truncate toward zero


class _RowBatches(MXDataIter):
    """A file iterator whose batches are rows ``0 .. num_data - 1`` in order. With
    ``round_batch`` the last batch is filled from the start of the data and the next epoch
    (after ``reset``) continues after those rows; without it the batch is short (``pad``)."""

    num_data = 0
    round_batch = True
    _pos = 0  # next row to read
    _overflow = 0  # rows the last batch took from the start (round_batch)

    def reset(self):
        if self.round_batch and self._overflow:
            self._overflow = 0  # continue after the rows the last batch already used
        else:
            self._pos = 0

    def _next_rows(self):
        """(row numbers, pad) of the next batch, or None at the end of the epoch."""
        if self._overflow or self._pos >= self.num_data:
            return None
        rows = np.arange(self._pos, min(self._pos + self.batch_size, self.num_data))
        self._pos += len(rows)
        pad = self.batch_size - len(rows)
        if pad and self.round_batch:
            if pad > self.num_data:
                raise MXNetError(f"{type(self).__name__}: round_batch needs {pad} more rows "
                                 f"than the {self.num_data} in the file to fill a batch")
            rows = np.concatenate([rows, np.arange(pad)])
            self._pos = self._overflow = pad
        return rows, pad


class CSVIter(_RowBatches):
    """Batches of the rows of a CSV file, each reshaped to ``data_shape``.

    Without ``label_csv`` every label is 0. With ``round_batch`` the last batch is filled
    from the start of the data and the next epoch (after ``reset``) continues after those
    examples; without it the padding slots keep the previous batch's values. Keyword
    arguments only; unknown ones (``prefetch_buffer``, ``ctx`` ...) are ignored as in MXNet.
    """

    def __init__(self, *, data_csv=None, data_shape=None, label_csv=None, label_shape=(1,),
                 batch_size=None, round_batch=True, dtype=None, data_name="data",
                 label_name="softmax_label", **_ignored):
        super().__init__(_positive("batch_size", batch_size))
        if data_csv is None or data_shape is None:
            raise MXNetError("Required parameters data_csv and data_shape are not presented")
        if dtype not in _CSV_DTYPES:
            raise MXNetError(f"{dtype} is not supported for CSVIter")
        dtype = _CSV_DTYPES[dtype]
        data_shape, label_shape = normalize_shape(data_shape), normalize_shape(label_shape)
        self._data = _read_csv(data_csv, math.prod(data_shape), f"data_shape={data_shape}", dtype)
        self.num_data = len(self._data)
        if label_csv in (None, "NULL"):
            self._label, label_shape = np.zeros((self.num_data, 1), dtype), (1,)
        else:
            self._label = _read_csv(label_csv, math.prod(label_shape),
                                    f"label_shape={label_shape}", dtype)
            if len(self._label) < self.num_data:
                raise MXNetError(f"CSVIter: label_csv has {len(self._label)} rows, fewer than "
                                 f"the {self.num_data} rows of data_csv")
        self.round_batch = round_batch
        self._data_shape = (self.batch_size,) + data_shape
        # MXNet gives a label of shape (1, ...) per example as one value per example.
        self._label_shape = ((self.batch_size,) if label_shape[0] == 1
                             else (self.batch_size,) + label_shape)
        self.provide_data = [DataDesc(data_name, self._data_shape, dtype)]
        self.provide_label = [DataDesc(label_name, self._label_shape, dtype)]
        # Batch buffers: padding slots without round_batch keep the previous batch's values.
        self._data_buf = np.zeros((self.batch_size, self._data.shape[1]), dtype)
        self._label_buf = np.zeros((self.batch_size, self._label.shape[1]), dtype)
        self._index_buf = np.zeros(self.batch_size, np.uint64)

    def _fetch(self):
        planned = self._next_rows()
        if planned is None:
            return None
        rows, pad = planned
        self._data_buf[:len(rows)] = self._data[rows]
        self._label_buf[:len(rows)] = self._label[rows]
        self._index_buf[:len(rows)] = rows
        label = self._label_buf.reshape(-1)[:self.batch_size] if len(self._label_shape) == 1 \
            else self._label_buf
        return (self._data_buf.reshape(self._data_shape), label.reshape(self._label_shape),
                pad, self._index_buf.copy())


def read_idx(path, magic, what, reader="MNISTIter"):
    """The uint8 array of an MNIST idx file (optionally gzipped), checking its magic
    number; errors name the ``reader`` and the ``what`` ('image', 'label') it wanted."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise MXNetError(f"{reader}: cannot open {what} file {path!r}: {err.strerror}") from None
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    ndim = magic & 0xFF
    header = 4 * (1 + ndim)
    found = struct.unpack(">i", raw[:4])[0] if len(raw) >= 4 else None
    if found != magic or len(raw) < header:
        raise MXNetError(f"{reader}: {path!r} is not an MNIST {what} file (magic number "
                         f"{found}, expected {magic})")
    dims = struct.unpack(f">{ndim}i", raw[4:header])
    if len(raw) - header < math.prod(dims):
        raise MXNetError(f"{reader}: {what} file {path!r} is truncated: dims {dims} need "
                         f"{math.prod(dims)} bytes, it has {len(raw) - header}")
    return np.frombuffer(raw, np.uint8, math.prod(dims), header).reshape(dims)


class MNISTIter(MXDataIter):
    """Batches of MNIST idx files: images scaled by 1/256 to float32, labels as float32.

    Data is (batch, 1, rows, cols), or (batch, rows*cols) with ``flat``. Only full batches
    are returned. ``shuffle`` permutes the examples once, with ``seed``. ``num_parts`` /
    ``part_index`` select a contiguous part of the files. Keyword arguments only; unknown
    ones (``input_shape``, ``prefetch_buffer`` ...) are ignored as in MXNet.
    """

    def __init__(self, *, image="./train-images-idx3-ubyte", label="./train-labels-idx1-ubyte",
                 batch_size=128, shuffle=True, flat=False, seed=0, silent=False, num_parts=1,
                 part_index=0, data_name="data", label_name="softmax_label", **_ignored):
        super().__init__(_positive("batch_size", batch_size))
        if not 0 <= part_index < num_parts:
            raise MXNetError(f"MNISTIter: part_index {part_index} is not in [0, {num_parts})")
        images = read_idx(image, 0x803, "image")
        labels = read_idx(label, 0x801, "label")
        if len(images) != len(labels):
            raise MXNetError(f"MNISTIter: {image!r} has {len(images)} images but {label!r} "
                             f"has {len(labels)} labels")
        start, end = (int(len(images) / num_parts * p) for p in (part_index, part_index + 1))
        images, labels = images[start:end], labels[start:end]
        self.num_data = len(images)
        if self.batch_size > self.num_data:
            raise MXNetError(f"MNISTIter: batch_size {self.batch_size} is larger than the "
                             f"{self.num_data} images")
        if shuffle:
            order = np.random.RandomState(seed).permutation(self.num_data)
            images, labels = images[order], labels[order]
        shape = (-1, images.shape[1] * images.shape[2]) if flat else (-1, 1) + images.shape[1:]
        self._images = (images.astype(np.float32) / 256).reshape(shape)
        self._labels = labels.astype(np.float32)
        self.provide_data = [DataDesc(data_name, (self.batch_size,) + self._images.shape[1:])]
        self.provide_label = [DataDesc(label_name, (self.batch_size,))]
        self._pos = 0
        if not silent:  # MXNet's native log line: stderr, not Python's root logger
            shape = ",".join(str(n) for n in self.provide_data[0].shape)
            print(f"MNISTIter: load {self.num_data} images, shuffle={int(bool(shuffle))}, "
                  f"shape=({shape})", file=sys.stderr)

    def reset(self):
        self._pos = 0

    def _fetch(self):
        if self._pos + self.batch_size > self.num_data:
            return None
        rows = slice(self._pos, self._pos + self.batch_size)
        self._pos += self.batch_size
        return self._images[rows], self._labels[rows], 0, None


def _line_start(raw, offset):
    """The offset of the first line of ``raw`` starting at or after ``offset``."""
    if offset <= 0 or offset >= len(raw):
        return min(max(offset, 0), len(raw))
    if raw[offset - 1:offset] == b"\n":
        return offset
    newline = raw.find(b"\n", offset)
    return len(raw) if newline < 0 else newline + 1


def _read_libsvm(path, width, num_parts, part_index):
    """(labels, indptr, indices, values) of the lines of a LibSVM file (zero-based feature
    indices) in part ``part_index`` of ``num_parts``: equal byte ranges moved to line starts,
    as MXNet's reader splits a file."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as err:
        raise MXNetError(f"LibSVMIter: cannot open {path!r}: {err.strerror}") from None
    step = -(-len(raw) // num_parts)
    part = raw[_line_start(raw, step * part_index):_line_start(raw, step * (part_index + 1))]
    labels, indptr, indices, values = [], [0], [], []
    for number, line in enumerate(part.decode().splitlines(), 1):
        tokens = line.split()
        if not tokens:
            continue
        try:
            labels.append(float(tokens[0].split(":")[0]))
            pairs = [token.split(":") for token in tokens[1:]]
            indices.extend(int(index) for index, _ in pairs)
            values.extend(float(value) for _, value in pairs)
        except ValueError:
            raise MXNetError(f"LibSVMIter: {path!r} line {number} is not "
                             f"'label index:value ...': {line!r}") from None
        indptr.append(len(indices))
    if indices and max(indices) >= width:
        raise MXNetError(f"LibSVMIter: {path!r} has feature index {max(indices)}, outside the "
                         f"data shape ({width},) (indices are zero-based)")
    return (np.array(labels, np.float32), np.array(indptr, np.int64),
            np.array(indices, np.int64), np.array(values, np.float32))


class LibSVMIter(_RowBatches):
    """Batches of the lines of a LibSVM file as CSRNDArrays of shape (batch_size,
    data_shape[0]). The label is each line's first value, or, with ``label_libsvm``, a
    CSRNDArray of that file's lines (label_shape). Batches always round (``round_batch``);
    ``num_parts``/``part_index`` read one part of the file."""

    def __init__(self, *, data_libsvm=None, data_shape=None, label_libsvm=None,
                 label_shape=(1,), batch_size=None, round_batch=True, num_parts=1,
                 part_index=0, data_name="data", label_name="softmax_label", **_ignored):
        super().__init__(_positive("batch_size", batch_size))
        if data_libsvm is None or data_shape is None:
            raise MXNetError("Required parameters data_libsvm and data_shape are not presented")
        if not round_batch:
            raise MXNetError("sparse batch loader doesn't support round_batch == false yet")
        data_shape, label_shape = normalize_shape(data_shape), normalize_shape(label_shape)
        if len(data_shape) != 1 or len(label_shape) != 1:
            raise MXNetError(f"LibSVMIter: data_shape and label_shape must have one dimension, "
                             f"got {data_shape} and {label_shape}")
        if not 0 <= int(part_index) < int(num_parts):
            raise MXNetError(f"LibSVMIter: part_index {part_index} is not below num_parts "
                             f"{num_parts}")
        labels, *self._data = _read_libsvm(data_libsvm, data_shape[0], int(num_parts),
                                           int(part_index))
        self.num_data = len(labels)
        self._label = labels
        if label_libsvm not in (None, "NULL"):
            _, *self._label = _read_libsvm(label_libsvm, label_shape[0], int(num_parts),
                                           int(part_index))
            if len(self._label[0]) - 1 < self.num_data:
                raise MXNetError(f"LibSVMIter: label_libsvm has {len(self._label[0]) - 1} "
                                 f"lines, fewer than the {self.num_data} of data_libsvm")
        elif label_shape != (1,):
            raise MXNetError(f"LibSVMIter: label_shape {label_shape} needs label_libsvm")
        self._widths = data_shape[0], label_shape[0]
        label_dims = (self.batch_size,) + (label_shape if label_libsvm not in (None, "NULL")
                                           else ())
        self.provide_data = [DataDesc(data_name, (self.batch_size,) + data_shape)]
        self.provide_label = [DataDesc(label_name, label_dims)]

    @staticmethod
    def _csr_rows(csr, rows, width):
        """The CSRNDArray of ``rows`` of a host CSR matrix (indptr, indices, values)."""
        indptr, indices, values = csr
        picked = [np.arange(indptr[r], indptr[r + 1]) for r in rows]
        counts = np.array([0] + [len(p) for p in picked], np.int64)
        taken = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        return csr_matrix((values[taken], indices[taken], np.cumsum(counts)),
                          shape=(len(rows), width), ctx=cpu(), dtype=np.float32)

    def _fetch(self):
        planned = self._next_rows()
        if planned is None:
            return None
        rows, pad = planned
        data = self._csr_rows(self._data, rows, self._widths[0])
        label = (_to_nd(self._label[rows]) if isinstance(self._label, np.ndarray)
                 else self._csr_rows(self._label, rows, self._widths[1]))
        return data, label, pad, rows.astype(np.uint64)

    def getdata(self):
        return self._batch[0]

    def getlabel(self):
        return self._batch[1]

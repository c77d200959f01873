"""Data iterators: DataDesc, DataBatch, DataIter, NDArrayIter, ResizeIter, PrefetchingIter."""
import functools
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor, wait

import jax
import jax.numpy as jnp
import numpy as np

from .. import x64
from ..base import MXNetError, mx_real_t
from ..context import cpu
from ..ndarray import NDArray, array


def _to_nd(host):
    """One NDArray on the CPU from a numpy array, keeping its dtype."""
    return array(host, ctx=cpu(), dtype=host.dtype)


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name and shape of an input (a tuple), plus its dtype and layout (attributes)."""

    def __new__(cls, name, shape, dtype=mx_real_t, layout="NCHW"):
        ret = super().__new__(cls, name, shape)
        ret.dtype = dtype
        ret.layout = layout
        return ret

    def __repr__(self):
        return f"DataDesc[{self.name},{self.shape},{self.dtype},{self.layout}]"

    @staticmethod
    def get_batch_axis(layout):
        """The axis of 'N' in ``layout`` (0 for None, -1 if absent)."""
        return 0 if layout is None else layout.find("N")

    @staticmethod
    def get_list(shapes, types):
        """DataDescs from (name, shape) pairs and optional (name, dtype) pairs."""
        if types is None:
            return [DataDesc(name, shape) for name, shape in shapes]
        type_dict = dict(types)
        return [DataDesc(name, shape, type_dict[name]) for name, shape in shapes]


class DataBatch:
    """One batch: lists of data and label NDArrays, pad count, index, bucket key, descs."""

    def __init__(self, data, label=None, pad=None, index=None, bucket_key=None,
                 provide_data=None, provide_label=None):
        if data is not None and not isinstance(data, (list, tuple)):
            raise AssertionError("Data must be list of NDArrays")
        if label is not None and not isinstance(label, (list, tuple)):
            raise AssertionError("Label must be list of NDArrays")
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self):
        data_shapes = [d.shape for d in self.data]
        label_shapes = [lab.shape for lab in self.label] if self.label else None
        return f"{type(self).__name__}: data shapes: {data_shapes} label shapes: {label_shapes}"


class DataIter:
    """Base class of data iterators: ``next`` returns a DataBatch or raises StopIteration."""

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        """Go back to the beginning of the data."""

    def next(self):
        """The next DataBatch; StopIteration at the end of the data."""
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                         index=self.getindex())

    def __next__(self):
        return self.next()

    def iter_next(self):
        """Move to the next batch; whether there was one."""

    def getdata(self):
        """The data of the current batch."""

    def getlabel(self):
        """The label of the current batch."""

    def getindex(self):
        """The example indices of the current batch, or None."""
        return None

    def getpad(self):
        """The number of padding examples in the current batch."""


class _BatchHolder(DataIter):
    """An iterator whose ``iter_next`` sets ``current_batch``: the getters read it."""

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


class ResizeIter(_BatchHolder):
    """``data_iter`` resized to ``size`` batches per epoch (restarting it when it ends)."""

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__()
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, "default_bucket_key"):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self):
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True


def _next_or_none(data_iter):
    try:
        return data_iter.next()
    except StopIteration:
        return None


def _renamed(descs, renames):
    if renames is None:
        return sum((list(d) for d in descs), [])
    return sum(([DataDesc(r[x.name], x.shape, x.dtype) if isinstance(x, DataDesc) else DataDesc(*x)
                 for x in d] for d, r in zip(descs, renames)), [])


class PrefetchingIter(_BatchHolder):
    """Fetches the next batch of each of ``iters`` in background threads.

    The batches of several iterators are joined: their data lists and label lists are
    concatenated. ``rename_data`` / ``rename_label`` are lists (one per iterator) of
    {old name: new name} dicts. An error raised by an iterator in its thread is re-raised
    by ``next``.
    """

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        if not iters:
            raise AssertionError("PrefetchingIter needs at least one iterator")
        self.n_iter = len(iters)
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.current_batch = None
        self._pool = ThreadPoolExecutor(self.n_iter, thread_name_prefix="PrefetchingIter")
        self._pending = self._prefetch()

    def _prefetch(self):
        return [self._pool.submit(_next_or_none, it) for it in self.iters]

    @property
    def provide_data(self):
        return _renamed([it.provide_data for it in self.iters], self.rename_data)

    @property
    def provide_label(self):
        return _renamed([it.provide_label for it in self.iters], self.rename_label)

    def reset(self):
        wait(self._pending)  # batches (or errors) fetched before the reset are dropped
        for it in self.iters:
            it.reset()
        self._pending = self._prefetch()

    def iter_next(self):
        batches = [f.result() for f in self._pending]  # re-raises an iterator's error
        if all(b is None for b in batches):
            return False
        if any(b is None or b.pad != batches[0].pad for b in batches):
            raise AssertionError("Number of entry mismatches between iterators")
        self.current_batch = DataBatch(sum((b.data for b in batches), []),
                                       sum((b.label or [] for b in batches), []),
                                       batches[0].pad, batches[0].index,
                                       provide_data=self.provide_data,
                                       provide_label=self.provide_label)
        self._pending = self._prefetch()
        return True

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return self.current_batch


def _is_csr(value):
    """Whether ``value`` is a CSR matrix: a CSRNDArray or a scipy.sparse one."""
    return getattr(value, "stype", None) == "csr" or (
        type(value).__module__.startswith("scipy.sparse") and hasattr(value, "tocsr"))


def _as_stored(name, value):
    """A copy of an input on the CPU, as MXNet's NDArrayIter keeps it: an NDArray keeps
    its dtype, anything else is float32; CSR matrices stay scipy.sparse CSR matrices
    (their batches become CSRNDArrays)."""
    if _is_csr(value):
        return value.asscipy() if isinstance(value, NDArray) else value.tocsr()
    if isinstance(value, NDArray):
        return array(value, ctx=cpu(), dtype=value.dtype)
    try:
        # a private copy, taken now: the transfer may read its source after this returns
        host = np.array(value, dtype=mx_real_t, copy=True)
    except (TypeError, ValueError):
        raise TypeError(f"Invalid type '{type(value)}' for {name}, should be NDArray, "
                        "numpy.ndarray or h5py.Dataset") from None
    return NDArray(x64.device_put(host, cpu().jax_device, may_alias=True), cpu())


@functools.partial(x64.jit, static_argnums=(2, 3, 4))
def _slice_batches(datas, start, size, count, axis):
    """``count`` consecutive batches of ``size`` examples from ``start`` on, each a list
    of the ``datas`` cut along ``axis``."""
    return [[jax.lax.dynamic_slice_in_dim(data, start + i * size, size, axis) for data in datas]
            for i in range(count)]


@functools.partial(x64.jit, static_argnums=(2,))
def _take_batches(datas, rows, axis):
    """One batch per row of ``rows`` (example positions), each a list of the ``datas``
    taken along ``axis``."""
    return [[jnp.take(data, batch_rows, axis=axis) for data in datas] for batch_rows in rows]


# NDArrayIter cuts this many full batches with one program (one dispatch instead of
# eight), while they take at most _AHEAD_BYTES together
_AHEAD_BATCHES, _AHEAD_BYTES = 8, 32 << 20


def _rows_of(values, rows, axis):
    """Copies of the examples ``rows`` (a slice or positions) of stored inputs along
    ``axis``, the dense ones cut on the device by one program per context. (Not views:
    a view's data would be cut again at each read, queued behind the training steps
    dispatched since.)"""
    results = [_to_nd(value[rows]) if _is_csr(value) else None for value in values]
    by_context = {}
    for i, value in enumerate(values):
        if results[i] is None:
            by_context.setdefault(value.context, []).append(i)
    for ctx, positions in by_context.items():
        datas = [values[i].asjax() for i in positions]
        if isinstance(rows, slice):
            cut = _slice_batches(datas, rows.start, rows.stop - rows.start, 1, axis)[0]
        else:
            cut = _take_batches(datas, np.asarray(rows)[None], axis)[0]
        for i, data in zip(positions, cut):
            results[i] = NDArray(data, ctx)
    return results


def _init_data(data, allow_empty, default_name):
    """(name, numpy array) pairs sorted by name, from an array, a list or a dict of them."""
    if data is None:
        if not allow_empty:
            raise AssertionError(f"{default_name} must not be None")
        data = []
    if isinstance(data, (np.ndarray, NDArray)) or _is_csr(data):
        data = [data]
    if isinstance(data, list):
        if not data and not allow_empty:
            raise AssertionError(f"{default_name} must not be an empty list")
        if len(data) == 1:
            data = {default_name: data[0]}
        else:
            data = {f"_{i}_{default_name}": d for i, d in enumerate(data)}
    if not isinstance(data, dict):
        raise TypeError("Input must be NDArray, numpy.ndarray, h5py.Dataset "
                        "a list of them or dict with them as values")
    return [(name, _as_stored(name, value)) for name, value in sorted(data.items())]


class NDArrayIter(DataIter):
    """Iterates over arrays (numpy arrays, NDArrays, lists or dicts of them) in batches.

    ``last_batch_handle``: 'pad' fills the last batch from the start of the data (and
    reports the count as ``pad``), 'discard' drops it, 'roll_over' carries its examples
    into the first batch of the next epoch. The first array sets the number of examples;
    any longer array contributes only its leading ones, as in MXNet. ``shuffle`` reorders
    the examples with numpy's global RNG at every reset, as MXNet does.

    Batches are copies cut on the device, up to eight full ones by one program: ``next``
    costs one dispatch per eight batches instead of one each (about 100 us of host time
    per batch in a Module.fit of a small MLP). A write to the iterator's arrays still
    reaches every later batch.
    """

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label", layout="NCHW"):
        super().__init__(batch_size)
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise ValueError(f"last_batch_handle must be 'pad', 'discard' or 'roll_over', "
                             f"got {last_batch_handle!r}")
        if int(batch_size) < 1:
            raise MXNetError(f"batch_size must be positive, got {batch_size}")
        self.data = _init_data(data, allow_empty=False, default_name=data_name)
        self.label = _init_data(label, allow_empty=True, default_name=label_name)
        if any(_is_csr(v) for _, v in self.data + self.label) and \
                last_batch_handle != "discard":
            raise NotImplementedError("`NDArrayIter` only supports ``CSRNDArray`` with "
                                      "`last_batch_handle` set to `discard`.")
        self.layout = layout
        self._axis = DataDesc.get_batch_axis(layout)
        self.num_data = self.data[0][1].shape[self._axis]
        for name, value in self.data + self.label:  # longer arrays: the rest is unused
            if value.shape[self._axis] < self.num_data:
                raise MXNetError(f"NDArrayIter: {name} has {value.shape[self._axis]} examples "
                                 f"but {self.data[0][0]} has {self.num_data}")
        if last_batch_handle != "pad" and batch_size > self.num_data:
            raise MXNetError(f"NDArrayIter: batch_size {batch_size} is larger than the "
                             f"{self.num_data} examples, so '{last_batch_handle}' gives no batch")
        if shuffle:  # MXNet rebuilds shuffled inputs with mx.nd.array: float32
            self.data = [(k, v.astype(mx_real_t)) for k, v in self.data]
            self.label = [(k, v.astype(mx_real_t)) for k, v in self.label]
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = batch_size
        self.idx = np.arange(self.num_data)
        self._order = np.arange(self.num_data)  # example of each position in this epoch
        self._leftover = self._order[:0]  # examples rolled over from the last epoch
        self._ahead = {}  # (cursor, batch size) -> (sources, arrays) of batches cut ahead
        self.cursor = -batch_size
        self.reset()

    def _descs(self, sources):
        descs = []
        for name, value in sources:
            shape = list(value.shape)
            shape[self._axis] = self.batch_size
            descs.append(DataDesc(name, tuple(shape), np.dtype(value.dtype).type,
                                  layout=self.layout))
        return descs

    @property
    def provide_data(self):
        return self._descs(self.data)

    @property
    def provide_label(self):
        return self._descs(self.label)

    def _shuffle_data(self):
        # The data is permuted by the cumulatively shuffled idx at every shuffle, as in MXNet.
        np.random.shuffle(self.idx)
        self._order = self._order[self.idx]

    def hard_reset(self):
        """Go back to the start, dropping examples that would roll over."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._leftover = self._order[:0]
        self._ahead.clear()

    def reset(self):
        rolls = (self.last_batch_handle == "roll_over"
                 and self.num_data - self.batch_size < self.cursor < self.num_data)
        self._leftover = self._order[self.cursor:] if rolls else self._order[:0]
        if self.shuffle:
            self._shuffle_data()
        if rolls:
            self.cursor -= self.num_data + self.batch_size
        else:
            self.cursor = -self.batch_size
        self._ahead.clear()

    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self):
        if not self.iter_next():
            raise StopIteration
        if self.last_batch_handle != "pad" and self.cursor + self.batch_size > self.num_data:
            raise StopIteration  # an incomplete batch: dropped or rolled over at reset
        if (type(self).getdata is NDArrayIter.getdata
                and type(self).getlabel is NDArrayIter.getlabel):  # data and label at once
            arrays = self._batch_ahead()
            data, label = arrays[:len(self.data)], arrays[len(self.data):]
        else:
            data, label = self.getdata(), self.getlabel()
        return DataBatch(data=data, label=label, pad=self.getpad())

    def _rows(self):
        """The examples of the current batch: a slice when they are consecutive."""
        start, end = self.cursor, self.cursor + self.batch_size
        if -self.batch_size < start < 0:  # first batch after a roll-over reset
            return np.concatenate([self._leftover, self._order[:end]])
        if not self.shuffle and 0 <= start and end <= self.num_data:
            return slice(start, end)
        if self.last_batch_handle == "pad":
            return self._order[np.arange(start, end) % self.num_data]
        return self._order[start:end]

    def _batch(self, sources):
        return _rows_of([value for _, value in sources], self._rows(), self._axis)

    def _batch_ahead(self):
        """The current batch's data and label arrays, cut with the next few full batches
        by one program when they lie in this epoch's order (see ``_AHEAD_BATCHES``)."""
        values = [value for _, value in self.data + self.label]
        ahead = self._ahead.pop((self.cursor, self.batch_size), None)
        if ahead is not None and len(ahead[0]) == len(values) and all(
                type(v) is NDArray and v.asjax() is source for v, source in zip(values, ahead[0])):
            return ahead[1]  # cut from the arrays the iterator still holds
        count = self._count_ahead(values)
        if count < 2:
            return self._batch(self.data + self.label)
        start, size, sources = self.cursor, self.batch_size, [v.asjax() for v in values]
        self._ahead.clear()
        if not self.shuffle:
            cut = _slice_batches(sources, start, size, count, self._axis)
        else:
            rows = self._order[start:start + count * size].reshape(count, size)
            cut = _take_batches(sources, rows, self._axis)
        batches = [[NDArray(data, value.context) for data, value in zip(batch, values)]
                   for batch in cut]
        for i, batch in enumerate(batches[1:], 1):
            self._ahead[start + i * size, size] = (sources, batch)
        return batches[0]

    def _count_ahead(self, values):
        """How many batches from the cursor on to cut at once: _AHEAD_BATCHES where they
        are full, in this epoch, dense, on one context and within _AHEAD_BYTES; else 0."""
        start, size = self.cursor, self.batch_size
        if start < 0 or start + _AHEAD_BATCHES * size > self.num_data or any(
                _is_csr(v) or v.context != values[0].context for v in values):
            return 0
        row_bytes = sum(v.size // v.shape[self._axis] * np.dtype(v.dtype).itemsize
                        for v in values)
        return _AHEAD_BATCHES if _AHEAD_BATCHES * size * row_bytes <= _AHEAD_BYTES else 0

    def getdata(self):
        return self._batch(self.data)

    def getlabel(self):
        return self._batch(self.label)

    def getpad(self):
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0

"""DataLoader: mini-batches from a Dataset, made in this process, worker processes or
threads."""
import warnings

import numpy as np

from ... import context
from ... import ndarray as nd
from ...ndarray import NDArray
from ...numpy.multiarray import to_np_if_on
from . import sampler as _sampler
from ._workers import ProcessPool, ThreadWorkerPool, main_script_reruns_caller, worker_payload

__all__ = ["DataLoader", "default_batchify_fn", "default_mp_batchify_fn"]

_SHARED = context.Context("cpu_shared", 0)
_THREADS_FOR_UNPICKLABLE = (
    "DataLoader: the dataset or batchify_fn does not pickle ({}), and worker processes "
    "get copies of them (MXNet forks its workers, which JAX's threads make unsafe here); "
    "its workers are threads instead. Define the functions and classes it uses at module "
    "level to have worker processes.")
_THREADS_FOR_UNGUARDED_MAIN = (
    "DataLoader: worker processes import the main script (MXNet forks them), and this "
    "script makes its DataLoader outside `if __name__ == '__main__':`, so they would run "
    "it again; its workers are threads instead. Guard the script's entry point to have "
    "worker processes.")


def default_batchify_fn(data):
    """Stack samples into a batch: NDArrays with ``nd.stack``, tuples element-wise (a list
    of batches), anything else through ``numpy.asarray`` keeping its dtype; ``mx.np``
    arrays under NumPy semantics."""
    if isinstance(data[0], NDArray):
        return to_np_if_on(nd.stack(*data))
    if isinstance(data[0], tuple):
        return [default_batchify_fn(list(field)) for field in zip(*data)]
    data = np.asarray(data)
    return to_np_if_on(nd.array(data, dtype=data.dtype))


def default_mp_batchify_fn(data):
    """``default_batchify_fn`` for workers: the batch in shared CPU memory (``cpu_shared``)."""
    return _as_in_context(default_batchify_fn(data), _SHARED)


def _host_batchify(data):
    """``default_batchify_fn`` as numpy arrays: what a worker process makes, so that it
    neither compiles nor pickles NDArrays; the parent turns the leaves into NDArrays."""
    if isinstance(data[0], NDArray):
        return np.stack([item.asnumpy() for item in data])
    if isinstance(data[0], tuple):
        return [_host_batchify(list(field)) for field in zip(*data)]
    return np.asarray(data)


def _host_to_nd(batch):
    if isinstance(batch, list):
        return [_host_to_nd(field) for field in batch]
    return to_np_if_on(nd.array(batch, ctx=_SHARED, dtype=batch.dtype))


def _as_in_context(data, ctx):
    if isinstance(data, NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return [_as_in_context(d, ctx) for d in data]
    return data


class _MultiWorkerIter:
    """Batches from a worker pool in sampler order, keeping ``prefetch`` in flight."""

    def __init__(self, pool, batch_sampler, *, prefetch, timeout, convert, data_loader):
        self._pool = pool
        self._iter = iter(batch_sampler)
        self._pending = []
        self._timeout = timeout
        self._convert = convert
        self._data_loader = data_loader  # the loader (and its workers) outlive this iterator
        for _ in range(prefetch):
            self._push_next()

    def _push_next(self):
        samples = next(self._iter, None)
        if samples is not None:
            self._pending.append(self._pool.apply_async(list(samples)))

    def __next__(self):
        self._push_next()
        if not self._pending:
            raise StopIteration
        return self._convert(self._pending.pop(0).get(self._timeout))

    def __iter__(self):
        return self


class DataLoader:
    """Loads a Dataset (or a numpy array, NDArray or list) in mini-batches.

    ``batch_size`` / ``shuffle`` / ``sampler`` / ``last_batch`` ('keep', 'discard',
    'rollover') build the batch sampler, or ``batch_sampler`` is given instead of all of
    them. ``batchify_fn`` merges a list of samples into a batch (default: stack, tuples
    field by field). ``num_workers > 0`` makes batches in that many worker processes or,
    with ``thread_pool=True``, threads (also, with a warning, where the dataset or
    batchify_fn does not pickle, and for a script that makes its DataLoader outside
    ``if __name__ == '__main__':``, which worker processes would run again);
    ``prefetch`` batches (default ``2 * num_workers``) are made ahead. ``timeout`` seconds
    is the longest a batch may take. ``pin_memory`` / ``pin_device_id`` place batches on
    ``cpu_pinned(pin_device_id)``. ``auto_reload`` starts the next epoch's prefetch as soon
    as an epoch ends (and at construction).
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None,
                 last_batch=None, batch_sampler=None, batchify_fn=None,
                 num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=False):
        self._pool = None
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, given {timeout}")
        if batch_sampler is None:
            if batch_size is None:
                raise ValueError("batch_size must be specified unless batch_sampler is "
                                 "specified")
            if sampler is None:
                sampler = (_sampler.RandomSampler if shuffle
                           else _sampler.SequentialSampler)(len(dataset))
            elif shuffle:
                raise ValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size, last_batch or "keep")
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            raise ValueError("batch_size, shuffle, sampler and last_batch must not be "
                             "specified if batch_sampler is specified.")
        self._dataset = dataset
        self._batch_sampler = batch_sampler
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._timeout = timeout
        self._num_workers = max(0, num_workers)
        self._prefetch = max(0, int(prefetch) if prefetch is not None
                             else 2 * self._num_workers)
        self._batchify_fn = batchify_fn or (default_mp_batchify_fn if self._num_workers
                                            else default_batchify_fn)
        self._host_batches = False  # workers send numpy batches, made NDArrays here
        if self._num_workers and not thread_pool and main_script_reruns_caller():
            warnings.warn(_THREADS_FOR_UNGUARDED_MAIN, stacklevel=2)
            thread_pool = True
        payload = None
        if self._num_workers and not thread_pool:
            payload, reason = worker_payload(dataset, batchify_fn or _host_batchify)
            if payload is None:
                warnings.warn(_THREADS_FOR_UNPICKLABLE.format(reason), stacklevel=2)
        if payload is not None:
            self._host_batches = batchify_fn is None
            self._pool = ProcessPool(self._num_workers, payload)
        elif self._num_workers:
            self._pool = ThreadWorkerPool(self._num_workers, dataset, self._batchify_fn)
        self.auto_reload = auto_reload
        self._iter = None
        if auto_reload:
            self.refresh()

    def _place(self, batch):
        if self._host_batches:
            batch = _host_to_nd(batch)
        if self._pin_memory:
            return _as_in_context(batch, context.cpu_pinned(self._pin_device_id))
        return batch

    def _same_process_iter(self):
        for samples in self._batch_sampler:
            yield self._place(self._batchify_fn([self._dataset[i] for i in samples]))

    def _prefetch_iter(self):
        if self._pool is None:
            return self._same_process_iter()
        return _MultiWorkerIter(self._pool, self._batch_sampler, prefetch=self._prefetch,
                                timeout=self._timeout, convert=self._place,
                                data_loader=self)

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        batches, self._iter = self._iter, None  # an iterator is used once
        yield from batches
        if self._iter is None and self.auto_reload:
            self.refresh()

    def __len__(self):
        return len(self._batch_sampler)

    def refresh(self):
        """Start a new epoch's iterator now (its prefetch begins at once)."""
        self._iter = self._prefetch_iter()

    def clean(self):
        """Drop the prefetched iterator; the next epoch starts when iterated."""
        self._iter = None

    def close(self):
        """Stop the worker processes or threads (also done when the loader is collected)."""
        if self._pool is not None:
            self._pool.close()

    def __del__(self):
        self.close()

"""Counts a metric computes on the device and adds to its sums when they are read.

Reading a batch's predictions to the host (``asnumpy``) waits for the step that computes
them, so a training loop that updates a metric every batch (``Module.fit``) cannot queue
its next step ahead. `CountsOnDevice` makes a metric's counts (``Accuracy``'s correct
predictions) a small program of their own, dispatched like any other: ``sum_metric`` and
``global_sum_metric`` stay plain numbers to read and assign, and reading one adds the
counts not read yet, with one wait for all of them. Batches of one kind (device, shapes)
are counted :data:`QUEUED_BATCHES` at a time by one program: dispatching a program costs
the host more than the count itself (fit on the MLP of ``bench/train.py`` spent ~55 us of
its ~400 us of host time per batch dispatching its count).
"""
import functools

import jax.numpy as jnp
import numpy as np

from . import compile_options, x64
from .ndarray import NDArray, pending

__all__ = ["CountsOnDevice", "on_one_device", "QUEUED_BATCHES"]

QUEUED_BATCHES = 4  # batches counted by one program (predictions up to SMALL_ELEMENTS)


@functools.lru_cache(maxsize=None)
def _equal_count_program(argmax_axis, shapes, batches):
    """A program adding to a total how many of ``batches`` predictions equal their labels."""
    def count(preds, labels, total):
        for pred, label in zip(preds, labels):
            if argmax_axis is not None:
                pred = jnp.argmax(pred, axis=argmax_axis)
            equal = pred.astype(jnp.int32).ravel() == label.astype(jnp.int32).ravel()
            total = total + jnp.sum(equal, dtype=jnp.int64)
        return total
    return x64.jit(count, compiler_options=compile_options.with_library_choice(
        compile_options.for_shapes(shapes)))


@functools.lru_cache(maxsize=None)
def _zero_count(device):
    """An int64 zero on ``device``, made once (a host-to-device transfer costs more host
    time than dispatching the count program itself)."""
    return x64.device_put(np.int64(0), device)


def on_one_device(*arrays):
    """Whether ``arrays`` are dense NDArrays on one context without a pending error (a
    metric can then count on that device)."""
    context = None
    for array in arrays:  # NDArray itself is dense; its subclasses are the sparse ones
        if type(array) is not NDArray:
            return False
        if context is None:
            context = array.context
        elif array.context is not context and array.context != context:
            return False
    for array in arrays:
        pending.raise_pending(array)  # an error is the update's, as when read on the host
    return True


class CountsOnDevice:
    """A mixin for an ``EvalMetric`` whose sums may take counts made on the device
    (`add_equal_count`): batches queued to be counted together (``_queued``: their kind
    and arrays) and a running total there (``_unread``), one per metric, read with the
    sums."""

    def add_equal_count(self, pred, label, argmax_axis):
        """Add how many of ``pred`` (reduced by argmax over ``argmax_axis`` unless None)
        equal ``label`` as int32 to both sums, over ``label.size`` instances."""
        state = self.__dict__
        kind = (pred.context, argmax_axis, pred.shape, label.shape)
        queued = state.get("_queued")
        if queued is not None and queued[0] != kind:
            self._dispatch_queued()
            queued = None
        if queued is None:
            queued = state["_queued"] = (kind, [], [])
        queued[1].append(pred.asjax())
        queued[2].append(label.asjax())
        if len(queued[1]) == QUEUED_BATCHES or pred.size > compile_options.SMALL_ELEMENTS:
            self._dispatch_queued()
        size = label.size
        self.num_inst += size
        self.global_num_inst += size

    def _dispatch_queued(self):
        """Count the queued batches with one program, into the total on their device."""
        state = self.__dict__
        (context, argmax_axis, pred_shape, label_shape), preds, labels = state["_queued"]
        state["_queued"] = None
        unread = state.get("_unread")
        if unread is not None and unread[0] != context:
            self._read_counts()
            unread = None
        total = _zero_count(context.jax_device) if unread is None else unread[1]
        program = _equal_count_program(argmax_axis, (pred_shape, label_shape), len(preds))
        state["_unread"] = (context, program(preds, labels, total))

    def _read_counts(self):
        if self.__dict__.get("_queued") is not None:
            self._dispatch_queued()
        unread = self.__dict__.get("_unread")
        if unread is not None:
            self.__dict__["_unread"] = None
            total = float(unread[1])
            self.__dict__["_sum_metric"] += total
            self.__dict__["_global_sum_metric"] += total

    @property
    def sum_metric(self):
        self._read_counts()
        return self.__dict__["_sum_metric"]

    @sum_metric.setter
    def sum_metric(self, value):
        self._read_counts()
        self.__dict__["_sum_metric"] = value

    @property
    def global_sum_metric(self):
        self._read_counts()
        return self.__dict__["_global_sum_metric"]

    @global_sum_metric.setter
    def global_sum_metric(self, value):
        self._read_counts()
        self.__dict__["_global_sum_metric"] = value

"""Counts a metric computes on the device and adds to its sums when they are read.

Reading a batch's predictions to the host (``asnumpy``) waits for the step that computes
them, so a training loop that updates a metric every batch (``Module.fit``) cannot queue
its next step ahead. `CountsOnDevice` makes a metric's counts (``Accuracy``'s correct
predictions) a small program of their own, dispatched like any other: ``sum_metric`` and
``global_sum_metric`` stay plain numbers to read and assign, and reading one adds the
counts not read yet, with one wait for all of them.
"""
import functools

import jax.numpy as jnp
import numpy as np

from . import compile_options, x64
from .ndarray import NDArray, pending

__all__ = ["CountsOnDevice", "on_one_device"]


@functools.lru_cache(maxsize=None)
def _equal_count_program(argmax_axis, shapes):
    def count(pred, label, total):
        if argmax_axis is not None:
            pred = jnp.argmax(pred, axis=argmax_axis)
        equal = pred.astype(jnp.int32).ravel() == label.astype(jnp.int32).ravel()
        return total + jnp.sum(equal, dtype=jnp.int64)
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
    (`add_equal_count`): a running total there, one per metric, read with the sums."""

    def add_equal_count(self, pred, label, argmax_axis):
        """Add how many of ``pred`` (reduced by argmax over ``argmax_axis`` unless None)
        equal ``label`` as int32 to both sums, over ``label.size`` instances."""
        state, context = self.__dict__, pred.context
        unread = state.get("_unread")
        if unread is not None and unread[0] is not context and unread[0] != context:
            self._read_counts()
            unread = None
        total = _zero_count(context.jax_device) if unread is None else unread[1]
        program = _equal_count_program(argmax_axis, (pred.shape, label.shape))
        state["_unread"] = (context, program(pred.asjax(), label.asjax(), total))
        size = label.size
        self.num_inst += size
        self.global_num_inst += size

    def _read_counts(self):
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

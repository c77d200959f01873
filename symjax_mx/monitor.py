"""MXNet's ``mx.monitor.Monitor``: statistics of a network's arrays every few batches."""
import ctypes
import logging
import re
from math import sqrt

from . import ndarray as nd
from .base import NDArrayHandle, py_str

__all__ = ["Monitor"]


def _rms(x):
    """norm(x) / sqrt(size(x)): the root mean square of ``x``."""
    return nd.norm(x) / sqrt(x.size)


class Monitor:
    """Collects ``stat_func`` of the arrays whose names match ``pattern`` for one batch in
    every ``interval``: the node outputs an executor reports after forward (inputs too,
    with ``monitor_all``), then the arguments and auxiliary states at ``toc``.

    ``stat_func`` takes an NDArray and returns an NDArray (or a list of them); it defaults
    to norm(x) / sqrt(x.size).
    """

    def __init__(self, interval, stat_func=None, pattern=".*", sort=False, monitor_all=False):
        self.stat_func = _rms if stat_func is None else stat_func
        self.interval = interval
        self.activated = False
        self.queue = []
        self.step = 0
        self.exes = []
        self.re_prog = re.compile(pattern)
        self.sort = sort
        self.monitor_all = monitor_all

    def stat_helper(self, name, array):
        """The executor callback (``name`` as bytes, ``array`` an NDArray handle): queue the
        statistic of the array while collecting."""
        array = nd.NDArray(ctypes.cast(array, NDArrayHandle), writable=False)
        name = py_str(name)
        if self.activated and self.re_prog.match(name):
            self.queue.append((self.step, name, self.stat_func(array)))

    def install(self, exe):
        """Install the callback on executor ``exe`` (several executors may be installed)."""
        exe.set_monitor_callback(self.stat_helper, self.monitor_all)
        self.exes.append(exe)

    def tic(self):
        """Start a batch (call before forward): collect if the step is on the interval."""
        if self.step % self.interval == 0:
            self.queue = []
            self.activated = True
        self.step += 1

    def toc(self):
        """End the batch: a list of (step, name, statistic as text), one per array, with
        the matching arguments and auxiliary states added; [] when not collecting."""
        if not self.activated:
            return []
        for exe in self.exes:
            for names, arrays in ((exe._symbol.list_arguments(), exe.arg_arrays),
                                  (exe._symbol.list_auxiliary_states(), exe.aux_arrays)):
                for name, array in zip(names, arrays):
                    if self.re_prog.match(name):
                        self.queue.append((self.step, name, self.stat_func(array)))
        self.activated = False
        if self.sort:
            self.queue.sort(key=lambda entry: entry[1])
        res = []
        for step, name, stats in self.queue:
            text = ""
            for value in stats if isinstance(stats, list) else [stats]:
                text += (str(value.asscalar()) if value.shape == (1,)
                         else str(value.asnumpy())) + "\t"
            res.append((step, name, text))
        self.queue = []
        return res

    def toc_print(self):
        """End the batch and log its statistics."""
        for step, name, text in self.toc():
            logging.info("Batch: %7d %-30s %s", step, name, text)

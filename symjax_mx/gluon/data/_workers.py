"""Worker pools for DataLoader: processes (started from a fork server, so no worker
inherits a running JAX runtime) and threads.

A process worker gets its own task and result pipes; batches come back pickled, NDArrays
as numpy arrays (their pickled form). A worker that dies, or a batch that takes longer
than the timeout, is an error in the parent, never a hang; closing the pool (or losing
the last reference to it) stops every worker.
"""
import ast
import itertools
import multiprocessing
import multiprocessing.connection
import pickle
import signal
import sys
import time
import traceback
import weakref
from multiprocessing.pool import ThreadPool

import jax

from ...base import MXNetError

__all__ = ["ProcessPool", "ThreadWorkerPool", "main_script_reruns_caller"]

# Imported once by the fork server, so workers start without importing them. The main
# module is not: each worker imports it as spawn does (scripts guard their entry point).
_PRELOAD = ["symjax_mx"]
_UNGUARDED_MAIN = (
    "DataLoader: a worker process died while starting (see the error it printed). Worker "
    "processes import the main "
    "script first (as multiprocessing's spawn does, unlike MXNet's fork), so a script that "
    "makes a DataLoader with num_workers > 0 must guard its entry point with "
    "`if __name__ == '__main__':`; or pass thread_pool=True, or num_workers=0")
# How long closing waits for workers to finish before terminating them.
_JOIN_SECONDS = 2.0


def main_script_reruns_caller():
    """Whether a worker process importing the main script would run the top-level
    statement that is calling this (a script whose DataLoader is made outside ``if
    __name__ == '__main__':``, which MXNet's forked workers allow)."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_globals is getattr(main, "__dict__", None)
                                     and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None or path is None:
        return False
    try:
        with open(path, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):
        return False
    line = frame.f_lineno
    for statement in tree.body:
        if statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            return not _is_main_guard(statement)
    return False


def _is_main_guard(statement):
    """Whether ``statement`` is ``if __name__ == '__main__':`` (either side)."""
    test = statement.test if isinstance(statement, ast.If) else None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    return context


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker process."""

    def __str__(self):
        return self.args[0]


def _picklable(error):
    try:
        pickle.dumps(error)
        return error
    except Exception:  # the worker's exception does not pickle: send its text
        return MXNetError(f"{type(error).__name__}: {error}")


def _worker_loop(tasks, results, payload):
    """A worker process: batchify the samples of each task until told to stop.

    ``payload`` is the pickled (dataset, batchify_fn), unpickled only once JAX is limited
    to the CPU: a worker never initialises (or takes memory on) the parent's accelerator.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    jax.config.update("jax_platforms", "cpu")
    dataset, batchify_fn = pickle.loads(payload)
    while True:
        try:
            task = tasks.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if task is None:
            return
        tag, samples = task
        try:
            try:
                results.send((tag, True, batchify_fn([dataset[i] for i in samples])))
            except (BrokenPipeError, ConnectionResetError):
                raise
            except Exception as error:  # noqa: BLE001 - every failure goes to the parent
                results.send((tag, False, (_picklable(error), traceback.format_exc())))
        except (BrokenPipeError, ConnectionResetError):  # the parent stopped listening
            return


def _close(processes, task_pipes, result_pipes):
    for pipe in result_pipes:  # unblocks workers sending results nobody will read
        pipe.close()
    for pipe in task_pipes:
        try:
            pipe.send(None)
        except OSError:
            pass
        pipe.close()
    deadline = time.monotonic() + _JOIN_SECONDS
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():
            process.terminate()
            process.join()


class _PendingBatch:
    """A batch being made by one worker process; ``get`` waits for it."""

    def __init__(self, pool, worker, tag):
        self._pool, self._worker, self._tag = pool, worker, tag

    def get(self, timeout):
        pool, self._pool = self._pool, None
        return pool._result(self._worker, self._tag, timeout)

    def __del__(self):
        if self._pool is not None:  # dropped unread: its result is to be discarded
            self._pool._forget(self._tag)


def worker_payload(dataset, batchify_fn):
    """(the pickled (dataset, batchify_fn) for worker processes, None) or, where they do
    not pickle (a lambda, a local class), (None, the reason)."""
    try:
        return pickle.dumps((dataset, batchify_fn), pickle.HIGHEST_PROTOCOL), None
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        return None, error


class ProcessPool:
    """``num_workers`` worker processes, each holding its own copy of the dataset."""

    def __init__(self, num_workers, payload):
        """``payload``: the pickled (dataset, batchify_fn), from ``worker_payload``."""
        context = _context()
        self._processes, self._tasks, self._results = [], [], []
        self._finalizer = weakref.finalize(self, _close, self._processes, self._tasks,
                                           self._results)
        self._tags = itertools.count()
        self._next_worker = itertools.cycle(range(num_workers))
        self._ready = {}       # tag -> message that arrived before it was asked for
        self._abandoned = set()  # tags whose batches nobody will ask for
        for _ in range(num_workers):
            task_reader, task_writer = context.Pipe(duplex=False)
            result_reader, result_writer = context.Pipe(duplex=False)
            process = context.Process(target=_worker_loop, daemon=True,
                                      args=(task_reader, result_writer, payload))
            try:
                process.start()
            except (BrokenPipeError, ConnectionResetError, EOFError):
                raise MXNetError(_UNGUARDED_MAIN) from None
            finally:
                task_reader.close()
                result_writer.close()
            self._processes.append(process)
            self._tasks.append(task_writer)
            self._results.append(result_reader)

    def apply_async(self, samples):
        """Send ``samples`` (a list of indices) to the next worker; a pending batch."""
        worker, tag = next(self._next_worker), next(self._tags)
        try:
            self._tasks[worker].send((tag, samples))
        except (BrokenPipeError, ConnectionResetError):
            self._processes[worker].join(_JOIN_SECONDS)
            raise self._died(self._processes[worker]) from None
        return _PendingBatch(self, worker, tag)

    @staticmethod
    def _died(process):
        return MXNetError(f"DataLoader worker (pid {process.pid}) exited unexpectedly with "
                          f"exit code {process.exitcode} (workers also die so when the main "
                          f"script makes a DataLoader with num_workers > 0 outside `if "
                          f"__name__ == '__main__':`)")

    def _result(self, worker, tag, timeout):
        deadline = time.monotonic() + timeout
        pipe, process = self._results[worker], self._processes[worker]
        while tag not in self._ready:
            remaining = deadline - time.monotonic()
            if not multiprocessing.connection.wait([pipe, process.sentinel], max(0, remaining)):
                raise multiprocessing.TimeoutError(
                    f"DataLoader worker (pid {process.pid}) timed out after {timeout} "
                    f"seconds: a slow transform needs a larger `timeout`")
            try:
                message = pipe.recv() if pipe.poll() else None
            except EOFError:  # the worker closed its end: it has exited
                message = None
                process.join(_JOIN_SECONDS)
            if message is None:
                if not process.is_alive():
                    raise self._died(process)
                continue
            if message[0] not in self._abandoned:
                self._ready[message[0]] = message
            self._abandoned.discard(message[0])
        _, ok, payload = self._ready.pop(tag)
        if ok:
            return payload
        error, remote_traceback = payload
        raise error from RemoteTraceback(remote_traceback)

    def _forget(self, tag):
        if self._ready.pop(tag, None) is None:
            self._abandoned.add(tag)

    def close(self):
        """Stop every worker (waits briefly, then terminates)."""
        self._finalizer()


class ThreadWorkerPool:
    """``num_workers`` threads sharing ``dataset``."""

    def __init__(self, num_workers, dataset, batchify_fn):
        self._pool = ThreadPool(num_workers)
        self._dataset, self._batchify_fn = dataset, batchify_fn
        self._finalizer = weakref.finalize(self, self._pool.terminate)

    def apply_async(self, samples):
        return self._pool.apply_async(_batchify_samples,
                                      (self._dataset, self._batchify_fn, samples))

    def close(self):
        self._finalizer()


def _batchify_samples(dataset, batchify_fn, samples):
    return batchify_fn([dataset[i] for i in samples])

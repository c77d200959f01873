"""Joining JAX's distributed runtime for dist_sync, from the launcher's environment.

The launcher (``python -m symjax_mx.kv.launch``) sets SYMJAX_MX_COORDINATOR (host:port of
process 0), SYMJAX_MX_NUM_WORKERS and SYMJAX_MX_RANK; MXNet's DMLC_PS_ROOT_URI,
DMLC_PS_ROOT_PORT, DMLC_NUM_WORKER and DMLC_WORKER_ID serve where those are absent.
``import symjax_mx`` joins the runtime when they are set, before JAX computes anything.
"""
import atexit
import os
import sys
import threading

import jax

from ..base import MXNetError

__all__ = ["initialize_from_environment", "rank", "num_workers", "barrier", "worker_devices",
           "collective_failure"]

HEARTBEAT_TIMEOUT_S = int(os.environ.get("SYMJAX_MX_HEARTBEAT_TIMEOUT", "10"))
START_TIMEOUT_S = int(os.environ.get("SYMJAX_MX_START_TIMEOUT", "120"))
#: Seconds a worker may go on after a failed collective before it exits with status 1.
FAULT_EXIT_S = float(os.environ.get("SYMJAX_MX_FAULT_EXIT", "5"))

_exit_armed = threading.Event()


def _setting(name, dmlc_name):
    value = os.environ.get(name)
    return value if value is not None else os.environ.get(dmlc_name)


def environment():
    """(coordinator, num_workers, rank) from the environment, or None outside a launch."""
    coordinator = os.environ.get("SYMJAX_MX_COORDINATOR")
    if coordinator is None and "DMLC_PS_ROOT_URI" in os.environ:
        coordinator = (f"{os.environ['DMLC_PS_ROOT_URI']}:"
                       f"{os.environ.get('DMLC_PS_ROOT_PORT', '9091')}")
    if coordinator is None:
        return None
    workers = _setting("SYMJAX_MX_NUM_WORKERS", "DMLC_NUM_WORKER")
    rank_ = _setting("SYMJAX_MX_RANK", "DMLC_WORKER_ID")
    if workers is None or rank_ is None:
        raise MXNetError(f"dist_sync: coordinator {coordinator} is set but the number of "
                         f"workers or this worker's rank is not (SYMJAX_MX_NUM_WORKERS / "
                         f"DMLC_NUM_WORKER and SYMJAX_MX_RANK / DMLC_WORKER_ID)")
    return coordinator, int(workers), int(rank_)


def initialize_from_environment():
    """Join the distributed runtime if this process was started by the launcher."""
    settings = environment()
    if settings is None or jax.distributed.is_initialized():
        return
    coordinator, workers, rank_ = settings
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator, workers, rank_,
                               initialization_timeout=START_TIMEOUT_S,
                               heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT_S)


def rank():
    """This worker's index among all workers."""
    return jax.process_index()


def num_workers():
    """How many worker processes take part."""
    return jax.process_count()


def barrier():
    """Wait until every worker reaches this point."""
    if num_workers() > 1:
        from jax.experimental import multihost_utils
        try:
            multihost_utils.sync_global_devices("symjax_mx.kv.barrier")
        except Exception as err:  # a failed barrier raises XLA's runtime error
            raise collective_failure(f"dist_sync: the barrier across {num_workers()} workers "
                                     f"failed (has a worker died?): {err}") from None


def collective_failure(message):
    """The MXNetError for a failed collective. The distributed runtime cannot go on, nor
    shut down, without the lost worker (it would wait for it, then abort this process), so
    this worker then exits with status 1: when its program ends, or ``FAULT_EXIT_S``
    seconds from now, whichever comes first."""
    if not _exit_armed.is_set():
        _exit_armed.set()
        atexit.register(_exit_after_failure)  # runs before the runtime's own shutdown
        timer = threading.Timer(FAULT_EXIT_S, _exit_after_failure)
        timer.daemon = True
        timer.start()
    return MXNetError(message)


def _exit_after_failure():
    print(f"dist_sync: worker {rank()} exits with status 1 after a failed collective",
          file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(1)


def worker_devices(device):
    """The device of each worker at the local position ``device`` has in this worker."""
    position = jax.local_devices(backend=device.platform).index(device)
    by_worker = {}
    for d in jax.devices(device.platform):
        by_worker.setdefault(d.process_index, []).append(d)
    return tuple(by_worker[w][position] for w in sorted(by_worker))

"""Joining JAX's distributed runtime for dist_sync, from the launcher's environment.

The launcher (``python -m symjax_mx.kv.launch``) sets SYMJAX_MX_COORDINATOR (host:port of
process 0), SYMJAX_MX_NUM_WORKERS and SYMJAX_MX_RANK; MXNet's DMLC_PS_ROOT_URI,
DMLC_PS_ROOT_PORT, DMLC_NUM_WORKER and DMLC_WORKER_ID serve where those are absent.
``import symjax_mx`` joins the runtime when they are set, before JAX computes anything.
"""
import os

import jax

from ..base import MXNetError

__all__ = ["initialize_from_environment", "rank", "num_workers", "barrier", "worker_devices"]

HEARTBEAT_TIMEOUT_S = int(os.environ.get("SYMJAX_MX_HEARTBEAT_TIMEOUT", "10"))
START_TIMEOUT_S = int(os.environ.get("SYMJAX_MX_START_TIMEOUT", "120"))


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
        multihost_utils.sync_global_devices("symjax_mx.kv.barrier")


def worker_devices(device):
    """The device of each worker at the local position ``device`` has in this worker."""
    position = jax.local_devices(backend=device.platform).index(device)
    by_worker = {}
    for d in jax.devices(device.platform):
        by_worker.setdefault(d.process_index, []).append(d)
    return tuple(by_worker[w][position] for w in sorted(by_worker))

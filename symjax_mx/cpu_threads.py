"""``OMP_NUM_THREADS`` sizes XLA's CPU thread pools, as it sizes MXNet's operator threads.

MXNet runs each CPU operator on ``OMP_NUM_THREADS`` OpenMP threads; its documentation
gives that variable for CPU performance, and several processes sharing a machine set it
to share the cores. XLA's CPU client sizes its thread pools (one thread per core by
default) from ``NPROC`` when JAX starts its CPU backend. So when symjax_mx is imported
with ``OMP_NUM_THREADS`` set (OpenMP's form: a positive integer, or a comma-separated list
of them whose first counts) and ``NPROC`` not, ``NPROC`` is set to it. It takes effect if
JAX's CPU backend has not started yet: set it before the process's first JAX computation.

Measured 2026-12-06 on 2 cores (``bench/gluon.py``, Gluon training steps in samples/s),
one thread against the default two: the MLP 367k against 292k (XLA's threads cost a small
step more in hand-offs and spinning than they share; hand-written JAX gains alike), LeNet
5.4k against 10.4k and the small ResNet 650 against 1100 (convolutions lose their
parallelism). MXNet 1.9.1 with ``OMP_NUM_THREADS=1`` kept its speed on all three.
"""
import os
import warnings

__all__ = ["THREADS"]


def _threads(setting):
    """The first count of an OpenMP thread-count setting, or None if it is not one."""
    first = setting.split(",")[0].strip()
    if first.isdigit() and int(first) > 0:
        return int(first)
    warnings.warn(f"OMP_NUM_THREADS={setting!r} is not a positive thread count; XLA's CPU "
                  "thread pools keep their default size", RuntimeWarning, stacklevel=3)
    return None


def _apply():
    setting = os.environ.get("OMP_NUM_THREADS")
    if setting is None or "NPROC" in os.environ:
        return None
    threads = _threads(setting)
    if threads is not None:
        os.environ["NPROC"] = str(threads)
    return threads


#: XLA's CPU pool size taken from OMP_NUM_THREADS on import (None: left to XLA or NPROC)
THREADS = _apply()

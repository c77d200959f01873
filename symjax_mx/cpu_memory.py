"""A pool of freed CPU memory, as MXNet's pooled storage keeps it (opt-in; Linux, glibc).

XLA's CPU runtime allocates a program's outputs and temporary buffers (and Eigen its
convolutions' work space) at every run and frees them after it. glibc's malloc serves
large blocks with fresh pages from the kernel and gives them back on free, so every run
of a large program faults its memory in again: ResNet-50 inference at batch 32 took
107,000 page faults per run, MobileNet-v2 77,000.

With ``SYMJAX_MX_CPU_MEMORY_POOL=1`` in the environment when symjax_mx is imported (before
JAX starts its threads), malloc keeps what is freed: one arena for all threads, no mmap'd
blocks, and up to 2 GiB free at the heap's top. A program's later runs then reuse its
first run's memory, without page faults. Measured 2026-12-06 on 2 cores, time with the
pool over time without: inference at batch 32, MobileNet-v2 0.63-0.79, ResNet-50
0.82-0.88 (``SYMJAX_MX_CPU_MEMORY_POOL=1 python bench/zoo_inference.py``). It is not
the default because the threads then share one arena and contend for it: a Gluon MLP
training step, whose host work allocates while XLA's threads run, trained 0.74x as many
samples per second (``bench/gluon.py``), LeNet 0.89x. As with MXNet's pool, memory once
used stays with the process after it is freed. Other platforms and C libraries, and a
malloc preloaded in place of glibc's (jemalloc, tcmalloc), are left as they are.
"""
import ctypes
import os
import sys

__all__ = ["POOLED", "glibc_mallopt", "pool_freed_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -4, -8  # glibc's mallopt options
_SETTINGS = ((_M_ARENA_MAX, 1), (_M_MMAP_MAX, 0), (_M_TRIM_THRESHOLD, 2 ** 31 - 1))


def glibc_mallopt():
    """glibc's ``mallopt(option, value)``; None on other platforms and C libraries (musl's
    does nothing), and where another allocator replaces glibc's malloc (LD_PRELOAD)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        process = ctypes.CDLL(None)
        process.gnu_get_libc_version  # noqa: B018 (glibc only)
        libc = ctypes.CDLL("libc.so.6")  # glibc's own symbols, whatever LD_PRELOAD adds
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return None
    if _address(process.malloc) != _address(libc.malloc):
        return None
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return mallopt


def _address(function):
    return ctypes.cast(function, ctypes.c_void_p).value


def pool_freed_memory():
    """Set glibc's malloc up to keep freed memory (see the module doc); whether it was."""
    mallopt = glibc_mallopt()
    return mallopt is not None and all([mallopt(option, value) == 1
                                        for option, value in _SETTINGS])


def _requested():
    setting = os.environ.get("SYMJAX_MX_CPU_MEMORY_POOL", "0")
    if setting not in ("0", "1"):
        raise ValueError(f"SYMJAX_MX_CPU_MEMORY_POOL must be 0 or 1, got {setting!r}")
    return setting == "1"


#: whether malloc keeps freed memory (``SYMJAX_MX_CPU_MEMORY_POOL=1`` on glibc)
POOLED = _requested() and pool_freed_memory()

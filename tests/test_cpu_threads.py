"""OMP_NUM_THREADS sizes XLA's CPU thread pools (symjax_mx/cpu_threads.py), as it sizes
MXNet's operator threads; NPROC, XLA's own setting, wins when both are given."""
import os
import subprocess
import sys
import textwrap

import pytest

_SCRIPT = textwrap.dedent("""
    import collections, os, warnings
    warnings.simplefilter("always")
    import symjax_mx as mx
    from symjax_mx import cpu_threads
    (mx.nd.ones((64, 64)) * 2).wait_to_read()  # JAX's CPU backend starts
    names = collections.Counter(open(f"/proc/self/task/{t}/comm").read().strip()
                                for t in os.listdir("/proc/self/task"))
    print(cpu_threads.THREADS, names["tf_XLAEigen"])
""")

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="threads are counted in /proc")


def _run(**settings):
    """(cpu_threads.THREADS, XLA's intra-op threads, stderr) in a fresh process."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "NPROC", "XLA_FLAGS")}
    env.update(settings)
    result = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                            text=True, timeout=120, check=True)
    taken, threads = result.stdout.split()
    return (None if taken == "None" else int(taken)), int(threads), result.stderr


def test_omp_num_threads_sizes_xla_thread_pool():
    if _run()[1] == 0:
        pytest.skip("this jaxlib does not name XLA's threads (tf_XLAEigen)")
    assert _run(OMP_NUM_THREADS="1")[:2] == (1, 1)
    assert _run(OMP_NUM_THREADS="3")[:2] == (3, 3)
    assert _run(OMP_NUM_THREADS="3,2")[:2] == (3, 3)  # OpenMP's nested form: the first


def test_nproc_wins_over_omp_num_threads():
    assert _run(OMP_NUM_THREADS="1", NPROC="3")[:2] == (None, 3)


def test_a_bad_setting_keeps_the_default_with_a_warning():
    default = _run()[1]
    taken, threads, stderr = _run(OMP_NUM_THREADS="many")
    assert (taken, threads) == (None, default)
    assert "OMP_NUM_THREADS='many' is not a positive thread count" in stderr

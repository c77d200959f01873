"""The opt-in CPU memory pool (symjax_mx/cpu_memory.py): a large program's later runs reuse
the memory its first run freed instead of faulting fresh pages in."""
import os
import subprocess
import sys
import textwrap

import pytest

from symjax_mx.cpu_memory import glibc_mallopt

_SCRIPT = textwrap.dedent("""
    import resource
    import symjax_mx as mx
    from symjax_mx import cpu_memory
    x = mx.nd.ones((12, 1024, 1024))  # 48 MiB: above glibc's largest mmap threshold
    for _ in range(8):  # the heap grows to its steady size
        (x * 2 + 1).wait_to_read()
    faults = []
    for _ in range(5):
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        (x * 2 + 1).wait_to_read()
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    print(cpu_memory.POOLED, min(faults))
""")


def _run(pool_setting):
    env = dict(os.environ)
    env.pop("SYMJAX_MX_CPU_MEMORY_POOL", None)
    if pool_setting is not None:
        env["SYMJAX_MX_CPU_MEMORY_POOL"] = pool_setting
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    return out[0] == "True", int(out[1])


@pytest.mark.skipif(glibc_mallopt() is None, reason="the pool configures glibc's malloc")
def test_a_large_result_reuses_freed_memory():
    pooled, faults = _run("1")
    assert pooled
    assert faults < 1200, f"{faults} page faults for a 48 MiB result (12288 pages)"


def test_the_pool_is_off_by_default():
    assert _run(None)[0] is False
    assert _run("0")[0] is False


def test_a_bad_setting_is_refused_by_name():
    env = dict(os.environ, SYMJAX_MX_CPU_MEMORY_POOL="yes")
    result = subprocess.run([sys.executable, "-c", "import symjax_mx"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SYMJAX_MX_CPU_MEMORY_POOL must be 0 or 1, got 'yes'" in result.stderr

"""The opt-in CPU memory pool (symjax_mx/cpu_memory.py): glibc's malloc keeps the memory a
large program's result frees, instead of giving it back to the kernel.

The tests read malloc's own accounting (``mallinfo2``), which is what the pool controls.
The page faults this saves are the kernel's and the host's business: on one CI host every
run of a 48 MiB program still faulted all its pages with the pool on, though it faults
none on this project's machines. The time it saves is measured in bench/zoo_inference.py.
"""
import ctypes
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from symjax_mx.cpu_memory import glibc_mallopt

_SCRIPT = textwrap.dedent("""
    import ctypes
    import symjax_mx as mx
    from symjax_mx import cpu_memory

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
            "uordblks", "fordblks", "keepcost")]

    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    x = mx.nd.ones((12, 1024, 1024))  # 48 MiB: above glibc's largest mmap threshold
    for _ in range(3):
        (x * 2 + 1).wait_to_read()
    info = mallinfo2()
    print(cpu_memory.POOLED, info.hblkhd, info.fordblks)
""")
_MIB = 1 << 20


def _run(pool_setting):
    """(pooled, bytes in mmap'd blocks, free bytes malloc keeps) after a 48 MiB program."""
    env = dict(os.environ)
    env.pop("SYMJAX_MX_CPU_MEMORY_POOL", None)
    if pool_setting is not None:
        env["SYMJAX_MX_CPU_MEMORY_POOL"] = pool_setting
    out = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()
    return out[0] == "True", int(out[1]), int(out[2])


def _has_mallinfo2():
    return glibc_mallopt() is not None and hasattr(ctypes.CDLL(None), "mallinfo2")


@pytest.mark.skipif(not _has_mallinfo2(), reason="the pool configures glibc's malloc")
def test_a_large_result_stays_with_malloc_when_freed():
    pooled, mapped, kept = _run("1")
    assert pooled
    assert mapped < 48 * _MIB, f"{mapped} bytes in mmap'd blocks, which free() unmaps"
    assert kept >= 48 * _MIB, f"malloc keeps {kept} free bytes after a 48 MiB result"


@pytest.mark.skipif(not _has_mallinfo2(), reason="reads glibc's malloc statistics")
def test_without_the_pool_large_blocks_are_mapped_and_given_back():
    pooled, mapped, kept = _run("0")
    assert not pooled
    assert mapped >= 48 * _MIB  # the 48 MiB input, in a block of its own
    assert kept < 48 * _MIB


_FORWARDING_MALLOC = """
#include <stddef.h>
extern void *__libc_malloc(size_t);
void *malloc(size_t size) { return __libc_malloc(size); }
"""


@pytest.mark.skipif(not _has_mallinfo2() or shutil.which("gcc") is None,
                    reason="builds a malloc for LD_PRELOAD with gcc, on glibc")
def test_no_pool_where_another_malloc_replaces_glibcs(tmp_path):
    source = tmp_path / "malloc.c"
    source.write_text(_FORWARDING_MALLOC)
    library = tmp_path / "libother_malloc.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(library), str(source)], check=True,
                   timeout=120)
    env = dict(os.environ, SYMJAX_MX_CPU_MEMORY_POOL="1", LD_PRELOAD=str(library))
    out = subprocess.run([sys.executable, "-c", "from symjax_mx import cpu_memory; "
                          "print(cpu_memory.POOLED, cpu_memory.glibc_mallopt())"],
                         env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "None"]


def test_the_pool_is_off_by_default():
    assert _run(None)[0] is False


def test_a_bad_setting_is_refused_by_name():
    env = dict(os.environ, SYMJAX_MX_CPU_MEMORY_POOL="yes")
    result = subprocess.run([sys.executable, "-c", "import symjax_mx"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SYMJAX_MX_CPU_MEMORY_POOL must be 0 or 1, got 'yes'" in result.stderr

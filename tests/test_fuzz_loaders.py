"""Mutated files MXNet 1.9.1 wrote (tests/fuzzing.py, deterministic) load or raise
MXNetError, each in bounded time and memory. bench/fuzz_loaders.py runs 10,000 per kind."""
import resource
import time

import pytest

import fuzzing
import symjax_mx as mx

CASES_PER_KIND = 200
MAX_SECONDS = 2.0
MAX_GROWTH_MIB = 500


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("kind", ["symbol", "params", "checkpoint"])
def test_mutated_files_load_or_raise_mxneterror(tmp_path, kind):
    start_rss = _peak_rss_mib()
    failures = 0
    for description, files in fuzzing.cases(kind, CASES_PER_KIND, seed=0):
        for name, data in files.items():
            (tmp_path / name).write_bytes(data)
        started = time.perf_counter()
        try:
            fuzzing.LOADERS[kind](str(tmp_path))
        except mx.MXNetError:
            failures += 1
        except Exception as err:  # noqa: BLE001
            pytest.fail(f"case {description} raised {type(err).__name__}: {err}")
        elapsed = time.perf_counter() - started
        assert elapsed < MAX_SECONDS, f"case {description} took {elapsed:.1f} s"
    assert 0 < failures < CASES_PER_KIND  # both outcomes are exercised
    assert _peak_rss_mib() - start_rss < MAX_GROWTH_MIB

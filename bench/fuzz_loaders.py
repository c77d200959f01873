"""Mutation fuzzing of the loaders, and the load time of two amplification files.

    PYTHONPATH=. python bench/fuzz_loaders.py [--count 10000] [--kinds symbol,params,checkpoint]

For each kind, ``--count`` mutations of files MXNet 1.9.1 wrote (tests/golden/; the
mutations are tests/fuzzing.py's, deterministic for a ``--seed``) are written to a
temporary folder and loaded. Printed per kind: outcomes by exception type (only
"loaded" and "MXNetError" are acceptable), the slowest cases, and the growth of the
process's peak resident memory over the run (an upper bound for any one case's extra
memory) and the largest jump one case caused.

Then two files that used to amplify a small input into a large cost are built and
loaded: a .params of 100,000 four-byte "none" entries (391 KiB) and a symbol JSON of
10,000 chained additions (about 1 MB); their load times are printed.
"""
import argparse
import collections
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

import fuzzing  # noqa: E402  (tests/fuzzing.py)

import symjax_mx as mx  # noqa: E402
from symjax_mx.base import MXNetError  # noqa: E402


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fuzz(kind, count, seed, folder):
    """(outcomes by type, slowest [(seconds, case)], peak-RSS growth, largest jump), MiB."""
    outcomes, slowest = collections.Counter(), []
    examples = {}
    start_rss = _peak_rss_mib()
    largest_jump = 0.0
    load = fuzzing.LOADERS[kind]
    for description, files in fuzzing.cases(kind, count, seed):
        for name, data in files.items():
            with open(os.path.join(folder, name), "wb") as f:
                f.write(data)
        before = _peak_rss_mib()
        started = time.perf_counter()
        try:
            load(folder)
            outcome = "loaded"
        except MXNetError:
            outcome = "MXNetError"
        except Exception as err:  # noqa: BLE001  (what the fuzzing looks for)
            outcome = type(err).__name__
            examples.setdefault(outcome, f"{description}: {str(err)[:200]}")
        elapsed = time.perf_counter() - started
        largest_jump = max(largest_jump, _peak_rss_mib() - before)
        outcomes[outcome] += 1
        slowest = sorted(slowest + [(elapsed, description)], reverse=True)[:3]
    return outcomes, slowest, _peak_rss_mib() - start_rss, largest_jump, examples


def none_entries_params(count=100_000):
    """A .params of ``count`` legacy "none" arrays (4 bytes each) and no names."""
    header = (0x112).to_bytes(8, "little") + bytes(8) + count.to_bytes(8, "little")
    return header + bytes(4 * count) + bytes(8)


def chained_adds_json(count=10_000):
    """A symbol JSON of ``count`` chained elemwise_add nodes, each adding a new variable."""
    nodes = ['{"op": "null", "name": "x", "inputs": []}']
    previous = 0
    for i in range(count):
        nodes.append(f'{{"op": "null", "name": "v{i}", "inputs": []}}')
        nodes.append(f'{{"op": "elemwise_add", "name": "add{i}", '
                     f'"inputs": [[{previous}, 0, 0], [{len(nodes) - 1}, 0, 0]]}}')
        previous = len(nodes) - 1
    return ('{"nodes": [' + ",\n".join(nodes) + f'], "arg_nodes": [], "heads": [[{previous}, 0, 0]], '
            '"attrs": {"mxnet_version": ["int", 10901]}}').encode()


def amplification(folder):
    """[(description, size in bytes, load seconds)] for the two amplification files."""
    results = []
    for name, data, load in [
            ("params of 100,000 'none' entries", none_entries_params(), mx.nd.load),
            ("symbol JSON of 10,000 chained adds", chained_adds_json(), mx.sym.load)]:
        path = os.path.join(folder, "amplify")
        with open(path, "wb") as f:
            f.write(data)
        times = []
        for _ in range(3):
            started = time.perf_counter()
            load(path)
            times.append(time.perf_counter() - started)
        results.append((name, len(data), sorted(times)[1]))
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="symbol,params,checkpoint")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for kind in options.kinds.split(","):
            started = time.perf_counter()
            outcomes, slowest, growth, jump, examples = fuzz(kind, options.count, options.seed,
                                                             folder)
            print(f"{kind}: {options.count} mutations in {time.perf_counter() - started:.0f} s")
            print("  outcomes: " + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
            print("  slowest: " + "; ".join(f"{t:.3f} s ({d})" for t, d in slowest))
            print(f"  peak RSS growth over the run {growth:.0f} MiB, largest jump in one case "
                  f"{jump:.0f} MiB")
            for outcome, example in examples.items():
                print(f"  first {outcome}: {example}")
            sys.stdout.flush()
        for name, size, seconds in amplification(folder):
            print(f"amplification: {name} ({size / 1024:.0f} KiB) loads in {seconds:.3f} s "
                  f"(median of 3)")


if __name__ == "__main__":
    main()

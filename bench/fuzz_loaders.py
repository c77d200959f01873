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
10,000 chained additions (about 1.3 MB); their load times (wall and CPU, medians of 3)
are printed beside MXNet 1.9.1's for the same files, run interleaved in a subprocess.
"""
import argparse
import collections
import json
import os
import resource
import statistics
import subprocess
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


_MXNET_LOAD = """
import json, sys, time
import mxnet as mx
path, kind = sys.argv[1:]
wall, cpu = time.perf_counter(), time.process_time()
(mx.nd.load if kind == "params" else mx.sym.load)(path)
print(json.dumps([time.perf_counter() - wall, time.process_time() - cpu]))
"""


def _timed(load, path):
    wall, cpu = time.perf_counter(), time.process_time()
    load(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def _timed_in_mxnet(python, path, kind):
    done = subprocess.run([python, "-c", _MXNET_LOAD, path, kind], capture_output=True,
                          text=True, timeout=600, cwd=tempfile.gettempdir())
    if done.returncode:
        return None
    return tuple(json.loads(done.stdout.strip().splitlines()[-1]))


def amplification(folder, mxnet_python=None, rounds=3):
    """[(description, size, (wall, cpu) median here, (wall, cpu) median in MXNet or None,
    growth of the peak RSS here in MiB)] for the two amplification files; the runs here
    and in MXNet are interleaved."""
    results = []
    for name, data, kind in [
            ("params of 100,000 'none' entries", none_entries_params(), "params"),
            ("symbol JSON of 10,000 chained adds", chained_adds_json(), "symbol")]:
        path = os.path.join(folder, "amplify")
        with open(path, "wb") as f:
            f.write(data)
        ours, theirs, start_rss = [], [], _peak_rss_mib()
        for _ in range(rounds):
            ours.append(_timed(mx.nd.load if kind == "params" else mx.sym.load, path))
            if mxnet_python:
                theirs.append(_timed_in_mxnet(mxnet_python, path, kind))
        theirs = None if not theirs or None in theirs else _medians(theirs)
        results.append((name, len(data), _medians(ours), theirs, _peak_rss_mib() - start_rss))
    return results


def _medians(pairs):
    return tuple(statistics.median(column) for column in zip(*pairs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default="symbol,params,checkpoint",
                        help="what to fuzz ('' for the amplification files only)")
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python",
                        help="a Python with MXNet 1.9.1 to time the amplification files "
                             "against ('' for none)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if options.mxnet_python and not os.path.exists(options.mxnet_python):
            options.mxnet_python = None
        for kind in filter(None, options.kinds.split(",")):
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
        for name, size, (wall, cpu), mxnet, growth in amplification(folder,
                                                                    options.mxnet_python):
            line = (f"amplification: {name} ({size / 1024:.0f} KiB) loads in {wall:.3f} s "
                    f"wall, {cpu:.3f} s CPU, peak RSS growth {growth:.0f} MiB")
            if mxnet is not None:
                line += (f"; MXNet 1.9.1 {mxnet[0]:.3f} s wall, {mxnet[1]:.3f} s CPU "
                         f"(ours / MXNet: {wall / mxnet[0]:.2f} wall, {cpu / mxnet[1]:.2f} CPU)")
            elif options.mxnet_python:
                line += "; MXNet 1.9.1 refuses this file"
            print(line + f" (medians of 3; load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()

"""MXNet's test_multilamb step: symjax_mx against MXNet 1.9.1, side by side.

One step is ``test_utils.compare_optimizer(PyLAMB(**kw), mx.optimizer.LAMB(**kw), shapes,
dtype, ntensors=20)`` on the test's 20 shapes (1024x1, 4096x1, 1024x1024 ...): the Python
reference LAMB op by op, the registry's LAMB on the list, then the comparisons. PyLAMB is
read from MXNet's test file in the git mirror (``$MXNET_GIT``). Two persistent workers
(symjax_mx and ``--mxnet-python``) first run every structure once (dtype x clip x bias
correction: the compiles), then timed steps alternate between them with new values of
rescale_grad and wd; the medians per dtype give seconds per step and the ratio.

    MXNET_GIT=... PYTHONPATH=. python bench/multilamb.py [--rounds 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

COMMIT = "76d73dbd778c9ab4a4584dbc857c8c0694faa162"
SHAPES = [(1024, 1), (1024, 1), (4096, 1), (1024, 1024), (1024, 1024)] * 4
DTYPES = ("float16", "float32", "float64")


def _py_lamb(mx, np):
    source = subprocess.run(
        ["git", "--git-dir", os.environ["MXNET_GIT"], "show",
         f"{COMMIT}:tests/python/unittest/test_optimizer.py"],
        check=True, capture_output=True, text=True).stdout
    start = source.index("class PyLAMB")
    namespace = {"mx": mx, "np": np}
    exec(source[start:source.index("@with_seed()", start)], namespace)  # noqa: S102
    return namespace["PyLAMB"]


def worker(framework):
    """Serve one JSON step config per stdin line; answer the seconds the step took."""
    import numpy as np
    mx = __import__("mxnet" if framework == "mxnet" else "symjax_mx")
    from importlib import import_module
    compare_optimizer = import_module(mx.__name__ + ".test_utils").compare_optimizer
    py_lamb = _py_lamb(mx, np)
    for line in sys.stdin:
        kwargs = json.loads(line)
        dtype = np.dtype(kwargs.pop("dtype")).type
        if dtype == np.float16:
            kwargs["multi_precision"] = True
        start = time.perf_counter()
        compare_optimizer(py_lamb(**kwargs), mx.optimizer.LAMB(**kwargs), SHAPES, dtype,
                          rtol=1e-6, atol=1e-3, ntensors=len(SHAPES))
        print(time.perf_counter() - start, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    args = parser.parse_args()
    workers = {}
    for name, python in (("symjax_mx", sys.executable), ("mxnet", args.mxnet_python)):
        workers[name] = subprocess.Popen([python, __file__, "--worker", name], text=True,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def step(name, config):
        workers[name].stdin.write(json.dumps(config) + "\n")
        workers[name].stdin.flush()
        return float(workers[name].stdout.readline())

    for dtype in DTYPES:  # every structure once: the compiles
        for clip in ({}, {"clip_gradient": 0.4}):
            for bias in (False, True):
                for name in workers:
                    step(name, {"dtype": dtype, "bias_correction": bias, **clip})
    times = {(name, dtype): [] for name in workers for dtype in DTYPES}
    for r in range(args.rounds):
        for dtype in DTYPES:
            config = {"dtype": dtype, "rescale_grad": 0.1 + 0.1 * r, "wd": 0.01 * (r + 1),
                      "clip_gradient": 0.5, "bias_correction": True}
            for name in workers:
                times[name, dtype].append(step(name, config))
    for dtype in DTYPES:
        ours, theirs = (statistics.median(times[n, dtype]) for n in ("symjax_mx", "mxnet"))
        print(f"{dtype}: symjax_mx {ours:.2f} s/step, mxnet {theirs:.2f} s/step, "
              f"ratio mxnet/symjax_mx {theirs / ours:.2f}")
    for process in workers.values():
        process.stdin.close()
        process.wait()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
    else:
        main()

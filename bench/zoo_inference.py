"""Inference time of MXNet 1.9.1's Gluon model zoo networks: symjax_mx's Module against MXNet's.

Each network (randomly initialized with a fixed seed, hybridized and exported by MXNet 1.9.1
in the oracle venv) is loaded here by ``mx.mod.Module`` (``load_checkpoint`` + ``bind`` +
``set_params``) and run with ``forward(is_train=False)`` on a fixed random batch, waiting on
the output. MXNet runs the same exported files through its own ``mx.mod.Module`` in a
subprocess that stays alive for the whole run; the two sides are timed in interleaved
rounds (the machine is shared) and the medians are compared. The exported files live in a
cache directory (``--cache``, default /tmp/symjax_mx_zoo), not in the repository.

Printed per network and batch size: the median forward time of each side, the ratio
symjax_mx / MXNet (target <= 1.0) and the largest difference between the two outputs
relative to the largest output magnitude (a check that both ran the same network).

Measured 2026-12-06 (2 cores shared with five other sessions; load 12-17 for batch 2,
8-11 for batch 32; 3 interleaved rounds), ratio symjax_mx / MXNet:
    batch  2: resnet18_v1 1.20, resnet50_v1 1.27, resnet50_v2 1.19, mobilenet1.0 0.86,
              mobilenetv2_1.0 0.75, vgg11_bn 1.25, densenet121 0.99, squeezenet1.1 1.04,
              inceptionv3 1.18, alexnet 1.15
    batch 32: resnet18_v1 1.29, resnet50_v1 1.90, resnet50_v2 1.54, mobilenet1.0 1.99,
              mobilenetv2_1.0 2.34, vgg11_bn 1.70, densenet121 2.27, squeezenet1.1 1.32,
              inceptionv3 2.01, alexnet 1.33

After 1x1 convolutions as dot products, BatchNorm folded into convolutions and DenseNet's
transition pooled before its 1x1 convolution (2026-12-06, load 13-15, 3 rounds):
    batch  2: resnet18_v1 1.14, resnet50_v1 1.20, resnet50_v2 1.15, mobilenet1.0 0.75,
              mobilenetv2_1.0 0.66, vgg11_bn 1.24, densenet121 0.70, squeezenet1.1 0.35,
              inceptionv3 0.63, alexnet 0.98
    batch 32: resnet18_v1 1.48, resnet50_v1 1.23, resnet50_v2 1.37, mobilenet1.0 1.70,
              mobilenetv2_1.0 1.65, vgg11_bn 1.32, densenet121 1.54, squeezenet1.1 1.17,
              inceptionv3 1.90, alexnet 1.20
(the batch-32 baseline rerun in the same session before these changes: resnet18_v1 1.44,
resnet50_v1 1.72, mobilenet1.0 2.13, mobilenetv2_1.0 2.38, vgg11_bn 1.40, densenet121
1.74, squeezenet1.1 1.35; the densenet121 figures predate its transition rewrite).

Quiet machine (load below 2), 2026-12-06, after convolutions left YNNPACK for XLA's Eigen
kernels (compile_options.LIBRARY_CHOICE), convolutional networks' dot products too (since
then YNNPACK runs each product alone in every program), and 3x3 convolutions over maps
smaller than the kernel became dot products over windows; 3 rounds, ratio symjax_mx / MXNet:
    batch  2: resnet18_v1 0.87, resnet50_v1 0.96, resnet50_v2 0.94, mobilenet1.0 1.05,
              mobilenetv2_1.0 0.96, vgg11_bn 0.63, densenet121 0.65, squeezenet1.1 0.75,
              inceptionv3 0.82, alexnet 0.77
    batch 32: resnet18_v1 0.82, resnet50_v1 0.70, resnet50_v2 0.71, mobilenet1.0 0.99,
              mobilenetv2_1.0 1.22, vgg11_bn 0.73, densenet121 0.76, squeezenet1.1 0.75,
              inceptionv3 0.81, alexnet 0.66
(before those three changes, the same quiet machine, batch 32: resnet18_v1 1.02,
resnet50_v1 1.12, inceptionv3 1.02, vgg11_bn 0.89, densenet121 1.15; batch 2: resnet18_v1
0.94, resnet50_v1 0.84, inceptionv3 0.83, vgg11_bn 0.65, densenet121 0.87. The figures
above these were taken on a loaded machine.)

With the opt-in pool of freed memory (``SYMJAX_MX_CPU_MEMORY_POOL=1 python
bench/zoo_inference.py``, symjax_mx/cpu_memory.py; quiet machine, 2026-12-06, 3 rounds):
    batch  2: resnet18_v1 0.93, resnet50_v1 0.91, resnet50_v2 0.99, mobilenet1.0 1.07,
              mobilenetv2_1.0 1.09, vgg11_bn 0.61, densenet121 0.78, squeezenet1.1 0.84,
              inceptionv3 0.75, alexnet 0.80
    batch 32: resnet18_v1 0.72, resnet50_v1 0.63, resnet50_v2 0.63, mobilenet1.0 0.76,
              mobilenetv2_1.0 0.82, vgg11_bn 0.66, densenet121 0.74, squeezenet1.1 0.61,
              inceptionv3 0.66, alexnet 0.62

After YNNPACK's individual dot products in convolutional networks, the depthwise padding
moved before the 1x1 convolutions (lowering/pad_first.py) and inference reductions outside
YNNPACK (2026-12-07, 2 cores shared with another session whose load came and went; the
tree before and after run back to back), ratio symjax_mx / MXNet, before -> after:
    load about 3, 8 rounds, batch 2: mobilenetv2_1.0 1.07 -> 0.92, mobilenet1.0 1.00 -> 0.77
    load 3-4, 5 rounds (every ratio higher under load: XLA's two threads lose more to the
    other session than MXNet's), batch 2: mobilenetv2_1.0 1.82 -> 1.36, mobilenet1.0 1.76
    -> 1.30, resnet18_v1 1.52 -> 1.43; batch 32: mobilenetv2_1.0 1.66 -> 1.42,
    mobilenet1.0 1.68 -> 1.46, resnet18_v1 1.49 -> 1.42
``bench/zoo_ab.py``, before -> after, CPU time: batch 2 mobilenetv2_1.0 0.83x,
mobilenet1.0 0.76x, resnet18_v1 0.93x; batch 32 0.86x, 0.86x, 0.92x.

Run: ``python bench/zoo_inference.py`` (all ten networks at batch 2 and 32: most of an
hour on 2 cores); ``--models resnet18_v1 vgg11_bn --batches 2`` for a quick run.
Needs the oracle interpreter (``--mxnet-python``, default /tmp/mxref/bin/python).
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import symjax_mx as mx
from symjax_mx import compile_options
from json_worker import JsonWorker

MODELS = {"resnet18_v1": 224, "resnet50_v1": 224, "resnet50_v2": 224, "mobilenet1.0": 224,
          "mobilenetv2_1.0": 224, "vgg11_bn": 224, "densenet121": 224, "squeezenet1.1": 224,
          "inceptionv3": 299, "alexnet": 224}

# Runs in the oracle interpreter: export the named networks into the cache directory.
_EXPORT = """
import sys, mxnet as mx
from mxnet.gluon.model_zoo import vision
cache, sizes = sys.argv[1], dict(a.split('=') for a in sys.argv[2:])
for name, size in sizes.items():
    mx.random.seed(0)
    net = vision.get_model(name, pretrained=False)
    net.initialize(mx.init.Xavier(magnitude=2))
    net.hybridize()
    net(mx.nd.zeros((1, 3, int(size), int(size))))
    net.export(f'{cache}/{name}')
    print('exported', name, flush=True)
"""

# Runs in the oracle interpreter: answers one JSON request a line with one JSON reply a line.
_WORKER = """
import json, sys, time, numpy as np, mxnet as mx
modules = {}
for line in sys.stdin:
    req = json.loads(line)
    key = (req['model'], req['batch'])
    if key not in modules:
        sym, args, aux = mx.model.load_checkpoint(req['prefix'], 0)
        mod = mx.mod.Module(sym, data_names=['data'], label_names=None, context=mx.cpu())
        mod.bind(data_shapes=[('data', tuple(req['shape']))], for_training=False)
        mod.set_params(args, aux)
        batch = mx.io.DataBatch([mx.nd.array(np.load(req['input']))])
        mod.forward(batch, is_train=False)
        np.save(req['output'], mod.get_outputs()[0].asnumpy())
        modules[key] = (mod, batch)
    mod, batch = modules[key]
    times = []
    for _ in range(req['reps']):
        start = time.perf_counter()
        mod.forward(batch, is_train=False)
        mod.get_outputs()[0].wait_to_read()
        times.append(time.perf_counter() - start)
    print(json.dumps(times), flush=True)
"""


def export_missing(python, cache, names):
    """Export the networks whose files are not in ``cache`` yet, with MXNet 1.9.1."""
    missing = [n for n in names if not os.path.exists(f"{cache}/{n}-0000.params")]
    if missing:
        os.makedirs(cache, exist_ok=True)
        subprocess.run([python, "-c", _EXPORT, cache] + [f"{n}={MODELS[n]}" for n in missing],
                       check=True)


def symjax_module(prefix, shape):
    sym, args, aux = mx.model.load_checkpoint(prefix, 0)
    mod = mx.mod.Module(sym, data_names=["data"], label_names=None, context=mx.cpu())
    mod.bind(data_shapes=[("data", shape)], for_training=False)
    mod.set_params(args, aux)
    return mod


def time_ours(mod, batch, reps):
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        mod.forward(batch, is_train=False)
        mod.get_outputs()[0].wait_to_read()
        times.append(time.perf_counter() - start)
    return times


def bench_one(mxnet, cache, name, batch_size, rounds, budget):
    size = MODELS[name]
    shape = (batch_size, 3, size, size)
    prefix = f"{cache}/{name}"
    data = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
    paths = {"input": f"{cache}/{name}-b{batch_size}-in.npy",
             "output": f"{cache}/{name}-b{batch_size}-mx.npy"}
    np.save(paths["input"], data)
    request = dict(model=name, batch=batch_size, prefix=prefix, shape=shape, **paths)
    first_mx = mxnet.ask(reps=1, **request)[0]      # binds, checks, warms up
    mod = symjax_module(prefix, shape)
    batch = mx.io.DataBatch([mx.nd.array(data)])
    start = time.perf_counter()
    time_ours(mod, batch, 1)                          # compiles
    compile_s = time.perf_counter() - start
    time_ours(mod, batch, compile_options.EARLY_CALLS)  # past the fast-compiled calls
    ours = mod.get_outputs()[0].asnumpy()
    theirs = np.load(paths["output"])
    diff = float(np.abs(ours - theirs).max() / max(np.abs(theirs).max(), 1e-30))
    first_ours = time_ours(mod, batch, 1)[0]
    reps_mx = max(1, min(10, int(budget / max(first_mx, 1e-3))))
    reps_ours = max(1, min(10, int(budget / max(first_ours, 1e-3))))
    t_mx, t_ours = [], []
    for _ in range(rounds):
        t_mx += mxnet.ask(reps=reps_mx, **request)
        t_ours += time_ours(mod, batch, reps_ours)
    return statistics.median(t_ours), statistics.median(t_mx), diff, compile_s


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--batches", nargs="+", type=int, default=[2, 32])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per case")
    parser.add_argument("--budget", type=float, default=1.0,
                        help="seconds of forwards per side per round (at least one)")
    parser.add_argument("--cache", default="/tmp/symjax_mx_zoo")
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    opts = parser.parse_args()
    export_missing(opts.mxnet_python, opts.cache, opts.models)
    mxnet = JsonWorker([opts.mxnet_python, "-c", _WORKER], name="the MXNet worker")
    print(f"{'network':<16}{'batch':>6}{'symjax_mx ms':>14}{'MXNet ms':>11}{'ratio':>8}"
          f"{'rel diff':>10}{'compile s':>11}", flush=True)
    try:
        for batch_size in opts.batches:
            for name in opts.models:
                ours, theirs, diff, compile_s = bench_one(mxnet, opts.cache, name, batch_size,
                                                          opts.rounds, opts.budget)
                print(f"{name:<16}{batch_size:>6}{ours * 1e3:>14.1f}{theirs * 1e3:>11.1f}"
                      f"{ours / theirs:>8.2f}{diff:>10.1e}{compile_s:>11.1f}", flush=True)
    finally:
        mxnet.close()
    print("medians of interleaved rounds on a shared machine; ratio = symjax_mx / MXNet")


if __name__ == "__main__":
    sys.exit(main())

"""Training throughput through ``Module.fit``: symjax_mx against MXNet 1.9.1 on the same networks.

Networks (SGD, momentum 0.9, Xavier init, synthetic data, SoftmaxOutput head):

    mlp       784-128-64-10, batch 128
    lenet     LeNet on 28x28, batch 128
    resnet    the small CIFAR ResNet with BatchNorm of bench/executor.py, 32x32, batch 128
    resnet18  the model zoo's resnet18_v1 (exported by MXNet, see bench/zoo_inference.py)
              on 64x64 images, batch 32, 10 classes

Each symbol is written as MXNet's JSON by symjax_mx (resnet18: by MXNet's export) and
loaded by both sides; MXNet runs in a long-lived oracle subprocess. One epoch per side per
round, interleaved in an order that rotates from round to round (the machine is shared);
printed: median samples/s of each side and
the ratio symjax_mx / MXNet (target >= 1.0), and for mlp and lenet also the hand-written
JAX + optax loop of bench/train.py and fit / hand-written (target >= 0.95).

Run: ``python bench/train_mxnet.py [--nets mlp lenet] [--rounds 3]`` from bench/.
"""
import argparse
import logging
import statistics
import time
import warnings

import numpy as np

import symjax_mx as mx
from executor import lenet_hand, lenet_symbol, mlp_hand, mlp_symbol, resnet_symbol
from json_worker import JsonWorker
from train import hand_epoch
from zoo_inference import export_missing

LR, MOMENTUM = 0.01, 0.9

# Runs in the oracle interpreter: one JSON request a line -> seconds of one epoch of fit.
_WORKER = """
import json, logging, sys, time, numpy as np, mxnet as mx
logging.getLogger().setLevel(logging.ERROR)
state = {}
for line in sys.stdin:
    req = json.loads(line)
    name = req['net']
    if name not in state:
        sym = mx.sym.load(req['symbol'])
        it = mx.io.NDArrayIter(np.load(req['data']), np.load(req['label']),
                               batch_size=req['batch'], label_name='softmax_label')
        state[name] = [mx.mod.Module(sym, context=mx.cpu()), it, 0]
    mod, it, epoch = state[name]
    it.reset()
    start = time.perf_counter()
    mod.fit(it, num_epoch=epoch + 1, begin_epoch=epoch, optimizer='sgd',
            initializer=mx.init.Xavier(),
            optimizer_params={'learning_rate': req['lr'], 'momentum': req['momentum']})
    mx.nd.waitall()
    state[name][2] += 1
    print(json.dumps(time.perf_counter() - start), flush=True)
"""


def networks(cache, python):
    """name -> (symbol, input shape with batch, batches per epoch, hand-written loss)."""
    export_missing(python, cache, ["resnet18_v1"])
    zoo = mx.sym.load(f"{cache}/resnet18_v1-symbol.json")
    logits = mx.sym.FullyConnected(zoo, num_hidden=10, name="head")
    resnet18 = mx.sym.SoftmaxOutput(logits, name="softmax")
    resnet, _ = resnet_symbol()
    return {"mlp": (mlp_symbol()[0], (128, 784), 16, mlp_hand),
            "lenet": (lenet_symbol()[0], (128, 1, 28, 28), 16, lenet_hand),
            "resnet": (resnet, (128, 3, 32, 32), 8, None),
            "resnet18": (resnet18, (32, 3, 64, 64), 8, None)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", nargs="+", default=["mlp", "lenet", "resnet", "resnet18"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache", default="/tmp/symjax_mx_zoo")
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    opts = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    nets = networks(opts.cache, opts.mxnet_python)
    worker = JsonWorker([opts.mxnet_python, "-c", _WORKER], name="the MXNet worker")
    print(f"{'network':10s}{'symjax_mx':>13s}{'MXNet':>13s}{'ratio':>8s}"
          f"{'hand JAX':>13s}{'fit/hand':>10s}", flush=True)
    try:
        for name in opts.nets:
            symbol, shape, batches, hand_loss = nets[name]
            batch = shape[0]
            rs = np.random.default_rng(0)
            data = rs.uniform(0, 1, (batch * batches,) + shape[1:]).astype(np.float32)
            label = rs.integers(0, 10, batch * batches).astype(np.float32)
            paths = {k: f"{opts.cache}/train-{name}-{k}" for k in ("data", "label")}
            np.save(paths["data"] + ".npy", data)
            np.save(paths["label"] + ".npy", label)
            symbol.save(f"{opts.cache}/train-{name}-symbol.json")
            request = dict(net=name, symbol=f"{opts.cache}/train-{name}-symbol.json",
                           data=paths["data"] + ".npy", label=paths["label"] + ".npy",
                           batch=batch, lr=LR, momentum=MOMENTUM)

            def mxnet_epoch():
                return worker.ask(**request)

            ours = _fit_epoch(symbol, data, label, batch)
            hand = hand_epoch(hand_loss, symbol, data, label) if hand_loss else None
            mxnet_epoch()
            ours()
            if hand:
                hand()
            # each round in another order: whatever runs right after MXNet shares the CPU
            # with its threads while they wind down
            sides = [("mx", mxnet_epoch), ("ours", lambda: _timed(ours))]
            if hand:
                sides.append(("hand", lambda: _timed(hand)))
            times = {key: [] for key, _ in sides}
            for r in range(opts.rounds):
                for key, epoch in sides[r % len(sides):] + sides[:r % len(sides)]:
                    times[key].append(epoch())
            rate = {k: len(data) / statistics.median(t) for k, t in times.items()}
            row = (f"{name:10s}{rate['ours']:11.0f}/s{rate['mx']:11.0f}/s"
                   f"{rate['ours'] / rate['mx']:7.2f}x")
            if hand:
                row += f"{rate['hand']:11.0f}/s{rate['ours'] / rate['hand']:9.2f}x"
            print(row, flush=True)
    finally:
        worker.close()
    print("samples/s: medians of interleaved one-epoch rounds on a shared machine")


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _fit_epoch(symbol, data, label, batch):
    """One epoch of symjax_mx's Module.fit per call (bound on the first)."""
    train = mx.io.NDArrayIter(data, label, batch_size=batch)
    mod = mx.mod.Module(symbol, context=[mx.cpu(0)])
    state = {"epoch": 0}

    def run():
        train.reset()
        mod.fit(train, num_epoch=state["epoch"] + 1, begin_epoch=state["epoch"],
                optimizer="sgd", initializer=mx.init.Xavier(),
                optimizer_params={"learning_rate": LR, "momentum": MOMENTUM})
        state["epoch"] += 1
        mx.nd.waitall()
    return run


if __name__ == "__main__":
    main()

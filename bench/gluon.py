"""Gluon training step: symjax_mx against MXNet 1.9.1, eager and hybridized, side by side.

The same loop (HybridSequential MLP 784-128-64-10, batch 128, SoftmaxCrossEntropyLoss,
record / forward / backward / Trainer.step with SGD) runs in persistent worker processes:
symjax_mx and MXNet (``--mxnet-python``), each eager and hybridized. After a warm-up,
timed chunks alternate between the four; the medians give samples/s and the ratios.

    PYTHONPATH=. python bench/gluon.py [--rounds 5] [--steps 30]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH, SIZES = 128, (784, 128, 64, 10)


def worker(framework, hybridize):
    """Serve ``run N`` requests on stdin: train N steps, answer the seconds they took."""
    import numpy as np
    mx = __import__(framework)
    from importlib import import_module
    gluon = import_module(framework + ".gluon")
    rng = np.random.RandomState(0)
    data = mx.nd.array(rng.uniform(-1, 1, (BATCH, SIZES[0])))
    label = mx.nd.array(rng.randint(0, SIZES[-1], BATCH))
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        for units in SIZES[1:-1]:
            net.add(gluon.nn.Dense(units, activation="relu"))
        net.add(gluon.nn.Dense(SIZES[-1]))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize(static_alloc=True, static_shape=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(BATCH)

    step()
    mx.nd.waitall()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        steps = int(line.split()[1])
        start = time.perf_counter()
        for _ in range(steps):
            step()
        mx.nd.waitall()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


def _start(framework, hybridize, python):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", framework]
                            + (["--hybridize"] if hybridize else []),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    json.loads(proc.stdout.readline())
    return proc


def _ask(proc, steps):
    proc.stdin.write(f"run {steps}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=("mxnet", "symjax_mx"))
    parser.add_argument("--hybridize", action="store_true")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.hybridize)
        return
    runs = {(framework, hybrid): _start(framework, hybrid, python)
            for framework, python in (("symjax_mx", sys.executable),
                                      ("mxnet", args.mxnet_python))
            for hybrid in (False, True)}
    rates = {key: [] for key in runs}
    for _ in range(args.rounds):
        for key, proc in runs.items():
            rates[key].append(args.steps * BATCH / _ask(proc, args.steps))
    for proc in runs.values():
        proc.stdin.close()
        proc.wait()
    median = {key: statistics.median(values) for key, values in rates.items()}
    print(f"Gluon MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {args.rounds} rounds x "
          f"{args.steps} steps, medians (samples/s)")
    for hybrid in (False, True):
        mode = "hybridized" if hybrid else "eager     "
        ours, ref = median[("symjax_mx", hybrid)], median[("mxnet", hybrid)]
        print(f"{mode}: symjax_mx {ours:9.0f}  MXNet {ref:9.0f}  ratio {ours / ref:.2f}")
    print(f"symjax_mx hybridized/eager: "
          f"{median[('symjax_mx', True)] / median[('symjax_mx', False)]:.2f}")


if __name__ == "__main__":
    main()

"""Eager training with autograd: symjax_mx against MXNet 1.9.1, side by side.

The same MLP loop (784-128-64-10, batch 128, softmax cross-entropy as -pick(log_softmax),
record / forward / loss.backward() / an SGD update per parameter) runs in two persistent
worker processes, symjax_mx and MXNet (``--mxnet-python``, default /tmp/mxref/bin/python).
After a warm-up, timed chunks alternate between the two; the medians give samples/s and
the ratio. symjax_mx also reports how many gradient programs it compiled after the first
step (0 when the recorded tape is compiled once).

    PYTHONPATH=. python bench/autograd.py [--rounds 7] [--steps 50]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BATCH, SIZES, LR = 128, (784, 128, 64, 10), 0.1


def worker(framework):
    """Serve ``run N`` requests on stdin: train N steps, answer the seconds they took."""
    import numpy as np
    if framework == "mxnet":
        import mxnet as mx
    else:
        import symjax_mx as mx
    from_np = mx.nd.array
    rng = np.random.RandomState(0)
    data = from_np(rng.uniform(-1, 1, (BATCH, SIZES[0])))
    label = from_np(rng.randint(0, SIZES[-1], BATCH))
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append(from_np(rng.normal(0, fan_in ** -0.5, (fan_out, fan_in))))
        params.append(mx.nd.zeros((fan_out,)))
    for p in params:
        p.attach_grad()
    sgd_update = getattr(mx.nd, "sgd_update", None)

    def step():
        with mx.autograd.record():
            h = data
            for i in range(0, len(params), 2):
                h = mx.nd.FullyConnected(h, params[i], params[i + 1], num_hidden=params[i].shape[0])
                if i + 2 < len(params):
                    h = mx.nd.relu(h)
            loss = -mx.nd.pick(mx.nd.log_softmax(h), label, axis=1)
        loss.backward()
        for p in params:
            if sgd_update is not None:
                sgd_update(p, p.grad, lr=LR, wd=0.0, rescale_grad=1.0 / BATCH, out=p)
            else:  # the same update from two operators where the registry has no sgd_update
                p -= (LR / BATCH) * p.grad

    def compiles():
        return mx.autograd._Plan.traces if framework == "symjax_mx" else 0

    step()
    params[0].wait_to_read()
    after_first = compiles()
    print(json.dumps({"ready": True, "sgd_update": sgd_update is not None}), flush=True)
    for line in sys.stdin:
        steps = int(line.split()[1])
        start = time.perf_counter()
        for _ in range(steps):
            step()
        for p in params:
            p.wait_to_read()
        elapsed = time.perf_counter() - start
        print(json.dumps({"seconds": elapsed, "compiles_after_first": compiles() - after_first}),
              flush=True)


def _start(framework, python):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", framework],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    hello = json.loads(proc.stdout.readline())
    return proc, hello


def _ask(proc, steps):
    proc.stdin.write(f"run {steps}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=("mxnet", "symjax_mx"))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    ours, ours_hello = _start("symjax_mx", sys.executable)
    ref, _ = _start("mxnet", args.mxnet_python)
    timings = {"symjax_mx": [], "mxnet": []}
    compiles = 0
    for _ in range(args.rounds):
        for name, proc in (("symjax_mx", ours), ("mxnet", ref)):
            answer = _ask(proc, args.steps)
            timings[name].append(args.steps * BATCH / answer["seconds"])
            if name == "symjax_mx":
                compiles = answer["compiles_after_first"]
    for proc in (ours, ref):
        proc.stdin.close()
        proc.wait()
    ours_rate = statistics.median(timings["symjax_mx"])
    ref_rate = statistics.median(timings["mxnet"])
    update = "sgd_update" if ours_hello["sgd_update"] else "p -= lr * grad (no sgd_update)"
    print(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, {args.rounds} rounds x "
          f"{args.steps} steps, medians; symjax_mx update: {update}")
    print(f"symjax_mx: {ours_rate:10.0f} samples/s")
    print(f"MXNet:     {ref_rate:10.0f} samples/s")
    print(f"ratio symjax_mx/MXNet: {ours_rate / ref_rate:.2f}")
    print(f"gradient programs compiled after the first step: {compiles}")


if __name__ == "__main__":
    main()

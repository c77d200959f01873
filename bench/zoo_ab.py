"""Two checkouts of symjax_mx on the same model zoo network: inference time of one against
the other (e.g. a branch against main), each in its own interleaved subprocess worker.

The networks are those bench/zoo_inference.py exported with MXNet 1.9.1 into its cache
directory (run it once first). Each worker loads the network by ``mx.mod.Module`` and
times ``forward(is_train=False)`` up to the output; the two are timed in alternating
rounds and the medians of wall and process CPU time compared (on a shared machine the CPU
time is the steadier figure). The relative difference of the two outputs' absolute sums
checks that both ran the same network.

Measured 2026-12-06 (2 shared cores, load 11-15), this session's branch against main,
wall (CPU) ratio branch / main: batch 32: resnet50_v1 0.74 (0.78), mobilenet1.0 0.77
(0.85), densenet121 0.91 (0.84), inceptionv3 0.91 (0.89), resnet18_v1 1.07 (0.99),
mobilenetv2_1.0 0.68 (0.76); batch 2: resnet50_v1 0.85 (1.04), mobilenet1.0 1.18 (1.01),
densenet121 0.96 (0.94), inceptionv3 1.08 (0.96).

Run: ``python bench/zoo_ab.py /work/main /work/wt/speedinfer --batch 32 --models resnet50_v1``.
"""
import argparse
import statistics
import sys

from json_worker import JsonWorker

# Runs in each side's interpreter: loads a network, then answers timing requests.
_WORKER = r"""
import json, sys, time, numpy as np
import symjax_mx as mx
for line in sys.stdin:
    req = json.loads(line)
    if "reps" not in req:
        size = 299 if req["model"] == "inceptionv3" else 224
        shape = (req["batch"], 3, size, size)
        sym, args, aux = mx.model.load_checkpoint(f"{req['cache']}/{req['model']}", 0)
        mod = mx.mod.Module(sym, data_names=["data"], label_names=None, context=mx.cpu())
        mod.bind(data_shapes=[("data", shape)], for_training=False)
        mod.set_params(args, aux)
        data = np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32)
        batch = mx.io.DataBatch([mx.nd.array(data)])
        mod.forward(batch, is_train=False)
        print(json.dumps(float(np.abs(mod.get_outputs()[0].asnumpy()).sum())), flush=True)
        continue
    times = []
    for _ in range(req["reps"]):
        wall, cpu = time.perf_counter(), time.process_time()
        mod.forward(batch, is_train=False)
        mod.get_outputs()[0].wait_to_read()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    print(json.dumps(times), flush=True)
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="PYTHONPATH of the reference checkout (e.g. /work/main)")
    parser.add_argument("b", help="PYTHONPATH of the checkout measured against it")
    parser.add_argument("--models", nargs="+", default=["resnet50_v1", "mobilenet1.0"])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--cache", default="/tmp/symjax_mx_zoo")
    opts = parser.parse_args()
    reps = 2 if opts.batch >= 16 else 5
    for model in opts.models:
        sides = [JsonWorker([sys.executable, "-c", _WORKER], name=f"the worker of {path}",
                            env={"PYTHONPATH": path, "PATH": "/usr/bin:/bin"})
                 for path in (opts.a, opts.b)]
        try:
            sums = [s.ask(model=model, batch=opts.batch, cache=opts.cache) for s in sides]
            times = [[], []]
            for _ in range(opts.rounds):
                for side, into in zip(sides, times):
                    into += side.ask(reps=reps)
        finally:
            for side in sides:
                side.close()
        wall = [statistics.median(t[0] for t in ts) * 1e3 for ts in times]
        cpu = [statistics.median(t[1] for t in ts) * 1e3 for ts in times]
        print(f"{model:<16} batch {opts.batch}: wall {wall[0]:.0f} -> {wall[1]:.0f} ms "
              f"({wall[1] / wall[0]:.2f}x), cpu {cpu[0]:.0f} -> {cpu[1]:.0f} ms "
              f"({cpu[1] / cpu[0]:.2f}x), output rel diff "
              f"{abs(sums[0] - sums[1]) / sums[0]:.1e}", flush=True)
    print("medians of interleaved rounds; ratio = b / a")


if __name__ == "__main__":
    sys.exit(main())

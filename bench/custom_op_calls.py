"""NDArray calls inside a Custom operator's Python, and MXNet's RBM example, here and in MXNet.

    python bench/custom_op_calls.py [rounds]      # default 3 rounds

Two parts, each run in fresh processes, the processes of a round interleaved so that both
sides see the same load (the machine is shared), medians over rounds printed:

calls  the time per NDArray call (dot, gemm, elementwise, sigmoid, tile, random.uniform,
       comparison, ``x[:] = y``) made by a Custom operator's forward, run from an
       executor's compiled program (as Module runs it) and imperatively (mx.nd.Custom),
       against the same call made eagerly outside any operator, in the same process; the
       ratio inside/eager is the cost of being called from the host callback.
rbm    the training epoch (forward, backward, update of every batch, then waitall) of
       MXNet's example/restricted-boltzmann-machine/binary_rbm_module.py (BinaryRBM from
       its binary_rbm.py, a Custom operator doing k Gibbs steps in its forward), on tiny
       synthetic binary data (no MNIST download), here and in MXNet 1.9.1, with their ratio.

The example's binary_rbm.py is read from the MXNet git mirror (MXNET_MIRROR, at commit
76d73dbd); MXNet runs with MXNET_PYTHON (default /tmp/mxref/bin/python). A side whose
interpreter or file is missing is skipped. BENCH_BASE=/path/to/another/checkout adds that
checkout of symjax_mx as a third side (``base``, e.g. the commit before a change), run in
the same rounds. A process running past 300 s is reported as hung and skipped.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MXNET_PYTHON = os.environ.get("MXNET_PYTHON", "/tmp/mxref/bin/python")
MIRROR = os.environ.get("MXNET_MIRROR", "/work/.mirror/apache+mxnet/repo")
ALIAS_SUPPORT = os.environ.get("MXSUITE_SUPPORT", "/work/shared/conformance/support")
RBM_FILE = "example/restricted-boltzmann-machine/binary_rbm.py"

# RBM sizes: the example's defaults (500 hidden units, k=30 Gibbs steps, batches of 80)
# on 784 visible units, with a few batches of synthetic data per epoch.
# BENCH_RBM="side hidden k batch batches epochs" overrides them (side: image side).
SIDE, NUM_HIDDEN, K, BATCH, NUM_BATCHES, EPOCHS = map(int, os.environ.get(
    "BENCH_RBM", "28 500 30 80 4 3").split())
NUM_VISIBLE = SIDE * SIDE
CALLS = 200  # calls per timing of one NDArray operation


# ---------------------------------------------------------------- worker side (any mxnet)

def _calls_worker():
    import numpy as np
    import mxnet as mx

    times = {}

    def cases(x, w, b):
        return {
            "dot": lambda: mx.nd.dot(x, w),
            "gemm": lambda: mx.nd.linalg.gemm(x, w, b),
            "add": lambda: x + x,
            "sigmoid": lambda: x.sigmoid(),
            "tile": lambda: b[0].tile(reps=(x.shape[0], 1)),
            "uniform": lambda: mx.nd.random.uniform(shape=x.shape),
            "less": lambda: x < x,
            "setitem": lambda: x.__setitem__(slice(None), x) or x,
        }

    def measure(where, x, w, b):
        for name, call in cases(x, w, b).items():
            call().wait_to_read()  # not waitall: MXNet's deadlocks inside an operator
            start = time.perf_counter()
            for _ in range(CALLS):
                result = call()
            result.wait_to_read()
            times.setdefault(where, {}).setdefault(name, []).append(
                (time.perf_counter() - start) / CALLS)

    where = ["eager"]

    class Probe(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            measure(where[0], *in_data)
            self.assign(out_data[0], req[0], in_data[0])

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            pass

    @mx.operator.register("bench_probe")
    class ProbeProp(mx.operator.CustomOpProp):
        def list_arguments(self):
            return ["x", "w", "b"]

        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0]], []

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return Probe()

    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.rand(BATCH, NUM_VISIBLE))
    w = mx.nd.array(rng.rand(NUM_VISIBLE, NUM_HIDDEN) * 0.01)
    b = mx.nd.array(rng.rand(BATCH, NUM_HIDDEN))
    args = [mx.sym.var(n) for n in "xwb"]
    executor = mx.sym.Custom(*args, op_type="bench_probe").bind(
        mx.cpu(), {"x": x, "w": w, "b": b})
    for _ in range(3):  # interleaved within the process too
        where[0] = "eager"
        measure("eager", x, w, b)
        where[0] = "executor"
        executor.forward()
        executor.outputs[0].wait_to_read()
        where[0] = "imperative"
        mx.nd.Custom(x, w, b, op_type="bench_probe").wait_to_read()
    return {where: {name: statistics.median(v) for name, v in d.items()}
            for where, d in times.items()}


def _rbm_worker(rbm_dir):
    import numpy as np
    import mxnet as mx
    sys.path.insert(0, rbm_dir)
    import binary_rbm  # noqa: F401  (registers the BinaryRBM custom operator)

    mx.random.seed(0)
    rng = np.random.RandomState(0)
    images = (rng.rand(BATCH * NUM_BATCHES, 1, SIDE, SIDE) < 0.3).astype(np.float32)
    train_iter = mx.io.NDArrayIter(data={"data": images}, batch_size=BATCH, shuffle=True)
    data = mx.sym.Variable("data")
    rbm = mx.sym.Custom(
        mx.sym.flatten(data=data),
        mx.sym.Variable("visible_layer_bias", init=mx.init.Normal(sigma=.01)),
        mx.sym.Variable("hidden_layer_bias", init=mx.init.Normal(sigma=.01)),
        mx.sym.Variable("interaction_weight", init=mx.init.Normal(sigma=.01)),
        mx.sym.Variable("aux_hidden_layer_sample", init=mx.init.Normal(sigma=.01)),
        mx.sym.Variable("aux_hidden_layer_prob_1", init=mx.init.Constant(0)),
        num_hidden=NUM_HIDDEN, k=K, for_training=True, op_type="BinaryRBM", name="rbm")
    model = mx.mod.Module(symbol=rbm, context=mx.cpu(), data_names=["data"], label_names=None)
    model.bind(data_shapes=train_iter.provide_data)
    model.init_params()
    model.init_optimizer(optimizer="sgd",
                         optimizer_params={"learning_rate": 0.1, "momentum": 0.3})
    epochs = []
    for _ in range(EPOCHS + 1):  # the first epoch compiles
        start = time.perf_counter()
        train_iter.reset()
        for batch in train_iter:
            model.forward(batch)
            model.backward()
            model.update()
        mx.nd.waitall()
        epochs.append(time.perf_counter() - start)
    weight = model.get_params()[0]["interaction_weight"].asnumpy()
    return {"first_epoch": epochs[0], "epoch": statistics.median(epochs[1:]),
            "weight_finite": bool(np.isfinite(weight).all())}


# ---------------------------------------------------------------- driver side

def _rbm_source(directory):
    try:
        text = subprocess.run(["git", "-C", MIRROR, "show", f"76d73dbd:{RBM_FILE}"],
                              check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    with open(os.path.join(directory, "binary_rbm.py"), "w") as f:
        f.write(text)
    return True


def _run(side, part, rbm_dir):
    env = dict(os.environ)
    if side in ("symjax_mx", "base"):
        python = sys.executable
        root = ROOT if side == "symjax_mx" else os.environ["BENCH_BASE"]
        env["PYTHONPATH"] = os.pathsep.join([ALIAS_SUPPORT, root])
        env["MXSUITE_TARGET"] = "symjax_mx"
    else:
        python = MXNET_PYTHON
        env.pop("PYTHONPATH", None)
        env.pop("MXSUITE_TARGET", None)
    try:
        proc = subprocess.run([python, os.path.abspath(__file__), "--worker", part, rbm_dir],
                              env=env, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        sys.stderr.write(f"{side} {part} hung (killed after 300 s)\n")
        return None
    if proc.returncode:
        sys.stderr.write(f"{side} {part} failed:\n{proc.stderr[-3000:]}\n")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(rounds):
    sides = (["symjax_mx"] + (["base"] if os.environ.get("BENCH_BASE") else [])
             + (["mxnet"] if os.path.exists(MXNET_PYTHON) else []))
    with tempfile.TemporaryDirectory() as rbm_dir:
        parts = ["calls"] + (["rbm"] if _rbm_source(rbm_dir) else [])
        results = {}
        for r in range(rounds):
            for part in parts:
                for side in sides:
                    out = _run(side, part, rbm_dir)
                    if out is not None:
                        results.setdefault((side, part), []).append(out)
            print(f"round {r + 1}/{rounds} done", file=sys.stderr)

    med = lambda runs, where, name: statistics.median(  # noqa: E731
        run[where][name] for run in runs) * 1e6
    print(f"NDArray call, µs per call, median over processes; sizes: batch {BATCH}, "
          f"{NUM_VISIBLE} visible, {NUM_HIDDEN} hidden. ratio: executor's callback / eager")
    for side in sides:
        calls = results.get((side, "calls"), [])
        if not calls:
            continue
        print(f"[{side}, {len(calls)} processes]")
        print(f"{'call':<10}{'eager':>9}{'executor':>10}{'ratio':>7}{'imperative':>12}{'ratio':>7}")
        for name in calls[0]["eager"]:
            eager, ex, imp = (med(calls, w, name) for w in ("eager", "executor", "imperative"))
            print(f"{name:<10}{eager:9.1f}{ex:10.1f}{ex / eager:7.2f}{imp:12.1f}"
                  f"{imp / eager:7.2f}")
    ref_rbm = results.get(("mxnet", "rbm"), [])
    print(f"\nRBM training epoch ({NUM_BATCHES} batches of {BATCH}, {NUM_VISIBLE} visible, "
          f"{NUM_HIDDEN} hidden, k={K}), median over processes")
    for side in sides:
        rbm = results.get((side, "rbm"), [])
        if not rbm:
            continue
        epoch = statistics.median(run["epoch"] for run in rbm)
        first = statistics.median(run["first_epoch"] for run in rbm)
        line = f"{side:<10} {epoch:7.3f} s  (first epoch {first:.2f} s, {len(rbm)} processes)"
        if ref_rbm and side != "mxnet":
            ref = statistics.median(run["epoch"] for run in ref_rbm)
            line += f"  / mxnet {epoch / ref:.2f}x; per round " + " ".join(
                f"{a['epoch'] / b['epoch']:.2f}" for a, b in zip(rbm, ref_rbm))
        print(line)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        result = _calls_worker() if sys.argv[2] == "calls" else _rbm_worker(sys.argv[3])
        print(json.dumps(result))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)

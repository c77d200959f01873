"""Gluon training step: symjax_mx against MXNet 1.9.1 and hand-written JAX+optax.

One step is record / forward / loss / backward / ``Trainer.step`` (SGD, lr 0.1, batch
128, SoftmaxCrossEntropyLoss) of a hybridized network: an MLP 784-128-64-10, LeNet
(28x28, conv 20/50, dense 500) and a small ResNet with BatchNorm (32x32, 16-32-64
channels, one basic block per stage); with ``--nets wide``, an MLP 4096-4096-4096-10
whose 64 MiB weights show what updating in place saves. The JAX side is the same network
written with jax.lax and optax, its whole step one jitted function that donates the
parameters and states (updated in place, as MXNet and symjax_mx do) and returns the
per-sample losses (as a Gluon step leaves the loss readable). Each (framework,
network) runs in a persistent worker process (MXNet's in ``--mxnet-python``); after a
warm-up, timed chunks alternate between them, and the medians give samples/s and the
ratios. A chunk starts idle and ends waiting for its last step, and the workers take
turns, so a chunk's first steps run cold (on this 2-core VM a step after an idle pause
takes about ten times the CPU of a warm one, in every framework, so a framework with more
host work per step loses more). Each network is therefore timed in
chunks of ``--steps`` (default 20) and, where those last less than ``--chunk-seconds``
(default 0.25 s: the MLP's 20 steps take 15 ms), also in chunks long enough to last that
long: the rate a training loop sustains. With ``--sync`` every step ends by reading its
loss to the host, as a loop that logs or updates a metric each batch does: each
framework's host work per step is then on the critical path, not overlapped with the
device's.

    PYTHONPATH=. python bench/gluon.py [--nets mlp,lenet,resnet,wide] [--rounds 5] [--steps 20]
                                       [--chunk-seconds 0.25] [--sync]
"""
import argparse
import functools
import json
import math
import os
import statistics
import subprocess
import sys
import time

BATCH = 128
WIDE = 4096  # the wide MLP's layers: 4096x4096 weights of 64 MiB
INPUTS = {"mlp": (784,), "lenet": (1, 28, 28), "resnet": (3, 32, 32), "wide": (WIDE,)}
CLASSES = 10


def gluon_net(gluon, name):
    """The network in ``gluon`` (MXNet's or symjax_mx's)."""
    nn = gluon.nn
    net = nn.HybridSequential()
    with net.name_scope():
        if name == "mlp":
            net.add(nn.Dense(128, activation="relu"), nn.Dense(64, activation="relu"),
                    nn.Dense(CLASSES))
        elif name == "wide":
            net.add(nn.Dense(WIDE, activation="relu"), nn.Dense(WIDE, activation="relu"),
                    nn.Dense(CLASSES))
        elif name == "lenet":
            net.add(nn.Conv2D(20, 5, activation="relu"), nn.MaxPool2D(2, 2),
                    nn.Conv2D(50, 5, activation="relu"), nn.MaxPool2D(2, 2), nn.Flatten(),
                    nn.Dense(500, activation="relu"), nn.Dense(CLASSES))
        else:
            net.add(nn.Conv2D(16, 3, padding=1, use_bias=False), nn.BatchNorm(),
                    nn.Activation("relu"))
            for channels, stride in ((16, 1), (32, 2), (64, 2)):
                net.add(_basic_block(gluon, channels, stride))
            net.add(nn.GlobalAvgPool2D(), nn.Dense(CLASSES))
    return net


def _basic_block(gluon, channels, stride):
    nn = gluon.nn

    class BasicBlock(gluon.HybridBlock):
        """conv-BN-relu-conv-BN plus the (projected when downsampling) input, relu."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.body = nn.HybridSequential()
                self.body.add(nn.Conv2D(channels, 3, stride, 1, use_bias=False),
                              nn.BatchNorm(), nn.Activation("relu"),
                              nn.Conv2D(channels, 3, 1, 1, use_bias=False), nn.BatchNorm())
                self.down = None
                if stride != 1:
                    self.down = nn.HybridSequential()
                    self.down.add(nn.Conv2D(channels, 1, stride, use_bias=False),
                                  nn.BatchNorm())

        def hybrid_forward(self, F, x):
            residual = x if self.down is None else self.down(x)
            return F.Activation(self.body(x) + residual, act_type="relu")

    return BasicBlock()


def gluon_worker(framework, name, sync=False):
    """A step function training ``name`` with ``framework``'s Gluon (reading the loss to
    the host at its end, with ``sync``)."""
    import numpy as np
    mx = __import__(framework)
    from importlib import import_module
    gluon = import_module(framework + ".gluon")
    rng = np.random.RandomState(0)
    data = mx.nd.array(rng.uniform(-1, 1, (BATCH,) + INPUTS[name]))
    label = mx.nd.array(rng.randint(0, CLASSES, BATCH))
    net = gluon_net(gluon, name)
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True, static_shape=True)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(BATCH)
        if sync:
            loss.asnumpy()
    return step, mx.nd.waitall


def jax_worker(name, sync=False):
    """A step function training ``name`` written in JAX + optax (one jitted step; reading
    the loss to the host at its end, with ``sync``)."""
    import jax
    import jax.numpy as jnp
    import numpy as np
    import optax

    rng = np.random.RandomState(0)
    data = jnp.asarray(rng.uniform(-1, 1, (BATCH,) + INPUTS[name]), jnp.float32)
    label = jnp.asarray(rng.randint(0, CLASSES, BATCH))
    params, state, apply = _jax_net(name, rng)
    optimizer = optax.sgd(0.1)
    opt_state = optimizer.init(params)

    def loss_fn(params, state, data, label):
        logits, new_state = apply(params, state, data)
        logp = jax.nn.log_softmax(logits)
        losses = -jnp.take_along_axis(logp, label[:, None], 1)[:, 0]
        return jnp.mean(losses), (new_state, losses)

    @functools.partial(jax.jit, donate_argnums=(0, 1, 2))  # updated in place, as MXNet
    def train(params, state, opt_state, data, label):
        (_, (new_state, losses)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            params, state, data, label)
        # Gluon's loss is per sample and Trainer.step(batch) rescales by 1/batch: the same
        updates, opt_state = optimizer.update(grads, opt_state)
        return optax.apply_updates(params, updates), new_state, opt_state, losses

    box = [params, state, opt_state]

    def step():  # the batch is an argument, as in a training loop (not a baked-in constant)
        params, state, opt_state, losses = train(*box, data, label)
        box[:] = params, state, opt_state
        if sync:
            np.asarray(losses)
    return step, lambda: jax.block_until_ready(box)


def _jax_net(name, rng):
    """(params, batch-norm state, apply(params, state, x) -> (logits, new state))."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    def dense(n_in, n_out):
        scale = np.sqrt(6.0 / (n_in + n_out))
        return {"w": jnp.asarray(rng.uniform(-scale, scale, (n_in, n_out)), jnp.float32),
                "b": jnp.zeros(n_out, jnp.float32)}

    def conv(c_in, c_out, k):
        scale = np.sqrt(6.0 / ((c_in + c_out) * k * k))
        return jnp.asarray(rng.uniform(-scale, scale, (c_out, c_in, k, k)), jnp.float32)

    def conv_apply(w, x, stride=1, pad=0):
        return jax.lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad)] * 2,
                                            dimension_numbers=("NCHW", "OIHW", "NCHW"))

    def bn_apply(p, s, x):
        mean = x.mean((0, 2, 3))
        var = x.var((0, 2, 3))
        y = (x - mean[:, None, None]) / jnp.sqrt(var[:, None, None] + 1e-5)
        new = {"mean": 0.9 * s["mean"] + 0.1 * mean, "var": 0.9 * s["var"] + 0.1 * var}
        return y * p["g"][:, None, None] + p["b"][:, None, None], new

    relu = jax.nn.relu
    if name in ("mlp", "wide"):
        sizes = (784, 128, 64) if name == "mlp" else (WIDE, WIDE, WIDE)
        params = [dense(sizes[0], sizes[1]), dense(sizes[1], sizes[2]), dense(sizes[2], 10)]

        def apply(params, state, x):
            for layer in params[:-1]:
                x = relu(x @ layer["w"] + layer["b"])
            return x @ params[-1]["w"] + params[-1]["b"], state
        return params, {}, apply
    if name == "lenet":
        params = {"c1": conv(1, 20, 5), "b1": jnp.zeros(20), "c2": conv(20, 50, 5),
                  "b2": jnp.zeros(50), "d1": dense(800, 500), "d2": dense(500, 10)}

        def pool(x):
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2),
                                         "VALID")

        def apply(p, state, x):
            x = pool(relu(conv_apply(p["c1"], x) + p["b1"][:, None, None]))
            x = pool(relu(conv_apply(p["c2"], x) + p["b2"][:, None, None]))
            x = relu(x.reshape(x.shape[0], -1) @ p["d1"]["w"] + p["d1"]["b"])
            return x @ p["d2"]["w"] + p["d2"]["b"], state
        return params, {}, apply

    def bn(c):
        return {"g": jnp.ones(c), "b": jnp.zeros(c)}, {"mean": jnp.zeros(c), "var": jnp.ones(c)}

    params, state = {"stem": conv(3, 16, 3)}, {}
    params["stem_bn"], state["stem_bn"] = bn(16)
    c_in = 16
    for i, (c, stride) in enumerate(((16, 1), (32, 2), (64, 2))):
        params[f"b{i}"] = {"c1": conv(c_in, c, 3), "c2": conv(c, c, 3)}
        state[f"b{i}"] = {}
        for k in ("bn1", "bn2") + (("dbn",) if stride != 1 else ()):
            params[f"b{i}"][k], state[f"b{i}"][k] = bn(c)
        if stride != 1:
            params[f"b{i}"]["down"] = conv(c_in, c, 1)
        c_in = c
    params["fc"] = dense(64, 10)
    strides = (1, 2, 2)

    def apply(p, s, x):
        new = {}
        x, new["stem_bn"] = bn_apply(p["stem_bn"], s["stem_bn"], conv_apply(p["stem"], x, 1, 1))
        x = relu(x)
        for i, stride in enumerate(strides):
            b, sb, nb = p[f"b{i}"], s[f"b{i}"], {}
            y, nb["bn1"] = bn_apply(b["bn1"], sb["bn1"], conv_apply(b["c1"], x, stride, 1))
            y, nb["bn2"] = bn_apply(b["bn2"], sb["bn2"], conv_apply(b["c2"], relu(y), 1, 1))
            if stride != 1:
                x, nb["dbn"] = bn_apply(b["dbn"], sb["dbn"], conv_apply(b["down"], x, stride))
            x = relu(y + x)
            new[f"b{i}"] = nb
        x = x.mean((2, 3))
        return x @ p["fc"]["w"] + p["fc"]["b"], new
    return params, state, apply


def worker(framework, name, sync):
    """Serve ``run N`` requests on stdin: train N steps, answer the seconds they took."""
    step, wait = (jax_worker(name, sync) if framework == "jax"
                  else gluon_worker(framework, name, sync))
    step()
    step()
    wait()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        steps = int(line.split()[1])
        start = time.perf_counter()
        for _ in range(steps):
            step()
        wait()
        print(json.dumps({"seconds": time.perf_counter() - start}), flush=True)


def _start(framework, name, python, sync):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([python, os.path.abspath(__file__), "--worker", framework,
                             "--nets", name] + ["--sync"] * sync, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env=env)
    json.loads(proc.stdout.readline())
    return proc


def _ask(proc, steps):
    proc.stdin.write(f"run {steps}\n")
    proc.stdin.flush()
    return json.loads(proc.stdout.readline())["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", choices=("mxnet", "symjax_mx", "jax"))
    parser.add_argument("--nets", default="mlp,lenet,resnet")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--chunk-seconds", type=float, default=0.25,
                        help="also time chunks lasting about this long where --steps' chunks "
                             "are shorter (0: only --steps)")
    parser.add_argument("--sync", action="store_true",
                        help="read each step's loss to the host at the step's end")
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.nets, args.sync)
        return
    frameworks = (("symjax_mx", sys.executable), ("mxnet", args.mxnet_python),
                  ("jax", sys.executable))
    print(f"Gluon training step, hybridized, batch {BATCH}, {args.rounds} rounds of "
          f"interleaved chunks{', each step reading its loss' if args.sync else ''}, medians "
          "(samples/s)")
    print(f"{'net':8} {'steps':>6} {'symjax_mx':>10} {'MXNet':>10} {'JAX+optax':>10} "
          f"{'vs MXNet':>9} {'vs JAX':>7}")
    for name in args.nets.split(","):
        runs = {framework: _start(framework, name, python, args.sync)
                for framework, python in frameworks}
        slowest = max(_ask(proc, args.steps) for proc in runs.values())  # also a warm-up
        chunks = [args.steps]
        if slowest < args.chunk_seconds:
            chunks.append(math.ceil(args.steps * args.chunk_seconds / slowest))
        for steps in chunks:
            rates = {key: [] for key in runs}
            for _ in range(args.rounds):
                for key, proc in runs.items():
                    rates[key].append(steps * BATCH / _ask(proc, steps))
            ours, ref, jx = (statistics.median(rates[k]) for k in ("symjax_mx", "mxnet", "jax"))
            print(f"{name:8} {steps:6} {ours:10.0f} {ref:10.0f} {jx:10.0f} {ours / ref:9.2f} "
                  f"{ours / jx:7.2f}", flush=True)
        for proc in runs.values():
            proc.stdin.close()
            proc.wait()


if __name__ == "__main__":
    main()

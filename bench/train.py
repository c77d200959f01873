"""Training throughput: ``Module.fit`` against the same training hand-written in JAX + optax.

Networks (from bench/executor.py): the MLP 784-128-64-10 and LeNet, batch 128, SGD with
momentum 0.9, on synthetic data (16 batches an epoch; where such an epoch lasts less than
0.25 s, as the MLP's 15 ms, also epochs long enough to last that long: each ``fit`` call
has fixed costs, and a round's first steps run cold, which a long epoch amortizes as a
training run does). Printed, in one run:

* samples/s of ``Module.fit`` (one fused forward+backward+update program per batch, plus
  the NDArrayIter batches and the accuracy metric fit updates on the host every batch),
  and of a hand-written loop: ``jax.jit`` of loss, ``jax.grad`` and ``optax.sgd`` with the
  parameters and optimizer state donated, fed the same batches from numpy; ratio =
  fit / hand-written (target >= 0.95). Medians of interleaved rounds of one epoch each,
  after a warm-up epoch.
* data-parallel scaling: fit with context=[cpu(0), cpu(1)] against [cpu(0)] (4 forced host
  devices; on a 2-core machine XLA already spreads one device's work over both cores, so
  expect no speed-up here).

Run: ``python bench/train.py`` (a few minutes on 2 CPU cores).
"""
import os

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=4")

import logging  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import optax  # noqa: E402

import symjax_mx as mx  # noqa: E402
from executor import lenet_hand, lenet_symbol, mlp_hand, mlp_symbol  # noqa: E402

BATCH, BATCHES, ROUNDS, LR, MOMENTUM = 128, 16, 5, 0.01, 0.9
EPOCH_SECONDS = 0.25  # epochs shorter than this are also timed at this length


def synthetic(shape, batches):
    rng = np.random.default_rng(0)
    data = rng.uniform(0, 1, (BATCH * batches,) + shape[1:]).astype(np.float32)
    label = rng.integers(0, 10, BATCH * batches).astype(np.float32)
    return data, label


def fit_epoch(symbol, data, label, contexts):
    """A function running one epoch of Module.fit (the module bound on first use)."""
    train = mx.io.NDArrayIter(data, label, batch_size=BATCH)
    mod = mx.mod.Module(symbol, context=contexts)
    state = {"epoch": 0}

    def run():
        mod.fit(train, num_epoch=state["epoch"] + 1, begin_epoch=state["epoch"],
                optimizer="sgd", initializer=mx.init.Xavier(),
                optimizer_params={"learning_rate": LR, "momentum": MOMENTUM})
        state["epoch"] += 1
        mx.nd.waitall()
    return run


def hand_epoch(loss_fn, symbol, data, label):
    """One epoch of the hand-written loop (parameters shaped as the symbol's)."""
    arg_shapes, _, _ = symbol.infer_shape(data=(BATCH,) + data.shape[1:])
    rng = np.random.default_rng(1)
    params = {n: jnp.asarray(rng.uniform(-0.05, 0.05, s).astype(np.float32))
              for n, s in zip(symbol.list_arguments(), arg_shapes)
              if n not in ("data", "softmax_label")}
    optimizer = optax.sgd(LR / BATCH, momentum=MOMENTUM)
    state = {"params": params, "opt": optimizer.init(params)}

    def step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(lambda p: loss_fn(p, {}, x, y)[0])(params)
        updates, opt_state = optimizer.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss

    step = jax.jit(step, donate_argnums=(0, 1))

    def run():
        for i in range(len(data) // BATCH):
            x = jnp.asarray(data[i * BATCH:(i + 1) * BATCH])
            y = jnp.asarray(label[i * BATCH:(i + 1) * BATCH])
            state["params"], state["opt"], loss = step(state["params"], state["opt"], x, y)
        loss.block_until_ready()
    return run


def interleaved(fns, batches):
    """Samples/s of each epoch function (of ``batches`` batches)."""
    for fn in fns:
        fn()  # warm-up: compile
    samples = [[] for _ in fns]
    for _ in range(ROUNDS):
        for fn, s in zip(fns, samples):
            start = time.perf_counter()
            fn()
            s.append(time.perf_counter() - start)
    return [BATCH * batches / statistics.median(s) for s in samples]


def report(name, symbol, shape, loss_fn, batches):
    """Print the row of ``batches``-batch epochs; returns the slower single-device epoch's
    seconds."""
    data, label = synthetic(shape, batches)
    fit1, hand, fit2 = interleaved([
        fit_epoch(symbol, data, label, [mx.cpu(0)]),
        hand_epoch(loss_fn, symbol, data, label),
        fit_epoch(symbol, data, label, [mx.cpu(0), mx.cpu(1)])], batches)
    print(f"{name:8s} {batches:7d} {fit1:10.0f}/s {hand:12.0f}/s {fit1 / hand:6.2f}x   "
          f"{fit2:14.0f}/s {fit2 / fit1:7.2f}x", flush=True)
    return BATCH * batches / min(fit1, hand)


def main():
    logging.getLogger().setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    print(f"jax {jax.__version__}, {len(jax.devices())} host devices, batch {BATCH}, "
          f"SGD momentum {MOMENTUM}")
    print(f"{'network':8s} {'batches':>7s} {'fit':>12s} {'hand-written':>14s} {'ratio':>7s}   "
          f"{'fit on 2 devices':>16s} {'scaling':>8s}")
    for name, make, loss_fn in (("mlp", mlp_symbol, mlp_hand), ("lenet", lenet_symbol,
                                                                 lenet_hand)):
        symbol, shape = make()
        epoch_seconds = report(name, symbol, shape, loss_fn, BATCHES)
        if epoch_seconds < EPOCH_SECONDS:
            report(name, symbol, shape, loss_fn, math.ceil(BATCHES * EPOCH_SECONDS / epoch_seconds))


if __name__ == "__main__":
    main()

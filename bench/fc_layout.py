"""FullyConnected's ways of writing ``x @ weight.T`` for XLA's CPU backend, side by side
(``symjax_mx/ops/dense_product.py``):

* weight-first: ``dot_general(weight, x)`` contracted on both last axes, then transposed;
* data-first: ``dot_general(x, weight)``, the output in its natural layout.

For each (rows, in, hidden) it prints the median milliseconds of inference (FC + ReLU)
and of a training gradient (w.r.t. data, weight and bias) in each form, the ratios
weight-first / data-first (above 1: data-first is faster), and the forms the operator
picks for inference and for training. A 784-128-64-10 MLP training step at several batch
sizes follows, every layer in one form or every layer in the other.

Run: ``python bench/fc_layout.py [--rounds 7]``
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from symjax_mx.ops import dense_product

HIGHEST = lax.Precision.HIGHEST
LAYERS = [(2, 4096, 4096), (32, 4096, 4096), (32, 2048, 1000), (64, 2048, 1000),
          (64, 4096, 4096), (128, 4096, 4096), (16, 784, 128), (128, 784, 128),
          (256, 784, 128), (128, 800, 500), (128, 256, 256), (256, 512, 10)]
MLP_BATCHES = (64, 128, 256, 512)


def weight_first(x, w, b):
    out = lax.dot_general(w, x, (((1,), (1,)), ((), ())), precision=HIGHEST)
    return jnp.moveaxis(out + b[:, None], 0, -1)


def data_first(x, w, b):
    return lax.dot_general(x, w, (((1,), (1,)), ((), ())), precision=HIGHEST) + b


FORMS = (("weight-first", weight_first), ("data-first", data_first))


def picked(rows, hidden, is_train):
    return "data-first" if dense_product.multiplies_data_first(rows, hidden, is_train) else \
        "weight-first"


def _median_ms(calls, rounds, reps):
    """Median seconds per call of each function, timed in interleaved rounds."""
    for call in calls.values():
        for _ in range(3):
            jax.block_until_ready(call())
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            t0 = time.perf_counter()
            for _ in range(reps):
                jax.block_until_ready(call())
            times[name].append((time.perf_counter() - t0) / reps)
    return {name: statistics.median(t) * 1e3 for name, t in times.items()}


def _row(ms):
    first = ms["weight-first"]
    return "  ".join(f"{name} {t:7.3f}" + ("" if name == "weight-first" else
                                          f" ({first / t:4.2f})") for name, t in ms.items())


def layers(rounds):
    rng = np.random.default_rng(0)
    print("ms per call; in parentheses weight-first / this (above 1: faster than "
          "weight-first)")
    for rows, k, hidden in LAYERS:
        w = jnp.asarray(rng.standard_normal((hidden, k), np.float32))
        x = jnp.asarray(rng.standard_normal((rows, k), np.float32))
        b, r = jnp.zeros(hidden), jnp.asarray(rng.standard_normal((rows, hidden), np.float32))
        reps = max(3, int(2e7 / (rows * k * hidden + 1e5)))
        print(f"{(rows, k, hidden)}: picked {picked(rows, hidden, False)} for inference, "
              f"{picked(rows, hidden, True)} for training", flush=True)
        for training in (False, True):
            calls = {}
            for name, form in FORMS:
                if training:
                    fn = jax.jit(jax.grad(lambda x, w, b, f=form: jnp.sum(
                        jax.nn.relu(f(x, w, b)) * r), argnums=(0, 1, 2)))
                else:
                    fn = jax.jit(lambda x, w, b, f=form: jax.nn.relu(f(x, w, b)))
                calls[name] = lambda fn=fn: fn(x, w, b)
            print(f"    {'training ' if training else 'inference'}  "
                  f"{_row(_median_ms(calls, rounds, reps))}", flush=True)


def mlp(rounds):
    rng = np.random.default_rng(0)
    shapes = [(128, 784), (128,), (64, 128), (64,), (10, 64), (10,)]
    params = [jnp.asarray(rng.uniform(-0.1, 0.1, s).astype(np.float32)) for s in shapes]
    print("\n784-128-64-10 MLP training step (value_and_grad), ms per step")
    for batch in MLP_BATCHES:
        x = jnp.asarray(rng.uniform(size=(batch, 784)).astype(np.float32))
        y = jnp.asarray(rng.integers(0, 10, batch).astype(np.int32))
        calls = {}
        for name, fc in FORMS:
            def loss(p, x, y, fc=fc):
                h = jax.nn.relu(fc(x, p[0], p[1]))
                h = jax.nn.relu(fc(h, p[2], p[3]))
                logp = jax.nn.log_softmax(fc(h, p[4], p[5]))
                return -jnp.sum(jnp.take_along_axis(logp, y[:, None], 1))
            fn = jax.jit(jax.value_and_grad(loss))
            calls[name] = lambda fn=fn, x=x, y=y: fn(params, x, y)
        print(f"  batch {batch:4d}: {_row(_median_ms(calls, rounds, 40))}; picked "
              f"{picked(batch, 128, True)}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}")
    layers(args.rounds)
    mlp(args.rounds)


if __name__ == "__main__":
    main()

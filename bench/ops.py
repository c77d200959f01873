"""LeNet training-step benchmark of the dense and convolution operators on XLA's CPU.

One step is the loss and its gradient with respect to all parameters (``jax.value_and_grad``)
of LeNet at batch 128: conv 5x5x20, tanh, max pool 2x2, conv 5x5x50, tanh, max pool 2x2,
FC 500, tanh, FC 10, softmax cross-entropy. The step built from the registry operators'
compute functions is timed against hand-written ``jax.lax`` formulations in the same run:

    plain lax            conv_general_dilated (NCHW) + reduce_window max pooling
    lax reshape-max      the same, pooling as reshape + max (JAX's tie-splitting gradient)
    lax first-max        reshape + max with a hand-written first-maximum gradient
                         (the formulation symjax_mx's Pooling uses)
    lax NHWC             first-max pooling, NHWC throughout (one transpose of the input)
    lax NHWC per op      NCHW between operators, each convolution transposing to NHWC

Then the registry step runs again in fresh processes under a few XLA CPU flags.
Variants are timed in interleaved rounds and the best round is kept, since the machine
may be shared. Run: ``python bench/ops.py`` (about a minute; ``--no-flags`` skips the
subprocesses).
"""
import os
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

BATCH = 128
FLAGS = ("--xla_cpu_enable_fast_math=true",
         "--xla_cpu_experimental_onednn_custom_call=true",
         "--xla_cpu_experimental_xnn_graph_fusion_mode=XNN_GRAPH_FUSION_MODE_GREEDY")


def make_problem():
    rs = np.random.default_rng(0)
    shapes = {"w1": (20, 1, 5, 5), "b1": (20,), "w2": (50, 20, 5, 5), "b2": (50,),
              "w3": (500, 800), "b3": (500,), "w4": (10, 500), "b4": (10,)}
    params = {k: jnp.asarray(rs.normal(0, 0.05, s), jnp.float32) for k, s in shapes.items()}
    data = jnp.asarray(rs.normal(size=(BATCH, 1, 28, 28)), jnp.float32)
    label = jnp.asarray(rs.integers(0, 10, BATCH))
    return params, data, label


def cross_entropy(logits, label):
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), label[:, None], 1))


def registry_loss():
    """LeNet from the registry operators' compute functions."""
    from symjax_mx.ops import get_op

    def layer(name, **params):
        op = get_op(name)
        parsed = op.parse_params(params)
        return lambda *inputs: op.compute(list(inputs), [], parsed, True, None)[0][0]

    conv1 = layer("Convolution", kernel=(5, 5), num_filter=20)
    conv2 = layer("Convolution", kernel=(5, 5), num_filter=50)
    pool = layer("Pooling", kernel=(2, 2), stride=(2, 2), pool_type="max")
    fc1, fc2 = layer("FullyConnected", num_hidden=500), layer("FullyConnected", num_hidden=10)

    def loss(p, x, y):
        h = pool(jnp.tanh(conv1(x, p["w1"], p["b1"])))
        h = pool(jnp.tanh(conv2(h, p["w2"], p["b2"])))
        h = jnp.tanh(fc1(h, p["w3"], p["b3"]))
        return cross_entropy(fc2(h, p["w4"], p["b4"]), y)
    return loss


def _conv(x, w, b, layout="NCHW"):
    out = lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                   dimension_numbers=(layout, "OIHW", layout))
    return out + (b if layout == "NHWC" else b[:, None, None])


def _pool_reduce_window(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _windows(x, layout):
    n, a, b, c = x.shape
    if layout == "NHWC":
        return x.reshape(n, a // 2, 2, b // 2, 2, c), (2, 4)
    return x.reshape(n, a, b // 2, 2, c // 2, 2), (3, 5)


def _pool_reshape(x, layout="NCHW"):
    tiles, axes = _windows(x, layout)
    return tiles.max(axis=axes)


def _first_max_pool(layout):
    @jax.custom_vjp
    def pool(x):
        return _pool_reshape(x, layout)

    def forward(x):
        out = pool(x)
        return out, (x, out)

    def backward(res, g):
        x, out = res
        tiles, axes = _windows(x, layout)
        order = np.arange(4, dtype=np.int32).reshape(
            [2 if a in axes else 1 for a in range(6)])
        hits = jnp.where(tiles == jnp.expand_dims(out, axes), order, 4)
        first = hits == hits.min(axis=axes, keepdims=True)
        return (jnp.where(first, jnp.expand_dims(g, axes), 0).reshape(x.shape),)

    pool.defvjp(forward, backward)
    return pool


def lax_loss(conv, pool, nhwc=False):
    def loss(p, x, y):
        if nhwc:
            x = x.transpose(0, 2, 3, 1)
        h = pool(jnp.tanh(conv(x, p["w1"], p["b1"])))
        h = pool(jnp.tanh(conv(h, p["w2"], p["b2"])))
        if nhwc:
            h = h.transpose(0, 3, 1, 2)
        h = jnp.tanh(h.reshape(BATCH, -1) @ p["w3"].T + p["b3"])
        return cross_entropy(h @ p["w4"].T + p["b4"], y)
    return loss


def _conv_per_op_nhwc(x, w, b):
    return _conv(x.transpose(0, 2, 3, 1), w, b, "NHWC").transpose(0, 3, 1, 2)


def variants():
    first_nchw, first_nhwc = _first_max_pool("NCHW"), _first_max_pool("NHWC")
    return {
        "registry ops": registry_loss(),
        "plain lax": lax_loss(_conv, _pool_reduce_window),
        "lax reshape-max": lax_loss(_conv, _pool_reshape),
        "lax first-max": lax_loss(_conv, first_nchw),
        "lax NHWC": lax_loss(lambda x, w, b: _conv(x, w, b, "NHWC"), first_nhwc, nhwc=True),
        "lax NHWC per op": lax_loss(_conv_per_op_nhwc, first_nchw),
    }


def measure(losses, rounds=4, steps=10):
    """Best seconds per step of each jitted value_and_grad, over interleaved rounds."""
    params, data, label = make_problem()
    steps_fns = {k: jax.jit(jax.value_and_grad(f)) for k, f in losses.items()}
    reference = None
    for name, fn in steps_fns.items():
        value, grads = jax.block_until_ready(fn(params, data, label))  # compile and warm up
        if reference is None:
            reference = (value, grads)
        else:  # every variant computes the same gradient (no ties in float inputs)
            np.testing.assert_allclose(value, reference[0], rtol=1e-4)
            for k in grads:
                np.testing.assert_allclose(grads[k], reference[1][k], rtol=2e-3, atol=1e-5)
    best = dict.fromkeys(steps_fns, float("inf"))
    for _ in range(rounds):
        for name, fn in steps_fns.items():
            start = time.perf_counter()
            for _ in range(steps):
                out = fn(params, data, label)
            jax.block_until_ready(out)
            best[name] = min(best[name], (time.perf_counter() - start) / steps)
    return best


def _report(name, seconds, base=None):
    ratio = f"  {seconds / base:5.2f}x the registry's time" if base else ""
    print(f"  {name:30s} {seconds * 1e3:7.2f} ms/step {BATCH / seconds:7.0f} samples/s{ratio}",
          flush=True)


def main():
    if sys.argv[1:2] == ["--registry-only"]:
        best = measure({"registry ops": registry_loss()})
        print(best["registry ops"])
        return
    print(f"LeNet train step (value_and_grad), batch {BATCH}, {jax.devices()[0].platform}, "
          f"{os.cpu_count()} CPUs")
    best = measure(variants())
    registry = best["registry ops"]
    for name, seconds in best.items():
        _report(name, seconds, registry if name != "registry ops" else None)
    print(f"  registry / hand-written with the same formulation (lax first-max): "
          f"{registry / best['lax first-max']:.2f}; registry / plain lax: "
          f"{registry / best['plain lax']:.2f}  (target <= 1.05)")
    if "--no-flags" in sys.argv:
        return
    print("registry step under XLA_FLAGS (fresh processes):")
    for flags in ("",) + FLAGS:
        env = dict(os.environ, XLA_FLAGS=flags)
        run = subprocess.run([sys.executable, __file__, "--registry-only"], env=env,
                             capture_output=True, text=True, timeout=300)
        if run.returncode:
            print(f"  {flags or '(none)'}: failed: {run.stderr.strip().splitlines()[-1]}")
        else:
            _report(flags or "(none)", float(run.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()

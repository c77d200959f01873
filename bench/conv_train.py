"""LeNet's training step (batch 128, conv 5x5 20 and 50 filters on 28x28 and 12x12 maps,
2x2 max pools, dense 500) in JAX, with the convolution and pooling formulations the
training programs could use. Each variant is the whole step (forward, gradients, SGD) as
one jitted function; timed chunks alternate between variants, and the medians of wall
and process CPU milliseconds per step are printed (CPU time is the steadier figure on a
shared machine).

Variants: the layout the network computes in (NCHW as written, or NHWC with the input
transposed once: what lowering/channels_last.py does for training programs), valid 5x5
windows as given or padded at the end and cropped (ops/conv.py's rule for large maps),
and the max-pooling gradient: ``lax.reduce_window``'s select-and-scatter, a reduction
over reshaped tiles for the first maximum, or the per-tap first maximum of
ops/pooling_max.py.

    PYTHONPATH=. python bench/conv_train.py [--rounds 7] [--steps 10]

Measured 2026-12-06 (2 shared cores, load 10-16; medians of 5 x 5 steps):
    layout windows  pool gradient   wall ms   CPU ms
    NCHW   valid    reduce_window     408.4     71.7
    NCHW   valid    tiles             233.8     41.7
    NCHW   valid    per-tap           210.2     38.1
    NCHW   padded   per-tap           276.0     45.3
    NHWC   valid    tiles             196.8     33.2
    NHWC   valid    per-tap           182.6     31.8   <- what the training programs now do
    NHWC   padded   per-tap           301.6     42.0
(before: NCHW, padded, tiles.) MXNet 1.9.1's Gluon LeNet step took 24 ms CPU per step.
Also tried, slower in the whole step although faster alone: im2col (windows side by side
and one dot) for the forward, and dot-product gradients (the weight's from the windows,
the input's as per-tap products added at their offsets): 1.8x the CPU time of NHWC.
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from symjax_mx.ops.pooling_max import tile_max

BATCH = 128
HIGHEST = lax.Precision.HIGHEST


def _pool_reduce_window(x, layout):
    window = (1, 1, 2, 2) if layout == "NCHW" else (1, 2, 2, 1)
    return lax.reduce_window(x, -jnp.inf, lax.max, window, window, "VALID")


def _pool_tiles(x, layout):
    """First maximum by a reduction over the reshaped 2x2 tiles (the former formulation)."""
    spatial = [i for i, c in enumerate(layout) if c in "HW"]

    @jax.custom_vjp
    def pooled(x):
        for axis in spatial:
            x = jnp.maximum(lax.slice_in_dim(x, 0, None, 2, axis),
                            lax.slice_in_dim(x, 1, None, 2, axis))
        return x

    def forward(x):
        out = pooled(x)
        return out, (x, out)

    def backward(residuals, grad):
        x, out = residuals
        shape, axes = [], []
        for size, c in zip(x.shape, layout):
            shape += [size // 2, 2] if c in "HW" else [size]
            if c in "HW":
                axes.append(len(shape) - 1)
        tiles = x.reshape(shape)
        order = np.arange(4, dtype=np.int32).reshape(
            [2 if a in axes else 1 for a in range(tiles.ndim)])
        hits = jnp.where(tiles == jnp.expand_dims(out, axes), order, 4)
        first = hits == hits.min(axis=tuple(axes), keepdims=True)
        return (jnp.where(first, jnp.expand_dims(grad, axes), 0).reshape(x.shape),)

    pooled.defvjp(forward, backward)
    return pooled(x)


POOLS = {"reduce_window": _pool_reduce_window, "tiles": _pool_tiles,
         "per-tap": lambda x, layout: tile_max(x, layout, (2, 2))}


def lenet_step(layout, padded, pool):
    """(step, wait) training LeNet with these formulations."""
    rng = np.random.RandomState(0)
    data = jnp.asarray(rng.uniform(-1, 1, (BATCH, 1, 28, 28)), jnp.float32)
    label = jnp.asarray(rng.randint(0, 10, BATCH))

    def uniform(shape, fan):
        scale = np.sqrt(6.0 / fan)
        return jnp.asarray(rng.uniform(-scale, scale, shape), jnp.float32)

    params = {"c1": uniform((20, 1, 5, 5), 21 * 25), "b1": jnp.zeros(20),
              "c2": uniform((50, 20, 5, 5), 70 * 25), "b2": jnp.zeros(50),
              "d1": uniform((800, 500), 1300), "e1": jnp.zeros(500),
              "d2": uniform((500, 10), 510), "e2": jnp.zeros(10)}
    channel = layout.index("C")

    def conv(x, w, b):
        kernel_layout = "OIHW" if layout == "NCHW" else "OHWI"
        if layout == "NHWC":
            w = w.transpose(0, 2, 3, 1)
        pads = [(0, 4)] * 2 if padded else [(0, 0)] * 2
        y = lax.conv_general_dilated(x, w, (1, 1), pads, precision=HIGHEST,
                                     dimension_numbers=(layout, kernel_layout, layout))
        if padded:
            rows = x.shape[layout.index("H")] - 4
            y = lax.slice_in_dim(lax.slice_in_dim(y, 0, rows, 1, layout.index("H")), 0, rows,
                                 1, layout.index("W"))
        return y + b.reshape([-1 if i == channel else 1 for i in range(4)])

    def loss(p):
        x = data if layout == "NCHW" else data.transpose(0, 2, 3, 1)
        x = POOLS[pool](jax.nn.relu(conv(x, p["c1"], p["b1"])), layout)
        x = POOLS[pool](jax.nn.relu(conv(x, p["c2"], p["b2"])), layout)
        if layout == "NHWC":
            x = x.transpose(0, 3, 1, 2)
        x = jax.nn.relu(x.reshape(BATCH, -1) @ p["d1"] + p["e1"])
        logp = jax.nn.log_softmax(x @ p["d2"] + p["e2"])
        return -jnp.mean(jnp.take_along_axis(logp, label[:, None], 1))

    @jax.jit
    def train(p):
        grads = jax.grad(loss)(p)
        return jax.tree_util.tree_map(lambda w, g: w - 0.1 * g, p, grads)

    box = [params]

    def step():
        box[0] = train(box[0])
    return step, lambda: jax.block_until_ready(box)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    variants = {}
    for layout, padded, pool in (("NCHW", False, "reduce_window"), ("NCHW", False, "tiles"),
                                 ("NCHW", False, "per-tap"), ("NCHW", True, "per-tap"),
                                 ("NHWC", False, "tiles"), ("NHWC", False, "per-tap"),
                                 ("NHWC", True, "per-tap")):
        step, wait = variants[layout, padded, pool] = lenet_step(layout, padded, pool)
        step()
        wait()
    wall = {key: [] for key in variants}
    cpu = {key: [] for key in variants}
    for _ in range(args.rounds):
        for key, (step, wait) in variants.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            for _ in range(args.steps):
                step()
            wait()
            wall[key].append((time.perf_counter() - start) / args.steps * 1e3)
            cpu[key].append((time.process_time() - start_cpu) / args.steps * 1e3)
    print(f"LeNet training step, batch {BATCH}, medians of {args.rounds} x {args.steps} steps")
    print(f"{'layout':6} {'windows':8} {'pool gradient':14} {'wall ms':>8} {'CPU ms':>8}")
    for (layout, padded, pool) in variants:
        key = (layout, padded, pool)
        print(f"{layout:6} {'padded' if padded else 'valid':8} {pool:14} "
              f"{statistics.median(wall[key]):8.1f} {statistics.median(cpu[key]):8.1f}")


if __name__ == "__main__":
    main()

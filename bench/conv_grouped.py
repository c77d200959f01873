"""Weight gradient of a grouped 3x3 convolution (ResNeXt's 32 groups) on XLA's CPU
backend: JAX's own (a convolution with ``batch_group_count``) against
``ops/conv_patches.py``'s dot product per kernel tap, and an ungrouped convolution of the
same shapes for scale. Medians of interleaved rounds, in ms, per (channels, size).

Run: ``PYTHONPATH=. python bench/conv_grouped.py [--batch 8]``.
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from symjax_mx.ops.conv_patches import convolve

# (channels, map size) of ResNeXt-50's grouped 3x3 convolutions on 64x64 images
SHAPES = ((128, 16), (256, 8), (512, 4), (1024, 2))
PADS = ((1, 1), (1, 1))


def xla(x, w, groups):
    return lax.conv_general_dilated(x, w, (1, 1), PADS, feature_group_count=groups,
                                    dimension_numbers=("NCHW", "OIHW", "NCHW"))


def ours(x, w, groups):
    return convolve(x, w, (1, 1), PADS, (1, 1), groups, "NCHW", None)


def _weight_gradient(fn, groups):
    def loss(w, x):
        return (fn(x, w, groups) ** 2).sum()
    return jax.jit(jax.grad(loss))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    variants = {"xla grouped": (xla, 32), "per-tap dots": (ours, 32), "ungrouped": (xla, 1)}
    print(f"batch {opts.batch}; ms of the weight gradient; medians of interleaved rounds")
    print(f"{'C x size':<12}" + "".join(f"{k:>16}" for k in variants))
    for channels, size in SHAPES:
        rs = np.random.default_rng(0)
        x = jnp.asarray(rs.normal(size=(opts.batch, channels, size, size)), jnp.float32)
        grads = {}
        for name, (fn, groups) in variants.items():
            w = jnp.asarray(rs.normal(size=(channels, channels // groups, 3, 3)), jnp.float32)
            grad = _weight_gradient(fn, groups)
            jax.block_until_ready(grad(w, x))
            grads[name] = (grad, w)
        times = {name: [] for name in variants}
        for _ in range(opts.rounds):
            for name, (grad, w) in grads.items():
                start = time.perf_counter()
                jax.block_until_ready(grad(w, x))
                times[name].append((time.perf_counter() - start) * 1e3)
        print(f"{channels} x {size:<6}" + "".join(f"{statistics.median(t):>16.1f}"
                                               for t in times.values()))


if __name__ == "__main__":
    main()

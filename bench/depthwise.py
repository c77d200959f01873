"""Depthwise convolution (MobileNet's 3x3, one filter per channel) on XLA's CPU backend:
formulations of the same operator, timed in interleaved rounds (medians; shared machine).

    grouped NCHW   ``conv_general_dilated`` with ``feature_group_count`` = channels, NCHW
    grouped NHWC   the same in NHWC (transposing in and out around the operator)
    shifted NCHW   a multiply-add per kernel tap over strided slices of the padded input
    shifted NHWC   the same with channels last (transposing in and out)

Printed per shape: milliseconds of the forward and of forward + gradient (data and
weight) for each, and the largest difference from the grouped NCHW output.
Run: ``python bench/depthwise.py [--batch 2]``.
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

# (channels, size, stride) of MobileNet 1.0's depthwise layers at 224x224 (a selection)
SHAPES = ((32, 112, 1), (64, 112, 2), (128, 56, 1), (256, 28, 2), (512, 14, 1), (1024, 7, 1))


def grouped(x, w, stride, layout):
    if layout == "NHWC":
        out = lax.conv_general_dilated(
            x.transpose(0, 2, 3, 1), w.transpose(2, 3, 1, 0), (stride, stride), [(1, 1)] * 2,
            feature_group_count=x.shape[1], dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return out.transpose(0, 3, 1, 2)
    return lax.conv_general_dilated(x, w, (stride, stride), [(1, 1)] * 2,
                                    feature_group_count=x.shape[1],
                                    dimension_numbers=("NCHW", "OIHW", "NCHW"))


def shifted(x, w, stride, layout):
    n, c, h, wd = x.shape
    oh, ow = (h + 2 - 3) // stride + 1, (wd + 2 - 3) // stride + 1
    if layout == "NHWC":
        xp = jnp.pad(x.transpose(0, 2, 3, 1), ((0, 0), (1, 1), (1, 1), (0, 0)))
        out = 0
        for i in range(3):
            for j in range(3):
                tap = lax.slice(xp, (0, i, j, 0), (n, i + (oh - 1) * stride + 1,
                                                   j + (ow - 1) * stride + 1, c),
                                (1, stride, stride, 1))
                out = out + tap * w[:, 0, i, j]
        return out.transpose(0, 3, 1, 2)
    xp = jnp.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = 0
    for i in range(3):
        for j in range(3):
            tap = lax.slice(xp, (0, 0, i, j), (n, c, i + (oh - 1) * stride + 1,
                                               j + (ow - 1) * stride + 1), (1, 1, stride, stride))
            out = out + tap * w[None, :, 0, i, j, None, None]
    return out


VARIANTS = {"grouped NCHW": (grouped, "NCHW"), "grouped NHWC": (grouped, "NHWC"),
            "shifted NCHW": (shifted, "NCHW"), "shifted NHWC": (shifted, "NHWC")}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    print(f"batch {opts.batch}; ms forward / forward+grad; medians of interleaved rounds")
    print(f"{'C x size / stride':<20}" + "".join(f"{k:>24}" for k in VARIANTS))
    for c, size, stride in SHAPES:
        rs = np.random.default_rng(0)
        x = jnp.asarray(rs.normal(size=(opts.batch, c, size, size)), jnp.float32)
        w = jnp.asarray(rs.normal(size=(c, 1, 3, 3)), jnp.float32)
        fns = {}
        for name, (fn, layout) in VARIANTS.items():
            f = jax.jit(lambda x, w, fn=fn, layout=layout: fn(x, w, stride, layout))
            g = jax.jit(jax.grad(lambda x, w, f=f: (f(x, w) ** 2).sum(), argnums=(0, 1)))
            fns[name] = (f, g)
        ref = fns["grouped NCHW"][0](x, w)
        diffs = {k: float(jnp.abs(f(x, w) - ref).max()) for k, (f, _) in fns.items()}
        times = {k: ([], []) for k in fns}
        for name, (f, g) in fns.items():
            jax.block_until_ready(g(x, w))
        for _ in range(opts.rounds):
            for name, (f, g) in fns.items():
                for fn, out in zip((f, g), times[name]):
                    start = time.perf_counter()
                    jax.block_until_ready(fn(x, w))
                    out.append(time.perf_counter() - start)
        row = f"{c:>5} x {size:>3} / {stride}      "
        for name in fns:
            fwd, both = (statistics.median(t) * 1e3 for t in times[name])
            row += f"{fwd:>10.2f} /{both:>8.2f} ({diffs[name]:.0e})"
        print(row, flush=True)


if __name__ == "__main__":
    main()

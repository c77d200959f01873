"""Pieces of MobileNet-v2's inference on XLA's CPU backend, each in two formulations timed
in interleaved rounds (medians; shared machine).

    dots    its 1x1 convolutions and classifier as (rows, in) x (in, out) matrix products
            with bias and ReLU6, on XLA's Eigen dot kernels (compile_options' YNNPACK
            fusions: reductions only) against YNNPACK's, one library call per product
            (compile_options.LIBRARY_CHOICE)
    blocks  inverted residual blocks (1x1 expansion, bias, ReLU6, 3x3 depthwise multiply-adds,
            bias, ReLU6, 1x1 projection; NHWC) with the depthwise input padded, against the
            expansion's input padded and the border zeroed after its ReLU6
            (lowering/pad_first.py)

Printed per shape: milliseconds of each formulation and their ratio (second / first).
Run: ``python bench/mobilenet_pieces.py [dots|blocks] [--batch 2]``.
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_YNN = "xla_cpu_experimental_ynn_fusion_type"
EIGEN = {_YNN: "LIBRARY_FUSION_TYPE_REDUCE"}
YNNPACK = {_YNN: "LIBRARY_FUSION_TYPE_REDUCE,LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"}
# (map size, in, out) of MobileNet-v2's 1x1 convolutions (a selection), and its classifier
DOTS = ((112, 16, 96), (56, 24, 144), (56, 144, 24), (28, 192, 32), (14, 192, 64),
        (14, 384, 64), (7, 960, 160), (7, 320, 1280), (1, 1280, 1000))
# (map size, in, expanded, out, depthwise stride) of MobileNet-v2's inverted residual blocks
BLOCKS = ((112, 16, 96, 24, 2), (56, 24, 144, 24, 1), (56, 24, 144, 32, 2),
          (28, 32, 192, 32, 1), (14, 64, 384, 64, 1), (14, 96, 576, 96, 1),
          (7, 160, 960, 160, 1))


def dot(x, w):
    return lax.dot_general(x, w, (((x.ndim - 1,), (1,)), ((), ())),
                           precision=lax.Precision.HIGHEST)


def dense_relu6(x, w, b):
    return jnp.clip(dot(x, w) + b, 0, 6)


def depthwise(x, w, stride):
    """3x3 multiply-adds per tap over unpadded NHWC ``x`` ('valid' windows)."""
    n, h, wd, c = x.shape
    oh, ow = (h - 3) // stride + 1, (wd - 3) // stride + 1
    out = 0
    for i in range(3):
        for j in range(3):
            tap = lax.slice(x, (0, i, j, 0), (n, i + (oh - 1) * stride + 1,
                                              j + (ow - 1) * stride + 1, c), (1, stride, stride, 1))
            out = out + tap * w[i, j]
    return out


def block(x, we, be, wd, bd, wp, bp, stride, pad_first):
    pads = ((0, 0), (1, 1), (1, 1), (0, 0))
    if pad_first:
        x = jnp.pad(x, pads)
        h, w = x.shape[1:3]
        row = lax.broadcasted_iota(jnp.int32, (1, h, w, 1), 1)
        col = lax.broadcasted_iota(jnp.int32, (1, h, w, 1), 2)
        inside = (row > 0) & (row < h - 1) & (col > 0) & (col < w - 1)
        y = jnp.where(inside, dense_relu6(x, we, be), 0)
    else:
        y = jnp.pad(dense_relu6(x, we, be), pads)
    return dot(jnp.clip(depthwise(y, wd, stride) + bd, 0, 6), wp) + bp


def timed(fns, args, rounds):
    """Median seconds of each function in ``fns`` on ``args``, in interleaved rounds."""
    first = None
    for fn in fns.values():
        out = fn(*args)
        first = out if first is None else first
        np.testing.assert_allclose(out, first, rtol=1e-4, atol=1e-4 * float(abs(first).max()))
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            for _ in range(10):
                start = time.perf_counter()
                fn(*args).block_until_ready()
                times[name].append(time.perf_counter() - start)
    return [statistics.median(t) * 1e3 for t in times.values()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("pieces", nargs="?", choices=("dots", "blocks"), default="dots")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=7)
    opts = parser.parse_args()
    rs = np.random.default_rng(0)

    def array(*shape):
        return jnp.asarray(rs.normal(size=shape) * 0.3, jnp.float32)

    if opts.pieces == "dots":
        print(f"batch {opts.batch}; ms Eigen, YNNPACK, ratio")
        for size, cin, cout in DOTS:
            args = (array(opts.batch * size * size, cin), array(cout, cin), array(cout))
            fns = {"eigen": jax.jit(dense_relu6, compiler_options=EIGEN),
                   "ynnpack": jax.jit(dense_relu6, compiler_options=YNNPACK)}
            a, b = timed(fns, args, opts.rounds)
            print(f"{args[0].shape[0]:>6} x {cin:>4} -> {cout:>4}: {a:8.3f} {b:8.3f} {b / a:6.2f}",
                  flush=True)
        return
    print(f"batch {opts.batch}; ms depthwise input padded, expansion input padded, ratio")
    for size, cin, cmid, cout, stride in BLOCKS:
        args = (array(opts.batch, size, size, cin), array(cmid, cin), array(cmid),
                array(3, 3, cmid), array(cmid), array(cout, cmid), array(cout))
        fns = {first: jax.jit(lambda *a, first=first: block(*a, stride, first),
                              compiler_options=YNNPACK) for first in (False, True)}
        a, b = timed(fns, args, opts.rounds)
        print(f"{size:>4} {cin:>4} -> {cmid:>4} -> {cout:>4} s{stride}: {a:8.3f} {b:8.3f} "
              f"{b / a:6.2f}", flush=True)


if __name__ == "__main__":
    main()

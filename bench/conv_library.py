"""Convolutions on XLA's Eigen kernels against its YNNPACK library fusions (CPU).

XLA's CPU backend hands dot products, convolutions and reductions to YNNPACK by default.
symjax_mx compiles every program with convolutions left out of those fusions
(``compile_options.LIBRARY_CHOICE``), so that XLA runs them on its Eigen kernels. This
script compiles the same JAX functions both ways and times them side by side: channels-last
(NHWC) convolutions, as the programs of NCHW graphs compute them, forward only (inference)
and forward with both gradients (training), at the shapes of LeNet, bench/gluon.py's small
ResNet and ResNet-18 / ResNet-50. Timed chunks alternate between the two compiles; the
medians and the ratio Eigen / YNNPACK (below 1: the choice is faster) are printed.

    PYTHONPATH=. python bench/conv_library.py [--rounds 5] [--calls 5]

Measured 2026-12-06 on the quiet 2-core host (--rounds 3 --calls 3), ratio Eigen / YNNPACK:
    lenet conv1 inference 0.96, training 0.60    lenet conv2 inference 0.36, training 0.66
    small resnet 16 0.99, 0.94                   small resnet 32/2 0.58, 0.86
    small resnet 64 0.64, 0.57                   resnet stem b2 0.90, 1.14
    resnet 56x56x64 b2 0.64, 0.89                resnet 14x14x256 b2 1.23, 0.80
    resnet 56x56x64 b32 0.64, 0.47               resnet 28x28x128 b32 1.12, 0.82
    resnet 7x7x512 b32 0.73, 0.85
"""
import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from symjax_mx.compile_options import LIBRARY_CHOICE

# (name, batch, map size, in channels, out channels, kernel, stride, pad)
SHAPES = [
    ("lenet conv1", 128, 28, 1, 20, 5, 1, 0),
    ("lenet conv2", 128, 12, 20, 50, 5, 1, 0),
    ("small resnet 16", 128, 32, 16, 16, 3, 1, 1),
    ("small resnet 32/2", 128, 32, 16, 32, 3, 2, 1),
    ("small resnet 64", 128, 8, 64, 64, 3, 1, 1),
    ("resnet stem b2", 2, 224, 3, 64, 7, 2, 3),
    ("resnet 56x56x64 b2", 2, 56, 64, 64, 3, 1, 1),
    ("resnet 14x14x256 b2", 2, 14, 256, 256, 3, 1, 1),
    ("resnet 56x56x64 b32", 32, 56, 64, 64, 3, 1, 1),
    ("resnet 28x28x128 b32", 32, 28, 128, 128, 3, 1, 1),
    ("resnet 7x7x512 b32", 32, 7, 512, 512, 3, 1, 1),
]


def functions(stride, pad):
    def conv(x, w):
        return lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad)] * 2,
                                        dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                        precision=lax.Precision.HIGHEST)

    def train(x, w, g):
        y, vjp = jax.vjp(conv, x, w)
        return (jnp.sum(y),) + vjp(g)
    return conv, train


def timed(fn, args, calls):
    start = time.perf_counter()
    for _ in range(calls):
        out = fn(*args)
    jax.block_until_ready(out)
    return (time.perf_counter() - start) / calls * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{'convolution':22} {'kind':9} {'YNNPACK ms':>11} {'Eigen ms':>9} {'ratio':>6}")
    for name, batch, size, c_in, c_out, k, stride, pad in SHAPES:
        x = jnp.asarray(rng.randn(batch, size, size, c_in), jnp.float32)
        w = jnp.asarray(rng.randn(k, k, c_in, c_out) * 0.1, jnp.float32)
        conv, train = functions(stride, pad)
        out = (size + 2 * pad - k) // stride + 1
        g = jnp.asarray(rng.randn(batch, out, out, c_out), jnp.float32)
        for kind, fn, inputs in (("inference", conv, (x, w)), ("training", train, (x, w, g))):
            default, chosen = jax.jit(fn), jax.jit(fn, compiler_options=LIBRARY_CHOICE)
            for compiled in (default, chosen):
                jax.block_until_ready(compiled(*inputs))
            times = {default: [], chosen: []}
            for _ in range(args.rounds):
                for compiled in (default, chosen):
                    times[compiled].append(timed(compiled, inputs, args.calls))
            a, b = statistics.median(times[default]), statistics.median(times[chosen])
            print(f"{name:22} {kind:9} {a:11.2f} {b:9.2f} {b / a:6.2f}", flush=True)


if __name__ == "__main__":
    main()

"""Convolutions over maps smaller than their kernel: XLA's convolution against
``ops/conv_patches.py``'s ``convolve`` (a dot product over the windows there), forward +
both gradients.

XLA's CPU backend runs a convolution through its library kernel only when the unpadded
input is at least as large as the kernel along every spatial axis; ResNet-18's last stage
on 64x64 images (2x2 maps, 3x3 kernels, padding 1) and the input gradient of its strided
first convolution (2x2 outputs) miss that. Printed per case: CPU milliseconds (all
threads; medians of interleaved runs, so a loaded machine distorts them less) of one
jitted value-and-gradient step each way and the speed-up. Cases with maps at least as
large as the kernel are left to XLA by ``convolve``: both columns then time the same.

    PYTHONPATH=. python bench/conv_small_maps.py [--rounds 5]

Measured 2026-12-06, quiet 2-core host, 3 rounds (CPU ms, XLA / convolve): stage4 3x3/1
770.3 / 17.4 (44x), stage4 3x3/2 152.8 / 8.9 (17x), 5x5 on 4x4 139.9 / 12.0 (12x), stage3
(maps as large as the kernel: both XLA) 12.4 / 12.7. The explicitly padded formulation
this replaced was as slow as XLA's own padding on jax 0.10.
"""
import argparse
import statistics
import time

import jax
import numpy as np
from jax import lax

from symjax_mx.ops.conv_patches import convolve

CASES = [  # name, data, weight, stride, pad
    ("resnet18 64px stage4 conv 3x3/1", (32, 512, 2, 2), (512, 512, 3, 3), 1, 1),
    ("resnet18 64px stage4 conv 3x3/2", (32, 256, 4, 4), (512, 256, 3, 3), 2, 1),
    ("LeNet-style 5x5 on 4x4, pad 2", (32, 128, 4, 4), (128, 128, 5, 5), 1, 2),
    ("resnet18 64px stage3 conv 3x3/1", (32, 256, 4, 4), (256, 256, 3, 3), 1, 1),
]


def step(conv, stride, pad):
    def loss(x, w):
        return (conv(x, w, stride, pad) ** 2).sum()
    return jax.jit(jax.value_and_grad(loss, (0, 1)))


def lax_conv(x, w, stride, pad):
    return lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad)] * 2,
                                    dimension_numbers=("NCHW", "OIHW", "NCHW"))


def ours(x, w, stride, pad):
    return convolve(x, w, (stride, stride), [(pad, pad)] * 2, (1, 1), 1, "NCHW", None)


def cpu_ms(fn, *args):
    start = time.process_time()
    jax.block_until_ready(fn(*args))
    return (time.process_time() - start) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'case':34s} {'XLA padding':>12s} {'convolve':>10s} {'speed-up':>9s}  (CPU ms)")
    for name, data, weight, stride, pad in CASES:
        x = rng.uniform(-1, 1, data).astype(np.float32)
        w = rng.uniform(-0.05, 0.05, weight).astype(np.float32)
        fns = [step(lax_conv, stride, pad), step(ours, stride, pad)]
        for fn in fns:
            jax.block_until_ready(fn(x, w))
        times = [[], []]
        for _ in range(args.rounds):
            for fn, t in zip(fns, times):
                t.append(cpu_ms(fn, x, w))
        ref, new = (statistics.median(t) for t in times)
        print(f"{name:34s} {ref:12.1f} {new:10.1f} {ref / new:8.2f}x", flush=True)


if __name__ == "__main__":
    main()

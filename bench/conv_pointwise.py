"""1x1 convolutions (ResNet-50's bottlenecks, MobileNet's pointwise layers) on XLA's CPU
backend at batch 32, channels-last: ``lax.conv_general_dilated`` against one dot product
over the channel axis (what ops/conv.py runs for NHWC data); and a 3x3 convolution
against im2col + one dot and against nine shifted dots (which stay slower: 3x3 kernels
stay convolutions). Prints the median wall and process CPU milliseconds of interleaved
runs (the machine is shared: CPU time is the steadier figure) and the ratio to the
convolution's CPU time.

Measured 2026-12-06 (2 shared cores, load ~14), CPU ms conv -> dot:
    1x1 256->64 at 56x56: 74 -> 23;  64->256 at 56x56: 62 -> 60;
    1024->256 at 14x14: 29 -> 19;    512->2048 at 7x7: 20 -> 15
    3x3 64->64 at 56x56: conv 63, im2col 220, nine shifted dots 205
Run: ``python bench/conv_pointwise.py``.
"""
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

_HIGHEST = lax.Precision.HIGHEST


def conv(x, w):
    pad = w.shape[0] // 2
    return lax.conv_general_dilated(x, w, (1, 1), [(pad, pad)] * 2, precision=_HIGHEST,
                                    dimension_numbers=("NHWC", "HWIO", "NHWC"))


def dot(x, w):
    return lax.dot_general(x, w[0, 0], (((3,), (0,)), ((), ())), precision=_HIGHEST)


def _windows(x, k):
    pad = k // 2
    xp = jnp.pad(x, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    return [xp[:, i:i + x.shape[1], j:j + x.shape[2], :] for i in range(k) for j in range(k)]


def im2col(x, w):
    cols = jnp.concatenate(_windows(x, w.shape[0]), axis=-1)
    return lax.dot_general(cols, w.reshape(-1, w.shape[-1]), (((3,), (0,)), ((), ())),
                           precision=_HIGHEST)


def shifted(x, w):
    taps = w.reshape(-1, *w.shape[2:])
    return sum(lax.dot_general(part, tap, (((3,), (0,)), ((), ())), precision=_HIGHEST)
               for part, tap in zip(_windows(x, w.shape[0]), taps))


def measure(forms, x, w, rounds=5):
    fns = {name: jax.jit(f) for name, f in forms.items()}
    reference = np.asarray(fns["conv"](x, w))
    for name, f in fns.items():
        diff = np.abs(np.asarray(f(x, w)) - reference).max() / np.abs(reference).max()
        assert diff < 1e-5, (name, diff)
    wall, cpu = {n: [] for n in fns}, {n: [] for n in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            f(x, w).block_until_ready()
            wall[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    base = statistics.median(cpu["conv"])
    return {n: (statistics.median(wall[n]) * 1e3, statistics.median(cpu[n]) * 1e3,
                statistics.median(cpu[n]) / base) for n in fns}


def main():
    rng = np.random.default_rng(0)
    cases = [(1, 256, 64, 56), (1, 64, 256, 56), (1, 1024, 256, 14), (1, 512, 2048, 7),
             (3, 64, 64, 56)]
    for k, cin, cout, size in cases:
        x = jnp.asarray(rng.normal(size=(32, size, size, cin)), jnp.float32)
        w = jnp.asarray(rng.normal(size=(k, k, cin, cout)) * 0.05, jnp.float32)
        forms = {"conv": conv, "dot": dot} if k == 1 else {
            "conv": conv, "im2col": im2col, "shifted": shifted}
        results = measure(forms, x, w)
        print(f"{k}x{k} {cin}->{cout} at {size}x{size}: " + ", ".join(
            f"{n} {wall:.0f} ms wall / {cpu:.0f} ms cpu ({ratio:.2f}x)"
            for n, (wall, cpu, ratio) in results.items()), flush=True)
    print("batch 32, channels-last; ratio = CPU time / the convolution's")


if __name__ == "__main__":
    main()

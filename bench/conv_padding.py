"""Unpadded ("valid") 2-D convolutions on XLA's CPU backend: as given, against the same
window computed with (kernel - 1) zeros padded at the end of each spatial axis and the
extra outputs cropped (what ops/conv.py does). Shapes are Inception-v3's unpadded 3x3
layers at 299x299 input. Prints median milliseconds of the forward and of forward +
gradient (data and weight) over interleaved rounds (shared machine), in NCHW and NHWC, and
the largest relative difference of the results.

Measured 2026-12-05 (2 cores shared, load ~20), forward / forward+gradient ms:
    NHWC  32->32  149x149     valid 140 / 364    padded+cropped 32 / 107
    NHWC  80->192  73x73      valid  96 / 347    padded+cropped 73 / 293
    NHWC 288->384  35x35 /2   valid  45 / 144    padded+cropped 36 / 123
    NCHW  32->32  149x149     valid 123 / 245    padded+cropped 28 / 102
Run: ``python bench/conv_padding.py``.
"""
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

SHAPES = ((32, 32, 149, 1), (80, 192, 73, 1), (288, 384, 35, 2), (3, 32, 299, 2))
LAYOUTS = {"NCHW": ("NCHW", "OIHW", "NCHW"), "NHWC": ("NHWC", "HWIO", "NHWC")}


def valid(x, w, stride, dn):
    return lax.conv_general_dilated(x, w, (stride,) * 2, [(0, 0)] * 2, dimension_numbers=dn,
                                    precision=lax.Precision.HIGHEST)


def padded(x, w, stride, dn):
    out = lax.conv_general_dilated(x, w, (stride,) * 2, [(0, 2)] * 2, dimension_numbers=dn,
                                   precision=lax.Precision.HIGHEST)
    size = (x.shape[dn[0].index("H")] - 3) // stride + 1
    return out[:, :size, :size] if dn[0] == "NHWC" else out[:, :, :size, :size]


def main():
    rs = np.random.default_rng(0)
    print("ms forward / forward+gradient, medians of interleaved rounds")
    for name, dn in LAYOUTS.items():
        for c, o, size, stride in SHAPES:
            x = rs.normal(size=(2, size, size, c)).astype(np.float32)
            w = rs.normal(size=(3, 3, c, o)).astype(np.float32)
            if name == "NCHW":
                x, w = x.transpose(0, 3, 1, 2), w.transpose(3, 2, 0, 1)
            x, w = jnp.asarray(x), jnp.asarray(w)
            fns = {}
            for kind, fn in (("valid", valid), ("padded", padded)):
                f = jax.jit(lambda x, w, fn=fn: fn(x, w, stride, dn))
                g = jax.jit(jax.grad(lambda x, w, f=f: (f(x, w) ** 2).sum(), argnums=(0, 1)))
                fns[kind] = (f, g)
            results = {k: jax.block_until_ready(g(x, w)) for k, (_, g) in fns.items()}
            diff = max(float(jnp.abs(a - b).max() / jnp.abs(a).max())
                       for a, b in zip(results["valid"], results["padded"]))
            times = {k: ([], []) for k in fns}
            for _ in range(5):
                for kind, pair in fns.items():
                    for fn, out in zip(pair, times[kind]):
                        start = time.perf_counter()
                        jax.block_until_ready(fn(x, w))
                        out.append(time.perf_counter() - start)
            cells = "   ".join(f"{k} {statistics.median(a) * 1e3:6.1f} / "
                               f"{statistics.median(b) * 1e3:6.1f}" for k, (a, b) in times.items())
            print(f"{name} {c:>4}->{o:<4}{size:>4}x{size:<4}/{stride}   {cells}   "
                  f"(diff {diff:.0e})", flush=True)


if __name__ == "__main__":
    main()

"""Inference BatchNorm folded into the preceding convolution, on XLA's CPU backend: three
conv3x3 + BatchNorm(moving statistics) + ReLU layers, against the same with the BatchNorm
scale folded into the weights and its shift into a bias. Prints the relative output
difference and median milliseconds of interleaved runs (shared machine).

Measured 2026-12-05 (2 shared cores): no consistent gain (64x56x56 b2: 164 -> 109 ms;
256x14x14 b2: 132 -> 160 ms; 64x56x56 b32: 2213 -> 2429 ms): XLA already fuses the
BatchNorm's scale and shift into the loop that follows the convolution, so symjax_mx does
not rewrite it. Run: ``python bench/bn_fold.py``.

Since 2026-12-06 inference programs fold anyway (lowering/bn_fold.py: exact up to rounding,
and it drops the per-call BatchNorm scale computations): in the whole ResNet-50 program at
batch 32, unfolded against folded, interleaved, 1651 -> 1562 ms of process CPU time (53
folds); at batch 2, 97 -> 101 ms; MobileNet at batch 32, 385 -> 390 ms: within the noise
of the shared machine, as here.
"""
import time, statistics, jax, jax.numpy as jnp, numpy as np
from jax import lax
rs = np.random.default_rng(0)
def conv(x, w, b=None):
    y = lax.conv_general_dilated(x, w, (1, 1), [(1, 1), (1, 1)], dimension_numbers=("NCHW", "OIHW", "NCHW"), precision=lax.Precision.HIGHEST)
    return y if b is None else y + b[None, :, None, None]
def bn(y, g, b, m, v):
    s = g * lax.rsqrt(v + 1e-5)
    return (y - m[None, :, None, None]) * s[None, :, None, None] + b[None, :, None, None]
def plain(x, ws, ps):
    for w, (g, b, m, v) in zip(ws, ps):
        x = jax.nn.relu(bn(conv(x, w), g, b, m, v))
    return x
def folded(x, ws, ps):
    for w, (g, b, m, v) in zip(ws, ps):
        s = g * lax.rsqrt(v + 1e-5)
        x = jax.nn.relu(conv(x, w * s[:, None, None, None], b - m * s))
    return x
for c, hw, n in [(64, 56, 2), (256, 14, 2), (64, 56, 32)]:
    x = jnp.asarray(rs.normal(size=(n, c, hw, hw)), jnp.float32)
    ws = [jnp.asarray(rs.normal(size=(c, c, 3, 3)) * 0.05, jnp.float32) for _ in range(3)]
    ps = [tuple(jnp.asarray(rs.uniform(0.5, 1.5, c), jnp.float32) for _ in range(4)) for _ in range(3)]
    fs = {'plain': jax.jit(plain), 'folded': jax.jit(folded)}
    print('maxdiff', float(jnp.abs(fs['plain'](x, ws, ps) - fs['folded'](x, ws, ps)).max() / jnp.abs(fs['plain'](x, ws, ps)).max()))
    ts = {k: [] for k in fs}
    for r in range(7):
        for k, f in fs.items():
            t = time.perf_counter(); f(x, ws, ps).block_until_ready(); ts[k].append(time.perf_counter() - t)
    print(c, hw, n, {k: round(statistics.median(v) * 1e3, 2) for k, v in ts.items()})

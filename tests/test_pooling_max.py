"""ops/pooling_max: non-overlapping max pooling and its first-maximum gradient, against a
numpy reference, for small windows (per-tap gradient) and large ones (tile reduction)."""
import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from symjax_mx.ops.pooling_max import tile_max


def _reference(x, grad, layout, kernel):
    """Max over each window and the gradient sent to the window's first maximum."""
    axes = [i for i, c in enumerate(layout) if c not in "NC"]
    out, dx = np.empty(grad.shape), np.zeros(x.shape)
    for index in itertools.product(*(range(n) for n in grad.shape)):
        window = [slice(i, i + 1) for i in index]
        for axis, k in zip(axes, kernel):
            window[axis] = slice(index[axis] * k, (index[axis] + 1) * k)
        block = x[tuple(window)]
        first = np.unravel_index(np.argmax(block), block.shape)  # argmax: first, row-major
        out[index] = block[first]
        dx[tuple(w.start + f for w, f in zip(window, first))] += grad[index]
    return out, dx


@pytest.mark.parametrize("layout, shape, kernel", [
    ("NCHW", (2, 3, 4, 6), (2, 2)),     # per-tap gradient
    ("NHWC", (2, 6, 4, 3), (3, 2)),
    ("NCW", (2, 2, 9), (3,)),
    ("NCDHW", (1, 2, 4, 2, 4), (2, 1, 2)),
    ("NCHW", (2, 2, 5, 5), (5, 5)),     # 25 taps: the tile reduction
])
def test_tile_max_values_and_first_maximum_gradient(layout, shape, kernel):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, shape).astype(np.float32)  # many ties
    out, vjp = jax.vjp(lambda d: tile_max(d, layout, kernel), jnp.asarray(x))
    grad = rng.uniform(1, 2, out.shape).astype(np.float32)
    want_out, want_dx = _reference(x, grad, layout, kernel)
    np.testing.assert_array_equal(np.asarray(out), want_out)
    np.testing.assert_allclose(np.asarray(vjp(jnp.asarray(grad))[0]), want_dx, rtol=1e-6)

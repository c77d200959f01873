"""Correlation against a direct loop over MXNet's definition, and its shape rule."""
import numpy as np
import pytest

import symjax_mx as mx

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")


def reference(a, b, k, md, s1, s2, pad, multiply):
    pa = np.pad(a, ((0, 0), (0, 0), (pad, pad + 8), (pad, pad + 8)))
    pb = np.pad(b, ((0, 0), (0, 0), (pad, pad + 8), (pad, pad + 8)))
    border = md + (k - 1) // 2
    height = -(-(a.shape[2] + 2 * pad - 2 * border) // s1)
    width = -(-(a.shape[3] + 2 * pad - 2 * border) // s1)
    r = md // s2
    out = np.zeros((a.shape[0], (2 * r + 1) ** 2, height, width))
    for c, (p, q) in enumerate((p, q) for p in range(-r, r + 1) for q in range(-r, r + 1)):
        for i in range(height):
            for j in range(width):
                y, x = i * s1 + md, j * s1 + md
                w1 = pa[:, :, y:y + k, x:x + k]
                w2 = pb[:, :, y + p * s2:y + p * s2 + k, x + q * s2:x + q * s2 + k]
                score = w1 * w2 if multiply else np.abs(w1 - w2)
                out[:, c, i, j] = score.sum(axis=(1, 2, 3))
    return out / (k * k * a.shape[1])


@pytest.mark.parametrize("k,md,s1,s2,pad,multiply", [(3, 2, 2, 1, 2, True),
                                                    (1, 2, 1, 2, 1, False)])
def test_correlation_matches_its_definition(k, md, s1, s2, pad, multiply):
    rs = np.random.default_rng(0)
    a, b = rs.uniform(size=(2, 2, 7, 6)), rs.uniform(size=(2, 2, 7, 6))
    out = mx.nd.Correlation(mx.nd.array(a, dtype="float64"), mx.nd.array(b, dtype="float64"),
                            kernel_size=k, max_displacement=md, stride1=s1, stride2=s2,
                            pad_size=pad, is_multiply=multiply).asnumpy()
    want = reference(a, b, k, md, s1, s2, pad, multiply)
    assert out.shape == want.shape  # MXNet rounds the output size up (ceil)
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


def test_kernel_that_does_not_fit_is_refused():
    data = mx.nd.ones((1, 1, 28, 28))
    with pytest.raises(mx.MXNetError, match="Correlation cannot be done"):
        mx.nd.Correlation(data, data, kernel_size=28)
    assert mx.nd.Correlation(data, data, kernel_size=9).shape == (1, 9, 18, 18)

"""Depthwise convolutions (symjax_mx/ops/depthwise.py): values and hand-written gradients
against XLA's grouped convolution, gradients of gradients, and the number of kernels a
training step's gradient compiles to."""
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from symjax_mx.ops import get_op

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")
RNG = np.random.default_rng(0)


def _depthwise(x, w, params):
    op = get_op("Convolution")
    parsed = op.parse_params(dict(params, no_bias=True))
    return op.compute([x, w], [], parsed, True, None)[0][0]


def _grouped(x, w, params, layout, multiplier):
    """XLA's grouped convolution of the same parameters (channels-first form)."""
    nsp = len(params["kernel"])
    last = layout[-1] == "C"
    if last:  # to channels first: data N..C -> NC.., weight O..1 -> O1..
        x = jnp.moveaxis(x, -1, 1)
        w = jnp.moveaxis(w, -1, 1)
    out = lax.conv_general_dilated(
        x, w, params.get("stride", (1,) * nsp), [(p, p) for p in params.get("pad", (0,) * nsp)],
        rhs_dilation=params.get("dilate", (1,) * nsp), feature_group_count=x.shape[1],
        precision=lax.Precision.HIGHEST)
    return jnp.moveaxis(out, 1, -1) if last else out


@pytest.mark.parametrize("layout, kernel, stride, dilate, pad, multiplier", [
    ("NCHW", (3, 3), (1, 1), (1, 1), (1, 1), 1),
    ("NCHW", (3, 3), (2, 2), (1, 1), (1, 1), 1),
    ("NHWC", (3, 3), (2, 1), (1, 2), (2, 1), 1),
    ("NHWC", (5, 3), (3, 2), (1, 1), (0, 1), 2),
    ("NCW", (4,), (3,), (2,), (3,), 1),
    ("NCDHW", (2, 3, 2), (1, 2, 2), (1, 1, 1), (1, 0, 1), 1),
    ("NCHW", (1, 1), (2, 2), (1, 1), (0, 0), 3),
])
def test_values_and_gradients_match_grouped_convolution(layout, kernel, stride, dilate, pad,
                                                         multiplier):
    channels, nsp = 3, len(kernel)
    sizes = (7, 6, 5)[:nsp]
    data_shape = ((2, channels) + sizes if layout[1] == "C" else (2,) + sizes + (channels,))
    weight_shape = ((channels * multiplier, 1) + kernel if layout[1] == "C"
                    else (channels * multiplier,) + kernel + (1,))
    x, w = RNG.normal(size=data_shape), RNG.normal(size=weight_shape)
    params = {"kernel": kernel, "stride": stride, "dilate": dilate, "pad": pad,
              "num_filter": channels * multiplier, "num_group": channels}
    if layout not in ("NCW", "NCHW", "NCDHW"):
        params["layout"] = layout
    ours = jax.vjp(lambda a, b: _depthwise(a, b, params), x, w)
    theirs = jax.vjp(lambda a, b: _grouped(a, b, params, layout, multiplier), x, w)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    head = RNG.normal(size=ours[0].shape)
    for mine, expected in zip(ours[1](head), theirs[1](head)):
        np.testing.assert_allclose(mine, expected, rtol=1e-12, atol=1e-12)


def test_gradients_of_gradients_match_grouped_convolution():
    x, w = RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(3, 1, 3, 3))
    params = {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "num_filter": 3,
              "num_group": 3}

    def penalty(conv):  # a gradient penalty: the squared gradients, differentiated again
        def total(a, b):
            y, vjp = jax.vjp(conv, a, b)
            da, db = vjp(jnp.sin(y))
            return (da ** 2).sum() + (db ** 2).sum()
        return jax.grad(total, argnums=(0, 1))(x, w)

    ours = penalty(lambda a, b: _depthwise(a, b, params))
    theirs = penalty(lambda a, b: _grouped(a, b, params, "NCHW", 1))
    for mine, expected in zip(ours, theirs):
        np.testing.assert_allclose(mine, expected, rtol=1e-10, atol=1e-10)


def test_gradient_compiles_to_few_kernels():
    """The gradient of a 3x3 depthwise layer fed by element-wise work (a previous layer's
    normalisation) compiles to a handful of kernels, not several per kernel tap."""
    params = {"kernel": (3, 3), "pad": (1, 1), "num_filter": 16, "num_group": 16,
              "layout": "NHWC"}
    x, w = jnp.ones((4, 12, 12, 16), jnp.float32), jnp.ones((16, 3, 3, 1), jnp.float32)

    def loss(a, b):
        return jnp.tanh(_depthwise(jax.nn.relu(a * 0.5 + 1), b, params)).sum()

    text = jax.jit(jax.grad(loss, argnums=(0, 1))).lower(x, w).compile().as_text()
    entry = text[text.index("ENTRY"):]
    kernels = len(re.findall(r" fusion\(", entry))
    assert kernels <= 10, kernels  # 8; JAX's gradient of the per-tap forward: 23

"""Convolutions with few output positions (ops/conv_patches.py): one dot product per
position, equal to XLA's convolution in value and gradients, in every layout."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import symjax_mx as mx
from symjax_mx.ops.conv_patches import conv_by_positions, convolve, has_few_outputs

pytestmark = pytest.mark.usefixtures("jax_x64")


@pytest.mark.parametrize("layout, data_shape, weight_shape, stride, dilate, pad", [
    ("NCHW", (2, 3, 7, 8), (4, 3, 3, 5), (3, 2), (2, 1), (1, 2)),
    ("NHWC", (2, 6, 5, 3), (5, 5, 4, 3), (2, 1), (1, 1), (1, 0)),
])
def test_dot_per_position_equals_the_convolution(layout, data_shape, weight_shape, stride,
                                                 dilate, pad):
    rs = np.random.RandomState(0)
    x, w = jnp.asarray(rs.randn(*data_shape)), jnp.asarray(rs.randn(*weight_shape))

    def reference(x, w):
        return lax.conv_general_dilated(
            x, w, stride, [(p, p) for p in pad], rhs_dilation=dilate,
            dimension_numbers=(layout, layout.replace("N", "O").replace("C", "I"), layout))

    out = reference(x, w)
    sizes = out.shape[2:] if layout[1] == "C" else out.shape[1:-1]
    window = {"stride": stride, "dilate": dilate, "pad": pad}

    def ours(x, w):
        return conv_by_positions(x, w, layout, window, sizes, lax.Precision.HIGHEST)

    @jax.jit
    def values_and_grads(x, w):
        return [jax.value_and_grad(lambda x, w: (conv(x, w) ** 2).sum(), (0, 1))(x, w)
                + (conv(x, w),) for conv in (ours, reference)]

    (_, grads, got), (_, expected, want) = values_and_grads(x, w)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)
    for got, want in zip(grads, expected):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


def test_convolution_takes_the_dot_path_only_when_the_kernel_dwarfs_the_output():
    assert has_few_outputs((9, 9), (1, 1), 1) and has_few_outputs((8, 8), (2, 2), 1)
    assert not has_few_outputs((3, 3), (7, 7), 1) and not has_few_outputs((9, 9), (1, 1), 3)
    x = mx.nd.array(np.random.RandomState(1).randn(2, 3, 16, 16))
    w = mx.nd.array(np.random.RandomState(2).randn(5, 3, 16, 16))
    x.attach_grad()
    with mx.autograd.record():
        out = mx.nd.Convolution(x, w, kernel=(16, 16), num_filter=5, no_bias=True)
    out.backward()
    expected = np.einsum("nchw,ochw->no", x.asnumpy(), w.asnumpy())[:, :, None, None]
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(x.grad.asnumpy(), np.broadcast_to(w.asnumpy().sum(0), (2, 3, 16, 16)),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layout, data_shape, groups, kernel, stride, dilate, pads", [
    ("NCHW", (2, 8, 9, 9), 2, (3, 2), (2, 1), (2, 1), ((0, 1), (2, 0))),
    ("NHWC", (2, 7, 6, 8), 4, (3, 3), (2, 2), (1, 1), ((1, 1), (1, 1))),
    ("NCW", (2, 6, 10), 3, (3,), (2,), (1,), ((1, 0),)),
])
def test_grouped_convolution_gradients_equal_xla(layout, data_shape, groups, kernel, stride,
                                                 dilate, pads):
    """A grouped convolution's weight gradient as dot products per tap (ResNeXt's
    training step ran 20x slower than MXNet's with XLA's own) equals XLA's, and so do the
    value, the data gradient and a second derivative."""
    rs = np.random.RandomState(0)
    channels = data_shape[layout.index("C")]
    weight_shape = [2 * groups] + [channels // groups] * (len(layout) - 1)
    spatial = [i for i, c in enumerate(layout) if c not in "NC"]
    for axis, k in zip(spatial, kernel):
        weight_shape[axis] = k
    x, w = jnp.asarray(rs.randn(*data_shape)), jnp.asarray(rs.randn(*weight_shape))
    kernel_layout = layout.replace("N", "O").replace("C", "I")

    def reference(x, w):
        return lax.conv_general_dilated(x, w, stride, pads, rhs_dilation=dilate,
                                        feature_group_count=groups,
                                        dimension_numbers=(layout, kernel_layout, layout))

    def ours(x, w):
        return convolve(x, w, stride, pads, dilate, groups, layout, lax.Precision.HIGHEST)

    @jax.jit
    def values_and_grads(x, w):
        results = []
        for conv in (ours, reference):
            def loss(x, w):
                return (conv(x, w) ** 2).sum()
            second = jax.grad(lambda w: jax.grad(loss)(x, w).sum())(w)
            results.append(jax.value_and_grad(loss, (0, 1))(x, w) + (conv(x, w), second))
        return results

    got, want = values_and_grads(x, w)
    for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-10, atol=1e-10)


def test_grouped_weight_gradient_avoids_batch_grouped_convolutions():
    """XLA's CPU backend runs a convolution with batch_group_count > 1 (JAX's weight
    gradient of a grouped convolution) 100x slower than dot products."""
    x, w = jnp.ones((2, 8, 6, 6)), jnp.ones((8, 2, 3, 3))

    def loss(w):
        return convolve(x, w, (1, 1), ((1, 1), (1, 1)), (1, 1), 4, "NCHW", None).sum()

    convolutions = [e for e in jax.make_jaxpr(jax.grad(loss))(w).jaxpr.eqns
                    if e.primitive.name == "conv_general_dilated"]
    assert all(e.params["batch_group_count"] == 1 for e in convolutions)

"""Convolutions over maps smaller than the kernel as a dot product over windows
(ops/conv_patches.py): same values and gradients as ``lax.conv_general_dilated``, and taken
only where XLA's CPU kernels need it."""
import jax
import numpy as np
import pytest
from jax import lax

import symjax_mx as mx
from symjax_mx.ops import conv_patches

CASES = [  # data, weight, strides, pads, layout
    ((2, 4, 2, 2), (5, 4, 3, 3), (1, 1), ((1, 1), (1, 1)), "NCHW"),   # maps < kernel
    ((2, 3, 4, 4), (4, 3, 3, 3), (2, 2), ((1, 1), (1, 1)), "NCHW"),   # output < kernel
    ((2, 3, 5, 3), (4, 3, 3, 3), (2, 1), ((1, 2), (1, 1)), "NCHW"),
    ((2, 2, 3, 3), (4, 3, 3, 3), (2, 1), ((1, 1), (2, 2)), "NHWC"),
    ((2, 3, 2), (4, 3, 5), (3,), ((2, 2),), "NCW"),
    ((1, 2, 2, 4, 3), (3, 2, 3, 3, 2), (1, 2, 1), ((1, 1), (0, 1), (1, 1)), "NCDHW"),
]


@pytest.mark.parametrize("shape, wshape, strides, pads, layout", CASES)
def test_values_and_gradients_match_lax(shape, wshape, strides, pads, layout):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape).astype(np.float32)
    weight = rng.standard_normal(wshape).astype(np.float32)
    kernel_layout = layout.replace("N", "O").replace("C", "I")

    def reference(x, w):
        return lax.conv_general_dilated(x, w, strides, pads,
                                        dimension_numbers=(layout, kernel_layout, layout),
                                        precision=lax.Precision.HIGHEST)

    def ours(x, w):
        return conv_patches.convolve(x, w, strides, pads, (1,) * len(strides), 1, layout,
                                  lax.Precision.HIGHEST)

    expected, expected_vjp = jax.vjp(reference, data, weight)
    out, vjp = jax.vjp(ours, data, weight)
    head = rng.standard_normal(expected.shape).astype(np.float32)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    for got, want in zip(vjp(head), expected_vjp(head)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def _primitives(fn, *args):
    return {str(eqn.primitive) for eqn in jax.make_jaxpr(fn)(*args).eqns}


def test_only_small_maps_take_the_windows_path():
    weight = np.ones((4, 3, 3, 3), np.float32)

    def conv(shape, strides):
        return _primitives(lambda x: conv_patches.convolve(
            x, weight, strides, [(1, 1)] * 2, (1, 1), 1, "NCHW", None), np.ones(shape,
                                                                            np.float32))
    windows = {"concatenate", "dot_general"}
    assert windows <= conv((1, 3, 2, 2), (1, 1)) and "conv_general_dilated" not in conv(
        (1, 3, 2, 2), (1, 1))
    assert windows <= conv((1, 3, 4, 4), (2, 2))  # output 2x2 < 3x3
    assert conv((1, 3, 8, 8), (2, 2)) == {"conv_general_dilated"}


def test_convolution_operator_gradient_on_small_maps():
    """The operator's gradient on 2x2 maps equals the plain convolution's gradient."""
    rng = np.random.default_rng(1)
    x = mx.nd.array(rng.standard_normal((2, 3, 2, 2)))
    w = mx.nd.array(rng.standard_normal((4, 3, 3, 3)))
    x.attach_grad()
    w.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Convolution(x, w, kernel=(3, 3), pad=(1, 1), num_filter=4, no_bias=True)
    y.backward(mx.nd.ones_like(y))
    _, vjp = jax.vjp(lambda a, b: lax.conv_general_dilated(
        a, b, (1, 1), [(1, 1)] * 2, dimension_numbers=("NCHW", "OIHW", "NCHW"),
        precision=lax.Precision.HIGHEST), x.asjax(), w.asjax())
    dx, dw = vjp(np.ones(y.shape, np.float32))
    np.testing.assert_allclose(x.grad.asnumpy(), dx, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(w.grad.asnumpy(), dw, rtol=1e-5, atol=1e-5)


def _conv_paddings(data_shape, kernel):
    """The paddings of the XLA convolutions a valid Convolution's training forward traces."""
    from symjax_mx.ops import get_op
    op = get_op("Convolution")
    params = op.parse_params({"kernel": kernel, "num_filter": 4, "no_bias": True})
    weight = jax.numpy.ones((4, data_shape[1]) + kernel)
    jaxpr = jax.make_jaxpr(lambda d: op.compute([d, weight], [], params, True, None)[0][0])(
        jax.numpy.ones(data_shape))
    return [tuple(map(tuple, eqn.params["padding"])) for eqn in jaxpr.eqns
            if eqn.primitive.name == "conv_general_dilated"]


def test_valid_windows_are_padded_at_the_end_only_where_few_outputs_are_cropped():
    # a large map: 2 extra rows and columns of 147 are cheap, XLA runs the padded window faster
    assert _conv_paddings((1, 2, 149, 149), (3, 3)) == [((0, 2), (0, 2))]
    # LeNet's 5x5 over 12x12: padding would compute 144 outputs for 64
    assert _conv_paddings((1, 2, 12, 12), (5, 5)) == [((0, 0), (0, 0))]

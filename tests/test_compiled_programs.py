"""How symjax_mx's operators are formulated for XLA's CPU backend: the faster
formulations keep the outputs and gradients of the plain ones."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import symjax_mx as mx
from symjax_mx import gluon
from symjax_mx.ops import get_op


@pytest.mark.parametrize("layout, shape, params", [
    ("NCHW", (2, 3, 7, 6), dict(kernel=(3, 3), num_filter=6, num_group=3, stride=(2, 1),
                                pad=(1, 2), dilate=(1, 2))),
    ("NHWC", (2, 7, 6, 4), dict(kernel=(3, 2), num_filter=4, num_group=4, stride=(1, 2),
                                pad=(1, 0))),
    ("NCW", (1, 2, 9), dict(kernel=(4,), num_filter=2, num_group=2, stride=(3,))),
])
def test_depthwise_convolution_matches_grouped_convolution(layout, shape, params):
    """Depthwise convolutions are multiply-adds per tap: same values and gradients (data,
    weight and bias) as XLA's grouped convolution."""
    op = get_op("Convolution")
    parsed = op.parse_params(dict(params, layout=layout))
    shapes, _ = op.infer_shape(parsed, [shape, None, None])
    rs = np.random.default_rng(0)
    data, weight, bias = (jnp.asarray(rs.uniform(-1, 1, s), jnp.float32) for s in shapes)
    spatial = layout.replace("N", "").replace("C", "")
    dims = (layout, "O" + spatial + "I" if layout.endswith("C") else "OI" + spatial, layout)

    def grouped(data, weight, bias):
        out = lax.conv_general_dilated(
            data, weight, parsed["stride"] or (1,) * len(spatial),
            [(p, p) for p in parsed["pad"] or (0,) * len(spatial)],
            rhs_dilation=parsed["dilate"] or None, feature_group_count=parsed["num_group"],
            dimension_numbers=dims, precision=lax.Precision.HIGHEST)
        return out + bias.reshape([-1 if c == "C" else 1 for c in layout])

    def ours(data, weight, bias):
        return op.compute([data, weight, bias], [], parsed, True, None)[0][0]

    head = jnp.asarray(rs.uniform(-1, 1, grouped(data, weight, bias).shape), jnp.float32)
    expected, expected_vjp = jax.vjp(grouped, data, weight, bias)
    out, vjp = jax.vjp(ours, data, weight, bias)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    for got, want in zip(vjp(head), expected_vjp(head)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)



def test_dense_layer_of_a_constant_begin_state_is_exact():
    """An unrolled RNN cell's begin state (``mx.sym.zeros``) is a constant operand of its
    h2h product. XLA's YNNPACK dot fusion computed such products as garbage (all NaN at
    these sizes), so programs run each dot product in the library on its own
    (``compile_options.LIBRARY_CHOICE``)."""
    hidden, inputs, batch = 512, 128, 32
    cell = mx.rnn.RNNCell(hidden, activation="tanh", prefix="l0_")
    out, _ = cell(mx.sym.var("data"), cell.begin_state())
    exe = out.simple_bind(mx.cpu(), data=(batch, inputs), grad_req="null")
    rng = np.random.default_rng(0)
    values = {}
    for name, array in exe.arg_dict.items():
        values[name] = rng.uniform(-0.05, 0.05, array.shape).astype(np.float32)
        array[:] = values[name]
    expected = np.tanh(values["data"] @ values["l0_i2h_weight"].T + values["l0_i2h_bias"]
                       + values["l0_h2h_bias"])
    np.testing.assert_allclose(exe.forward()[0].asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_hybridized_dense_layer_of_constant_zeros_is_exact():
    """The same in a hybridized Gluon block that makes its zeros inside."""
    class ZeroInput(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.dense = gluon.nn.Dense(512, in_units=512)

        def hybrid_forward(self, F, x):
            return self.dense(F.zeros((32, 512))) + x

    block = ZeroInput()
    block.initialize(mx.init.Uniform(0.05))
    block.dense.bias.set_data(mx.nd.array(np.linspace(-1, 1, 512)))
    block.hybridize()
    x = mx.nd.array(np.random.default_rng(1).uniform(size=(32, 512)))
    np.testing.assert_allclose(block(x).asnumpy(),
                               x.asnumpy() + np.linspace(-1, 1, 512, dtype=np.float32),
                               rtol=1e-6, atol=1e-6)

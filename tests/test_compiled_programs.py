"""How symjax_mx's compiled programs are formulated for XLA: the inference rewrites keep
the outputs, and the programs avoid the backend formulations known to be slow."""
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

import symjax_mx as mx
from symjax_mx import x64
from symjax_mx.ops import get_op


def _bound(symbol, shape):
    mod = mx.mod.Module(symbol, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", shape)], for_training=False)
    return mod


def _infer_hlo(mod):
    """The optimized HLO text of a bound Module's inference program (compiled, not run)."""
    ex = mod._exec_group.execs[0]
    args = {n: jax.ShapeDtypeStruct(a.shape, a.dtype) for n, a in ex.arg_dict.items()}
    aux = {n: jax.ShapeDtypeStruct(a.shape, a.dtype) for n, a in ex.aux_dict.items()}
    with x64.scope():
        return ex._compiled.infer.jitted.lower(args, aux, None, False).compile().as_text()


def test_stacked_fully_connected_layers_are_not_fused_into_one_library_call():
    # VGG's classifier: XLA's CPU backend fused pooling and both wide products into one
    # YNNPACK subgraph that recomputed the first product per tile of the second (minutes)
    x = mx.sym.Pooling(mx.sym.var("data"), kernel=(2, 2), stride=(2, 2), pool_type="max")
    for i in range(2):
        x = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=4096, name=f"fc{i}"),
                              act_type="relu")
    hlo = _infer_hlo(_bound(x, (2, 512, 4, 4)))
    assert hlo.count(" dot(") == 2
    assert max(body.count(" dot(") for body in re.split(r"\n\n", hlo)) == 1


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


def test_convolutions_stay_with_the_library_the_backend_picks():
    def net(x, w):
        y = jax.nn.relu(lax.conv_general_dilated(x, w, (1, 1), "SAME"))
        return (lax.conv_general_dilated(y, w, (1, 1), "SAME") ** 2).sum()

    shapes = (jax.ShapeDtypeStruct((32, 16, 32, 32), jnp.float32),
              jax.ShapeDtypeStruct((16, 16, 3, 3), jnp.float32))
    step = jax.value_and_grad(net, argnums=(0, 1))
    ours = x64.jit(step).lower(*shapes).compile().as_text()
    plain = jax.jit(step).lower(*shapes).compile().as_text()
    entry = lambda text: text[text.index("ENTRY"):]  # noqa: E731
    assert entry(ours).count(" convolution(") == entry(plain).count(" convolution(")

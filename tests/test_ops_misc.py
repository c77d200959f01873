"""contrib quadratic / div_sqrt_dim / gradientmultiplier / round_ste / sign_ste, amp casts, finiteness checks,
batch_take, gather_nd, scatter_nd and reset_arrays."""
import numpy as np
import pytest

import symjax_mx as mx

nd = mx.nd


def test_contrib_elementwise():
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(nd.contrib.quadratic(nd.array(x), a=2, b=-1, c=3).asnumpy(),
                               2 * x * x - x + 3, rtol=1e-6)
    np.testing.assert_allclose(nd.contrib.div_sqrt_dim(nd.ones((2, 9))).asnumpy(), 1 / 3)
    data = mx.sym.Variable("data")
    net = mx.sym.contrib.gradientmultiplier(data, scalar=-0.5)
    grad = nd.zeros((3,))
    exe = net.bind(mx.cpu(), {"data": nd.array(x)}, args_grad={"data": grad})
    np.testing.assert_allclose(exe.forward(is_train=True)[0].asnumpy(), x)
    exe.backward([nd.ones((3,))])
    np.testing.assert_allclose(grad.asnumpy(), [-0.5] * 3)


@pytest.mark.parametrize("hybridize", [False, True])
def test_straight_through_estimators(hybridize):
    # values read from MXNet 1.9.1: rounding halves away from zero, gradient passed through
    class Quantized(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.contrib.round_ste(x * 2) * 3 + F.contrib.sign_ste(x) * x

    block = Quantized()
    if hybridize:
        block.hybridize()
    x = nd.array([-1.5, -0.5, 0.5, 1.5, 2.5, 0.2])
    x.attach_grad()
    with mx.autograd.record():
        y = block(x)
    y.backward()
    rounded = [-9.0, -3.0, 3.0, 9.0, 15.0, 0.0]
    np.testing.assert_allclose(y.asnumpy(), np.add(rounded, np.abs(x.asnumpy())), rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), 6 + np.sign(x.asnumpy()) + x.asnumpy(),
                               rtol=1e-6)
    assert nd.contrib.sign_ste(nd.array([-2.0, 0.0, 3.0])).asnumpy().tolist() == [-1, 0, 1]


def test_amp_and_finiteness():
    half, single = nd.ones((2,), dtype="float16"), nd.ones((2,))
    assert [o.dtype for o in nd.amp_multicast(half, single, num_outputs=2)] == [np.float32] * 2
    narrow = nd.amp_multicast(half, single, num_outputs=2, cast_narrow=True)
    assert [o.dtype for o in narrow] == [np.float16] * 2
    assert nd.amp_cast(single, dtype="float16").dtype == np.float16
    assert nd.amp_cast(nd.ones((2,), dtype="int32"), dtype="float16").dtype == np.int32
    assert nd.all_finite(nd.array([1.0, np.inf])).asnumpy().tolist() == [0.0]
    assert nd.multi_all_finite(single, half, num_arrays=2).asnumpy().tolist() == [1.0]


def test_gather_scatter():
    data = nd.array([[0, 1, 2], [3, 4, 5]])
    assert nd.batch_take(data, nd.array([2, 0], dtype="int32")).asnumpy().tolist() == [2, 3]
    negative = nd.gather_nd(data, nd.array([[0, 1, -1], [0, 1, -2]])).asnumpy()
    assert negative.tolist() == nd.gather_nd(data, nd.array([[0, 1, 1], [0, 1, 1]])).asnumpy()\
        .tolist() == [0, 4, 4]
    rows = nd.gather_nd(data, nd.array([[1, 0]])).asnumpy()
    assert rows.tolist() == [[3, 4, 5], [0, 1, 2]]
    scattered = nd.scatter_nd(nd.array([1.0, 2.0, 3.0]), nd.array([[0, 1, 1], [1, 2, 2]]),
                              shape=(2, 3)).asnumpy()
    assert scattered.tolist() == [[0, 1, 0], [0, 0, 5]]


def test_fluent_methods_call_their_operators():
    x = nd.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(x.softmax(axis=1).asnumpy(),
                               nd.softmax(x, axis=1).asnumpy())
    assert x.clip(1.5, 2.5).asnumpy().tolist() == [[1.5, 2.0, 2.5]]
    assert x.flip(axis=1).asnumpy().tolist() == [[3.0, 2.0, 1.0]]
    assert [p.shape for p in x.split(num_outputs=3, axis=1)] == [(1, 1)] * 3
    symbol = mx.sym.Variable("s").log_softmax(axis=1)
    out = symbol.bind(mx.cpu(), {"s": x}).forward()[0]
    np.testing.assert_allclose(out.asnumpy(), nd.log_softmax(x, axis=1).asnumpy(), rtol=1e-6)


def test_boxes_match_mxnet():
    corners = np.array([[0.0, 0.0, 2.0, 2.0], [1.0, 0.5, 3.0, 2.5]])
    others = np.array([[1.0, 1.0, 3.0, 3.0], [5.0, 5.0, 6.0, 6.0]])
    iou = nd.contrib.box_iou(nd.array(corners), nd.array(others)).asnumpy()
    np.testing.assert_allclose(iou, [[1 / 7, 0], [3 / 5, 0]], rtol=1e-6)
    centers = np.concatenate([(corners[:, :2] + corners[:, 2:]) / 2,
                              corners[:, 2:] - corners[:, :2]], axis=1)
    np.testing.assert_allclose(nd.contrib.box_iou(nd.array(centers), nd.array(centers),
                                                  format="center").asnumpy().diagonal(), 1)
    # expected values: MXNet 1.9.1's own test_box_encode_op / test_box_decode_op
    anchors = nd.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]).reshape((1, -1, 4))
    targets, masks = nd.contrib.box_encode(nd.array([[0, 1]]), nd.array([[0, 1]]), anchors,
                                           anchors, nd.zeros((4,)),
                                           nd.array([0.1, 0.1, 0.2, 0.2]))
    np.testing.assert_allclose(targets.asnumpy(), np.zeros((1, 2, 4)), atol=1e-6)
    assert masks.asnumpy().tolist() == [[[0, 0, 0, 0], [1, 1, 1, 1]]]
    decoded = nd.contrib.box_decode(anchors, anchors, .1, .1, .2, .2).asnumpy()
    np.testing.assert_allclose(decoded, [[[-0.0562755, -0.00865743, 0.26227552, 0.42465743],
                                          [0.13240421, 0.17859563, 0.93759584, 1.1174043]]],
                               rtol=1e-5)


def test_ravel_unravel_index_array_and_softmax_cross_entropy():
    coords = np.array([[0, 1, 2], [3, 0, 4]])
    flat = nd.ravel_multi_index(nd.array(coords), shape=(3, 5)).asnumpy()
    assert flat.tolist() == np.ravel_multi_index(coords, (3, 5)).tolist()
    assert nd.ravel_multi_index(nd.array(coords), shape=(-1, 5)).asnumpy().tolist() == \
        flat.tolist()
    back = nd.unravel_index(nd.array(flat), shape=(-1, 5)).asnumpy()
    assert back.tolist() == coords.tolist()
    index = nd.contrib.index_array(nd.ones((2, 3)), axes=(1,)).asnumpy()
    assert index.dtype == np.int64 and index[..., 0].tolist() == [[0, 1, 2], [0, 1, 2]]
    full = nd.contrib.index_array(nd.ones((2, 3))).asnumpy()
    assert (full == np.stack(np.mgrid[0:2, 0:3], axis=-1)).all()
    x = np.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    label = np.array([1, 2])
    logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    loss = nd.softmax_cross_entropy(nd.array(x), nd.array(label)).asnumpy()
    np.testing.assert_allclose(loss, [-logp[[0, 1], label].sum()], rtol=1e-6)


def test_allclose_is_numpys_rule_in_the_input_dtype():
    a = np.array([1.0, 2.0, np.nan])
    near = nd.contrib.allclose(nd.array(a), nd.array(a * (1 + 1e-6)), rtol=1e-5)
    assert near.shape == () and near.dtype == np.uint8 and near.asnumpy() == 1
    assert nd.contrib.allclose(nd.array(a), nd.array(a + 1e-3)).asnumpy() == 0
    assert nd.contrib.allclose(nd.array(a), nd.array(a), equal_nan=False).asnumpy() == 0


def test_adaptive_average_pooling():
    x = np.random.default_rng(0).uniform(size=(1, 2, 5, 7))
    out = nd.contrib.AdaptiveAvgPooling2D(nd.array(x), output_size=(2, 3)).asnumpy()
    want = np.empty((1, 2, 2, 3))
    for o in range(2):
        for p in range(3):
            h0, h1 = (o * 5) // 2, -(-((o + 1) * 5) // 2)
            w0, w1 = (p * 7) // 3, -(-((p + 1) * 7) // 3)
            want[..., o, p] = x[..., h0:h1, w0:w1].mean(axis=(-1, -2))
    np.testing.assert_allclose(out, want, rtol=1e-5)
    assert nd.contrib.AdaptiveAvgPooling2D(nd.array(x), output_size=3).shape == (1, 2, 3, 3)


def test_interleaved_attention_matmuls_match_mxnet():
    import os
    g = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "attention.npz"))
    c, a = nd.contrib, {k: nd.array(g[k]) for k in ("qkv", "att", "q", "kv", "att2")}
    for name, out in [
            ("selfatt_qk", c.interleaved_matmul_selfatt_qk(a["qkv"], heads=2)),
            ("selfatt_valatt", c.interleaved_matmul_selfatt_valatt(a["qkv"], a["att"], heads=2)),
            ("encdec_qk", c.interleaved_matmul_encdec_qk(a["q"], a["kv"], heads=2)),
            ("encdec_valatt", c.interleaved_matmul_encdec_valatt(a["kv"], a["att2"], heads=2))]:
        np.testing.assert_allclose(out.asnumpy(), g[name], rtol=1e-5, atol=1e-6, err_msg=name)


def test_histogram_counts_like_numpy():
    x = np.array([0.0, 1.0, 2.0, 5.0, 5.5, 10.0, 11.0])
    counts, edges = nd.histogram(nd.array(x), bins=4, range=(0, 10))
    want_counts, want_edges = np.histogram(x, bins=4, range=(0, 10))
    assert counts.dtype == np.int64 and counts.asnumpy().tolist() == want_counts.tolist()
    np.testing.assert_allclose(edges.asnumpy(), want_edges)
    bins = np.array([-1.0, 0.5, 2.0, 4.5, 50.0])
    counts, _ = nd.histogram(nd.array(x), bins=nd.array(bins))
    assert counts.asnumpy().tolist() == np.histogram(x, bins=bins)[0].tolist()
    auto, _ = nd.histogram(nd.array(x), bins=3)
    assert auto.asnumpy().tolist() == np.histogram(x, bins=3)[0].tolist()


def test_image_normalize_per_channel():
    x = np.random.default_rng(0).uniform(size=(2, 3, 2, 2))
    out = nd.image.normalize(nd.array(x), mean=(0, 1, 2), std=(3, 2, 1)).asnumpy()
    want = (x - np.array([0, 1, 2]).reshape(3, 1, 1)) / np.array([3, 2, 1]).reshape(3, 1, 1)
    np.testing.assert_allclose(out, want, rtol=1e-6)
    single = nd.image.normalize(nd.array(x[0]), mean=0.5, std=2).asnumpy()
    np.testing.assert_allclose(single, (x[0] - 0.5) / 2, rtol=1e-6)
    with pytest.raises(mx.MXNetError, match="image.normalize: mean needs"):
        nd.image.normalize(nd.array(x), mean=(1, 2), std=1)


def test_smooth_l1():
    x = np.array([-2.0, -0.2, 0.0, 0.1, 0.3, 1.5])
    out = nd.smooth_l1(nd.array(x), scalar=2.0).asnumpy()
    want = np.where(np.abs(x) < 0.25, 0.5 * (2 * x) ** 2, np.abs(x) - 0.125)
    np.testing.assert_allclose(out, want, rtol=1e-6)


def test_reset_arrays_zeroes_every_array_in_place():
    arrays = [mx.nd.ones((2, 3)), mx.nd.ones((4,), dtype="float16"), mx.nd.ones((1,), dtype="float64")]
    view = arrays[0][1]
    assert mx.nd.reset_arrays(*arrays, num_arrays=3) == []
    assert all((a.asnumpy() == 0).all() for a in arrays) and (view.asnumpy() == 0).all()
    assert [a.dtype for a in arrays] == [np.float32, np.float16, np.float64]
    with pytest.raises(mx.MXNetError, match="reset_arrays takes 3 inputs"):
        mx.nd.reset_arrays(*arrays[:2], num_arrays=3)
    with pytest.raises(mx.MXNetError, match="reset_arrays has no outputs"):
        mx.sym.reset_arrays(mx.sym.var("x"), num_arrays=1)


def test_gather_nd_out_of_bounds_index_raises_index_error_when_read():
    """As MXNet's CPU kernel: an index outside [-size, size) of its axis is an IndexError,
    raised when the result is read; negative indices inside count from the end."""
    data = mx.nd.array([[0, 1, 2], [3, 4, 5]])
    for bad in ([[0, 1, 0], [0, 1, 3]], [[0, 1, 0], [0, 1, -5]], [[2], [0]]):
        out = mx.nd.gather_nd(data, mx.nd.array(bad))
        with pytest.raises(IndexError, match="out of bounds for axis"):
            out.asnumpy()
    assert mx.nd.gather_nd(data, mx.nd.array([[1, 0], [-3, 2]])).asnumpy().tolist() == [3, 2]

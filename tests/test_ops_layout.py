"""shape_array, size_array, reshape_like, diag, depth_to_space, space_to_depth, GroupNorm,
moments, softmin, hard_sigmoid and logical_not against MXNet 1.9.1 (golden values from
tests/golden/ops/make_layout.py), and mx.sym's scalar-or-array functions."""
import os

import numpy as np
import pytest

import symjax_mx as mx

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "layout.npz"))
nd = mx.nd


def close(ours, want):
    np.testing.assert_allclose(ours.asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_layout_operators_match_mxnet():
    x4, x3 = nd.array(G["x4"]), nd.array(G["x3"])
    close(nd.depth_to_space(x4, block_size=2), G["depth_to_space"])
    close(nd.space_to_depth(x4, block_size=2), G["space_to_depth"])
    close(nd.diag(x3, k=1, axis1=1, axis2=2), G["diag_k1"])
    close(nd.diag(nd.array(G["x3"][0, 0]), k=-1), G["diag_vec"])
    close(nd.reshape_like(x3, nd.ones((1, 6, 5)), lhs_begin=0, lhs_end=2, rhs_begin=1,
                          rhs_end=2), G["reshape_like"])
    assert nd.shape_array(x4).asnumpy().tolist() == [2, 8, 2, 4]
    assert nd.shape_array(x4).dtype == np.int64 and nd.size_array(x3).asnumpy().tolist() == [24]


def test_normalization_and_activations_match_mxnet():
    x4, x3 = nd.array(G["x4"]), nd.array(G["x3"])
    close(nd.GroupNorm(x4, nd.array(G["gamma"]), nd.array(G["beta"]), num_groups=4),
          G["group_norm"])
    mean, var = nd.moments(x3, axes=(0, 2))
    close(mean, G["moments_mean"])
    close(var, G["moments_var"])
    close(nd.softmin(x3, axis=1, temperature=2.0), G["softmin"])
    close(nd.hard_sigmoid(x3 * 4, alpha=0.3, beta=0.4), G["hard_sigmoid"])
    assert nd.logical_not(nd.array([0, 2, -1, 0])).asnumpy().tolist() == [1, 0, 0, 1]


def test_bad_input_names_the_operator():
    with pytest.raises(mx.MXNetError, match="depth_to_space: channels 3"):
        nd.depth_to_space(nd.ones((1, 3, 2, 2)), block_size=2)
    with pytest.raises(mx.MXNetError, match="space_to_depth: height 3"):
        nd.space_to_depth(nd.ones((1, 1, 3, 4)), block_size=2)
    with pytest.raises(mx.MXNetError, match="reshape_like: cannot reshape"):
        nd.reshape_like(nd.ones((2, 3)), nd.ones((4, 2)))
    with pytest.raises(mx.MXNetError, match="GroupNorm: data of shape"):
        nd.GroupNorm(nd.ones((1, 3, 2)), nd.ones(2), nd.ones(2), num_groups=2)


def test_symbol_scalar_or_array_functions():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    net = mx.sym.maximum(a, 2) + mx.sym.pow(a, b) - mx.sym.minimum(3, b) + mx.sym.hypot(a, 4)
    out = net.bind(mx.cpu(), {"a": nd.array([1, 3]), "b": nd.array([2, 4])}).forward()[0]
    want = np.maximum([1, 3], 2) + np.power([1, 3], [2, 4]) - np.minimum(3, [2, 4]) \
        + np.hypot([1, 3], 4)
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-6)


def test_split_v2_splits_like_numpy():
    x = np.arange(24.0).reshape(6, 4)
    for pieces, want in [(nd.split_v2(nd.array(x), (1, 3)), np.split(x, (1, 3))),
                         (nd.split_v2(nd.array(x), 2, axis=1), np.split(x, 2, axis=1))]:
        assert [p.asnumpy().tolist() for p in pieces] == [w.tolist() for w in want]
    squeezed = nd.split_v2(nd.array(x), 4, axis=1, squeeze_axis=True)
    assert [p.shape for p in squeezed] == [(6,)] * 4
    data = mx.sym.Variable("data")
    outs = mx.sym.split_v2(data, (2,), axis=0).bind(mx.cpu(), {"data": nd.array(x)}).forward()
    assert [o.shape for o in outs] == [(2, 4), (4, 4)]
    with pytest.raises(mx.MXNetError, match="split_v2: an axis of size 6"):
        nd.split_v2(nd.array(x), 4)

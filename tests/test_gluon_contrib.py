"""gluon.contrib.nn against MXNet 1.9.1 (golden values printed by MXNet for the same
inputs)."""
import numpy as np

import symjax_mx as mx
from symjax_mx.gluon import nn
from symjax_mx.gluon.contrib import nn as cnn


def test_pixel_shuffle_matches_mxnet():
    x = mx.nd.array(np.arange(2 * 12 * 2 * 3).reshape(2, 12, 2, 3))
    out = cnn.PixelShuffle2D((2, 3))(x)
    assert out.shape == (2, 2, 4, 9)
    np.testing.assert_array_equal(out.asnumpy().ravel()[:12],
                                  [0, 6, 12, 1, 7, 13, 2, 8, 14, 18, 24, 30])
    out = cnn.PixelShuffle1D(3)(mx.nd.array(np.arange(24).reshape(1, 6, 4)))
    assert out.shape == (1, 2, 12)
    np.testing.assert_array_equal(out.asnumpy().ravel()[:10],
                                  [0.0, 4.0, 8.0, 1.0, 5.0, 9.0, 2.0, 6.0, 10.0, 3.0])
    block = cnn.PixelShuffle3D(2)
    block.hybridize()
    out = block(mx.nd.array(np.arange(2 * 8 * 2 * 2 * 2).reshape(2, 8, 2, 2, 2)))
    assert out.shape == (2, 1, 4, 4, 4)
    np.testing.assert_array_equal(out.asnumpy().ravel()[:10],
                                  [0.0, 8.0, 1.0, 9.0, 16.0, 24.0, 17.0, 25.0, 2.0, 10.0])


def test_hybrid_concurrent_names_and_values():
    net = cnn.HybridConcurrent(axis=1, prefix="cc_")
    with net.name_scope():
        net.add(nn.Dense(2), cnn.Identity())
    net.initialize(mx.init.One())
    assert [b.name for b in net._children.values()] == ["cc_dense0", "cc_identity0"]
    np.testing.assert_array_equal(net(mx.nd.ones((1, 3))).asnumpy(), [[3., 3., 1., 1., 1.]])
    net.hybridize()
    np.testing.assert_array_equal(net(mx.nd.ones((1, 3))).asnumpy(), [[3., 3., 1., 1., 1.]])
    eager = cnn.Concurrent(axis=0)
    with eager.name_scope():
        eager.add(cnn.Identity(), cnn.Identity())
    assert eager(mx.nd.ones((1, 2))).shape == (2, 2)


def test_sync_batch_norm_on_one_device_is_batch_norm():
    x = mx.nd.array(np.random.RandomState(0).uniform(size=(6, 3, 4)))
    plain, synced = nn.BatchNorm(in_channels=3), cnn.SyncBatchNorm(in_channels=3, num_devices=1)
    plain.initialize()
    synced.initialize()
    x1, x2 = x.copy(), x.copy()
    x1.attach_grad()
    x2.attach_grad()
    with mx.autograd.record():
        losses = [(plain(x1) ** 2 + plain(x1)).sum(), (synced(x2) ** 2 + synced(x2)).sum()]
    mx.autograd.backward(losses)
    np.testing.assert_allclose(x2.grad.asnumpy(), x1.grad.asnumpy(), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(synced.running_var.data().asnumpy(),
                               plain.running_var.data().asnumpy(), rtol=1e-6)
    assert not np.allclose(synced.running_var.data().asnumpy(), 1)
    assert sorted(synced.collect_params()) == [f"{synced.prefix}{n}" for n in (
        "beta", "gamma", "running_mean", "running_var")]
    assert f"ndev=1, key='{synced.prefix}'" in repr(synced)

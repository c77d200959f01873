"""mx.np / mx.npx: NumPy-semantics arrays on the operator registry."""
import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import np, npx


def test_creation_and_numpy_shapes():
    x = np.array(onp.arange(6, dtype="float32").reshape(2, 3))
    assert isinstance(x, np.ndarray) and isinstance(x, mx.nd.NDArray)
    assert x.sum().shape == () and x.sum().item() == 15.0
    assert x.sum(axis=0).shape == (3,)
    assert x[1].shape == (3,) and x[1][2].shape == () and x[1][2].item() == 5.0
    assert np.zeros(3).dtype == onp.float32 and np.arange(4).shape == (4,)
    assert np.dot(np.ones(3), np.ones(3)).shape == ()
    assert isinstance(x + 1, np.ndarray) and isinstance(x * x, np.ndarray)
    assert x.reshape(-1).shape == (6,) and x.reshape(3, -1).shape == (3, 2)
    assert np.squeeze(np.ones((1, 3, 1)), axis=0).shape == (3, 1)
    assert type(x.as_nd_ndarray()) is mx.nd.NDArray


def test_split_concatenate_round_trip():
    x = np.random.uniform(size=(5, 4))
    assert x.shape == (5, 4) and np.random.uniform().shape == ()
    pieces = np.array_split(x, 3, axis=0)
    assert [p.shape[0] for p in pieces] == [2, 2, 1]
    onp.testing.assert_array_equal(np.concatenate(pieces, axis=0).asnumpy(), x.asnumpy())
    with pytest.raises(ValueError):
        np.split(x, 3, axis=0)
    parts = mx.gluon.utils.split_data(x, 2, batch_axis=1)
    assert all(isinstance(p, np.ndarray) for p in parts)


def test_autograd_through_np_arrays():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    a.attach_grad()
    with mx.autograd.record():
        loss = (a * a).sum()
    loss.backward()
    assert loss.shape == ()
    assert isinstance(a.grad, np.ndarray)
    onp.testing.assert_allclose(a.grad.asnumpy(), 2 * a.asnumpy())


def test_npx_switches():
    assert not npx.is_np_array()
    npx.set_np()
    try:
        assert npx.is_np_array() and npx.is_np_shape()
    finally:
        npx.reset_np()
    assert not npx.is_np_array() and not npx.is_np_shape()
    onp.testing.assert_allclose(npx.relu(np.array([-1.0, 2.0])).asnumpy(), [0.0, 2.0])


def test_numpy_semantics_reach_gluon_outputs_and_methods():
    """As MXNet 1.9.1 under npx.set_np(): a block's outputs are mx.np arrays (a loss's mean
    is 0-d and converts to float), methods return mx.np arrays with NumPy's results."""
    npx.set_np()
    try:
        net = mx.gluon.nn.Sequential()
        net.add(mx.gluon.nn.Dense(3, activation="relu"), mx.gluon.nn.Dense(1))
        net.initialize()
        x, y = np.ones((4, 2)), np.ones((4, 1))
        with mx.autograd.record():
            loss = mx.gluon.loss.L2Loss()(net(x), y)
        loss.backward()
        assert isinstance(loss, np.ndarray) and loss.mean().shape == ()
        assert isinstance(float(loss.mean()), float) and int(np.array(2.7)) == 2
        with pytest.raises(TypeError, match="size-1"):
            float(np.ones(2))
        scores = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
        assert scores.argmax(axis=1).dtype == onp.int64
        assert scores.argmax(axis=1).asnumpy().tolist() == [2, 2]
        assert isinstance(scores.exp(), np.ndarray) and scores.flatten().shape == (6,)
        assert (np.ones((2, 3)) @ np.ones((3, 4))).shape == (2, 4)
        assert repr(scores.dtype) == "dtype('float32')" and str((scores > 0).dtype) == "bool"
        assert type(mx.nd.ones(2).dtype) is type  # the legacy NDArray's is the scalar type
    finally:
        npx.reset_np()

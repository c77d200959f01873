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

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


@pytest.mark.parametrize("indices", [[2, 2], [0, 3], [3, 10], [4, 2], [-2], [-9, 2]])
def test_split_at_indices_gives_numpy_pieces_empty_ones_too(indices):
    host = onp.arange(12, dtype="float32").reshape(2, 6)
    x = np.array(host)
    x.attach_grad()
    with mx.autograd.record():
        pieces = np.split(x, indices, axis=-1)
        total = sum((p * p).sum() for p in pieces)
    total.backward()
    expected = onp.split(host, indices, axis=-1)
    assert [p.shape for p in pieces] == [e.shape for e in expected]
    for piece, want in zip(pieces, expected):
        onp.testing.assert_array_equal(piece.asnumpy(), want)
    covered = onp.zeros(6)
    for begin, end in [slice(b, e).indices(6)[:2] for b, e in
                       zip([0] + indices, indices + [6])]:
        covered[begin:end] += 1
    onp.testing.assert_allclose(x.grad.asnumpy(), 2 * host * covered)


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


def test_indexing_every_axis_by_integer_gives_0d():
    x = np.array(onp.arange(24, dtype="int32").reshape(2, 3, 4))
    assert x[1, 2, 3].shape == () and x[1, 2, 3].item() == 23
    assert np.array(3.5)[()].shape == ()
    with mx.autograd.record():
        assert x[0, 1, 2].shape == ()


def test_scalar_boolean_index_adds_an_axis():
    x = np.array([[1, 2], [3, 4]], dtype="int32")
    assert x[np.array(True, dtype="bool")].shape == (1, 2, 2)
    assert x[np.array(False, dtype="bool")].shape == (0, 2, 2)
    assert x[True].shape == (1, 2, 2)


def test_only_c_order_and_format():
    x = np.array([2, 3], dtype="int32")
    for make in (lambda: np.empty((2,), "float32", "F"), lambda: np.zeros(2, order="F"),
                 lambda: np.ones(2, order="F"), lambda: x.copy(order="F")):
        with pytest.raises(NotImplementedError, match="order"):
            make()
    assert x.copy(order="C").asnumpy().tolist() == [2, 3]
    assert "{:0.3g}".format(np.array(onp.pi)) == "3.14"
    assert "{}".format(np.array([1.5])) == "[1.5]"
    with pytest.raises(TypeError, match="format_spec"):
        "{:30}".format(np.array([1.5]))


@mx.util.use_np
def test_multinomial_of_nothing_is_empty():
    assert np.random.multinomial(10, [0.5, 0.5], size=(0, 2)).shape == (0, 2, 2)
    assert np.random.multinomial(10, []).shape == (0,)
    assert np.random.multinomial(10, np.array([]), size=(3,)).shape == (3, 0)


@mx.util.use_np
def test_numpy_symbols_slice_broadcast_and_compare():
    class Block(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x, y):
            return x < y, x[:, -1], x.dot(y.T), x[1], x[::-1, 0:2], x + y[0]

    x = np.array([[1., 2, 3], [4, 5, 6]])
    y = np.array([[2., 2, 2], [2, 2, 2]])
    block = Block()
    block.hybridize()
    less, last, product, row, flipped, summed = block(x, y)
    assert less.dtype == onp.bool_ and less.asnumpy().tolist()[0] == [True, False, False]
    assert last.asnumpy().tolist() == [3., 6.] and row.asnumpy().tolist() == [4., 5., 6.]
    assert product.asnumpy().tolist() == [[12., 12.], [30., 30.]]
    assert flipped.asnumpy().tolist() == [[4., 5.], [1., 2.]]
    assert summed.shape == (2, 3)
    sym = mx.sym.var("a")
    assert isinstance(sym * 2, mx.sym.np._Symbol)
    with pytest.raises(ValueError, match="step cannot be zero"):
        sym[::0]
    assert type(sym.as_np_ndarray().as_nd_ndarray()) is mx.sym.Symbol


def test_legacy_symbol_becomes_numpy_symbol():
    sym = mx.sym.var("b")
    assert type(sym) is mx.sym.Symbol
    assert type(sym.as_np_ndarray()) is mx.sym.np._Symbol

"""Gluon under NumPy semantics (``npx.set_np()``), as D2L's MXNet chapters use it: MXNet
1.9.1 makes parameters, gradients and data batches as ``mx.np`` arrays, and a deferred
shape is written with -1 (values read from MXNet 1.9.1, 2026-12-07)."""
import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon, init, np, npx
from symjax_mx.gluon import nn


@pytest.fixture(autouse=True)
def numpy_semantics():
    npx.set_np()
    yield
    npx.reset_np()


def test_parameters_and_gradients_are_numpy_arrays():
    net = nn.Sequential()
    net.add(nn.Dense(3))
    net.initialize(init.Constant(0.1))
    x = np.arange(8).reshape(2, 4).astype("float32")
    with autograd.record():
        loss = (net(x) ** 2).sum()
    loss.backward()
    weight = net[0].weight
    assert isinstance(weight.data(), np.ndarray) and isinstance(weight.grad(), np.ndarray)
    onp.testing.assert_allclose(weight.grad().asnumpy(), [[17.6, 23.2, 28.8, 34.4]] * 3,
                                rtol=1e-5)
    assert (weight.data() == weight.data()).dtype == onp.bool_  # NumPy's comparison
    assert loss.shape == ()


def test_parameters_made_before_numpy_semantics_stay_ndarrays():
    npx.reset_np()
    dense = nn.Dense(2, in_units=3)
    dense.initialize()
    npx.set_np()
    assert type(dense.weight.data()) is mx.nd.NDArray


def test_save_and_load_parameters_of_deferred_shapes(tmp_path):
    def mlp():
        net = nn.Sequential()
        net.add(nn.Dense(6, activation="relu"), nn.Dense(2))
        return net
    net = mlp()
    net.initialize(init.Constant(0.3))
    x = np.ones((2, 5))
    expected = net(x)
    net.save_parameters(str(tmp_path / "mlp.params"))
    clone = mlp()
    assert clone[0].weight.shape == (6, -1)  # NumPy shape semantics: unknown is -1
    clone.load_parameters(str(tmp_path / "mlp.params"))
    assert clone[0].weight.shape == (6, 5)
    onp.testing.assert_allclose(clone(x).asnumpy(), expected.asnumpy())


def test_shared_parameters_with_deferred_shapes():
    shared = nn.Dense(4, activation="relu")
    net = nn.Sequential()
    net.add(nn.Dense(4, activation="relu"), shared,
            nn.Dense(4, activation="relu", params=shared.params), nn.Dense(2))
    net.initialize(init.Constant(0.1))
    out = net(np.ones((2, 3)))
    assert net[1].weight.data() is net[2].weight.data()
    onp.testing.assert_allclose(out.asnumpy(), [[0.0192] * 2] * 2, rtol=1e-4)


def test_data_loader_batches_are_numpy_arrays():
    data = np.arange(40).reshape(10, 4).astype("float32")
    label = np.arange(10).astype("float32")
    batches = list(gluon.data.DataLoader(gluon.data.ArrayDataset(data, label), 4))
    assert len(batches) == 3
    assert all(isinstance(part, np.ndarray) for batch in batches for part in batch)
    assert batches[-1][1].asnumpy().tolist() == [8.0, 9.0]


def test_detached_copies_and_methods_keep_numpy_semantics():
    x = np.arange(4.0)
    x.attach_grad()
    with autograd.record():
        y = x * x
        u = y.detach()
        z = u * x
    z.backward()
    assert isinstance(u, np.ndarray) and isinstance(x.copyto(mx.cpu()), np.ndarray)
    assert (x.grad == u).dtype == onp.bool_ and bool((x.grad == u).all())
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert a.transpose(1, 0).asnumpy().tolist() == [[1.0, 3.0], [-2.0, 4.0]]
    assert a.transpose((1, 0)).shape == (2, 2) and a.transpose().shape == (2, 2)
    assert a.argmin().shape == () and int(a.argmin()) == 1
    assert a.prod().shape == () and float(a.prod()) == -24.0
    assert np.array([[5.0]]).squeeze().shape == ()
    assert np.sum(np.array([1.0, 2.0]), axis=0).shape == ()
    assert np.sum(np.ones((2, 3)), axis=(0, 1)).shape == ()
    assert np.sum(np.ones((2, 3)), axis=1).shape == (2,)


def _train_two_steps(make_array):
    net = nn.HybridSequential()
    net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    net.initialize(init.Constant(0.1))
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.L2Loss()
    data = make_array(onp.arange(15, dtype=onp.float32).reshape(3, 5) / 10)
    for _ in range(2):
        with autograd.record():
            loss = loss_fn(net(data), make_array(onp.ones((3, 2), onp.float32)))
        loss.backward()
        trainer.step(3)
    return loss, net[0].weight.data()


def test_training_step_is_one_joined_program(monkeypatch):
    from symjax_mx.gluon import _fused_update
    calls = []
    joined = _fused_update._joined
    monkeypatch.setattr(_fused_update, "_joined", lambda *args: calls.append(1) or joined(*args))
    loss, weight = _train_two_steps(np.array)
    assert calls == [1]  # made once, for the backward and the update together
    assert isinstance(weight, np.ndarray) and isinstance(loss, np.ndarray)
    npx.reset_np()
    legacy_loss, legacy_weight = _train_two_steps(mx.nd.array)
    onp.testing.assert_allclose(loss.asnumpy(), legacy_loss.asnumpy(), rtol=1e-6)
    onp.testing.assert_allclose(weight.asnumpy(), legacy_weight.asnumpy(), rtol=1e-6)
    assert not onp.allclose(weight.asnumpy(), 0.1)  # the steps changed it


class _NumpyOps(gluon.HybridBlock):
    """F.np and F.npx in hybrid_forward, as D2L's hybridization chapter writes them."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = nn.Dense(4)

    def hybrid_forward(self, F, x):
        h = F.npx.relu(self.hidden(x))
        total = F.np.sum(F.np.exp(x) * 2, axis=1) + F.np.ones((2,))
        scaled = F.np.multiply(h, F.np.expand_dims(total, axis=1))
        return (F.np.maximum(scaled, 0.5), F.np.sum(h), F.np.argmax(x, axis=1),
                F.np.less(x, 0.5), F.npx.reshape(h, (-2, 2, 2)))


def test_hybrid_forward_uses_f_np_and_f_npx_eagerly_and_hybridized():
    block = _NumpyOps()
    block.initialize(init.Constant(0.1))
    x = np.array([[0.1, 0.7, 0.3], [0.9, 0.2, 0.4]])
    eager = block(x)
    block.hybridize()
    compiled = block(x)
    for a, b in zip(eager, compiled):
        assert isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
        onp.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6)
    assert compiled[1].shape == () and compiled[2].dtype == onp.int64
    assert compiled[3].dtype == onp.bool_ and compiled[4].shape == (2, 2, 2)
    onp.testing.assert_allclose(compiled[1].asnumpy(), 1.04, rtol=1e-5)  # zero biases
    assert mx.nd.np is np and mx.nd.npx is npx
    assert mx.sym.np.sum is not np.sum and callable(mx.sym.npx.batch_dot)


def test_autograd_grad_of_numpy_arrays_gives_numpy_arrays():
    x = np.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x ** 3
        first = autograd.grad(y, [x], create_graph=True)[0]
    first.backward()
    assert isinstance(first, np.ndarray) and first.asnumpy().tolist() == [3.0, 12.0]
    assert x.grad.asnumpy().tolist() == [6.0, 12.0]


def test_symbol_numpy_bounds_with_scalars():
    x = mx.sym.var("x")
    data = {"x": mx.nd.array([-1.0, 0.7, 3.0])}
    for out, expected in ((mx.sym.np.maximum(x, 0.5), [0.5, 0.7, 3.0]),
                          (mx.sym.np.minimum(2, x), [-1.0, 0.7, 2.0]),
                          (mx.sym.np.clip(x, None, 1), [-1.0, 0.7, 1.0]),
                          (mx.sym.np.clip(x, 0, None), [0.0, 0.7, 3.0])):
        executor = out.bind(mx.cpu(), data)
        executor.forward()
        onp.testing.assert_allclose(executor.outputs[0].asnumpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("name, dtype, expected", [
    ("sum", "int32", "int32"), ("sum", "bool", "int64"), ("prod", "bool", "int64"),
    ("mean", "int32", "float32"), ("mean", "uint8", "float32"), ("mean", "float16", "float16"),
    ("max", "bool", "bool"), ("min", "int8", "int8")])
def test_reduction_dtypes_are_mxnets(name, dtype, expected):
    """MXNet 1.9.1's mx.np: an integer mean is float32 (not truncated), a boolean sum or
    product int64; the same eagerly and in a graph."""
    a = np.array([[1, 2, 3], [4, 5, 7]]).astype(dtype)
    eager = getattr(np, name)(a, axis=(0, 1))
    assert eager.shape == () and eager.dtype == onp.dtype(expected)
    reference = getattr(onp, name)(a.asnumpy().astype("float64"))
    onp.testing.assert_allclose(float(eager), reference, rtol=1e-3)
    symbol = getattr(mx.sym.np, name)(mx.sym.var("x"), axis=(0, 1))
    assert symbol.infer_type(x=dtype)[1] == [onp.dtype(expected)]
    assert symbol.infer_shape(x=(2, 3))[1] == [()]


def test_symbol_reductions_record_mxnets_numpy_operators():
    """Node records as MXNet 1.9.1's mx.sym.np writes them: _np_sum named sum0, only the
    given attributes (the mean's keepdims always)."""
    import json
    x = mx.sym.var("x")
    with mx.name.NameManager():
        records = [json.loads(s.tojson())["nodes"][-1] for s in (
            mx.sym.np.sum(x, axis=(0, 1)), mx.sym.np.mean(x, axis=1),
            mx.sym.np.max(x), mx.sym.np.prod(x, axis=1, dtype="float64", keepdims=True))]
    assert [(r["op"], r["name"], r.get("attrs")) for r in records] == [
        ("_np_sum", "sum0", {"axis": "(0, 1)"}),
        ("_npi_mean", "mean0", {"axis": "1", "keepdims": "False"}),
        ("_np_max", "max0", None),
        ("_np_prod", "prod0", {"axis": "1", "dtype": "float64", "keepdims": "True"})]
    executor = mx.sym.np.sum(x, axis=(0, 1)).bind(mx.cpu(), {"x": mx.nd.ones((2, 3))})
    executor.forward()
    assert executor.outputs[0].shape == () and float(executor.outputs[0].asnumpy()) == 6.0


def test_deferred_weight_shape_from_a_dot_product():
    """MXNet's test_optimizer_with_np_ndarrays: ``x.dot(w1)`` with w1 declared (0, 100)
    completes w1's shape from x, and a hybridized block trains on it."""
    class Regression(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.w1 = self.params.get("w1", shape=(0, 4), allow_deferred_init=True)
                self.w2 = self.params.get("w2", shape=(4, 2), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w1, w2):
            return F.npx.relu(x.dot(w1)).dot(w2)

    net = Regression()
    net.initialize(init.Constant(0.1))
    net.hybridize()
    x = np.ones((3, 5))
    assert net(x).shape == (3, 2) and net.w1.shape == (5, 4)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})
    with autograd.record():
        loss = ((net(x) - 1) ** 2).sum()
    loss.backward()
    trainer.step(3)
    onp.testing.assert_allclose(float(loss), 3 * 2 * (0.2 - 1) ** 2, rtol=1e-5)
    x = mx.sym.var("x")
    assert mx.sym.dot(x, mx.sym.var("w", shape=(-1, 7))).infer_shape(x=(2, 5))[0][1] == (5, 7)

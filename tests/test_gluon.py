"""Gluon core: names (as MXNet 1.9.1 gives them), deferred initialisation, parameters,
hybridize (== eager, one program, recorded), hooks, errors, Trainer and a training loop."""
import ctypes
import warnings

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon
from symjax_mx.base import NDArrayHandle, py_str
from symjax_mx.gluon import nn


def mlp(**kwargs):
    net = nn.HybridSequential(**kwargs)
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    return net


def test_names_follow_mxnet():
    # golden: printed by MXNet 1.9.1 for the same constructions
    net = nn.HybridSequential(prefix="seq_")
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu"), nn.Conv2D(3, 3), nn.BatchNorm(),
                nn.Activation("tanh"), nn.MaxPool2D(), nn.Conv2DTranspose(2, 3), nn.PReLU())
    assert list(net.collect_params().keys()) == [
        "seq_dense0_weight", "seq_dense0_bias", "seq_conv0_weight", "seq_conv0_bias",
        "seq_batchnorm0_gamma", "seq_batchnorm0_beta", "seq_batchnorm0_running_mean",
        "seq_batchnorm0_running_var", "seq_conv1_weight", "seq_conv1_bias",
        "seq_prelu0_alpha"]
    assert [b.name for b in net._children.values()] == [
        "seq_dense0", "seq_conv0", "seq_batchnorm0", "seq_tanh0", "seq_pool0", "seq_conv1",
        "seq_prelu0"]
    assert net[0].act.name == "seq_dense0_relu"
    first, second = nn.Dense(1), nn.Dense(1)
    assert int(second.name[5:]) == int(first.name[5:]) + 1
    assert sorted(net._collect_params_with_prefix()) == [
        "0.bias", "0.weight", "1.bias", "1.weight", "2.beta", "2.gamma", "2.running_mean",
        "2.running_var", "5.bias", "5.weight", "6.alpha"]
    assert list(net.collect_params("seq_conv.*_weight|.*alpha").keys()) == [
        "seq_conv0_weight", "seq_conv1_weight", "seq_prelu0_alpha"]


def test_shared_params_and_custom_block():
    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.a = nn.Dense(2, in_units=2)
                self.b = nn.Dense(2, in_units=2, params=self.a.params)
                self.c = self.params.get("c", shape=(2,), init=mx.init.One())

        def hybrid_forward(self, F, x, c):
            return F.broadcast_add(self.b(self.a(x)), c)

    net = Net(prefix="net_")
    assert list(net.collect_params().keys()) == ["net_c", "net_dense0_weight",
                                                 "net_dense0_bias"]
    assert net.a.weight is net.b.weight
    net.initialize(mx.init.One())
    x = mx.nd.array([[1., 2.]])
    np.testing.assert_allclose(net(x).asnumpy(), [[7., 7.]])
    net.hybridize()
    np.testing.assert_allclose(net(x).asnumpy(), [[7., 7.]])


def test_deferred_initialization_and_errors():
    net = mlp()
    weight = net[0].weight
    assert weight.shape == (4, 0)
    with pytest.raises(RuntimeError, match="has not been initialized"):
        weight.data()
    net.initialize()
    with pytest.raises(gluon.DeferredInitializationError, match="deferred"):
        weight.data()
    net(mx.nd.ones((3, 5)))
    assert weight.shape == (4, 5) and weight.data().shape == (4, 5)
    with pytest.raises(mx.MXNetError):
        net(mx.nd.ones((3, 6)))  # in_units is now 5
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.initialize()
    assert "already initialized" in str(caught[0].message)
    with pytest.raises(ValueError, match="invalid shape"):
        gluon.Parameter("p", shape=(2, 0)).initialize()
    with pytest.raises(RuntimeError, match=r"not initialized on context cpu\(1\)"):
        weight.data(mx.cpu(1))


def test_hybridize_matches_eager_and_records_one_node():
    net = mlp()
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(0).randn(3, 5))
    with autograd.record():
        eager = net(x)
        eager_loss = (eager * eager).sum()
    eager_loss.backward()
    eager_grads = [p.grad().asnumpy().copy() for p in net.collect_params().values()]
    net.hybridize(static_alloc=True, static_shape=True)
    with autograd.record():
        hybrid = net(x)
        loss = (hybrid * hybrid).sum()
    node = hybrid._entry[0]
    assert node.op.name == "_CachedOp"  # the whole network is one recorded operation
    loss.backward()
    np.testing.assert_allclose(hybrid.asnumpy(), eager.asnumpy(), rtol=1e-5, atol=1e-6)
    for param, grad in zip(net.collect_params().values(), eager_grads):
        np.testing.assert_allclose(param.grad().asnumpy(), grad, rtol=1e-5, atol=1e-6)
    # the traced graph is MXNet's: node names under the block's prefix
    assert net._cached_graph[1].list_arguments() == ["data"] + list(
        net.collect_params().keys())
    # a new input shape gets another operator; the recorded one stays cached
    assert net(mx.nd.ones((7, 5))).shape == (7, 2)
    assert len(net._cached_op._ops) == 2


def test_batchnorm_train_and_predict_hybridized_agree_with_eager():
    def build():
        net = nn.HybridSequential(prefix="bn_")
        with net.name_scope():
            net.add(nn.Conv2D(2, 3, in_channels=1), nn.BatchNorm(in_channels=2),
                    nn.Activation("relu"), nn.MaxPool2D(), nn.Flatten(), nn.Dense(3))
        net.initialize(mx.init.One())
        return net
    x = mx.nd.array(np.random.RandomState(1).rand(2, 1, 6, 6))
    eager, hybrid = build(), build()
    hybrid.hybridize()
    for net in (eager, hybrid):
        with autograd.record():
            out = net(x)
        out.backward()
    np.testing.assert_allclose(hybrid(x).asnumpy(), eager(x).asnumpy(), rtol=1e-5)
    mean_e = eager[1].running_mean.data().asnumpy()
    mean_h = hybrid[1].running_mean.data().asnumpy()
    np.testing.assert_allclose(mean_h, mean_e, rtol=1e-5)


def test_symbol_input_gives_symbol_and_symbolblock():
    net = mlp(prefix="m_")
    out = net(mx.sym.var("data"))
    assert isinstance(out, mx.sym.Symbol)
    assert out.list_arguments() == ["data", "m_dense0_weight", "m_dense0_bias",
                                    "m_dense1_weight", "m_dense1_bias"]
    block = gluon.SymbolBlock(out, mx.sym.var("data"))
    block.initialize(mx.init.One())
    x = mx.nd.ones((2, 3))
    np.testing.assert_allclose(block(x).asnumpy(), np.full((2, 2), 17.))
    # MXNet strips the longest common prefix, character-wise ("m_dense")
    assert sorted(block._reg_params) == ["0_bias", "0_weight", "1_bias", "1_weight"]


def test_hooks_summary_cast_zero_grad_reset_ctx(capsys):
    net = mlp()
    net.initialize()
    calls = []
    pre = net.register_forward_pre_hook(lambda block, inputs: calls.append("pre"))
    net.register_forward_hook(lambda block, inputs, out: calls.append(out.shape))
    x = mx.nd.ones((2, 3))
    net(x)
    pre.detach()
    net(x)
    assert calls == ["pre", (2, 2), (2, 2)]
    net.summary(x)
    assert "Total params: 26" in capsys.readouterr().out
    with autograd.record():
        y = net(x)
    y.backward()
    net.zero_grad()
    assert all(np.all(p.grad().asnumpy() == 0) for p in net.collect_params().values())
    net.cast("float64")
    assert net[0].weight.data().dtype == np.float64
    assert net(x.astype("float64")).dtype == np.float64
    before = net[0].weight.data().asnumpy()
    net.reset_ctx([mx.cpu(0), mx.cpu(1)])
    assert net[0].weight.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(net[0].weight.data(mx.cpu(1)).asnumpy(), before)


def test_constant_and_parameter_dict():
    params = gluon.ParameterDict("p_")
    const = params.get_constant("c", [1., 2.])
    assert const.name == "p_c" and const.grad_req == "null"
    weight = params.get("w", shape=(2, 0))
    assert params.get("w", shape=(0, 3)) is weight and weight.shape == (2, 3)
    with pytest.raises(AssertionError, match="desired attribute does not match"):
        params.get("w", lr_mult=2.0)
    params.initialize(mx.init.Zero())
    np.testing.assert_array_equal(const.data().asnumpy(), [1., 2.])
    np.testing.assert_array_equal(weight.data().asnumpy(), np.zeros((2, 3)))
    params.setattr("lr_mult", 0.5)
    assert weight.lr_mult == 0.5
    assert "Parameter p_w (shape=(2, 3)" in repr(params)
    with pytest.raises(ValueError, match="Children of HybridBlock must also be HybridBlock"):
        nn.HybridSequential().add(nn.Lambda("relu"))


def test_trainer_training_loop_reduces_loss_and_saves_states(tmp_path):
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.randn(16, 3))
    y = mx.nd.array(x.asnumpy() @ np.array([[1.], [-2.], [0.5]]))
    net = nn.Dense(1, in_units=3)
    net.initialize(mx.init.Zero())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1,
                                                          "momentum": 0.9})
    l2 = gluon.loss.L2Loss()
    losses = []
    for _ in range(20):
        with autograd.record():
            loss = l2(net(x), y)
        loss.backward()
        trainer.step(16)
        losses.append(loss.mean().asscalar())
    # golden: the same loop on MXNet 1.9.1 (momentum overshoots, then settles)
    np.testing.assert_allclose(losses[:8], [3.075, 2.3853, 1.3773, 0.4987, 0.0583, 0.115,
                                            0.4998, 0.9359], rtol=2e-3)
    assert losses[-1] < 0.1 * losses[0]
    with pytest.raises(UserWarning, match="has not been updated by backward"):
        trainer.step(16)
    trainer.step(16, ignore_stale_grad=True)
    trainer.save_states(str(tmp_path / "t.states"))
    other = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1,
                                                        "momentum": 0.9})
    other.load_states(str(tmp_path / "t.states"))
    assert other.learning_rate == 0.1
    other.set_learning_rate(0.01)
    assert other.learning_rate == 0.01


@pytest.mark.parametrize("hybridize", [False, True])
def test_trainer_data_parallel_over_two_contexts(hybridize):
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = nn.Dense(1, in_units=2)
    net.initialize(mx.init.One(), ctx=contexts)
    net.hybridize(hybridize, inline_limit=0)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1.0})
    data = gluon.utils.split_and_load(mx.nd.array([[1., 2.], [3., 4.]]), contexts)
    with autograd.record():
        outs = [net(part) for part in data]
    for out in outs:
        out.backward()
    trainer.step(2)
    # gradient of the summed outputs: the column sums [4, 6], averaged over the batch of 2
    for ctx in contexts:
        np.testing.assert_allclose(net.weight.data(ctx).asnumpy(), [[1 - 2., 1 - 3.]])


def test_none_arguments_and_input_format():
    class Add(gluon.HybridBlock):
        def hybrid_forward(self, F, a, b=None):
            return a if b is None else a + b

    eager, hybrid = Add(), Add()
    hybrid.hybridize()
    one = mx.nd.ones((2,))
    for net in (eager, hybrid):
        np.testing.assert_array_equal(net(one, None).asnumpy(), [1., 1.])
    np.testing.assert_array_equal(hybrid(one).asnumpy(), [1., 1.])  # trailing None dropped
    with pytest.raises(ValueError, match="does not match the cached version"):
        hybrid(one, one)
    with pytest.raises(ValueError, match="there must be one NDArray or one Symbol"):
        hybrid(None, None)
    with pytest.raises(ValueError, match="mixed NDArrays and Symbols"):
        eager(one, mx.sym.var("b"))


def test_parameter_storage_types():
    with pytest.raises(AssertionError, match="must be one of 'default'"):
        gluon.Parameter("w", shape=(2,), stype="invalid")
    with pytest.raises(AssertionError, match="grad_stype for Parameter 'w' must be one of"):
        gluon.Parameter("w", shape=(2,), grad_stype="coo")


def test_blocks_in_a_list_warn_and_legacy_params_files(tmp_path):
    class Listed(gluon.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.layers = [nn.Dense(2)]

    with pytest.warns(UserWarning, match="unregistered container with Blocks"):
        Listed().collect_params()
    net = mlp()
    net.initialize()
    net(mx.nd.ones((1, 3)))
    path = str(tmp_path / "legacy.params")
    with pytest.warns(UserWarning, match="save_params is deprecated"):
        net.save_params(path)
    assert sorted(mx.nd.load(path))[0] == "dense0_bias"
    with pytest.warns(UserWarning, match="load_params is deprecated"):
        net.load_params(path)


def test_summary_prints_mxnet_table(capsys):
    import os
    import runpy
    golden = os.path.join(os.path.dirname(__file__), "golden", "gluon")
    runpy.run_path(os.path.join(golden, "make_summary_golden.py"), run_name="symjax_mx:golden")
    with open(os.path.join(golden, "summary.txt")) as expected:
        assert capsys.readouterr().out == expected.read()
    net = mlp()
    net.initialize()
    net.hybridize()
    with pytest.raises(AssertionError, match="must not be hybridized"):
        net.summary(mx.nd.ones((1, 3)))


def test_save_parameters_deduplicates_shared_parameters(tmp_path):
    def build():
        net = nn.HybridSequential()
        with net.name_scope():
            first = nn.Dense(2, in_units=2)
            net.add(first, nn.Dense(2, in_units=2, params=first.params))
        return net
    net = build()
    net.initialize()
    path = str(tmp_path / "shared.params")
    net.save_parameters(path, deduplicate=True)
    assert sorted(mx.nd.load(path)) == ["0.bias", "0.weight"]
    other = build()
    other.load_parameters(path)  # 1.weight is 0.weight: not missing
    np.testing.assert_array_equal(other[1].weight.data().asnumpy(),
                                  net[0].weight.data().asnumpy())
    net.save_parameters(path)
    assert len(mx.nd.load(path)) == 4


def test_unhybridized_block_passes_scalars_hybridized_refuses_them():
    class Add(gluon.HybridBlock):
        def hybrid_forward(self, F, a, b):
            return a + b

    add = Add()
    np.testing.assert_array_equal(add(mx.nd.ones((2,)), 1).asnumpy(), [2., 2.])
    add.hybridize()
    with pytest.raises(ValueError, match="must be \\(nested\\) list of Symbol or NDArray"):
        add(mx.nd.ones((2,)), 1)
    with pytest.raises(ValueError, match="only supports one input context"):
        add(mx.nd.ones((2,), ctx=mx.cpu(1)), mx.nd.ones((2,), ctx=mx.cpu(2)))


def test_inline_limit_records_small_graphs_operator_by_operator():
    import json
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3), nn.Dense(3), nn.Dense(3))
    net.initialize()
    x = mx.nd.ones((1, 3))
    ops = []
    for limit in (3, 0):
        net.hybridize(inline_limit=limit)
        with autograd.record():
            y = net(x)
        nodes = json.loads(autograd.get_symbol(y).tojson())["nodes"]
        ops.append([n["op"] for n in nodes if n["op"] != "null"])
        y.backward()
        assert net[0].weight.grad().shape == (3, 3)
    assert ops == [["FullyConnected"] * 3, ["_CachedOp"]]
    assert len(nodes) == 8  # data, 6 parameters and the block: saved values are not inputs


def test_symbol_block_refuses_row_sparse_parameters():
    data = mx.sym.var("data")
    weight = mx.sym.var("weight", stype="row_sparse")
    out = mx.sym.broadcast_add(mx.sym.dot(data, weight), mx.sym.var("bias"))
    with pytest.raises(AssertionError, match="storage type is 'row_sparse'"):
        gluon.SymbolBlock(out, data)


def test_parameters_on_another_context_are_named():
    dense = nn.Dense(2, in_units=3)
    dense.initialize()
    x = mx.nd.ones((1, 3), ctx=mx.cpu(1))
    for hybridize in (False, True):
        dense.hybridize(hybridize)
        with pytest.raises(RuntimeError, match=r"Parameter 'dense\d+_weight' was not "
                                               r"initialized on context cpu\(1\)"):
            dense(x)


def test_selu_rounds_scale_times_alpha_like_mxnet():
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    x = mx.nd.array([-0.1, -1.3, -0.7])
    expected = scale * alpha * mx.nd.expm1(x)
    assert (mx.gluon.nn.SELU()(x) == expected).asnumpy().all()


def test_op_hook_sees_each_operator_of_a_hybridized_block():
    model = mx.gluon.nn.HybridSequential("dense_")
    with model.name_scope():
        model.add(mx.gluon.nn.Dense(2), mx.gluon.nn.Activation("relu"))
    model.initialize()
    model.hybridize()
    seen = []
    def hook(name, op, handle):  # MXNet's convention: bytes and an NDArray handle
        array = mx.nd.NDArray(ctypes.cast(handle, NDArrayHandle))
        seen.append((py_str(name), py_str(op), array.shape))
    model.register_op_hook(hook, True)
    out = model(mx.nd.ones((2, 3)))
    assert [s[0] for s in seen] == [
        "dense_dense0_fwd_data", "dense_dense0_fwd_weight", "dense_dense0_fwd_bias",
        "dense_dense0_fwd_output", "dense_relu0_fwd_input0", "dense_relu0_fwd_output"]
    assert seen[-1][1] == "Activation" and seen[-1][2] == out.shape


def test_trainer_step_updates_all_parameters_in_one_program_like_per_parameter_updates():
    def train(fused):
        net = mx.gluon.nn.Dense(3, in_units=4, prefix="fused_")
        net.initialize(mx.init.Constant(0.5))
        trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                                   {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01})
        if not fused:
            trainer._fused_update.supports = lambda optimizer, grads: False
        x = mx.nd.array(np.arange(8).reshape(2, 4))
        for step in range(3):
            if step == 2:
                trainer.set_learning_rate(0.05)
            with mx.autograd.record():
                loss = (net(x) ** 2).sum()
            loss.backward()
            trainer.step(2)
        return [p.data().asnumpy() for p in net.collect_params().values()]

    for fused, single in zip(train(True), train(False)):
        np.testing.assert_allclose(fused, single, rtol=1e-6)
        assert fused.dtype == np.float32


def test_deferred_shapes_under_numpy_shape_semantics():
    dense = mx.gluon.nn.Dense(16)
    assert dense.weight.shape == (16, 0)
    with mx.np_shape(True):
        assert dense.weight.shape == (16, -1)
        dense.initialize()
        assert dense(mx.nd.zeros((2, 20))).shape == (2, 16)
        assert dense.weight.shape == (16, 20)


def test_recorded_hybrid_forward_backward_uses_the_forward_dropout_mask_and_statistics():
    class Scaled(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.drop = nn.Dropout(0.5)

        def hybrid_forward(self, F, x):
            return self.drop(x * 2) * 3

    net = Scaled()
    net.hybridize()
    x = mx.nd.array(np.arange(1, 41, dtype="float32").reshape(4, 10))
    x.attach_grad()
    with autograd.record():
        y = net(x)
    y.backward()
    assert net(x).shape == y.shape and 0 < (y.asnumpy() == 0).sum() < 40
    np.testing.assert_allclose(x.grad.asnumpy() * x.asnumpy(), y.asnumpy(), rtol=1e-6)

    bn = nn.HybridSequential()
    bn.add(nn.Dense(4, in_units=4), nn.BatchNorm(in_channels=4))
    bn.initialize()
    bn.hybridize()
    before = bn[1].running_mean.data().asnumpy().copy()
    with autograd.record():
        loss = bn(x[:, :4]).sum()
    loss.backward()
    assert not np.allclose(bn[1].running_mean.data().asnumpy(), before)


def test_trainer_does_not_update_on_a_store_without_optimizer_support():
    x = gluon.Parameter("x", shape=(4,))
    x.initialize(ctx=[mx.cpu(0), mx.cpu(1)], init="zeros")
    store = mx.kv.create("teststore")
    trainer = gluon.Trainer([x], "sgd", {"learning_rate": 1.0}, kvstore=store)
    with autograd.record():
        for w in x.list_data():
            (w + 1).backward()
    trainer.step(1)
    assert trainer._update_on_kvstore is False
    np.testing.assert_array_equal(x.data(mx.cpu(1)).asnumpy(), -2)
    with pytest.raises(ValueError, match="update_on_kvstore=False"):
        gluon.Trainer([x], "sgd", kvstore=store, update_on_kvstore=True)._init_kvstore()


def test_higher_order_gradient_through_a_hybridized_block_matches_eager():
    def second_gradient(hybridize):
        net = nn.HybridSequential()
        net.add(nn.Dense(3, in_units=2, activation="tanh"), nn.Dense(1, in_units=3))
        net.initialize(mx.init.Constant(0.3))
        if hybridize:
            net.hybridize()
        x = mx.nd.array([[0.1, 0.2]])
        x.attach_grad()
        with mx.autograd.record():
            y = net(x)
            dx = mx.autograd.grad(y, [x], create_graph=True)[0]
            (dx * dx).sum().backward()
        return dx.asnumpy(), x.grad.asnumpy()
    for hybrid, eager in zip(second_gradient(True), second_gradient(False)):
        np.testing.assert_allclose(hybrid, eager, rtol=1e-5)


class _BatchNormTwice(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.bn = gluon.nn.BatchNorm(in_channels=2)

    def hybrid_forward(self, F, a, b):
        return self.bn(a).sum() + self.bn(b).sum()


_BN_X1, _BN_X2 = [[1.0, 2.0], [3.0, 6.0]], [[10.0, 20.0], [30.0, 60.0]]


@pytest.mark.parametrize("hybridize", [False, True])
def test_a_batchnorm_applied_twice_updates_its_moving_stats_twice(hybridize):
    """dcgan's discriminator sees real and fake batches in one backward: Gluon applies both
    moving-statistics updates, last call first (MXNet 1.9.1's values)."""
    net = _BatchNormTwice()
    net.initialize()
    if hybridize:
        net.hybridize()
    with mx.autograd.record():
        total = net(mx.nd.array(_BN_X1), mx.nd.array(_BN_X2))
    total.backward()
    np.testing.assert_allclose(net.bn.running_mean.data().asnumpy(), [2, 4], rtol=1e-5)
    np.testing.assert_allclose(net.bn.running_var.data().asnumpy(), [9.91, 37.21], rtol=1e-5)


def test_an_executor_updates_a_shared_moving_stat_in_graph_order():
    """MXNet 1.9.1's executor applies the two updates first node first."""
    x, y = mx.sym.Variable("x"), mx.sym.Variable("y")
    gamma, beta, mean, var = (mx.sym.Variable(n) for n in ("g", "b", "m", "v"))
    out = mx.sym.make_loss(
        mx.sym.sum(mx.sym.BatchNorm(x, gamma, beta, mean, var, fix_gamma=False))
        + mx.sym.sum(mx.sym.BatchNorm(y, gamma, beta, mean, var, fix_gamma=False)))
    exe = out.simple_bind(mx.cpu(), x=(2, 2), y=(2, 2))
    exe.arg_dict["x"][:] = _BN_X1
    exe.arg_dict["y"][:] = _BN_X2
    exe.arg_dict["g"][:] = 1
    exe.aux_dict["v"][:] = 1
    exe.forward(is_train=True)
    exe.backward()
    np.testing.assert_allclose(exe.aux_dict["m"].asnumpy(), [2.18, 4.36], rtol=1e-5)
    np.testing.assert_allclose(exe.aux_dict["v"].asnumpy(), [10.9, 41.17], rtol=1e-5)


def _cyclic_garbage(fn, steps=5):
    """The objects that only the garbage collector frees, left by ``steps`` calls of ``fn``
    (after warm-up calls)."""
    import gc
    for _ in range(3):
        fn()
    mx.nd.waitall()
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(steps):
            fn()
        mx.nd.waitall()
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


@pytest.mark.parametrize("hybridize", [True, False])
def test_a_training_step_leaves_no_reference_cycles(hybridize):
    # cycles wait for the garbage collector, whose full collections cost a hybridized MLP
    # step tens of microseconds on average (a recursive closure per call did this)
    net = mlp()
    net.initialize()
    if hybridize:
        net.hybridize()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    data, label = mx.nd.ones((3, 5)), mx.nd.array([0, 1, 1])

    def step():
        with autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(3)
    assert _cyclic_garbage(step) == []


def test_a_hybridized_block_reads_parameters_replaced_since_its_last_call():
    net = mlp()
    net.initialize()
    net.hybridize()
    x = mx.nd.ones((2, 5))
    net(x)
    net.initialize(mx.init.One(), force_reinit=True)  # new arrays; biases are zeros
    expected = np.maximum(np.ones((2, 5)) @ np.ones((5, 4)), 0) @ np.ones((4, 2))
    np.testing.assert_allclose(net(x).asnumpy(), expected, rtol=1e-6)
    net.cast("float64")
    out = net(x.astype("float64"))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)

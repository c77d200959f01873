"""BucketingModule, SequentialModule, Module.bind(shared_module=) and the executor group."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError
from symjax_mx.module.executor_group import DataParallelExecutorGroup


def _sym_gen(length):
    """A network whose graph depends on the bucket key but whose parameters do not."""
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    net = mx.sym.Reshape(net, shape=(-1, length, 3))
    net = mx.sym.sum(net, axis=1)
    return mx.sym.SoftmaxOutput(net, name="softmax"), ("data",), ("softmax_label",)


def _batch(length, key):
    data = mx.nd.array(np.random.RandomState(length).rand(2 * length, 4))
    return mx.io.DataBatch([data], [mx.nd.array([0, 1])], bucket_key=key,
                           provide_data=[("data", (2 * length, 4))],
                           provide_label=[("softmax_label", (2,))])


def test_buckets_share_parameter_arrays_and_optimizer():
    mod = mx.mod.BucketingModule(_sym_gen, default_bucket_key=3)
    mod.bind([("data", (6, 4))], [("softmax_label", (2,))])
    mod.init_params(mx.init.Uniform(0.5))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5,
                                                          "momentum": 0.9})
    mod.forward_backward(_batch(2, 2))
    mod.update()
    default, other = mod._buckets[3], mod._buckets[2]
    assert other._exec.arg_dict["fc_weight"] is default._exec.arg_dict["fc_weight"]
    assert other._opt_states is default._opt_states
    after_first = mod.get_params()[0]["fc_weight"].asnumpy()
    momentum = np.asarray(default._opt_states["fc_weight"]).copy()
    assert np.abs(momentum).sum() > 0  # the other bucket's step updated the shared state
    mod.forward_backward(_batch(3, 3))
    mod.update()
    assert not np.allclose(mod.get_params()[0]["fc_weight"].asnumpy(), after_first)
    # the symbol of every bucket gets the same automatic names
    assert mod.symbol.list_arguments() == default.symbol.list_arguments()


def test_bucketing_fit_checkpoint_and_load(tmp_path):
    batches = [_batch(3, 3), _batch(2, 2), _batch(3, 3)]

    class Iter(mx.io.DataIter):
        provide_data = batches[0].provide_data
        provide_label = batches[0].provide_label
        default_bucket_key = 3

        def __iter__(self):
            return iter(batches)

        def reset(self):
            pass
    mod = mx.mod.BucketingModule(_sym_gen, default_bucket_key=3)
    mod.fit(Iter(), num_epoch=2, optimizer_params={"learning_rate": 0.1})
    assert sorted(mod._buckets) == [2, 3]
    prefix = str(tmp_path / "bucket")
    mod.save_checkpoint(prefix, 2)
    assert sorted(mx.nd.load(f"{prefix}.buckets")[0].asnumpy().tolist()) == [2, 3]
    assert mx.sym.load(f"{prefix}-2-symbol.json").list_arguments()[:2] == ["data", "fc_weight"]
    loaded = mx.mod.BucketingModule.load(prefix, 2, sym_gen=_sym_gen, default_bucket_key=3)
    loaded.bind([("data", (6, 4))], [("softmax_label", (2,))])
    for name, value in mod.get_params()[0].items():
        np.testing.assert_array_equal(loaded.get_params()[0][name].asnumpy(), value.asnumpy())
    with pytest.raises(MXNetError, match="default_bucket_key"):
        mx.mod.BucketingModule.load(prefix, 2, sym_gen=_sym_gen)


def test_grad_req_add_accumulates_across_buckets():
    def sym_gen(_):
        weight = mx.sym.Variable("a", shape=(1,), init=mx.init.One())
        return mx.sym.make_loss(mx.sym.broadcast_mul(mx.sym.Variable("data"), weight)), \
            ("data",), None
    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=10)
    mod.bind([("data", (2,))], grad_req="add")
    mod.init_params()
    for key in (10, 5):
        mod.forward_backward(mx.io.DataBatch([mx.nd.ones((2,))], None, bucket_key=key,
                                             provide_data=[("data", (2,))]))
    group = mod._curr_module._exec_group
    assert group.execs[0].grad_dict["a"].asscalar() == 4.0
    assert group.grad_req["a"] == "add" and mod._curr_module._grad_req == "add"


def test_sequential_module_chains_forward_and_backward():
    first = mx.mod.Module(mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=3,
                                                name="fc1"), label_names=None)
    second = mx.mod.Module(mx.sym.LinearRegressionOutput(
        mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=1, name="fc2"),
        name="out"), label_names=["out_label"])
    seq = mx.mod.SequentialModule().add(first).add(second, take_labels=True,
                                                   auto_wiring=True)
    seq.bind([("data", (4, 2))], [("out_label", (4, 1))], inputs_need_grad=True)
    seq.init_params(mx.init.Uniform(0.5))
    x = np.random.RandomState(0).rand(4, 2).astype(np.float32)
    seq.forward_backward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.zeros((4, 1))]))
    args = seq.get_params()[0]
    w1, b1 = args["fc1_weight"].asnumpy(), args["fc1_bias"].asnumpy()
    w2, b2 = args["fc2_weight"].asnumpy(), args["fc2_bias"].asnumpy()
    out = (x @ w1.T + b1) @ w2.T + b2
    np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), out, rtol=1e-5)
    # d(0.5 * out^2)/dx through both layers (LinearRegressionOutput's gradient is out - 0)
    np.testing.assert_allclose(seq.get_input_grads()[0].asnumpy(), out @ w2 @ w1, rtol=1e-4)
    assert seq.output_names == ["out_output"] and seq.label_names == ["out_label"]
    with pytest.raises(MXNetError, match="Unknown meta"):
        seq.add(first, take_label=True)


def test_sequential_module_fits_and_sets_every_parameter():
    """fit syncs each epoch with set_params(all parameters) on every sub-module, which
    ignores the other modules' parameters as MXNet's does (example/module/
    sequential_module.py)."""
    first = mx.mod.Module(mx.sym.Activation(mx.sym.FullyConnected(
        mx.sym.Variable("data"), num_hidden=4, name="fc1"), act_type="relu"),
        label_names=None)
    second = mx.mod.Module(mx.sym.SoftmaxOutput(mx.sym.FullyConnected(
        mx.sym.Variable("data"), num_hidden=2, name="fc2"), name="softmax"))
    seq = mx.mod.SequentialModule().add(first).add(second, take_labels=True,
                                                   auto_wiring=True)
    rng = np.random.RandomState(0)
    train = mx.io.NDArrayIter(rng.rand(8, 3), rng.randint(0, 2, 8), batch_size=4)
    seq.fit(train, eval_data=train, num_epoch=2, optimizer_params={"learning_rate": 0.1})
    args, _ = seq.get_params()
    assert sorted(args) == ["fc1_bias", "fc1_weight", "fc2_bias", "fc2_weight"]
    changed = {k: v + 1 for k, v in args.items()}
    seq.set_params(changed, {})
    np.testing.assert_array_equal(first.get_params()[0]["fc1_weight"].asnumpy(),
                                  changed["fc1_weight"].asnumpy())
    np.testing.assert_array_equal(second.get_params()[0]["fc2_bias"].asnumpy(),
                                  changed["fc2_bias"].asnumpy())


def test_sequential_module_refuses_duplicate_parameter_names():
    fc = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2, name="fc")
    seq = mx.mod.SequentialModule()
    seq.add(mx.mod.Module(fc, label_names=None))
    seq.add(mx.mod.Module(fc, label_names=None), auto_wiring=True)
    seq.bind([("data", (1, 2))], for_training=False)
    with pytest.raises(MXNetError, match="Duplicated parameter names"):
        seq.init_params()


def test_executor_group_splits_the_batch_and_shares_with_a_shared_group():
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2,
                                                     name="fc"), name="softmax")
    contexts = [mx.cpu(0), mx.cpu(1)]
    group = DataParallelExecutorGroup(net, contexts, [1, 1], [("data", (4, 3))],
                                      [("softmax_label", (4,))], ["fc_weight", "fc_bias"],
                                      for_training=True, inputs_need_grad=False)
    assert [e.arg_dict["data"].shape for e in group.execs] == [(2, 3), (2, 3)]
    weight = mx.nd.array(np.arange(6).reshape(2, 3) / 10)
    group.set_params({"fc_weight": weight, "fc_bias": mx.nd.zeros((2,))}, {})
    x = np.random.RandomState(0).rand(4, 3).astype(np.float32)
    group.forward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array([0, 1, 1, 0])]))
    logits = x @ weight.asnumpy().T
    expected = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(group.get_outputs()[0].asnumpy(), expected, rtol=1e-5)
    assert [len(parts) for parts in group.get_outputs(merge_multi_context=False)] == [2]
    shared = DataParallelExecutorGroup(net, contexts, [1, 1], [("data", (4, 3))],
                                       [("softmax_label", (4,))], ["fc_weight", "fc_bias"],
                                       for_training=True, inputs_need_grad=False,
                                       shared_group=group)
    for mine, theirs in zip(shared.execs, group.execs):
        assert mine.arg_dict["fc_weight"] is theirs.arg_dict["fc_weight"]
        assert mine.grad_dict["fc_weight"] is theirs.grad_dict["fc_weight"]
        assert mine.arg_dict["data"] is theirs.arg_dict["data"]
    assert shared.shared_data_arrays is group.shared_data_arrays

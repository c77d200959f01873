"""mx.mod.Module: training, the stepwise API, the fused step, data parallel, checkpoints."""
import logging
import warnings

import numpy as np
import pytest

import symjax_mx as mx

BATCH, FEATURES, CLASSES = 16, 10, 3


def mlp(batchnorm=False, dropout=False):
    x = mx.sym.var("data")
    x = mx.sym.FullyConnected(x, num_hidden=16, name="fc1")
    if batchnorm:
        x = mx.sym.BatchNorm(x, fix_gamma=False, name="bn")
    x = mx.sym.Activation(x, act_type="relu")
    if dropout:
        x = mx.sym.Dropout(x, p=0.5)
    x = mx.sym.FullyConnected(x, num_hidden=CLASSES, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax")


def dataset(n=96, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, FEATURES).astype(np.float32)
    y = (x[:, :CLASSES] * [1.0, 2.0, 1.5]).argmax(axis=1).astype(np.float32)
    return x, y


def batches(n=3, seed=0):
    x, y = dataset(BATCH * n, seed)
    return [mx.io.DataBatch([mx.nd.array(x[i * BATCH:(i + 1) * BATCH])],
                            [mx.nd.array(y[i * BATCH:(i + 1) * BATCH])]) for i in range(n)]


def bound(symbol=None, context=None, seed=3, optimizer_params=None, **bind_kwargs):
    """A module bound for training, initialised with seeded Xavier, optimizer set."""
    mod = mx.mod.Module(mlp() if symbol is None else symbol, context=context or mx.cpu(0))
    mod.bind(data_shapes=[("data", (BATCH, FEATURES))],
             label_shapes=[("softmax_label", (BATCH,))], **bind_kwargs)
    mx.random.seed(seed)
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer="sgd", optimizer_params=optimizer_params or {
        "learning_rate": 0.1, "momentum": 0.9, "wd": 0.01})
    return mod


def params_of(mod):
    arg, aux = mod.get_params()
    return {k: v.asnumpy() for k, v in {**arg, **aux}.items()}


def test_fit_learns_and_logs_like_mxnet(caplog):
    x, y = dataset(192)
    np.random.seed(0)  # NDArrayIter shuffles with numpy's generator, from construction on
    mx.random.seed(0)
    train = mx.io.NDArrayIter(x[:160], y[:160], batch_size=BATCH, shuffle=True)
    val = mx.io.NDArrayIter(x[160:], y[160:], batch_size=BATCH)
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    seen = []
    with caplog.at_level(logging.INFO):
        mod.fit(train, eval_data=val, num_epoch=8, initializer=mx.init.Xavier(),
                optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
                batch_end_callback=lambda p: seen.append((p.epoch, p.nbatch)),
                epoch_end_callback=lambda epoch, sym, arg, aux: seen.append(("end", epoch)))
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("Epoch[0] Train-accuracy=") for m in messages)
    assert any(m.startswith("Epoch[7] Time cost=") for m in messages)
    assert any(m.startswith("Epoch[7] Validation-accuracy=") for m in messages)
    assert seen[:11] == [(0, i) for i in range(10)] + [("end", 0)]
    assert dict(mod.score(val, "acc"))["accuracy"] >= 0.85  # chance is 1/3


def test_fused_step_equals_stepwise_api():
    fused, stepwise = bound(mlp(batchnorm=True)), bound(mlp(batchnorm=True))
    for batch in batches():
        fused._train_step(batch)
        stepwise.forward(batch, is_train=True)
        stepwise.backward()
        stepwise.update()
    a, b = params_of(fused), params_of(stepwise)
    assert a.keys() == b.keys()
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert not np.allclose(a["bn_moving_mean"], 0)  # aux states were updated


def test_stepwise_update_matches_the_optimizer_formula():
    mod = bound(optimizer_params={"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01})
    before = params_of(mod)
    batch = batches(1)[0]
    mod.forward(batch, is_train=True)
    mod.backward()
    grads = {n: mod._exec.grad_dict[n].asnumpy() for n in before}
    mod.update()
    after = params_of(mod)
    for name, w in before.items():
        wd = 0.01 if name.endswith("_weight") else 0.0  # MXNet: no decay on biases
        expected = w - 0.1 * (grads[name] / BATCH + wd * w)  # first step: momentum is 0
        np.testing.assert_allclose(after[name], expected, rtol=1e-5, atol=1e-7, err_msg=name)


def test_data_parallel_equals_single_device():
    single = bound(mlp(batchnorm=True), context=mx.cpu(0))
    parallel = bound(mlp(batchnorm=True), context=[mx.cpu(0), mx.cpu(1)])
    for batch in batches():
        single._train_step(batch)
        parallel._train_step(batch)
    a, b = params_of(single), params_of(parallel)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-4, atol=1e-6, err_msg=name)
    outputs = parallel.get_outputs(merge_multi_context=False)
    assert [o.context for o in outputs[0]] == [mx.cpu(0), mx.cpu(1)]
    assert [o.shape for o in outputs[0]] == [(BATCH // 2, CLASSES)] * 2
    np.testing.assert_allclose(parallel.get_outputs()[0].asnumpy(),
                               single.get_outputs()[0].asnumpy(), rtol=1e-4, atol=1e-6)


def test_outputs_input_grads_predict_and_reshape():
    mod = bound(inputs_need_grad=True)
    batch = batches(1)[0]
    mod.forward_backward(batch)
    assert mod.output_shapes == [("softmax_output", (BATCH, CLASSES))]
    probs = mod.get_outputs()[0].asnumpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    assert mod.get_input_grads()[0].shape == (BATCH, FEATURES)
    x, y = dataset(40)
    it = mx.io.NDArrayIter(x, y, batch_size=BATCH)  # 40 = 2 full batches + 8 padded
    predicted = mod.predict(it)
    assert predicted.shape == (40, CLASSES)
    assert [outs[0].shape[0] for outs, _, _ in mod.iter_predict(it)] == [16, 16, 8]
    mod.reshape(data_shapes=[("data", (4, FEATURES))], label_shapes=[("softmax_label", (4,))])
    mod.forward(mx.io.DataBatch([mx.nd.array(x[:4])], [mx.nd.array(y[:4])]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), predicted[:4].asnumpy(),
                               rtol=1e-5)


def test_fixed_params_do_not_change():
    mod = mx.mod.Module(mlp(), context=mx.cpu(0), fixed_param_names=["fc1_weight"])
    mod.bind(data_shapes=[("data", (BATCH, FEATURES))],
             label_shapes=[("softmax_label", (BATCH,))])
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer_params={"learning_rate": 0.5})
    before = params_of(mod)
    for batch in batches():
        mod._train_step(batch)
    after = params_of(mod)
    np.testing.assert_array_equal(before["fc1_weight"], after["fc1_weight"])
    assert not np.allclose(before["fc2_weight"], after["fc2_weight"])


def test_checkpoint_resumes_exactly(tmp_path):
    prefix = str(tmp_path / "mlp")
    data = batches(4)
    reference = bound(optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    for batch in data:
        reference._train_step(batch)
    first = bound(optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    for batch in data[:2]:
        first._train_step(batch)
    first.save_checkpoint(prefix, 2, save_optimizer_states=True)
    resumed = mx.mod.Module.load(prefix, 2, load_optimizer_states=True, context=mx.cpu(0))
    resumed.bind(data_shapes=[("data", (BATCH, FEATURES))],
                 label_shapes=[("softmax_label", (BATCH,))])
    resumed.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                              "momentum": 0.9})
    for batch in data[2:]:
        resumed._train_step(batch)
    a, b = params_of(reference), params_of(resumed)
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-6, atol=1e-7, err_msg=name)


def test_set_params_and_get_params_round_trip():
    mod = bound()
    arg, aux = mod.get_params()
    new = {k: mx.nd.ones(v.shape) for k, v in arg.items()}
    mod.set_params(new, aux)
    assert all((v.asnumpy() == 1).all() for v in mod.get_params()[0].values())
    arg, aux = mod.get_params()
    arg["fc1_weight"][:] = 2              # written in place, then given back
    mod.set_params(arg, aux)
    mod._params_dirty = True              # read the executor's values back
    assert (mod.get_params()[0]["fc1_weight"].asnumpy() == 2).all()


def test_parameters_read_or_given_stay_valid_while_training_continues():
    mod = bound()
    x, y = dataset(BATCH * 2)
    train = mx.io.NDArrayIter(x, y, batch_size=BATCH)
    mod.fit(train, num_epoch=1)
    read = dict(mod.get_params()[0])      # after fit's own get_params / set_params
    before = {k: v.asnumpy().copy() for k, v in read.items()}
    given = {k: mx.nd.array(v) for k, v in before.items()}
    mod.set_params(given, {})
    for batch in train:                   # fused steps donate the executor's buffers
        mod._train_step(batch)
    for name, value in before.items():
        np.testing.assert_array_equal(read[name].asnumpy(), value)
        np.testing.assert_array_equal(given[name].asnumpy(), value)
    after = mod.get_params()[0]
    assert any(not np.array_equal(after[k].asnumpy(), v) for k, v in before.items())


# --- bad input ---------------------------------------------------------------------------

def test_fit_with_data_that_does_not_fit_the_network():
    mod = bound()
    x = np.zeros((BATCH, FEATURES + 2), np.float32)
    with pytest.raises(mx.MXNetError, match="does not accept input shapes"):
        mod.forward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.zeros((BATCH,))]))


def test_fit_without_labels_in_the_iterator():
    x, _ = dataset(32)
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    with pytest.raises(mx.MXNetError, match=r"needs the labels \['softmax_label'\]"):
        mod.fit(mx.io.NDArrayIter(x, batch_size=BATCH), num_epoch=1)


def test_unknown_names():
    x, y = dataset(32)
    it = mx.io.NDArrayIter(x, y, batch_size=BATCH)
    with pytest.raises(ValueError, match="bogus"):
        mx.mod.Module(mlp(), context=mx.cpu(0)).fit(it, num_epoch=1, optimizer="bogus")
    with pytest.raises((ValueError, AssertionError), match="bogus"):
        mx.mod.Module(mlp(), context=mx.cpu(0)).fit(it, num_epoch=1, eval_metric="bogus")
    with pytest.raises(ValueError, match="bogus"):
        mx.mod.Module(mlp(), context=mx.cpu(0)).fit(it, num_epoch=1, initializer="bogus")
    with pytest.raises(ValueError, match="not found in symbol.list_arguments"):
        mx.mod.Module(mlp(), data_names=["bogus"])


def test_missing_and_extra_parameters():
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    mod.bind(data_shapes=[("data", (BATCH, FEATURES))],
             label_shapes=[("softmax_label", (BATCH,))])
    arg = {"fc1_weight": mx.nd.ones((16, FEATURES)), "fc1_bias": mx.nd.ones((16,)),
           "fc2_weight": mx.nd.ones((CLASSES, 16))}
    with pytest.raises(RuntimeError, match=r"\['fc2_bias'\] are missing"):
        mod.init_params(arg_params=arg)
    mod.init_params(mx.init.Zero(), arg_params=arg, allow_missing=True)
    assert (mod.get_params()[0]["fc1_weight"].asnumpy() == 1).all()
    with pytest.raises(ValueError, match='Find name "extra" that is not in the arguments'):
        mod.set_params({**arg, "extra": mx.nd.ones((1,))}, {}, allow_missing=True)
    with pytest.raises(RuntimeError, match="missing"):
        mod.set_params({"extra": mx.nd.ones((1,))}, {})
    with pytest.raises(mx.MXNetError, match="has shape"):
        mod.set_params({**arg, "fc2_bias": mx.nd.ones((5,))}, {})


def test_calls_out_of_order():
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    with pytest.raises(mx.MXNetError, match="call bind"):
        mod.forward(batches(1)[0])
    with pytest.raises(mx.MXNetError, match="not bound"):
        mod.init_params()
    mod.bind(data_shapes=[("data", (BATCH, FEATURES))], for_training=False)
    mod.init_params()
    with pytest.raises(mx.MXNetError, match="for_training"):
        mod.forward(batches(1)[0], is_train=True)
    with pytest.raises(mx.MXNetError, match="init_optimizer"):
        mod.update()


# --- full training-state checkpoints (orbax) -----------------------------------------------

def _fit(mod, it, begin, end):
    mod.fit(it, num_epoch=end, begin_epoch=begin, initializer=mx.init.Xavier(),
            optimizer="adam", optimizer_params={"learning_rate": 0.01})


def test_training_state_resumes_exactly(tmp_path):
    x, y = dataset(64)
    np.random.seed(5)
    mx.random.seed(5)
    straight = mx.mod.Module(mlp(dropout=True), context=mx.cpu(0))
    _fit(straight, mx.io.NDArrayIter(x, y, batch_size=BATCH), 0, 4)

    np.random.seed(5)
    mx.random.seed(5)
    first = mx.mod.Module(mlp(dropout=True), context=mx.cpu(0))
    _fit(first, mx.io.NDArrayIter(x, y, batch_size=BATCH), 0, 2)
    mx.checkpoint.save_training_state(tmp_path / "state", first, epoch=1)
    first_draw = np.random.rand()
    np.random.seed(99)  # the restore must undo these
    mx.random.seed(99)

    resumed = mx.mod.Module(mlp(dropout=True), context=mx.cpu(0))
    it = mx.io.NDArrayIter(x, y, batch_size=BATCH)
    resumed.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
    resumed.init_params(mx.init.Zero())
    resumed.init_optimizer(optimizer="adam", optimizer_params={"learning_rate": 0.01})
    epoch = mx.checkpoint.load_training_state(tmp_path / "state", resumed)
    assert epoch == 1
    assert np.random.rand() == pytest.approx(first_draw)
    _fit(resumed, it, epoch + 1, 4)
    a, b = params_of(straight), params_of(resumed)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_training_state_errors(tmp_path):
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    mod.bind(data_shapes=[("data", (BATCH, FEATURES))],
             label_shapes=[("softmax_label", (BATCH,))])
    mod.init_params()
    with pytest.raises(mx.MXNetError, match="no optimizer"):
        mx.checkpoint.save_training_state(tmp_path / "s", mod, 0)
    mod.init_optimizer()
    with pytest.raises(mx.MXNetError, match="no checkpoint at"):
        mx.checkpoint.load_training_state(tmp_path / "missing", mod)
    mx.checkpoint.save_training_state(tmp_path / "s", mod, 0)
    other = bound(mlp(batchnorm=True))
    with pytest.raises(mx.MXNetError, match="optimizer states for"):
        mx.checkpoint.load_training_state(tmp_path / "s", other)


def test_unsupported_module_options_are_refused():
    with pytest.raises(mx.MXNetError, match="work_load_list has 3 entries for 2 contexts"):
        mx.mod.Module(mlp(), context=[mx.cpu(0), mx.cpu(1)], work_load_list=[1, 2, 1])
    with pytest.raises(mx.MXNetError, match="compression_params"):
        mx.mod.Module(mlp(), context=mx.cpu(0), compression_params={"type": "2bit"})


def test_force_rebind_keeps_the_trained_parameters():
    mod = bound()
    for batch in batches(2):
        mod.forward_backward(batch)
        mod.update()
    mod.bind(data_shapes=[("data", (1, FEATURES))], for_training=False, force_rebind=True)
    trained = mod.get_params()[0]["fc1_weight"].asnumpy()
    fresh = bound()
    assert not np.allclose(trained, fresh.get_params()[0]["fc1_weight"].asnumpy())
    out = mod.predict(mx.io.NDArrayIter(dataset(4)[0], batch_size=2))
    assert out.shape == (4, CLASSES)


def test_fit_of_a_plain_base_module_follows_mxnet_call_order():
    """BaseModule.fit calls forward_backward, update and update_metric for a batch before
    the iterator moves on (batches of C++ iterators are freed by next())."""
    calls, current = [], [None]

    class Batch:
        def __init__(self, i):
            self.i = i

        @property
        def label(self):
            assert self.i == current[0], "a batch read after the iterator moved on"
            return []

    class Data:
        provide_data = provide_label = None

        def __iter__(self):
            for i in range(3):
                current[0] = i
                yield Batch(i)

        def reset(self):
            pass

    mod = mx.mod.BaseModule()
    for name in ("bind", "init_params", "init_optimizer", "forward", "backward", "update",
                 "update_metric"):
        setattr(mod, name, lambda *a, _n=name, **k: calls.append(_n))
    mod.get_params = lambda: (None, None)
    mod.set_params = lambda *a, **k: None
    mod.fit(Data(), num_epoch=1)
    assert calls[3:] == ["forward", "backward", "update", "update_metric"] * 3


def test_fit_copies_the_parameters_out_before_the_epoch_metric_waits_for_the_last_step():
    """The epoch's parameter copies are queued behind its last step before the metric's
    read waits for that step; the epoch end still sees them (and a callback's changes)."""
    x, y = dataset()
    mod = mx.mod.Module(mlp(), context=mx.cpu(0))
    order = []

    class Recording(mx.metric.Accuracy):
        def get_global_name_value(self):
            order.append("metric read")
            return super().get_global_name_value()

    get_params = mod.get_params
    mod.get_params = lambda: (order.append("get_params"), get_params())[1]
    ends = []
    mod.fit(mx.io.NDArrayIter(x, y, batch_size=BATCH), eval_metric=Recording(), num_epoch=2,
            optimizer_params={"learning_rate": 0.1},
            epoch_end_callback=lambda epoch, sym, arg, aux: ends.append(
                {k: v.asnumpy() for k, v in arg.items()}))
    assert order == ["get_params", "metric read", "get_params"] * 2
    np.testing.assert_array_equal(ends[-1]["fc1_weight"], params_of(mod)["fc1_weight"])
    assert not np.array_equal(ends[0]["fc1_weight"], ends[1]["fc1_weight"])


def _fix_gamma_module(contexts=None):
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=4, name="fc1")
    net = mx.sym.BatchNorm(net, name="bn1")  # fix_gamma=True by default
    net = mx.sym.Activation(net, act_type="relu")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(net, num_hidden=3, name="fc2"),
                               name="softmax")
    rng = np.random.RandomState(0)
    x, y = rng.randn(16, 5).astype(np.float32), rng.randint(0, 3, 16).astype(np.float32)
    mod = mx.mod.Module(net, context=contexts or mx.cpu())
    mod.bind([("data", (4, 5))], [("softmax_label", (4,))])
    mod.init_params(arg_params={
        "fc1_weight": mx.nd.array(rng.randn(4, 5) * 0.3), "fc1_bias": mx.nd.zeros(4),
        "bn1_gamma": mx.nd.array([2.0, 1.0, 0.5, 1.0]), "bn1_beta": mx.nd.zeros(4),
        "fc2_weight": mx.nd.array(rng.randn(3, 4) * 0.3), "fc2_bias": mx.nd.zeros(3)},
        aux_params={"bn1_moving_mean": mx.nd.zeros(4), "bn1_moving_var": mx.nd.ones(4)})
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5,
                                                          "momentum": 0.9, "wd": 0.1})
    return mod, mx.io.NDArrayIter(x, y, 4)


@pytest.mark.parametrize("fused, contexts", [(True, None), (False, None),
                                             (True, [mx.cpu(0), mx.cpu(1)])])
def test_fix_gamma_batchnorm_updates_gamma_from_one(fused, contexts):
    """MXNet's BatchNorm forward writes 1 into a fix_gamma gamma, so weight decay and
    momentum move it from 1 each step; the saved gamma is MXNet's (golden values from
    MXNet 1.9.1, four SGD steps; data parallel computes the same)."""
    mod, batches = _fix_gamma_module(contexts)
    for batch in batches:
        if fused:
            mod._train_step(batch)
        else:
            mod.forward_backward(batch)
            mod.update()
    args = mod.get_params()[0]
    np.testing.assert_allclose(args["bn1_gamma"].asnumpy(), [0.82805] * 4, rtol=1e-5)
    np.testing.assert_allclose(args["fc2_weight"].asnumpy()[0],
                               [0.21423, 0.30863, 0.31772, 0.05318], atol=2e-5)
    batches.reset()
    mod.forward(batches.next(), is_train=False)  # an inference forward too
    assert mod._exec.arg_dict["bn1_gamma"].asnumpy().tolist() == [1.0] * 4


def test_prepare_warns_that_a_row_id_fn_is_needless_without_a_kvstore_update():
    # sparse/linear_classification calls prepare(batch, sparse_row_id_fn) with no kvstore;
    # MXNet 1.9.1 warns, except where a KVStore object holds the parameters
    data = mx.sym.Variable("data")
    net = mx.sym.LinearRegressionOutput(mx.sym.FullyConnected(data, num_hidden=1, name="fc"),
                                        name="lro")
    batch = mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.ones((2, 1))])
    for kvstore, warns in (("local", True), (None, True), (mx.kv.create("local"), False)):
        mod = mx.mod.Module(net, label_names=["lro_label"])
        mod.bind([("data", (2, 3))], [("lro_label", (2, 1))])
        mod.init_params()
        mod.init_optimizer(kvstore=kvstore)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            mod.prepare(batch, sparse_row_id_fn=lambda b: {})
            mod.prepare(batch)
        assert [str(w.message) for w in caught] == (
            ["Parameters are not updated in the KVStore. No need to call sparse_row_id_fn."]
            if warns else [])

"""Module on several contexts where the batch cannot be sharded (uneven split, batch axis
other than 0), state inputs, and the optimizer states seen as MXNet's Updater."""
import numpy as np

import symjax_mx as mx


def _relu_module(dshape, layout, contexts):
    sym = mx.sym.Activation(mx.sym.Variable("data"), act_type="relu", __layout__=layout)
    mod = mx.mod.Module(sym, ("data",), None, context=contexts)
    mod.bind(data_shapes=[mx.io.DataDesc("data", dshape, layout=layout)],
             inputs_need_grad=True)
    mod.init_params()
    return mod


def test_uneven_batch_splits_as_mxnet():
    x = np.arange(-10, 15, dtype=np.float32).reshape(5, 5)
    mod = _relu_module((5, 5), "NC", [mx.cpu(0), mx.cpu(1)])
    mod.forward(mx.io.DataBatch([mx.nd.array(x)]))
    mod.backward([mx.nd.ones((5, 5))])
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.maximum(x, 0))
    parts = mod.get_outputs(merge_multi_context=False)[0]
    assert [p.shape for p in parts] == [(2, 5), (3, 5)]  # MXNet's slices of 5 over 2
    assert [p.context for p in parts] == [mx.cpu(0), mx.cpu(1)]
    grads = mod.get_input_grads(merge_multi_context=False)[0]
    np.testing.assert_array_equal(grads[1].asnumpy(), (x[2:] > 0).astype(np.float32))


def test_batch_axis_from_layout():
    mod = _relu_module((3, 8, 7), "TNC", [mx.cpu(0), mx.cpu(1)])
    mod.forward(mx.io.DataBatch([mx.nd.ones((3, 8, 7))]))
    assert mod.get_outputs()[0].shape == (3, 8, 7)
    assert [p.shape for p in mod.get_outputs(merge_multi_context=False)[0]] == [(3, 4, 7)] * 2


def test_set_and_get_states():
    data, state = mx.sym.Variable("data"), mx.sym.Variable("state")
    mod = mx.mod.Module(data + state, label_names=None, state_names=["state"],
                        context=[mx.cpu(0), mx.cpu(1)])
    mod.bind(data_shapes=[("data", (4, 3))], for_training=False)
    mod.init_params()
    mod.set_states(value=2)
    batch = mx.io.DataBatch([mx.nd.ones((4, 3))])
    mod.forward(batch)
    out = mod.get_outputs(merge_multi_context=False)
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.full((4, 3), 3))
    mod.set_states(states=out)  # per-context parts, as MXNet passes them
    mod.forward(batch)
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), np.full((4, 3), 4))
    np.testing.assert_array_equal(mod.get_states()[0].asnumpy(), np.full((4, 3), 3))


def _momentum_module(contexts):
    sym = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=4, name="fc")
    mod = mx.mod.Module(sym, ("data",), None, context=contexts)
    mod.bind(data_shapes=[("data", (4, 3))])
    mod.init_params(mx.init.One())
    mod.init_optimizer(optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    mod.forward(mx.io.DataBatch([mx.nd.ones((4, 3))]))
    mod.backward([mx.nd.ones((4, 4))])
    mod.update()
    return mod


def test_updater_states_and_kvstore_updater(tmp_path):
    mod = _momentum_module([mx.cpu(0)])
    states = mod._updater.states
    index = mod._param_names.index("fc_bias")
    # momentum after one step: -lr * rescale_grad * grad = -0.1 * (1/4) * 4
    np.testing.assert_allclose(states[index].asnumpy(), np.full(4, -0.1), rtol=1e-6)
    multi = _momentum_module([mx.cpu(0), mx.cpu(1)])
    kv_states = multi._kvstore._updater.states  # MXNet updates on the store here
    np.testing.assert_allclose(kv_states[index].asnumpy(), states[index].asnumpy())
    path = str(tmp_path / "m.states")
    multi.save_optimizer_states(path)
    mod._updater.states = {i: s * 0 for i, s in states.items()}
    assert not mod._updater.states[index].asnumpy().any()
    mod.load_optimizer_states(path)
    np.testing.assert_allclose(mod._updater.states[index].asnumpy(), np.full(4, -0.1),
                               rtol=1e-6)


def test_uneven_work_load_splits_outputs_by_it():
    sym = mx.sym.Activation(mx.sym.Variable("data"), act_type="relu")
    mod = mx.mod.Module(sym, ("data",), None, context=[mx.cpu(0), mx.cpu(1)],
                        work_load_list=[1, 3])
    mod.bind(data_shapes=[("data", (8, 2))], for_training=False)
    mod.init_params()
    mod.forward(mx.io.DataBatch([mx.nd.ones((8, 2))]))
    assert [p.shape for p in mod.get_outputs(merge_multi_context=False)[0]] == [(2, 2), (6, 2)]

"""Sparse training end to end: Gluon Parameters with row_sparse storage or gradients, the
Trainer and KVStore paths that update them, Embedding's sparse_grad, clip_global_norm on
sparse arrays, and row_sparse arguments of a Module."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import gluon

CTXS = [mx.cpu(0), mx.cpu(1)]


def _sparse_param(name="x", shape=(4, 2), ctx=CTXS, **kwargs):
    param = gluon.Parameter(name, shape=shape, stype="row_sparse", grad_stype="row_sparse",
                            **kwargs)
    param.initialize(init="ones", ctx=ctx)
    return param


def test_row_sparse_parameter_is_read_through_its_trainer():
    param = _sparse_param()
    rows = mx.nd.array([0, 2], ctx=mx.cpu(1))
    with pytest.raises(RuntimeError, match="when no Trainer is created"):
        param.row_sparse_data(rows)
    with pytest.raises(RuntimeError, match="Please use row_sparse_data"):
        param.data()
    with pytest.raises(RuntimeError, match="Please use row_sparse_data"):
        param.list_data()
    assert param.grad(mx.cpu(0)).stype == "row_sparse"
    assert param.var().attr("__storage_type__") == "1"
    gluon.Trainer([param], "sgd")
    retained = param.row_sparse_data(rows)
    assert retained.stype == "row_sparse" and retained.context == mx.cpu(1)
    np.testing.assert_array_equal(retained.asnumpy()[:, 0], [1, 0, 1, 0])
    assert len(param.list_row_sparse_data(mx.nd.arange(0, 4))) == 2
    with pytest.raises(TypeError, match="row_id must have NDArray type"):
        param.list_row_sparse_data([0, 1])


def test_dense_parameter_refuses_row_sparse_data_and_a_sparse_one_a_second_trainer():
    dense = gluon.Parameter("w", shape=(2, 2))
    dense.initialize()
    with pytest.raises(RuntimeError, match="Please use data"):
        dense.row_sparse_data(mx.nd.array([0]))
    with pytest.raises(RuntimeError, match="Please use data"):
        dense.list_row_sparse_data(mx.nd.array([0]))
    sparse = _sparse_param(ctx=[mx.cpu(0)])
    gluon.Trainer([sparse], "sgd")
    with pytest.raises(RuntimeError, match="More than one trainers"):
        gluon.Trainer([sparse], "sgd")


def test_trainer_updates_a_row_sparse_weight_in_its_kvstore_lazily():
    param = _sparse_param()
    trainer = gluon.Trainer([param], "sgd", {"learning_rate": 0.5, "wd": 0.1})
    rows = mx.nd.array([1, 3])
    with mx.autograd.record():
        for weight in param.list_row_sparse_data(rows):
            (weight * weight).backward()  # a gradient that depends on the weight
    trainer.step(1)
    assert trainer._update_on_kvstore is True and trainer._kvstore is not None
    value = param.row_sparse_data(mx.nd.arange(0, 4)).asnumpy()[:, 0]
    # rows 1 and 3: 1 - 0.5 * (2 devices * 2 + 0.1 * 1); the others were not in the gradient
    np.testing.assert_allclose(value, [1, 1 - 0.5 * 4.1, 1, 1 - 0.5 * 4.1], rtol=1e-6)
    with pytest.raises(ValueError, match="update_on_kvstore=False when sparse weights"):
        gluon.Trainer([_sparse_param("y")], "sgd", update_on_kvstore=False).step(1)


@pytest.mark.parametrize("update_on_kvstore", [None, True])
def test_trainer_reduces_row_sparse_gradients_of_a_dense_weight(update_on_kvstore):
    param = gluon.Parameter("x", shape=(4, 2), grad_stype="row_sparse")
    param.initialize(init="zeros", ctx=CTXS)
    trainer = gluon.Trainer([param], "sgd", {"learning_rate": 0.1},
                            update_on_kvstore=update_on_kvstore)
    with mx.autograd.record():
        for weight in param.list_data():
            mx.nd.Embedding(mx.nd.array([2], ctx=weight.context), weight, input_dim=4,
                            output_dim=2, sparse_grad=True).backward()
    assert param.grad(mx.cpu(1)).stype == "row_sparse"
    trainer.step(1)
    assert trainer._update_on_kvstore is bool(update_on_kvstore)
    for weight in param.list_data():
        np.testing.assert_allclose(weight.asnumpy()[:, 0], [0, 0, -0.2, 0], rtol=1e-6)


def test_trainer_with_a_row_sparse_gradient_on_one_context_needs_no_kvstore():
    param = gluon.Parameter("x", shape=(3,), grad_stype="row_sparse")
    param.initialize(init="zeros", ctx=[mx.cpu(0)])
    trainer = gluon.Trainer([param], "sgd", {"learning_rate": 1.0, "momentum": 0.5})
    with mx.autograd.record():
        (param.data() + 1).backward()
    trainer.step(1)
    assert trainer._kvstore is None
    np.testing.assert_array_equal(param.data().asnumpy(), -1)


def test_sparse_trainer_states_and_parameter_files_round_trip(tmp_path):
    params = gluon.ParameterDict("net_")
    params.get("dense", shape=(3, 2))
    params.get("sparse", shape=(3, 2), stype="row_sparse")
    params.initialize(ctx=mx.cpu(0))
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    all_rows = mx.nd.arange(0, 3)
    before = params.get("sparse").row_sparse_data(all_rows).asnumpy()
    params.save(str(tmp_path / "p.params"))
    trainer.save_states(str(tmp_path / "t.states"))
    trainer.load_states(str(tmp_path / "t.states"))
    dense_copy = gluon.ParameterDict("net_")
    dense_copy.get("dense", shape=(3, 2))
    dense_copy.get("sparse", shape=(3, 2))
    dense_copy.load(str(tmp_path / "p.params"), mx.cpu(0))
    np.testing.assert_array_equal(dense_copy.get("sparse").data().asnumpy(), before)
    sparse_copy = gluon.ParameterDict("net_")
    sparse_copy.get("dense", shape=(3, 2))
    sparse_copy.get("sparse", shape=(3, 2), stype="row_sparse")
    sparse_copy.load(str(tmp_path / "p.params"), mx.cpu(0))
    gluon.Trainer(sparse_copy, "sgd")
    loaded = sparse_copy.get("sparse").row_sparse_data(all_rows)
    assert loaded.stype == "row_sparse"
    np.testing.assert_array_equal(loaded.asnumpy(), before)


def test_loading_with_saved_dtype_casts_the_initialised_copies(tmp_path):
    params = gluon.ParameterDict("")
    params.get("w", shape=(2,), dtype="float32")
    params.initialize(mx.init.One(), ctx=mx.cpu(0))
    params.save(str(tmp_path / "p.params"))
    half = gluon.ParameterDict("")
    half.get("w", shape=(2,), dtype="float16")
    half.load(str(tmp_path / "p.params"), cast_dtype=True, dtype_source="current")
    assert half["w"].data().dtype == np.float16
    half.load(str(tmp_path / "p.params"), cast_dtype=True, dtype_source="saved")
    assert half["w"].data().dtype == np.float32


def test_embedding_with_sparse_grad_has_a_row_sparse_gradient():
    layer = gluon.nn.Embedding(6, 2, sparse_grad=True)
    layer.initialize()
    layer.hybridize()
    with mx.autograd.record():
        layer(mx.nd.array([1, 4, 1])).sum().backward()
    grad = layer.weight.grad()
    assert grad.stype == "row_sparse"
    np.testing.assert_array_equal(grad.indices.asnumpy(), [1, 4])
    np.testing.assert_array_equal(grad.data.asnumpy(), [[2, 2], [1, 1]])


def test_clip_global_norm_scales_row_sparse_arrays():
    arrays = [mx.nd.ones((3, 3)).tostype("row_sparse"), mx.nd.ones((4, 4)).tostype("row_sparse")]
    assert gluon.utils.clip_global_norm(arrays, 1.0) == 5.0
    assert arrays[0].stype == "row_sparse"
    np.testing.assert_allclose(arrays[1].asnumpy(), np.ones((4, 4)) / 5, rtol=1e-6)


def test_kvstore_row_sparse_push_and_pull_with_one_row_id_array_for_all_outputs():
    kv = mx.kv.create("local")
    kv.init("w", mx.nd.ones((4, 2)).tostype("row_sparse"))
    assert kv._store["w"].stype == "row_sparse"
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=1.0))
    grads = [mx.nd.sparse.row_sparse_array((np.ones((1, 2), np.float32), [r]), shape=(4, 2),
                                           ctx=c) for r, c in ((0, mx.cpu(0)), (2, mx.cpu(1)))]
    kv.push("w", grads)
    outs = [mx.nd.sparse.zeros("row_sparse", (4, 2), ctx=c) for c in CTXS]
    kv.row_sparse_pull("w", out=outs, row_ids=mx.nd.array([0, 1, 2]))
    for out in outs:
        np.testing.assert_array_equal(out.asnumpy()[:, 0], [0, 1, 0, 0])


def test_module_argument_of_a_row_sparse_variable_is_row_sparse():
    data = mx.sym.var("data", stype="csr")
    weight = mx.sym.var("v", shape=(5, 1), stype="row_sparse", init=mx.init.Uniform(0.1))
    out = mx.sym.LinearRegressionOutput(mx.sym.dot(data, weight), mx.sym.var("label"))
    mod = mx.mod.Module(out, data_names=["data"], label_names=["label"])
    mod.bind(data_shapes=[("data", (2, 5))], label_shapes=[("label", (2, 1))])
    mod.init_params()
    arg = mod.get_params()[0]["v"]
    assert arg.stype == "row_sparse" and np.abs(arg.asnumpy()).sum() > 0


def test_contrib_sparse_embedding_reads_its_rows_through_the_trainer():
    from symjax_mx.gluon.contrib.nn import SparseEmbedding
    layer = SparseEmbedding(6, 3)
    layer.initialize(mx.init.One())
    with pytest.raises(RuntimeError, match="when no Trainer is created"):
        layer(mx.nd.array([1]))
    trainer = gluon.Trainer(layer.collect_params(), "sgd", {"learning_rate": 1.0})
    with mx.autograd.record():
        out = layer(mx.nd.array([4, 1, 4]))
        (out * out).backward()
    assert layer.weight.grad().stype == "row_sparse"
    np.testing.assert_array_equal(layer.weight.grad().indices.asnumpy(), [1, 4])
    trainer.step(1)
    value = layer.weight.row_sparse_data(mx.nd.arange(0, 6)).asnumpy()[:, 0]
    np.testing.assert_array_equal(value, [1, 1 - 2, 1, 1, 1 - 4, 1])

"""mx.model.FeedForward: fit, predict, score, save / load and create, on top of Module."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.feedforward import FeedForward

pytestmark = pytest.mark.filterwarnings("ignore:mxnet.model.FeedForward:DeprecationWarning")

BATCH, EPOCHS = 40, 6
PARAMS = {"fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"}


def mlp():
    x = mx.sym.var("data")
    x = mx.sym.FullyConnected(x, num_hidden=16, name="fc1")
    x = mx.sym.Activation(x, act_type="relu", name="relu1")
    x = mx.sym.FullyConnected(x, num_hidden=2, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax")


def dataset():
    rng = np.random.RandomState(0)
    x = rng.randn(200, 10).astype(np.float32)
    y = (x @ rng.randn(10) > 0).astype(np.float32)
    return x, y


X, Y = dataset()
SETTINGS = dict(numpy_batch_size=BATCH, initializer=mx.init.Xavier(), learning_rate=0.5,
                momentum=0.9)


@pytest.fixture(scope="module")
def trained():
    """A model fitted on (X, Y), and what its callbacks saw."""
    np.random.seed(0)
    mx.random.seed(0)
    seen = {"epochs": [], "batches": [], "validation": []}
    model = FeedForward(mlp(), num_epoch=EPOCHS, **SETTINGS)
    model.fit(X, Y, eval_data=(X, Y),
              epoch_end_callback=lambda epoch, sym, arg, aux: seen["epochs"].append(
                  (epoch, sorted(arg), aux)),
              batch_end_callback=lambda p: seen["batches"].append((p.epoch, p.nbatch)),
              eval_end_callback=lambda p: seen["validation"].append(p.eval_metric.get()))
    return model, seen


def test_deprecated():
    with pytest.warns(DeprecationWarning):
        FeedForward(mlp())


def test_fit(trained):
    model, seen = trained
    assert [e for e, _, _ in seen["epochs"]] == list(range(EPOCHS))
    assert all(names == sorted(PARAMS) and aux == {} for _, names, aux in seen["epochs"])
    assert seen["batches"] == [(e, b) for e in range(EPOCHS) for b in range(1, 200 // BATCH + 1)]
    assert len(seen["validation"]) == EPOCHS and seen["validation"][-1][0] == "accuracy"
    assert seen["validation"][-1][1] > 0.9
    assert set(model.arg_params) == PARAMS and model.aux_params == {}
    assert model.arg_params["fc1_weight"].shape == (16, 10)


def test_predict(trained):
    model, _ = trained
    full = model.predict(X)
    assert isinstance(full, np.ndarray) and full.shape == (200, 2)
    np.testing.assert_allclose(full.sum(axis=1), 1, rtol=1e-5)
    assert (full.argmax(axis=1) == Y).mean() > 0.9
    part = model.predict(X[:130])  # the last batch is padded; the padding is dropped
    assert part.shape == (130, 2)
    np.testing.assert_allclose(part, full[:130], rtol=1e-6)
    assert model.predict(X, num_batch=2).shape == (2 * BATCH, 2)
    out, data, label = model.predict(mx.nd.array(X[:130]), return_data=True)
    np.testing.assert_allclose(out, part, rtol=1e-6)
    np.testing.assert_array_equal(data, X[:130])
    np.testing.assert_array_equal(label, np.zeros(130))


def test_score(trained):
    model, _ = trained
    accuracy = (model.predict(X).argmax(axis=1) == Y).mean()
    assert model.score(mx.io.NDArrayIter(X, Y, BATCH)) == pytest.approx(accuracy)
    assert model.score(mx.io.NDArrayIter(X, Y, BATCH), num_batch=1) == pytest.approx(
        (model.predict(X[:BATCH]).argmax(axis=1) == Y[:BATCH]).mean())
    # arrays without labels are scored against zero labels, as in MXNet
    zeros = (model.predict(X).argmax(axis=1) == 0).mean()
    assert model.score(X, eval_metric=mx.metric.Accuracy()) == pytest.approx(zeros)


def test_save_load_and_continue(trained, tmp_path):
    model, _ = trained
    prefix = str(tmp_path / "ff")
    model.save(prefix)
    assert (tmp_path / "ff-symbol.json").exists()
    assert (tmp_path / f"ff-{EPOCHS:04d}.params").exists()
    loaded = FeedForward.load(prefix, EPOCHS, numpy_batch_size=BATCH)
    assert loaded.begin_epoch == EPOCHS
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # fitting goes on from the loaded parameters (learning rate 0: they stay as they were)
    epochs = []
    loaded.num_epoch, loaded.kwargs = EPOCHS + 1, {"learning_rate": 0.0}
    loaded.fit(X, Y, epoch_end_callback=lambda epoch, *_: epochs.append(epoch))
    assert epochs == [EPOCHS]
    for name in PARAMS:
        np.testing.assert_array_equal(loaded.arg_params[name].asnumpy(),
                                      model.arg_params[name].asnumpy())


def test_create_with_epoch_size():
    np.random.seed(1)
    batches = []
    model = FeedForward.create(mlp(), mx.nd.array(X), mx.nd.array(Y[:, None]), num_epoch=3,
                               epoch_size=3, batch_end_callback=lambda p: batches.append(
                                   (p.epoch, p.nbatch)), **SETTINGS)
    assert batches == [(e, b) for e in range(3) for b in (1, 2, 3)]
    assert set(model.arg_params) == PARAMS
    assert model.score(mx.io.NDArrayIter(X, Y, BATCH)) > 0.8


def test_input_errors():
    model = FeedForward(mlp(), num_epoch=1)
    with pytest.raises(ValueError, match="y must be specified"):
        model.fit(X)
    with pytest.raises(ValueError, match="not equal"):
        model.fit(X, Y[:10])
    with pytest.raises(TypeError, match="DataIter"):
        model.predict([[1.0] * 10])
    with pytest.raises(TypeError):
        FeedForward(lambda key: mlp())

"""gluon.contrib.estimator: the Estimator's loop, its event handlers and batch processor,
against values, files, logs and messages printed by MXNet 1.9.1 for the same scripts."""
import io
import logging
import os
import re
import warnings

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import gluon
from symjax_mx.gluon import nn
from symjax_mx.gluon.contrib import estimator as est_pkg
from symjax_mx.gluon.contrib.estimator import (BatchProcessor, CheckpointHandler,
                                               EarlyStoppingHandler, EpochEnd, Estimator,
                                               GradientUpdateHandler, LoggingHandler,
                                               MetricHandler, StoppingHandler, TrainBegin,
                                               ValidationHandler)


def _loader(samples=12, batch_size=4):
    x = mx.nd.array(np.arange(samples * 5, dtype="float32").reshape(samples, 5) / 50.0)
    y = mx.nd.array(np.arange(samples) % 3)
    return gluon.data.DataLoader(gluon.data.ArrayDataset(x, y), batch_size=batch_size)


def _net(hybrid=False):
    net = (nn.HybridSequential if hybrid else nn.Sequential)()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=5))
    net.initialize()
    net[0].weight.set_data(mx.nd.array(np.linspace(-1, 1, 15, dtype="float32").reshape(3, 5)))
    net[0].bias.set_data(mx.nd.array([0.1, -0.2, 0.3]))
    return net


def _estimator(net=None, lr=0.1, **kwargs):
    net = net or _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    kwargs.setdefault("context", mx.cpu())  # where _net is, also on a machine with GPUs
    return Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer, **kwargs)


def _capture_log(est):
    """A buffer receiving ``est``'s log, and a function reading it with times masked."""
    buffer = io.StringIO()
    est.logger.addHandler(logging.StreamHandler(buffer))
    return lambda: re.sub(r"total \d+s", "total Ts", re.sub(r"\d+\.\d+s", "T.s",
                                                             buffer.getvalue())).splitlines()


# --- fit and evaluate ---------------------------------------------------------------------

def test_fit_by_epochs_trains_and_logs_like_mxnet(capsys):
    est = _estimator()
    est.fit(_loader(), epochs=2)
    weight = est.net[0].weight.data().asnumpy()
    np.testing.assert_allclose(weight[0], [-0.91572, -0.76966, -0.62359, -0.47752, -0.33146],
                               atol=1e-5)
    np.testing.assert_allclose(weight[2], [0.25981, 0.39695, 0.53409, 0.67122, 0.80836],
                               atol=1e-5)
    (acc_name, acc), (loss_name, loss) = [m.get() for m in est.train_metrics]
    assert (acc_name, loss_name) == ("training accuracy", "training softmaxcrossentropyloss")
    assert acc == pytest.approx(1 / 3)
    assert loss == pytest.approx(1.8807476, rel=1e-6)
    log = re.sub(r"total \d+s", "total Ts", re.sub(r"\d+\.\d+s", "T.s", capsys.readouterr().out))
    assert log.splitlines() == [
        "Training begin: using optimizer SGD with current learning rate 0.1000 ",
        "Train for 2 epochs.",
        "[Epoch 0] Begin, current learning rate: 0.1000",
        "[Epoch 0] Finished in T.s, training accuracy: 0.3333, "
        "training softmaxcrossentropyloss: 2.1915",
        "[Epoch 1] Begin, current learning rate: 0.1000",
        "[Epoch 1] Finished in T.s, training accuracy: 0.3333, "
        "training softmaxcrossentropyloss: 1.8807",
        "Train finished using total Ts with 2 epochs. training accuracy: 0.3333, "
        "training softmaxcrossentropyloss: 1.8807"]


def test_fit_by_batches_with_validation_and_interval_logging():
    est = _estimator()
    read_log = _capture_log(est)
    logging_handler = LoggingHandler(log_interval=2, metrics=est.train_metrics + est.val_metrics)
    est.fit(_loader(), val_data=_loader(8), batches=5, event_handlers=[logging_handler])
    train = ("training accuracy: %s, training softmaxcrossentropyloss: %s, "
             "validation accuracy: %s, validation softmaxcrossentropyloss: %s")
    assert read_log() == [
        "Training begin: using optimizer SGD with current learning rate 0.1000 ",
        "Train for 5 batches.",
        "[Epoch 0] Begin, current learning rate: 0.1000",
        "[Epoch 0][Batch 0][Samples 4] time/interval: T.s " + train % (
            "0.2500", "1.4882", "nan", "nan"),
        "[Epoch 0][Batch 2][Samples 12] time/interval: T.s " + train % (
            "0.3333", "2.1915", "nan", "nan"),
        "Validation Begin",
        "[Epoch 0] Finished in T.s, validation accuracy: 0.2500, "
        "validation softmaxcrossentropyloss: 1.7607",
        "[Epoch 0] Finished in T.s, " + train % ("0.3333", "2.1915", "0.2500", "1.7607"),
        "[Epoch 1] Begin, current learning rate: 0.1000",
        "[Epoch 1][Batch 0][Samples 16] time/interval: T.s " + train % (
            "0.2500", "1.3569", "0.2500", "1.7607"),
        "Validation Begin",
        "[Epoch 0] Finished in T.s, validation accuracy: 0.2500, "
        "validation softmaxcrossentropyloss: 1.6332",
        "[Epoch 1] Finished in T.s, " + train % ("0.2500", "1.7401", "0.2500", "1.6332"),
        "Train finished using total Ts with 2 epochs. " + train % (
            "0.2500", "1.7401", "0.2500", "1.6332")]
    assert logging_handler.batch_index == 0 and logging_handler.current_epoch == 2


def test_evaluate_resets_metrics_and_uses_val_net_and_val_loss():
    net, val_net = _net(), _net()
    val_net[0].weight.set_data(val_net[0].weight.data() * 2)
    val_loss = gluon.loss.SoftmaxCrossEntropyLoss(weight=3.0)
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), val_net=val_net,
                    val_loss=val_loss, trainer=gluon.Trainer(net.collect_params(), "sgd"),
                    context=mx.cpu())
    read_log = _capture_log(est)
    est.evaluate(_loader())
    first = [m.get() for m in est.val_metrics]
    est.evaluate(_loader())
    assert [m.get() for m in est.val_metrics] == first  # reset, not accumulated
    x, y = next(iter(_loader(12, 12)))
    accuracy = (val_net(x).argmax(axis=1) == y).mean().asscalar()
    expected = val_loss(val_net(x), y).mean().asscalar()
    assert first == [("validation accuracy", pytest.approx(accuracy)),
                     ("validation softmaxcrossentropyloss", pytest.approx(expected, rel=1e-5))]
    assert read_log()[:2] == ["Validation Begin", "[Epoch 0] Finished in T.s, validation "
                              "accuracy: %.4f, validation softmaxcrossentropyloss: %.4f"
                              % (accuracy, expected)]
    assert all(p.grad().abs().sum().asscalar() == 0 for p in net.collect_params().values())
    est.evaluate(_loader(), event_handlers=[MetricHandler([]),  # updates nothing
                                            LoggingHandler(metrics=est.val_metrics)])
    assert all(np.isnan(m.get()[1]) for m in est.val_metrics)  # evaluate reset them


def test_fit_on_two_contexts_matches_mxnet():
    net = gluon.nn.Dense(3, in_units=5)
    contexts = [mx.cpu(0), mx.cpu(1)]
    net.initialize(mx.init.Constant(0.1), ctx=contexts)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5, "momentum": 0.9})
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer, context=contexts)
    est.logger.setLevel(logging.WARNING)
    est.fit(_loader(), val_data=_loader(), epochs=3)
    for ctx in contexts:
        np.testing.assert_allclose(net.weight.data(ctx).asnumpy()[[0, 2]], [
            [-0.06379, -0.053, -0.0422, -0.03141, -0.02061],
            [0.26765, 0.25666, 0.24567, 0.23467, 0.22368]], atol=2e-5)
    assert [round(m.get()[1], 5) for m in est.train_metrics + est.val_metrics] == [
        0.25, 1.11361, 0.41667, 1.07581]


def test_fit_and_evaluate_accept_only_dataloaders():
    est = _estimator()
    with pytest.raises(ValueError, match="Refer to gluon.data.dataloader"):
        est.fit(mx.io.NDArrayIter(np.zeros((4, 5)), np.zeros(4), batch_size=2), epochs=1)
    with pytest.raises(ValueError, match="only support input as Gluon DataLoader"):
        est.fit([mx.nd.ones((4, 5))], epochs=1)
    with pytest.raises(ValueError, match="Refer to gluon.data.DataLoader"):
        est.evaluate([mx.nd.ones((4, 5))])


@pytest.mark.parametrize("epochs,batches", [(1, 1), (None, None), (0, None)])
def test_fit_needs_exactly_one_of_epochs_and_batches(epochs, batches):
    with pytest.raises(ValueError, match="Please specify one and only one of: epochs or batches"):
        _estimator().fit(_loader(), epochs=epochs, batches=batches)


# --- construction ---------------------------------------------------------------------------

def test_default_metrics_and_their_names():
    net = _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    named = {}
    for loss in (gluon.loss.L2Loss(), gluon.loss.SoftmaxCrossEntropyLoss()):
        est = Estimator(net, loss, trainer=trainer)
        named[type(loss).__name__] = ([m.name for m in est.train_metrics],
                                      [m.name for m in est.val_metrics])
    assert named == {
        "L2Loss": (["training l2loss"], ["validation l2loss"]),
        "SoftmaxCrossEntropyLoss": (["training accuracy", "training softmaxcrossentropyloss"],
                                    ["validation accuracy", "validation softmaxcrossentropyloss"])}
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer)
    assert isinstance(est.train_metrics[0], mx.metric.Accuracy)
    assert isinstance(est.train_metrics[1], mx.metric.Loss)
    assert est.val_metrics[0] is not est.train_metrics[0]  # copies
    composite = mx.metric.CompositeEvalMetric([mx.metric.MAE(), mx.metric.RMSE()])
    given_val = mx.metric.Accuracy()
    est = Estimator(net, gluon.loss.L2Loss(), train_metrics=composite, val_metrics=[given_val],
                    trainer=trainer)
    assert [m.name for m in est.train_metrics] == ["training mae", "training rmse"]
    assert est.val_metrics == [given_val] and given_val.name == "validation accuracy"


def test_initialization_and_trainer_defaults():
    net = nn.Sequential()
    net.add(nn.Dense(2, in_units=3))
    with pytest.warns(UserWarning, match="No trainer specified, default SGD optimizer with "
                                         "learning rate 0.001 is used."):
        est = Estimator(net, gluon.loss.L2Loss(), initializer=mx.init.One(), context=mx.cpu())
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), np.ones((2, 3)))
    assert isinstance(est.trainer, gluon.Trainer)
    assert type(est.trainer.optimizer).__name__ == "SGD"
    assert est.trainer.learning_rate == pytest.approx(0.001)

    with pytest.warns(UserWarning, match="Network already fully initialized, skipping"):
        Estimator(net, gluon.loss.L2Loss(), initializer=mx.init.Zero(),
                  trainer=gluon.Trainer(net.collect_params(), "sgd"), context=mx.cpu())
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), np.ones((2, 3)))

    net.add(nn.Dense(4, in_units=2))  # partly initialized: only the new layer is
    with pytest.warns(UserWarning, match="No trainer specified"):  # trainer made afterwards
        Estimator(net, gluon.loss.L2Loss(), initializer=mx.init.Constant(2), context=mx.cpu())
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(net[1].weight.data().asnumpy(), np.full((4, 2), 2.0))


def test_contexts():
    net = _net()
    trainer = gluon.Trainer(net.collect_params(), "sgd")
    est = Estimator(net, gluon.loss.L2Loss(), trainer=trainer)
    assert est.context == ([mx.gpu(0)] if mx.context.num_gpus() else [mx.cpu()])
    est = Estimator(net, gluon.loss.L2Loss(), trainer=trainer, context=mx.cpu())
    assert est.context == [mx.cpu()]
    with pytest.raises(ValueError, match="context must be a Context or a list of Context"):
        Estimator(net, gluon.loss.L2Loss(), trainer=trainer, context="cpu")
    if mx.context.num_gpus() == 0:
        with pytest.raises(AssertionError, match=r"gpu\(3\) is not available, please make sure "
                                                 r"your context is in one of: mx.cpu\(\), "):
            Estimator(net, gluon.loss.L2Loss(), trainer=trainer, context=[mx.gpu(3)])


@pytest.mark.parametrize("kwargs,message", [
    (dict(loss="mse"), "loss must be a Loss, refer to gluon.loss.Loss:mse"),
    (dict(val_loss="l1"), "loss must be a Loss, refer to gluon.loss.Loss:l1"),
    (dict(train_metrics="acc"), "metrics must be a Metric or a list of Metric, refer to "
                                "mxnet.metric.EvalMetric: acc"),
    (dict(val_metrics=[3]), r"metrics must be a Metric or a list of Metric, refer to "
                            r"mxnet.metric.EvalMetric: \[3\]"),
    (dict(train_metrics=5), "metrics must be a Metric or a list of Metric"),
    (dict(trainer="sgd"), "Trainer must be a Gluon Trainer instance, refer to gluon.Trainer:sgd"),
    (dict(batch_processor=object()), "Customized Batch Processor must contain fit_batch"),
])
def test_bad_construction_arguments(kwargs, message):
    net = _net()
    arguments = dict(net=net, loss=gluon.loss.L2Loss(),
                     trainer=gluon.Trainer(net.collect_params(), "sgd"))
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Estimator(**arguments)


# --- default handlers -----------------------------------------------------------------------

def test_default_handlers_order_and_metric_checks():
    est = _estimator()
    est.max_epoch, est.max_batch = 1, None
    early = EarlyStoppingHandler(monitor=est.val_metrics[0], mode="max")
    handlers = est._prepare_default_handlers(val_data=_loader(), event_handlers=early)
    assert [type(h).__name__ for h in handlers] == [
        "GradientUpdateHandler", "MetricHandler", "ValidationHandler", "EarlyStoppingHandler",
        "StoppingHandler", "LoggingHandler"]
    own = MetricHandler(metrics=est.train_metrics[:1])
    handlers = est._prepare_default_handlers(val_data=None, event_handlers=[own])
    assert [h for h in handlers if isinstance(h, MetricHandler)] == [own]
    with pytest.raises(ValueError, match="Event handler LoggingHandler refers to a metric "
                                         "instance .* outside of the known training and "
                                         "validation metrics"):
        est.fit(_loader(), epochs=1, event_handlers=[LoggingHandler(metrics=[mx.metric.MAE()])])
    with pytest.raises(ValueError, match="Event handler MetricHandler refers"):
        est.evaluate(_loader(), event_handlers=[MetricHandler(est.train_metrics)])
    with pytest.raises(ValueError, match=r"handlers must be an EventHandler or a list of "
                                         r"EventHandler, got: \[1\]"):
        est.fit(_loader(), epochs=1, event_handlers=[1])


def test_categorize_handlers():
    class Begin(TrainBegin, EpochEnd):
        pass
    categories = _estimator()._categorize_handlers([Begin(), StoppingHandler(),
                                                    LoggingHandler()])
    assert [len(c) for c in categories] == [3, 1, 1, 2, 3, 1]


# --- the handlers ---------------------------------------------------------------------------

def test_stopping_handler_stops_by_batches_across_epochs():
    stopping = StoppingHandler()
    est = _estimator()
    est.fit(_loader(), batches=7, event_handlers=[CountingHandler(), stopping])
    counter = est.counted
    assert (stopping.current_batch, stopping.current_epoch) == (7, 3)
    assert counter == {"batches": 7, "epochs": 3}
    est.fit(_loader(), epochs=2, event_handlers=[CountingHandler()])
    assert est.counted == {"batches": 6, "epochs": 2}


class CountingHandler(TrainBegin, EpochEnd, est_pkg.BatchEnd):
    """Counts the batches and epochs of a fit into ``estimator.counted``."""

    def train_begin(self, estimator, *args, **kwargs):
        estimator.counted = {"batches": 0, "epochs": 0}

    def batch_end(self, estimator, *args, **kwargs):
        estimator.counted["batches"] += 1

    def epoch_end(self, estimator, *args, **kwargs):
        estimator.counted["epochs"] += 1


def test_metric_handler_updates_loss_metrics_with_losses():
    accuracy, loss = mx.metric.Accuracy(), mx.metric.Loss()
    handler = MetricHandler([accuracy, loss])
    assert handler.priority == -1000
    handler.batch_end(None, label=[mx.nd.array([0, 1])], pred=[mx.nd.array([[1, 0], [1, 0]])],
                      loss=[mx.nd.array([1.0, 3.0])])
    assert accuracy.get()[1] == 0.5 and loss.get()[1] == 2.0
    handler.epoch_begin(None)
    assert np.isnan(accuracy.get()[1]) and np.isnan(loss.get()[1])


def test_validation_handler_periods():
    calls = []

    def evaluate(val_data, batch_axis, event_handlers):
        calls.append((handler.current_epoch, handler.current_batch, val_data, batch_axis,
                      event_handlers))
    marker = object()
    handler = ValidationHandler("data", evaluate, epoch_period=2, batch_period=5,
                                event_handlers=marker)
    est = _estimator()
    est.logger.setLevel(logging.WARNING)
    est.fit(_loader(), epochs=4, event_handlers=[handler])  # 3 batches an epoch
    assert calls == [(1, 5, "data", 0, marker), (2, 6, "data", 0, marker),
                     (3, 10, "data", 0, marker), (4, 12, "data", 0, marker)]
    calls.clear()
    est.fit(_loader(), epochs=1, event_handlers=[ValidationHandler(
        "data", evaluate, epoch_period=None, batch_period=1)])
    assert len(calls) == 3


def test_validation_runs_each_epoch_by_default_and_with_batch_axis_1():
    class Rows(gluon.data.Dataset):
        """Samples along axis 1 of ``data``."""

        def __init__(self, data, label):
            self.data, self.label = data, label

        def __getitem__(self, i):
            return self.data[:, i], self.label[:, i]

        def __len__(self):
            return self.data.shape[1]
    data = gluon.data.DataLoader(Rows(mx.nd.ones((5, 8)), mx.nd.zeros((1, 8))), batch_size=4)
    est = _estimator()
    runs = []
    est.evaluate = lambda **kwargs: runs.append(kwargs["batch_axis"])
    est.fit(data, val_data=data, epochs=3, batch_axis=1)
    assert runs == [1, 1, 1]


def test_logging_handler_interval_and_arguments():
    est = _estimator()
    read_log = _capture_log(est)
    est.fit(_loader(samples=18), epochs=1, event_handlers=[
        LoggingHandler(log_interval=2, metrics=est.train_metrics[:1])])
    batch_lines = [line for line in read_log() if line.startswith("[Epoch 0][Batch")]
    assert batch_lines == [
        "[Epoch 0][Batch 0][Samples 4] time/interval: T.s training accuracy: 0.2500",
        "[Epoch 0][Batch 2][Samples 12] time/interval: T.s training accuracy: 0.3333",
        "[Epoch 0][Batch 4][Samples 18] time/interval: T.s training accuracy: 0.3333"]
    with pytest.raises(ValueError, match="log_interval must be either an integer or string "
                                         "'epoch'"):
        LoggingHandler(log_interval="batch")
    assert LoggingHandler().priority == np.inf


def test_gradient_update_handler_steps_with_the_losses_batch_size():
    class Recorder:
        """An estimator whose trainer records its steps."""

        def __init__(self):
            self.steps = []
            self.trainer = self

        def step(self, batch_size):
            self.steps.append(batch_size)
    recorder = Recorder()
    handler = GradientUpdateHandler()
    handler.batch_end(recorder, loss=[mx.nd.ones((3,)), mx.nd.ones((2, 4))])
    handler.batch_end(recorder, loss=mx.nd.ones((6,)))
    assert recorder.steps == [5, 6] and handler.priority == -2000

    default, given = _estimator(), _estimator()
    default.fit(_loader(), epochs=1)
    given.fit(_loader(), epochs=1, event_handlers=[GradientUpdateHandler()])  # not twice
    np.testing.assert_array_equal(given.net[0].weight.data().asnumpy(),
                                  default.net[0].weight.data().asnumpy())


def test_early_stopping_modes_deltas_patience_baseline():
    values = [0.5, 0.45, 0.46, 0.44, 0.443, 0.43, 0.2, 0.1, 0.05, 0.01]

    class Script(EpochEnd):
        """Sets the monitored metric to the next value at each epoch end."""
        priority = -1

        def __init__(self, target):
            self.target, self.index = target, 0

        def epoch_end(self, estimator, *args, **kwargs):
            self.target.reset()
            self.target.update(None, [mx.nd.array([values[self.index]])])
            self.index += 1
    outcomes = []
    for mode, min_delta, patience, baseline in [("min", 0, 0, None), ("min", 0.011, 1, None),
                                                ("max", 0, 1, None), ("min", 0, 2, 0.3),
                                                ("auto", 0, 0, None)]:
        est = _estimator()
        read_log = _capture_log(est)
        target = est.train_metrics[1]
        early = EarlyStoppingHandler(monitor=target, min_delta=min_delta, patience=patience,
                                     mode=mode, baseline=baseline)
        est.fit(_loader(), epochs=10, event_handlers=[Script(target), early])
        outcomes.append((early.current_epoch, early.stopped_epoch,
                         round(float(early.best), 5), early.wait))
        assert read_log()[-2] == ("[Epoch %d] EarlyStoppingHanlder: early stopping due to "
                                  "training softmaxcrossentropyloss not improving"
                                  % early.stopped_epoch)
    assert outcomes == [(3, 2, 0.45, 1), (3, 2, 0.45, 1), (2, 1, 0.5, 1), (2, 1, 0.3, 2),
                        (2, 1, 0.5, 1)]


def test_early_stopping_arguments_and_warnings():
    with pytest.raises(ValueError, match="Please provide one of the metric objects"):
        EarlyStoppingHandler(monitor="accuracy")
    with pytest.raises(ValueError, match="CompositeEvalMetric is not supported"):
        EarlyStoppingHandler(monitor=mx.metric.CompositeEvalMetric([mx.metric.MAE()]))
    with pytest.warns(RuntimeWarning, match="EarlyStopping mode bogus is unknown"):
        EarlyStoppingHandler(monitor=mx.metric.MAE(), mode="bogus")
    with pytest.warns(UserWarning, match="`greater` operator will be used to determine if mae "
                                         "has improved"):
        early = EarlyStoppingHandler(monitor=mx.metric.MAE())  # 'auto' is greater, as in MXNet
    assert early.monitor_op is np.greater
    est = _estimator()
    early = EarlyStoppingHandler(monitor=est.val_metrics[0], mode="max")  # never updated
    with pytest.warns(RuntimeWarning, match="validation accuracy is not updated"):
        est.fit(_loader(), epochs=2, event_handlers=[early])
    assert early.current_epoch == 2 and not early.stop_training


# --- checkpoints ----------------------------------------------------------------------------

def test_checkpoints_by_batch_with_best_and_symbol(tmp_path):
    net = _net(hybrid=True)
    net.hybridize()
    est = _estimator(net)
    read_log = _capture_log(est)
    checkpoint = CheckpointHandler(str(tmp_path / "new"), model_prefix="m",
                                   monitor=est.train_metrics[0], save_best=True, verbose=1,
                                   epoch_period=None, batch_period=2, max_checkpoints=2)
    est.fit(_loader(), batches=7, event_handlers=[checkpoint])
    assert sorted(os.listdir(tmp_path / "new")) == [
        "m-best.params", "m-best.states", "m-epoch1batch3.params", "m-epoch1batch3.states",
        "m-epoch1batch5.params", "m-epoch1batch5.states", "m-symbol.json"]
    saved = mx.sym.load(str(tmp_path / "new" / "m-symbol.json"))
    assert saved.list_arguments() == ["data", net[0].weight.name, net[0].bias.name]
    lines = [line.replace(str(tmp_path / "new"), "DIR") for line in read_log()
             if "CheckpointHandler" in line]
    assert lines[0] == ("[Epoch 0] CheckpointHandler: trained total 2 batches, saving model at "
                        "DIR with prefix: m-epoch0batch1")
    # MXNet logs the new best as the old one, and the batch count as the epoch
    assert lines[1] == ("[Epoch 0] CheckpointHandler: training accuracy improved from -inf to "
                        "0.25000, updating best model at DIR with prefix: m-best")
    assert lines[3] == ("[Epoch 1] CheckpointHandler: training accuracy did not improve from "
                        "0.25000, skipping updating best model")
    best = mx.nd.load(str(tmp_path / "new" / "m-best.params"))
    assert sorted(best) == ["0.bias", "0.weight"]
    assert checkpoint.best == pytest.approx(1 / 3)


def test_checkpoint_of_an_eager_net_has_no_symbol(tmp_path):
    est = _estimator()
    read_log = _capture_log(est)
    est.fit(_loader(), epochs=1, event_handlers=[CheckpointHandler(str(tmp_path))])
    assert sorted(os.listdir(tmp_path)) == ["model-epoch0batch3.params",
                                            "model-epoch0batch3.states"]
    assert any(line.startswith("Model architecture(symbol file) is not saved")
               for line in read_log())


def test_checkpoint_removes_exactly_the_oldest_files(tmp_path):
    est = _estimator()
    est.logger.setLevel(logging.WARNING)
    est.fit(_loader(samples=13, batch_size=1), batches=13, event_handlers=[CheckpointHandler(
        str(tmp_path), epoch_period=None, batch_period=1, max_checkpoints=11)])
    # MXNet would also delete batch10 to batch12, whose names begin with 'batch1'
    assert sorted(os.listdir(tmp_path)) == sorted(
        "model-epoch0batch%d.%s" % (batch, suffix) for batch in range(2, 13)
        for suffix in ("params", "states"))


def test_resume_continues_training_exactly(tmp_path):
    def momentum_estimator():
        net = _net()
        trainer = gluon.Trainer(net.collect_params(), "sgd",
                                {"learning_rate": 0.1, "momentum": 0.9})
        est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer,
                        context=mx.cpu())
        est.logger.setLevel(logging.WARNING)
        return est
    straight = momentum_estimator()
    straight.fit(_loader(), epochs=4)

    first = momentum_estimator()
    first.fit(_loader(), epochs=2, event_handlers=[CheckpointHandler(str(tmp_path))])
    resumed = momentum_estimator()
    read_log = _capture_log(resumed)
    resumed.fit(_loader(), epochs=4, event_handlers=[
        CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)])
    assert read_log() == ["CheckpointHandler: Checkpoint resumed from epoch 1 batch 6, "
                          "continue to train for 2 epochs "]
    assert resumed.max_epoch == 2
    np.testing.assert_allclose(resumed.net[0].weight.data().asnumpy(),
                               straight.net[0].weight.data().asnumpy(), rtol=1e-6)
    assert sorted(os.listdir(tmp_path))[-2:] == ["model-epoch3batch12.params",
                                                 "model-epoch3batch12.states"]

    with pytest.raises(ValueError, match="Found checkpoint with maximum number of epoch 4 "
                                         "reached"):
        momentum_estimator().fit(_loader(), epochs=4, event_handlers=[
            CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)])
    with pytest.raises(AssertionError, match="To use resume from checkpoint, you must only "
                                             "specify the same type of period"):
        momentum_estimator().fit(_loader(), batches=4, event_handlers=[
            CheckpointHandler(str(tmp_path), resume_from_checkpoint=True)])


def test_resume_by_batches_numbers_the_new_checkpoints(tmp_path):
    def checkpoint(resume=False):
        return CheckpointHandler(str(tmp_path), epoch_period=None, batch_period=2,
                                 resume_from_checkpoint=resume)
    _estimator().fit(_loader(), batches=4, event_handlers=[checkpoint()])
    est = _estimator()
    read_log = _capture_log(est)
    est.fit(_loader(), batches=9, event_handlers=[checkpoint(resume=True)])
    assert read_log()[0] == ("CheckpointHandler: Checkpoint resumed from epoch 1 batch 3, "
                             "continue to train for 5 batches ")
    assert est.max_batch == 5
    assert sorted(os.listdir(tmp_path)) == [
        "model-epoch%dbatch%d.%s" % (epoch, batch, suffix)
        for epoch, batch in [(0, 1), (1, 3), (2, 5), (3, 7)] for suffix in ("params", "states")]


def test_resume_without_checkpoints_and_with_bad_names(tmp_path):
    est = _estimator()
    read_log = _capture_log(est)
    est.fit(_loader(), batches=2, event_handlers=[CheckpointHandler(
        str(tmp_path / "empty"), epoch_period=None, batch_period=1, resume_from_checkpoint=True)])
    assert read_log()[0] == ("CheckpointHandler: No checkpoint found, training from scratch "
                             "for 2 batches")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "model-epochXbatch1.params").write_bytes(b"")
    with pytest.raises(ValueError, match="Error parsing checkpoint file"):
        est.fit(_loader(), epochs=2, event_handlers=[CheckpointHandler(
            str(tmp_path / "bad"), resume_from_checkpoint=True)])


def test_checkpoint_arguments(tmp_path):
    with pytest.raises(ValueError, match="To save best model only, please provide one of the "
                                         "metric objects"):
        CheckpointHandler(str(tmp_path), save_best=True)
    with pytest.warns(RuntimeWarning, match="ModelCheckpoint mode x is unknown"):
        checkpoint = CheckpointHandler(str(tmp_path / "made"), monitor=mx.metric.MAE(),
                                       save_best=True, mode="x")
    assert os.path.isdir(tmp_path / "made") and checkpoint.monitor_op is np.greater
    assert CheckpointHandler(str(tmp_path), monitor=mx.metric.MAE(), save_best=True,
                             mode="min").monitor_op is np.less


# --- batch processor ------------------------------------------------------------------------

def test_custom_batch_processor():
    class HalfLoss(BatchProcessor):
        """Trains on half the loss; evaluates the net as it is."""

        def __init__(self):
            self.calls = {"fit": 0, "evaluate": 0}

        def fit_batch(self, estimator, train_batch, batch_axis=0):
            self.calls["fit"] += 1
            data, label = self._get_data_and_label(train_batch, estimator.context, batch_axis)
            with mx.autograd.record():
                pred = [estimator.net(x) for x in data]
                loss = [estimator.loss(p, y) * 0.5 for p, y in zip(pred, label)]
            for each in loss:
                each.backward()
            return data, label, pred, loss

        def evaluate_batch(self, estimator, val_batch, batch_axis=0):
            self.calls["evaluate"] += 1
            return super().evaluate_batch(estimator, val_batch, batch_axis)
    processor = HalfLoss()
    est, reference = _estimator(batch_processor=processor, lr=0.2), _estimator(lr=0.1)
    est.fit(_loader(), val_data=_loader(8), epochs=1)
    reference.fit(_loader(), epochs=1)
    assert processor.calls == {"fit": 3, "evaluate": 2}
    np.testing.assert_allclose(est.net[0].weight.data().asnumpy(),
                               reference.net[0].weight.data().asnumpy(), rtol=1e-5)
    assert isinstance(_estimator().batch_processor, BatchProcessor)


def test_package_layout():
    from symjax_mx.gluon.contrib.estimator import batch_processor, estimator, event_handler
    assert estimator.Estimator is Estimator and batch_processor.BatchProcessor is BatchProcessor
    assert all(getattr(est_pkg, name) is getattr(event_handler, name)
               for name in event_handler.__all__)
    assert mx.gluon.contrib.estimator.utils._suggest_metric_for_loss(gluon.loss.L2Loss()) is None

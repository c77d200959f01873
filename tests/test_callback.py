"""mx.callback against MXNet 1.9.1: the expected log lines were produced by MXNet 1.9.1's
callbacks (/tmp/mxref) on the same inputs with the same fake clock."""
import logging

import pytest

import symjax_mx as mx
from symjax_mx import callback as C
from symjax_mx import metric as M
from symjax_mx import model_files


def _param(epoch, nbatch, eval_metric=None):
    return C.BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=None)


def _metric():
    metric = M.create(["acc", "mse"])
    metric.update([mx.nd.array([0, 1])], [mx.nd.array([[0.2, 0.8], [0.3, 0.7]])])
    return metric


@pytest.fixture
def clock(monkeypatch):
    """A fake time.time() whose value the test advances by hand."""
    now = [100.0]
    monkeypatch.setattr(C.time, "time", lambda: now[0])
    return now


def _messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_batch_end_param():
    param = _param(1, 2)
    assert type(param).__name__ == "BatchEndParams"
    assert param._fields == ("epoch", "nbatch", "eval_metric", "locals")


def test_speedometer_auto_reset(caplog, clock):
    caplog.set_level(logging.INFO)
    metric = _metric()
    speedometer = C.Speedometer(batch_size=4, frequent=2)
    for nbatch in range(5):
        clock[0] += 0.5
        speedometer(_param(1, nbatch, metric))
    assert _messages(caplog) == [
        "Epoch[1] Batch [0-2]\tSpeed: 8.00 samples/sec\taccuracy=0.500000\tmse=0.315000",
        "Epoch[1] Batch [2-4]\tSpeed: 8.00 samples/sec\taccuracy=nan\tmse=nan",
    ]


def test_speedometer_without_reset_and_without_metric(caplog, clock):
    caplog.set_level(logging.INFO)
    metric = _metric()
    speedometer = C.Speedometer(batch_size=4, frequent=2, auto_reset=False)
    for nbatch in range(5):
        clock[0] += 0.25
        speedometer(_param(2, nbatch, metric))
    speedometer(_param(3, 0))  # nbatch went back: a new epoch restarts the timer
    clock[0] += 1
    speedometer(_param(3, 2))
    speedometer(_param(3, 4))  # no time passed
    assert _messages(caplog) == [
        "Epoch[2] Batch [0-2]\tSpeed: 16.00 samples/sec\taccuracy=0.500000\tmse=0.315000",
        "Epoch[2] Batch [0-4]\tSpeed: 16.00 samples/sec\taccuracy=0.500000\tmse=0.315000",
        "Iter[3] Batch [2]\tSpeed: 8.00 samples/sec",
        "Iter[3] Batch [4]\tSpeed: inf samples/sec",
    ]
    assert metric.get()[1] == [0.5, pytest.approx(0.315)]


def test_progress_bar(caplog):
    caplog.set_level(logging.INFO)
    bar = C.ProgressBar(total=3, length=10)
    for nbatch in range(4):
        bar(_param(0, nbatch))
    assert _messages(caplog) == ["[----------] 0%\r", "[===-------] 34%\r",
                                 "[=======---] 67%\r", "[==========] 100%\r"]


def test_log_train_metric(caplog):
    caplog.set_level(logging.INFO)
    metric = _metric()
    C.log_train_metric(2)(_param(0, 1, metric))  # not a multiple of the period
    C.log_train_metric(2)(_param(0, 2, metric))
    C.log_train_metric(2)(_param(0, 4))  # no metric
    assert _messages(caplog) == ["Iter[0] Batch[2] Train-accuracy=0.500000",
                                 "Iter[0] Batch[2] Train-mse=0.315000"]
    assert metric.get()[1][0] == 0.5
    C.log_train_metric(2, auto_reset=True)(_param(0, 2, metric))
    assert metric.get()[1][0] != metric.get()[1][0]  # nan: reset_local was called
    assert metric.get_global()[1][0] == 0.5


def test_log_validation_metrics(caplog):
    caplog.set_level(logging.INFO)
    C.LogValidationMetricsCallback()(_param(5, 2, _metric()))
    C.LogValidationMetricsCallback()(_param(6, 2))
    assert _messages(caplog) == ["Epoch[5] Validation-accuracy=0.500000",
                                 "Epoch[5] Validation-mse=0.315000"]


def test_do_checkpoint_period(monkeypatch):
    saved = []
    monkeypatch.setattr(model_files, "save_checkpoint", lambda *args: saved.append(args))
    callback = C.do_checkpoint("prefix", period=2)
    for epoch in range(5):
        callback(epoch, "sym", {"w": 1}, {"a": 2})
    assert saved == [("prefix", 2, "sym", {"w": 1}, {"a": 2}),
                     ("prefix", 4, "sym", {"w": 1}, {"a": 2})]
    saved.clear()
    every = C.do_checkpoint("p", period=0)  # a period below 1 means every epoch
    every(0, None, None, None)
    assert saved == [("p", 1, None, None, None)]


def test_module_checkpoint_period():
    class FakeModule:
        def __init__(self):
            self.calls = []

        def save_checkpoint(self, *args):
            self.calls.append(args)

    mod = FakeModule()
    callback = C.module_checkpoint(mod, "prefix", period=3, save_optimizer_states=True)
    for epoch in range(7):
        callback(epoch)
    assert mod.calls == [("prefix", 3, True), ("prefix", 6, True)]

"""mx.contrib.tensorboard.LogMetricsCallback writes fit's metrics as TensorBoard scalars."""
import glob
import struct

import numpy as np
import pytest

import symjax_mx as mx

event_pb2 = pytest.importorskip("tensorboardX.proto.event_pb2")  # the 'tensorboard' extra


def _scalars(logdir):
    """[(tag, step, value)] from the event files in ``logdir``."""
    found = []
    for path in glob.glob(f"{logdir}/events.out.tfevents.*"):
        with open(path, "rb") as f:
            while header := f.read(12):
                event = event_pb2.Event.FromString(f.read(struct.unpack("<Q", header[:8])[0]))
                f.read(4)
                found += [(v.tag, event.step, v.simple_value) for v in event.summary.value]
    return found


def test_each_metric_is_a_scalar_at_its_epoch(tmp_path):
    callback = mx.contrib.tensorboard.LogMetricsCallback(str(tmp_path), prefix="train")
    metric = mx.metric.create(["accuracy", "mse"])
    for epoch, predicted in enumerate(([0.9, 0.1], [0.2, 0.8])):
        metric.reset()
        metric.update([mx.nd.array([1])], [mx.nd.array([predicted])])
        callback(mx.callback.BatchEndParam(epoch=epoch, nbatch=3, eval_metric=metric,
                                           locals=None))
    callback(mx.callback.BatchEndParam(epoch=2, nbatch=0, eval_metric=None, locals=None))
    callback.summary_writer.close()
    scalars = sorted(_scalars(tmp_path))
    assert [(tag, step) for tag, step, _ in scalars] == [
        ("train-accuracy", 0), ("train-accuracy", 1), ("train-mse", 0), ("train-mse", 1)]
    mse = [((1 - 0.9) ** 2 + (1 - 0.1) ** 2) / 2, ((1 - 0.2) ** 2 + (1 - 0.8) ** 2) / 2]
    np.testing.assert_allclose([v for _, _, v in scalars], [0, 1, *mse], rtol=1e-6)

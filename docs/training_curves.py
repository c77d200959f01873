"""Make docs/training_curves.png: an MLP trained on scikit-learn's digits with
mx.contrib.tensorboard.LogMetricsCallback writing TensorBoard event files, whose scalars
are then drawn with matplotlib (the same curves ``tensorboard --logdir LOGDIR`` shows).

    pip install 'symjax_mx[tensorboard,examples]' matplotlib
    python docs/training_curves.py [--logdir /tmp/curves]
"""
import argparse
import glob
import logging
import os
import struct

import matplotlib
import numpy as np
from sklearn.datasets import load_digits
from tensorboardX.proto import event_pb2

import symjax_mx as mx

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_scalars(logdir):
    """{tag: [(step, value), ...]} from the TensorBoard event files in ``logdir``."""
    scalars = {}
    for path in sorted(glob.glob(os.path.join(logdir, "events.out.tfevents.*"))):
        with open(path, "rb") as f:
            while header := f.read(12):
                (length,) = struct.unpack("<Q", header[:8])
                event = event_pb2.Event.FromString(f.read(length))
                f.read(4)  # the record's CRC
                for value in event.summary.value:
                    scalars.setdefault(value.tag, []).append((event.step, value.simple_value))
    return scalars


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logdir", default="/tmp/symjax_mx_curves")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__),
                                                      "training_curves.png"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    digits = load_digits()
    x = (digits.images / 16).astype(np.float32).reshape(-1, 64)
    y = digits.target.astype(np.float32)
    train = mx.io.NDArrayIter(x[:1500], y[:1500], batch_size=50, shuffle=True)
    val = mx.io.NDArrayIter(x[1500:], y[1500:], batch_size=50)
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=32, name="fc1")
    net = mx.sym.FullyConnected(mx.sym.Activation(net, act_type="relu"), num_hidden=10,
                                name="fc2")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    mx.random.seed(0)
    module = mx.mod.Module(net)
    module.fit(train, eval_data=val, num_epoch=15, optimizer="sgd",
               optimizer_params={"learning_rate": 0.05, "momentum": 0.9},
               eval_metric=["accuracy", "ce"],
               batch_end_callback=mx.contrib.tensorboard.LogMetricsCallback(
                   os.path.join(args.logdir, "train")),
               eval_end_callback=mx.contrib.tensorboard.LogMetricsCallback(
                   os.path.join(args.logdir, "eval")))
    figure, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for run, style in (("train", "-"), ("eval", "o-")):
        scalars = read_scalars(os.path.join(args.logdir, run))
        for ax, tag in zip(axes, ("accuracy", "cross-entropy")):
            last = dict(scalars[tag])  # a batch-end callback logs every batch at its epoch
            ax.plot(list(last), list(last.values()), style, label=run)
            ax.set_title(tag)
            ax.set_xlabel("epoch")
            ax.legend()
    figure.suptitle("Module.fit with mx.contrib.tensorboard.LogMetricsCallback")
    figure.tight_layout()
    figure.savefig(args.out, dpi=90)
    print("wrote", args.out)


if __name__ == "__main__":
    main()

"""Train an MLP on scikit-learn's digits with mx.contrib.tensorboard.LogMetricsCallback
writing TensorBoard event files: docs/training_curves.png is TensorBoard showing them.

    pip install 'symjax_mx[tensorboard,examples]' tensorboard
    python docs/training_curves.py --logdir /tmp/curves
    tensorboard --logdir /tmp/curves --host 127.0.0.1 --port 6006 &
    chromium --headless=new --no-sandbox --window-size=1400,900 \
        --virtual-time-budget=20000 --screenshot=docs/training_curves.png \
        'http://127.0.0.1:6006/#scalars'
"""
import argparse
import logging
import os

import numpy as np
from sklearn.datasets import load_digits

import symjax_mx as mx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logdir", default="/tmp/symjax_mx_curves")
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
    callbacks = {run: mx.contrib.tensorboard.LogMetricsCallback(os.path.join(args.logdir, run))
                 for run in ("train", "eval")}
    module.fit(train, eval_data=val, num_epoch=15, optimizer="sgd",
               optimizer_params={"learning_rate": 0.05, "momentum": 0.9},
               eval_metric=["accuracy", "ce"], batch_end_callback=callbacks["train"],
               eval_end_callback=callbacks["eval"])
    for callback in callbacks.values():
        callback.summary_writer.close()  # a thread writes its queue: wait for it
    print("event files written under", args.logdir)


if __name__ == "__main__":
    main()

"""Train an MLP and a LeNet-style network with Module.fit and print validation accuracy.

Data: the MNIST idx files when ``--data-dir`` holds them (train-images-idx3-ubyte,
train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte), else
scikit-learn's bundled 8x8 digits (``pip install 'symjax_mx[examples]'``), split
1500 / 297 into training and validation sets.

    python examples/train_mnist.py [--network mlp|lenet|both] [--num-epochs N]
                                   [--data-dir DIR] [--gpus 0,1 | --cpus 0,1]
"""
import argparse
import logging
import os

import numpy as np

import symjax_mx as mx


def mlp(num_classes=10):
    data = mx.sym.Flatten(mx.sym.var("data"))
    fc1 = mx.sym.FullyConnected(data, num_hidden=128, name="fc1")
    act1 = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act1, num_hidden=64, name="fc2")
    act2 = mx.sym.Activation(fc2, act_type="relu", name="relu2")
    fc3 = mx.sym.FullyConnected(act2, num_hidden=num_classes, name="fc3")
    return mx.sym.SoftmaxOutput(fc3, name="softmax")


def lenet(num_classes=10, kernel=5):
    """LeNet; with 8x8 digits the convolutions are 3x3 and padded."""
    pad = (kernel // 2,) * 2 if kernel == 3 else (0, 0)
    x = mx.sym.var("data")
    for i, filters in enumerate((20, 50)):
        x = mx.sym.Convolution(x, kernel=(kernel, kernel), pad=pad, num_filter=filters,
                               name=f"conv{i + 1}")
        x = mx.sym.Activation(x, act_type="tanh")
        x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2))
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=500, name="fc1")
    x = mx.sym.Activation(x, act_type="tanh")
    x = mx.sym.FullyConnected(x, num_hidden=num_classes, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax")


def mnist_iters(data_dir, batch_size):
    def path(name):
        return os.path.join(data_dir, name)
    train = mx.io.MNISTIter(image=path("train-images-idx3-ubyte"),
                            label=path("train-labels-idx1-ubyte"),
                            batch_size=batch_size, shuffle=True)
    val = mx.io.MNISTIter(image=path("t10k-images-idx3-ubyte"),
                          label=path("t10k-labels-idx1-ubyte"), batch_size=batch_size)
    return train, val, 5


def digits_iters(batch_size):
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise SystemExit("the digits data needs scikit-learn: pip install "
                         "'symjax_mx[examples]' (or give --data-dir with MNIST idx files)")
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]  # (1797, 1, 8, 8)
    labels = digits.target.astype(np.float32)
    order = np.random.RandomState(0).permutation(len(labels))
    images, labels = images[order], labels[order]
    train = mx.io.NDArrayIter(images[:1500], labels[:1500], batch_size, shuffle=True)
    val = mx.io.NDArrayIter(images[1500:], labels[1500:], batch_size)
    return train, val, 3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=["mlp", "lenet", "both"], default="both")
    parser.add_argument("--num-epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--data-dir", help="a folder with the MNIST idx files")
    parser.add_argument("--gpus", help="e.g. 0,1: train data parallel on these GPUs")
    parser.add_argument("--cpus", help="e.g. 0,1: train data parallel on these host devices")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jax").setLevel(logging.WARNING)

    if args.gpus:
        contexts = [mx.gpu(int(i)) for i in args.gpus.split(",")]
    elif args.cpus:
        contexts = [mx.cpu(int(i)) for i in args.cpus.split(",")]
    else:
        contexts = [mx.cpu(0)]
    mx.random.seed(42)
    np.random.seed(42)
    if args.data_dir:
        train, val, kernel = mnist_iters(args.data_dir, args.batch_size)
    else:
        train, val, kernel = digits_iters(args.batch_size)
    networks = {"mlp": mlp(), "lenet": lenet(kernel=kernel)}
    names = ["mlp", "lenet"] if args.network == "both" else [args.network]
    for name in names:
        mod = mx.mod.Module(networks[name], context=contexts)
        mod.fit(train, eval_data=val, num_epoch=args.num_epochs,
                initializer=mx.init.Xavier(magnitude=2.0),
                optimizer="sgd", optimizer_params={"learning_rate": args.lr, "momentum": 0.9,
                                                   "wd": 1e-4},
                batch_end_callback=mx.callback.Speedometer(args.batch_size, 10))
        accuracy = dict(mod.score(val, "acc"))["accuracy"]
        print(f"{name}: validation accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()

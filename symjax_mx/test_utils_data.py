"""MXNet's test helpers that fetch files and data sets (re-exported by mx.test_utils):
``download`` (a plain file fetch, no checksum) and the MNIST / CIFAR-10 getters that
MXNet's examples call; each reuses files already in place."""
import gzip
import os
import struct
import zipfile

import numpy as np

from .io import MNISTIter

_MXNET_DATA = "http://data.mxnet.io/data/mnist/"


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Fetch ``url`` to ``fname`` (default: the URL's last part), in ``dirname`` when
    given; an existing file is kept unless ``overwrite``. Returns the file name."""
    from .gluon.utils import download as fetch  # gluon sits above test_utils
    if retries < 0:
        raise AssertionError("Number of retries should be at least 0")
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname:
        os.makedirs(dirname, exist_ok=True)
    if not overwrite and os.path.exists(fname):
        return fname
    return fetch(url, path=fname, overwrite=True, retries=retries)


def _read_mnist(label_url, image_url):
    """(labels int8, images float32 (N, 1, 28, 28) in [0, 1]) from two idx .gz files."""
    with gzip.open(download(label_url)) as labels:
        struct.unpack(">II", labels.read(8))
        label = np.frombuffer(labels.read(), dtype=np.int8)
    with gzip.open(download(image_url), "rb") as images:
        _, _, rows, cols = struct.unpack(">IIII", images.read(16))
        image = np.frombuffer(images.read(), dtype=np.uint8).reshape(len(label), rows, cols)
    return label, image.reshape(image.shape[0], 1, 28, 28).astype(np.float32) / 255


def get_mnist():
    """MNIST as a dict of numpy arrays (train_data, train_label, test_data, test_label),
    read from the idx .gz files in the current folder (downloaded when missing)."""
    train_label, train_data = _read_mnist(_MXNET_DATA + "train-labels-idx1-ubyte.gz",
                                          _MXNET_DATA + "train-images-idx3-ubyte.gz")
    test_label, test_data = _read_mnist(_MXNET_DATA + "t10k-labels-idx1-ubyte.gz",
                                        _MXNET_DATA + "t10k-images-idx3-ubyte.gz")
    return {"train_data": train_data, "train_label": train_label,
            "test_data": test_data, "test_label": test_label}


def _unzip_unless_present(url, names):
    """Download and extract ``url`` into ``data/`` unless every file in ``names`` is there."""
    os.makedirs("data", exist_ok=True)
    if not all(os.path.exists(os.path.join("data", name)) for name in names):
        with zipfile.ZipFile(download(url, dirname="data")) as archive:
            archive.extractall("data")


def get_mnist_pkl():
    """Make sure ``data/mnist.pkl.gz`` exists (downloaded when missing)."""
    os.makedirs("data", exist_ok=True)
    if not os.path.exists("data/mnist.pkl.gz"):
        download("http://deeplearning.net/data/mnist/mnist.pkl.gz", dirname="data")


def get_mnist_ubyte():
    """Make sure the four unzipped MNIST idx files are in ``data/``."""
    _unzip_unless_present("http://data.mxnet.io/mxnet/data/mnist.zip",
                          ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"])


def get_cifar10():
    """Make sure CIFAR-10's .rec and .lst files are in ``data/cifar/``."""
    _unzip_unless_present("http://data.mxnet.io/mxnet/data/cifar10.zip",
                          ["cifar/train.rec", "cifar/test.rec", "cifar/train.lst",
                           "cifar/test.lst"])


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, validation) MNISTIters over ``data/``'s idx files; flat unless
    ``input_shape`` has three dimensions."""
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    common = dict(input_shape=input_shape, batch_size=batch_size, flat=flat,
                  num_parts=num_parts, part_index=part_index)
    train = MNISTIter(image="data/train-images-idx3-ubyte",
                      label="data/train-labels-idx1-ubyte", shuffle=True, **common)
    val = MNISTIter(image="data/t10k-images-idx3-ubyte",
                    label="data/t10k-labels-idx1-ubyte", **common)
    return train, val

"""MXNet's test_utils helpers that fetch the example data sets (MNIST, CIFAR-10) into
``./data`` and wrap them in iterators; files already there are used as they are."""
import gzip
import logging
import os
import struct
import zipfile

import numpy as np

from .gluon.utils import download as _gluon_download
from .io import MNISTIter

_MNIST_UBYTE = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_CIFAR_FILES = ("train.rec", "test.rec", "train.lst", "test.lst")


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Download ``url`` to ``fname`` (default: the URL's file name), inside ``dirname`` if
    given, unless the file exists (or ``overwrite``); returns the file name."""
    assert retries >= 0, "Number of retries should be at least 0"
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname:
        os.makedirs(dirname, exist_ok=True)
    if not overwrite and os.path.exists(fname):
        logging.info("%s exists, skipping download", fname)
        return fname
    return _gluon_download(url, path=fname, overwrite=True, retries=retries)


def _fetch_zip(url, folder, names):
    """Extract the zip at ``url`` into ./data unless every file of ``names`` is in
    ./data/``folder``."""
    os.makedirs("data", exist_ok=True)
    if not all(os.path.exists(os.path.join("data", folder, n)) for n in names):
        with zipfile.ZipFile(download(url, dirname="data")) as archive:
            archive.extractall("data")


def get_mnist_ubyte():
    """MNIST's idx files in ./data (downloaded and unzipped if missing)."""
    _fetch_zip("http://data.mxnet.io/mxnet/data/mnist.zip", "", _MNIST_UBYTE)


def get_cifar10():
    """CIFAR-10's .rec and .lst files in ./data/cifar (downloaded if missing)."""
    _fetch_zip("http://data.mxnet.io/mxnet/data/cifar10.zip", "cifar", _CIFAR_FILES)


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, validation) MNISTIter over ./data's MNIST; flat unless ``input_shape`` has
    three dimensions."""
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    common = dict(input_shape=input_shape, batch_size=batch_size, flat=flat,
                  num_parts=num_parts, part_index=part_index)
    train = MNISTIter(image="data/train-images-idx3-ubyte",
                      label="data/train-labels-idx1-ubyte", shuffle=True, **common)
    val = MNISTIter(image="data/t10k-images-idx3-ubyte",
                    label="data/t10k-labels-idx1-ubyte", **common)
    return train, val


def _read_mnist(label_url, image_url):
    with gzip.open(download(label_url)) as labels:
        struct.unpack(">II", labels.read(8))
        label = np.frombuffer(labels.read(), dtype=np.int8)
    with gzip.open(download(image_url), "rb") as images:
        _, _, rows, cols = struct.unpack(">IIII", images.read(16))
        image = np.frombuffer(images.read(), dtype=np.uint8).reshape(len(label), rows, cols)
    return label, image.reshape(image.shape[0], 1, 28, 28).astype(np.float32) / 255


def get_mnist():
    """MNIST as a dict of numpy arrays (train_data, train_label, test_data, test_label),
    images (N, 1, 28, 28) in [0, 1]; the .gz files are downloaded here if missing."""
    path = "http://data.mxnet.io/data/mnist/"
    train_label, train_data = _read_mnist(path + "train-labels-idx1-ubyte.gz",
                                          path + "train-images-idx3-ubyte.gz")
    test_label, test_data = _read_mnist(path + "t10k-labels-idx1-ubyte.gz",
                                        path + "t10k-images-idx3-ubyte.gz")
    return {"train_data": train_data, "train_label": train_label,
            "test_data": test_data, "test_label": test_label}

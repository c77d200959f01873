"""MXNet's data helpers of mx.test_utils (re-exported there): download a file, the MNIST
and CIFAR-10 files its examples read (from ``data/`` in the working directory, fetched
when missing) and the MNIST iterators."""
import bz2
import errno
import logging
import os
import zipfile

import numpy as np

from .gluon.utils import download as _fetch
from .io import MNISTIter
from .io.files import read_idx
from .util import get_gpu_count

_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def list_gpus():
    """range over the GPU indices (empty without GPUs)."""
    return range(get_gpu_count())


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Download ``url`` to ``fname`` (default: the URL's file name) in ``dirname``; an
    existing file is kept unless ``overwrite``. Returns the file name."""
    if retries < 0:
        raise AssertionError("Number of retries should be at least 0")
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname and not os.path.exists(dirname):
        logging.info("create directory %s", dirname)
        try:
            os.makedirs(dirname)
        except OSError as exc:
            if exc.errno != errno.EEXIST:
                raise OSError("failed to create " + dirname) from exc
    if not overwrite and os.path.exists(fname):
        logging.info("%s exists, skipping download", fname)
        return fname
    _fetch(url, path=fname, overwrite=True, retries=retries)
    logging.info("downloaded %s into %s successfully", url, fname)
    return fname


_MODELS = "http://data.mxnet.io/models/"
_MODEL_FILES = {  # name -> (symbol file, params file) under _MODELS, as MXNet lists them
    "imagenet1k-inception-bn": ("imagenet/inception-bn/Inception-BN-symbol.json",
                                "imagenet/inception-bn/Inception-BN-0126.params"),
    **{f"imagenet1k-resnet-{n}": (f"imagenet/resnet/{n}-layers/resnet-{n}-symbol.json",
                                  f"imagenet/resnet/{n}-layers/resnet-{n}-0000.params")
       for n in (18, 34, 50, 101, 152)},
    **{f"imagenet1k-resnext-{n}": (f"imagenet/resnext/{n}-layers/resnext-{n}-symbol.json",
                                   f"imagenet/resnext/{n}-layers/resnext-{n}-0000.params")
       for n in (50, 101)},
    "imagenet1k-resnext-101-64x4d": (
        "imagenet/resnext/101-layers/resnext-101-64x4d-symbol.json",
        "imagenet/resnext/101-layers/resnext-101-64x4d-0000.params"),
    "imagenet11k-resnet-152": ("imagenet-11k/resnet-152/resnet-152-symbol.json",
                               "imagenet-11k/resnet-152/resnet-152-0000.params"),
    **{f"imagenet11k-place365ch-resnet-{n}": (
        f"imagenet-11k-place365-ch/resnet-{n}-symbol.json",
        f"imagenet-11k-place365-ch/resnet-{n}-0000.params") for n in (152, 50)},
}


def download_model(model_name, dst_dir="./", meta_info=None):
    """(prefix, 0) of ``model_name``'s files fetched into ``dst_dir`` by ``meta_info``
    (name -> {'symbol': url, 'params': url}; default: MXNet's published ImageNet
    models); (None, 0) for an unknown name."""
    if meta_info is None:
        meta_info = {name: {"symbol": _MODELS + symbol, "params": _MODELS + params}
                     for name, (symbol, params) in _MODEL_FILES.items()}
    meta_info = dict(meta_info)
    if model_name not in meta_info:
        return (None, 0)
    if not os.path.isdir(dst_dir):
        os.mkdir(dst_dir)
    meta = dict(meta_info[model_name])
    prefix = os.path.join(dst_dir, model_name)
    download(meta["symbol"], prefix + "-symbol.json")
    download(meta["params"], prefix + "-0000.params")
    return (prefix, 0)


def get_mnist():
    """MNIST as numpy arrays: {'train_data', 'train_label', 'test_data', 'test_label'};
    images (N, 1, 28, 28) float32 in [0, 1], labels int8. Reads the .gz files here,
    downloading the missing ones."""
    def read(label_url, image_url):
        label = read_idx(download(label_url), 0x801, "label", "get_mnist").view(np.int8)
        image = read_idx(download(image_url), 0x803, "image", "get_mnist")
        return label, image.reshape(image.shape[0], 1, 28, 28).astype(np.float32) / 255

    path = "http://data.mxnet.io/data/mnist/"
    train_lbl, train_img = read(path + "train-labels-idx1-ubyte.gz",
                                path + "train-images-idx3-ubyte.gz")
    test_lbl, test_img = read(path + "t10k-labels-idx1-ubyte.gz",
                              path + "t10k-images-idx3-ubyte.gz")
    return {"train_data": train_img, "train_label": train_lbl,
            "test_data": test_img, "test_label": test_lbl}


def get_mnist_pkl():
    """Fetch data/mnist.pkl.gz unless it is there."""
    os.makedirs("data", exist_ok=True)
    if not os.path.exists("data/mnist.pkl.gz"):
        download("http://deeplearning.net/data/mnist/mnist.pkl.gz", dirname="data")


def get_mnist_ubyte():
    """Fetch and unpack MNIST's four idx files into data/ unless they are there."""
    os.makedirs("data", exist_ok=True)
    if not all(os.path.exists(os.path.join("data", f)) for f in _MNIST_FILES):
        _extract_zip(download("http://data.mxnet.io/mxnet/data/mnist.zip", dirname="data"),
                     "data")


def get_cifar10():
    """Fetch and unpack CIFAR-10's .rec and .lst files into data/cifar unless they are
    there."""
    os.makedirs("data", exist_ok=True)
    if not all(os.path.exists(f"data/cifar/{f}")
               for f in ("train.rec", "test.rec", "train.lst", "test.lst")):
        _extract_zip(download("http://data.mxnet.io/mxnet/data/cifar10.zip", dirname="data"),
                     "data")


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, val) MNISTIters over data/'s idx files; flat unless ``input_shape`` has
    three dimensions; the training one shuffles."""
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    common = dict(input_shape=input_shape, batch_size=batch_size, flat=flat,
                  num_parts=num_parts, part_index=part_index)
    train = MNISTIter(image="data/train-images-idx3-ubyte",
                      label="data/train-labels-idx1-ubyte", shuffle=True, **common)
    val = MNISTIter(image="data/t10k-images-idx3-ubyte",
                    label="data/t10k-labels-idx1-ubyte", **common)
    return train, val


def get_zip_data(data_dir, url, data_origin_name):
    """Fetch the zip ``data_origin_name`` into ``data_dir`` and unpack it there, unless
    the zip is there already."""
    if not os.path.exists(os.path.join(data_dir, data_origin_name)):
        download(url, dirname=data_dir, overwrite=False)
        _extract_zip(os.path.join(data_dir, data_origin_name), data_dir)


def get_bz2_data(data_dir, data_name, url, data_origin_name):
    """Fetch the bz2 file ``data_origin_name`` into ``data_dir`` and decompress it to
    ``data_name`` there (removing the bz2 file), unless ``data_name`` is there."""
    data_name = os.path.join(data_dir, data_name)
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_name):
        download(url, fname=data_origin_name, dirname=data_dir, overwrite=False)
        with bz2.BZ2File(data_origin_name, "rb") as source, open(data_name, "wb") as target:
            for line in source:
                target.write(line)
        os.remove(data_origin_name)


def _extract_zip(path, folder):
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)

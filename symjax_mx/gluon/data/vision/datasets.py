"""Vision datasets: MNIST, Fashion-MNIST, CIFAR-10/100 read from MXNet's file layout under
``root`` (downloaded there when absent), and images from folders or RecordIO files."""
import os
import tarfile
import warnings

import numpy as np

from .... import base
from .... import ndarray as nd
from ....base import MXNetError
from ....image import imdecode, imread
from ....io.files import read_idx
from ....recordio import unpack
from .. import dataset

__all__ = ["MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "ImageRecordDataset",
           "ImageFolderDataset"]


class MNIST(dataset.DownloadedDataset):
    """MNIST digits: samples are ((28, 28, 1) uint8 NDArray, int32 label).

    ``root`` holds the four ``*-ubyte.gz`` files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``); ``transform(data, label)`` is applied per sample.
    """

    _namespace = "mnist"
    _files = {True: (("train-images-idx3-ubyte.gz", "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d"),
                     ("train-labels-idx1-ubyte.gz", "2a80914081dc54586dbdf242f9805a6b8d2a15fc")),
              False: (("t10k-images-idx3-ubyte.gz", "c3a25af1f52dad7f726cce8cacb138654b760d48"),
                      ("t10k-labels-idx1-ubyte.gz", "763e7fa3757d93b0cdec073cef058b2004252c17"))}

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "mnist"), train=True,
                 transform=None):
        self._train = train
        super().__init__(root, transform)

    def _get_data(self):
        (data_name, data_sha1), (label_name, label_sha1) = self._files[bool(self._train)]
        data_file = dataset.local_dataset_file(self._root, self._namespace, data_name, data_sha1)
        label_file = dataset.local_dataset_file(self._root, self._namespace, label_name, label_sha1)
        label = read_idx(label_file, 0x801, "label", type(self).__name__).astype(np.int32)
        data = read_idx(data_file, 0x803, "image", type(self).__name__)[..., None]
        self._data = nd.array(data, dtype=data.dtype)
        self._label = label


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST, a drop-in replacement for MNIST (same file names)."""

    _namespace = "fashion-mnist"
    _files = {True: (("train-images-idx3-ubyte.gz", "0cf37b0d40ed5169c6b3aba31069a9770ac9043d"),
                     ("train-labels-idx1-ubyte.gz", "236021d52f1e40852b06a4c3008d8de8aef1e40b")),
              False: (("t10k-images-idx3-ubyte.gz", "626ed6a7c06dd17c0eec72fa3be1740f146a2863"),
                      ("t10k-labels-idx1-ubyte.gz", "17f9ab60e7257a1620f4ad76bbbaf857c3920701"))}

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "fashion-mnist"),
                 train=True, transform=None):
        super().__init__(root, train, transform)


class CIFAR10(dataset.DownloadedDataset):
    """CIFAR-10: samples are ((32, 32, 3) uint8 NDArray, int32 label).

    ``root`` holds the binary batches (``data_batch_1.bin`` ... ``data_batch_5.bin``,
    ``test_batch.bin``) or the archive ``cifar-10-binary.tar.gz`` they are extracted from.
    """

    _namespace = "cifar10"
    _archive = ("cifar-10-binary.tar.gz", "fab780a1e191a7eda0f345501ccd62d20f7ed891")
    _files = {True: [("data_batch_1.bin", "aadd24acce27caa71bf4b10992e9e7b2d74c2540"),
                     ("data_batch_2.bin", "c0ba65cce70568cd57b4e03e9ac8d2a5367c1795"),
                     ("data_batch_3.bin", "1dd00a74ab1d17a6e7d73e185b69dbf31242f295"),
                     ("data_batch_4.bin", "aab85764eb3584312d3c7f65fd2fd016e36a258e"),
                     ("data_batch_5.bin", "26e2849e66a845b7f1e4614ae70f4889ae604628")],
              False: [("test_batch.bin", "67eb016db431130d61cd03c7ad570b013799c88c")]}
    _label_bytes = 1

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "cifar10"), train=True,
                 transform=None):
        self._train = train
        super().__init__(root, transform)

    def _label_column(self):
        return 0

    def _read_batch(self, filename):
        with open(filename, "rb") as fin:
            raw = np.frombuffer(fin.read(), dtype=np.uint8)
        raw = raw.reshape(-1, 3072 + self._label_bytes)
        images = raw[:, self._label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, raw[:, self._label_column()].astype(np.int32)

    def _get_data(self):
        files = self._files[bool(self._train)]
        paths = [os.path.join(self._root, name) for name, _ in files]
        if not all(os.path.exists(path) for path in paths):
            archive = dataset.local_dataset_file(self._root, self._namespace, *self._archive)
            with tarfile.open(archive) as tar:
                tar.extractall(self._root, filter="data")
            missing = [path for path in paths if not os.path.exists(path)]
            if missing:
                raise MXNetError(f"{archive} did not hold {', '.join(missing)}")
        data, label = zip(*(self._read_batch(path) for path in paths))
        data = np.concatenate(data)
        self._data = nd.array(data, dtype=data.dtype)
        self._label = np.concatenate(label)


class CIFAR100(CIFAR10):
    """CIFAR-100: ``fine_label`` picks the 100 classes instead of the 20 superclasses.

    ``root`` holds ``train.bin`` and ``test.bin`` or the archive ``cifar-100-binary.tar.gz``.
    """

    _namespace = "cifar100"
    _archive = ("cifar-100-binary.tar.gz", "a0bb982c76b83111308126cc779a992fa506b90b")
    _files = {True: [("train.bin", "e207cd2e05b73b1393c74c7f5e7bea451d63e08e")],
              False: [("test.bin", "8fb6623e830365ff53cf14adec797474f5478006")]}
    _label_bytes = 2

    def __init__(self, root=os.path.join(base.data_dir(), "datasets", "cifar100"),
                 fine_label=False, train=True, transform=None):
        self._fine_label = fine_label
        super().__init__(root, train, transform)

    def _label_column(self):
        return int(bool(self._fine_label))


class ImageRecordDataset(dataset.RecordFileDataset):
    """Images in a RecordIO file: samples are (decoded (H, W, C) uint8 NDArray, label).

    ``flag`` 0 decodes to grayscale, 1 to RGB; ``transform(data, label)`` per sample.
    """

    def __init__(self, filename, flag=1, transform=None):
        super().__init__(filename)
        self._flag = flag
        self._transform = transform

    def __getitem__(self, idx):

        header, img = unpack(super().__getitem__(idx))
        data = imdecode(img, self._flag)
        if self._transform is not None:
            return self._transform(data, header.label)
        return data, header.label


class ImageFolderDataset(dataset.Dataset):
    """Images in ``root/<class name>/<file>.jpg|.jpeg|.png``: samples are (image, label),
    labels numbering the class folders in sorted order.

    ``synsets`` lists the class names, ``items`` the (filename, label) pairs.
    """

    _exts = (".jpg", ".jpeg", ".png")

    def __init__(self, root, flag=1, transform=None):
        self._root = os.path.expanduser(root)
        self._flag = flag
        self._transform = transform
        self._list_images(self._root)

    def _list_images(self, root):
        self.synsets = []
        self.items = []
        for folder in sorted(os.listdir(root)):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn(f"Ignoring {path}, which is not a directory.", stacklevel=3)
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for filename in sorted(os.listdir(path)):
                filename = os.path.join(path, filename)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn(f"Ignoring {filename} of type {ext}. Only support "
                                  f"{', '.join(self._exts)}")
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx):

        filename, label = self.items[idx]
        img = imread(filename, self._flag)
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self.items)

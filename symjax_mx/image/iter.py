"""mx.image.ImageIter: batches of augmented images from a RecordIO file, an image list file
(``index\\tlabel...\\tpath`` lines) or a Python list of ``[label..., path]``."""
import logging
import os
import random
from numbers import Number

import numpy as np

from .. import ndarray as nd
from .. import recordio
from ..io.io import DataBatch, DataIter
from .augment import CreateAugmenter
from .image import imdecode

_LABEL_DTYPES = ("int32", "float32", "int64", "float64")
_LAST_BATCH = ("pad", "discard", "roll_over")


def _read_list_file(path, dtype):
    """(key -> (label array, path), keys in file order) of an image list file."""
    images, keys = {}, []
    with open(path) as handle:
        for line in handle:
            fields = line.strip().split("\t")
            if len(fields) < 3:
                continue
            key = int(fields[0])
            images[key] = (np.array(fields[1:-1], dtype=np.float64).astype(dtype), fields[-1])
            keys.append(key)
    return images, keys


def _read_python_list(imglist, dtype):
    """(key -> (label array, path), keys) of ``[label, path]`` / ``[l0, l1, ..., path]``."""
    images, keys = {}, []
    for number, entry in enumerate(imglist, start=1):
        if len(entry) > 2:
            label = np.asarray(entry[:-1], dtype=dtype)
        elif isinstance(entry[0], Number):
            label = np.asarray([entry[0]], dtype=dtype)
        else:
            label = np.asarray(entry[0], dtype=dtype)
        images[str(number)] = (label, entry[-1])
        keys.append(str(number))
    return images, keys


class ImageIter(DataIter):
    """Image iterator with augmentation (MXNet's ``mx.image.ImageIter``).

    Data batches are (batch_size, C, H, W) float32, labels (batch_size,) or
    (batch_size, label_width). ``last_batch_handle``: 'pad' fills the last batch from the
    start, 'discard' drops it, 'roll_over' carries its images into the next epoch.
    Keyword arguments not named here go to ``CreateAugmenter`` unless ``aug_list`` is given.
    """

    def __init__(self, batch_size, data_shape, label_width=1, path_imgrec=None,
                 path_imglist=None, path_root=None, path_imgidx=None, shuffle=False,
                 part_index=0, num_parts=1, aug_list=None, imglist=None, data_name="data",
                 label_name="softmax_label", dtype="float32", last_batch_handle="pad",
                 **kwargs):
        super().__init__(batch_size)
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise ValueError("ImageIter needs path_imgrec, path_imglist or imglist (a list)")
        if dtype not in _LABEL_DTYPES:
            raise ValueError(f"{dtype} label not supported: use one of {_LABEL_DTYPES}")
        if last_batch_handle not in _LAST_BATCH:
            raise ValueError(f"last_batch_handle must be one of {_LAST_BATCH}, "
                             f"got {last_batch_handle!r}")
        self.imgrec, self.imgidx = None, None
        if path_imgrec:
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, "r")
        keys = None
        if path_imglist:
            self.imglist, keys = _read_list_file(path_imglist, dtype)
        elif isinstance(imglist, list):
            self.imglist, keys = _read_python_list(imglist, dtype)
        else:
            self.imglist = None
        self.path_root = path_root
        self.check_data_shape(data_shape)
        self.provide_data = [(data_name, (batch_size,) + tuple(data_shape))]
        label_shape = (batch_size, label_width) if label_width > 1 else (batch_size,)
        self.provide_label = [(label_name, label_shape)]
        self.data_shape = tuple(data_shape)
        self.label_width = label_width
        self.shuffle = shuffle
        if self.imgrec is None:
            self.seq = keys
        elif shuffle or num_parts > 1 or path_imgidx:
            if self.imgidx is None:
                raise ValueError("ImageIter: shuffle and num_parts over a .rec file need "
                                 "path_imgidx")
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            if not 0 <= part_index < num_parts:
                raise ValueError(f"part_index {part_index} is not below num_parts {num_parts}")
            count = len(self.seq) // num_parts
            self.seq = self.seq[part_index * count:(part_index + 1) * count]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self._cache = None
        self.reset()

    def reset(self):
        """Start a new epoch (with 'roll_over', after the carried-over images)."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != "roll_over" or self._cache is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self):
        """Start a new epoch, dropping any carried-over images."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.imgrec is not None:
            self.imgrec.reset()
        self.cur = 0
        self._allow_read = True
        self._cache = None

    def next_sample(self):
        """(label, encoded image bytes) of the next image; StopIteration at the end."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is None:
            record = self.imgrec.read()
            if record is None:
                if self.last_batch_handle != "discard":
                    self.imgrec.reset()
                raise StopIteration
            header, img = recordio.unpack(record)
            return header.label, img
        if self.cur >= self.num_image:
            if self.last_batch_handle != "discard":
                self.cur = 0
            raise StopIteration
        idx = self.seq[self.cur]
        self.cur += 1
        if self.imgrec is not None:
            header, img = recordio.unpack(self.imgrec.read_idx(idx))
            return (header.label if self.imglist is None else self.imglist[idx][0]), img
        label, fname = self.imglist[idx]
        return label, self.read_image(fname)

    def _batchify(self, batch_data, batch_label, start=0):
        """Fill the batch from position ``start``; the position reached."""
        i = start
        try:
            while i < self.batch_size:
                label, encoded = self.next_sample()
                data = self.imdecode(encoded)
                try:
                    self.check_valid_image(data)
                except RuntimeError as err:
                    logging.debug("Invalid image, skipping: %s", err)
                    continue
                data = self.augmentation_transform(data)
                batch_data[i] = np.asarray(self.postprocess_data(data).asnumpy())
                batch_label[i] = np.asarray(label).reshape(batch_label[i].shape)
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def next(self):
        if self._cache is not None:
            batch_data, batch_label, i = self._cache
        else:
            batch_data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
            batch_label = np.zeros(self.provide_label[0][1], np.float32)
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache is None:
                self._cache = (batch_data, batch_label, i)
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache = None
        return DataBatch([nd.array(batch_data)], [nd.array(batch_label)], pad=pad)

    def check_data_shape(self, data_shape):
        """ValueError unless ``data_shape`` is (3, H, W)."""
        if len(data_shape) != 3:
            raise ValueError("data_shape should have length 3, with dimensions CxHxW")
        if data_shape[0] != 3:
            raise ValueError("This iterator expects inputs to have 3 channels.")

    def check_valid_image(self, data):
        """RuntimeError for an image with no pixels."""
        if len(data[0].shape) == 0:
            raise RuntimeError("Data shape is wrong")

    def imdecode(self, s):
        """Decode an image; RuntimeError naming the broken image."""
        try:
            return imdecode(s)
        except Exception as err:
            where = self.seq[(self.cur - 1) % self.num_image] if self.seq else self.cur - 1
            if self.imglist is not None and where in self.imglist:
                where = f"filename: {self.imglist[where][1]}"
            else:
                where = f"index: {where}"
            raise RuntimeError(f"Broken image {where}, {err}") from None

    def read_image(self, fname):
        """The bytes of image file ``fname`` under ``path_root``."""
        with open(os.path.join(self.path_root or "", fname), "rb") as handle:
            return handle.read()

    def augmentation_transform(self, data):
        """Apply the augmenters in order."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        """(H, W, C) -> (C, H, W)."""
        return nd.transpose(datum, axes=(2, 0, 1))

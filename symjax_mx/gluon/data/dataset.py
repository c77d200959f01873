"""Datasets: indexable collections of samples, and their lazy transforms and subsets."""
import os
import warnings

from ...base import MXNetError
from .. import utils
from ...ndarray import NDArray
from ...recordio import MXIndexedRecordIO
from . import sampler as _sampler

__all__ = ["Dataset", "SimpleDataset", "ArrayDataset", "RecordFileDataset", "DownloadedDataset",
           "local_dataset_file"]


class Dataset:
    """Base class: subclasses define ``__getitem__`` (the i-th sample) and ``__len__``.

    A numpy array, an NDArray or a list can stand in for a Dataset wherever one is taken.
    """

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def filter(self, fn):
        """The samples for which ``fn(sample)`` is true (``fn`` runs once per sample now)."""
        return _SampledDataset(self, _sampler.FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """The ``index``-th of ``num_shards`` contiguous parts; the first ``len % num_shards``
        parts hold one sample more."""
        assert index < num_shards, f"Shard index of out bound: {index} out of {num_shards}"
        assert num_shards > 0, "Number of shards must be greater than 0"
        assert index >= 0, "Index must be non-negative"
        shard_len, rest = divmod(len(self), num_shards)
        start = shard_len * index + min(index, rest)
        return _SampledDataset(self, _sampler.SequentialSampler(shard_len + (index < rest),
                                                                start))

    def take(self, count):
        """The first ``count`` samples (all of them when ``count`` is None or too large)."""
        if count is None or count > len(self):
            count = len(self)
        return _SampledDataset(self, _sampler.SequentialSampler(count))

    def sample(self, sampler):
        """The samples at the indices ``sampler`` yields."""
        if not isinstance(sampler, _sampler.Sampler):
            raise TypeError(f"Invalid sampler type: {type(sampler)}. Expected "
                            f"gluon.data.Sampler instead.")
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """Each sample passed through ``fn`` (a tuple sample is unpacked into its arguments);
        ``lazy=False`` transforms every sample now."""
        transformed = _LazyTransformDataset(self, fn)
        if lazy:
            return transformed
        return SimpleDataset(list(transformed))

    def transform_first(self, fn, lazy=True):
        """Like ``transform``, but ``fn`` sees only a sample's first element (the data,
        leaving the label alone)."""
        return self.transform(_TransformFirstClosure(fn), lazy)


class SimpleDataset(Dataset):
    """A Dataset over anything with ``len()`` and ``[]`` (a list, an array)."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return self._data[idx]


class _LazyTransformDataset(Dataset):
    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure:
    """``fn`` applied to the first element; a class, not a closure, so that it pickles."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(sampler)

    def __len__(self):
        return len(self._sampler)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


class ArrayDataset(Dataset):
    """Several dataset-like objects of equal length zipped: sample i is
    ``(x1[i], x2[i], ...)``, or ``x1[i]`` when there is one."""

    def __init__(self, *args):
        assert args, "Needs at least 1 arrays"
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            assert len(data) == self._length, (
                f"All arrays must have the same length; array[0] has length {self._length} "
                f"while array[{i + 1}] has {len(data)}.")
            if isinstance(data, NDArray) and data.ndim == 1:
                data = data.asnumpy()  # scalars by index, as MXNet does
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return self._data[0][idx]
        return tuple(data[idx] for data in self._data)

    def __len__(self):
        return self._length


class RecordFileDataset(Dataset):
    """The records of a RecordIO file (``name.rec`` with its index ``name.idx``): sample i
    is the raw bytes of the i-th record."""

    def __init__(self, filename):

        self.idx_file = os.path.splitext(filename)[0] + ".idx"
        self.filename = filename
        self._record = MXIndexedRecordIO(self.idx_file, self.filename, "r")

    def __getitem__(self, idx):
        return self._record.read_idx(self._record.keys[idx])

    def __len__(self):
        return len(self._record.keys)


def local_dataset_file(root, namespace, filename, sha1):
    """``root/filename``: used when present (a file whose hash differs from MXNet's
    published one is used with a warning), else downloaded; offline, an MXNetError says
    which file to place where."""
    path = os.path.join(root, filename)
    if os.path.exists(path):
        if not utils.check_sha1(path, sha1):
            warnings.warn(f"{path} does not have the SHA-1 MXNet publishes ({sha1}); using it "
                          f"as it is")
        return path
    url = utils.repo_file_url(f"gluon/dataset/{namespace}/{filename}")
    try:
        return utils.download(url, path=path, sha1_hash=sha1, retries=0)
    except Exception as error:  # noqa: BLE001 - any download failure means: place it by hand
        raise MXNetError(f"dataset file {path} is missing and could not be downloaded from "
                         f"{url} ({type(error).__name__}); place {filename} in {root}") from None


class DownloadedDataset(Dataset):
    """A dataset held in memory: ``_get_data`` fills ``_data`` and ``_label``."""

    def __init__(self, root, transform):
        self._transform = transform
        self._data = None
        self._label = None
        self._root = os.path.expanduser(root)
        os.makedirs(self._root, exist_ok=True)
        self._get_data()

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)

    def _get_data(self):
        raise NotImplementedError

"""mx.contrib.io: DataLoaderIter, a Gluon DataLoader as a ``mx.io.DataIter`` for Module."""
from .. import ndarray as nd
from ..io import DataDesc, DataIter

__all__ = ["DataLoaderIter"]


class DataLoaderIter(DataIter):
    """Batches of a ``gluon.data.DataLoader`` yielding (data, label) as DataBatches cast to
    ``dtype``; a short last batch is padded up to the first batch's size."""

    def __init__(self, loader, data_name="data", label_name="softmax_label", dtype="float32"):
        super().__init__()
        self._loader = loader
        data, label = next(iter(self._loader))
        self.batch_size = data.shape[0]
        self.dtype = dtype
        self.provide_data = [DataDesc(data_name, data.shape, dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, dtype)]
        self._current_batch = None
        self.reset()

    def reset(self):
        self._iter = iter(self._loader)

    def iter_next(self):
        self._current_batch = next(self._iter, None)
        return self._current_batch is not None

    def _padded(self, value):
        """``value`` cast to dtype, with zero rows added up to ``batch_size``."""
        value = value.astype(self.dtype)
        if value.shape[0] == self.batch_size:
            return [value]
        padded = nd.zeros((self.batch_size,) + tuple(value.shape[1:]), dtype=self.dtype)
        padded[:value.shape[0]] = value
        return [padded]

    def getdata(self):
        return self._padded(self._current_batch[0])

    def getlabel(self):
        return self._padded(self._current_batch[1])

    def getpad(self):
        return self.batch_size - self._current_batch[0].shape[0]

    def getindex(self):
        return None

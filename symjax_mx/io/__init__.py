"""mx.io: data iterators (NDArrayIter, CSVIter, MNISTIter, ResizeIter, PrefetchingIter)."""
from .files import CSVIter, MNISTIter, MXDataIter
from .io import DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter, ResizeIter

__all__ = ["CSVIter", "DataBatch", "DataDesc", "DataIter", "MNISTIter", "MXDataIter",
           "NDArrayIter", "PrefetchingIter", "ResizeIter"]

"""mx.io: data iterators (NDArrayIter, CSVIter, MNISTIter, ImageRecordIter, ResizeIter,
PrefetchingIter)."""
from .files import CSVIter, MNISTIter, MXDataIter
from .io import DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter, ResizeIter
from .image_record import ImageRecordInt8Iter, ImageRecordIter, ImageRecordUInt8Iter

__all__ = ["CSVIter", "DataBatch", "DataDesc", "DataIter", "ImageRecordInt8Iter",
           "ImageRecordIter", "ImageRecordUInt8Iter", "MNISTIter", "MXDataIter", "NDArrayIter",
           "PrefetchingIter", "ResizeIter"]

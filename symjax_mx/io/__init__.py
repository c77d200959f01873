"""mx.io: data iterators (NDArrayIter, CSVIter, MNISTIter, LibSVMIter, ImageRecordIter,
ResizeIter, PrefetchingIter)."""
from .files import CSVIter, LibSVMIter, MNISTIter, MXDataIter
from .io import DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter, ResizeIter
from .image_record import ImageRecordInt8Iter, ImageRecordIter, ImageRecordUInt8Iter

__all__ = ["CSVIter", "DataBatch", "DataDesc", "DataIter", "ImageRecordInt8Iter",
           "ImageRecordIter", "ImageRecordUInt8Iter", "LibSVMIter", "MNISTIter", "MXDataIter",
           "NDArrayIter", "PrefetchingIter", "ResizeIter"]

"""mx.nd: NDArray, its creation functions, every registry operator, save and load."""
import sys

from ..ops.custom import install_ndarray
from ..ops.fluent import add_fluent_methods
from ..ops.registry import publish
from . import creation
from .creation import (arange, concatenate, eye, from_dlpack, full, linspace, ones,
                       to_dlpack_for_read, to_dlpack_for_write)
from .creation import from_numpy
from .io import load, load_frombuffer, save
from .ndarray import NDArray, waitall
from .cached_op import CachedOp
from . import contrib, random  # noqa: E402  (mx.nd.contrib, mx.nd.random)
from . import sparse  # noqa: E402  (mx.nd.sparse)
from .sparse import CSRNDArray, RowSparseNDArray  # noqa: E402
from .utils import (  # noqa: E402  (with storage types), F811
    array, empty, histogram, zeros, zeros_buffer, zeros_buffers)
from ..ops.layout import split_v2
from ..ops.methods import UFUNCS
from .onehot import fill_element_0index, onehot_encode
from .register import op_function

publish(op_function, globals(), __name__)
install_ndarray(creation.array)
globals().update(UFUNCS)

add_fluent_methods(NDArray, sys.modules[__name__])


def _axes(value, ndim, what):
    """``value`` (an axis or a sequence of axes) as a list of axes in [0, ndim)."""
    axes = [value] if isinstance(value, int) else [int(a) for a in value]
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(f"moveaxis: {what} axis {axis} is out of bounds for an array of "
                             f"{ndim} dimensions")
    axes = [axis % ndim for axis in axes]
    if len(set(axes)) != len(axes):
        raise ValueError(f"moveaxis: repeated axis in {what} {value}")
    return axes


def moveaxis(tensor, source, destination):
    """``tensor`` with the axes ``source`` moved to positions ``destination`` (an axis or
    sequences of axes, as numpy.moveaxis)."""
    source = _axes(source, tensor.ndim, "source")
    destination = _axes(destination, tensor.ndim, "destination")
    if len(source) != len(destination):
        raise ValueError(f"moveaxis: source {source} and destination {destination} must have "
                         f"the same number of elements")
    order = [axis for axis in range(tensor.ndim) if axis not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return transpose(tensor, axes=tuple(order))  # noqa: F821 (published above)


__all__ = ["CachedOp", "NDArray", "arange", "histogram", "split_v2", "array", "concatenate", "empty", "eye", "fill_element_0index",
           "from_dlpack", "from_numpy", "full", "linspace", "load", "load_frombuffer", "moveaxis",
           "onehot_encode", "ones", "save", "to_dlpack_for_read", "to_dlpack_for_write",
           "waitall", "zeros"]

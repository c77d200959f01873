"""Gluon utilities: splitting a batch across contexts, global-norm clipping, file
checks."""
import hashlib
import warnings

import numpy as np

from .. import ndarray
from ..base import MXNetError

__all__ = ["split_data", "split_and_load", "clip_global_norm", "check_sha1", "download"]


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """``num_slice`` slices of ``data`` along ``batch_axis`` (the first ones one longer
    when the size does not divide and ``even_split`` is False)."""
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise ValueError(f"data with shape {data.shape} cannot be evenly split into "
                         f"{num_slice} slices along axis {batch_axis}. Use a batch size "
                         f"that's multiple of {num_slice} or set even_split=False to allow "
                         "uneven partitioning of data.")
    each, extras = divmod(size, num_slice)
    points = np.cumsum([0] + extras * [each + 1] + (num_slice - extras) * [each])
    if batch_axis != 0:
        return [ndarray.slice_axis(data, axis=batch_axis, begin=int(points[i]),
                                   end=int(points[i + 1])) for i in range(num_slice)]
    return [data[int(points[i]):int(points[i + 1])] for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Split ``data`` (an NDArray or array-like) and copy one slice to each context."""
    if not isinstance(data, ndarray.NDArray):
        data = ndarray.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [piece.as_in_context(ctx) for piece, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale ``arrays`` in place so that their joint 2-norm is at most ``max_norm``;
    returns that norm before clipping (a float, or an NDArray without
    ``check_isfinite``)."""
    if not arrays:
        raise AssertionError("clip_global_norm needs at least one array")
    ctx = arrays[0].context
    squares = [ndarray.dot(a.reshape((-1,)), a.reshape((-1,))).as_in_context(ctx)
               for a in arrays]
    total = squares[0]
    for square in squares[1:]:
        total = total + square
    total_norm = ndarray.sqrt(total)
    if check_isfinite and not np.isfinite(total_norm.asscalar()):
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be "
                                  "undefined."), stacklevel=2)
    scale = max_norm / (total_norm + 1e-8)
    scale = ndarray.min(ndarray.concat(scale, ndarray.ones(1, ctx=ctx), dim=0))
    for array in arrays:
        array *= scale.as_in_context(array.context)
    return total_norm.asscalar() if check_isfinite else total_norm


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 digest is ``sha1_hash`` (hex)."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Not available: symjax_mx does not reach the network."""
    raise MXNetError(f"gluon.utils.download({url!r}): symjax_mx does not download files; "
                     "fetch the file yourself and pass its local path")


def _brief_print_list(names, limit=7):
    """MXNet's short listing of names: ``'a', 'b', ..., 'z'``."""
    names = list(names)
    if len(names) > limit:
        return (_brief_print_list(names[:limit // 2], limit) + ", ..., "
                + _brief_print_list(names[-limit // 2:], limit))
    return ", ".join(f"'{name}'" for name in names)

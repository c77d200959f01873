"""Gluon utilities: splitting a batch across contexts, global-norm clipping, file
checks."""
import hashlib
import os
import uuid
import warnings

import numpy as np

from .. import ndarray, numpy as _mx_np
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
    if isinstance(data, _mx_np.ndarray):
        return _mx_np.array_split(data, num_slice, axis=batch_axis)
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


def _squared_norm(array):
    if array.stype == "default":
        flat = array.reshape((-1,))
        return ndarray.dot(flat, flat)
    return ndarray.square(array.norm())


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scale ``arrays`` in place so that their joint 2-norm is at most ``max_norm``;
    returns that norm before clipping (a float, or an NDArray without
    ``check_isfinite``)."""
    if not arrays:
        raise AssertionError("clip_global_norm needs at least one array")
    ctx = arrays[0].context
    squares = [_squared_norm(a).as_in_context(ctx) for a in arrays]
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
    """Download ``url`` to ``path`` (a file or a folder; default: the URL's file name here)
    unless a file with the right ``sha1_hash`` is there; returns the file name. Needs the
    ``requests`` package; without a network the last error is raised after ``retries``."""
    if path is None:
        fname = url.split("/")[-1]
        if not fname:
            raise AssertionError("Can't construct file-name from this URL. Please set the "
                                 "`path` option manually.")
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    if retries < 0:
        raise AssertionError(f"Number of retries should be at least 0, currently it's "
                             f"{retries}")
    if not verify_ssl:
        warnings.warn("Unverified HTTPS request is being made (verify_ssl=False). Adding "
                      "certificate verification is strongly advised.")
    if not (overwrite or not os.path.exists(fname)
            or (sha1_hash and not check_sha1(fname, sha1_hash))):
        return fname
    try:
        import requests
    except ImportError:
        raise MXNetError(f"gluon.utils.download({url!r}) needs the 'requests' package, which "
                         "is not installed") from None
    os.makedirs(os.path.dirname(os.path.abspath(fname)), exist_ok=True)
    while retries + 1 > 0:
        try:
            print(f"Downloading {fname} from {url}...")
            response = requests.get(url, stream=True, verify=verify_ssl)
            if response.status_code != 200:
                raise RuntimeError(f"Failed downloading url {url}")
            temporary = f"{fname}.{uuid.uuid4()}"
            with open(temporary, "wb") as target:
                for chunk in response.iter_content(chunk_size=1024):
                    if chunk:
                        target.write(chunk)
            if not os.path.exists(fname) or (sha1_hash and not check_sha1(fname, sha1_hash)):
                os.replace(temporary, fname)  # atomic: concurrent downloads leave one file
            else:
                os.remove(temporary)
                warnings.warn(f"File {fname} exists in file system so the downloaded file is "
                              "deleted")
            if sha1_hash and not check_sha1(fname, sha1_hash):
                raise UserWarning(f"File {fname} is downloaded but the content hash does not "
                                  "match. The repo may be outdated or download may be "
                                  "incomplete. If the \"repo_url\" is overridden, consider "
                                  "switching to the default repo.")
            break
        except Exception as err:  # network errors of any kind are retried
            retries -= 1
            if retries <= 0:
                raise err
            print(f"download failed due to {err!r}, retrying, {retries} attempt"
                  f"{'s' if retries > 1 else ''} left")
    return fname


_DEFAULT_REPO = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"


def repo_file_url(path):
    """The URL of ``path`` in MXNet's file repository (``MXNET_GLUON_REPO`` overrides it)."""
    repo = os.environ.get("MXNET_GLUON_REPO", _DEFAULT_REPO)
    return f"{repo if repo.endswith('/') else repo + '/'}{path}"


def _brief_print_list(names, limit=7):
    """MXNet's short listing of names: ``'a', 'b', ..., 'z'``."""
    names = list(names)
    if len(names) > limit:
        return (_brief_print_list(names[:limit // 2], limit) + ", ..., "
                + _brief_print_list(names[-limit // 2:], limit))
    return ", ".join(f"'{name}'" for name in names)


def _check_not_mixed(arrays):
    """TypeError (MXNet's) where a block's output ``arrays`` are both mx.np arrays and classic
    NDArrays (the layers here compute on classic NDArrays, so only a mix shows a user's
    ``as_nd_ndarray``)."""
    classic = [type(a) for a in arrays if not isinstance(a, _mx_np.ndarray)]
    if classic and len(classic) < len(arrays):
        raise TypeError("Block's output ndarrays/symbols must be of type "
                        "`mxnet.numpy.ndarray` or `mxnet.symbol.numpy._Symbol`, while got "
                        f"output type {classic[0]}")

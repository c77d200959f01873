"""mx.nd.save / mx.nd.load in MXNet's binary format, locally or through fsspec URLs."""
from .. import _x64
from ..context import Context, existing_or_cpu
from . import _format
from .ndarray import NDArray

__all__ = ["save", "load", "load_frombuffer"]


def save(fname, data):
    """Save an NDArray, a list of NDArrays or a dict str -> NDArray to ``fname``.

    Local files are replaced atomically; names containing ``://`` go through fsspec.
    """
    if isinstance(data, NDArray):
        arrays, names = [data], None
    elif isinstance(data, dict) and all(isinstance(k, str) and isinstance(v, NDArray)
                                        for k, v in data.items()):
        names, arrays = list(data), list(data.values())
    elif isinstance(data, (list, tuple)) and all(isinstance(v, NDArray) for v in data):
        arrays, names = list(data), None
    else:
        raise TypeError("save only accept dict str->NDArray or list of NDArray")
    devices = [(a.context.device_typeid, a.context.device_id) for a in arrays]
    payload = _format.encode([a.asnumpy() for a in arrays], names, devices)
    _format.write_bytes_atomic(fname, payload)


def load_frombuffer(buf):
    """Arrays from the bytes of an MXNet NDArray file: a list, or a dict if it has names."""
    entries, names = _format.decode(bytes(buf))
    arrays = []
    for value, dev_type, dev_id in entries:
        ctx = existing_or_cpu(Context(Context.devtype2str[dev_type], dev_id))
        arrays.append(NDArray(_x64.device_put(value, ctx.jax_device), ctx))
    return dict(zip(names, arrays)) if names else arrays


def load(fname):
    """Arrays saved by mx.nd.save (here or by MXNet): a list, or a dict if saved as one."""
    return load_frombuffer(_format.read_bytes(fname))

"""mx.nd.save / mx.nd.load in MXNet's binary format, locally or through fsspec URLs."""
from .. import x64
from ..context import Context, existing_or_cpu
from ..util import is_np_shape
from . import file_format
from .ndarray import NDArray, STORAGE_CLASSES

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
    payload = file_format.encode([_savable(a) for a in arrays], names, devices, is_np_shape())
    file_format.write_bytes_atomic(fname, payload)


def _savable(array):
    """What the file stores of ``array``: its value, or a sparse array's parts."""
    if array.stype == "default":
        return array.asnumpy()
    data, *aux = array._components()
    return file_format.SparseParts(array.stype, array.shape, data, tuple(aux))


def load_frombuffer(buf):
    """Arrays from the bytes of an MXNet NDArray file: a list, or a dict if it has names.
    As on MXNet, a file saved with NumPy shape semantics loads only with them, and others
    only without."""
    entries, names = file_format.decode(bytes(buf), is_np_shape())
    contexts = {}
    for _, dev_type, dev_id in entries:
        if (dev_type, dev_id) not in contexts:
            ctx = existing_or_cpu(Context(Context.devtype2str[dev_type], dev_id))
            contexts[dev_type, dev_id] = ctx, ctx.jax_device
    dense = [i for i, (value, _, _) in enumerate(entries)
             if not isinstance(value, file_format.SparseParts)]
    placed = _place([(entries[i][0], contexts[entries[i][1:]][1]) for i in dense])
    arrays = [None] * len(entries)
    for i, value in zip(dense, placed):
        arrays[i] = NDArray(value, contexts[entries[i][1:]][0])
    for i, (value, dev_type, dev_id) in enumerate(entries):
        if arrays[i] is None:
            arrays[i] = STORAGE_CLASSES[value.stype]._from_parts(
                value.data, value.aux, value.shape, contexts[dev_type, dev_id][0])
    return dict(zip(names, arrays)) if names else arrays


def _place(values):
    """``[(numpy array, device)]`` as jax arrays: one transfer per device, and one shared
    buffer per empty shape (a file of many tiny entries costs no transfer each)."""
    placed, by_device, empty = [None] * len(values), {}, {}
    for i, (value, device) in enumerate(values):
        if value.size:
            by_device.setdefault(device, []).append(i)
        else:
            key = (value.shape, value.dtype, device)
            if key not in empty:
                empty[key] = x64.device_put(value, device)
            placed[i] = empty[key]
    for device, indices in by_device.items():
        for i, array in zip(indices, x64.device_put([values[i][0] for i in indices], device)):
            placed[i] = array
    return placed


def load(fname):
    """Arrays saved by mx.nd.save (here or by MXNet): a list, or a dict if saved as one."""
    return load_frombuffer(file_format.read_bytes(fname))

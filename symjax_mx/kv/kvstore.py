"""KVStore: push values in, merge them with an updater, pull the result out.

Each type is a reducer (``reducers.py``): ``local`` sums pushed values on the stored
value's device; ``device`` sums them with one all-reduce across the pushing devices and
pulls from the copy each device already has; ``dist_sync`` adds an all-reduce across
worker processes, after which every worker applies the same updater, so all replicas
stay identical. The keys of one call are packed into one buffer per device, so many
small keys cost a few collectives. ``set_gradient_compression`` quantizes pushed values
(``compression.py``) before they are reduced. Stores defined elsewhere join through
``KVStoreBase.register``.
"""
import jax
import numpy as np

from .. import x64
from .. import optimizer as opt
from ..base import MXNetError
from ..ndarray import NDArray
from ..ndarray import file_format, sparse
from ..ndarray.sparse_array import with_storage_of
from . import collectives, compression, dist
from .base import KVStoreBase
from .placement import Placement
from .reducers import CrossProcess, DeviceAllReduce, LocalSum

__all__ = ["KVStore", "KVStoreBase", "create"]

# name -> the reducer that sums values pushed from several devices (and workers)
_TYPES = {
    "local": LocalSum,
    "local_allreduce_cpu": LocalSum,
    "device": DeviceAllReduce,
    "local_allreduce_device": DeviceAllReduce,
    "nccl": DeviceAllReduce,
    "dist_sync": lambda: CrossProcess(LocalSum()),
    "dist_device_sync": lambda: CrossProcess(DeviceAllReduce()),
}
_ASYNC = ("dist_async", "dist_device_async", "dist")


def create(name="local"):
    """A new store of type ``name``: a registered store class (``KVStoreBase.register``),
    or local, device, dist_sync or dist_device_sync."""
    if not isinstance(name, str):
        raise TypeError(f"kvstore type must be a string, got {type(name).__name__}")
    name = name.lower()
    if name in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[name]()
    if name in _ASYNC:
        raise MXNetError(
            f"kvstore type {name!r} is not supported: updates here are collectives, which are "
            f"synchronous; use 'dist_sync' (or 'dist_device_sync')")
    if name not in _TYPES:
        known = list(_TYPES) + sorted(KVStoreBase.kv_registry)
        raise MXNetError(f"unknown kvstore type {name!r}; available: {', '.join(known)} "
                         f"(register your own with mx.kv.KVStoreBase.register)")
    return KVStore(name)


def _check_key(key, what):
    if not isinstance(key, (int, str)) or isinstance(key, bool):
        raise MXNetError(f"{what}: keys must be int or str, got {key!r}")
    return key


def _arrays(value, key, what):
    if isinstance(value, NDArray):
        return [value]
    if (isinstance(value, (list, tuple)) and value
            and all(isinstance(v, NDArray) for v in value)):
        return list(value)
    raise MXNetError(f"{what}: key {key!r} needs an NDArray or a non-empty list of NDArrays, "
                     f"got {type(value).__name__}")


def _pairs(key, value, what):
    """[(key, [NDArray, ...])] from MXNet's forms: one key or a list, a value or a list of
    values (one per device) per key."""
    if isinstance(key, (list, tuple)):
        if not isinstance(value, (list, tuple)) or len(value) != len(key):
            count = len(value) if isinstance(value, (list, tuple)) else 1
            raise MXNetError(f"{what}: {len(key)} keys but {count} values; give one value "
                             f"(or one list of values) per key")
        return [(_check_key(k, what), _arrays(v, k, what)) for k, v in zip(key, value)]
    return [(_check_key(key, what), _arrays(value, key, what))]


def _check_compressible(key, stored, values):
    """MXNet's errors for values that 2-bit compression cannot take."""
    if stored.stype != "default" or any(v.stype != "default" for v in values):
        raise MXNetError(f"push: key {key!r}: Gradient compression for row sparse storage "
                         f"type is not supported")
    dtypes = {np.dtype(a.dtype).name for a in [stored, *values]}
    if dtypes != {"float32"}:
        raise MXNetError(f"push: key {key!r}: Gradient compression is only supported for "
                         f"float32 type of parameters, got {', '.join(sorted(dtypes))}")


class KVStore(KVStoreBase):
    """A store of arrays shared by devices and, for dist types, worker processes."""

    def __init__(self, name):
        self._type = name
        self._reducer = _TYPES[name]()
        self._distributed = self._reducer.across_workers
        self._store = {}      # key -> NDArray
        self._copies = {}     # key -> (stored buffer, {device: the same value there})
        self._updater = None  # None assigns the merged value
        self._key_type = None  # int or str: set by the first call, as in MXNet
        self._compression = None  # compression.TwoBit once set_gradient_compression is called
        if self._distributed:
            dist.initialize_from_environment()

    # --- properties ---------------------------------------------------------------------

    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return dist.rank() if self._distributed else 0

    @property
    def num_workers(self):
        return dist.num_workers() if self._distributed else 1

    def _across_workers(self):
        return self._distributed and dist.num_workers() > 1

    def is_capable(self, capability):
        """Whether the store supports ``capability``: it can apply an optimizer."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise ValueError(f"Unknown capability: {capability}")

    def placement(self, contexts):
        """The batch split across ``contexts`` and, for dist types with several workers,
        across every worker's devices: one program whose gradient all-reduce crosses
        processes."""
        return Placement(contexts, across_workers=self._across_workers())

    # --- init, push, pull ---------------------------------------------------------------

    @x64.x64
    def init(self, key, value):
        """Store the initial value of each key; with several workers, worker 0's value."""
        pairs = self._pairs(key, value, "init")
        for k, _ in pairs:
            if k in self._store:
                raise MXNetError(f"init: key {k!r} is already initialized")
        buffers = [values[0]._read() for _, values in pairs]
        if self._across_workers():
            if self.rank != 0:
                buffers = [jax.numpy.zeros_like(b) for b in buffers]
            buffers = self._sum_across_workers(buffers, pairs[0][1][0].context.jax_device)
        for (k, values), data in zip(pairs, buffers):
            self._store[k] = with_storage_of(values[:1], data, values[0].context)

    def push(self, key, value, priority=0):
        """Sum the values pushed for each key (over devices and workers) and hand the sum
        to the updater, ``updater(key, merged, stored)``; by default it replaces the value.
        The sum of row_sparse values is row_sparse (their rows together)."""
        pairs = self._pairs(key, value, "push")
        for k, values in pairs:
            stored = self._stored(k, "push")
            for v in values:
                if v._shape != stored._shape:
                    raise MXNetError(f"push: key {k!r} holds shape {stored.shape}, but a value "
                                     f"of shape {v.shape} was pushed")
            if self._compression is not None:
                _check_compressible(k, stored, values)
        values_of = dict(pairs)
        for k, merged in self._merged(pairs):
            stored = self._store[k]
            if self._updater is None:
                stored._write(merged)
            else:
                self._updater(k, with_storage_of(values_of[k], merged, stored.context), stored)

    @x64.x64
    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Write each key's value into its output array(s), each on its own device; with
        ``ignore_sparse`` (MXNet's default) sparse outputs are left as they are (they are
        pulled with row_sparse_pull)."""
        if out is None:
            raise MXNetError("pull: out= is required (an NDArray or a list per key)")
        for k, outs in self._pairs(key, out, "pull"):
            stored = self._stored(k, "pull")
            buffer, copies = self._copies.get(k, (None, {}))
            if buffer is not stored._buffer:
                copies = {}
            dtype = stored._buffer.dtype
            for o in outs:
                if ignore_sparse and getattr(o, "stype", "default") != "default":
                    continue
                if o._shape != stored._shape:
                    raise MXNetError(f"pull: key {k!r} holds shape {stored.shape}, but the "
                                     f"output has shape {o.shape}")
                device = o._ctx.jax_device
                data = copies.get(device)
                if data is None:
                    data = x64.device_put(stored._buffer, device)
                o._write(data if o._root_buffer().dtype == dtype else data.astype(o.dtype))

    def pushpull(self, key, value, out=None, priority=0):
        """push, then pull into ``out`` (default: into the pushed arrays)."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key, value, out, priority=0):
        """init with ``value``, then pull into ``out``."""
        self.init(key, value)
        self.pull(key, out, priority)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Pull only the rows ``row_ids`` of each key's value into ``out`` (one row-id
        array per output array, or one for all of a key's outputs); the other rows of the
        outputs become zero, and a row_sparse output stores exactly the requested rows, as
        in MXNet."""
        if out is None or row_ids is None:
            raise MXNetError("row_sparse_pull: out= and row_ids= are required")
        for (k, outs), (_, ids) in zip(self._pairs(key, out, "row_sparse_pull"),
                                       _pairs(key, row_ids, "row_sparse_pull")):
            if len(ids) == 1:
                ids = ids * len(outs)
            if len(ids) != len(outs):
                raise MXNetError(f"row_sparse_pull: key {k!r} has {len(outs)} outputs but "
                                 f"{len(ids)} row_ids arrays")
            stored = self._stored(k, "row_sparse_pull")
            if stored.stype != "row_sparse":
                raise MXNetError(f"row_sparse_pull: key {k!r} holds a {stored.stype} value; "
                                 "only row_sparse values are pulled by rows (use pull)")
            for o in outs:
                if o.stype != "row_sparse":
                    raise MXNetError(f"row_sparse_pull: key {k!r} expects row_sparse outputs, "
                                     f"got {o.stype}")
            for o, rows in zip(outs, ids):
                sparse.retain(stored.as_in_context(o.context),
                              rows.as_in_context(o.context).reshape((-1,))).copyto(o)

    def set_gradient_compression(self, compression_params):
        """Quantize pushed values to 2 bits from now on: ``{'type': '2bit', 'threshold':
        t}`` (t defaults to 0.5). As in MXNet, only device and dist stores compress; init
        does not; a later call changes the threshold and keeps the residuals."""
        if "device" not in self._type and "dist" not in self._type:
            raise MXNetError("Gradient compression is not supported for this type of kvstore")
        threshold = compression.parse_params(compression_params)
        if self._compression is None:
            self._compression = compression.TwoBit(threshold)
        else:
            self._compression.threshold = threshold

    def _pairs(self, key, value, what):
        """[(key, [NDArray, ...])] whose keys have this store's key type (int or str)."""
        pairs = _pairs(key, value, what)
        for k, _ in pairs:
            key_type = str if isinstance(k, str) else int
            if self._key_type is None:
                self._key_type = key_type
            elif key_type is not self._key_type:
                raise MXNetError(f"{what}: mixed key types are not allowed: this store's keys "
                                 f"are {self._key_type.__name__}, got {k!r}")
        return pairs

    def _stored(self, key, what):
        try:
            return self._store[key]
        except KeyError:
            raise MXNetError(f"{what}: key {key!r} has not been initialized; call init first"
                             ) from None

    # --- merging ------------------------------------------------------------------------

    def _merged(self, pairs):
        """[(key, the sum of its values on its stored device)], keys of one dtype, device
        set and home device summed together in one packed buffer."""
        groups = {}
        for k, values in pairs:
            stored = self._store[k]
            signature = (stored._buffer.dtype, tuple(v._ctx for v in values), stored._ctx)
            groups.setdefault(signature, []).append((k, values))
        merged = {}
        for (dtype, contexts, home), members in groups.items():
            devices = tuple(c.jax_device for c in contexts)
            for k, data in self._merge_group(dtype, devices, home.jax_device, members):
                merged.setdefault(k, []).append(data)
        # A key pushed twice in one call is updated twice, in order.
        return [(k, merged[k].pop(0)) for k, _ in pairs]

    @x64.x64
    def _merge_group(self, dtype, devices, home, members):
        """Sum the values of ``members`` (keys pushed from ``devices``) onto ``home``;
        after a device all-reduce, the copy each device holds is kept for pull."""
        keys = [k for k, _ in members]
        shapes = tuple(self._store[k].shape for k in keys)
        packed = len(members) > 1 or shapes[0] == ()
        compressor = self._compression
        per_worker = compressor is not None and self._reducer.across_workers
        parts = []
        for position in range(len(devices)):
            buffers = [values[position]._read() for _, values in members]
            buffers = [b if b.dtype == dtype else b.astype(dtype) for b in buffers]
            if compressor is not None and not per_worker:  # quantized as it is packed
                parts.append(compressor.quantize(buffers, keys, position, packed))
            else:
                parts.append(collectives.pack(*buffers) if packed else buffers[0])
        if per_worker:
            total, copies = self._reducer.reduce(parts, devices, home, lambda local: (
                compressor.quantize(collectives.unpack(local, shapes) if packed else [local],
                                    keys, "worker", packed)))
        else:
            total, copies = self._reducer.reduce(parts, devices, home)
        for k in keys:
            self._copies.pop(k, None)
        if self._updater is not None:  # pull reads what the updater makes, not the sum
            copies = {}
        copies = {d: collectives.unpack(c, shapes) if packed else [c] for d, c in copies.items()}
        totals = copies.get(home) or (collectives.unpack(total, shapes) if packed else [total])
        if copies:
            for i, (k, data) in enumerate(zip(keys, totals)):
                self._copies[k] = (data, {d: c[i] for d, c in copies.items()})
        return list(zip(keys, totals))

    def _sum_across_workers(self, buffers, device):
        """Each buffer summed over all workers, packed into one collective."""
        shapes = tuple(b.shape for b in buffers)
        local = x64.device_put(collectives.pack(*buffers), device)
        total = collectives.cross_process_sum(local, dist.worker_devices(device))
        return collectives.unpack(total, shapes)

    # --- updaters and optimizers --------------------------------------------------------

    def _set_updater(self, updater):
        """Merge pushed values with ``updater(key, merged, stored)``, which updates
        ``stored`` in place."""
        self._updater = updater
        self._copies.clear()

    set_updater = _set_updater

    def set_optimizer(self, optimizer):
        """Update stored values with ``optimizer`` (every worker applies the same update)."""
        self._set_updater(opt.get_updater(optimizer))

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Write the optimizer's states (and the optimizer, if asked) to ``fname``."""
        file_format.write_bytes_atomic(fname, self._optimizer_updater("save_optimizer_states")
                                   .get_states(dump_optimizer))

    def load_optimizer_states(self, fname):
        """Read optimizer states written by save_optimizer_states."""
        self._optimizer_updater("load_optimizer_states").set_states(
            file_format.read_bytes(fname))

    def _optimizer_updater(self, what):
        if not hasattr(self._updater, "get_states"):
            raise MXNetError(f"{what}: no optimizer is set; call set_optimizer first")
        return self._updater

    # --- workers ------------------------------------------------------------------------

    def barrier(self):
        """Wait until every worker reaches this call."""
        if self._distributed:
            dist.barrier()

    _barrier = barrier

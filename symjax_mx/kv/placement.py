"""Where a data-parallel program's arrays live: one device, or a mesh of devices with
the batch sharded across it and everything else replicated, so XLA all-reduces the
gradients inside the program. A KVStore says which (``KVStoreBase.placement``)."""
import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec, SingleDeviceSharding

from .. import x64
from ..base import MXNetError
from ..context import HOST_DEVICES_HINT
from ..ndarray import NDArray
from . import dist
from .collectives import HOST_THROTTLE

__all__ = ["Placement"]


class Placement:
    """Where the module's arrays live: one device, or a mesh with the batch sharded across
    it; with ``across_workers`` the mesh holds every dist_sync worker's devices and each
    worker supplies its own part of the batch."""

    def __init__(self, contexts, across_workers=False):
        devices = [c.jax_device for c in contexts]
        if len(set(devices)) == 1:  # cpu(0), cpu(1) ... with one host device: run there
            devices = devices[:1]
        elif len(set(devices)) != len(devices):
            raise MXNetError(f"Module: contexts {contexts} name the same device twice "
                             f"(they are {len(set(devices))} device(s)); {HOST_DEVICES_HINT}")
        self.contexts = contexts
        self.workers = dist.num_workers() if across_workers else 1
        if across_workers:
            per_worker = zip(*(dist.worker_devices(d) for d in devices))
            devices = [d for worker in per_worker for d in worker]
        # XLA's CPU collectives deadlock when dozens are queued: bound the steps in flight.
        self._throttled = len(devices) > 1 and devices[0].platform == "cpu"
        if len(devices) == 1:
            self.batch = self.replicated = SingleDeviceSharding(devices[0])
        else:
            mesh = Mesh(np.array(devices), ("batch",))
            self.batch = NamedSharding(mesh, PartitionSpec("batch"))
            self.replicated = NamedSharding(mesh, PartitionSpec())

    @x64.x64
    def place(self, array, sharding, dtype=None, copy=False):
        """``array`` (an NDArray or jax array; this worker's part of it) placed by
        ``sharding``; with ``copy`` in new buffers, never the array's own."""
        data = array.asjax() if isinstance(array, NDArray) else array
        if dtype is not None and data.dtype != dtype:
            data, copy = data.astype(dtype), False
        if data.sharding == sharding:
            return x64.device_put(data, sharding, may_alias=False) if copy else data
        if self.workers > 1:
            return jax.make_array_from_process_local_data(sharding, data)
        return x64.device_put(data, sharding)

    def queued(self, result):
        """Note one more step in flight (``result`` is one of its outputs); on host devices,
        the shared HOST_THROTTLE bounds how many are queued."""
        if self._throttled:
            HOST_THROTTLE.queued(result)

    def replicate(self, tree):
        """Every array of ``tree`` (NDArrays or jax arrays) replicated on the devices."""
        return jax.tree_util.tree_map(lambda a: self.place(a, self.replicated), tree)

    @staticmethod
    def shards(data):
        """This worker's shards of ``data`` (a jax array), in batch order."""
        return sorted(data.addressable_shards, key=lambda s: s.index[0].start or 0)

    @x64.x64
    def local(self, data):
        """This worker's part of ``data`` (a jax array), on its first context."""
        if data.is_fully_addressable:
            return x64.device_put(data, self.contexts[0].jax_device)
        shards = self.shards(data)
        if data.sharding.is_fully_replicated:
            shards = shards[:1]
        first = self.contexts[0].jax_device
        parts = [x64.device_put(s.data, first) for s in shards]
        return parts[0] if len(parts) == 1 else jax.numpy.concatenate(parts)

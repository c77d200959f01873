"""Sums of many arrays in few XLA programs: keys are packed into one flat buffer per
device, buffers are summed (an all-reduce across distinct devices, or across processes),
and the sum is unpacked again. Nothing here waits for the device, except that at most
``HOST_COLLECTIVES_IN_FLIGHT`` all-reduces over host devices are queued at once: XLA's
CPU collectives deadlock, starved of threads, when dozens are queued. ``HOST_THROTTLE``
is that one bound, shared by the store's all-reduces and Module's SPMD steps."""
import collections
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from .. import x64
from . import dist

__all__ = ["pack", "unpack", "sum_on", "all_reduce", "cross_process_sum", "Throttle",
           "HOST_THROTTLE"]

HOST_COLLECTIVES_IN_FLIGHT = 4


class Throttle:
    """Keeps at most ``limit`` programs with collectives queued: noting one more waits
    for the oldest."""

    def __init__(self, limit):
        self.limit = limit
        self._queued = collections.deque()  # one output of each queued program

    def queued(self, result):
        """Note one more program in flight (``result`` is one of its outputs)."""
        self._queued.append(result)
        if len(self._queued) > self.limit:
            self._queued.popleft().block_until_ready()


HOST_THROTTLE = Throttle(HOST_COLLECTIVES_IN_FLIGHT)


@x64.jit
def pack(*arrays):
    """One flat buffer holding ``arrays`` one after the other."""
    return jnp.concatenate([a.reshape(-1) for a in arrays])


@functools.partial(x64.jit, static_argnums=1)
def unpack(flat, shapes):
    """The arrays of ``shapes`` that ``pack`` put into ``flat``."""
    sizes = [math.prod(shape) for shape in shapes]
    offsets = np.cumsum([0] + sizes)
    return [flat[offsets[i]:offsets[i + 1]].reshape(shape) for i, shape in enumerate(shapes)]


@x64.jit
def _add_n(buffers):
    return functools.reduce(jnp.add, buffers)


def sum_on(buffers, device):
    """The sum of same-shaped ``buffers`` (on any devices), computed on ``device``."""
    if len(buffers) == 1:
        return x64.device_put(buffers[0], device)
    return _add_n([x64.device_put(b, device) for b in buffers])


@functools.lru_cache(maxsize=None)
def _replicated_sum(devices):
    """The sharding that stacks one part per device along axis 0, and a jitted sum of
    the parts replicated on every device: XLA lowers it to one all-reduce."""
    mesh = Mesh(np.array(devices), ("parts",))
    stacked = NamedSharding(mesh, PartitionSpec("parts"))
    count = len(devices)

    def summed(parts):
        total = parts.reshape((count, -1) + parts.shape[1:]).sum(axis=0, dtype=parts.dtype)
        return total, jnp.zeros((), jnp.int8)  # a flag that is ready when the sum is

    return stacked, x64.jit(summed, out_shardings=NamedSharding(mesh, PartitionSpec()))


def _global_sum(devices, local_parts):
    """Sum of one part per device of ``devices`` (ndim >= 1, same shape); ``local_parts``
    are this process's parts, in ``devices`` order."""
    stacked, summed = _replicated_sum(devices)
    shape = local_parts[0].shape
    parts = jax.make_array_from_single_device_arrays(
        (len(devices) * shape[0],) + shape[1:], stacked, local_parts)
    total, done = summed(parts)
    if devices[0].platform == "cpu" and jax.process_count() == 1:
        HOST_THROTTLE.queued(done)
    return total


def all_reduce(parts):
    """Sum of same-shaped ``parts`` (ndim >= 1), one per distinct device, as one
    collective. Returns {device: the sum there}."""
    devices = tuple(next(iter(p.devices())) for p in parts)
    total = _global_sum(devices, parts)
    return {shard.device: shard.data for shard in total.addressable_shards}


def cross_process_sum(part, devices):
    """Sum of ``part`` (ndim >= 1) over all processes; ``devices`` holds one device per
    process, this process's being ``part``'s. Every process gets the same result."""
    try:
        return _global_sum(devices, [part]).addressable_shards[0].data
    except Exception as err:  # a failed collective raises XLA's runtime error
        raise dist.collective_failure(f"dist_sync: the all-reduce across {len(devices)} "
                                      f"workers failed (has a worker died?): {err}") from None

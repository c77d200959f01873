"""How a store sums the values pushed for a key: each reducer takes one part per pushing
device and returns the sum on the key's home device, plus the copy of the sum each
device already holds (which pull can hand out without a transfer). With gradient
compression, a reducer that works across workers quantizes what each worker sends
(``quantize``); the store quantizes the parts of the others before they are reduced."""
from .. import x64
from . import collectives, dist

__all__ = ["LocalSum", "DeviceAllReduce", "CrossProcess"]


class LocalSum:
    """The parts summed on the home device (MXNet's ``local``)."""

    across_workers = False

    def reduce(self, parts, devices, home):
        """(sum on ``home``, {device: the same sum there})."""
        return collectives.sum_on(parts, home), {}


class DeviceAllReduce:
    """One all-reduce across the pushing devices, each keeping its copy of the sum
    (MXNet's ``device``); parts pushed twice from one device are summed locally."""

    across_workers = False

    def reduce(self, parts, devices, home):
        if len(devices) > 1 and len(set(devices)) == len(devices):
            copies = collectives.all_reduce(parts)
            total = copies.get(home)
            if total is None:
                total = x64.device_put(next(iter(copies.values())), home)
            return total, copies
        return collectives.sum_on(parts, home), {}


class CrossProcess:
    """``local``'s sum, then summed over every worker process (the ``dist_*sync`` types)."""

    across_workers = True

    def __init__(self, local):
        self.local = local

    def reduce(self, parts, devices, home, quantize=None):
        """As the other reducers; ``quantize`` (gradient compression) maps this worker's
        sum to the values it contributes to the sum across workers."""
        total, copies = self.local.reduce(parts, devices, home)
        if quantize is not None:
            total, copies = quantize(total), {}
        if dist.num_workers() == 1:
            return total, copies
        return collectives.cross_process_sum(total, dist.worker_devices(home)), {}

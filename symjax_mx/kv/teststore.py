"""TestStore: MXNet's in-process store for testing a KVStoreBase front end, registered as
``teststore``. One worker; broadcast copies, pushpull sums; no optimizer."""
from ..base import MXNetError
from ..ndarray import NDArray
from .base import KVStoreBase

__all__ = ["TestStore"]


def _as_list(arrays):
    return list(arrays) if isinstance(arrays, (list, tuple)) else [arrays]


@KVStoreBase.register
class TestStore(KVStoreBase):
    """A key-value store for testing: the key is ignored, nothing is stored."""

    __test__ = False  # not a pytest test class

    def broadcast(self, key, value, out, priority=0):
        """Copy ``value`` into ``out`` (an NDArray or a list of them)."""
        for target in _as_list(out):
            target[:] = value.as_in_context(target.context)

    def pushpull(self, key, value, out=None, priority=0):
        """Sum ``value`` (an NDArray or a list of them, summed on the first one's context)
        into ``out``, or into each of ``value`` when ``out`` is None."""
        if isinstance(value, NDArray):
            total, targets = value, _as_list(out) if out is not None else []
        else:
            if not value:
                raise MXNetError(f"TestStore.pushpull: key {key!r} got no values")
            ctx = value[0].context
            total = value[0].copy()
            for other in value[1:]:
                total += other.as_in_context(ctx)
            targets = _as_list(out) if out is not None else value
        for target in targets:
            target[:] = total.as_in_context(target.context)

    @staticmethod
    def is_capable(capability):
        """False for ``optimizer``; ValueError for an unknown capability."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return False
        raise ValueError(f"Unknown capability: {capability}")

    @property
    def type(self):
        return "teststore"

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

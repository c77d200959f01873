"""MXNet 1.9.1's contributed sampler."""
from ....base import MXNetError

__all__ = ["IntervalSampler"]


class IntervalSampler:
    """Samples ``range(length)`` with a stride: ``0, interval, 2 * interval, ...``, then
    (with ``rollover``) ``1, 1 + interval, ...`` and so on until every index is taken."""

    def __init__(self, length, interval, rollover=True):
        if interval >= length:
            raise MXNetError(f"Interval {interval} must be smaller than length {length}")
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self):
        for start in range(self._interval if self._rollover else 1):
            yield from range(start, self._length, self._interval)

    def __len__(self):
        return self._length

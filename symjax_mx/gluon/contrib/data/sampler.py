"""MXNet 1.9.1's contributed sampler."""
from ...data import sampler

__all__ = ["IntervalSampler"]


class IntervalSampler(sampler.IntervalSampler):
    """Samples ``range(length)`` with a stride: ``0, interval, 2 * interval, ...``, then
    (with ``rollover``) ``1, 1 + interval, ...`` and so on until every index is taken. As
    in MXNet 1.9.1 ``interval`` may equal ``length``, and the length is ``length`` even
    without rollover."""

    def __init__(self, length, interval, rollover=True):  # the base refuses interval == length
        if interval > length:
            raise AssertionError(f"Interval {interval} must be smaller than or equal to length "
                                 f"{length}")
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __len__(self):
        return self._length

"""``mx.gluon.contrib.data``: IntervalSampler and the text datasets (WikiText2/103)."""
from . import text
from .sampler import IntervalSampler

__all__ = ["IntervalSampler", "text"]

"""``mx.contrib``: optional extras (``mx.contrib.tensorboard``)."""
from . import tensorboard

__all__ = ["tensorboard"]

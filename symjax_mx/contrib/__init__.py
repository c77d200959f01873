"""mx.contrib: MXNet's contributed and experimental APIs (``mx.contrib.tensorboard`` needs
the ``tensorboard`` extra)."""
from . import amp, autograd, tensorboard

__all__ = ["amp", "autograd", "tensorboard"]

"""mx.contrib: MXNet's contributed and experimental APIs."""
from . import amp, autograd

__all__ = ["amp", "autograd"]

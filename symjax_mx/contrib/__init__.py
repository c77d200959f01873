"""mx.contrib: MXNet's contributed APIs."""
from . import amp

__all__ = ["amp"]

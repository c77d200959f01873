"""mx.contrib: MXNet's experimental APIs."""
from . import autograd

__all__ = ["autograd"]

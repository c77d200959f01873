"""mx.contrib.amp: MXNet's automatic mixed precision (not supported; see amp.py)."""
from . import amp

__all__ = ["amp"]

"""Gluon's contributed blocks (``mx.gluon.contrib``)."""
from . import nn

__all__ = ["nn"]

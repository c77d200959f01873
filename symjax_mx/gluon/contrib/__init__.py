"""Gluon's contributed blocks (``mx.gluon.contrib``)."""
from . import nn, rnn

__all__ = ["nn", "rnn"]

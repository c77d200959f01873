"""Gluon's contributed blocks (``mx.gluon.contrib``)."""
from . import data, nn, rnn

__all__ = ["data", "nn", "rnn"]

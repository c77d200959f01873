"""Gluon's contributed blocks (``mx.gluon.contrib``)."""
from . import cnn, data, nn, rnn

__all__ = ["cnn", "data", "nn", "rnn"]

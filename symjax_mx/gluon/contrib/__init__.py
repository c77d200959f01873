"""Gluon's contributed blocks (``mx.gluon.contrib``)."""
from . import cnn, data, estimator, nn, rnn

__all__ = ["cnn", "data", "estimator", "nn", "rnn"]

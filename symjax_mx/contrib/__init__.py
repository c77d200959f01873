"""mx.contrib: MXNet's contributed and experimental APIs (``mx.contrib.tensorboard`` needs
the ``tensorboard`` extra); ``mx.contrib.nd`` / ``mx.contrib.sym`` are the contrib
operators of ``mx.nd.contrib`` / ``mx.sym.contrib``."""
from . import amp, autograd, io, svrg_optimization, tensorboard, text
from ..ndarray import contrib as ndarray
from ..symbol import contrib as symbol

nd = ndarray
sym = symbol

__all__ = ["amp", "autograd", "io", "svrg_optimization", "tensorboard", "text",
           "ndarray", "symbol", "nd", "sym"]

"""Gluon: MXNet's imperative, hybridizable neural-network API."""
from . import contrib, loss, nn, utils
from . import data
from .block import Block, HybridBlock, SymbolBlock
from .parameter import Constant, DeferredInitializationError, Parameter, ParameterDict
from .trainer import Trainer

__all__ = ["Block", "Constant", "DeferredInitializationError", "HybridBlock", "Parameter",
           "ParameterDict", "SymbolBlock", "Trainer", "contrib", "data", "loss", "nn", "utils"]

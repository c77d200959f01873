"""mx.contrib.svrg_optimization: SVRGModule, MXNet's stochastic variance reduced gradient
training on top of the Module API."""
from . import svrg_module, svrg_optimizer
from .svrg_module import SVRGModule

__all__ = ["SVRGModule", "svrg_module", "svrg_optimizer"]

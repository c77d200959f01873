"""mx.optimizer.contrib: MXNet 1.9.1's contributed optimizers."""
from .python_rules import GroupAdaGrad

__all__ = ["GroupAdaGrad"]

GroupAdaGrad.__module__ = __name__  # its public path, for pickles

"""mx.optimizer: MXNet 1.9.1's optimizers, each written as a pure JAX update rule
(``optimizer.py`` holds the host API and the registry, ``rules.py`` the optimizers,
``python_rules.py`` those MXNet writes in Python, ``contrib.py`` mx.optimizer.contrib,
``updater.py`` the Updater)."""
from .optimizer import Optimizer, create, register
from .rules import (FTML, LAMB, NAG, SGD, AdaDelta, AdaGrad, Adam, Adamax, AdamW, Ftrl, Nadam,
                    RMSProp, Signum, ccSGD)
from .python_rules import DCASGD, LARS, LBSGD, SGLD
from .updater import Updater, get_updater
from . import contrib  # noqa: F401  (mx.optimizer.contrib)

__all__ = ["AdaDelta", "AdaGrad", "Adam", "AdamW", "Adamax", "DCASGD", "FTML", "Ftrl",
           "LAMB", "LARS", "LBSGD", "NAG", "Nadam", "Optimizer", "RMSProp", "SGD", "SGLD",
           "Signum", "Updater", "ccSGD", "create", "get_updater", "register"]

# Pickles (optimizer states dumped with their optimizer) name the classes by their public
# path, as before the split.
for _cls in (Optimizer, Updater, FTML, LAMB, NAG, SGD, AdaDelta, AdaGrad, Adam, Adamax, AdamW,
             Ftrl, Nadam, RMSProp, Signum, ccSGD, SGLD, DCASGD, LARS, LBSGD):
    _cls.__module__ = __name__
del _cls

"""mx.optimizer: MXNet 1.9.1's optimizers, each written as a pure JAX update rule
(``optimizer.py`` holds the host API and the registry, ``rules.py`` the optimizers,
``updater.py`` the Updater)."""
from .optimizer import Optimizer, create, register
from .rules import (FTML, LAMB, NAG, SGD, AdaDelta, AdaGrad, Adam, Adamax, AdamW, Ftrl, Nadam,
                    RMSProp, Signum, ccSGD)
from .updater import Updater, get_updater

__all__ = ["AdaDelta", "AdaGrad", "Adam", "AdamW", "Adamax", "FTML", "Ftrl", "LAMB", "NAG",
           "Nadam", "Optimizer", "RMSProp", "SGD", "Signum", "Updater", "ccSGD", "create",
           "get_updater", "register"]

# Pickles (optimizer states dumped with their optimizer) name the classes by their public
# path, as before the split.
for _cls in (Optimizer, Updater, FTML, LAMB, NAG, SGD, AdaDelta, AdaGrad, Adam, Adamax, AdamW,
             Ftrl, Nadam, RMSProp, Signum, ccSGD):
    _cls.__module__ = __name__
del _cls

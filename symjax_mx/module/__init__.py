"""mx.mod: the Module training API."""
from .base_module import BaseModule
from .module import Module

__all__ = ["BaseModule", "Module"]

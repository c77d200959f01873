"""Lowering a Symbol to one compiled JAX function, and the Executor that runs it."""
from .executor import Executor, bind, simple_bind

__all__ = ["Executor", "bind", "simple_bind"]

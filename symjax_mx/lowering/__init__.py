"""Lowering a Graph to JAX: the pure function of the graph (``graph.py``), every compiled
program built from it (``programs.py``), and the Executor that runs them."""
from .executor import Executor, bind, simple_bind
from .programs import Programs, programs_for

__all__ = ["Executor", "Programs", "bind", "programs_for", "simple_bind"]

"""Lowering a Graph to JAX: the pure function of the graph (``graph.py``), every compiled
program built from it (``programs.py``), the control-flow operators that run subgraphs
(``control_flow.py``), and the Executor that runs them."""
from . import control_flow  # noqa: F401  (registers the control-flow operators)
from .executor import Executor, bind, simple_bind
from .programs import Programs, programs_for

__all__ = ["Executor", "Programs", "bind", "programs_for", "simple_bind"]

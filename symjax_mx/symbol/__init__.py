"""mx.sym / mx.symbol: graphs of registry operators, with MXNet's naming and JSON."""
import sys

from ..ops.fluent import add_fluent_methods
from ..ndarray.register import UFUNCS
from ..ops.registry import publish
from .creation import full, ones, zeros
from . import random  # noqa: E402  (mx.sym.random)
from .register import op_function
from .symbol import Group, Symbol, Variable, load, load_json, var

publish(op_function, globals(), __name__)
# MXNet's symbol-or-scalar functions: elementwise for two symbols, scalar operators else
maximum, minimum, power, hypot = (UFUNCS[k] for k in ("maximum", "minimum", "power", "hypot"))
pow = power  # noqa: A001 (MXNet's name)

add_fluent_methods(Symbol, sys.modules[__name__])

__all__ = ["Group", "Symbol", "Variable", "full", "hypot", "load", "load_json", "maximum",
           "minimum", "ones", "pow", "power", "var", "zeros"]

"""mx.sym / mx.symbol: graphs of registry operators, with MXNet's naming and JSON."""
import sys

from ..ops.fluent import add_fluent_methods
from ..ops.layout import split_v2
from ..ops.methods import UFUNCS, histogram
from ..ops.registry import publish
from .creation import arange, full, ones, zeros
from . import contrib, random  # noqa: E402  (mx.sym.contrib, mx.sym.random)
from . import sparse  # noqa: E402  (mx.sym.sparse)
from . import numpy as np, numpy_extension as npx  # noqa: E402  (F.np, F.npx of a graph)
from .register import op_function
from .symbol import Group, Symbol, Variable, load, load_json, var

publish(op_function, globals(), __name__)
# MXNet's symbol-or-scalar functions: elementwise for two symbols, scalar operators else
globals().update(UFUNCS)

add_fluent_methods(Symbol, sys.modules[__name__])

__all__ = ["Group", "Symbol", "Variable", "arange", "full", "histogram", "hypot", "load", "load_json",
           "maximum", "minimum", "ones", "pow", "power", "split_v2", "var", "zeros"]

"""mx.sym / mx.symbol: graphs of registry operators, with MXNet's naming and JSON."""
from ..ops.layout import split_v2
from ..ops.methods import UFUNCS, histogram
from ..ops.registry import publish
from .creation import full, ones, zeros
from .json_io import load, load_json
from .register import op_function
from .symbol import Group, Symbol, Variable, var

publish(op_function, globals(), __name__)
globals().update(UFUNCS)

__all__ = ["histogram", "split_v2", "Group", "Symbol", "Variable", "full", "load", "load_json", "ones", "var", "zeros"]

"""mx.sym / mx.symbol: graphs of registry operators, with MXNet's naming and JSON."""
from ..ops.registry import publish
from .creation import full, ones, zeros
from .register import op_function
from .symbol import Group, Symbol, Variable, load, load_json, var

publish(op_function, globals(), __name__)

__all__ = ["Group", "Symbol", "Variable", "full", "load", "load_json", "ones", "var", "zeros"]

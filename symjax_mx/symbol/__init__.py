"""mx.sym / mx.symbol: graphs of registry operators, with MXNet's naming and JSON."""
import types

from .json_io import load, load_json
from .register import op_functions
from .symbol import Group, Symbol, Variable, var

_internal = types.ModuleType(__name__ + "._internal", "Operators whose MXNet names start with _.")
for _name, _fn in op_functions().items():
    if _name.startswith("_"):
        setattr(_internal, _name, _fn)
    elif _name not in globals():
        globals()[_name] = _fn
del _name, _fn

__all__ = ["Group", "Symbol", "Variable", "load", "load_json", "var"]

"""The operator registry and every operator, each defined once for mx.nd and mx.sym.

Every module of this package other than the registry's own helpers is an operator family;
importing it registers its operators, so a new family needs no line here."""
import importlib
import pkgutil

from .registry import Operator, Param, ParamParsers, get_op, list_ops, register

# modules that define no operators
_HELPERS = frozenset({"registry", "describe", "methods", "fluent"})

for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _module not in _HELPERS:
        importlib.import_module(f"{__name__}.{_module}")

__all__ = ["Operator", "Param", "ParamParsers", "get_op", "list_ops", "register"]

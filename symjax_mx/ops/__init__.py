"""The operator registry and every operator, each defined once for mx.nd and mx.sym."""
from .registry import Operator, Param, ParamParsers, get_op, list_ops, register
# importing each family registers its operators
from . import conv, custom, elemwise, linalg, loss, matrix, nn, random, reduce, tensor  # noqa: F401
from . import optimizer_update  # noqa: F401

__all__ = ["Operator", "Param", "ParamParsers", "get_op", "list_ops", "register"]

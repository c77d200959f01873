"""The operator registry and every operator, each defined once for mx.nd and mx.sym."""
from .registry import Operator, Param, ParamParsers, get_op, list_ops, register
from . import elemwise, matrix, reduce, linalg, tensor, nn, conv, loss, random, custom  # noqa: F401,E501  (registers the operators)

__all__ = ["Operator", "Param", "ParamParsers", "get_op", "list_ops", "register"]

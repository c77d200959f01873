"""The operator registry and every operator, each defined once for mx.nd and mx.sym."""
from .registry import Operator, Param, ParamParsers, get_op, list_ops, register
# importing each family registers its operators
from . import (conv, custom, elemwise, linalg, loss, matrix, nn, random, reduce,  # noqa: F401
               rnn, tensor)
from . import shape_constraint  # noqa: F401,E402

__all__ = ["Operator", "Param", "ParamParsers", "get_op", "list_ops", "register"]

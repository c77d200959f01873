"""mx.operator: operators written in Python, used as ``mx.nd.Custom(..., op_type=name)``."""
from .ops import get_op, list_ops
from .ops.custom import CustomOp, CustomOpProp, register_custom as register
from .ops.describe import OperatorArguments, operator_arguments

__all__ = ["CustomOp", "CustomOpProp", "register", "OperatorArguments",
           "get_all_registered_operators", "get_operator_arguments"]


def get_all_registered_operators():
    """The names (and aliases) of every registered operator."""
    return sorted({name for op in list_ops() for name in (op.name, *op.aliases)})


def get_operator_arguments(op_name):
    """OperatorArguments(narg, names, types) of the operator named ``op_name``."""
    return operator_arguments(get_op(op_name))

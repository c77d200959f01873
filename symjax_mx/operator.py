"""mx.operator: operators written in Python, used as ``mx.nd.Custom(..., op_type=name)``."""
from .ops.custom import CustomOp, CustomOpProp, register_custom as register

__all__ = ["CustomOp", "CustomOpProp", "register"]

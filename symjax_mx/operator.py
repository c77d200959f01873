"""mx.operator: operators written in Python, used as ``mx.nd.Custom(..., op_type=name)``,
and MXNet's deprecated ``NumpyOp`` and ``NDArrayOp`` (run here as Custom operators)."""
import ctypes
import itertools
import warnings

import numpy as np

from . import symbol
from .base import NDArrayHandle, c_str, check_call, py_str
from .ndarray import NDArray
from .ops import get_op, list_ops
from .ops.custom import CustomOp, CustomOpProp, register_custom as register
from .ops.describe import OperatorArguments, operator_arguments

__all__ = ["CustomOp", "CustomOpProp", "register", "OperatorArguments", "PythonOp", "NumpyOp",
           "NDArrayOp", "get_all_registered_operators", "get_operator_arguments"]
# MXNet's module has no __all__, so ``from mxnet.operator import *`` also brings the ctypes
# helpers it imports; MXNet's tests use them unqualified (``ctypes.cast(h, NDArrayHandle)``).
__all__ += ["ctypes", "NDArray", "NDArrayHandle", "c_str", "check_call", "py_str"]


def get_all_registered_operators():
    """The names (and aliases) of every registered operator."""
    return sorted({name for op in list_ops() for name in (op.name, *op.aliases)})


def get_operator_arguments(op_name):
    """OperatorArguments(narg, names, types) of the operator named ``op_name``."""
    return operator_arguments(get_op(op_name))


class PythonOp:
    """Base class of MXNet's deprecated Python operators: by default the forward copies the
    first input and the backward writes ones into the first input's gradient."""

    _ref_holder = []

    def __init__(self, need_top_grad=True):
        self.info_ = None
        self.need_top_grad_ = need_top_grad
        warnings.warn("PythonOp has been deprecated. Please use CustomOp")

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        """A Symbol applying this operator to the symbols ``args``."""
        raise NotImplementedError("Must override this")

    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        """(argument shapes, output shapes)."""
        return in_shape, [in_shape[0]]

    def list_outputs(self):
        return ["output"]

    def list_arguments(self):
        return ["data"]

    def need_top_grad(self):
        return self.need_top_grad_


_NUMPY_OPS = itertools.count()


def _python_op_symbol(python_op, args, kwargs):
    """A Custom symbol running ``python_op`` (a NumpyOp or NDArrayOp) on ``args``."""
    op_type = f"_numpy_op{next(_NUMPY_OPS)}"
    register(op_type)(_python_op_prop(python_op))
    PythonOp._ref_holder.append(python_op)
    return symbol.Custom(*args, op_type=op_type, **kwargs)


class NumpyOp(PythonOp):
    """A Python operator whose forward and backward fill numpy arrays (float32)."""

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)
        warnings.warn("NumpyOp has been deprecated. Please use CustomOp")

    def get_symbol(self, *args, **kwargs):
        return _python_op_symbol(self, args, kwargs)

    def _custom_op(self):
        return _OnNumpy(self)


class NDArrayOp(PythonOp):
    """A Python operator whose forward and backward write into NDArrays."""

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)
        warnings.warn("NDArrayOp has been deprecated. Please use CustomOp")

    def get_symbol(self, *args, **kwargs):
        return _python_op_symbol(self, args, kwargs)

    def _custom_op(self):
        return _OnNDArrays(self)


def _python_op_prop(python_op):
    """The CustomOpProp class running ``python_op`` (a NumpyOp or NDArrayOp)."""
    class PythonOpProp(CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=python_op.need_top_grad())

        def list_arguments(self):
            return python_op.list_arguments()

        def list_outputs(self):
            return python_op.list_outputs()

        def infer_shape(self, in_shape):
            in_shapes, out_shapes = python_op.infer_shape(in_shape)
            return in_shapes, out_shapes, []

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return python_op._custom_op()
    return PythonOpProp


class _OnNumpy(CustomOp):
    """Calls a NumpyOp's forward and backward on numpy copies, then assigns the results."""

    def __init__(self, python_op):
        self._op = python_op

    def forward(self, is_train, req, in_data, out_data, aux):
        outputs = [np.zeros(o.shape, np.float32) for o in out_data]
        self._op.forward(in_data=[x.asnumpy() for x in in_data], out_data=outputs)
        for dst, request, src in zip(out_data, req, outputs):
            self.assign(dst, request, src)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        grads = [np.zeros(g.shape, np.float32) for g in in_grad]
        self._op.backward(out_grad=[g.asnumpy() for g in out_grad],
                          in_data=[x.asnumpy() for x in in_data],
                          out_data=[o.asnumpy() for o in out_data], in_grad=grads)
        for dst, request, src in zip(in_grad, req, grads):
            self.assign(dst, request, src)


class _OnNDArrays(CustomOp):
    """Calls an NDArrayOp's forward and backward, which write the output NDArrays."""

    def __init__(self, python_op):
        self._op = python_op

    def forward(self, is_train, req, in_data, out_data, aux):
        self._op.forward(in_data=in_data, out_data=out_data)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self._op.backward(out_grad=out_grad, in_data=in_data, out_data=out_data,
                          in_grad=in_grad)

"""``mx.sym.npx``: ``mx.npx``'s operators on Symbols, what a hybridized block's
``hybrid_forward`` gets as ``F.npx`` under NumPy semantics (the same registry operators
as the eager ``mx.npx``)."""
from ..numpy_extension import OPERATORS, legacy_shape
from ..ops.registry import get_op
from .register import op_function

__all__ = ["relu", "sigmoid", "softmax", "log_softmax", "activation", "reshape", "slice",
           *OPERATORS]


def operator(name):
    """The Symbol function of registry operator ``name``."""
    return op_function(get_op(name), name)


globals().update({name: operator(op_name) for name, op_name in OPERATORS.items()})


def relu(data):
    return operator("relu")(data)


def sigmoid(data):
    return operator("sigmoid")(data)


def softmax(data, axis=-1, temperature=None):
    return operator("softmax")(data, axis=axis, temperature=temperature)


def log_softmax(data, axis=-1, temperature=None):
    return operator("log_softmax")(data, axis=axis, temperature=temperature)


def activation(data, act_type="relu"):
    return operator("Activation")(data, act_type=act_type)


def reshape(a, newshape, reverse=False, order="C"):
    """``a`` in ``newshape``, with npx's special values (see ``mx.npx.reshape``)."""
    return operator("Reshape")(a, shape=legacy_shape(newshape), reverse=reverse)


def slice(data, begin, end, step=()):  # noqa: A001  (MXNet's name)
    return operator("slice")(data, begin=begin, end=end, step=step)

"""``mx.npx``: the NumPy-semantics switches and the neural-network operators MXNet keeps
outside NumPy's namespace, returning mx.np.ndarray."""
from .. import ndarray as _nd
from ..numpy.multiarray import to_np
from ..util import (is_np_array, is_np_shape, np_array, np_shape, reset_np,  # noqa: F401
                    set_np, use_np, use_np_array, use_np_shape)

__all__ = ["set_np", "reset_np", "is_np_array", "is_np_shape", "use_np", "use_np_array",
           "use_np_shape", "np_array", "np_shape", "relu", "sigmoid", "softmax",
           "log_softmax", "activation"]


def relu(data):
    return to_np(_nd.relu(data))


def sigmoid(data):
    return to_np(_nd.sigmoid(data))


def softmax(data, axis=-1, temperature=None):
    return to_np(_nd.softmax(data, axis=axis, temperature=temperature))


def log_softmax(data, axis=-1, temperature=None):
    return to_np(_nd.log_softmax(data, axis=axis, temperature=temperature))


def activation(data, act_type="relu"):
    return to_np(_nd.Activation(data, act_type=act_type))

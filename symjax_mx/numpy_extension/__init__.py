"""``mx.npx``: the NumPy-semantics switches, contexts, and the neural-network operators
MXNet keeps outside NumPy's namespace, returning mx.np.ndarray."""
import sys as _sys

import numpy as _onp

from .. import ndarray as _nd
from ..base import MXNetError
from ..context import cpu, cpu_pinned, current_context, gpu, num_gpus  # noqa: F401
from ..numpy.multiarray import array as _np_array, to_np
from . import image, random  # noqa: F401  (mx.npx.image, mx.npx.random)
from ..util import (is_np_array, is_np_shape, np_array, np_shape, reset_np,  # noqa: F401
                    set_np, use_np, use_np_array, use_np_shape)

# npx name -> the legacy operator it runs (the same parameters)
OPERATORS = {
    "batch_dot": "batch_dot", "batch_flatten": "Flatten", "batch_norm": "BatchNorm",
    "cast": "Cast", "convolution": "Convolution", "deconvolution": "Deconvolution",
    "dropout": "Dropout", "embedding": "Embedding", "erf": "erf", "erfinv": "erfinv",
    "fully_connected": "FullyConnected", "gamma": "gamma", "gammaln": "gammaln",
    "gather_nd": "gather_nd", "layer_norm": "LayerNorm", "leaky_relu": "LeakyReLU",
    "one_hot": "one_hot", "pick": "pick", "pooling": "Pooling", "reshape_like": "reshape_like",
    "rnn": "RNN", "roi_pooling": "ROIPooling", "sequence_mask": "SequenceMask",
    "shape_array": "shape_array", "smooth_l1": "smooth_l1", "topk": "topk",
    "multibox_prior": "_contrib_MultiBoxPrior", "multibox_target": "_contrib_MultiBoxTarget",
    "multibox_detection": "_contrib_MultiBoxDetection", "arange_like": "_contrib_arange_like",
}

__all__ = ["set_np", "reset_np", "is_np_array", "is_np_shape", "use_np", "use_np_array",
           "use_np_shape", "np_array", "np_shape", "relu", "sigmoid", "softmax",
           "log_softmax", "activation", "cpu", "cpu_pinned", "gpu", "num_gpus",
           "current_context", "waitall", "save", "load", "reshape", "slice", "nonzero",
           "constraint_check", "image", "random", *OPERATORS]


def _operator(name, op_name):
    namespace, function = ((_nd.contrib, op_name[len("_contrib_"):])
                           if op_name.startswith("_contrib_") else (_nd, op_name))

    def fn(*args, **kwargs):
        return to_np(getattr(namespace, function)(*args, **kwargs))
    fn.__name__ = name
    fn.__doc__ = f"MXNet's {op_name} operator, on mx.np arrays."
    return fn


globals().update({name: _operator(name, op) for name, op in OPERATORS.items()})
waitall = _nd.waitall

# npx.reshape's special values -> the legacy Reshape's (-3, skipping a size-1 axis, has none)
_RESHAPE_CODES = {-1: -1, -2: 0, -4: -2, -5: -3, -6: -4}


def legacy_shape(newshape):
    """npx.reshape's ``newshape`` in the legacy Reshape's special values."""
    codes = []
    for value in (newshape,) if isinstance(newshape, int) else newshape:
        if value == -3:
            raise NotImplementedError("npx.reshape: -3 (skipping a size-1 axis) is not "
                                      "supported")
        codes.append(_RESHAPE_CODES.get(value, value) if value < 0 else value)
    return tuple(codes)


def reshape(a, newshape, reverse=False, order="C"):
    """``a`` in ``newshape``, whose special values are npx's: -1 infers a size, -2 copies
    an axis, -4 copies every remaining axis, -5 merges two axes, -6 splits one in two."""
    return to_np(_nd.reshape(a, shape=legacy_shape(newshape), reverse=reverse))


def slice(data, begin, end, step=()):  # noqa: A001  (MXNet's name)
    return to_np(_nd.slice(data, begin=begin, end=end, step=step))


def nonzero(a):
    """The indices of ``a``'s nonzero elements, one row (of ``a.ndim`` int64 indices) each."""
    positions = _onp.argwhere(a.asnumpy()).astype(_onp.int64)
    return _np_array(positions, dtype=_onp.int64, ctx=a.context)


def constraint_check(x, msg="Constraint violated."):
    """``np.array(True)`` if every element of the boolean array ``x`` is true; else
    ValueError with ``msg`` (multiply a value by the result to keep the check in a
    computation)."""
    if _onp.dtype(x.dtype) != _onp.bool_:
        raise MXNetError(f"constraint_check: the condition must be a boolean array, got "
                         f"{_onp.dtype(x.dtype).name}")
    if not bool(_onp.all(x.asnumpy())):
        raise ValueError(msg)
    return _np_array(True, dtype=_onp.bool_, ctx=x.context)


def save(file, arr):
    """Write an array, a list or a dict of them, in MXNet's NDArray file format."""
    _nd.save(file, arr)


def load(file):
    """Read what ``save`` wrote, as mx.np arrays."""
    loaded = _nd.load(file)
    if isinstance(loaded, dict):
        return {name: to_np(value) for name, value in loaded.items()}
    return [to_np(value) for value in loaded]


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


# mx.nd.npx: what a block's hybrid_forward gets as F.npx when it runs eagerly (F = mx.nd)
_nd.npx = _sys.modules[__name__]

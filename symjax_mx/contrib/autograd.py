"""mx.contrib.autograd: MXNet's first autograd API, where entering a train section both
records and trains; the same tape as `symjax_mx.autograd`."""
import functools

from .. import autograd as _autograd
from ..ndarray import NDArray, zeros_like

__all__ = ["set_is_training", "TrainingStateScope", "train_section", "test_section",
           "mark_variables", "backward", "compute_gradient", "grad_and_loss", "grad"]

mark_variables = _autograd.mark_variables


def set_is_training(is_train):
    """Set both recording and training; returns the previous training state."""
    previous = _autograd.set_training(is_train)
    _autograd.set_recording(is_train)
    return previous


class TrainingStateScope:
    """Enters a section that records and trains (True) or does neither (False)."""

    def __init__(self, enter_state):
        self._enter_state = enter_state
        self._prev = None

    def __enter__(self):
        self._prev = set_is_training(self._enter_state)

    def __exit__(self, *exc):
        if self._prev != self._enter_state:
            set_is_training(self._prev)


def train_section():
    """A section that records operations, in training mode."""
    return TrainingStateScope(True)


def test_section():
    """A section that neither records nor trains."""
    return TrainingStateScope(False)


def backward(outputs, out_grads=None, retain_graph=False):
    """Compute the gradients of ``outputs`` (a list) into the marked variables."""
    if not isinstance(outputs, (list, tuple)):
        raise TypeError("outputs must be a list or tuple of NDArrays")
    _autograd.backward(outputs, out_grads, retain_graph)


def compute_gradient(outputs):
    """Deprecated name of `backward`."""
    backward(outputs)


def grad_and_loss(func, argnum=None):
    """Wrap ``func`` into a function returning (gradients of the arguments, its output);
    ``argnum`` (an int or a list) picks the arguments to differentiate."""
    @functools.wraps(func)
    def wrapped(*args):
        variables = args
        if argnum is not None:
            variables = [args[i] for i in (argnum if isinstance(argnum, list) else [argnum])]
        for x in variables:
            if not isinstance(x, NDArray):
                raise TypeError("type of autograd input should NDArray.")
        grads = [zeros_like(x) for x in variables]
        mark_variables(variables, grads)
        with train_section():
            outputs = func(*args)
        backward([outputs] if isinstance(outputs, NDArray) else outputs)
        return grads, outputs
    return wrapped


def grad(func, argnum=None):
    """Wrap ``func`` into a function returning the gradients of its arguments."""
    grad_with_loss_func = grad_and_loss(func, argnum)

    @functools.wraps(grad_with_loss_func)
    def wrapped(*args):
        return grad_with_loss_func(*args)[0]
    return wrapped

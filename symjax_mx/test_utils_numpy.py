"""MXNet's test helpers for the NumPy interface (re-exported by mx.test_utils): whether an
operator may run here, reducing a gradient to an operand's shape, and the hybridized vs.
imperative consistency check of a Gluon block."""
import numpy as np

from . import autograd
from .initializer import Initializer
from .runtime import Features
from .util import use_np


def has_tvm_ops():
    """Whether the operators built with TVM are available (never here)."""
    return Features().is_enabled("TVM_OP")


def is_op_runnable():
    """Whether the operators under test run on the current context: always, as no operator
    here needs TVM."""
    return True


def collapse_sum_like(a, shape):
    """Sum the NumPy array ``a`` over the axes that ``shape`` (broadcastable to ``a``) lacks
    or has of length 1, giving an array of ``shape``."""
    if len(a.shape) < len(shape):
        raise ValueError(f"collapse_sum_like: shape {shape} has more axes than {a.shape}")
    if a.size == 0 or int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype=a.dtype)
    leading = len(a.shape) - len(shape)
    axes = list(range(leading))
    for i, size in enumerate(shape):
        if size != a.shape[leading + i]:
            if size != 1:
                raise ValueError(f"collapse_sum_like: shape {shape} does not broadcast to "
                                 f"{a.shape}")
            axes.append(leading + i)
    return np.sum(a, axis=tuple(axes)).reshape(shape)


class _SavedParams(Initializer):
    """Initializes each parameter with the NumPy value saved under its name."""

    def __init__(self, values):
        super().__init__()
        self._values = values

    def _init_weight(self, name, arr):
        arr[()] = self._values[name]


def _run_block(net_builder, data_l, hybridize, use_autograd, params_init):
    """Build a block with ``params_init`` (default init when None), run it on copies of
    ``data_l``; returns (block, output, the copies)."""
    net = net_builder(prefix="net_")
    if params_init is None:
        net.initialize()
    else:
        net.initialize(params_init)
    if hybridize:
        net.hybridize()
    inputs = [value.copy() for value in data_l]
    if not use_autograd:
        return net, net(*inputs), inputs
    for value in inputs:
        value.attach_grad()
    with autograd.record():
        out = net(*inputs)
    out.backward(out)
    return net, out, inputs


@use_np
def check_gluon_hybridize_consistency(net_builder, data_l, numpy_func=None, test_grad=True,
                                      rtol=1E-4, atol=1E-4):
    """Assert that the block ``net_builder(prefix=...)`` gives the same output (and input
    gradients when ``test_grad``) hybridized and not, and matches ``numpy_func`` when
    given. The block must not draw random numbers."""
    saved_out, saved_grads, params_init = None, None, None
    for hybridize in (False, True):
        for use_autograd in ((False, True) if test_grad else (False,)):
            net, out, inputs = _run_block(net_builder, data_l, hybridize, use_autograd,
                                          params_init)
            if params_init is None:
                params_init = _SavedParams({name: param.data().asnumpy() for name, param
                                            in net.collect_params().items()})
            if saved_out is None:
                saved_out = out.asnumpy()
            else:
                np.testing.assert_allclose(out.asnumpy(), saved_out, rtol=rtol, atol=atol)
            if not use_autograd:
                continue
            grads = [value.grad.asnumpy() for value in inputs]
            if saved_grads is None:
                saved_grads = grads
            else:
                for grad, saved in zip(grads, saved_grads):
                    np.testing.assert_allclose(grad, saved, rtol=rtol, atol=atol)
    if numpy_func is not None:
        expected = numpy_func(*[value.asnumpy() for value in data_l])
        np.testing.assert_allclose(saved_out, expected, rtol=rtol, atol=atol)

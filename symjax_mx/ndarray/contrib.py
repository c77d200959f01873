"""mx.nd.contrib: MXNet's contrib array functions (the float checks isinf, isfinite, isnan;
getnnz of a CSRNDArray; rand_zipfian; the control flow foreach, while_loop and cond, run
as Python loops and branches; the AdamW updates, which take rescale_grad as an array; the
multi-tensor LAMB updates, which take lists)."""
import math

import numpy as np

from ..base import MXNetError, flatten_nested, regroup_nested
from ..ops.registry import get_op
from .creation import concatenate, full
from .ndarray import NDArray
from .random import uniform
from .register import op_function
from .sparse import getnnz
from .utils import zeros

__all__ = ["isinf", "isfinite", "isnan", "getnnz", "rand_zipfian", "zipfian_candidates",
           "foreach", "while_loop", "cond", "adamw_update", "mp_adamw_update",
           "multi_adamw_update", "multi_mp_adamw_update", "multi_lamb_update",
           "multi_mp_lamb_update"]


def isinf(data):
    """1 where ``data`` is +inf or -inf, else 0 (in ``data``'s dtype)."""
    return data.abs() == np.inf


def isfinite(data):
    """1 where ``data`` is neither infinite nor NaN, else 0."""
    return (data.abs() != np.inf) * (data == data)


def isnan(data):
    """1 where ``data`` is NaN, else 0."""
    return data != data


def zipfian_candidates(draw_uniform, true_classes, num_sampled, range_max):
    """rand_zipfian for arrays or symbols: ``draw_uniform(high, shape)`` draws float64 values
    in [0, high)."""
    log_range = math.log(range_max + 1)
    sampled = (draw_uniform(log_range, (num_sampled,)).exp() - 1).astype("int64") % range_max

    def expected_count(classes):
        classes = classes.astype("float64")
        return ((classes + 2.0) / (classes + 1.0)).log() / log_range * num_sampled
    return sampled, expected_count(true_classes), expected_count(sampled)


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """``num_sampled`` classes drawn from the log-uniform (Zipfian) distribution over
    [0, range_max), with replacement, and the expected counts of ``true_classes`` and of the
    sampled classes: (sampled, expected_count_true, expected_count_sampled)."""
    def draw(high, shape):
        return uniform(0, high, shape=shape, dtype="float64", ctx=ctx)
    return zipfian_candidates(draw, true_classes.as_in_context(ctx) if ctx else true_classes,
                              num_sampled, range_max)


def _stacked(steps, fmt):
    """The i-th arrays of every step joined along a new axis 0, nested as ``fmt``."""
    joined = [concatenate([a.expand_dims(0) for a in arrays]) for arrays in zip(*steps)]
    return regroup_nested(joined, fmt)[0]


def foreach(body, data, init_states):
    """Run ``body(data_slice, states) -> (outputs, new_states)`` over axis 0 of ``data``
    (an NDArray or nested lists of them) from ``init_states``: (the outputs stacked along
    axis 0, the last states)."""
    flat_data, data_fmt = flatten_nested(data, NDArray, "foreach data")
    flatten_nested(init_states, NDArray, "foreach init_states")
    states, steps, out_fmt = init_states, [], 0
    for i in range(flat_data[0].shape[0]):
        outputs, states = body(regroup_nested([d[i] for d in flat_data], data_fmt)[0], states)
        flat, out_fmt = flatten_nested(outputs, NDArray, "the outputs of the foreach body")
        steps.append(flat)
    return _stacked(steps, out_fmt) if steps else [], states


def _python_value(value, kind, what):
    if isinstance(value, NDArray):
        value = value.asscalar()
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"Cannot convert {what} to python {kind.__name__}") from None


def while_loop(cond, func, loop_vars, max_iterations=None):
    """Run ``func(*loop_vars) -> (step_output, new_loop_vars)`` while ``cond(*loop_vars)``
    holds, at most ``max_iterations`` times: (each step output stacked along axis 0 and
    padded to ``max_iterations`` rows, whose values past the last step are undefined; the
    final loop variables)."""
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    max_iterations = _python_value(max_iterations, int, "max_iteration")
    single = isinstance(loop_vars, NDArray)
    loop_vars = [loop_vars] if single else list(loop_vars)
    if not loop_vars:
        raise ValueError("loop_vars should contain at least one element")
    steps, out_fmt = [], None
    while len(steps) < max_iterations and _python_value(cond(*loop_vars), bool,
                                                         "Return value of cond"):
        output, new_vars = func(*loop_vars)
        new_vars = [] if new_vars is None else new_vars
        new_vars = [new_vars] if isinstance(new_vars, NDArray) else list(new_vars)
        if len(new_vars) != len(loop_vars):
            raise ValueError("The length of loop_vars should be consistent during the loop")
        flat, out_fmt = flatten_nested([] if output is None else output, NDArray,
                                       "the step output of while_loop")
        if steps and len(flat) != len(steps[0]):
            raise ValueError("Number of elements in step_output should be the same in each "
                             "step")
        steps.append(flat)
        loop_vars = new_vars
    outputs = []
    if steps:
        for i, arrays in enumerate(zip(*steps)):
            if any(a.shape != arrays[0].shape for a in arrays):
                raise ValueError(f"Shapes of {i + 1}-th elements in step_outputs are "
                                 f"inconsistent: {[a.shape for a in arrays]}")
        outputs = list(flatten_nested(_stacked(steps, out_fmt), NDArray, "outputs")[0])
        padding = max_iterations - len(steps)
        if padding:
            outputs = [concatenate([o, zeros((padding,) + o.shape[1:], ctx=o.context,
                                             dtype=o.dtype)]) for o in outputs]
        outputs = regroup_nested(outputs, out_fmt)[0]
    return outputs, loop_vars[0] if single else loop_vars


def cond(pred, then_func, else_func):
    """``then_func()`` if the scalar ``pred`` is true, else ``else_func()``."""
    if not callable(then_func) or not callable(else_func):
        raise MXNetError("cond: then_func and else_func must be functions of no arguments")
    return then_func() if _python_value(pred, bool, "pred") else else_func()


_UPDATES = {name: op_function(get_op(name), name) for name in
            ("_adamw_update", "_mp_adamw_update", "_multi_adamw_update",
             "_multi_mp_adamw_update", "_multi_lamb_update", "_multi_mp_lamb_update")}


def _scale_array(rescale_grad, ctx):
    """``rescale_grad`` as an array on ``ctx`` (a number becomes a (1,) float32 array)."""
    if isinstance(rescale_grad, NDArray):
        return rescale_grad.as_in_context(ctx)
    return full((1,), rescale_grad, ctx=ctx)


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                 epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """One AdamW step (see ``_adamw_update``); writes mean and var; ``rescale_grad`` is a
    number or an array."""
    return _UPDATES["_adamw_update"](
        weight=weight, grad=grad, mean=mean, var=var,
        rescale_grad=_scale_array(rescale_grad, weight.context), lr=lr, eta=eta, beta1=beta1,
        beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient, out=out, name=name,
        **kwargs)


def mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9,
                    beta2=0.999, epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None,
                    **kwargs):
    """adamw_update on the float32 master copy ``weight32`` of a float16 weight."""
    return _UPDATES["_mp_adamw_update"](
        weight=weight, grad=grad, mean=mean, var=var, weight32=weight32,
        rescale_grad=_scale_array(rescale_grad, weight.context), lr=lr, eta=eta, beta1=beta1,
        beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient, out=out, name=name,
        **kwargs)


def _multi(op_name, lists, count, size, kwargs):
    """``op_name`` on the first ``size`` (default: all) weights of ``lists`` (weights,
    grads, then the states of each weight), their number passed as param ``count``."""
    size = size or len(lists[0])
    arrays = {f"{kind}_{i}": array[i] for kind, array in
              zip(("weight", "grad", "mean", "var", "weight32"), lists) for i in range(size)}
    return _UPDATES[op_name](**{count: size}, **arrays, **kwargs)


def multi_adamw_update(weights, grads, mean, var, rescale_grad, lrs, wds, etas, out=None,
                       name=None, size=0, **kwargs):
    """adamw_update on several weights at once, with a learning rate, weight decay and eta
    per weight."""
    return _multi("_multi_adamw_update", (weights, grads, mean, var), "num_weights", size,
                  dict(kwargs, rescale_grad=_scale_array(rescale_grad, weights[0].context),
                       lrs=lrs, wds=wds, etas=etas, out=out, name=name))


def multi_mp_adamw_update(weights, grads, mean, var, weights32, rescale_grad, lrs, wds, etas,
                          out=None, name=None, size=0, **kwargs):
    """mp_adamw_update on several weights at once."""
    return _multi("_multi_mp_adamw_update", (weights, grads, mean, var, weights32),
                  "num_weights", size,
                  dict(kwargs, rescale_grad=_scale_array(rescale_grad, weights[0].context),
                       lrs=lrs, wds=wds, etas=etas, out=out, name=name))


def multi_lamb_update(weights, grads, mean, var, step_count, lrs, wds, out=None,
                      num_tensors=0, **kwargs):
    """One LAMB step on several weights at once, with a step count, learning rate and
    weight decay per weight; writes mean and var."""
    return _multi("_multi_lamb_update", (weights, grads, mean, var), "num_tensors",
                  num_tensors, dict(kwargs, step_count=step_count, learning_rates=lrs,
                                    wds=wds, out=out))


def multi_mp_lamb_update(weights, grads, mean, var, weights32, step_count, lrs, wds,
                         out=None, num_tensors=0, **kwargs):
    """multi_lamb_update on the float32 master copies ``weights32`` of float16 weights."""
    return _multi("_multi_mp_lamb_update", (weights, grads, mean, var, weights32),
                  "num_tensors", num_tensors,
                  dict(kwargs, step_count=step_count, learning_rates=lrs, wds=wds, out=out))

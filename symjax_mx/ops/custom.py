"""Operators written in Python: MXNet's CustomOp / CustomOpProp protocol and the
``Custom`` registry operator, which runs them through host callbacks so they work
imperatively and inside compiled graphs, with the user's backward as the gradient."""
import functools

import jax
import numpy as np

from .. import profiler
from ..base import MXNetError
from ..context import Context
from .registry import Param, ParamParsers as P, register

__all__ = ["CustomOp", "CustomOpProp", "register_custom"]

_PROPS = {}


class CustomOp:
    """Base class of a Python operator: override ``forward`` and ``backward``."""

    def forward(self, is_train, req, in_data, out_data, aux):
        """Compute ``out_data`` from ``in_data`` (NDArrays), writing with ``self.assign``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        """Compute ``in_grad`` from ``out_grad``, writing with ``self.assign``."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def assign(self, dst, req, src):
        """Write ``src`` into ``dst`` as the request says: write, inplace, add or null."""
        if req in ("write", "inplace"):
            dst[:] = src
        elif req == "add":
            dst[:] = dst + src
        elif req != "null":
            raise MXNetError(f"unknown request {req!r}; expected write, inplace, add or null")


class CustomOpProp:
    """Describes a Python operator: its arguments, outputs, shapes and types."""

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def list_arguments(self):
        return ["data"]

    def list_outputs(self):
        return ["output"]

    def list_auxiliary_states(self):
        return []

    def infer_shape(self, in_shape):
        """(argument shapes, output shapes, aux shapes); outputs default to the first input's."""
        return in_shape, [in_shape[0]] * len(self.list_outputs()), []

    def infer_type(self, in_type):
        """(argument dtypes, output dtypes, aux dtypes); all default to the first input's."""
        first = in_type[0]
        return (in_type, [first] * len(self.list_outputs()),
                [first] * len(self.list_auxiliary_states()))

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """Accepted for compatibility: every array is kept for backward here."""
        return out_grad + in_data + out_data

    def create_operator(self, ctx, in_shapes, in_dtypes):
        raise NotImplementedError(f"{type(self).__name__} does not implement create_operator")


def register_custom(reg_name):
    """Class decorator registering a CustomOpProp subclass as ``op_type=reg_name``."""
    def do_register(prop_cls):
        _PROPS[reg_name] = prop_cls
        return prop_cls
    return do_register


@functools.lru_cache(maxsize=None)
def _prop_for(items):
    params = dict(items)
    op_type = params.pop("op_type")
    if op_type not in _PROPS:
        known = ", ".join(sorted(_PROPS)) or "none"
        raise MXNetError(f"Cannot find custom operator {op_type!r}; registered: {known}")
    return _PROPS[op_type](**params)


def _prop(params):
    return _prop_for(tuple(sorted(params.items())))


def _custom_shapes(op, params, shapes):
    prop = _prop(params)
    num_args = len(prop.list_arguments())
    if any(s is None for s in shapes[:num_args]):
        return shapes, [None] * len(prop.list_outputs())
    arg_shapes, out_shapes, aux_shapes = prop.infer_shape([list(s) for s in shapes[:num_args]])
    return ([tuple(s) for s in arg_shapes] + [tuple(s) for s in aux_shapes],
            [tuple(s) for s in out_shapes])


def _custom_types(op, params, dtypes):
    prop = _prop(params)
    num_args = len(prop.list_arguments())
    if any(d is None for d in dtypes[:num_args]):
        return dtypes, [None] * len(prop.list_outputs())
    arg_types, out_types, aux_types = prop.infer_type(list(dtypes[:num_args]))
    as_type = lambda d: np.dtype(d).type  # noqa: E731
    return [as_type(d) for d in list(arg_types) + list(aux_types)], [as_type(d) for d in out_types]


_ndarray_of = []  # mx.nd's array(), installed by mx.nd on import: ndarray sits above ops


def install_ndarray(array):
    """Let custom operators hand NDArrays made by ``array(value, dtype=)`` to Python code
    (mx.nd calls this when it loads)."""
    _ndarray_of[:] = [array]


def _as_ndarrays(values):
    array, = _ndarray_of
    return [array(v, dtype=v.dtype) for v in values]


def _custom_compute(inputs, aux, params, is_train, rng):
    from ..lowering.errors import on_host  # run time only: lowering sits above ops
    prop = _prop(params)
    in_shapes = [list(x.shape) for x in inputs]
    in_dtypes = [x.dtype.type for x in inputs]
    _, out_shapes, _ = prop.infer_shape(in_shapes)
    _, out_dtypes, _ = prop.infer_type(in_dtypes)
    outputs_spec = [jax.ShapeDtypeStruct(tuple(s), np.dtype(d))
                    for s, d in zip(out_shapes, out_dtypes)]
    aux_spec = [jax.ShapeDtypeStruct(a.shape, a.dtype) for a in aux]
    grads_spec = [jax.ShapeDtypeStruct(x.shape, x.dtype) for x in inputs]
    operator = prop.create_operator(Context("cpu", 0), in_shapes, in_dtypes)
    num_in, num_out = len(inputs), len(outputs_spec)

    def host_forward(*arrays):
        in_data, aux_data = _as_ndarrays(arrays[:num_in]), _as_ndarrays(arrays[num_in:])
        out_data = _as_ndarrays([np.zeros(s.shape, s.dtype) for s in outputs_spec])
        with profiler.custom_operator(params["op_type"]):
            operator.forward(is_train, ["write"] * num_out, in_data, out_data, aux_data)
        return tuple(x.asnumpy() for x in out_data + aux_data)

    def host_backward(*arrays):
        in_data = _as_ndarrays(arrays[:num_in])
        aux_data = _as_ndarrays(arrays[num_in:num_in + len(aux)])
        rest = arrays[num_in + len(aux):]
        out_data, out_grad = _as_ndarrays(rest[:num_out]), _as_ndarrays(rest[num_out:])
        in_grad = _as_ndarrays([np.zeros(s.shape, s.dtype) for s in grads_spec])
        with profiler.custom_operator(f"_backward_{params['op_type']}"):
            operator.backward(["write"] * num_in, out_grad, in_data, out_data, in_grad,
                              aux_data)
        return tuple(g.asnumpy() for g in in_grad)

    def run_forward(args, states):
        results = jax.pure_callback(on_host(host_forward), outputs_spec + aux_spec, *args, *states)
        return tuple(results[:num_out]), list(results[num_out:])

    @jax.custom_vjp
    def apply(args, states):
        return run_forward(args, states)

    def apply_fwd(args, states):
        outputs, new_states = run_forward(args, states)  # backward sees the aux states
        return (outputs, new_states), (args, new_states, outputs)  # as forward left them

    def apply_bwd(residuals, cotangents):
        args, states, outputs = residuals
        out_grads = [jax.numpy.zeros_like(o) if g is None else g
                     for o, g in zip(outputs, cotangents[0])]
        grads = jax.pure_callback(on_host(host_backward), grads_spec, *args, *states, *outputs, *out_grads)
        return tuple(grads), [jax.numpy.zeros_like(s) for s in states]

    apply.defvjp(apply_fwd, apply_bwd)
    return apply(tuple(inputs), list(aux))


register("Custom", _custom_compute, open_params=True, host_callback=True,
         loss=lambda params: not _prop(params).need_top_grad_,
         params=(Param("op_type", P.string, required=True, doc="name given to register"),),
         inputs=lambda params: tuple(_prop(params).list_arguments()),
         aux=lambda params: tuple(_prop(params).list_auxiliary_states()),
         outputs=lambda params: tuple(_prop(params).list_outputs()),
         shape_rule=_custom_shapes, dtype_rule=_custom_types,
         doc="Run an operator written in Python (see mx.operator.CustomOp).")

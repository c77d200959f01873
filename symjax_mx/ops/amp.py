"""Mixed-precision helpers: amp_cast, amp_multicast, all_finite and multi_all_finite."""
import functools

import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_FLOATS = ("float16", "float32", "float64")


def _amp_cast(inputs, aux, params, is_train, rng):
    (data,) = inputs
    if not jnp.issubdtype(data.dtype, jnp.floating):  # MXNet leaves integers alone
        return (data,), aux
    return (data.astype(params["dtype"]),), aux


def _amp_cast_dtype_rule(op, params, dtypes):
    (dtype,) = dtypes
    if dtype is not None and not np.issubdtype(dtype, np.floating):
        return dtypes, [dtype]
    return dtypes, [np.dtype(params["dtype"]).type]


register("amp_cast", _amp_cast, dtype_rule=_amp_cast_dtype_rule,
         params=(Param("dtype", P.dtype_in(*_FLOATS), required=True, doc="target float dtype"),),
         doc="Cast floating-point data to dtype (integers pass through), for mixed precision.")


def _multicast_dtype(params, dtypes):
    floats = [np.dtype(d) for d in dtypes if np.issubdtype(d, np.floating)]
    if not floats:
        return None
    pick = min if params["cast_narrow"] else max
    return pick(floats, key=lambda d: d.itemsize).type


def _amp_multicast(inputs, aux, params, is_train, rng):
    target = _multicast_dtype(params, [x.dtype for x in inputs])
    return tuple(x.astype(target) if jnp.issubdtype(x.dtype, jnp.floating) else x
                 for x in inputs), aux


def _amp_multicast_dtype_rule(op, params, dtypes):
    if any(d is None for d in dtypes):
        return dtypes, [None] * len(dtypes)
    target = _multicast_dtype(params, dtypes)
    return dtypes, [target if np.issubdtype(d, np.floating) else d for d in dtypes]


def _same_shapes(op, params, shapes):
    return shapes, list(shapes)


register("amp_multicast", _amp_multicast,
         inputs=lambda p: tuple(f"data{i}" for i in range(p["num_outputs"])),
         outputs=lambda p: tuple(f"output{i}" for i in range(p["num_outputs"])),
         shape_rule=_same_shapes, dtype_rule=_amp_multicast_dtype_rule,
         params=(Param("num_outputs", P.integer_at_least(1), required=True,
                       doc="number of inputs (and outputs)"),
                 Param("cast_narrow", P.boolean, default=False,
                       doc="cast to the narrowest float dtype instead of the widest")),
         doc="Cast floating-point inputs to their widest (or narrowest) float dtype.")


def _finite(inputs, params):
    ok = functools.reduce(jnp.logical_and, [jnp.isfinite(x).all() for x in inputs])
    return ok.astype(jnp.float32).reshape(1)


def _finite_rules():
    """A (1,) float32 output."""
    def shape_rule(op, params, shapes):
        return shapes, [(1,)]

    def dtype_rule(op, params, dtypes):
        return dtypes, [np.float32]
    return {"shape_rule": shape_rule, "dtype_rule": dtype_rule}


_INIT = Param("init_output", P.boolean, default=True,
              doc="accepted as in MXNet: the output is always written")
register("all_finite", lambda inputs, aux, params, is_train, rng: ((_finite(inputs, params),),
                                                                   aux),
         params=(_INIT,), differentiable=False, **_finite_rules(),
         doc="[1.] if every element of data is finite, else [0.] (float32).")


def _num_arrays_check(op, params):
    if params["num_arrays"] < 1:
        raise MXNetError(f"{op.name}: num_arrays must be at least 1")


register("multi_all_finite",
         lambda inputs, aux, params, is_train, rng: ((_finite(inputs, params),), aux),
         inputs=lambda p: tuple(f"array{i}" for i in range(p["num_arrays"])),
         params=(Param("num_arrays", P.integer, default=1, doc="number of arrays"), _INIT),
         check=_num_arrays_check, differentiable=False, **_finite_rules(),
         doc="[1.] if every element of all the arrays is finite, else [0.] (float32).")

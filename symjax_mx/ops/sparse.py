"""Operators that exist for sparse storage: cast_storage, _sparse_retain, _square_sum.

Values are dense here (a sparse array's value is its dense equivalent); the storage type
of each result is decided by ``ndarray/storage.py``. These operators compute the value.
"""
import jax.numpy as jnp

from ..base import MXNetError
from .reduce import reduce_axes
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute

STORAGE_TYPES = ("default", "row_sparse", "csr")

#: the operators MXNet 1.9.1 puts in mx.nd.sparse and mx.sym.sparse: public name -> operator
SPARSE_NAMESPACE = {
    "ElementWiseSum": "add_n", "Embedding": "Embedding", "FullyConnected": "FullyConnected",
    "LinearRegressionOutput": "LinearRegressionOutput",
    "LogisticRegressionOutput": "LogisticRegressionOutput",
    "MAERegressionOutput": "MAERegressionOutput", "retain": "_sparse_retain",
    "cast_storage": "cast_storage", "concat": "Concat", "slice": "slice", "where": "where",
    "zeros_like": "zeros_like", "stop_gradient": "BlockGrad", "make_loss": "make_loss",
    **{name: name for name in (
        "abs", "adam_update", "add_n", "arccos", "arccosh", "arcsin",
        "arcsinh", "arctan", "arctanh", "broadcast_add", "broadcast_div", "broadcast_minus",
        "broadcast_mul", "broadcast_plus", "broadcast_sub", "cbrt", "ceil", "clip", "cos",
        "cosh", "degrees", "dot", "elemwise_add", "elemwise_div", "elemwise_mul",
        "elemwise_sub", "exp", "expm1", "fix", "floor", "ftrl_update", "gamma", "gammaln",
        "log", "log10", "log1p", "log2", "mean", "negative", "norm", "radians", "relu", "rint",
        "round", "rsqrt", "sgd_mom_update", "sgd_update", "sigmoid", "sign", "sin", "sinh",
        "sqrt", "square", "sum", "tan", "tanh", "trunc")},
}

register("cast_storage", simple_compute(lambda data, stype: data),
         shape_rule=output_shape_rule(lambda shape, params: shape),
         params=(Param("stype", P.choice(*STORAGE_TYPES), required=True,
                       doc="storage type of the result"),),
         doc="The array in another storage type (the value is unchanged).")


def _retain(data, indices):
    rows = jnp.zeros(data.shape[0], bool).at[indices.astype(jnp.int32)].set(True, mode="drop")
    return jnp.where(rows.reshape((-1,) + (1,) * (data.ndim - 1)), data, jnp.zeros_like(data))


register("_sparse_retain", simple_compute(_retain),
         inputs=("data", "indices"), shape_rule=output_shape_rule(lambda shape, idx, params: shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         doc="Keep the rows of data listed in indices; the other rows become zero.")


def _square_sum_shape(shape, params):
    axes = reduce_axes("_square_sum", len(shape), params["axis"], params["exclude"])
    if params["keepdims"]:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out if out else (1,)


def _square_sum(data, axis, keepdims, exclude):
    if data.ndim != 2:
        raise MXNetError(f"_square_sum: only 2-D input is supported, got {data.ndim} dims")
    axes = reduce_axes("_square_sum", data.ndim, axis, exclude)
    out = jnp.sum(jnp.square(data), axis=axes, keepdims=keepdims)
    return out.reshape(_square_sum_shape(data.shape, {"axis": axis, "keepdims": keepdims,
                                                      "exclude": exclude}))


register("_square_sum", simple_compute(_square_sum),
         shape_rule=output_shape_rule(_square_sum_shape),
         params=(Param("axis", P.axes, doc="axes to reduce; None: all"),
                 Param("keepdims", P.boolean, default=False, doc="keep reduced axes"),
                 Param("exclude", P.boolean, default=False, doc="reduce the other axes")),
         doc="Sum of squares over the given axes (MXNet's sparse square_sum).")

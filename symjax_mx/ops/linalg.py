"""Matrix products: dot and batch_dot, at full float32 precision (no TF32 on GPUs).

MXNet's ``dot`` on N-D arrays contracts the LAST axis of lhs with the FIRST axis of rhs
(``transpose_a`` contracts lhs's first axis instead, ``transpose_b`` rhs's last), and
keeps the other axes in order: (2, 3, 4) . (4, 5, 6) -> (2, 3, 5, 6). ``batch_dot``
multiplies the matrices in the last two axes of arrays with equal leading axes.
"""
from jax import lax

from ..base import MXNetError
from .elemwise import arithmetic_dtype_rule
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


def _storage_type(value):
    """forward_stype: None (MXNet's inference) or a storage type the result is cast to."""
    value = None if value == "None" else value
    if value not in (None, "default", "row_sparse", "csr"):
        raise ValueError(f"forward_stype must be None, 'default', 'row_sparse' or 'csr', "
                         f"got {value!r}")
    return value


_PARAMS = (
    Param("transpose_a", P.boolean, default=False, doc="transpose lhs first"),
    Param("transpose_b", P.boolean, default=False, doc="transpose rhs first"),
    Param("forward_stype", _storage_type, doc="storage type of the result"),
)


def _describe(op_name, lhs, rhs, params):
    return (f"{op_name}: lhs shape {tuple(lhs)} and rhs shape {tuple(rhs)} do not match "
            f"(transpose_a={params['transpose_a']}, transpose_b={params['transpose_b']})")


def _contracted_axes(lhs, rhs, params):
    """The contracted axes of lhs and rhs (shapes of at least one dimension)."""
    if not lhs or not rhs:
        raise MXNetError(f"dot: inputs need at least one dimension, got lhs {tuple(lhs)} "
                         f"and rhs {tuple(rhs)}")
    transpose_a, transpose_b = params["transpose_a"], params["transpose_b"]
    if len(lhs) == 1 and len(rhs) == 1 and (transpose_a or transpose_b):
        raise MXNetError("dot: cannot transpose vectors (lhs and rhs are both 1-D)")
    return 0 if transpose_a else len(lhs) - 1, len(rhs) - 1 if transpose_b else 0


def _dot_axes(lhs, rhs, params):
    """The contracted axes of lhs and rhs, checked against the shapes."""
    lhs_axis, rhs_axis = _contracted_axes(lhs, rhs, params)
    if lhs[lhs_axis] != rhs[rhs_axis]:
        raise MXNetError(f"{_describe('dot', lhs, rhs, params)}: contracting {lhs[lhs_axis]} "
                         f"with {rhs[rhs_axis]}")
    return lhs_axis, rhs_axis


def _dot_shape(lhs, rhs, params):
    lhs_axis, rhs_axis = _dot_axes(lhs, rhs, params)
    out = tuple(lhs[:lhs_axis] + lhs[lhs_axis + 1:] + rhs[:rhs_axis] + rhs[rhs_axis + 1:])
    return out or (1,)


def _dot_partial_shape(op, params, shapes):
    """Partly known shapes (-1: unknown size): the contracted sizes fill each other, and
    the output has the sizes known so far, as MXNet's dot infers a weight's deferred shape
    (``x.dot(w)`` with ``w`` declared (0, 100))."""
    lhs, rhs = shapes
    if lhs is None or rhs is None:
        return shapes, [None]
    lhs_axis, rhs_axis = _contracted_axes(lhs, rhs, params)
    size = lhs[lhs_axis] if lhs[lhs_axis] != -1 else rhs[rhs_axis]
    lhs = tuple(size if i == lhs_axis and n == -1 else n for i, n in enumerate(lhs))
    rhs = tuple(size if i == rhs_axis and n == -1 else n for i, n in enumerate(rhs))
    return [lhs, rhs], [_dot_shape(lhs, rhs, params)]  # (checks known sizes agree)


def _dot(lhs, rhs, transpose_a, transpose_b, forward_stype):
    params = {"transpose_a": transpose_a, "transpose_b": transpose_b}
    lhs_axis, rhs_axis = _dot_axes(lhs.shape, rhs.shape, params)
    out = lax.dot_general(lhs, rhs, (((lhs_axis,), (rhs_axis,)), ((), ())),
                          precision=lax.Precision.HIGHEST)
    return out.reshape(_dot_shape(lhs.shape, rhs.shape, params))


def _batch_axes(lhs, rhs, params):
    """(batch axes, lhs contracted axis, rhs contracted axis), checked against the shapes."""
    ndim = len(lhs)
    if ndim < 3 or len(rhs) != ndim:
        raise MXNetError(f"batch_dot: inputs must have the same number of dimensions, at "
                         f"least 3, got lhs {tuple(lhs)} and rhs {tuple(rhs)}")
    if tuple(lhs[:-2]) != tuple(rhs[:-2]):
        raise MXNetError(f"{_describe('batch_dot', lhs, rhs, params)}: the leading batch "
                         f"dimensions differ")
    lhs_axis = ndim - 2 if params["transpose_a"] else ndim - 1
    rhs_axis = ndim - 1 if params["transpose_b"] else ndim - 2
    if lhs[lhs_axis] != rhs[rhs_axis]:
        raise MXNetError(f"{_describe('batch_dot', lhs, rhs, params)}: contracting "
                         f"{lhs[lhs_axis]} with {rhs[rhs_axis]}")
    return tuple(range(ndim - 2)), lhs_axis, rhs_axis


def _batch_dot(lhs, rhs, transpose_a, transpose_b, forward_stype):
    batch, lhs_axis, rhs_axis = _batch_axes(
        lhs.shape, rhs.shape, {"transpose_a": transpose_a, "transpose_b": transpose_b})
    return lax.dot_general(lhs, rhs, (((lhs_axis,), (rhs_axis,)), (batch, batch)),
                           precision=lax.Precision.HIGHEST)


def _batch_dot_shape(lhs, rhs, params):
    _, lhs_axis, rhs_axis = _batch_axes(lhs, rhs, params)
    free_lhs = lhs[-1] if lhs_axis == len(lhs) - 2 else lhs[-2]
    free_rhs = rhs[-1] if rhs_axis == len(rhs) - 2 else rhs[-2]
    return lhs[:-2] + (free_lhs, free_rhs)


register("dot", simple_compute(_dot), params=_PARAMS, inputs=("lhs", "rhs"),
         shape_rule=output_shape_rule(_dot_shape), partial_shape_rule=_dot_partial_shape,
         dtype_rule=arithmetic_dtype_rule,
         doc="Tensor product contracting lhs's last axis with rhs's first (see the module).")
register("batch_dot", simple_compute(_batch_dot), params=_PARAMS, inputs=("lhs", "rhs"),
         shape_rule=output_shape_rule(_batch_dot_shape), dtype_rule=arithmetic_dtype_rule,
         doc="Matrix products over the last two axes of arrays with equal leading axes.")

"""Operators of ``mx.np`` that the legacy set lacks: cumulative sums, rounding to decimals
(NumPy's half-to-even), the two-argument arctangent, the singular value decomposition,
Einstein summation, and the bitwise operations and least common multiple of integers."""
import jax
import jax.numpy as jnp
import numpy as np

from ..base import MXNetError
from .elemwise import _broadcast_shape_rule
from .reduce import reduce_axes
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


def _cumsum(data, axis, dtype):
    out_dtype = dtype or data.dtype
    if axis is None:
        return jnp.cumsum(data.reshape(-1), dtype=out_dtype)
    (axis,) = reduce_axes("cumsum", data.ndim, (axis,), False)
    return jnp.cumsum(data, axis=axis, dtype=out_dtype)


def _cumsum_shape(shape, params):
    return (int(np.prod(shape)),) if params["axis"] is None else shape


register("_np_cumsum", simple_compute(_cumsum),
         shape_rule=output_shape_rule(_cumsum_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [params["dtype"] or dtypes[0]]),
         params=(Param("axis", P.optional(P.integer), doc="axis to sum along; None: flattened"),
                 Param("dtype", P.optional(P.dtype), doc="dtype of the sums (default: the "
                                                         "input's)")),
         doc="Cumulative sums along an axis (of the flattened array without one).")


def _around(data, decimals):
    if jnp.issubdtype(data.dtype, jnp.integer) and decimals >= 0:
        return data
    factor = 10.0 ** decimals
    scaled = data * factor if decimals else data
    rounded = jnp.round(scaled)
    rounded = jnp.where(scaled == -0.5, 0, rounded)  # MXNet's -0.5 rounds to +0, -0.4 to -0
    return (rounded / factor if decimals else rounded).astype(data.dtype)


register("_npi_around", simple_compute(_around),
         shape_rule=output_shape_rule(lambda shape, params: shape),
         params=(Param("decimals", P.integer, default=0, doc="decimal places"),),
         doc="Round to ``decimals`` places, halves to even (NumPy's around).")


register("_npi_arctan2", simple_compute(jnp.arctan2),
         inputs=("x1", "x2"), shape_rule=_broadcast_shape_rule,
         doc="Element-wise arctangent of x1 / x2 in the quadrant of (x2, x1).")


def _svd(inputs, aux, params, is_train, rng):
    (a,) = inputs
    ut, l, v = jnp.linalg.svd(a, full_matrices=False)
    return (ut, l, v), aux


def _svd_shape_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None] * 3
    if len(a) < 2:
        raise MXNetError(f"svd: the input must be a batch of matrices, got shape {tuple(a)}")
    *batch, m, n = a
    k = min(m, n)
    return shapes, [(*batch, m, k), (*batch, k), (*batch, k, n)]


register("_npi_svd", _svd, inputs=("A",), outputs=("ut", "l", "v"), shape_rule=_svd_shape_rule,
         doc="Singular value decomposition A = ut diag(l) v of the matrices of the last two "
             "axes, singular values descending (the reduced factors).")


def _einsum(inputs, aux, params, is_train, rng):
    return (jnp.einsum(params["subscripts"], *inputs),), aux


def _einsum_shape_rule(op, params, shapes):
    if any(s is None for s in shapes):
        return shapes, [None]
    try:
        out = jax.eval_shape(lambda *xs: jnp.einsum(params["subscripts"], *xs),
                             *(jax.ShapeDtypeStruct(tuple(s), np.float32) for s in shapes))
    except (ValueError, TypeError) as err:
        raise MXNetError(f"einsum: subscripts {params['subscripts']!r} do not fit operands "
                         f"of shapes {[tuple(s) for s in shapes]}: {err}") from None
    return shapes, [tuple(out.shape)]


register("_npi_einsum", _einsum, inputs=lambda params: tuple(
             f"data{i}" for i in range(params["num_args"])),
         shape_rule=_einsum_shape_rule,
         params=(Param("num_args", P.integer_at_least(1), required=True,
                       doc="number of operands"),
                 Param("subscripts", P.string, required=True,
                       doc="the Einstein summation, as NumPy's ('ij,jk->ik')"),
                 Param("optimize", P.integer, default=0, doc="accepted; XLA orders the "
                                                             "contractions itself")),
         doc="Einstein summation of the operands (NumPy's einsum).")


def _integer_dtype_rule(op, params, dtypes):
    known = [d for d in dtypes if d is not None]
    if not known:
        return dtypes, [None]
    for dtype in known:
        if np.dtype(dtype).kind not in "iub":
            raise MXNetError(f"{op.name}: takes integer or boolean arrays, got "
                             f"{np.dtype(dtype).name}")
    common = np.result_type(*known)
    return [common] * len(dtypes), [common]


for _name, _function in (("_npi_bitwise_and", jnp.bitwise_and),
                         ("_npi_bitwise_or", jnp.bitwise_or),
                         ("_npi_bitwise_xor", jnp.bitwise_xor), ("_npi_lcm", jnp.lcm)):
    register(_name, simple_compute(_function), inputs=("lhs", "rhs"),
             shape_rule=_broadcast_shape_rule, dtype_rule=_integer_dtype_rule,
             differentiable=False,
             doc=f"Element-wise {_name[5:]} of integer arrays, broadcasting.")
register("_npi_bitwise_not", simple_compute(jnp.invert), differentiable=False,
         shape_rule=output_shape_rule(lambda shape, params: shape),
         dtype_rule=_integer_dtype_rule, doc="Element-wise bitwise NOT of an integer array.")

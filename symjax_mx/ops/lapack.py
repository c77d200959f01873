"""MXNet's ``linalg_*`` operators (``mx.nd.linalg.gemm``, ...): BLAS and LAPACK on batches
of matrices in the last two axes.

MXNet 1.9.1 semantics: triangular inputs (trmm, trsm, potri) read only their lower (or,
with ``lower=False``, upper) triangle; potrf returns the lower Cholesky factor; potri
takes that factor L and returns (L L^T)^-1; gelqf returns (Q, L) with A = L Q and Q's
rows orthonormal; syevd returns (U, lambda) with A = U^T diag(lambda) U, eigenvalues
ascending.
"""
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register, simple_compute

_HIGHEST = lax.Precision.HIGHEST


def _t(x):
    return jnp.swapaxes(x, -1, -2)


def _matmul(a, b):
    return jnp.matmul(a, b, precision=_HIGHEST)


def _square_rule(name):
    def rule(op, params, shapes):
        a = shapes[0]
        if a is None:
            return shapes, [None] * op.num_outputs(params)
        if len(a) < 2 or a[-1] != a[-2]:
            raise MXNetError(f"{name}: A must be a batch of square matrices, got shape "
                             f"{tuple(a)}")
        return shapes, [out(tuple(a)) for out in _SQUARE_OUTPUTS[name]]
    return rule


_SQUARE_OUTPUTS = {
    "linalg_potrf": [lambda a: a], "linalg_potri": [lambda a: a],
    "linalg_inverse": [lambda a: a], "linalg_sumlogdiag": [lambda a: a[:-2] or (1,)],
    "linalg_det": [lambda a: a[:-2] or (1,)],
    "linalg_slogdet": [lambda a: a[:-2] or (1,), lambda a: a[:-2] or (1,)],
    "linalg_syevd": [lambda a: a, lambda a: a[:-1]],
}


def _scalar_shape(value, batch):
    return value.reshape(batch or (1,))


def _register_square(name, fn, outputs=("output",), params=(), doc="", **rules):
    register("_" + name, simple_compute(fn) if len(outputs) == 1 else
             (lambda inputs, aux, params, is_train, rng: (fn(*inputs, **params), aux)),
             aliases=(name,), inputs=("A",), outputs=outputs, shape_rule=_square_rule(name),
             params=params, doc=doc, **rules)


def _lower(a, lower=True):
    return jnp.tril(a) if lower else jnp.triu(a)


def _potrf(a, lower):
    factor = jnp.linalg.cholesky(a)
    return factor if lower else _t(factor)


def _potri(a, lower):
    factor = jnp.tril(a) if lower else _t(jnp.triu(a))
    return jnp.linalg.inv(_matmul(factor, _t(factor)))


def _positive_definite(params, values):
    """MXNet's CPU kernel's error where LAPACK's potrf fails (an imperative call)."""
    a = np.asarray(values[0])
    try:
        np.linalg.cholesky(a)
    except np.linalg.LinAlgError:
        letter = "d" if a.dtype == np.float64 else "s"
        return MXNetError(f"{letter}potrf failed in lapack on cpu. This may happen when the "
                          f"input matrix is either not symmetric or not positive definite.")
    return None


_CHOLESKY_LOWER = Param("lower", P.boolean, default=True,
                        doc="the factor is lower L (A = L L^T), else upper U (A = U^T U)")
_register_square("linalg_potrf", _potrf, params=(_CHOLESKY_LOWER,),
                 value_check=_positive_definite,
                 doc="Cholesky factor of symmetric positive-definite A: lower L with "
                     "A = L L^T, or upper U = L^T.")
_register_square("linalg_potri", _potri, params=(_CHOLESKY_LOWER,),
                 doc="A^-1 from A's Cholesky factor (lower L: (L L^T)^-1).")
_register_square("linalg_inverse", jnp.linalg.inv, doc="Inverse of square matrices.")
_register_square("linalg_det",
                 lambda a: _scalar_shape(jnp.linalg.det(a), a.shape[:-2]),
                 doc="Determinant of square matrices.")
_register_square("linalg_sumlogdiag",
                 lambda a: _scalar_shape(jnp.sum(jnp.log(jnp.diagonal(a, 0, -2, -1)), -1),
                                         a.shape[:-2]),
                 doc="Sum of the logarithms of the diagonal of square matrices.")


def _slogdet(a):
    sign, logdet = jnp.linalg.slogdet(a)
    return _scalar_shape(sign, a.shape[:-2]), _scalar_shape(logdet, a.shape[:-2])


def _syevd(a):
    values, vectors = jnp.linalg.eigh(a, symmetrize_input=True)
    rows = _t(vectors)
    # MXNet's sign: each row's entry of largest magnitude (first on ties) is positive
    peak = jnp.take_along_axis(rows, jnp.argmax(jnp.abs(rows), -1)[..., None], -1)
    return rows * jnp.where(peak < 0, -1, 1).astype(rows.dtype), values


_register_square("linalg_slogdet", _slogdet, outputs=("sign", "logdet"),
                 doc="Sign and log absolute determinant of square matrices.")
_register_square("linalg_syevd", _syevd, outputs=("U", "L"),
                 doc="Eigendecomposition of symmetric A = U^T diag(L) U, eigenvalues "
                     "ascending.")


_OFFSET = Param("offset", P.integer, default=0, doc="diagonal offset; > 0 above the main")


def _extractdiag_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None]
    k = params["offset"]
    size = min(a[-2] + min(k, 0), a[-1] - max(k, 0)) if len(a) >= 2 else 0
    if size < 1:
        raise MXNetError(f"{op.name}: offset {k} has no diagonal in matrices of shape "
                         f"{tuple(a)}")
    return shapes, [tuple(a[:-2]) + (size,)]


def _makediag_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None]
    n = a[-1] + abs(params["offset"])
    return shapes, [tuple(a[:-1]) + (n, n)]


def _makediag(a, offset):
    n = a.shape[-1] + abs(offset)
    rows = jnp.arange(a.shape[-1]) + max(-offset, 0)
    cols = jnp.arange(a.shape[-1]) + max(offset, 0)
    return jnp.zeros(a.shape[:-1] + (n, n), a.dtype).at[..., rows, cols].set(a)


register("_linalg_extractdiag", simple_compute(lambda a, offset: jnp.diagonal(a, offset, -2, -1)),
         aliases=("linalg_extractdiag",), inputs=("A",), params=(_OFFSET,),
         shape_rule=_extractdiag_rule, doc="The offset diagonal of each matrix.")
register("_linalg_makediag", simple_compute(_makediag), aliases=("linalg_makediag",),
         inputs=("A",), params=(_OFFSET,), shape_rule=_makediag_rule,
         doc="Square matrices with the last axis on their offset diagonal, zero elsewhere.")


_LOWER = Param("lower", P.boolean, default=True,
               doc="the lower triangle (else the upper); only used when offset is 0")


def _trian_positions(n, offset, lower):
    """(rows, cols) of the triangle's entries in MXNet's packed order: row by row of the
    lower triangle (of the transpose for an upper one), shifted by the offset."""
    k = abs(offset)
    rows, cols = np.tril_indices(n - k)
    rows = rows + k
    if offset > 0 or (offset == 0 and not lower):
        rows, cols = cols, rows
    return rows, cols


def _trian_size(op, n, offset):
    if n - abs(offset) < 1:
        raise MXNetError(f"{op.name}: offset {offset} leaves no triangle in {n} x {n} matrices")
    return (n - abs(offset)) * (n - abs(offset) + 1) // 2


def _extracttrian_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None]
    if len(a) < 2 or a[-1] != a[-2]:
        raise MXNetError(f"{op.name}: A must hold square matrices, got shape {tuple(a)}")
    return shapes, [tuple(a[:-2]) + (_trian_size(op, a[-1], params["offset"]),)]


def _maketrian_size(op, a, offset):
    side = int((np.sqrt(8 * a[-1] + 1) - 1) / 2)
    if side * (side + 1) // 2 != a[-1]:
        raise MXNetError(f"{op.name}: {a[-1]} is not the size of a triangle")
    return side + abs(offset)


def _maketrian_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None]
    n = _maketrian_size(op, a, params["offset"])
    return shapes, [tuple(a[:-1]) + (n, n)]


def _extracttrian(a, offset, lower):
    rows, cols = _trian_positions(a.shape[-1], offset, lower)
    return a[..., rows, cols]


def _maketrian(a, offset, lower):
    side = int((np.sqrt(8 * a.shape[-1] + 1) - 1) / 2)
    n = side + abs(offset)
    rows, cols = _trian_positions(n, offset, lower)
    return jnp.zeros(a.shape[:-1] + (n, n), a.dtype).at[..., rows, cols].set(a)


register("_linalg_extracttrian", simple_compute(_extracttrian), aliases=("linalg_extracttrian",),
         inputs=("A",), params=(_OFFSET, _LOWER), shape_rule=_extracttrian_rule,
         doc="The offset triangle of each square matrix, packed row by row into a vector.")
register("_linalg_maketrian", simple_compute(_maketrian), aliases=("linalg_maketrian",),
         inputs=("A",), params=(_OFFSET, _LOWER), shape_rule=_maketrian_rule,
         doc="Square matrices with the packed vector in their offset triangle, zero elsewhere.")


# ---- gemm, gemm2, trmm, trsm, syrk, gelqf ---------------------------------------------

_TRANSPOSE_A = Param("transpose_a", P.boolean, default=False, doc="use A^T")
_TRANSPOSE_B = Param("transpose_b", P.boolean, default=False, doc="use B^T")
_ALPHA = Param("alpha", P.number, default=1.0, doc="scale of the product")
_AXIS = Param("axis", P.integer, default=-2, doc="axis of the matrix rows (columns follow)")


def _rows_last(x, axis):
    return x if axis in (-2, x.ndim - 2) else jnp.moveaxis(x, axis, -2)


def _rows_back(x, axis):
    return x if axis in (-2, x.ndim - 2) else jnp.moveaxis(x, -2, axis)


def _product(a, b, params):
    a = _rows_last(a, params["axis"])
    b = _rows_last(b, params["axis"])
    a = _t(a) if params["transpose_a"] else a
    b = _t(b) if params["transpose_b"] else b
    return params["alpha"] * _matmul(a, b)


def _gemm(inputs, aux, params, is_train, rng):
    a, b, c = inputs
    out = _product(a, b, params) + params["beta"] * _rows_last(c, params["axis"])
    return (_rows_back(out, params["axis"]),), aux


def _gemm2(inputs, aux, params, is_train, rng):
    return (_rows_back(_product(*inputs, params), params["axis"]),), aux


def _product_shape(op, params, a, b):
    rows = params["axis"] % len(a)

    def rows_last(shape):
        shape = list(shape)
        moved = shape.pop(rows)
        shape.insert(len(shape) - 1, moved)
        return shape
    a, b = rows_last(a), rows_last(b)
    ra, ca = (a[-1], a[-2]) if params["transpose_a"] else (a[-2], a[-1])
    rb, cb = (b[-1], b[-2]) if params["transpose_b"] else (b[-2], b[-1])
    if ca != rb or a[:-2] != b[:-2]:
        raise MXNetError(f"{op.name}: cannot multiply A {tuple(a)} and B {tuple(b)} "
                         f"(transpose_a={params['transpose_a']}, "
                         f"transpose_b={params['transpose_b']})")
    out = a[:-2] + [ra, cb]
    moved = out.pop(-2)
    out.insert(rows, moved)
    return tuple(out)


def _gemm_rule(op, params, shapes):
    if shapes[0] is None or shapes[1] is None:
        return shapes, [shapes[2] if len(shapes) > 2 else None]
    out = _product_shape(op, params, shapes[0], shapes[1])
    if len(shapes) > 2:
        if shapes[2] is not None and tuple(shapes[2]) != out:
            raise MXNetError(f"{op.name}: C has shape {tuple(shapes[2])}, the product "
                             f"{out}")
        shapes[2] = out
    return shapes, [out]


register("_linalg_gemm", _gemm, aliases=("linalg_gemm",), inputs=("A", "B", "C"),
         shape_rule=_gemm_rule,
         params=(_TRANSPOSE_A, _TRANSPOSE_B, _ALPHA,
                 Param("beta", P.number, default=1.0, doc="scale of C"), _AXIS),
         doc="alpha * op(A) op(B) + beta * C on batches of matrices.")
register("_linalg_gemm2", _gemm2, aliases=("linalg_gemm2",), inputs=("A", "B"),
         shape_rule=_gemm_rule, params=(_TRANSPOSE_A, _TRANSPOSE_B, _ALPHA, _AXIS),
         doc="alpha * op(A) op(B) on batches of matrices.")

_TRANSPOSE = Param("transpose", P.boolean, default=False, doc="use A^T")
_RIGHTSIDE = Param("rightside", P.boolean, default=False, doc="A on the right of B")
_LOWER = Param("lower", P.boolean, default=True, doc="A is lower (else upper) triangular")


def _triangular(a, params):
    a = _lower(a, params["lower"])
    return _t(a) if params["transpose"] else a


def _trmm(a, b, transpose, rightside, lower, alpha):
    tri = _triangular(a, {"lower": lower, "transpose": transpose})
    return alpha * (_matmul(b, tri) if rightside else _matmul(tri, b))


def _trsm(a, b, transpose, rightside, lower, alpha):
    tri = _triangular(a, {"lower": lower, "transpose": transpose})
    return lax.linalg.triangular_solve(tri, alpha * b, left_side=not rightside,
                                       lower=lower != transpose)


def _b_rule(op, params, shapes):
    a, b = shapes
    if a is not None and (len(a) < 2 or a[-1] != a[-2]):
        raise MXNetError(f"{op.name}: A must be a batch of square matrices, got {tuple(a)}")
    if a is not None and b is not None:
        side = b[-1] if params["rightside"] else b[-2]
        if side != a[-1] or tuple(a[:-2]) != tuple(b[:-2]):
            raise MXNetError(f"{op.name}: A {tuple(a)} does not fit B {tuple(b)} "
                             f"(rightside={params['rightside']})")
    return shapes, [b]


for _name, _fn, _doc in (
        ("linalg_trmm", _trmm, "alpha * op(A) B (or alpha * B op(A) with rightside), A "
                               "triangular."),
        ("linalg_trsm", _trsm, "X solving op(A) X = alpha B (or X op(A) = alpha B with "
                               "rightside), A triangular.")):
    register("_" + _name, simple_compute(_fn), aliases=(_name,), inputs=("A", "B"),
             shape_rule=_b_rule, params=(_TRANSPOSE, _RIGHTSIDE, _LOWER, _ALPHA), doc=_doc)


def _syrk(a, transpose, alpha):
    return alpha * (_matmul(_t(a), a) if transpose else _matmul(a, _t(a)))


def _syrk_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None]
    if len(a) < 2:
        raise MXNetError(f"{op.name}: A must be a batch of matrices, got {tuple(a)}")
    side = a[-1] if params["transpose"] else a[-2]
    return shapes, [tuple(a[:-2]) + (side, side)]


register("_linalg_syrk", simple_compute(_syrk), aliases=("linalg_syrk",), inputs=("A",),
         shape_rule=_syrk_rule, params=(_TRANSPOSE, _ALPHA),
         doc="alpha * A A^T (or alpha * A^T A with transpose).")


def _gelqf(inputs, aux, params, is_train, rng):
    (a,) = inputs
    q, r = jnp.linalg.qr(_t(a))
    signs = jnp.sign(jnp.diagonal(r, 0, -2, -1))
    signs = jnp.where(signs == 0, 1, signs)
    return (_t(q * signs[..., None, :]), _t(r * signs[..., :, None])), aux


def _gelqf_rule(op, params, shapes):
    (a,) = shapes
    if a is None:
        return shapes, [None, None]
    if len(a) < 2 or a[-2] > a[-1]:
        raise MXNetError(f"{op.name}: A must be a batch of matrices with no more rows than "
                         f"columns, got {tuple(a)}")
    return shapes, [tuple(a), tuple(a[:-1]) + (a[-2],)]


register("_linalg_gelqf", _gelqf, aliases=("linalg_gelqf",), inputs=("A",),
         outputs=("Q", "L"), shape_rule=_gelqf_rule,
         doc="LQ factorization A = L Q: Q with orthonormal rows, L lower triangular with a "
             "positive diagonal.")

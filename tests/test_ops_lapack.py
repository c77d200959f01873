"""mx.nd.linalg operators against NumPy, with MXNet 1.9.1's conventions (upper Cholesky
factors, syevd's eigenvector signs, gelqf's positive diagonal, the rows axis of gemm)."""
import numpy as np
import pytest

import symjax_mx as mx

nd = mx.nd
rs = np.random.RandomState(0)
SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])


def close(ours, want, tol=1e-5):
    np.testing.assert_allclose(ours.asnumpy(), want, rtol=tol, atol=tol)


def test_products():
    a, b, c = rs.rand(2, 3, 3), rs.rand(2, 3, 4), rs.rand(2, 3, 4)
    close(nd.linalg.gemm(nd.array(a), nd.array(b), nd.array(c), alpha=2, beta=3), 2 * a @ b + 3 * c)
    close(nd.linalg.gemm2(nd.array(b), nd.array(c), transpose_a=True), b.transpose(0, 2, 1) @ c)
    x, y = rs.rand(3, 2, 4), rs.rand(3, 2, 5)  # rows on axis 0
    want = np.einsum("rbc,rbd->cbd", x, y)
    close(nd.linalg.gemm2(nd.array(x), nd.array(y), transpose_a=True, axis=0), want)
    close(nd.linalg.syrk(nd.array(b), transpose=True, alpha=0.5), 0.5 * b.transpose(0, 2, 1) @ b)
    close(nd.linalg.trmm(nd.array(a), nd.array(b), lower=False), np.triu(a) @ b)
    with pytest.raises(mx.MXNetError, match="_linalg_gemm2: cannot multiply"):
        nd.linalg.gemm2(nd.ones((2, 3)), nd.ones((2, 3)))


def test_factorizations_follow_mxnet_conventions():
    lower = nd.linalg.potrf(nd.array(SPD)).asnumpy()
    upper = nd.linalg.potrf(nd.array(SPD), lower=False).asnumpy()
    np.testing.assert_allclose(lower @ lower.T, SPD, atol=1e-6)
    np.testing.assert_allclose(upper, lower.T, atol=1e-6)
    close(nd.linalg.potri(nd.array(lower)), np.linalg.inv(SPD))
    close(nd.linalg.potri(nd.array(upper), lower=False), np.linalg.inv(SPD))
    b = rs.rand(2, 3)
    x = nd.linalg.trsm(nd.array(lower), nd.array(b), rightside=True, transpose=True, alpha=2)
    np.testing.assert_allclose(x.asnumpy() @ lower.T, 2 * b, atol=1e-6)
    u, lam = (o.asnumpy() for o in nd.linalg.syevd(nd.array(SPD)))
    np.testing.assert_allclose(u.T @ np.diag(lam) @ u, SPD, atol=1e-6)
    assert (lam == np.sort(lam)).all()
    peaks = u[np.arange(3), np.abs(u).argmax(axis=1)]
    assert (peaks > 0).all()  # MXNet flips each row so its largest entry is positive
    m = rs.rand(2, 3)
    q, l = (o.asnumpy() for o in nd.linalg.gelqf(nd.array(m)))
    np.testing.assert_allclose(l @ q, m, atol=1e-6)
    np.testing.assert_allclose(q @ q.T, np.eye(2), atol=1e-6)
    assert (np.diag(l) > 0).all() and np.allclose(l, np.tril(l))


def test_determinants_and_diagonals():
    close(nd.linalg.det(nd.array(SPD)), [np.linalg.det(SPD)])
    sign, logdet = nd.linalg.slogdet(nd.array(SPD))
    close(sign, [1.0])
    close(logdet, [np.log(np.linalg.det(SPD))])
    close(nd.linalg.inverse(nd.array(SPD)), np.linalg.inv(SPD))
    close(nd.linalg.sumlogdiag(nd.array(SPD)), [np.log(np.diag(SPD)).sum()])
    close(nd.linalg.extractdiag(nd.array(SPD), offset=-1), np.diag(SPD, -1))
    close(nd.linalg.makediag(nd.array([[1.0, 2.0]]), offset=1), [np.diag([1.0, 2.0], 1)])
    assert mx.sym.linalg.gemm2 is not None and nd.linalg_gemm2 is not None


def test_potrf_of_a_matrix_that_is_not_positive_definite_is_mxnets_error():
    """As MXNet 1.9.1's CPU kernel (LAPACK's potrf fails); test_operator's
    test_custom_op_exc raises it from inside a Custom operator."""
    with pytest.raises(mx.MXNetError, match="spotrf failed in lapack on cpu"):
        mx.nd.linalg.potrf(mx.nd.zeros((2, 2))).wait_to_read()
    with pytest.raises(mx.MXNetError, match="dpotrf failed"):
        mx.nd.linalg.potrf(mx.nd.array([[[1, 0], [0, -1]]], dtype="float64")).wait_to_read()
    np.testing.assert_allclose(mx.nd.linalg.potrf(mx.nd.array([[4, 2], [2, 3]])).asnumpy(),
                               [[2, 0], [1, np.sqrt(2)]], rtol=1e-6)


@pytest.mark.parametrize("assign", ["whole", "row"])
def test_a_failed_result_written_into_an_array_fails_that_array(assign):
    """MXNet's engine carries a kernel's failure to the array its result is assigned
    into (``x[:] = y``, ``x[0] = y[0]``); reading it raises, once."""
    target = mx.nd.ones((2, 2))
    failed = mx.nd.linalg.potrf(mx.nd.zeros((2, 2)))
    if assign == "whole":
        target[:] = failed
    else:
        target[0] = failed[0]
    with pytest.raises(mx.MXNetError, match="spotrf failed"):
        target.wait_to_read()
    mx.nd.waitall()  # raising it cleared it, as in MXNet
    target.wait_to_read()

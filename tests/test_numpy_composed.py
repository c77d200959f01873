"""mx.np functions composed from others, and MXNet's host fallbacks, with MXNet 1.9.1's
results (read from it, 2026-12-07; where MXNet 1.9.1 is wrong, NumPy's, as noted)."""
import numpy as onp
import pytest

from symjax_mx import autograd, np, npx

A = onp.arange(6.0, dtype=onp.float32).reshape(2, 3)


@pytest.fixture(autouse=True)
def numpy_semantics():
    npx.set_np()
    yield
    npx.reset_np()


def values(out):
    return out.asnumpy().tolist()


def test_meshgrid_in_both_indexings():
    x, y = np.meshgrid(np.arange(2), np.arange(3))
    assert values(x) == [[0, 1]] * 3 and values(y) == [[0, 0], [1, 1], [2, 2]]
    x, y = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    assert values(x) == [[0, 0, 0], [1, 1, 1]] and values(y) == [[0, 1, 2]] * 2
    assert np.meshgrid(np.arange(2), np.arange(3), np.arange(4))[2].shape == (3, 2, 4)


def test_where_broadcasts_scalars_and_gives_indices_alone():
    a = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert values(np.where(a > 1, a, 0)) == [[0, 0], [3, 4]]
    assert values(np.where(a > 0, 1.0, -1.0)) == [[1, -1], [1, 1]]
    assert values(np.where(np.array([True, False]), a, np.zeros(2))) == [[1, 0], [3, 0]]
    rows, cols = np.where(a > 1)
    assert rows.dtype == onp.int64 and values(rows) == [1, 1] and values(cols) == [0, 1]


def test_where_gradient_goes_to_the_chosen_elements():
    # MXNet 1.9.1 sends it to the others ([[1, 1], [0, 0]]) when y is a scalar
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    x.attach_grad()
    with autograd.record():
        y = np.where(x > 2, x, 0).sum()
    y.backward()
    assert values(x.grad) == [[0, 0], [1, 1]]


def test_stacking_splitting_and_flipping():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    assert values(np.column_stack([a, b])) == [[1, 3], [2, 4]]
    assert values(np.row_stack([a, b])) == [[1, 2], [3, 4]]
    assert np.dstack([a, b]).shape == (1, 2, 2)
    assert [values(p) for p in np.hsplit(np.arange(6.0), 3)] == [[0, 1], [2, 3], [4, 5]]
    assert values(np.append(a, b)) == [1, 2, 3, 4]
    m = np.array(A)
    assert values(np.fliplr(m)) == [[2, 1, 0], [5, 4, 3]]
    assert values(np.rot90(m)) == onp.rot90(A).tolist()
    assert values(np.rot90(m, 3)) == onp.rot90(A, 3).tolist()
    assert values(np.roll(m, 1)) == onp.roll(A, 1).tolist()
    assert values(np.roll(m, (1, 1), axis=(0, 1))) == onp.roll(A, (1, 1), (0, 1)).tolist()
    assert np.atleast_2d(np.array([1.0, 2.0])).shape == (1, 2)
    assert np.atleast_3d(np.ones((2, 3))).shape == (2, 3, 1)


def test_diagonals_products_and_differences():
    m = np.arange(9.0).reshape(3, 3)
    assert values(np.diagonal(m, 1)) == [1, 5] and np.trace(m).shape == ()
    assert float(np.trace(m, -1)) == 10.0
    a, b = np.array(A), np.arange(12.0).reshape(3, 4)
    assert values(np.tensordot(a, b, 1)) == (A @ onp.arange(12.0).reshape(3, 4)).tolist()
    assert float(np.tensordot(a, a, 2)) == 55.0 and float(np.vdot(a, a)) == 55.0
    assert values(np.inner(a, a)) == (A @ A.T).tolist()
    assert values(np.diff(np.array([1.0, 4.0, 9.0, 16.0]), 2)) == [2, 2]
    assert values(np.ediff1d(np.array([1.0, 4.0]), to_end=np.array([9.0]))) == [3, 9]


def test_statistics():
    a = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 9.0]])
    assert float(np.average(a)) == 4.0
    assert values(np.average(a, axis=1, weights=np.array([1.0, 0.0, 1.0]))) == [2, 6.5]
    assert values(np.percentile(a, 25, axis=1)) == [1.5, 4.5]
    assert float(np.percentile(a, 40, interpolation="lower")) == 3.0
    assert float(np.percentile(a, 45, interpolation="midpoint")) == 3.5
    assert float(np.percentile(a, 45, interpolation="nearest")) == 3.0
    assert float(np.percentile(a, 45)) == 3.25
    assert values(np.quantile(a, 0.5, axis=0, keepdims=True)) == [[2.5, 3.5, 6.0]]


def test_padding_and_its_gradient():
    a = np.array(A)
    assert values(np.pad(a, ((1, 1), (2, 0)))) == onp.pad(A, ((1, 1), (2, 0))).tolist()
    assert values(np.pad(a, ((1, 0), (0, 1)), mode="edge")) == onp.pad(
        A, ((1, 0), (0, 1)), mode="edge").tolist()
    # NumPy's constant_values (MXNet 1.9.1 pads with zeros whatever it is given)
    assert float(np.pad(a, ((1, 1), (1, 1)), constant_values=7).sum()) == 15 + 14 * 7
    a.attach_grad()
    with autograd.record():
        y = np.pad(a, ((1, 1), (1, 1))).sum() * 2
    y.backward()
    assert values(a.grad) == [[2.0] * 3] * 2
    with pytest.raises(NotImplementedError, match="reflect"):
        np.pad(a, 1, mode="reflect")


def test_element_wise_helpers():
    x = np.array([-1.5, 0.0, 2.0, onp.inf, -onp.inf, onp.nan])
    big = float(onp.finfo(onp.float32).max)
    assert values(np.nan_to_num(x)) == [-1.5, 0, 2, big, -big, 0]
    assert values(np.nan_to_num(x, nan=-1, posinf=5, neginf=-5)) == [-1.5, 0, 2, 5, -5, -1]
    assert values(np.copysign(np.array([1.0, -2.0, 3.0]), np.array([-1.0, 1.0, -0.0]))) == \
        [-1, 2, 3]  # an array's -0.0 counts as positive, as in MXNet
    assert values(np.isposinf(x)) == [False, False, False, True, False, False]
    assert values(np.ldexp(np.array([1.0, 2.0]), np.array([2.0, 3.0]))) == [4, 16]
    assert values(np.logspace(0, 2, 3)) == [1, 10, 100]
    assert values(np.resize(np.array(A), 4)) == [0, 1, 2, 3]
    assert values(np.polyval(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0]))) == \
        [3, 6, 11]


def test_value_dependent_functions_run_on_the_host():
    counts = np.unique(np.array([3.0, 1.0, 3.0]), return_counts=True)
    assert values(counts[0]) == [1, 3] and counts[1].dtype == onp.int64
    assert values(np.nonzero(np.array([[1.0, 0.0], [3.0, 4.0]]))[1]) == [0, 0, 1]
    assert values(np.bincount(np.array([0, 1, 1, 3], dtype="int64"))) == [1, 2, 0, 1]
    assert values(np.insert(np.array([1.0, 2.0]), 1, 5.0)) == [1, 5, 2]
    assert values(np.delete(np.array([1.0, 2.0, 3.0]), 1)) == [1, 3]
    assert np.indices((2, 3)).dtype == onp.int32
    rows, cols = np.unravel_index(np.array([3, 5], dtype="int64"), (2, 3))
    assert values(rows) == [1, 1] and values(cols) == [0, 2]
    counts, edges = np.histogram(np.array([1.0, 2.0, 2.0, 5.0]), bins=2, range=(0, 6))
    assert values(counts) == [3, 1] and values(edges) == [0, 3, 6]


def test_mxnet_fallbacks_convert_arrays_both_ways():
    a = np.array([[1.0, 0.0], [3.0, 4.0]])
    found = np.argwhere(a)
    assert isinstance(found, np.ndarray) and found.dtype == onp.int64
    assert values(found) == [[0, 0], [1, 0], [1, 1]]
    assert np.allclose(a, a) is True and np.ndim(a) == 2 and np.size(a) == 4
    fraction, whole = np.modf(np.array([1.5, -2.25]))
    assert values(fraction) == [0.5, -0.25] and values(whole) == [1, -2]
    assert np.interp(np.array([1.5]), np.array([1.0, 2.0]), np.array([10.0, 20.0])).dtype \
        == onp.float64
    assert values(np.take_along_axis(a, np.array([[0], [1]], dtype="int64"), 1)) == [[1], [4]]


def test_shares_memory_of_views():
    a = np.arange(6.0)
    assert np.shares_memory(a, a[1:3])
    assert not np.may_share_memory(a[0:2], a[3:5])
    assert not np.shares_memory(a, np.arange(6.0))


def test_mixed_dtype_arithmetic_and_true_division():
    ints, floats = np.array([0, 2], dtype="int64"), np.array([0.0, 2.0])
    halves = np.array([1, 2], dtype="float16")
    assert (ints + floats).dtype == onp.float32  # MXNet's rule: NumPy's would be float64
    assert (ints * floats).dtype == onp.float32 and (floats ** ints).dtype == onp.float32
    assert (ints + np.array([1, 2], dtype="int32")).dtype == onp.int64
    assert (halves + floats).dtype == onp.float32
    assert (np.array([1.0], dtype="float64") + np.array([1.0])).dtype == onp.float64
    assert np.add(ints, floats).dtype == onp.float32
    ones = np.array([1, 2], dtype="int64")
    for quotient in (ones / ones, ones / 2, np.divide(ones, ones), np.true_divide(ones, 2)):
        assert quotient.dtype == onp.float32
    assert values(ones / 2) == [0.5, 1.0] and values(2 / ones) == [2.0, 1.0]
    assert (ones * 2.5).dtype == onp.int64  # other scalar arithmetic keeps the dtype
    with pytest.raises(Exception, match="dtype"):
        ints == floats  # noqa: B015  (MXNet refuses mixed comparisons too)


def test_clip_with_one_bound():
    a = np.array([-1.0, 0.5, 2.0])
    assert values(a.clip(min=0)) == [0, 0.5, 2] and values(a.clip(max=1)) == [-1, 0.5, 1]
    assert values(np.clip(a, None, 1)) == [-1, 0.5, 1] and values(a.clip(0, 1)) == [0, 0.5, 1]
    ints = np.array([1, 5, -7], dtype="int32")
    assert values(ints.clip(min=-2)) == [1, 5, -2] and ints.clip(max=3).dtype == onp.int32
    with pytest.raises(ValueError, match="max or min"):
        np.clip(a, None, None)


def test_array_methods_follow_the_functions():
    a = np.arange(6.0).reshape(2, 3)
    assert abs(float(a.std()) - 1.7078252) < 1e-6 and abs(float(a.std(ddof=1)) - 1.8708287) < 1e-6
    assert values(a.var(axis=0)) == [2.25] * 3 and values(a.cumsum()) == [0, 1, 3, 6, 10, 15]
    assert values(a.cumsum(axis=1)) == [[0, 1, 3], [3, 7, 12]]
    assert bool(a.any()) and not bool(a.all())
    assert [values(i) for i in a.nonzero()] == [[0, 0, 1, 1, 1], [1, 2, 0, 1, 2]]
    assert values(a.take(np.array([0, 2]))) == [0, 2] and values(a.dot(np.ones(3))) == [3, 12]


@pytest.mark.parametrize("name, args, mean", [
    ("exponential", (2.0,), 2.0), ("gamma", (2.0, 1.5), 3.0), ("beta", (2.0, 3.0), 0.4),
    ("chisquare", (3.0,), 3.0), ("gumbel", (1.0, 2.0), 1 + 2 * 0.5772157),
    ("logistic", (1.0, 2.0), 1.0), ("lognormal", (0.0, 0.5), onp.exp(0.125)),
    ("pareto", (3.0,), 0.5), ("power", (2.0,), 2 / 3), ("rayleigh", (2.0,), 2.5066283),
    ("weibull", (2.0,), 0.8862269)])
def test_random_distributions_have_their_means(name, args, mean):
    from symjax_mx import random
    random.seed(3)
    draws = getattr(np.random, name)(*args, size=(20000,))
    assert isinstance(draws, np.ndarray) and draws.dtype == onp.float32
    assert abs(float(draws.mean()) - mean) < 0.05 * max(1.0, mean)


def test_random_multinomial_and_multivariate_normal():
    from symjax_mx import random
    random.seed(3)
    counts = np.random.multinomial(10, [0.2, 0.8], size=(3,))
    assert counts.dtype == onp.int64 and values(counts.sum(axis=1)) == [10, 10, 10]
    assert np.random.multinomial(5, [0.2, 0.8]).shape == (2,)
    cov = onp.array([[1.0, 0.5], [0.5, 2.0]])
    draws = np.random.multivariate_normal(np.array([1.0, -1.0]), np.array(cov), size=(20000,))
    assert draws.shape == (20000, 2)
    onp.testing.assert_allclose(draws.asnumpy().mean(axis=0), [1, -1], atol=0.05)
    onp.testing.assert_allclose(onp.cov(draws.asnumpy().T), cov, atol=0.08)
    with pytest.raises(NotImplementedError, match="numbers"):
        np.random.gamma(np.ones(2))


SPD = onp.array([[4.0, 1.0], [1.0, 3.0]], onp.float32)
WIDE = onp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], onp.float32)


def test_linalg_on_operators_matches_numpy():
    a, b = np.array(SPD), np.array(WIDE)
    onp.testing.assert_allclose(values(np.linalg.cholesky(a)), onp.linalg.cholesky(SPD),
                                rtol=1e-6)
    sign, logdet = np.linalg.slogdet(a)
    assert sign.shape == () and abs(float(logdet) - onp.log(11.0)) < 1e-5
    w, v = np.linalg.eigh(a)
    onp.testing.assert_allclose(values(w), onp.linalg.eigvalsh(SPD), rtol=1e-6)
    onp.testing.assert_allclose(SPD @ v.asnumpy(), v.asnumpy() * w.asnumpy(), atol=1e-5)
    onp.testing.assert_allclose(values(np.linalg.solve(a, np.array([1.0, 2.0]))),
                                onp.linalg.solve(SPD, [1.0, 2.0]), rtol=1e-5)
    onp.testing.assert_allclose(values(np.linalg.matrix_power(a, 3)),
                                onp.linalg.matrix_power(SPD, 3), rtol=1e-6)
    onp.testing.assert_allclose(values(np.linalg.matrix_power(a, -1)), onp.linalg.inv(SPD),
                                rtol=1e-5)
    assert values(np.linalg.matrix_power(a, 0)) == [[1, 0], [0, 1]]
    onp.testing.assert_allclose(values(np.linalg.multi_dot([a, a, a])), SPD @ SPD @ SPD)
    ut, l, v = np.linalg.svd(b)
    assert (ut.shape, l.shape, v.shape) == ((2, 2), (2,), (2, 3))
    onp.testing.assert_allclose(ut.asnumpy() @ onp.diag(l.asnumpy()) @ v.asnumpy(), WIDE,
                                atol=1e-5)
    onp.testing.assert_allclose(values(np.linalg.pinv(b)), onp.linalg.pinv(WIDE), atol=1e-5)
    assert np.linalg.tensorinv(np.eye(4).reshape(4, 2, 2), ind=1).shape == (2, 2, 4)
    assert values(np.linalg.tensorsolve(np.eye(6).reshape(2, 3, 6), np.ones((2, 3)))) == \
        [1.0] * 6


def test_linalg_gradients_flow_through_svd_and_solve():
    x = np.array([[2.0, 1.0], [1.0, 3.0]])
    x.attach_grad()
    with autograd.record():
        y = np.linalg.svd(x)[1].sum() + np.linalg.solve(x, np.array([1.0, 1.0])).sum()
    y.backward()
    # d(sum of singular values) = I for a positive-definite matrix; d(sum(A^-1 1)) =
    # -(A^-T 1)(A^-1 1)^T
    onp.testing.assert_allclose(values(x.grad), [[0.84, -0.08], [-0.08, 0.96]], atol=1e-5)


def test_linalg_on_the_host():
    a, b = np.array(SPD), np.array(WIDE)
    q, r = np.linalg.qr(b)
    onp.testing.assert_allclose(q.asnumpy() @ r.asnumpy(), WIDE, atol=1e-5)
    values_, vectors = np.linalg.eig(a)
    assert isinstance(values_, np.ndarray) and vectors.shape == (2, 2)
    assert np.linalg.matrix_rank(b) == 2 and abs(np.linalg.cond(a) - 1.9387487) < 1e-5
    solution, _, rank, _ = np.linalg.lstsq(b.T, np.array([1.0, 2.0, 3.0]), rcond=None)
    onp.testing.assert_allclose(values(solution), [1.0, 0.0], atol=1e-5)
    with pytest.raises(mx_error(), match="complex"):
        np.linalg.eigvals(np.array([[0.0, -1.0], [1.0, 0.0]]))


def mx_error():
    from symjax_mx.base import MXNetError
    return MXNetError


def test_einsum_contracts_and_differentiates():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    onp.testing.assert_allclose(values(np.einsum("ij,jk->ik", a, b)),
                                onp.arange(6.0).reshape(2, 3) @ onp.arange(12.0).reshape(3, 4))
    assert values(np.einsum("ii->i", np.eye(3))) == [1, 1, 1]
    assert np.einsum("ij->", a).shape == () and float(np.einsum("ij->", a)) == 15.0
    a.attach_grad()
    with autograd.record():
        y = np.einsum("ij,jk->ik", a, b).sum()
    y.backward()
    assert values(a.grad) == [[6, 22, 38]] * 2
    with pytest.raises(mx_error(), match="do not fit"):
        np.einsum("ij,jk->ik", a, a)


def test_bitwise_operations_and_lcm_of_integers():
    a, b = np.array([3, 5, 12], dtype="int32"), np.array([1, 4, 10], dtype="int32")
    assert values(np.bitwise_and(a, b)) == [1, 4, 8] and values(np.bitwise_or(a, 1)) == [3, 5, 13]
    assert values(np.bitwise_xor(a, b)) == [2, 1, 6] and values(np.invert(a)) == [-4, -6, -13]
    assert values(np.lcm(a, b)) == [3, 20, 60] and np.lcm(a, b).dtype == onp.int32
    assert values(np.bitwise_not(np.array([1, 0], dtype="bool"))) == [False, True]
    with pytest.raises(mx_error(), match="integer or boolean"):
        np.bitwise_and(np.array([1.0]), np.array([1.0]))


def test_linalg_and_symbol_errors_name_the_problem():
    with pytest.raises(mx_error(), match="batch of matrices"):
        np.linalg.svd(np.ones(3))
    with pytest.raises(ValueError, match="UPLO"):
        np.linalg.eigh(np.array(SPD), UPLO="X")
    import symjax_mx as mx
    with pytest.raises(NotImplementedError, match="equal sections"):
        mx.sym.np.split(mx.sym.var("x"), [1, 2])

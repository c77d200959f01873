"""More of mx.np's functions, with MXNet 1.9.1's results (read from it, 2026-12-07): NumPy's
where they agree, and MXNet's dtype rules (an integer array stays an integer array)."""
import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import np, npx

F = onp.array([[0.5, 1.5, 2.5], [-0.5, -1.5, 4.0]], onp.float32)
G = onp.array([[0.2, 0.4, 0.9], [-0.3, 0.6, 0.1]], onp.float32)


@pytest.fixture(autouse=True)
def numpy_semantics():
    npx.set_np()
    yield
    npx.reset_np()


@pytest.mark.parametrize("name, numpy_name, values", [
    ("arccos", "arccos", G), ("arcsinh", "arcsinh", F), ("tan", "tan", G), ("cosh", "cosh", F),
    ("sinh", "sinh", G), ("expm1", "expm1", G), ("log1p", "log1p", onp.abs(F)),
    ("log2", "log2", onp.abs(F)), ("log10", "log10", onp.abs(F)), ("cbrt", "cbrt", F),
    ("trunc", "trunc", F), ("fix", "fix", F), ("radians", "radians", F),
    ("deg2rad", "deg2rad", F), ("degrees", "degrees", F), ("reciprocal", "reciprocal", F)])
def test_elementwise_math_is_numpys(name, numpy_name, values):
    out = getattr(np, name)(np.array(values))
    assert isinstance(out, np.ndarray) and out.dtype == onp.float32
    onp.testing.assert_allclose(out.asnumpy(), getattr(onp, numpy_name)(values), rtol=1e-5)


def test_integer_arrays_stay_integer_arrays():
    ints = np.array([1, 2, 3], dtype="int32")
    assert np.sin(ints).asnumpy().tolist() == [0, 0, 0]  # MXNet truncates the results
    assert np.reciprocal(ints).asnumpy().tolist() == [1, 0, 0]
    assert np.cumsum(ints).dtype == onp.int32 and np.cumsum(ints).asnumpy().tolist() == [1, 3, 6]
    assert np.std(ints).dtype == onp.int32 and np.std(ints).asnumpy().tolist() == 0


def test_predicates_give_booleans():
    x = np.array([1.0, onp.inf, -onp.inf, onp.nan])
    assert np.isnan(x).asnumpy().tolist() == [False, False, False, True]
    assert np.isinf(x).asnumpy().tolist() == [False, True, True, False]
    assert np.isfinite(x).asnumpy().tolist() == [True, False, False, False]
    assert np.logical_not(np.array([0, 1, 2], dtype="int32")).asnumpy().tolist() == \
        [True, False, False]
    f = np.array(F)
    assert np.all(f > 0).shape == () and not np.all(f > 0).item()
    assert np.any(f > 2, axis=1).asnumpy().tolist() == [True, True]
    assert np.all(f > -1, axis=0, keepdims=True).asnumpy().tolist() == [[True, False, True]]


def test_rounding_halves_to_even():
    assert np.round(np.array(F)).asnumpy().tolist() == [[0, 2, 2], [0, -2, 4]]
    # MXNet's signs of zero: -0.4 rounds to -0, -0.5 to +0
    assert onp.signbit(np.round(np.array([-0.4, -0.5, -0.6])).asnumpy()).tolist() == \
        [True, False, True]
    onp.testing.assert_allclose(np.around(np.array([1.25, 1.35, -2.5, 15.0]), 1).asnumpy(),
                                [1.2, 1.4, -2.5, 15.0], rtol=1e-6)
    assert np.round(np.array([15.0, 25.0, 1234.0]), -1).asnumpy().tolist() == [20, 20, 1230]


def test_statistics_and_cumulative_sums():
    f = np.array(F)
    onp.testing.assert_allclose(np.std(f).asnumpy(), onp.std(F), rtol=1e-6)
    onp.testing.assert_allclose(np.std(f, axis=1).asnumpy(), onp.std(F, axis=1), rtol=1e-6)
    onp.testing.assert_allclose(np.var(f, axis=0, ddof=1).asnumpy(), onp.var(F, 0, ddof=1),
                                rtol=1e-6)
    onp.testing.assert_allclose(np.cumsum(f, axis=1).asnumpy(), onp.cumsum(F, axis=1))
    assert np.cumsum(f, dtype="float64").dtype == onp.float64
    assert np.amax(f).shape == () and np.amax(f).item() == 4.0
    assert np.amin(f, axis=0).asnumpy().tolist() == [-0.5, -1.5, 2.5]


def test_array_manipulation_is_numpys():
    f, i = np.array(F), np.array([1, 2, 3], dtype="int32")
    cases = [(np.tile(f, (2, 1)), onp.tile(F, (2, 1))),
             (np.repeat(f, 2, axis=1), onp.repeat(F, 2, 1)),
             (np.repeat(i, 2), onp.repeat([1, 2, 3], 2)), (np.flip(f), onp.flip(F)),
             (np.flip(f, axis=1), onp.flip(F, 1)), (np.moveaxis(f, 0, 1), onp.moveaxis(F, 0, 1)),
             (np.moveaxis(np.ones((2, 3, 4)), [0, 1], [2, 0]),
              onp.moveaxis(onp.ones((2, 3, 4)), [0, 1], [2, 0])),
             (np.broadcast_to(i, (2, 3)), onp.broadcast_to([1, 2, 3], (2, 3))),
             (np.hstack([f, f]), onp.hstack([F, F])),
             (np.hstack([i, i]), onp.hstack([[1, 2, 3]] * 2)),
             (np.vstack([i, i]), onp.vstack([[1, 2, 3]] * 2)), (np.ravel(f), F.ravel()),
             (np.outer(f[0], f[1]), onp.outer(F[0], F[1])), (np.diag(f), onp.diag(F)),
             (np.tril(np.ones((3, 4)), 1), onp.tril(onp.ones((3, 4)), 1)),
             (np.arctan2(f, f), onp.arctan2(F, F)), (np.hypot(f, f), onp.hypot(F, F)),
             (np.mod(i, 2), onp.mod([1, 2, 3], 2)), (np.remainder(f, 1.0), onp.remainder(F, 1.0))]
    for got, want in cases:
        assert isinstance(got, np.ndarray) and got.shape == want.shape
        onp.testing.assert_allclose(got.asnumpy(), want, rtol=1e-6)
    copied = np.copy(i)
    copied[0] = 9
    assert i.asnumpy().tolist() == [1, 2, 3]


def test_cumsum_records_and_differentiates():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with mx.autograd.record():
        y = (np.cumsum(x) * np.array([1.0, 10.0, 100.0])).sum()
    y.backward()
    assert x.grad.asnumpy().tolist() == [111, 110, 100]


def test_linalg_norms_inverses_and_determinants():
    a, v = np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([3.0, -4.0])
    assert np.linalg.norm(v).shape == () and np.linalg.norm(v).item() == 5.0
    onp.testing.assert_allclose(np.linalg.norm(a).item(), onp.sqrt(15), rtol=1e-6)
    onp.testing.assert_allclose(np.linalg.norm(a, axis=1).asnumpy(), [5 ** 0.5, 10 ** 0.5],
                                rtol=1e-6)
    assert np.linalg.norm(v, 1, axis=0).shape == () and np.linalg.norm(v, 1, axis=0).item() == 7
    assert np.linalg.norm(a, axis=0, keepdims=True).shape == (1, 2)
    onp.testing.assert_allclose(np.linalg.inv(a).asnumpy(), [[0.6, -0.2], [-0.2, 0.4]],
                                rtol=1e-5)
    assert np.linalg.det(a).shape == () and abs(np.linalg.det(a).item() - 5) < 1e-5
    stack = onp.arange(8.0).reshape(2, 2, 2) + onp.eye(2)
    onp.testing.assert_allclose(np.linalg.det(np.array(stack)).asnumpy(), onp.linalg.det(stack),
                                rtol=1e-5)
    with pytest.raises(NotImplementedError, match="ord=3"):
        np.linalg.norm(v, 3)


def test_random_randn_and_shuffle():
    mx.random.seed(0)
    assert np.random.randn(2, 3).shape == (2, 3) and np.random.randn().shape == ()
    x = np.arange(10)
    np.random.shuffle(x)
    assert sorted(x.asnumpy().tolist()) == list(range(10))
    assert x.asnumpy().tolist() != list(range(10))


def test_sorting_and_rounding_methods_are_numpys():
    x = np.array([0.5, 2.5, -1.5, 1.25])
    assert x.round().asnumpy().tolist() == [0, 2, -2, 1]  # the legacy round gives 1, 3
    assert x.argsort().dtype == onp.int64 and x.argsort().asnumpy().tolist() == [2, 0, 3, 1]
    assert np.argsort(x).asnumpy().tolist() == [2, 0, 3, 1]
    assert np.sort(x).asnumpy().tolist() == [-1.5, 0.5, 1.25, 2.5]
    m = np.array([[3.0, 1.0], [2.0, 5.0]])
    assert np.sort(m, axis=None).asnumpy().tolist() == [1, 2, 3, 5]
    assert np.sort(m, axis=0).asnumpy().tolist() == [[2, 1], [3, 5]]

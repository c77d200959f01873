"""Values MXNet 1.9.1 gives on the CPU (read from it, 2026-12-07) where NumPy or XLA would
give others: float-to-integer casts, scalar arithmetic on booleans, the histogram of a
number of bins, and the Khatri-Rao product."""
import numpy as np
import pytest

import symjax_mx as mx

SOURCE = [300, -1, 255.9, -129.5, 1e10, -1e10, np.nan, np.inf, -np.inf, 2.5, -2.5, 3e9, -3e9]
# the x86 conversion: truncated toward zero, NaN and out-of-range values the minimum of
# int32 (int64), whose low bits the narrower types keep
CASTS = {
    "uint8": [44, 255, 255, 127, 0, 0, 0, 0, 0, 2, 254, 0, 0],
    "int8": [44, -1, -1, 127, 0, 0, 0, 0, 0, 2, -2, 0, 0],
    "int32": [300, -1, 255, -129] + [-2 ** 31] * 5 + [2, -2] + [-2 ** 31] * 2,
    "int64": [300, -1, 255, -129, 10 ** 10, -10 ** 10] + [-2 ** 63] * 3
             + [2, -2, 3 * 10 ** 9, -3 * 10 ** 9],
    "bool": [True] * 13,
}
# float16 holds no 1e10 or 3e9 (they become infinite), so int64 gets their minimum too
FLOAT16_TO_INT64 = [300, -1, 255, -129] + [-2 ** 63] * 5 + [2, -2] + [-2 ** 63] * 2


@pytest.mark.parametrize("source", ["float16", "float32", "float64"])
@pytest.mark.parametrize("target", sorted(CASTS))
def test_float_to_integer_casts_convert_as_mxnet_on_x86(source, target):
    out = mx.nd.array(SOURCE, dtype=source).astype(target)
    assert out.dtype == np.dtype(target)
    expected = FLOAT16_TO_INT64 if (source, target) == ("float16", "int64") else CASTS[target]
    assert out.asnumpy().tolist() == expected


def test_the_symbolic_cast_converts_alike():
    x = mx.sym.var("x")
    executor = mx.sym.Cast(x, dtype="uint8").bind(mx.cpu(), {"x": mx.nd.array(SOURCE[:4])})
    assert executor.forward()[0].asnumpy().tolist() == CASTS["uint8"][:4]


BOOLEANS = [True, False, True]


@pytest.mark.parametrize("compute, expected", [
    (lambda b: b + 1, [2, 1, 2]), (lambda b: b - 1, [0, -1, 0]), (lambda b: b * 2.5, [2, 0, 2]),
    (lambda b: b / 2, [0, 0, 0]), (lambda b: b ** 2, [1, 0, 1]), (lambda b: b == 1, [1, 0, 1]),
    (lambda b: b > 0, [1, 0, 1]), (lambda b: 1 - b, [0, 1, 0]), (lambda b: -b, [-1, 0, -1]),
    (lambda b: mx.nd.maximum(b, 0.5), [1, 0, 1])])
def test_scalar_arithmetic_on_booleans_computes_in_int64(compute, expected):
    out = compute(mx.nd.array(BOOLEANS, dtype="bool"))
    assert out.dtype == np.int64 and out.asnumpy().tolist() == expected


def test_elementwise_arithmetic_on_booleans_is_refused():
    b = mx.nd.array(BOOLEANS, dtype="bool")
    with pytest.raises(mx.MXNetError, match="does not support boolean type"):
        b + b


def test_a_histogram_of_a_number_of_bins_is_numpys_in_float32():
    with pytest.warns(UserWarning, match="range is not specified"):
        counts, edges = mx.nd.histogram(mx.nd.array([0, 1, 2, 2, 5], dtype="int32"), bins=3)
    assert counts.dtype == np.float32 and counts.asnumpy().tolist() == [2, 2, 1]
    assert edges.dtype == np.float32
    np.testing.assert_allclose(edges.asnumpy(), [0, 5 / 3, 10 / 3, 5], rtol=1e-6)
    counts, edges = mx.nd.histogram(mx.nd.array([0.0, 1, 2]), bins=2, range=(0, 2))
    assert counts.dtype == np.int64 and counts.asnumpy().tolist() == [1, 2]


def test_khatri_rao_is_the_columnwise_kronecker_product():
    a, b = mx.nd.array([[1, -1], [2, -3]]), mx.nd.array([[1, 4], [2, 5], [3, 6]])
    assert mx.nd.khatri_rao(a, b).asnumpy().tolist() == [
        [1, -4], [2, -5], [3, -6], [2, -12], [4, -15], [6, -18]]
    three = mx.nd.khatri_rao(mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[1, 1], [2, 2]]),
                             mx.nd.array([[1, 2]]))
    assert three.asnumpy().tolist() == [[1, 4], [2, 8], [3, 8], [6, 16]]
    with pytest.raises(mx.MXNetError, match="one number of columns"):
        mx.nd.khatri_rao(mx.nd.ones((2, 3)), mx.nd.ones((2, 2)))

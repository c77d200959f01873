"""Booleans as indices, as MXNet 1.9.1 reads them: legacy NDArrays take numpy or list
booleans as positions 0 and 1 and refuse boolean NDArrays; ``mx.np`` arrays select with
boolean masks, and their comparisons give booleans (checked against MXNet 1.9.1)."""
import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import np, npx

VALUES = onp.arange(12).reshape(3, 4)


@pytest.mark.parametrize("key", [onp.array([True, False, True]), [True, False, True]])
def test_legacy_indexing_reads_booleans_as_positions(key):
    a = mx.nd.array(VALUES)
    onp.testing.assert_array_equal(a[key].asnumpy(), VALUES[[1, 0, 1]])
    a[key] = -1
    onp.testing.assert_array_equal(a.asnumpy()[:2], -onp.ones((2, 4)))
    onp.testing.assert_array_equal(a.asnumpy()[2], VALUES[2])


def test_legacy_indexing_refuses_a_boolean_ndarray():
    with pytest.raises(ValueError, match="boolean indexing in legacy mode"):
        mx.nd.array(VALUES)[mx.nd.array([1, 0, 1]).astype("bool")]


@pytest.fixture
def numpy_semantics():
    npx.set_np()
    yield
    npx.reset_np()


@pytest.mark.usefixtures("numpy_semantics")
def test_numpy_comparisons_give_booleans():
    a = np.array(VALUES)
    for result in (a > 5, a == 5, a != a, a <= 2.5, 5 < a, np.greater(a, 5), np.equal(a, a),
                   np.less_equal(a, 3)):
        assert isinstance(result, np.ndarray) and result.dtype == onp.bool_
    onp.testing.assert_array_equal((a > 5).asnumpy(), VALUES > 5)


@pytest.mark.usefixtures("numpy_semantics")
@pytest.mark.parametrize("make_mask", [lambda a: a > 5, lambda a: onp.array(VALUES > 5)])
def test_numpy_boolean_masks_select_and_assign(make_mask):
    a = np.array(VALUES)
    onp.testing.assert_array_equal(a[make_mask(a)].asnumpy(), VALUES[VALUES > 5])
    a[make_mask(a)] = -1
    onp.testing.assert_array_equal(a.asnumpy(), onp.where(VALUES > 5, -1, VALUES))


@pytest.mark.usefixtures("numpy_semantics")
@pytest.mark.parametrize("make_key", [lambda a: onp.array([True, False, True]),
                                      lambda a: [True, False, True],
                                      lambda a: a[:, 0] % 8 == 0])  # an mx.np mask
def test_numpy_row_masks_select_rows(make_key):
    a = np.array(VALUES)
    onp.testing.assert_array_equal(a[make_key(a)].asnumpy(), VALUES[[0, 2]])


@pytest.mark.usefixtures("numpy_semantics")
def test_numpy_mask_of_another_shape_is_an_index_error():
    with pytest.raises(IndexError, match="did not match indexed array along dimension 0"):
        np.array(VALUES)[onp.array([True, False])]

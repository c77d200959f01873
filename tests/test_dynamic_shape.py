"""Operators whose output shape depends on input values (contrib.boolean_mask), imperative,
in a hybridized block and under autograd; and gradients of integer variables."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError

DATA = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


class _Mask(mx.gluon.HybridBlock):
    def hybrid_forward(self, F, data, index):
        return F.contrib.boolean_mask(data, index) * 2


def test_boolean_mask_keeps_rows_and_its_gradient_scatters_back():
    data = mx.nd.array(DATA)
    data.attach_grad()
    with mx.autograd.record():
        out = mx.nd.contrib.boolean_mask(data, mx.nd.array([0, 1, 1]))
    out.backward(mx.nd.array([[1, 2, 3], [4, 5, 6]]))
    np.testing.assert_array_equal(out.asnumpy(), [[4, 5, 6], [7, 8, 9]])
    np.testing.assert_array_equal(data.grad.asnumpy(), [[0, 0, 0], [1, 2, 3], [4, 5, 6]])


def test_boolean_mask_may_keep_no_row():
    data = mx.nd.array(DATA)
    data.attach_grad()
    with mx.autograd.record():
        out = mx.nd.contrib.boolean_mask(data, mx.nd.zeros(3))
    out.backward()
    assert out.shape == (0, 3)
    np.testing.assert_array_equal(data.grad.asnumpy(), np.zeros((3, 3)))


def test_hybridized_block_with_boolean_mask_runs_and_differentiates():
    block = _Mask()
    block.hybridize()
    data = mx.nd.array(DATA)
    data.attach_grad()
    for index, rows in (([1, 0, 1], [0, 2]), ([0, 1, 0], [1])):
        with mx.autograd.record():
            out = block(data, mx.nd.array(index))
        out.backward()
        np.testing.assert_array_equal(out.asnumpy(), 2 * np.array(DATA)[rows])
        expected = np.zeros((3, 3))
        expected[rows] = 2
        np.testing.assert_array_equal(data.grad.asnumpy(), expected)


def test_boolean_mask_in_a_bound_executor_is_an_error_naming_it():
    out = mx.sym.contrib.boolean_mask(mx.sym.Variable("data"), mx.sym.Variable("index"))
    with pytest.raises(MXNetError, match="boolean_mask"):
        executor = out.bind(mx.cpu(), {"data": mx.nd.array(DATA),
                                       "index": mx.nd.array([1, 0, 1])})
        executor.forward()[0].asnumpy()


def test_boolean_mask_checks_index_shape():
    with pytest.raises(MXNetError, match="index has 2 entries"):
        mx.nd.contrib.boolean_mask(mx.nd.array(DATA), mx.nd.array([1, 0]))


def test_integer_variables_get_integer_gradients_and_add_requests_accumulate():
    a = mx.nd.array([[1, 2], [3, 4]], dtype="int32")
    grad = mx.nd.zeros_like(a)
    mx.autograd.mark_variables([a], [grad], grad_reqs="add")
    mask = mx.nd.array([1, 0], dtype="int32")
    for _ in range(2):
        with mx.autograd.record():
            loss = (mx.nd.contrib.boolean_mask(a, mask) * a[1:2]).sum()
        loss.backward()
    assert grad.dtype == np.int32
    np.testing.assert_array_equal(grad.asnumpy(), [[6, 8], [2, 4]])
    b = mx.nd.array([1, 2, 3], dtype="int64")
    b.attach_grad()
    with mx.autograd.record():
        y = b * b
    (db,) = mx.autograd.grad(y, [b])
    assert db.dtype == np.int64
    np.testing.assert_array_equal(db.asnumpy(), [2, 4, 6])

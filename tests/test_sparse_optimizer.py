"""Optimizer updates with row_sparse gradients and weights: MXNet's lazy update (only the
rows the gradient stores change) and the standard update (``lazy_update=False``)."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.test_utils import compare_optimizer

ROWS = np.array([0, 2])


def _grad(shape=(4, 3)):
    values = np.arange(1, 1 + len(ROWS) * shape[1], dtype=np.float32).reshape(len(ROWS), -1)
    return mx.nd.sparse.row_sparse_array((values, ROWS), shape=shape)


def _update(opt, weight, grad):
    state = opt.create_state_multi_precision(0, weight)
    opt.update_multi_precision(0, weight, grad, state)
    return state


def test_sgd_momentum_lazy_update_touches_only_the_gradient_rows():
    start = np.ones((4, 3), np.float32)
    grad = _grad()
    for lazy in (True, False):
        weight = mx.nd.array(start)
        opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.5, lazy_update=lazy)
        mom = _update(opt, weight, grad)
        dense_grad = grad.asnumpy()
        expected_mom = -0.1 * 0.5 * start - 0.1 * dense_grad
        if lazy:
            untouched = np.setdiff1d(np.arange(4), ROWS)
            expected_mom[untouched] = 0
        np.testing.assert_allclose(mom.asnumpy(), expected_mom, rtol=1e-6)
        np.testing.assert_allclose(weight.asnumpy(), start + expected_mom, rtol=1e-6)


def test_sgd_lazy_update_on_a_row_sparse_weight_keeps_its_storage():
    weight = mx.nd.ones((4, 3)).tostype("row_sparse")
    _update(mx.optimizer.SGD(learning_rate=1.0, wd=0.5), weight, _grad())
    assert weight.stype == "row_sparse"
    result = weight.asnumpy()
    np.testing.assert_allclose(result[[1, 3]], 1.0)
    np.testing.assert_allclose(result[ROWS], 0.5 - _grad().asnumpy()[ROWS])


def test_adam_lazy_update_leaves_other_rows_and_states_alone():
    weight = mx.nd.ones((4, 3))
    opt = mx.optimizer.Adam(learning_rate=0.1, wd=0.1)
    mean, var = _update(opt, weight, _grad())
    assert (mean.asnumpy()[[1, 3]] == 0).all() and (var.asnumpy()[[1, 3]] == 0).all()
    assert (weight.asnumpy()[[1, 3]] == 1).all()
    assert (weight.asnumpy()[ROWS] < 1).all()
    std = mx.nd.ones((4, 3))
    _update(mx.optimizer.Adam(learning_rate=0.1, wd=0.1, lazy_update=False), std, _grad())
    assert (std.asnumpy()[[1, 3]] < 1).all()  # weight decay moved every row


def test_ftrl_is_lazy_only_for_a_row_sparse_weight():
    sparse_weight = mx.nd.ones((4, 3)).tostype("row_sparse")
    _update(mx.optimizer.Ftrl(), sparse_weight, _grad())
    assert (sparse_weight.asnumpy()[[1, 3]] == 1).all()
    dense_weight = mx.nd.ones((4, 3))
    _update(mx.optimizer.Ftrl(), dense_weight, _grad())
    assert (dense_weight.asnumpy()[[1, 3]] == 0).all()  # the dense rule recomputes every row


def test_a_row_sparse_gradient_of_explicit_zero_rows_still_updates_them():
    grad = mx.nd.sparse.row_sparse_array((np.zeros((1, 3), np.float32), [1]), shape=(4, 3))
    weight = mx.nd.ones((4, 3))
    _update(mx.optimizer.SGD(learning_rate=1.0, wd=0.5), weight, grad)
    np.testing.assert_allclose(weight.asnumpy()[:, 0], [1, 0.5, 1, 1])


@pytest.mark.parametrize("w_stype, g_stype", [("row_sparse", "row_sparse"),
                                              ("default", "row_sparse"), ("csr", "csr")])
def test_compare_optimizer_takes_sparse_storage(w_stype, g_stype):
    shape = (3, 4) if w_stype == "csr" else (3, 4, 5)
    compare_optimizer(mx.optimizer.SGD(lazy_update=False, wd=0.1, momentum=0.9),
                      mx.optimizer.SGD(lazy_update=False, wd=0.1, momentum=0.9), shape,
                      np.float32, w_stype=w_stype, g_stype=g_stype)


def test_compare_optimizer_rejects_an_unknown_storage():
    with pytest.raises(ValueError, match="unknown storage"):
        compare_optimizer(mx.optimizer.SGD(), mx.optimizer.SGD(), (2, 2), np.float32,
                          w_stype="coo")


def test_lazy_updates_of_other_rows_reuse_one_compiled_step():
    from symjax_mx.optimizer.optimizer import _COMPILED_STEPS
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.5, wd=0.25)
    weight = mx.nd.ones((5, 2))
    state = opt.create_state(0, weight)
    for rows in ([0], [1, 3], [4]):
        grad = mx.nd.sparse.row_sparse_array((np.ones((len(rows), 2), np.float32), rows),
                                             shape=(5, 2))
        opt.update(0, weight, grad, state)
    step = next(s for key, s in _COMPILED_STEPS.items()
                if key[1] and key[0][0] is mx.optimizer.SGD and key[0][-1] == 0.5)
    assert step._cache_size() == 1
    assert (weight.asnumpy()[2] == 1).all() and (weight.asnumpy()[[0, 1, 3, 4]] < 1).all()

"""Behaviours MXNet's smaller unit-test files (test_infer_shape, test_symbol,
test_thread_local, test_dynamic_shape, test_exc_handling) rely on."""
import symjax_mx as mx


def test_where_infers_nothing_until_the_condition_shape_is_known():
    cond, x, y = mx.sym.var("cond"), mx.sym.var("x"), mx.sym.var("y")
    where = mx.sym.where(cond, x, y)
    assert where.infer_shape_partial(cond=(0, 2), x=(0, 2), y=(0, 2))[1] == [()]
    assert where.infer_shape_partial(cond=(0,), x=(2, 2), y=(2, 2))[1] == [()]
    with mx.np_shape(True):
        assert where.infer_shape_partial(cond=(-1, 2), x=(-1, 2), y=(-1, 2))[1] == [None]
    args, outs, _ = where.infer_shape(cond=(2,), x=(2, 3))
    assert args == [(2,), (2, 3), (2, 3)] and outs == [(2, 3)]


def _optimized_internals(sym, **shapes):
    return len(sym.simple_bind(mx.cpu(), **shapes).get_optimized_symbol().get_internals())


def test_get_optimized_symbol_merges_common_expressions(monkeypatch):
    a, b = mx.sym.var("a"), mx.sym.var("b")
    d = a + 1
    cases = [((a + 1) + (a + 2), 0), ((a + b) + (a + b), 1),
             (mx.sym.Group([a * d, a * d]), 0),          # merged, then a copy per extra head
             (mx.sym.Group([a * d + b, a * d + b]), 1),
             (mx.sym.Dropout(a) + mx.sym.Dropout(a), 0)]  # random operators never merge
    for sym, savings in cases:
        shapes = {name: (2, 3) for name in sym.list_inputs()}
        monkeypatch.setenv("MXNET_ELIMINATE_COMMON_EXPR", "0")
        plain = _optimized_internals(sym, **shapes)
        assert plain == len(sym.get_internals())
        monkeypatch.setenv("MXNET_ELIMINATE_COMMON_EXPR", "1")
        assert _optimized_internals(sym, **shapes) + savings == plain
    exe = mx.sym.Group([a * d, a * d]).simple_bind(mx.cpu(), a=(2,))
    outs = exe.get_optimized_symbol().eval(ctx=mx.cpu(), a=mx.nd.array([1, 2]))
    assert [o.asnumpy().tolist() for o in outs] == [[2, 6], [2, 6]]


def test_binding_a_gradient_through_batch_take_is_an_error():
    import numpy as np
    import pytest
    x, idx = mx.sym.var("x"), mx.sym.var("idx")
    y = mx.sym.batch_take(x, idx)
    types = {"x": np.float32, "idx": np.int32}
    exe = mx.sym.stop_gradient(y).simple_bind(mx.cpu(), x=(3, 2), idx=(3,), type_dict=types)
    exe.forward(is_train=True)
    exe.backward()
    assert exe.grad_dict["x"].asnumpy().tolist() == [[0, 0]] * 3
    with pytest.raises(mx.base.MXNetError, match="batch_take is non-differentiable"):
        y.simple_bind(mx.cpu(), x=(3, 2), idx=(3,), type_dict=types)
    y.simple_bind(mx.cpu(), grad_req="null", x=(3, 2), idx=(3,), type_dict=types).forward()


def test_np_reshape_to_a_different_size_is_an_mxnet_error():
    import pytest
    a = mx.np.ones((4, 5))
    assert a.reshape((-1,)).shape == (20,)
    for bad in (lambda: a.reshape((1,)), lambda: mx.np.reshape(a, (3,)),
                lambda: mx.np.reshape(a, (-1, 3))):
        with pytest.raises(mx.base.MXNetError):
            bad()


def test_np_random_choice():
    import pytest
    mx.random.seed(3)
    draws = mx.np.random.choice(5, size=(2, 3))
    assert isinstance(draws, mx.np.ndarray) and draws.shape == (2, 3)
    assert set(draws.asnumpy().ravel().tolist()) <= set(range(5))
    assert mx.np.random.choice(5).shape == ()
    assert sorted(mx.np.random.choice(4, 4, replace=False).asnumpy().tolist()) == [0, 1, 2, 3]
    picked = mx.np.random.choice(mx.np.array([10., 20., 30.]), 4, p=mx.np.array([0., 1., 0.]))
    assert picked.asnumpy().tolist() == [20.] * 4
    with pytest.raises(mx.base.MXNetError):
        mx.np.random.choice(2, 3, replace=False)
    with pytest.raises(TypeError):
        mx.np.random.choice(shape=())

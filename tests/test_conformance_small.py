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

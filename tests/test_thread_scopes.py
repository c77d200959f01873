"""The default context, attribute scope and name manager are per thread, and readable
and assignable on their classes as in MXNet (``Context.default_ctx``,
``AttrScope.current``, ``NameManager.current``)."""
import threading

import symjax_mx as mx
from symjax_mx.attribute import AttrScope
from symjax_mx.context import Context
from symjax_mx.name import NameManager


def _in_thread(fn):
    seen = []
    thread = threading.Thread(target=lambda: seen.append(fn()))
    thread.start()
    thread.join()
    return seen[0]


def test_default_context_is_per_thread():
    assert Context.default_ctx == mx.cpu(0)
    def other():
        Context.default_ctx = mx.cpu(3)
        return Context.default_ctx, mx.current_context()
    assert _in_thread(other) == (mx.cpu(3), mx.cpu(3))
    assert Context.default_ctx == mx.cpu(0)
    with mx.cpu(1):
        assert Context.default_ctx == mx.cpu(1)


def test_attr_scope_is_per_thread():
    old, AttrScope.current = AttrScope.current, AttrScope(y="hi")
    try:
        assert _in_thread(lambda: AttrScope.current._attr) == {}
        assert mx.sym.Variable("v").attr("y") == "hi"
    finally:
        AttrScope.current = old


def test_name_manager_is_per_thread():
    old, NameManager.current = NameManager.current, NameManager()
    try:
        NameManager.current.get(None, "main")
        assert "main" not in _in_thread(lambda: NameManager.current._counter)
        with mx.name.Prefix("p_"):
            assert NameManager.current.get(None, "x") == "p_x0"
    finally:
        NameManager.current = old

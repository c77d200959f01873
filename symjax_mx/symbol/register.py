"""mx.sym.<Name> for every registry operator: calling one adds a node to the graph."""
from ..ops.describe import docstring, signature
from ..ops.registry import split_call
from .symbol import Symbol, create


def op_function(op, public_name):
    def fn(*args, name=None, attr=None, **kwargs):
        return create(op, *split_call(op, args, kwargs, Symbol), name=name, attr=attr)
    fn.__name__ = fn.__qualname__ = public_name
    fn.__doc__ = docstring(op, "symbol")
    fn.__signature__ = signature(op, "symbol")
    return fn

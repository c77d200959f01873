"""mx.sym.<Name> for every registry operator: calling one adds a node to the graph."""
from ..ops.registry import split_call
from .symbol import Symbol, create


def op_function(op, public_name):
    def fn(*args, name=None, attr=None, **kwargs):
        # an unnamed node is named after the function called (mx.sym.flip -> flip0)
        return create(op, *split_call(op, args, kwargs, Symbol), name=name, attr=attr,
                      hint=public_name.lower())
    fn.__name__ = public_name
    fn.__doc__ = op.doc
    return fn

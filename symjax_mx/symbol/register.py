"""mx.sym.<Name> for every registry operator: calling one adds a node to the graph."""
from .symbol import Symbol, create


def op_function(op, public_name):
    def fn(*args, name=None, attr=None, **kwargs):
        positional = [a for a in args if isinstance(a, Symbol)]
        extra = args[len(positional):]
        params = dict(zip(op.params, extra))
        named = {k: v for k, v in kwargs.items() if isinstance(v, Symbol)}
        params.update({k: v for k, v in kwargs.items() if k not in named})
        return create(op, positional, named, params, name=name, attr=attr)
    fn.__name__ = public_name
    fn.__doc__ = op.doc
    return fn

"""mx.sym.<Name> for every registry operator: calling one adds a node to the graph."""
from ..ops.describe import docstring, signature
from ..ops.registry import split_call
from .symbol import Symbol, create


def op_function(op, public_name):
    def fn(*args, name=None, attr=None, out=None, **kwargs):  # out: ignored, as in MXNet
        # keyword arguments named __like_this__ are node attributes, as in MXNet
        dunder = {k: kwargs.pop(k) for k in list(kwargs) if k.startswith("__") and k.endswith("__")}
        if dunder:
            attr = {**(attr or {}), **{k: str(v) for k, v in dunder.items()}}
        # an unnamed node is named after the function called (mx.sym.flip -> flip0)
        return create(op, *split_call(op, args, kwargs, Symbol), name=name, attr=attr,
                      hint=public_name.lower())
    fn.__name__ = fn.__qualname__ = public_name
    fn.__doc__ = docstring(op, "symbol")
    fn.__signature__ = signature(op, "symbol")
    return fn

"""mx.nd.<Name> functions for every registry operator."""
from ..base import MXNetError
from ..context import as_context
from ..ops.describe import docstring, signature
from ..ops.registry import resolve_inputs, split_call
from .ndarray import NDArray, invoke


_PARSED = {}  # (op, number of arrays, raw params) -> parsed params, for calls that
_MAX_PARSED = 4096  # pass their arrays by position and hashable params by keyword


def _call_key(op, args, kwargs):
    """The cache key of a call whose arrays all come first, by position (None otherwise)."""
    for arg in args:
        if not isinstance(arg, NDArray):
            return None
    key = (op, len(args), tuple((k, type(v), v) for k, v in kwargs.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _inputs(op, args, kwargs):
    """(inputs in order, parsed params) of an imperative call; every input must be given."""
    key = _call_key(op, args, kwargs)
    params = _PARSED.get(key) if key is not None else None
    if params is not None:
        return args, params
    _, params, given = resolve_inputs(op, *split_call(op, args, kwargs, NDArray),
                                      defer_kernel_checks=True)
    names = op.arg_names(params)
    if any(name not in given for name in names):
        raise MXNetError(f"operator {op.name} takes {len(names)} inputs {list(names)}, "
                         f"got {len(given)}")
    inputs = tuple(given[name] for name in names)
    if key is not None and len(inputs) == len(args):
        if len(_PARSED) >= _MAX_PARSED:
            _PARSED.clear()
        _PARSED[key] = params
    return inputs, params


def op_function(op, public_name):
    def fn(*args, out=None, name=None, ctx=None, **kwargs):
        inputs, params = _inputs(op, args, kwargs)
        placement = as_context(ctx if ctx is not None else params.get("ctx") or None)
        return invoke(op, inputs, params, out=out, ctx=placement)
    fn.__name__ = fn.__qualname__ = public_name
    fn.__doc__ = docstring(op, "ndarray")
    fn.__signature__ = signature(op, "ndarray")
    return fn

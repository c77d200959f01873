"""MXNet's fluent methods: ``x.op(...)`` is ``mx.nd.op(x, ...)`` / ``mx.sym.op(x, ...)``,
with every argument the function takes (``name=`` and ``attr=`` on a Symbol, ``out=`` on
an NDArray)."""

# The operators MXNet 1.9.1's NDArray and Symbol offer as methods.
FLUENT = (
    "reshape_like", "zeros_like", "ones_like", "broadcast_axes", "repeat", "pad", "swapaxes",
    "split", "split_v2", "slice", "slice_axis", "slice_like", "take", "one_hot", "pick", "sort",
    "topk", "argsort", "argmax", "argmax_channel", "argmin", "clip", "abs", "sign", "flatten",
    "shape_array", "size_array", "expand_dims", "tile", "transpose", "flip", "depth_to_space",
    "space_to_depth", "diag", "sum", "nansum", "prod", "nanprod", "mean", "max", "min", "norm",
    "round", "rint", "fix", "floor", "ceil", "trunc", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "degrees", "radians", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "exp", "expm1", "log", "log10", "log2", "log1p", "log_sigmoid", "sqrt", "rsqrt", "cbrt",
    "rcbrt", "square", "reciprocal", "relu", "sigmoid", "softmax", "log_softmax", "softmin",
    "mish", "squeeze", "broadcast_to", "broadcast_like",
)


def _fluent(function):
    def method(self, *args, **kwargs):
        return function(self, *args, **kwargs)
    method.__name__ = function.__name__
    method.__doc__ = f"Same as ``{function.__name__}(self, ...)``.\n\n{function.__doc__ or ''}"
    return method


def add_fluent_methods(cls, namespace):
    """Give ``cls`` a method for every fluent operator ``namespace`` (mx.nd or mx.sym) has,
    except those ``cls`` defines itself (NDArray.reshape returns a view)."""
    for name in FLUENT:
        function = getattr(namespace, name, None)
        if function is not None and name not in vars(cls):
            setattr(cls, name, _fluent(function))

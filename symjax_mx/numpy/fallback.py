"""``mx.np``'s functions that MXNet 1.9.1 runs with official NumPy on the host (its
``mx.np.fallback`` list): arrays go to NumPy, and the arrays NumPy returns come back as
``mx.np`` arrays on the first argument's context (scalars and other values as NumPy gives
them). They are not recorded by autograd, as in MXNet. Names the installed NumPy no longer
has (the financial functions, ``msort``) are left out."""
import functools

import numpy as _onp

from ..context import current_context
from ..ndarray import NDArray
from .multiarray import array

_MXNET_FALLBACKS = (
    "allclose", "alltrue", "apply_along_axis", "apply_over_axes", "argpartition", "argwhere",
    "array_equal", "array_equiv", "choose", "compress", "corrcoef", "correlate",
    "count_nonzero", "cov", "digitize", "divmod", "extract", "flatnonzero", "float_power",
    "frexp", "heaviside", "histogram2d", "histogram_bin_edges", "histogramdd", "i0", "in1d",
    "interp", "intersect1d", "isclose", "isin", "ix_", "lexsort", "min_scalar_type", "mirr",
    "modf", "msort", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax",
    "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "ndim", "npv",
    "partition", "piecewise", "packbits", "poly", "polyadd", "polydiv", "polyfit", "polyint",
    "polymul", "polysub", "positive", "ppmt", "promote_types", "ptp", "pv", "rate", "real",
    "result_type", "rollaxis", "roots", "searchsorted", "select", "setdiff1d", "setxor1d",
    "signbit", "size", "spacing", "take_along_axis", "trapz", "tril_indices_from",
    "trim_zeros", "triu_indices_from", "union1d", "unpackbits", "unwrap", "vander")

__all__ = [name for name in _MXNET_FALLBACKS if hasattr(_onp, name)]


def _to_host(value, contexts):
    if isinstance(value, NDArray):
        contexts.append(value.context)
        return value.asnumpy()
    if isinstance(value, (list, tuple)):
        return type(value)(_to_host(v, contexts) for v in value)
    return value


def _from_host(value, ctx):
    if isinstance(value, _onp.ndarray):
        return array(value, dtype=value.dtype, ctx=ctx)
    if isinstance(value, tuple):
        return tuple(_from_host(v, ctx) for v in value)
    if isinstance(value, list):
        return [_from_host(v, ctx) for v in value]
    return value


def host_function(function, name=None):
    """``function`` (a NumPy function) run on the host: NDArray arguments go to NumPy, the
    arrays it returns come back as ``mx.np`` arrays on the first argument's context."""
    name = name or function.__name__

    @functools.wraps(function)
    def on_host(*args, **kwargs):
        contexts = []
        args = _to_host(args, contexts)
        kwargs = {key: _to_host(value, contexts) for key, value in kwargs.items()}
        ctx = contexts[0] if contexts else current_context()
        return _from_host(function(*args, **kwargs), ctx)
    on_host.__doc__ = f"NumPy's ``{name}``, run on the host (as MXNet's fallback)."
    return on_host


globals().update({name: host_function(getattr(_onp, name), name) for name in __all__})

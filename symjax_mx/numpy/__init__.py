"""``mx.np``: NumPy-compatible arrays (``mx.np.ndarray``) and functions on the operator
registry; NumPy's dtype names are NumPy's own objects."""
from numpy import (bool_, float16, float32, float64, int8, int32, int64, newaxis,  # noqa: F401
                   uint8, e, inf, nan, pi)

import sys as _sys

from .. import ndarray as _ndarray
from . import linalg, random
from .multiarray import *  # noqa: F401,F403
from .multiarray import __all__ as _functions
from .functions import *  # noqa: F401,F403
from .functions import __all__ as _more_functions
from .composed import *  # noqa: F401,F403
from .composed import __all__ as _composed
from .fallback import *  # noqa: F401,F403
from .fallback import __all__ as _fallbacks

__all__ = list(_functions) + list(_more_functions) + list(_composed) + list(_fallbacks) + [
    "linalg", "random", "bool_", "float16", "float32", "float64", "int8", "int32", "int64",
    "uint8", "newaxis", "e", "inf", "nan", "pi"]

# mx.nd.np: what a block's hybrid_forward gets as F.np when it runs eagerly (F = mx.nd)
_ndarray.np = _sys.modules[__name__]

"""softmin: softmax of the negated input (exp(-x / T) normalized along an axis)."""
import jax

from .nn import _no_length, _softmax_compute, _softmax_dtype_rule, _softmax_params, \
    _softmax_shape_rule
from .registry import register

register("softmin", _softmax_compute(lambda x, axis: jax.nn.softmax(-x, axis)),
         shape_rule=_softmax_shape_rule, dtype_rule=_softmax_dtype_rule,
         params=_softmax_params(_no_length),
         doc="exp(-x / T) normalized along an axis.")

"""Gradients across integer values, as MXNet's Cast passes them.

MXNet's Cast has a gradient whatever the dtypes: the head gradient converted back to the
input's dtype, so an integer (or boolean) argument read by a Cast gets a gradient, and an
integer Cast output takes one. JAX differentiates no integer values, so a differentiated
pass carries them as float64 stand-ins: a differentiated integer argument comes with a
stand-in, which Casts reading it convert instead (a 64-bit integer, which float64 may
round, through the stand-in plus the exact difference to its converted value, so that the
Cast gives the same values), and a Cast head of an integer dtype of at most 32 bits is
returned as a float64 stand-in whose gradient passes straight to the Cast's input.
``programs.training_vjp`` converts such heads and gradients back to their integer dtypes.
"""
import jax
import jax.numpy as jnp
import numpy as np

__all__ = ["exact_in_float64", "has_stand_in", "cast_inputs", "cast_head_dtype",
           "float_head"]


def exact_in_float64(dtype):
    """Whether float64 holds every value of the integer (or boolean) ``dtype``."""
    dtype = np.dtype(dtype)
    return has_stand_in(dtype) and dtype.itemsize <= 4


def has_stand_in(dtype):
    """Whether a differentiated argument of ``dtype`` (an integer or boolean: JAX
    differentiates neither) has a float64 stand-in."""
    return np.dtype(dtype).kind in "biu"


def cast_inputs(node, params, entries, stand_ins):
    """The inputs a Cast ``node`` converts: an integer argument's float64 stand-in where
    converting it gives the same values as converting the argument."""
    source, _ = node.inputs[0]
    if source.op is not None or source.name not in stand_ins:
        return entries
    target = np.dtype(params["dtype"])
    if not exact_in_float64(entries[0].dtype):  # the stand-in may be rounded
        if target.kind != "f":
            return entries
        return [float_head(entries[0].astype(target), stand_ins[source.name])]
    if target.kind == "f" or np.can_cast(entries[0].dtype, target, "safe"):
        return [stand_ins[source.name]]
    return entries


def cast_head_dtype(node, params):
    """The integer dtype of a Cast head that a differentiated pass returns as float64."""
    if node.op is None or not node.op.casts:
        return None
    dtype = np.dtype(params["dtype"])
    return dtype if exact_in_float64(dtype) else None


def float_head(value, source):
    """``value`` (a Cast's integer output, or an integer's exact conversion) as float64,
    whose gradient goes straight to ``source`` (the Cast's input, or a stand-in): the
    difference of two nearby floats is exact, so the sum is ``value``'s own."""
    source = source.astype(jnp.float64)
    return source + jax.lax.stop_gradient(value.astype(jnp.float64) - source)

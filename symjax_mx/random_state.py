"""The random state behind ``mx.random.seed(n)``, which makes every random operator
reproducible: random operators take a fresh JAX PRNG key per call, split from one global
key. It sits below NDArray, which draws its keys here; ``mx.random`` publishes it."""
import threading

import jax

from . import x64

__all__ = ["seed", "next_key", "get_state", "set_state"]

_state = threading.local()


@x64.x64
def seed(seed_state, ctx="all"):
    """Reset the random state; the same seed gives the same sequence of random arrays.

    ``ctx`` is accepted as in MXNet: one key stream serves every device.
    """
    _state.key = jax.random.key(int(seed_state))


@x64.x64
def next_key():
    """A fresh PRNG key for one random operator call."""
    key = getattr(_state, "key", None)
    if key is None:
        key = jax.random.key(0)
    _state.key, sub = jax.random.split(key)
    return sub


@x64.x64
def get_state():
    """The random state as a uint32 array (for checkpoints)."""
    key = getattr(_state, "key", None)
    return jax.random.key_data(key if key is not None else jax.random.key(0))


@x64.x64
def set_state(state):
    """Restore a random state from ``get_state``."""
    _state.key = jax.random.wrap_key_data(jax.numpy.asarray(state, jax.numpy.uint32))

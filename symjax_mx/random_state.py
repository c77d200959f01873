"""The random state behind ``mx.random.seed(n)``, which makes every random operator
reproducible: random operators take a fresh JAX PRNG key per call, split from one global
key. It sits below NDArray, which draws its keys here; ``mx.random`` publishes it.

The key is the process's, not a thread's, as MXNet's generator is the device's: a Custom
operator's Python runs on one of XLA's threads, and with a key per thread its draws would
ignore ``seed`` and repeat the same numbers in every call made on a fresh thread."""
import threading
import types

import jax

from . import x64

__all__ = ["seed", "next_key", "get_state", "set_state"]

_state = types.SimpleNamespace(key=None)  # one key for every thread
_lock = threading.Lock()  # a key is split once: two threads never get the same one


@x64.x64
def seed(seed_state, ctx="all"):
    """Reset the random state; the same seed gives the same sequence of random arrays.

    ``ctx`` is accepted as in MXNet: one key stream serves every device.
    """
    key = jax.random.key(int(seed_state))
    with _lock:
        _state.key = key


# jax.random.split run eagerly, and its result unpacked, dispatch several programs (about
# 60 us a key on the CPU); one jitted program returning the pair takes about 15 us
_split = x64.jit(lambda key: tuple(jax.random.split(key)))


@x64.x64
def next_key():
    """A fresh PRNG key for one random operator call."""
    with _lock:
        key = _state.key
        if key is None:
            key = jax.random.key(0)
        _state.key, sub = _split(key)
    return sub


@x64.x64
def get_state():
    """The random state as a uint32 array (for checkpoints)."""
    key = _state.key
    return jax.random.key_data(key if key is not None else jax.random.key(0))


@x64.x64
def set_state(state):
    """Restore a random state from ``get_state``."""
    key = jax.random.wrap_key_data(jax.numpy.asarray(state, jax.numpy.uint32))
    with _lock:
        _state.key = key

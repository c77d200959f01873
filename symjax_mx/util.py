"""MXNet's NumPy-shape switch (``mx.np_shape``, ``mx.use_np_shape``): a per-thread flag.

Shapes here always follow NumPy (``()`` is a scalar, ``0`` an empty axis), so the flag
only records what the program asked for, as ``is_np_shape()`` reports it.
"""
import contextlib
import functools
import threading

__all__ = ["is_np_shape", "set_np_shape", "np_shape", "use_np_shape"]

_state = threading.local()


def is_np_shape():
    """Whether NumPy shape semantics are switched on in this thread."""
    return getattr(_state, "active", False)


def set_np_shape(active):
    """Switch NumPy shape semantics on or off; returns the previous setting."""
    previous = is_np_shape()
    _state.active = bool(active)
    return previous


@contextlib.contextmanager
def np_shape(active=True):
    """A block with NumPy shape semantics ``active``; the previous setting is restored."""
    previous = set_np_shape(active)
    try:
        yield
    finally:
        set_np_shape(previous)


def use_np_shape(func):
    """``func`` run with NumPy shape semantics on (a function or each method of a class)."""
    if isinstance(func, type):
        for name, member in list(vars(func).items()):
            if callable(member):
                setattr(func, name, use_np_shape(member))
        return func

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        with np_shape(True):
            return func(*args, **kwargs)
    return wrapped

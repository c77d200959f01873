"""NDArray handles: pointer-sized integers that name live NDArrays, as MXNet's C API does.

``array.handle`` names ``array`` for as long as it lives (the name is released when it
is collected). Functions of the C API (``mx.base._LIB``) and the executor's monitor
*lend* handles instead: such a handle holds its array until ``MXNDArrayFree`` releases
it or ``NDArray(handle)`` takes it over, which is MXNet's ownership rule. Values come
from a counter, are never reused, and are never 0, so a released handle is an error,
never another array.
"""
import contextlib
import itertools
import threading
import weakref

from ..base import MXNetError

__all__ = ["handle_of", "lend", "lent", "resolve", "take", "free"]

_values = itertools.count(start=0x10, step=0x10)  # aligned, like the pointers they stand for
_lock = threading.RLock()  # re-entered by a release callback that runs during a locked section
_named = {}   # handle value -> weakref to the NDArray it names
_owned = {}   # handle value -> NDArray, for handles lent and not yet taken or freed
_value_of = {}  # id(NDArray) -> its own handle value, while the array lives


def _name(array, value):
    """Make ``value`` the name of ``array``, released when ``array`` is collected."""
    key = id(array)

    def release(ref):
        with _lock:
            if _value_of.get(key) == value:
                del _value_of[key]
            if _named.get(value) is ref:
                del _named[value]

    _named[value] = weakref.ref(array, release)
    _value_of[key] = value


def handle_of(array):
    """``array``'s own handle value (the same on every call while it lives)."""
    with _lock:
        value = _value_of.get(id(array))
        if value is None or value not in _named:
            value = next(_values)
            _name(array, value)
        return value


def lend(array):
    """A new handle value that holds ``array`` until freed or taken (a C API result)."""
    with _lock:
        value = next(_values)
        _named[value] = weakref.ref(array)
        _owned[value] = array
        return value


@contextlib.contextmanager
def lent(array):
    """A handle of ``array`` lent for the ``with`` block (a callback's argument), freed after
    it unless the callee took it over with ``NDArray(handle)``."""
    value = lend(array)
    try:
        yield value
    finally:
        with _lock:
            if _owned.pop(value, None) is not None:
                _named.pop(value, None)


def _value(handle):
    value = getattr(handle, "value", handle)  # a ctypes.c_void_p or a plain integer
    if not isinstance(value, int) or value == 0:
        raise MXNetError(f"NDArray handle {handle!r} is NULL or not a pointer")
    return value


def resolve(handle):
    """The NDArray a handle (``ctypes.c_void_p`` or integer) names."""
    value = _value(handle)
    ref = _named.get(value)
    array = ref() if ref is not None else None
    if array is None:
        raise MXNetError(f"NDArray handle {value:#x} names no live NDArray (it was freed, "
                         f"or it was not made by symjax_mx)")
    return array


def take(handle, array):
    """Let ``array`` own ``handle`` if the handle was lent (``NDArray(handle)`` takes it over);
    a handle that already names a live array stays that array's."""
    value = _value(handle)
    with _lock:
        if _owned.pop(value, None) is not None:
            _name(array, value)


def free(handle):
    """Release ``handle`` (``MXNDArrayFree``): it no longer names its array."""
    value = _value(handle)
    with _lock:
        if value not in _named:
            raise MXNetError(f"NDArray handle {value:#x} was already freed or never existed")
        _owned.pop(value, None)
        del _named[value]

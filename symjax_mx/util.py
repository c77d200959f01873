"""MXNet's semantics switches (NumPy shape, NumPy array) and environment helpers (mxnet.util).

NumPy shape semantics: ``()`` is a scalar's shape and a 0 in a shape is a zero-size
dimension; without it (the default, MXNet 1.x's legacy), 0 marks an unknown size and an
unknown shape is ``()``. The switch is per thread, or for every thread with
``set_np_shape(2)``, as on MXNet.
"""
import functools
import inspect
import os
import threading

_SHAPE_OFF, _SHAPE_THREAD, _SHAPE_GLOBAL = 0, 1, 2
_np_shape_global = [False]
_np_shape_local = threading.local()


def set_np_shape(active):
    """Turn NumPy shape semantics on (True: this thread, 2: every thread) or off; return the
    previous state."""
    if not active and is_np_array():
        raise ValueError("Deactivating NumPy shape semantics while NumPy array semantics is "
                         "still active is not allowed; call reset_np() to deactivate both.")
    previous = is_np_shape()
    level = int(active)
    if level not in (_SHAPE_OFF, _SHAPE_THREAD, _SHAPE_GLOBAL):
        raise ValueError(f"set_np_shape takes False, True or 2 (every thread), got {active!r}")
    _np_shape_global[0] = level == _SHAPE_GLOBAL
    _np_shape_local.value = level != _SHAPE_OFF
    return previous


def is_np_shape():
    """Whether NumPy shape semantics is on in this thread."""
    return _np_shape_global[0] or getattr(_np_shape_local, "value", False)


class _NumpyShapeScope:
    """``with`` scope switching NumPy shape semantics; use ``np_shape(active)``."""

    def __init__(self, is_np_shape):  # pylint: disable=redefined-outer-name
        self._enter_is_np_shape = is_np_shape
        self._prev_is_np_shape = None

    def __enter__(self):
        if self._enter_is_np_shape is not None:
            self._prev_is_np_shape = set_np_shape(self._enter_is_np_shape)

    def __exit__(self, ptype, value, trace):
        if self._enter_is_np_shape is not None and \
                self._prev_is_np_shape != self._enter_is_np_shape:
            set_np_shape(self._prev_is_np_shape)


def np_shape(active=True):
    """A ``with`` scope in which NumPy shape semantics is on (or off)."""
    return _NumpyShapeScope(active)


class _NumpyArrayScope:
    """``with`` scope switching NumPy array semantics in this thread; use ``np_array``."""
    _current = threading.local()

    def __init__(self, is_np_array):  # pylint: disable=redefined-outer-name
        self._old_scope = None
        self._is_np_array = is_np_array

    def __enter__(self):
        if not hasattr(_NumpyArrayScope._current, "value"):
            _NumpyArrayScope._current.value = _NumpyArrayScope(False)
        self._old_scope = _NumpyArrayScope._current.value
        _NumpyArrayScope._current.value = self
        return self

    def __exit__(self, ptype, value, trace):
        _NumpyArrayScope._current.value = self._old_scope


def np_array(active=True):
    """A ``with`` scope in which NumPy array semantics is on (or off)."""
    return _NumpyArrayScope(active)


def is_np_array():
    """Whether NumPy array semantics is on in this thread."""
    scope = getattr(_NumpyArrayScope._current, "value", None)
    return scope._is_np_array if scope is not None else False


def _scoped(func, scope, decorator_name):
    """``func`` (a callable, or every method and property of a class) run inside ``scope()``."""
    if inspect.isclass(func):
        def is_member(f):
            return inspect.isfunction(f) or inspect.ismethod(f) or isinstance(f, property)
        for name, method in inspect.getmembers(func, predicate=is_member):
            if isinstance(method, property):
                setattr(func, name, property(_scoped(method.__get__, scope, decorator_name),
                                             method.__set__, method.__delattr__, method.__doc__))
            else:
                setattr(func, name, _scoped(method, scope, decorator_name))
        return func
    if callable(func):
        @functools.wraps(func)
        def scoped(*args, **kwargs):
            with scope():
                return func(*args, **kwargs)
        return scoped
    raise TypeError(f"{decorator_name} can only decorate classes and callable objects, "
                    f"while received a {type(func)}")


def use_np_shape(func):
    """Decorator: run ``func`` (or every method of a class) with NumPy shape semantics."""
    return _scoped(func, np_shape, "use_np_shape")


def use_np_array(func):
    """Decorator: run ``func`` (or every method of a class) with NumPy array semantics."""
    return _scoped(func, np_array, "use_np_array")


def use_np(func):
    """Decorator: run ``func`` with both NumPy shape and NumPy array semantics."""
    return use_np_shape(use_np_array(func))


def set_np(shape=True, array=True):
    """Set NumPy shape and array semantics together (array semantics needs shape semantics)."""
    if not shape and array:
        raise ValueError("NumPy Shape semantics is required in using NumPy array semantics.")
    _NumpyArrayScope._current.value = _NumpyArrayScope(array)
    set_np_shape(shape)


def reset_np():
    """Turn NumPy shape and array semantics off."""
    set_np(shape=False, array=False)


def getenv(name):
    """The value of environment variable ``name``, or None if it is not set."""
    return os.environ.get(name)


def setenv(name, value):
    """Set environment variable ``name`` (None unsets it)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def get_gpu_count():
    """How many GPUs JAX sees."""
    from .context import num_gpus
    return num_gpus()

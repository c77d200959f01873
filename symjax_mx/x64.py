"""JAX's 64-bit mode, scoped to symjax_mx's own calls into JAX.

MXNet has float64 and int64 arrays, and JAX computes them only in x64 mode. Turning
that mode on for the whole process would change the user's own JAX code (``jnp.arange``
would give int64, ``jnp.array(1.0)`` float64, ``jax.random`` other numbers), so
symjax_mx enters it only around the places where it creates, computes or compiles
arrays: compiled functions are made with :func:`jit`, transfers use :func:`device_put`,
and functions that call ``jnp`` eagerly on arrays that may be 64-bit are decorated with
:func:`x64`. Creation functions pass explicit dtypes, so float32 stays MXNet's default
inside the scope.

Code that only calls other symjax_mx functions needs nothing. User code that symjax_mx
calls back (``fit``'s callbacks) should run outside the scope, so decorate the step, not
the loop. The scope is thread-local (JAX's config context); entering it costs about 3 us,
an entry point nested in another almost nothing.
"""
import functools
import inspect
import threading

import jax

try:
    _enable_x64 = jax.enable_x64
except AttributeError:  # jax < 0.7 keeps it under experimental
    from jax.experimental import enable_x64 as _enable_x64

__all__ = ["x64", "scope", "jit", "device_put"]

_inside = threading.local()  # whether this thread is inside an x64 entry point


def _call(fn, args, kwargs):
    if getattr(_inside, "scope", False):  # nested entry points pay one attribute read
        return fn(*args, **kwargs)
    _inside.scope = True
    try:
        with _enable_x64(True):
            return fn(*args, **kwargs)
    finally:
        _inside.scope = False


def scope():
    """A context manager: the enclosed block computes with JAX's 64-bit types (for code
    that calls symjax_mx's pure JAX forms, such as ``Optimizer.step``, in float64)."""
    return _enable_x64(True)


def x64(fn):
    """Decorate an entry point into JAX so that it runs in 64-bit mode (see module doc)."""
    @functools.wraps(fn)
    def in_x64(*args, **kwargs):
        return _call(fn, args, kwargs)
    return in_x64


_JIT_TAKES_COMPILER_OPTIONS = "compiler_options" in inspect.signature(jax.jit).parameters


class jit:  # noqa: N801 (used like jax.jit)
    """``jax.jit(fn, **jit_kwargs)`` whose calls run in 64-bit mode; the jitted
    function's attributes (``lower``, ``_cache_size``, ...) stay reachable."""

    __slots__ = ("jitted",)

    def __init__(self, fn, **jit_kwargs):
        if not _JIT_TAKES_COMPILER_OPTIONS:  # jax < 0.5: XLA's defaults (a compile-time
            jit_kwargs.pop("compiler_options", None)  # choice that never changes results)
        self.jitted = jax.jit(fn, **jit_kwargs)

    def __call__(self, *args, **kwargs):
        return _call(self.jitted, args, kwargs)

    def __getattr__(self, name):
        return getattr(self.jitted, name)


def device_put(*args, **kwargs):
    """``jax.device_put`` in 64-bit mode."""
    return _call(jax.device_put, args, kwargs)

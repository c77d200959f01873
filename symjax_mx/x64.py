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
import numpy as np

from . import compile_options
from .second_start import with_second_start

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
    function's attributes (``lower``, ``_cache_size``, ...) stay reachable. The jax.jit
    function is made on first use, so that making one never starts XLA's backend (which
    ``compile_options.with_library_choice`` does once, and ``jax.distributed`` and forked
    worker processes need to happen first). Called inside another trace (a stage of a
    placed program under ``jax.vjp``), it runs without compile options, which JAX takes
    only at the top level.

    ``blocks=True`` makes a call return only once its program has run, for programs that
    call back into Python code that runs programs of its own (a Custom operator's
    forward): XLA's CPU client admits a bounded number of programs in flight per device
    (a semaphore in its Execute; 40 queued deadlocked, 10 did not), and if the caller
    queued that many behind such a program before its
    callback ran, the callback's own programs would wait for a slot that never frees.

    ``second_start=True`` adds a second starting kernel to the program on the CPU
    (``second_start``), for training steps whose only one is their first layer.

    ``early_options`` compile the first ``compile_options.EARLY_CALLS`` calls (whatever
    their signatures) with these compile options instead, for programs that often run only
    a few times (see ``compile_options.early_options``)."""

    __slots__ = ("_fn", "_jit_kwargs", "_jitted", "_nested", "_blocks", "_second_start",
                 "_early_options", "_early", "_early_calls")

    def __init__(self, fn, blocks=False, second_start=False, early_options=None,
                 **jit_kwargs):
        if not _JIT_TAKES_COMPILER_OPTIONS:  # jax < 0.5: XLA's defaults (a compile-time
            jit_kwargs.pop("compiler_options", None)  # choice that never changes results)
            early_options = None
        if second_start:
            fn = with_second_start(fn, jit_kwargs.get("donate_argnums", ()))
        self._fn, self._jit_kwargs, self._jitted, self._nested = fn, jit_kwargs, None, None
        self._blocks, self._second_start = blocks, second_start
        self._early_options, self._early = early_options, None
        self._early_calls = compile_options.EARLY_CALLS if early_options is not None else 0

    def _made(self, options):
        """``jax.jit`` of the function with compile ``options`` and the library choice."""
        kwargs = self._jit_kwargs
        if _JIT_TAKES_COMPILER_OPTIONS:
            kwargs = {**kwargs, "compiler_options": compile_options.with_library_choice(options)}
        return jax.jit(self._fn, **kwargs)

    @property
    def jitted(self):
        """The ``jax.jit`` function."""
        if self._jitted is None:
            self._jitted = self._made(self._jit_kwargs.get("compiler_options"))
        return self._jitted

    @property
    def compiler_options(self):
        """The compile options it was made with (None: XLA's defaults)."""
        return self._jit_kwargs.get("compiler_options")

    def _early_jitted(self):
        """The jax.jit function in ``early_options`` for one of the early calls."""
        early = self._early
        if early is None:
            early = self._early = self._made(self._early_options)
        self._early_calls -= 1
        if self._early_calls <= 0:  # (below 0 if two threads raced here)
            self._early = None  # its programs are freed after this call
        return early

    def __call__(self, *args, **kwargs):
        try:
            result = _call(self._early_jitted() if self._early_calls > 0 else self.jitted,
                           args, kwargs)
        except ValueError as err:
            if "compiler_options" not in str(err):
                raise
            if self._nested is None:
                self._nested = jax.jit(self._fn, **{k: v for k, v in self._jit_kwargs.items()
                                                    if k != "compiler_options"})
            result = _call(self._nested, args, kwargs)
        if self._blocks:
            jax.block_until_ready(result)  # tracers (a nested call) have nothing to wait for
        return result[0] if self._second_start else result

    def __getattr__(self, name):
        return getattr(self.jitted, name)


def device_put(x, *args, may_alias=None, **kwargs):
    """``jax.device_put`` in 64-bit mode. Numpy sources (``x`` or the items of a list or
    tuple) are copied first unless ``may_alias`` is True (the caller's own array): on the
    CPU, JAX may alias them or read them after returning, and the caller's array may
    change in between."""
    if may_alias is not True:
        if isinstance(x, np.ndarray):
            x, may_alias = np.array(x, copy=True), True  # the copy is the transfer's own
        elif isinstance(x, (list, tuple)) and any(isinstance(a, np.ndarray) for a in x):
            x = type(x)(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in x)
    return _call(jax.device_put, (x,) + args, dict(kwargs, may_alias=may_alias))

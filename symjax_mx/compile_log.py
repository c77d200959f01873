"""Log lines for slow XLA compiles, so a first training step is never silent.

A method decorated with :func:`logs_compiles` logs at INFO, on the ``symjax_mx`` logger,
each call that compiled a program and took over :data:`THRESHOLD_S` seconds::

    compiling executor for softmax (data (32, 3, 32, 32), softmax_label (32,), ...) took 12.3 s

Compiles are recognised by JAX's compile-duration events, counted only while a decorated
call runs on the same thread, so the user's own JAX code is neither timed nor logged.
"""
import functools
import logging
import threading
import time

import jax

__all__ = ["logger", "THRESHOLD_S", "logs_compiles", "describe_shapes"]

logger = logging.getLogger("symjax_mx")
THRESHOLD_S = 1.0

_COMPILE_EVENTS = ("/jax/core/compile/jaxpr_trace_duration",
                   "/jax/core/compile/backend_compile_duration")
_watching = threading.local()  # compile seconds seen during the current decorated call


def _on_duration(event, duration, **_):
    if event in _COMPILE_EVENTS and getattr(_watching, "seconds", None) is not None:
        _watching.seconds += duration


jax.monitoring.register_event_duration_secs_listener(_on_duration)


def describe_shapes(named_shapes, limit=4):
    """'data (32, 3), label (32,), ... (12 in all)' for a dict or list of (name, shape)."""
    items = list(named_shapes.items() if isinstance(named_shapes, dict) else named_shapes)
    text = ", ".join(f"{name} {tuple(shape)}" for name, shape in items[:limit])
    return text + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def logs_compiles(describe):
    """Decorate a method that may compile; ``describe(self)`` names what it compiles."""
    def decorate(method):
        @functools.wraps(method)
        def timed(self, *args, **kwargs):
            if getattr(_watching, "seconds", None) is not None:  # nested: the outer one logs
                return method(self, *args, **kwargs)
            _watching.seconds = 0.0
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                elapsed, compiled = time.perf_counter() - start, _watching.seconds
                _watching.seconds = None
                if compiled and elapsed > THRESHOLD_S:
                    logger.info("compiling %s took %.1f s", describe(self), elapsed)
        return timed
    return decorate

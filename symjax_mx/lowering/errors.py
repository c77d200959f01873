"""Errors of compiled programs as MXNetError naming the operator and node, cause first.

``node_scope(node)`` surrounds one node's compute while a program is traced: an error
raised there names the node, and host callbacks created there (a Custom operator's
Python code) remember it. ``on_host(fn)`` wraps such a callback so that its failure is
recorded; ``reported(fn)`` wraps a compiled function so that a runtime failure becomes
an MXNetError naming the operator and node whose callback failed, chained to the
original exception.
"""
import contextlib
import functools
import threading

import jax

from ..base import MXNetError

__all__ = ["node_scope", "on_host", "reported", "RunTimeFailure"]

_tracing = threading.local()  # the node whose compute is being traced, per thread
_failure = [None]  # (description, exception) of the last host callback that raised


def _describe(node):
    if node is None:
        return "a compiled program"
    op_type = node.params.get("op_type")
    kind = f"{node.op.name} ({op_type!r})" if isinstance(op_type, str) else node.op.name
    return f"operator {kind} at node {node.name!r}"


@contextlib.contextmanager
def node_scope(node):
    """Trace ``node``'s compute under its name; errors raised meanwhile name it."""
    outer = getattr(_tracing, "node", None)
    _tracing.node = node
    try:
        with jax.named_scope(node.name):
            yield
    except MXNetError as err:
        raise MXNetError(f"{err} (in {_describe(node)})") from err.__cause__
    except Exception as err:  # noqa: BLE001  (any tracing failure of an operator)
        raise MXNetError(f"{type(err).__name__}: {err} (in {_describe(node)})") from err
    finally:
        _tracing.node = outer


def on_host(fn):
    """``fn``, a host callback, recording its failure for ``reported`` with the node
    being traced now."""
    where = _describe(getattr(_tracing, "node", None))

    @functools.wraps(fn)
    def recorded(*args):
        try:
            return fn(*args)
        except Exception as err:
            _failure[0] = (where, err)
            raise
    return recorded


class RunTimeFailure(MXNetError):
    """A compiled program failed while running (a check MXNet makes inside a kernel)."""


class reported:  # noqa: N801  (used as a function)
    """``fn``, a compiled function, raising MXNetError when its program fails at run time;
    its other attributes (``lower``, cache sizes) are ``fn``'s."""

    def __init__(self, fn):
        self._fn = fn
        functools.update_wrapper(self, fn)

    def __getattr__(self, name):
        return getattr(self._fn, name)

    def __call__(self, *args, **kwargs):
        _failure[0] = None
        try:
            return self._fn(*args, **kwargs)
        except (jax.errors.JaxRuntimeError, ValueError) as err:
            # JAX's fast dispatch path reports a failed host callback as ValueError
            if isinstance(err, ValueError) and not str(err).startswith("INTERNAL"):
                raise
            failure, _failure[0] = _failure[0], None
            if failure is None:
                raise RunTimeFailure(f"{_first_line(err)} (in a compiled program)") from err
            where, cause = failure
            raise RunTimeFailure(f"{type(cause).__name__}: {cause} (in {where})") from cause


def _first_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__

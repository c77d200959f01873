"""Attribute scopes: ``with mx.AttrScope(ctx_group='dev1'):`` attaches ``__ctx_group__``
to every graph node made inside the block."""
import collections
import threading

from .base import MXNetError

__all__ = ["AttrScope", "HIDDEN_KEYS", "current", "stored_key"]

_scope = threading.local()

# Attributes MXNet stores as __key__ however they are given (lr_mult= -> __lr_mult__).
HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage",
               "profiler_scope")


def stored_key(key):
    """The name an attribute is stored under: ``__key__`` for MXNet's hidden keys."""
    return f"__{key}__" if key in HIDDEN_KEYS else key


class _ScopeType(type):
    """``AttrScope.current``: this thread's scope, readable and assignable on the class."""

    @property
    def current(cls):
        return current()

    @current.setter
    def current(cls, scope):
        _scope.value = scope


class AttrScope(metaclass=_ScopeType):
    """Attributes (string values) for every node created in the ``with`` block."""

    _subgraph_names = collections.defaultdict(int)  # control-flow subgraphs named so far

    def __init__(self, **kwargs):
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise MXNetError(f"attribute {key} must be a string, got {value!r}")
        self._attr = {stored_key(key): value for key, value in kwargs.items()}
        self._old = None

    def get(self, attr):
        """The scope's attributes (including enclosing scopes') updated with ``attr``."""
        merged = dict(self._attr)
        if attr:
            merged.update((stored_key(key), value) for key, value in attr.items())
        return merged

    def __enter__(self):
        self._old = current()
        merged = AttrScope()
        merged._attr = {**self._old._attr, **self._attr}
        _scope.value = merged
        return self

    def __exit__(self, *exc):
        _scope.value = self._old


_EMPTY = AttrScope()


def current():
    """The attribute scope in effect."""
    return getattr(_scope, "value", None) or _EMPTY

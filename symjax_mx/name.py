"""Automatic names for graph nodes: ``fullyconnected0``, ``activation1`` ...

``with mx.name.Prefix('stage1_'):`` prefixes every name made inside the block.
"""
import threading

__all__ = ["NameManager", "Prefix", "current"]

_scope = threading.local()


class _ManagerType(type):
    """``NameManager.current``: this thread's manager, readable and assignable on the class."""

    @property
    def current(cls):
        return current()

    @current.setter
    def current(cls, manager):
        _scope.manager = manager


class NameManager(metaclass=_ManagerType):
    """Gives each unnamed node ``<hint><n>`` with a counter per hint."""

    def __init__(self):
        self._counter = {}
        self._old = None

    def get(self, name, hint):
        """``name`` if given, else the next automatic name for ``hint``."""
        if name:
            return name
        count = self._counter.get(hint, 0)
        self._counter[hint] = count + 1
        return f"{hint}{count}"

    def __enter__(self):
        self._old = current()
        _scope.manager = self
        return self

    def __exit__(self, *exc):
        _scope.manager = self._old


class Prefix(NameManager):
    """A name manager that puts ``prefix`` before every name, given or automatic."""

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        return self._prefix + super().get(name, hint)


_DEFAULT = NameManager()


def current():
    """The name manager in effect."""
    return getattr(_scope, "manager", None) or _DEFAULT

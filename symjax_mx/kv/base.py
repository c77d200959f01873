"""KVStoreBase: the interface every store implements, and the registry that lets
``mx.kv.create(name)`` build a store defined outside this package.

    >>> @mx.kv.KVStoreBase.register
    ... class MyStore(mx.kv.KVStoreBase):
    ...     ...
    >>> mx.kv.create("mystore")
"""
import warnings

from .placement import Placement

__all__ = ["KVStoreBase"]


class KVStoreBase:
    """A key-value store: arrays in by key (from several devices), their merged value
    out. Subclasses implement the methods below that raise NotImplementedError."""

    kv_registry = {}  # lower-case class name -> registered store class

    OPTIMIZER = "optimizer"  # capability: the store can apply an optimizer (set_optimizer)

    def broadcast(self, key, value, out, priority=0):
        """Initialise ``key`` with ``value`` and pull it into ``out``."""
        raise NotImplementedError()

    def pushpull(self, key, value, out=None, priority=0):
        """Sum ``value`` (one array per device) into ``key`` and pull the result into
        ``out`` (default: into ``value``)."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer):
        """Apply ``optimizer`` to each pushed value inside the store."""
        raise NotImplementedError()

    def is_capable(self, capability):
        """Whether the store supports ``capability`` (e.g. ``KVStoreBase.OPTIMIZER``)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname, dump_optimizer=False):
        raise NotImplementedError()

    def load_optimizer_states(self, fname):
        raise NotImplementedError()

    @property
    def type(self):
        """The store's type name."""
        raise NotImplementedError()

    @property
    def rank(self):
        """This worker's index among the workers."""
        raise NotImplementedError()

    @property
    def num_workers(self):
        """How many workers share the store."""
        raise NotImplementedError()

    def placement(self, contexts):
        """Where a data-parallel Module puts its arrays on ``contexts``: by default the
        batch is split across this worker's devices and the gradients are all-reduced
        among them inside the step."""
        return Placement(contexts)

    @staticmethod
    def register(klass):
        """Register a store class so that ``mx.kv.create(<class name, lower case>)``
        builds it; a later class of the same name replaces an earlier one (with a
        warning). Returns the class, so it serves as a decorator."""
        if not isinstance(klass, type):
            raise TypeError(f"KVStoreBase.register takes a class, got {klass!r}")
        name = klass.__name__.lower()
        previous = KVStoreBase.kv_registry.get(name)
        if previous is not None:
            warnings.warn(f"New kvstore {klass.__module__}.{klass.__name__} is overriding "
                          f"existing kvstore {previous.__module__}.{previous.__name__}",
                          stacklevel=2)
        KVStoreBase.kv_registry[name] = klass
        return klass

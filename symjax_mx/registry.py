"""Named classes of one kind (metrics, initializers, optimizers), looked up case-insensitively,
as MXNet's ``mx.registry`` keeps them."""
import warnings

__all__ = ["Registry"]


class Registry:
    """Classes deriving from ``base``, by lower-cased name; ``kind`` names them in messages
    and ``wrong_class`` is the exception for registering something else."""

    def __init__(self, base, kind, wrong_class=TypeError):
        self.base = base
        self.kind = kind
        self.wrong_class = wrong_class
        self.classes = {}

    def register(self, klass, name=None):
        """Register ``klass`` under ``name`` (default: its class name); returns it."""
        if not (isinstance(klass, type) and issubclass(klass, self.base)):
            raise self.wrong_class(f"Can only register subclass of {self.base.__name__}")
        name = (klass.__name__ if name is None else name).lower()
        old = self.classes.get(name)
        if old is not None:
            warnings.warn(f"New {self.kind} {klass.__module__}.{klass.__name__} registered with "
                          f"name {name} is overriding existing {self.kind} "
                          f"{old.__module__}.{old.__name__}", UserWarning, stacklevel=3)
        self.classes[name] = klass
        return klass

    def alias(self, *aliases):
        """Class decorator registering the class under extra names."""
        def reg(klass):
            for name in aliases:
                self.register(klass, name)
            return klass
        return reg

    def get(self, name):
        """The class registered as ``name``, or None."""
        return self.classes.get(name.lower())

    def names(self):
        return ", ".join(sorted(self.classes))

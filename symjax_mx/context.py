"""Contexts: mx.cpu(i) / mx.gpu(i) naming the JAX device an array lives on."""
import re
import threading
import warnings

import jax

from .base import MXNetError

__all__ = ["Context", "cpu", "gpu", "cpu_pinned", "current_context", "num_gpus"]

_current = threading.local()
# How a user gets several host devices, quoted by errors about cpu(i) contexts.
HOST_DEVICES_HINT = ("for several cpu(i) devices set XLA_FLAGS="
                     "--xla_force_host_platform_device_count=N in the environment before "
                     "the program starts (JAX reads it once, when it initialises)")
_DEVICE_CONTEXTS = {}  # jax.Device -> its Context


def _platform_devices(platform):
    """This process's devices of ``platform`` (all of them outside multi-process runs)."""
    try:
        return jax.local_devices(backend=platform)
    except RuntimeError:  # no backend for this platform
        return []


def num_gpus():
    """The number of GPUs JAX can see."""
    return len(_platform_devices("gpu"))


_DEPRECATED = ("Context.default_ctx has been deprecated. Please use Context.current_context() "
               "instead. Please use test_utils.set_default_context to set a default context")


class _ContextType(type):
    """``Context.default_ctx``: this thread's default context, readable and assignable on
    the class (deprecated, as in MXNet)."""

    @property
    def default_ctx(cls):
        warnings.warn(_DEPRECATED, DeprecationWarning, stacklevel=2)
        return current_context()

    @default_ctx.setter
    def default_ctx(cls, ctx):
        warnings.warn(_DEPRECATED, DeprecationWarning, stacklevel=2)
        _current.value = ctx


class Context(metaclass=_ContextType):
    """A device: ``Context('cpu', 1)``, usually written ``mx.cpu(1)``.

    Used as a context manager it becomes the default context of the enclosed block::

        with mx.cpu(1):
            a = mx.nd.zeros((2, 3))   # on cpu(1)
    """

    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {name: typeid for typeid, name in devtype2str.items()}

    __slots__ = ("device_typeid", "device_id", "_device", "_old_ctx")

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in self.devstr2type:
            raise MXNetError(
                f"unknown device type {device_type!r}; expected one of {sorted(self.devstr2type)}")
        self.device_typeid = self.devstr2type[device_type]
        self.device_id = int(device_id)
        self._device = None
        self._old_ctx = None

    @property
    def device_type(self):
        return self.devtype2str[self.device_typeid]

    @property
    def jax_device(self):
        """The jax.Device this context places arrays on; MXNetError if it does not exist."""
        if self._device is None:
            self._device = self._find_device()
        return self._device

    def _find_device(self):
        if self.device_type == "gpu":
            devices = _platform_devices("gpu")
            if self.device_id < len(devices):
                return devices[self.device_id]
        else:
            devices = _platform_devices("cpu")
            # One host device serves every cpu(i); with several, cpu(i) is the i-th.
            if len(devices) == 1:
                return devices[0]
            if self.device_id < len(devices):
                return devices[self.device_id]
        available = ", ".join(str(Context._of_device(d)) for d in jax.local_devices())
        host = ", ".join(str(Context._of_device(d)) for d in _platform_devices("cpu"))
        hint = f"; {HOST_DEVICES_HINT}" if self.device_type != "gpu" else ""
        raise MXNetError(f"{self} does not exist on this machine; available devices: "
                         f"{available or host}{hint}")

    @staticmethod
    def _of_device(device):
        context = _DEVICE_CONTEXTS.get(device)
        if context is None:
            platform = "gpu" if device.platform == "gpu" else "cpu"
            context = Context(platform, _platform_devices(platform).index(device))
            _DEVICE_CONTEXTS[device] = context
        return context

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_typeid == other.device_typeid
                and self.device_id == other.device_id)

    def __hash__(self):
        return hash((self.device_typeid, self.device_id))

    def __repr__(self):
        return f"{self.device_type}({self.device_id})"

    def __reduce__(self):
        """Pickled and deep-copied by name: the jax.Device is looked up again on use."""
        return Context, (self.device_type, self.device_id)

    def __enter__(self):
        self._old_ctx = current_context()
        _current.value = self
        return self

    def __exit__(self, *exc):
        _current.value = self._old_ctx
        self._old_ctx = None

    def empty_cache(self):
        """Accepted for compatibility: XLA manages its own memory pool."""


def cpu(device_id=0):
    """The i-th CPU context (all map to the one host device unless several are configured)."""
    return Context("cpu", device_id)


def gpu(device_id=0):
    """The i-th GPU context."""
    return Context("gpu", device_id)


def cpu_pinned(device_id=0):
    """Pinned host memory in MXNet; an ordinary CPU context here."""
    return Context("cpu_pinned", device_id)


_DEFAULT = Context("cpu", 0)


def as_context(value):
    """A Context from a Context or its string form such as 'cpu(1)' (None stays None)."""
    if value is None or isinstance(value, Context):
        return value
    match = re.fullmatch(r"\s*(\w+)\((\d+)\)\s*", str(value))
    if match is None:
        raise MXNetError(f"invalid context {value!r}; expected a Context or a string like "
                         f"'cpu(0)'")
    return Context(match.group(1), int(match.group(2)))


def existing_or_cpu(ctx):
    """``ctx`` if its device exists here, else cpu(0): arrays pickled or saved on a GPU
    load on a machine without one."""
    try:
        ctx.jax_device
    except MXNetError:
        return _DEFAULT
    return ctx


def current_context():
    """The default context: set by ``with ctx:``, else cpu(0)."""
    ctx = getattr(_current, "value", None)
    return ctx if ctx is not None else _DEFAULT

"""mx.contrib.amp.amp: automatic mixed precision is not supported. The module exists so
that scripts importing it load; using any of its functions raises MXNetError. Cast
explicitly instead (``Symbol.astype`` / ``NDArray.astype``, ``Module(..., type_dict)``)."""
from ...base import MXNetError


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    raise MXNetError(f"mx.contrib.amp.{name}: automatic mixed precision (AMP) is not "
                     f"supported by symjax_mx; cast explicitly with astype instead")

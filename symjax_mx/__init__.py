"""symjax_mx: MXNet 1.x's Python programming model on JAX. ``import symjax_mx as mx``."""
import jax as _jax

# MXNet supports float64 and int64 arrays; JAX needs x64 mode for them. Every creation
# function passes explicit dtypes, so float32 stays the default.
_jax.config.update("jax_enable_x64", True)

# A worker started by symjax_mx.kv.launch joins the distributed runtime before JAX
# computes anything.
from .kv import dist as _dist  # noqa: E402
_dist.initialize_from_environment()

from . import (base, callback, checkpoint, context, initializer, io, kv,  # noqa: E402
               lr_scheduler, metric, model, module, monitor, name, ndarray, operator, ops,
               optimizer, random, symbol, test_utils, visualization)
from . import autograd  # noqa: E402
from . import gluon  # noqa: E402
from .attribute import AttrScope  # noqa: E402
from .base import MXNetError  # noqa: E402
from .context import Context, cpu, cpu_pinned, current_context, gpu  # noqa: E402

init = initializer
mod = module
nd = ndarray
sym = symbol
viz = visualization

__version__ = "0.1.0"
__all__ = ["AttrScope", "Context", "MXNetError", "base", "callback", "checkpoint", "context",
           "cpu", "cpu_pinned", "current_context", "gpu", "init", "initializer", "io", "kv",
           "lr_scheduler", "metric", "mod", "model", "module", "monitor", "name", "nd",
           "ndarray", "operator", "ops", "optimizer", "random", "sym", "symbol", "test_utils",
           "visualization", "viz"]

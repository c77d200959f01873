"""symjax_mx: MXNet 1.x's Python programming model on JAX. ``import symjax_mx as mx``."""
# float64 and int64 arrays need JAX's x64 mode: symjax_mx enters it only around its own
# calls into JAX (symjax_mx/x64.py), so importing it changes nothing in the user's JAX.

# MXNet scripts call logging.basicConfig(level=logging.DEBUG or INFO), where MXNet logs
# nothing of its internals; JAX's loggers would log every compile (DEBUG) and the missing
# TPU (INFO). They log from WARNING up unless the user set the 'jax' logger's level.
import logging as _logging  # noqa: E402
if _logging.getLogger("jax").level == _logging.NOTSET:
    _logging.getLogger("jax").setLevel(_logging.WARNING)

# Before JAX starts its threads: the opt-in pool of freed memory (symjax_mx/cpu_memory.py)
# and XLA's CPU thread pools sized by OMP_NUM_THREADS (symjax_mx/cpu_threads.py).
from . import cpu_memory, cpu_threads  # noqa: E402,F401

# A worker started by symjax_mx.kv.launch joins the distributed runtime before JAX
# computes anything.
from .kv import dist as _dist  # noqa: E402
_dist.initialize_from_environment()

from . import (base, callback, checkpoint, context, contrib, initializer, io, kv,  # noqa: E402
               lr_scheduler, metric, model, module, monitor, name, ndarray, operator, ops,
               optimizer, profiler, random, rnn, symbol, test_utils, visualization)
from . import engine, runtime, util  # noqa: E402
from . import _capi  # noqa: E402,F401  (registers MXNet's C API functions in mx.base._LIB)
from .util import (is_np_array, is_np_shape, np_array, np_shape, set_np, set_np_shape,  # noqa: E402
                   use_np, use_np_array, use_np_shape)
from . import autograd  # noqa: E402
from . import gluon  # noqa: E402
from . import image, recordio  # noqa: E402
from . import numpy as np, numpy_extension as npx  # noqa: E402
from .attribute import AttrScope  # noqa: E402
from .base import MXNetError  # noqa: E402
from .context import Context, cpu, cpu_pinned, current_context, gpu  # noqa: E402

init = initializer
mod = module
mon = monitor
nd = ndarray
sym = symbol
viz = visualization
img = image
kvstore = kv  # MXNet's module name; ``import mxnet.kvstore`` finds it too
__import__("sys").modules[__name__ + ".kvstore"] = kv

__version__ = "0.1.0"
__all__ = ["AttrScope", "Context", "MXNetError", "base", "callback", "checkpoint", "context",
           "contrib", "autograd", "gluon",
           "cpu", "cpu_pinned", "current_context", "gpu", "init", "initializer", "io", "kv",
           "kvstore",
           "lr_scheduler", "metric", "mod", "model", "mon", "module", "monitor", "name", "nd",
           "ndarray", "operator", "ops", "optimizer", "profiler", "random", "rnn", "sym", "symbol",
           "test_utils", "visualization", "viz", "engine", "runtime", "util", "is_np_array",
           "is_np_shape", "np_array", "np_shape", "set_np", "set_np_shape", "use_np",
           "use_np_array", "use_np_shape", "image", "img", "recordio", "np", "npx", "numpy",
           "numpy_extension"]

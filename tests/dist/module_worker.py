"""A dist_sync Module.fit worker for tests/test_kvstore_dist.py:
``module_worker.py OUT_DIR``. Worker r trains on rows r::N of each global batch and
writes OUT_DIR/rank<R>.npz with the final parameters and its last outputs."""
import os
import sys

import numpy as np

import symjax_mx as mx

out_dir = sys.argv[1]
rank = int(os.environ["SYMJAX_MX_RANK"])
workers = int(os.environ["SYMJAX_MX_NUM_WORKERS"])
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from test_module import BATCH, dataset, mlp  # noqa: E402

x, y = dataset(BATCH * 4)
local = BATCH // workers
# Global batch i is BATCH consecutive rows; this worker takes its contiguous share.
rows = np.concatenate([np.arange(i * BATCH + rank * local, i * BATCH + (rank + 1) * local)
                       for i in range(4)])
mx.random.seed(3 + rank)  # different initial values: worker 0's must win
mod = mx.mod.Module(mlp(batchnorm=True), context=mx.cpu(0))
mod.fit(mx.io.NDArrayIter(x[rows], y[rows], batch_size=local), num_epoch=2,
        kvstore="dist_sync", initializer=mx.init.Xavier(), optimizer="sgd",
        optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
arg, aux = mod.get_params()
np.savez(os.path.join(out_dir, f"rank{rank}.npz"),
         **{k: v.asnumpy() for k, v in {**arg, **aux}.items()})

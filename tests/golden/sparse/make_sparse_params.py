"""Writes sparse_arrays.params with real MXNet 1.9.1 (run with its interpreter):
a dict file of csr, row_sparse (with an explicit zero row and an empty one) and dense
arrays, which tests/test_sparse.py loads and checks."""
import os

import mxnet as mx
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
csr = mx.nd.sparse.csr_matrix(([1.5, 0.0, -2.0], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 4))
rsp = mx.nd.sparse.row_sparse_array((np.array([[1, 2], [0, 0]], np.float64), [1, 3]),
                                    shape=(5, 2), dtype=np.float64)
empty = mx.nd.sparse.zeros("row_sparse", (2, 3), dtype=np.int32)
mx.nd.save(os.path.join(here, "sparse_arrays.params"),
           {"csr": csr, "rsp": rsp, "empty": empty, "dense": mx.nd.arange(3)})

"""Writes stypes.json with real MXNet 1.9.1 (run with its interpreter): the storage type
of operator results for sparse / dense inputs, as [op, params, input stypes, input shapes,
result stype]; tests/test_sparse.py checks ndarray/storage.py's rules against it."""
import json
import os

import mxnet as mx

STYPES = ["default", "row_sparse", "csr"]
A = mx.nd.array([[0, 1, 0], [2, 0, 3]])
ROW, COL = mx.nd.array([[1, 2, 3]]), mx.nd.array([[1], [2]])
B = mx.nd.array([[1, 0], [0, 0], [3, 4]])
UNARY = ["abs", "sign", "round", "rint", "ceil", "floor", "trunc", "fix", "square", "sqrt",
         "sin", "tan", "arcsin", "arctan", "sinh", "tanh", "arcsinh", "arctanh", "expm1",
         "log1p", "relu", "degrees", "radians", "negative", "cbrt", "exp", "log", "cos", "cosh",
         "rsqrt", "sigmoid", "gamma", "gammaln", "arccos", "zeros_like", "ones_like",
         "BlockGrad", "make_loss", "erf", "transpose", "reciprocal", "softsign"]
BINARY = ["elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "_equal",
          "_greater", "_lesser", "_not_equal", "_power", "_maximum", "_minimum", "_grad_add",
          "_hypot"]
BROADCAST = ["broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div",
             "broadcast_equal", "broadcast_greater"]
SCALAR = ["_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
          "_rdiv_scalar", "_power_scalar", "_rpower_scalar", "_equal_scalar",
          "_not_equal_scalar", "_greater_scalar", "_lesser_scalar", "_greater_equal_scalar",
          "_lesser_equal_scalar", "_maximum_scalar", "_minimum_scalar", "_mod_scalar"]
rows = []


def fn(name):
    return getattr(mx.nd, name) if hasattr(mx.nd, name) else getattr(mx.nd._internal, name)


def record(name, params, inputs, call=None):
    try:
        out = (call or (lambda: fn(name)(*inputs, **params)))()
        out.wait_to_read()
    except mx.base.MXNetError:
        return  # MXNet has no kernel for these storage types
    rows.append([name, params, [x.stype for x in inputs], [list(x.shape) for x in inputs],
                 out.stype])


for s in STYPES[1:]:
    x = A.tostype(s)
    for name in UNARY:
        record(name, {}, [x])
    for name in SCALAR:
        for scalar in [0.0, 1.0, -1.0, 0.5]:
            record(name, {"scalar": scalar}, [x])
    for name in BROADCAST:
        for other in (ROW, COL, x):
            record(name, {}, [x, other])
    for name in ["sum", "mean", "norm"]:
        for params in [{"axis": 0}, {"axis": 1}, {}]:
            record(name, params, [x])
    for params in [{"axis": [1], "keepdims": True}, {"axis": [0]}]:
        record("_square_sum", params, [x], lambda: mx.nd._internal._square_sum(x, **params))
    record("clip", {"a_min": -1.0, "a_max": 2.0}, [x])
    record("slice", {"begin": [0], "end": [1]}, [x])
    record("slice", {"begin": [0, 0], "end": [1, 2]}, [x])
    record("slice", {"begin": [0], "end": [2], "step": [2]}, [x])
    record("Concat", {"dim": 0, "num_args": 2}, [x, x], lambda: mx.nd.concat(x, x, dim=0))
    record("Concat", {"dim": 1, "num_args": 2}, [x, x], lambda: mx.nd.concat(x, x, dim=1))
    record("where", {}, [x, A, A])
    record("add_n", {"num_args": 2}, [x, x])
    record("add_n", {"num_args": 2}, [x, A])
    record("cast_storage", {"stype": "default"}, [x])
for s1 in STYPES:
    for s2 in STYPES:
        for name in BINARY:
            record(name, {}, [A.tostype(s1), A.tostype(s2)])
        for ta in [False, True]:
            for tb in [False, True]:
                lhs = (A.T if ta else A).tostype(s1)
                rhs = (B.T if tb else B).tostype(s2)
                for fwd in [None, "default", "csr", "row_sparse"]:
                    params = {"transpose_a": ta, "transpose_b": tb}
                    if fwd:
                        params["forward_stype"] = fwd
                    record("dot", params, [lhs, rhs])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "stypes.json"), "w") as f:
    json.dump(rows, f, separators=(",", ":"))

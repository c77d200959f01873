"""Write golden.npz: MXNet 1.9.1's optimizer update operators (for
tests/test_ops_optimizer_update.py). Run with the real MXNet::

    /tmp/mxref/bin/python tests/golden/optimizer_update/make_golden.py

Every case in CASES calls ``mx.nd.<op>(*arrays, out=arrays[out], **params)`` ``steps``
times on float32 arrays of shape (2, 3) (the weight and the gradient float16 for ``mp_``
operators, whose weight32 starts as the weight's float32 copy), with a fresh gradient ``grad`` each step and
``t = step + 1`` where the operator takes one. Stored: ``<case>/<array>/init``,
``<case>/grad/<step>`` and ``<case>/<array>`` (the final value of every array), and
``cases`` (this list, as JSON).
"""
import json
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ALL = {"lr": 0.1, "wd": 0.05, "rescale_grad": 0.5, "clip_gradient": 0.3}

# (operator, arrays in call order, params, array receiving the output, steps)
CASES = [
    ("sgd_update", ["weight", "grad"], {"lr": 0.1}, "weight", 2),
    ("sgd_update", ["weight", "grad"], ALL, "weight", 2),
    ("sgd_mom_update", ["weight", "grad", "mom"], {**ALL, "momentum": 0.9}, "weight", 3),
    ("mp_sgd_update", ["weight", "grad", "weight32"], ALL, "weight", 2),
    ("mp_sgd_mom_update", ["weight", "grad", "mom", "weight32"], {**ALL, "momentum": 0.9},
     "weight", 2),
    ("nag_mom_update", ["weight", "grad", "mom"], {**ALL, "momentum": 0.9}, "weight", 3),
    ("mp_nag_mom_update", ["weight", "grad", "mom", "weight32"], {"lr": 0.1, "momentum": 0.5},
     "weight", 2),
    ("signsgd_update", ["weight", "grad"], {"lr": 0.1, "wd": 0.05}, "weight", 2),
    ("signum_update", ["weight", "grad", "mom"], {**ALL, "momentum": 0.9, "wd_lh": 0.01},
     "weight", 3),
    ("adam_update", ["weight", "grad", "mean", "var"], {**ALL, "beta1": 0.8, "epsilon": 1e-6},
     "weight", 3),
    ("rmsprop_update", ["weight", "grad", "n"], {**ALL, "gamma1": 0.9, "clip_weights": 0.6},
     "weight", 3),
    ("rmspropalex_update", ["weight", "grad", "n", "g", "delta"],
     {**ALL, "gamma1": 0.9, "gamma2": 0.8}, "weight", 3),
    ("ftrl_update", ["weight", "grad", "z", "n"], {**ALL, "lamda1": 0.01, "beta": 1.5},
     "weight", 3),
    ("ftml_update", ["weight", "grad", "d", "v", "z"],
     {"lr": 0.1, "wd": 0.05, "rescale_grad": 0.5, "clip_grad": 0.3, "beta1": 0.6},
     "weight", 3),
    ("lamb_update_phase1", ["weight", "grad", "mean", "var"],
     {"wd": 0.05, "rescale_grad": 0.5, "clip_gradient": 0.3}, "g", 2),
    ("lamb_update_phase1", ["weight", "grad", "mean", "var"],
     {"wd": 0.0, "bias_correction": False}, "g", 1),
    ("lamb_update_phase2", ["weight", "g", "r1", "r2"], {"lr": 0.1}, "weight", 1),
    ("lamb_update_phase2", ["weight", "g", "r1", "r2"],
     {"lr": 0.1, "lower_bound": 2.0, "upper_bound": 3.0}, "weight", 1),
]
TAKES_T = ("ftml_update", "lamb_update_phase1")


def initial(case_index, name, op, rng):
    if name in ("r1", "r2"):
        return rng.uniform(0.5, 4.0, (1,)).astype(np.float32)
    values = rng.uniform(-1, 1, (2, 3)).astype(np.float32)
    if name in ("n", "v", "var"):
        return np.abs(values)
    return values.astype(np.float16) if op.startswith("mp_") and name == "weight" else values


def main():
    golden = {}
    for index, (op, names, params, out, steps) in enumerate(CASES):
        rng = np.random.RandomState(index)
        arrays = {n: initial(index, n, op, rng) for n in names if n != "grad"}
        if "weight32" in arrays:
            arrays["weight32"] = arrays["weight"].astype(np.float32)
        if out not in arrays:
            arrays[out] = np.zeros((2, 3), np.float32)
        for name, value in arrays.items():
            golden[f"{index}/{name}/init"] = value
        nd = {n: mx.nd.array(v, dtype=v.dtype) for n, v in arrays.items()}
        for step in range(steps):
            if "grad" in names:
                grad = rng.uniform(-2, 2, (2, 3)).astype(arrays["weight"].dtype)
                golden[f"{index}/grad/{step}"] = grad
                nd["grad"] = mx.nd.array(grad, dtype=grad.dtype)
            extra = {"t": step + 1} if op in TAKES_T else {}
            getattr(mx.nd, op)(*[nd[n] for n in names], out=nd[out], **params, **extra)
        for name, value in nd.items():
            if name != "grad":
                golden[f"{index}/{name}"] = value.asnumpy()
    golden["cases"] = np.array(json.dumps(CASES))
    np.savez_compressed(os.path.join(HERE, "golden.npz"), **golden)


if __name__ == "__main__":
    main()

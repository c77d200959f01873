"""Generate golden.json for tests/test_metric.py with real MXNet 1.9.1.

Run with the MXNet reference interpreter:  /tmp/mxref/bin/python make_golden.py

Each case creates a metric with ``mx.metric.create(*args, **kwargs)``, feeds it a few
batches (lists of label and prediction arrays) and records, after every update, the
local and global (name, value) results; ``reset_local`` is called before the last batch.
``errors`` records which exception type MXNet raises for bad inputs.
"""
import json
import os

import mxnet as mx
import numpy as np

rng = np.random.RandomState(7)


def probs(n, c):
    p = rng.rand(n, c).astype(np.float32) + 0.05
    return p / p.sum(axis=1, keepdims=True)


def classes(n, c):
    return rng.randint(0, c, size=n).astype(np.float32)


def reals(*shape):
    return rng.randn(*shape).astype(np.float32)


def classify(n, c, batches=3, outputs=1):
    return [([classes(n, c) for _ in range(outputs)], [probs(n, c) for _ in range(outputs)])
            for _ in range(batches)]


def regress(shape, batches=3):
    return [([reals(*shape)], [reals(*shape)]) for _ in range(batches)]


def perplexity_batches():
    out = []
    for _ in range(3):
        label = classes(8, 5)
        label[rng.rand(8) < 0.3] = -1
        label[0] = 7  # out of range: pick clips it to the last class
        out.append(([label], [probs(8, 5)]))
    return out


def pcc_batches():
    return [([np.array([0, 1, 1, 0, 1, 0], np.float32)], [probs(6, 2)]),
            ([classes(10, 4)], [probs(10, 4)]),
            ([np.array([2, 0, 1, 2], np.float32)], [np.array([2, 0, 0, 2], np.float32)])]


CASES = [
    ("acc", ["acc"], {}, classify(6, 4, outputs=2)),
    ("acc_same_shape", ["accuracy"], {}, [([classes(7, 3)], [classes(7, 3)]) for _ in range(3)]),
    ("acc_axis0", ["acc"], {"axis": 0, "name": "acc0"},
     [([classes(5, 3)], [probs(5, 3).T.copy()]) for _ in range(3)]),
    ("top_k", ["top_k_accuracy"], {"top_k": 3}, classify(9, 6)),
    ("f1_macro", ["f1"], {}, classify(10, 2)),
    ("f1_micro", ["F1"], {"average": "micro"}, classify(10, 2)),
    ("mcc_macro", ["mcc"], {}, classify(12, 2)),
    ("mcc_micro", ["mcc"], {"average": "micro"}, classify(12, 2)),
    ("perplexity", ["perplexity"], {"ignore_label": -1}, perplexity_batches()),
    ("perplexity_all", ["Perplexity", None], {"axis": 1}, classify(6, 4)),
    ("mae", ["mae"], {}, regress((5,))),
    ("mse", ["mse"], {}, regress((4, 3))),
    ("rmse", ["rmse"], {}, regress((6,))),
    ("ce", ["ce"], {}, classify(7, 5)),
    ("ce_eps", ["CrossEntropy"], {"eps": 1e-3}, classify(4, 3)),
    ("nll", ["nll_loss"], {}, classify(7, 5, outputs=2)),
    ("pearsonr_macro", ["pearsonr"], {}, regress((8,))),
    ("pearsonr_micro", ["pearsonr"], {"average": "micro"}, regress((3, 4))),
    ("pcc", ["pcc"], {}, pcc_batches()),
    ("loss", ["loss"], {}, [([], [reals(5), reals(2, 3)]) for _ in range(3)]),
    ("composite", [["acc", "f1", "mse"]], {}, classify(6, 2)),
]


def pair(result):
    name, value = result
    if isinstance(value, list):
        value = [float(v) for v in value]
    else:
        value = float(value)
    return [name, value]


def run_case(args, kwargs, batches):
    metric = mx.metric.create(*args, **kwargs)
    results = []
    for i, (labels, preds) in enumerate(batches):
        if i == len(batches) - 1:
            metric.reset_local()
            results.append({"after_reset_local": pair(metric.get()),
                            "global": pair(metric.get_global())})
        metric.update([mx.nd.array(a) for a in labels], [mx.nd.array(a) for a in preds])
        results.append({"local": pair(metric.get()), "global": pair(metric.get_global()),
                        "name_value": [pair(p) for p in metric.get_name_value()]})
    config = metric.get_config()
    config.pop("metrics", None)
    return results, config


def error_of(fn):
    try:
        fn()
    except Exception as err:  # noqa: BLE001 - we record which type MXNet raises
        return type(err).__name__
    return None


A = mx.nd.array
A2 = A([[0.2, 0.8], [0.1, 0.9]])
ERRORS = {
    "acc_count": lambda: mx.metric.Accuracy().update([A([0, 1]), A([1, 0])], [A2]),
    "acc_length": lambda: mx.metric.Accuracy().update([A([0, 1, 1])], [A2]),
    "top_k_1": lambda: mx.metric.TopKAccuracy(top_k=1),
    "top_k_too_big": lambda: mx.metric.TopKAccuracy(top_k=5).update([A([0, 1])], [A(np.eye(2))]),
    "f1_multiclass": lambda: mx.metric.F1().update([A([0, 1, 2])], [A(np.eye(3))]),
    "f1_length": lambda: mx.metric.F1().update([A([0, 1, 1])], [A2]),
    "perplexity_count": lambda: mx.metric.Perplexity(None).update([A([0]), A([1])],
                                                                  [A([[0.5, 0.5]])]),
    "perplexity_size": lambda: mx.metric.Perplexity(None).update([A([0, 1])], [A([[0.5, 0.5]])]),
    "mse_count": lambda: mx.metric.MSE().update([A([1.0])], [A([1.0]), A([2.0])]),
    "ce_length": lambda: mx.metric.CrossEntropy().update([A([0, 1, 1])], [A2]),
    "pearsonr_shape": lambda: mx.metric.PearsonCorrelation().update([A([1, 2, 3])],
                                                                    [A([[1, 2, 3]])]),
    "custom_count": lambda: mx.metric.np(lambda l, p: 0.0).update([A([1])], []),
    "unknown_name": lambda: mx.metric.create("no_such_metric"),
    "instance_with_args": lambda: mx.metric.create(mx.metric.Accuracy(), axis=0),
}


def main():
    cases = {}
    for key, args, kwargs, batches in CASES:
        results, config = run_case(args, kwargs, batches)
        cases[key] = {
            "args": args, "kwargs": kwargs, "config": config, "results": results,
            "batches": [[[a.tolist() for a in labels], [a.tolist() for a in preds]]
                        for labels, preds in batches],
        }
    golden = {"mxnet": mx.__version__, "cases": cases,
              "errors": {k: error_of(fn) for k, fn in ERRORS.items()}}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()

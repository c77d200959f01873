"""Write golden.npz: MXNet 1.9.1's optimizer updates (for tests/test_optimizer.py), and
lr_scheduler.json: its learning-rate schedules (for tests/test_lr_scheduler.py). Run with
the real MXNet::

    /tmp/mxref/bin/python tests/golden/optimizer/make_golden.py

Every case in CASES creates ``mx.optimizer.create(opt, **kwargs)`` (plus an lr_scheduler,
``param_idx2name`` and a ``sym`` of Variables carrying lr_mult / wd_mult where the case says
so), creates the states with ``create_state_multi_precision`` and applies ``steps`` updates to
every parameter, either with ``opt.update_multi_precision(i, w, g, state)`` per parameter or,
for ``updater`` cases, with ``get_updater(opt)(indices, grads, weights)`` (MXNet's aggregated
multi-tensor kernels for SGD and LAMB). Stored: ``<id>/w<p>/init``, ``<id>/g<p>/<step>`` (the
inputs), ``<id>/w<p>`` (the final weight) and ``<id>/s<p>/<j>`` (the state's NDArrays in
order, None skipped), and ``cases`` (this list, as JSON).

lr_scheduler.json holds, per scheduler in SCHEDULERS, the rates a fresh scheduler returns
when called with CALLS in order (the update numbers rise, then jump back and ahead: MXNet's
Factor and MultiFactor schedulers keep state), and the rates of fresh schedulers whose first
call is update RESUME (a resumed run).

MXNet 1.9.1 has no AdamW optimizer; ``AdamW`` below reproduces MXNet 2's AdamW (its fused
step) on 1.9.1's ``contrib.adamw_update`` kernel.
"""
import json
import math
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
W_B = [["fc_weight", [2, 3]], ["fc_bias", [3]]]
ONE = [["w", [2, 3]]]
ALL = {"wd": 0.05, "rescale_grad": 0.5, "clip_gradient": 0.3}

CASES = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, **ALL}),
    ("sgd", {"wd": 0.1, "clip_gradient": 0.2, "learning_rate": 0.1}),
    ("nag", {"momentum": 0.9, **ALL}),
    ("nag", {"wd": 0.1, "rescale_grad": 2.0}),
    ("signum", {}),
    ("signum", {"momentum": 0.0, "wd": 0.1}),
    ("signum", {"wd_lh": 0.1, **ALL}),
    ("adam", {}),
    ("adam", {"learning_rate": 0.01, **ALL}),
    ("adamw", {}),
    ("adamw", {"learning_rate": 0.01, **ALL}),
    ("adamw", {"correct_bias": False, "wd": 0.1}),
    ("adamax", {}),
    ("adamax", ALL),
    ("nadam", {}),
    ("nadam", ALL),
    ("adagrad", {}),
    ("adagrad", {"learning_rate": 0.1, **ALL}),
    ("rmsprop", {}),
    ("rmsprop", {"clip_weights": 0.5, **ALL}),
    ("rmsprop", {"centered": True, "clip_weights": 0.5, **ALL}),
    ("adadelta", {}),
    ("adadelta", ALL),
    ("ftrl", {}),
    ("ftrl", {"lamda1": 0.1, **ALL}),
    ("ftml", {}),
    ("ftml", {"learning_rate": 0.1, **ALL}),
    ("lamb", {}),
    ("lamb", {"lower_bound": 0.1, "upper_bound": 1.2, **ALL}),
    ("lamb", {"bias_correction": False, "wd": 0.1}),
]
CASES = [{"opt": opt, "kwargs": kwargs, "params": ONE} for opt, kwargs in CASES]
CASES += [
    # weight decay only on *_weight names (param_idx2name), lr_mult / wd_mult attributes
    {"opt": "sgd", "kwargs": {"momentum": 0.9, "wd": 0.1, "learning_rate": 0.1},
     "params": W_B, "idx2name": True, "sym_attrs": {"fc_weight": {"lr_mult": 2.0}}},
    {"opt": "adam", "kwargs": {"wd": 0.1}, "params": W_B, "idx2name": True,
     "sym_attrs": {"fc_weight": {"wd_mult": 0.5}, "fc_bias": {"lr_mult": 0.5}}},
    # learning-rate schedule and a resumed update count
    {"opt": "adam", "kwargs": {"begin_num_update": 3}, "params": W_B,
     "scheduler": ["FactorScheduler", {"step": 2, "factor": 0.5, "base_lr": 0.01}]},
    {"opt": "sgd", "kwargs": {"momentum": 0.5}, "params": W_B,
     "scheduler": ["MultiFactorScheduler", {"step": [1, 3], "factor": 0.1, "base_lr": 0.1}]},
    # the Updater (aggregated kernels for SGD and LAMB)
    {"opt": "sgd", "kwargs": {"momentum": 0.9, **ALL}, "params": W_B, "idx2name": True,
     "updater": True},
    {"opt": "lamb", "kwargs": ALL, "params": W_B, "updater": True},
    {"opt": "rmsprop", "kwargs": {"centered": True}, "params": W_B, "updater": True},
    # float16 weights with a float32 master copy
    {"opt": "sgd", "kwargs": {"momentum": 0.9, "multi_precision": True, **ALL},
     "params": ONE, "dtype": "float16"},
    {"opt": "adam", "kwargs": {"multi_precision": True, "learning_rate": 0.01},
     "params": ONE, "dtype": "float16"},
    # optimizers MXNet writes in Python (DCASGD with momentum fails on MXNet: `if mom:`)
    {"opt": "dcasgd", "kwargs": {}, "params": ONE},
    {"opt": "dcasgd", "kwargs": {"lamda": 0.5, **ALL}, "params": ONE},
    {"opt": "groupadagrad", "kwargs": {"learning_rate": 0.1, "rescale_grad": 0.5,
                                       "clip_gradient": 0.3}, "params": ONE},
    {"opt": "lars", "kwargs": {"eta": 0.1}, "params": ONE},
    {"opt": "lars", "kwargs": {"momentum": 0.9, "eta": 0.01, **ALL}, "params": W_B,
     "idx2name": True},
    {"opt": "lars", "kwargs": {"momentum": 0.9, "eta": 0.05}, "params": W_B,
     "scheduler": ["FactorScheduler", {"step": 2, "factor": 0.5, "base_lr": 0.1}]},
]
STEPS = 4

SCHEDULERS = [
    ["FactorScheduler", {"step": 3, "factor": 0.5, "stop_factor_lr": 0.1, "base_lr": 1.0}],
    ["FactorScheduler", {"step": 2, "factor": 0.9, "base_lr": 0.5, "warmup_steps": 4,
                         "warmup_begin_lr": 0.1}],
    ["FactorScheduler", {"step": 2, "factor": 0.9, "base_lr": 0.5, "warmup_steps": 3,
                         "warmup_begin_lr": 0.1, "warmup_mode": "constant"}],
    ["MultiFactorScheduler", {"step": [2, 5, 9], "factor": 0.1, "base_lr": 1.0}],
    ["MultiFactorScheduler", {"step": [6, 8], "factor": 0.5, "base_lr": 0.2, "warmup_steps": 4}],
    ["PolyScheduler", {"max_update": 10, "base_lr": 1.0, "pwr": 2, "final_lr": 0.1}],
    ["PolyScheduler", {"max_update": 12, "base_lr": 0.5, "pwr": 1, "warmup_steps": 3,
                       "warmup_begin_lr": 0.05}],
    ["CosineScheduler", {"max_update": 10, "base_lr": 1.0, "final_lr": 0.1}],
    ["CosineScheduler", {"max_update": 12, "base_lr": 0.5, "warmup_steps": 3,
                         "warmup_begin_lr": 0.05, "warmup_mode": "constant"}],
]
CALLS = list(range(16)) + [13, 20, 30, 2]
RESUME = 11


@mx.optimizer.register
class AdamW(mx.optimizer.Optimizer):
    """MXNet 2's AdamW (fused step) on MXNet 1.9.1's adamw_update kernel."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 correct_bias=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.epsilon = beta1, beta2, epsilon
        self.correct_bias = correct_bias

    def create_state(self, index, weight):
        return (mx.nd.zeros(weight.shape, weight.context, dtype=weight.dtype),
                mx.nd.zeros(weight.shape, weight.context, dtype=weight.dtype))

    def update(self, index, weight, grad, state):
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        if self.correct_bias:
            lr *= math.sqrt(1. - self.beta2 ** t) / (1. - self.beta1 ** t)
        kwargs = {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon}
        if self.clip_gradient:
            kwargs["clip_gradient"] = self.clip_gradient
        rescale = mx.nd.full((1,), self.rescale_grad, ctx=weight.context)
        mx.nd.contrib.adamw_update(weight, grad, state[0], state[1], rescale, lr=1, eta=lr,
                                   wd=wd, out=weight, **kwargs)


def leaves(state):
    if state is None:
        return []
    if isinstance(state, mx.nd.NDArray):
        return [state.asnumpy()]
    return [a for s in state for a in leaves(s)]


def run(case_id, case, rng, out):
    dtype = case.get("dtype", "float32")
    kwargs = dict(case["kwargs"])
    names = [name for name, _ in case["params"]]
    if case.get("idx2name"):
        kwargs["param_idx2name"] = dict(enumerate(names))
    if case.get("sym_attrs"):
        kwargs["sym"] = mx.sym.Group([mx.sym.Variable(n, **case["sym_attrs"].get(n, {}))
                                      for n in names])
    if case.get("scheduler"):
        klass, sched_kwargs = case["scheduler"]
        kwargs["lr_scheduler"] = getattr(mx.lr_scheduler, klass)(**sched_kwargs)
    opt = mx.optimizer.create(case["opt"], **kwargs)
    weights = []
    for p, (_, shape) in enumerate(case["params"]):
        init = rng.standard_normal(shape).astype(dtype)
        out[f"{case_id}/w{p}/init"] = init
        weights.append(mx.nd.array(init, dtype=dtype))
    grads = [[rng.standard_normal(shape).astype(dtype) for _, shape in case["params"]]
             for _ in range(STEPS)]
    for k, step_grads in enumerate(grads):
        for p, g in enumerate(step_grads):
            out[f"{case_id}/g{p}/{k}"] = g
    indices = list(range(len(weights)))
    if case.get("updater"):
        updater = mx.optimizer.get_updater(opt)
        for step_grads in grads:
            updater(indices, [mx.nd.array(g, dtype=dtype) for g in step_grads], weights)
        states = [updater.states[i] for i in indices]
    else:
        states = [opt.create_state_multi_precision(i, w) for i, w in zip(indices, weights)]
        for step_grads in grads:
            for i, w, g, s in zip(indices, weights, step_grads, states):
                opt.update_multi_precision(i, w, mx.nd.array(g, dtype=dtype), s)
    for p, (w, s) in enumerate(zip(weights, states)):
        out[f"{case_id}/w{p}"] = w.asnumpy()
        for j, a in enumerate(leaves(s)):
            out[f"{case_id}/s{p}/{j}"] = a


def schedules():
    out = []
    for klass, kwargs in SCHEDULERS:
        sched = getattr(mx.lr_scheduler, klass)(**kwargs)
        resumed = getattr(mx.lr_scheduler, klass)(**kwargs)
        out.append({"class": klass, "kwargs": kwargs, "calls": CALLS,
                    "lrs": [sched(n) for n in CALLS],
                    "resume": RESUME, "resume_lr": resumed(RESUME)})
    with open(os.path.join(HERE, "lr_scheduler.json"), "w") as f:
        f.write("[\n" + ",\n".join(json.dumps(entry) for entry in out) + "\n]\n")


def main():
    schedules()
    rng = np.random.default_rng(0)
    out = {}
    for n, case in enumerate(CASES):
        case["id"] = f"{n:02d}_{case['opt']}"
        run(case["id"], case, rng, out)
    out["cases"] = np.array(json.dumps(CASES))
    np.savez_compressed(os.path.join(HERE, "golden.npz"), **out)


if __name__ == "__main__":
    main()

"""mx.lr_scheduler against MXNet 1.9.1's rates (tests/golden/optimizer/make_golden.py)."""
import json
import os

import jax
import numpy as np
import pytest

from symjax_mx import x64, lr_scheduler

with open(os.path.join(os.path.dirname(__file__), "golden", "optimizer",
                       "lr_scheduler.json")) as f:
    GOLDEN = json.load(f)
IDS = [f"{i}_{entry['class']}" for i, entry in enumerate(GOLDEN)]


def make(entry):
    return getattr(lr_scheduler, entry["class"])(**entry["kwargs"])


@pytest.mark.parametrize("entry", GOLDEN, ids=IDS)
def test_rates_match_mxnet(entry):
    sched = make(entry)
    lrs = [sched(n) for n in entry["calls"]]
    np.testing.assert_allclose(lrs, entry["lrs"], rtol=1e-12)
    assert all(isinstance(lr, float) for lr in lrs)
    assert make(entry)(entry["resume"]) == pytest.approx(entry["resume_lr"], rel=1e-12)


@pytest.mark.parametrize("entry", GOLDEN, ids=IDS)
def test_pure_schedule_matches_rising_calls(entry):
    calls = np.array(entry["calls"])
    rising = int(np.argmax(np.diff(calls) < 0)) + 1  # the non-decreasing prefix
    schedule = jax.jit(make(entry).as_optax_schedule())
    with x64.scope():  # the pure form computes in the caller's precision
        lrs = [float(schedule(n)) for n in calls[:rising]]
    # XLA may turn a division into a multiplication: equal up to float64 rounding
    np.testing.assert_allclose(lrs, entry["lrs"][:rising], rtol=1e-12, atol=1e-15)


def test_pure_schedule_continues_from_state():
    sched = lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    sched(7)  # three decays so far
    schedule = sched.as_optax_schedule()
    assert [float(schedule(n)) for n in (7, 8, 9, 11)] == [sched(n) for n in (7, 8, 9, 11)]
    with pytest.raises(NotImplementedError, match="no pure form"):
        lr_scheduler.LRScheduler().as_optax_schedule()


def test_warmup():
    sched = lr_scheduler.FactorScheduler(step=2, warmup_steps=3, warmup_begin_lr=0.01,
                                         base_lr=0.1)
    assert sched.get_warmup_lr(1) == pytest.approx(0.01 + 0.09 / 3)
    with pytest.raises(AssertionError):
        sched.get_warmup_lr(3)
    with pytest.raises(NotImplementedError, match="must override"):
        lr_scheduler.LRScheduler()(3)


@pytest.mark.parametrize("klass, kwargs, error", [
    ("LRScheduler", {"base_lr": 0.1, "warmup_begin_lr": 0.2}, ValueError),
    ("LRScheduler", {"warmup_steps": -1}, ValueError),
    ("LRScheduler", {"warmup_steps": 1.5}, AssertionError),
    ("LRScheduler", {"warmup_mode": "cosine"}, ValueError),
    ("FactorScheduler", {"step": 0}, ValueError),
    ("FactorScheduler", {"step": 2, "factor": 1.5}, ValueError),
    ("MultiFactorScheduler", {"step": [3, 2]}, ValueError),
    ("MultiFactorScheduler", {"step": [0, 2]}, ValueError),
    ("MultiFactorScheduler", {"step": 5}, AssertionError),
    ("MultiFactorScheduler", {"step": []}, AssertionError),
    ("MultiFactorScheduler", {"step": [2], "factor": 2}, ValueError),
    ("PolyScheduler", {"max_update": 0}, ValueError),
    ("PolyScheduler", {"max_update": 2.0}, AssertionError),
    ("CosineScheduler", {"max_update": 0}, ValueError),
    ("CosineScheduler", {"max_update": 2.0}, AssertionError),
])
def test_bad_arguments_raise_like_mxnet(klass, kwargs, error):
    with pytest.raises(error):
        getattr(lr_scheduler, klass)(**kwargs)

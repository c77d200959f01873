"""Helpers for tests of compiled programs: counting XLA compiles, recording the programs
run, filling a bound executor with random values, and evaluating its graph operator by
operator as given."""
import threading

import jax
import numpy as np

import symjax_mx as mx
from symjax_mx import x64

_counting = threading.local()


def _on_duration(event, duration, **_):
    if event == "/jax/core/compile/backend_compile_duration" and \
            getattr(_counting, "compiles", None) is not None:
        _counting.compiles += 1


jax.monitoring.register_event_duration_secs_listener(_on_duration)


def compiles(fn):
    """The number of XLA programs compiled while ``fn()`` runs (and its result)."""
    _counting.compiles = 0
    try:
        result = fn()
        mx.nd.waitall()
        return _counting.compiles, result
    finally:
        _counting.compiles = None


def program_calls(monkeypatch):
    """A list that receives (function name, arguments) of each jitted program run from now
    on (not of those traced inside another)."""
    calls = []
    original = x64._call

    def recording(fn, args, kwargs):
        traced = any(isinstance(leaf, jax.core.Tracer)
                     for leaf in jax.tree_util.tree_leaves(args))
        if hasattr(fn, "lower") and not traced:
            calls.append((getattr(fn, "__name__", repr(fn)), args))
        return original(fn, args, kwargs)
    monkeypatch.setattr(x64, "_call", recording)
    return calls


def bound_with_values(symbol, shape):
    """``symbol`` bound for inference on ``data`` of ``shape``, arguments and auxiliary
    states uniform in [-1, 1) (variances in [0.5, 1))."""
    exe = symbol.simple_bind(mx.cpu(), grad_req="null", data=shape)
    rng = np.random.default_rng(0)
    for name, arr in {**exe.arg_dict, **exe.aux_dict}.items():
        arr[:] = rng.uniform(0.5 if name.endswith("var") else -1, 1, arr.shape)
    return exe


def as_given(exe):
    """The inference outputs of evaluating every operator of ``exe``'s graph as given (its
    own layout, BatchNorm on its own)."""
    lowered = exe.programs.graph
    args = {n: a.asjax() for n, a in exe.arg_dict.items()}
    aux = {n: a.asjax() for n, a in exe.aux_dict.items()}
    values = {}
    lowered.evaluate(lowered.nodes, values, args, aux, jax.random.key(0), False)
    return [np.asarray(values[id(n)][i]) for n, i in lowered.heads]

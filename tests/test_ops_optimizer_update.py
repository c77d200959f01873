"""MXNet's optimizer update operators: golden values from MXNet 1.9.1
(tests/golden/optimizer_update/make_golden.py), in-place state updates, errors."""
import json
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "optimizer_update",
                              "golden.npz"))
CASES = json.loads(str(GOLDEN["cases"]))
TAKES_T = ("ftml_update", "lamb_update_phase1")


@pytest.mark.parametrize("index", range(len(CASES)),
                         ids=[f"{i}-{case[0]}" for i, case in enumerate(CASES)])
def test_update_matches_mxnet(index):
    op, names, params, out, steps = CASES[index]
    arrays = {n: mx.nd.array(GOLDEN[f"{index}/{n}/init"], dtype=GOLDEN[f"{index}/{n}/init"].dtype)
              for n in [*names, out] if n != "grad"}
    for step in range(steps):
        if "grad" in names:
            grad = GOLDEN[f"{index}/grad/{step}"]
            arrays["grad"] = mx.nd.array(grad, dtype=grad.dtype)
        extra = {"t": step + 1} if op in TAKES_T else {}
        result = getattr(mx.nd, op)(*[arrays[n] for n in names], out=arrays[out], **params,
                                    **extra)
        assert result is arrays[out]
    for name, value in arrays.items():
        if name != "grad":
            expected = GOLDEN[f"{index}/{name}"]
            assert value.dtype == expected.dtype, name
            tol = 1e-3 if expected.dtype == np.float16 else 1e-5
            np.testing.assert_allclose(value.asnumpy(), expected, rtol=tol, atol=tol,
                                       err_msg=f"{op}: {name}")


def test_without_out_the_weight_is_kept_and_the_states_are_updated():
    weight, grad, mom = mx.nd.ones((2,)), mx.nd.ones((2,)), mx.nd.zeros((2,))
    new = mx.nd.sgd_mom_update(weight, grad, mom, lr=0.1, momentum=0.9, wd=0.1)
    np.testing.assert_allclose(new.asnumpy(), [0.89, 0.89], rtol=1e-6)
    np.testing.assert_allclose(weight.asnumpy(), [1, 1])
    np.testing.assert_allclose(mom.asnumpy(), [-0.11, -0.11], rtol=1e-6)


def test_mp_update_keeps_the_float32_master_copy():
    weight = mx.nd.array([1.0, 2.0], dtype=np.float16)
    weight32 = weight.astype(np.float32)
    grad = mx.nd.array([1e-4, 1e-4], dtype=np.float16)
    for _ in range(3):
        mx.nd.mp_sgd_update(weight, grad, weight32, lr=1.0, out=weight)
    np.testing.assert_allclose(weight32.asnumpy(), [1 - 3e-4, 2 - 3e-4], rtol=1e-6)
    assert weight.dtype == np.float16


def test_symbol_lists_the_states_as_auxiliary_states():
    sym = mx.sym.adam_update(mx.sym.var("w"), mx.sym.var("g"), mx.sym.var("m"),
                             mx.sym.var("v"), lr=0.1)
    assert sym.list_arguments() == ["w", "g"]
    assert sym.list_auxiliary_states() == ["m", "v"]


@pytest.mark.parametrize("call, message", [
    (lambda w, g, m: mx.nd.sgd_update(w, g), "required parameter lr"),
    (lambda w, g, m: mx.nd.sgd_mom_update(w, g, mx.nd.zeros((3,)), lr=0.1), "mom has shape"),
    (lambda w, g, m: mx.nd.mp_sgd_update(w, g, m, lr=0.1), "weight32 must be float32"),
    (lambda w, g, m: mx.nd.sgd_update(w, g, lr=0.1, momentum=0.9), "no parameter 'momentum'"),
])
def test_bad_calls_name_what_is_wrong(call, message):
    weight, grad = mx.nd.ones((2,), dtype=np.float16), mx.nd.ones((2,), dtype=np.float16)
    with pytest.raises(MXNetError, match=message):
        call(weight, grad, mx.nd.ones((2,), dtype=np.float16))


def test_lazy_update_is_accepted():
    weight = mx.nd.ones((2,))
    mx.nd.sgd_update(weight, mx.nd.ones((2,)), lr=0.5, lazy_update=False, out=weight)
    np.testing.assert_allclose(weight.asnumpy(), [0.5, 0.5])


def test_multi_sgd_update_updates_every_weight_into_out():
    # MXNet 1.9.1 gives [0.9, 0.9] and [0.7, 0.7, 0.7]
    weights = [mx.nd.ones((2,)), mx.nd.ones((3,))]
    grads = [mx.nd.ones((2,)), mx.nd.ones((3,))]
    mx.nd.multi_sgd_update(weights[0], grads[0], weights[1], grads[1], lrs=(0.1, 0.2),
                           wds=(0, 0.5), num_weights=2, out=weights)
    np.testing.assert_allclose(weights[0].asnumpy(), [0.9, 0.9], rtol=1e-6)
    np.testing.assert_allclose(weights[1].asnumpy(), [0.7, 0.7, 0.7], rtol=1e-6)
    with pytest.raises(MXNetError, match="lrs has 1 values for num_weights=2"):
        mx.nd.multi_sgd_update(*weights, *grads, lrs=(0.1,), wds=(0, 0), num_weights=2)

"""MXNet 1.9.1's multi-tensor optimizer operators (multi_sgd_mom_update, multi_mp_sgd_*,
preloaded_multi_*, multi_sum_sq, multi_lars, mp_lamb_update_phase1/2, the multi LAMB
updates, group_adagrad_update): golden values read from MXNet 1.9.1, what each writes in
place, the symbol form and errors."""
import json

import numpy as np
import pytest

import symjax_mx as mx
from opcheck import assert_close, nd_array
from symjax_mx.base import MXNetError

W0, W1 = [1., -2., 3.], [[0.5, 1.5], [-1., 2.]]
G0, G1 = [0.5, -1., 2.], [[1., -0.5], [0.25, 3.]]
M0, M1 = [0.1, 0.2, -0.3], [[0., 0.1], [0.2, -0.1]]
V0, V1 = [0.01, 0.04, 0.], [[0.1, 0.], [0.2, 0.3]]


def test_multi_sgd_mom_update_writes_weights_to_out_and_momenta_in_place():
    w0, w1, g0, g1, m0, m1 = map(nd_array, (W0, W1, G0, G1, M0, M1))
    result = mx.nd.multi_sgd_mom_update(w0, g0, m0, w1, g1, m1, lrs=(0.1, 0.2),
                                        wds=(0.01, 0.), momentum=0.9, rescale_grad=0.5,
                                        clip_gradient=0.4, num_weights=2, out=[w0, w1])
    assert isinstance(result, list) and result[0] is w0 and result[1] is w1
    # golden values from MXNet 1.9.1
    assert_close(w0, [1.064, -1.778, 2.687])
    assert_close(w1, [[0.42, 1.64], [-0.845, 1.83]])
    assert_close(m0, [0.064, 0.222, -0.313])
    assert_close(m1, [[-0.08, 0.14], [0.155, -0.17]])
    assert_close(g0, G0)


def test_multi_mp_sgd_update_keeps_the_float32_master_copies():
    w0, w1, g0, g1 = (nd_array(v, "float16") for v in (W0, W1, G0, G1))
    w32_0, w32_1 = nd_array([1.0001, -2., 3.]), nd_array(W1)
    mx.nd.multi_mp_sgd_update(w0, g0, w32_0, w1, g1, w32_1, lrs=(0.1, 0.2), wds=(0.01, 0.1),
                              rescale_grad=0.5, num_weights=2, out=[w0, w1])
    # golden values from MXNet 1.9.1
    assert w0.dtype == np.float16 and w32_0.dtype == np.float32
    assert_close(w0, [0.974121, -1.948242, 2.896484], rtol=1e-3)
    assert_close(w1, [[0.389893, 1.519531], [-1.004883, 1.660156]], rtol=1e-3)
    assert_close(w32_0, [0.9741, -1.948, 2.897])
    assert_close(w32_1, [[0.39, 1.52], [-1.005, 1.66]])


def test_multi_mp_sgd_mom_update_writes_float32_momenta_and_master_copies():
    w0, w1, g0, g1 = (nd_array(v, "float16") for v in (W0, W1, G0, G1))
    w32_0, w32_1, m0, m1 = map(nd_array, (W0, W1, M0, M1))
    mx.nd.multi_mp_sgd_mom_update(w0, g0, m0, w32_0, w1, g1, m1, w32_1, lrs=(0.1, 0.2),
                                  wds=(0.01, 0.1), momentum=0.5, clip_gradient=1.0,
                                  num_weights=2, out=[w0, w1])
    # golden values from MXNet 1.9.1
    assert_close(w0, [0.999023, -1.797852, 2.746094], rtol=1e-3)
    assert_close(m0, [-0.001, 0.202, -0.253], atol=1e-5)
    assert_close(m1, [[-0.21, 0.12], [0.07, -0.29]])
    assert_close(w32_0, [0.999, -1.798, 2.747])
    assert_close(w32_1, [[0.29, 1.62], [-0.93, 1.71]])
    with pytest.raises(MXNetError, match="mom_0 must be float32, got float16"):
        mx.nd.multi_mp_sgd_mom_update(w0, g0, nd_array(M0, "float16"), w32_0, lrs=(0.1,),
                                      wds=(0.,), num_weights=1, out=[w0])


def test_preloaded_updates_take_learning_rates_and_weight_decays_as_arrays():
    lrs, wds = nd_array([0.1, 0.2]), nd_array([0.01, 0.])
    w0, w1, g0, g1 = map(nd_array, (W0, W1, G0, G1))
    mx.nd.preloaded_multi_sgd_update(w0, g0, w1, g1, lrs, wds, num_weights=2,
                                     rescale_grad=2., out=[w0, w1])
    # golden values from MXNet 1.9.1
    assert_close(w0, [0.899, -1.798, 2.597])
    assert_close(w1, [[0.1, 1.7], [-1.1, 0.8]])
    w0, w1, m0, m1 = map(nd_array, (W0, W1, M0, M1))
    mx.nd.preloaded_multi_sgd_mom_update(w0, g0, m0, w1, g1, m1, lrs, wds, momentum=0.9,
                                         num_weights=2, out=[w0, w1])
    assert_close(w0, [1.039, -1.718, 2.527])
    assert_close(m1, [[-0.2, 0.19], [0.13, -0.69]])
    w0, w1, h0, h1 = (nd_array(v, "float16") for v in (W0, W1, G0, G1))
    w32_0, w32_1 = nd_array(W0), nd_array(W1)
    mx.nd.preloaded_multi_mp_sgd_update(w0, h0, w32_0, w1, h1, w32_1, lrs, wds,
                                        num_weights=2, clip_gradient=0.6, out=[w0, w1])
    assert_close(w0, [0.949219, -1.938477, 2.9375], rtol=1e-3)
    assert_close(w32_1, [[0.38, 1.6], [-1.05, 1.88]])
    w0, w1 = nd_array(W0, "float16"), nd_array(W1, "float16")
    w32_0, w32_1, m0, m1 = map(nd_array, (W0, W1, M0, M1))
    mx.nd.preloaded_multi_mp_sgd_mom_update(w0, h0, m0, w32_0, w1, h1, m1, w32_1, lrs, wds,
                                            momentum=0.9, num_weights=2, out=[w0, w1])
    assert_close(w1, [[0.300049, 1.69043], [-0.870117, 1.30957]], rtol=1e-3)
    assert_close(m0, [0.039, 0.282, -0.473])
    assert_close(w32_0, [1.039, -1.718, 2.527])


def test_multi_sum_sq_and_multi_lars():
    # golden values from MXNet 1.9.1
    for dtype in ("float32", "float16"):
        sums = mx.nd.multi_sum_sq(nd_array(W0, dtype), nd_array(W1, dtype), num_arrays=2)
        assert sums.dtype == np.float32
        assert_close(sums, [14., 7.5])
    lrs = mx.nd.multi_lars(nd_array([0.1, 0.2, 0.3]), nd_array([4., 0., 9.]),
                           nd_array([1., 1., 0.]), nd_array([0.01, 0., 0.1]), eta=0.5,
                           eps=1e-3, rescale_grad=2.)
    assert_close(lrs, [0.04948046, 0.2, 0.3])


def test_multi_lamb_update_writes_weights_means_and_variances():
    w0, w1, g0, g1, m0, m1, v0, v1 = map(nd_array, (W0, W1, G0, G1, M0, M1, V0, V1))
    mx.nd.contrib.multi_lamb_update(
        [w0, w1], [g0, g1], [m0, m1], [v0, v1], step_count=[1, 3], lrs=[0.1, 0.2],
        wds=[0.01, 0.1], out=[w0, w1], beta1=0.8, beta2=0.9, epsilon=1e-3, rescale_grad=0.5,
        clip_gradient=0.6, lower_bound=0.1, upper_bound=3.5)
    # golden values from MXNet 1.9.1
    assert_close(w0, [0.70243955, -2.06478095, 3.17251444])
    assert_close(w1, [[0.25182384, 1.12362754], [-1.24715376, 1.81114161]])
    assert_close(m0, [0.13, 0.06, -0.12])
    assert_close(v1, [[0.115, 0.00625], [0.1815625, 0.306]])
    w0, w1, m0, m1, v0, v1 = map(nd_array, (W0, W1, M0, M1, V0, V1))
    mx.nd.contrib.multi_lamb_update([w0, w1], [g0, g1], [m0, m1], [v0, v1],
                                    step_count=[2, 2], lrs=[0.1, 0.2], wds=[0., 0.],
                                    out=[w0, w1], bias_correction=False)
    assert_close(w0, [0.7148366, -2.08147573, 3.22813058])
    assert_close(w1, [[0.43412495, 0.97066218], [-1.09595227, 1.9209106]])


def test_multi_mp_lamb_update_keeps_the_float32_master_copies():
    w0, w1 = nd_array([1.0003, -2., 3.], "float16"), nd_array(W1, "float16")
    g0, g1 = nd_array(G0, "float16"), nd_array(G1, "float16")
    m0, m1, v0, v1 = map(nd_array, (M0, M1, V0, V1))
    w32_0, w32_1 = nd_array([1.0003, -2., 3.]), nd_array(W1)
    mx.nd.contrib.multi_mp_lamb_update([w0, w1], [g0, g1], [m0, m1], [v0, v1],
                                       [w32_0, w32_1], step_count=[1, 3], lrs=[0.1, 0.2],
                                       wds=[0.01, 0.1], out=[w0, w1])
    # golden values from MXNet 1.9.1
    assert w0.dtype == np.float16
    assert_close(w0, [0.701172, -2.070312, 3.212891], rtol=1e-3)
    assert_close(w32_0, [0.70133996, -2.07014656, 3.21378112])
    assert_close(w32_1, [[0.41423726, 1.00091827], [-0.99443722, 1.79135847]])
    assert_close(v0, [0.01024, 0.04096, 0.004])


def test_mp_lamb_phases_run_on_the_master_copy():
    weight, grad = nd_array([1., -2., 3.], "float16"), nd_array(G0, "float16")
    mean, var, weight32 = nd_array(M0), nd_array(V0), nd_array([1.0003, -2., 3.])
    g = mx.nd.mp_lamb_update_phase1(weight, grad, mean, var, weight32, t=2, wd=0.1,
                                    beta1=0.8, beta2=0.9, epsilon=1e-3, rescale_grad=0.5,
                                    clip_gradient=0.6)
    # golden values from MXNet 1.9.1
    assert g.dtype == np.float32
    assert_close(g, [1.37017298, 0.09362637, -0.46402538])
    assert_close(mean, [0.13, 0.06, -0.12])
    assert_close(var, [0.01525, 0.061, 0.036])
    new = mx.nd.mp_lamb_update_phase2(weight, g, weight32.norm(), g.norm(), weight32,
                                      lr=0.1, lower_bound=0.5, upper_bound=10.)
    assert new.dtype == np.float16
    assert_close(new, [0.646484, -2.023438, 3.119141], rtol=1e-3)
    assert_close(weight32, [1.0003, -2., 3.])  # MXNet's phase 2 writes only its output
    assert_close(weight, [1., -2., 3.])
    with pytest.raises(MXNetError, match="weight must be float16, got float32"):
        mx.nd.mp_lamb_update_phase1(nd_array(W0), nd_array(G0), mean, var, weight32, t=1, wd=0.)


def test_group_adagrad_update_keeps_one_history_value_per_row():
    grad = mx.nd.sparse.row_sparse_array(
        (np.array([[0.5, -1.], [2., 0.]], dtype=np.float32), np.array([0, 2])), shape=(3, 2))
    weight, history = nd_array([[1., 2.], [3., 4.], [5., 6.]]), nd_array([[0.1], [0.], [0.2]])
    mx.nd.contrib.group_adagrad_update(weight, grad, history, lr=0.1, rescale_grad=2.,
                                       clip_gradient=1.5, epsilon=1e-5, out=weight)
    # golden values from MXNet 1.9.1
    assert_close(weight, [[0.92386150, 2.11420774], [3., 4.], [4.86968899, 6.]])
    assert_close(history, [[1.725], [0.], [1.325]])
    weight, history = nd_array([[1., 2.], [3., 4.], [5., 6.]]), nd_array([0.1, 0., 0.2])
    mx.nd.contrib.group_adagrad_update(weight, grad, history, lr=0.1, out=weight)
    assert_close(weight, [[0.9412784, 2.11744332], [3., 4.], [4.86516047, 6.]])
    assert_close(history, [0.725, 0., 2.2])


def test_symbol_takes_mxnets_interleaved_order_and_round_trips_json():
    names = ["w0", "g0", "m0", "w1", "g1", "m1"]
    sym = mx.sym.multi_sgd_mom_update(*map(mx.sym.var, names), lrs=(0.1, 0.2),
                                      wds=(0., 0.), momentum=0.9, num_weights=2)
    assert sym.list_auxiliary_states() == names
    node = json.loads(sym.tojson())["nodes"][-1]
    assert node["op"] == "multi_sgd_mom_update"
    assert node["attrs"]["num_weights"] == "2" and node["attrs"]["momentum"] == "0.9"
    loaded = mx.sym.load_json(sym.tojson())
    _, out_shapes, _ = loaded.infer_shape(w0=(3,), w1=(2, 2))
    assert out_shapes == [(3,), (2, 2)]


@pytest.mark.parametrize("call, message", [
    (lambda w, g, m: mx.nd.multi_sgd_mom_update(w, g, m, w, g, lrs=(0.1, 0.1), wds=(0., 0.),
                                                num_weights=2, out=[w, w]),
     r"takes 6 inputs"),
    (lambda w, g, m: mx.nd.multi_sgd_mom_update(w, g, m, w, g, m, lrs=(0.1,), wds=(0., 0.),
                                                num_weights=2, out=[w, w]),
     "lrs has 1 values for num_weights=2"),
    (lambda w, g, m: mx.nd.preloaded_multi_sgd_update(w, g, w, g, nd_array([0.1]),
                                                      nd_array([0, 0]), num_weights=2,
                                                      out=[w, w]),
     "lrs has 1 values for 2 weights"),
    (lambda w, g, m: mx.nd.multi_sgd_mom_update(w, g, nd_array(M1), lrs=(0.1,), wds=(0.,),
                                                num_weights=1, out=[w]),
     "mom_0 has shape"),
    (lambda w, g, m: mx.nd.contrib.multi_lamb_update([w], [g], [m], [m], step_count=[1, 2],
                                                     lrs=[0.1], wds=[0.], out=[w]),
     "step_count has 2 values for num_tensors=1"),
    (lambda w, g, m: mx.nd.multi_lars(*[nd_array([1.], "float16")] * 4, eta=1., eps=0.),
     "lrs must be float32"),
])
def test_bad_calls_name_what_is_wrong(call, message):
    with pytest.raises(MXNetError, match=message):
        call(nd_array(W0), nd_array(G0), nd_array(M0))

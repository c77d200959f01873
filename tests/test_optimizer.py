"""mx.optimizer against MXNet 1.9.1's numbers (tests/golden/optimizer/make_golden.py)."""
import json
import os
import pickle
import types

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import symjax_mx as mx
from symjax_mx import x64, lr_scheduler
from symjax_mx import optimizer as opt

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "optimizer", "golden.npz"))
CASES = json.loads(str(GOLDEN["cases"]))
STEPS = 4


def make_optimizer(case):
    kwargs = dict(case["kwargs"])
    names = [name for name, _ in case["params"]]
    if case.get("idx2name"):
        kwargs["param_idx2name"] = dict(enumerate(names))
    if case.get("sym_attrs"):
        kwargs["sym"] = mx.sym.Group([mx.sym.Variable(n, **case["sym_attrs"].get(n, {}))
                                      for n in names])
    if case.get("scheduler"):
        klass, sched_kwargs = case["scheduler"]
        kwargs["lr_scheduler"] = getattr(lr_scheduler, klass)(**sched_kwargs)
    return opt.create(case["opt"], **kwargs)


def golden_inputs(case):
    cid, dtype = case["id"], case.get("dtype", "float32")
    weights = [mx.nd.array(GOLDEN[f"{cid}/w{p}/init"], dtype=dtype)
               for p in range(len(case["params"]))]
    grads = [[GOLDEN[f"{cid}/g{p}/{k}"] for p in range(len(weights))] for k in range(STEPS)]
    return weights, grads


def golden_state(case, p):
    j, leaves = 0, []
    while f"{case['id']}/s{p}/{j}" in GOLDEN:
        leaves.append(GOLDEN[f"{case['id']}/s{p}/{j}"])
        j += 1
    return leaves


def assert_close(actual, expected, dtype="float32"):
    tol = {"rtol": 1e-3, "atol": 1e-3} if dtype == "float16" else {"rtol": 2e-6, "atol": 1e-7}
    np.testing.assert_allclose(np.asarray(actual, np.float64), expected, **tol)


@pytest.mark.filterwarnings("ignore:learning rate from")  # Adam's lr overrides the scheduler's
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_updates_match_mxnet(case):
    optimizer = make_optimizer(case)
    dtype = case.get("dtype", "float32")
    weights, grads = golden_inputs(case)
    indices = list(range(len(weights)))
    ids = [id(w) for w in weights]
    if case.get("updater"):
        updater = opt.get_updater(optimizer)
        for step_grads in grads:
            updater(indices, [mx.nd.array(g, dtype=dtype) for g in step_grads], weights)
        states = [updater.states[i] for i in indices]
    else:
        states = [optimizer.create_state_multi_precision(i, w) for i, w in zip(indices, weights)]
        for step_grads in grads:
            for i, w, g, s in zip(indices, weights, step_grads, states):
                optimizer.update_multi_precision(i, w, mx.nd.array(g, dtype=dtype), s)
    assert [id(w) for w in weights] == ids
    for p, (w, s) in enumerate(zip(weights, states)):
        assert w.dtype == np.dtype(dtype)
        assert_close(w.asnumpy(), GOLDEN[f"{case['id']}/w{p}"], dtype)
        ours = [a.asnumpy() for a in jax.tree_util.tree_leaves(s)]
        expected = golden_state(case, p)
        # Nadam keeps its momentum-schedule product as an extra last state entry
        assert len(ours) == len(expected) + (case["opt"] == "nadam")
        for a, e in zip(ours, expected):
            assert_close(a, e)
    assert optimizer.num_update == STEPS + case["kwargs"].get("begin_num_update", 0)


def test_state_structure_like_mxnet():
    w = mx.nd.ones((2, 2))
    assert opt.SGD().create_state(0, w) is None
    mom = opt.SGD(momentum=0.9).create_state(0, w)
    assert isinstance(mom, mx.nd.NDArray) and mom.shape == (2, 2)
    mean, var = opt.Adam().create_state(0, w)
    assert mean.context == w.context and var.asnumpy().sum() == 0
    assert len(opt.RMSProp().create_state(0, w)) == 1
    assert len(opt.RMSProp(centered=True).create_state(0, w)) == 3
    state, master = opt.SGD(momentum=0.9, multi_precision=True).create_state_multi_precision(
        0, w.astype("float16"))
    assert master.dtype == np.float32 and state.dtype == np.float32
    master, (m, v) = opt.Adam(multi_precision=True).create_state_multi_precision(
        0, w.astype("float16"))
    assert master.dtype == m.dtype == np.float32


def test_create_registry_and_errors():
    assert isinstance(opt.create("SGD"), opt.SGD)
    assert isinstance(opt.Optimizer.create_optimizer("AdamW", wd=0.1), opt.AdamW)
    assert isinstance(opt.create("ccsgd"), opt.SGD)
    for name in ("nag", "adam", "rmsprop", "adagrad", "adadelta", "ftrl", "signum", "lamb",
                 "adamax", "nadam", "ftml"):
        assert opt.create(name).__class__.__name__.lower() == name
    with pytest.raises(ValueError, match="Cannot find optimizer nosuch.*sgd"):
        opt.create("nosuch")
    with pytest.raises(TypeError):
        opt.create("sgd", no_such_arg=1)

    @opt.register
    class MyOpt(opt.Optimizer):  # an MXNet-style optimizer written with NDArray arithmetic
        def create_state(self, index, weight):
            return mx.nd.zeros(weight.shape)

        def update(self, index, weight, grad, state):
            self._update_count(index)
            state[:] += grad
            weight[:] -= self._get_lr(index) * state

    try:
        updater = opt.get_updater(opt.create("myopt", learning_rate=0.5))
        w = mx.nd.ones((2,))
        for _ in range(2):
            updater(0, mx.nd.ones((2,)), w)
        np.testing.assert_allclose(w.asnumpy(), [-0.5, -0.5])
        with pytest.warns(UserWarning, match="overriding"):
            opt.register(type("MyOpt", (opt.SGD,), {}))
    finally:
        del opt.Optimizer.opt_registry["myopt"]


def test_defaults_and_learning_rate():
    assert opt.SGD().learning_rate == 0.01
    assert opt.Adam().learning_rate == 0.001
    assert opt.Ftrl().learning_rate == 0.1
    assert (opt.Adam().beta1, opt.Adam().beta2, opt.Adam().epsilon) == (0.9, 0.999, 1e-8)
    o = opt.SGD(learning_rate=0.5)
    o.set_learning_rate(0.25)
    assert o.learning_rate == 0.25
    sched = lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    o = opt.SGD(lr_scheduler=sched)
    assert o.lr is None and o.learning_rate == 1.0
    with pytest.raises(UserWarning, match="LRScheduler"):
        o.set_learning_rate(0.1)
    with pytest.warns(UserWarning, match="overwritten"):
        opt.SGD(learning_rate=0.3, lr_scheduler=lr_scheduler.FactorScheduler(step=2))


def test_lr_wd_multipliers():
    data = mx.sym.Variable("data")
    w = mx.sym.Variable("fc_weight", lr_mult=2.0)
    net = mx.sym.FullyConnected(data, weight=w, num_hidden=3, name="fc")
    bn = mx.sym.BatchNorm(net, name="bn")
    names = bn.list_arguments()
    o = opt.SGD(learning_rate=0.1, wd=0.01, sym=bn, param_idx2name=dict(enumerate(names)))
    idx = {n: i for i, n in enumerate(names)}
    assert o._get_lr(idx["fc_weight"]) == pytest.approx(0.2)
    assert o._get_lr(idx["fc_bias"]) == pytest.approx(0.1)
    assert o._get_wd(idx["fc_weight"]) == pytest.approx(0.01)
    assert o._get_wd(idx["bn_gamma"]) == pytest.approx(0.01)
    assert o._get_wd(idx["fc_bias"]) == 0.0 and o._get_wd(idx["bn_beta"]) == 0.0
    assert o._get_wd(idx["data"]) == 0.0
    o.set_wd_mult({"fc_bias": 1.0})
    assert o._get_wd(idx["fc_bias"]) == pytest.approx(0.01)
    o.set_lr_mult({idx["fc_bias"]: 3.0})  # by index
    assert o._get_lrs([idx["fc_bias"], idx["fc_weight"]]) == pytest.approx([0.3, 0.2])
    # without param_idx2name every index gets weight decay
    assert opt.SGD(wd=0.01)._get_wd(5) == 0.01


def test_update_counts():
    o = opt.SGD(begin_num_update=2)
    w, g = mx.nd.ones((2,)), mx.nd.ones((2,))
    o.update(0, w, g, None)
    o.update(0, w, g, None)
    o.update(1, w, g, None)
    assert o._index_update_count == {0: 4, 1: 3} and o.num_update == 4
    o._set_current_context(1)
    o.update(0, w, g, None)
    assert o._index_update_count == {0: 3} and o.num_update == 4


def test_hyperparameter_change_retraces():
    o = opt.SGD(learning_rate=1.0)
    w, g = mx.nd.zeros((2,)), mx.nd.ones((2,))
    o.update(0, w, g, None)
    o.rescale_grad = 0.5
    o.update(0, w, g, None)
    np.testing.assert_allclose(w.asnumpy(), [-1.5, -1.5])


def test_updater_states_round_trip():
    o = opt.Adam(learning_rate=0.1)
    updater = opt.get_updater(o)
    w = mx.nd.array([[1.0, -2.0], [0.5, 3.0]])
    g = mx.nd.array([[0.1, 0.2], [-0.3, 0.4]])
    updater(0, g, w)
    updater("name", g, w)
    blob = updater.get_states()
    restored = opt.get_updater(opt.Adam(learning_rate=0.1))
    restored.set_states(blob)
    assert set(restored.states) == {0, "name"}
    assert restored.states_synced == {0: False, "name": False}
    for a, b in zip(updater.states[0], restored.states[0]):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    # continuing from the restored states and optimizer gives the same weights
    full = opt.get_updater(opt.Adam())
    full.set_states(updater.get_states(dump_optimizer=True))
    assert full.optimizer.num_update == 1 and full.optimizer.lr == 0.1
    w2 = w.copy()
    updater(0, g, w)
    full(0, g, w2)
    np.testing.assert_allclose(w2.asnumpy(), w.asnumpy(), rtol=1e-6)
    assert full.states_synced[0] is True


def test_as_optax_matches_update():
    def make():
        return opt.SGD(momentum=0.9, wd=0.1, learning_rate=0.1,
                       param_idx2name={0: "fc_weight", 1: "fc_bias"})

    init = [np.array([[1.0, -2.0], [0.5, 3.0]], np.float32), np.array([0.1, -0.2], np.float32)]
    grads = [np.array([[0.1, 0.2], [-0.3, 0.4]], np.float32), np.array([1.0, 2.0], np.float32)]
    tx = make().as_optax()
    params = [jnp.asarray(a) for a in init]
    state = tx.init(params)

    @jax.jit
    def train_step(params, state):
        updates, state = tx.update([jnp.asarray(g) for g in grads], state, params)
        return optax.apply_updates(params, updates), state

    for _ in range(3):
        params, state = train_step(params, state)
    ref = make()
    for i in (0, 1):  # the bias (index 1) gets no weight decay, as in update()
        w, g = mx.nd.array(init[i]), mx.nd.array(grads[i])
        s = ref.create_state(i, w)
        for _ in range(3):
            ref.update(i, w, g, s)
        np.testing.assert_allclose(np.asarray(params[i]), w.asnumpy(), rtol=1e-6, atol=1e-7)
    assert float(state.hyperparams["learning_rate"]) == pytest.approx(0.1)


def test_as_optax_follows_scheduler_and_bias_correction():
    sched = lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1)
    o = opt.Adam(learning_rate=0.1, lr_scheduler=sched)
    ref = opt.Adam(learning_rate=0.1,
                   lr_scheduler=lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.1))
    tx = o.as_optax()
    params = [jnp.array([1.0, -1.0, 2.0], jnp.float32)]
    grad = [jnp.array([0.5, 0.1, -0.2], jnp.float32)]
    w = mx.nd.array(params[0])
    s = ref.create_state(0, w)
    with x64.scope():  # optax code computes in the caller's precision
        state = tx.init(params)
        for _ in range(3):
            updates, state = tx.update(grad, state, params)
            params = optax.apply_updates(params, updates)
            ref.update(0, w, mx.nd.array(grad[0]), s)
    np.testing.assert_allclose(np.asarray(params[0]), w.asnumpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="needs params"):
        tx.update(grad, state)


def test_pure_step_is_jittable_with_traced_scalars():
    o = opt.Adam()
    w = jnp.ones((3,), jnp.float32)
    state = o.init_state(w)
    step = jax.jit(o.step)
    new_w, (m, v) = step(w, jnp.full((3,), 0.5, jnp.float32), state,
                         jnp.float32(0.1), jnp.float32(0.0), jnp.int32(1))
    assert new_w.dtype == m.dtype == jnp.float32
    # first Adam step: lr * sqrt(1 - beta2) / (1 - beta1) * m / sqrt(v) = lr
    np.testing.assert_allclose(np.asarray(new_w), 0.9, rtol=1e-5)


def test_optimizer_pickles():
    param = types.SimpleNamespace(lr_mult=1.0, wd_mult=1.0)
    o = opt.SGD(momentum=0.9, param_dict={0: param})
    o.update(0, mx.nd.ones((2,)), mx.nd.ones((2,)), o.create_state(0, mx.nd.ones((2,))))
    o2 = pickle.loads(pickle.dumps(o))
    assert o2.param_dict == {} and o2.momentum == 0.9 and o2.num_update == 1


# SGLD's noise comes from a different stream (test_sgld_*); GroupAdaGrad needs a 2-D weight
# and no weight decay (test_group_adagrad_*); SVRG's wrapper needs the optimizer it wraps
# (test_svrg_module.py)
@pytest.mark.parametrize("name", sorted(set(opt.Optimizer.opt_registry)
                                        - {"ccsgd", "sgld", "groupadagrad", "_svrgoptimizer"}))
def test_as_optax_every_optimizer(name):
    kwargs = {"wd": 0.01, "rescale_grad": 0.5, "clip_gradient": 0.4}
    tx = opt.create(name, **kwargs).as_optax()
    ref = opt.create(name, **kwargs)
    init = np.array([1.0, -0.5, 2.0], np.float32)
    grads = [np.array([0.3, -0.6, 0.1], np.float32), np.array([-0.2, 0.5, 0.9], np.float32)]
    params = {"w": jnp.asarray(init)}
    state = tx.init(params)
    step = jax.jit(lambda g, s, p: tx.update(g, s, p))
    w = mx.nd.array(init)
    s = ref.create_state(0, w)
    for g in grads:
        updates, state = step({"w": jnp.asarray(g)}, state, params)
        params = optax.apply_updates(params, updates)
        ref.update(0, w, mx.nd.array(g), s)
    np.testing.assert_allclose(np.asarray(params["w"]), w.asnumpy(), rtol=1e-6, atol=1e-7)


def test_updater_lists_keys_and_contexts():
    updater = opt.get_updater(opt.SGD(momentum=0.9, learning_rate=0.1))
    weights = [mx.nd.ones((2,)), mx.nd.ones((3,))]
    grads = [mx.nd.ones((2,)), mx.nd.ones((3,))]
    updater([b"a", "b"], grads, weights)
    assert set(updater.states) == {"a", "b"}
    np.testing.assert_allclose(weights[1].asnumpy(), [0.9] * 3, rtol=1e-6)
    state = (mx.nd.zeros((1,)), [mx.nd.zeros((1,)), None])
    synced = updater.sync_state_context(state, mx.cpu(0))
    assert isinstance(synced, tuple) and isinstance(synced[1], list) and synced[1][1] is None


def test_float16_without_multi_precision_warns():
    w = mx.nd.ones((2,), dtype="float16")
    o = opt.Adam()
    with pytest.warns(UserWarning, match="multi_precision"):
        state = o.create_state_multi_precision(0, w)
    o.update_multi_precision(0, w, mx.nd.ones((2,), dtype="float16"), state)
    assert w.dtype == np.float16 and state[0].dtype == np.float16


def test_step_inputs_counts_updates_and_returns_lrs_wds_counts():
    """Rows of learning rates and weight decays, and of update counts where the step reads
    them (Adam's bias correction; SGD's step reads none, so its rows never change)."""
    names = {0: "a_weight", 1: "b_weight"}
    for opt, reads in ((mx.optimizer.Adam(learning_rate=0.5, wd=0.1, param_idx2name=names),
                        True),
                       (mx.optimizer.SGD(learning_rate=0.5, wd=0.1, param_idx2name=names),
                        False)):
        opt.set_lr_mult({"b_weight": 2.0})
        opt.step_inputs([0, 1])
        rows = opt.step_inputs([0, 1])
        assert opt.reads_update_count() is reads and opt.num_update == 2
        expected = [[0.5, 1.0], [0.1, 0.1]] + ([[2, 2]] if reads else [])
        assert rows.dtype == np.float64
        np.testing.assert_allclose(rows, expected)


def test_step_inputs_transfer_reuses_the_copy_of_repeated_values():
    from symjax_mx.optimizer.optimizer import StepInputsTransfer
    puts = []
    transfer = StepInputsTransfer(lambda inputs: puts.append(inputs) or len(puts))
    rates = np.array([[0.1, 0.1], [0.0, 0.0]])
    assert transfer(rates) == 1 and transfer(rates.copy()) == 1 and len(puts) == 1
    assert transfer(np.array([[0.05, 0.1], [0.0, 0.0]])) == 2
    assert transfer(rates[:, :1].copy()) == 3  # another shape


def test_sgld_update_draws_its_noise_from_mx_random():
    sgld = opt.SGLD(learning_rate=0.1, wd=0.01, rescale_grad=2.0, clip_gradient=1.5)
    weight, grad = mx.nd.array([1.0, -1.0, 0.5]), mx.nd.array([1.0, 0.2, -3.0])
    assert sgld.create_state_multi_precision(0, weight) is None
    mx.random.seed(7)
    sgld.update_multi_precision(0, weight, grad, None)
    mx.random.seed(7)
    noise = mx.nd.random.normal(0, np.sqrt(0.1), shape=(3,)).asnumpy()
    g = np.clip(2.0 * np.array([1.0, 0.2, -3.0]), -1.5, 1.5)
    w0 = np.array([1.0, -1.0, 0.5])
    np.testing.assert_allclose(weight.asnumpy(), w0 - 0.05 * (g + 0.01 * w0) + noise,
                               rtol=1e-5)


def test_sgld_pure_step_adds_noise_of_variance_lr():
    sgld = opt.SGLD(learning_rate=0.04)
    weight = jnp.zeros((20000,), jnp.float32)
    new, state = jax.jit(sgld.step)(weight, jnp.zeros_like(weight), None, 0.04, 0.0, 1)
    assert state is None
    assert abs(float(jnp.mean(new))) < 0.01 and abs(float(jnp.std(new)) - 0.2) < 0.01
    again, _ = jax.jit(sgld.step)(weight, jnp.zeros_like(weight), None, 0.04, 0.0, 2)
    assert not np.allclose(np.asarray(new), np.asarray(again))


def test_group_adagrad_is_contrib_row_wise_and_rejects_weight_decay():
    group = opt.create("groupadagrad", learning_rate=0.1)
    assert isinstance(group, opt.contrib.GroupAdaGrad)
    weight = mx.nd.ones((2, 3))
    state = group.create_state(0, weight)
    assert state.shape == (2, 1)
    group.update(0, weight, mx.nd.array([[1, 1, 1], [2, 2, 2]]), state)
    np.testing.assert_allclose(state.asnumpy(), [[1], [4]], rtol=1e-6)
    np.testing.assert_allclose(weight.asnumpy()[:, 0], [0.9, 0.9], rtol=1e-4)
    with pytest.raises(AssertionError, match="2-D"):
        group.create_state(0, mx.nd.ones((3,)))
    with pytest.raises(AssertionError, match="Weight decay"):
        opt.contrib.GroupAdaGrad(wd=0.1).update(0, weight, weight, state)


def test_optimizers_with_equal_settings_share_one_compiled_step():
    def compiled(**kwargs):
        return opt.SGD(**kwargs)._compiled_step().func
    assert compiled(momentum=0.9) is compiled(momentum=0.9)
    assert compiled(momentum=0.9) is not compiled(momentum=0.5)
    # rescale_grad and a clip limit that is on are traced: one compile serves them all
    assert compiled(momentum=0.9, rescale_grad=0.5, clip_gradient=0.3) is \
        compiled(momentum=0.9, rescale_grad=0.25, clip_gradient=2.0)
    assert compiled(clip_gradient=0.3) is not compiled(clip_gradient=None)


@pytest.mark.parametrize("rescale,clip", [(0.5, 0.3), (0.25, 2.0), (2.0, None), (1.0, -1.0)])
def test_traced_rescale_and_clip_give_each_optimizers_own_update(rescale, clip):
    weight = mx.nd.array([1.0, -2.0, 3.0])
    grad = mx.nd.array([0.4, -1.0, 8.0])
    sgd = opt.SGD(learning_rate=0.1, rescale_grad=rescale, clip_gradient=clip)
    sgd.update(0, weight, grad, None)
    scaled = np.array([0.4, -1.0, 8.0]) * rescale
    if clip is not None and clip > 0:
        scaled = np.clip(scaled, -clip, clip)
    np.testing.assert_allclose(weight.asnumpy(), np.array([1.0, -2.0, 3.0]) - 0.1 * scaled,
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["nag", "adamax", "adam"])
def test_float64_weights_get_float64_states(name):
    """create_state runs in 64-bit mode: a float64 weight's state is float64 too."""
    optimizer = opt.create(name, learning_rate=0.1, momentum=0.9) if name == "nag" \
        else opt.create(name, learning_rate=0.1)
    weight = mx.nd.array(np.full((3,), 1 + 1e-12), dtype=np.float64)
    state = optimizer.create_state_multi_precision(0, weight)
    leaves = state if isinstance(state, tuple) else (state,)
    assert all(leaf.dtype == np.float64 for leaf in leaves)
    optimizer.update_multi_precision(0, weight, mx.nd.ones((3,), dtype=np.float64), state)
    assert weight.dtype == np.float64 and (weight.asnumpy() < 1).all()


@pytest.mark.parametrize("kwargs, expected", [
    # gradients averaged over batch_scale=2 updates; the warmup multiplier grows linearly
    # to batch_scale over warmup_epochs * updates_per_epoch = 3 updates
    ({"momentum": 0.9, "warmup_strategy": "linear", "warmup_epochs": 1,
      "updates_per_epoch": 3, "batch_scale": 2},
     [[[1.0, -2.0], [0.5, 3.0]], [[0.8125, -1.4166667], [-0.375, 2.5416667]],
      [[0.8125, -1.4166667], [-0.375, 2.5416667]], [[-0.0625, -0.25], [-2.125, 2.625]]]),
    ({"warmup_strategy": "lars", "begin_epoch": 2},  # a learning rate scaled per layer
     [[[0.93073255, -1.5151279], [-0.22730824, 2.4458604]],
      [[0.72131002, -1.1174244], [-0.82386357, 2.2965574]],
      [[0.43617231, -0.81254512], [-1.2811824, 2.4312911]],
      [[0.10536000, -0.57025433], [-1.6446186, 2.7467861]]]),
])
def test_lbsgd_matches_mxnet(kwargs, expected):
    """LBSGD (example/image-classification's fit.py --optimizer lbsgd); golden values from
    MXNet 1.9.1."""
    optimizer = opt.create("lbsgd", learning_rate=0.5, wd=0.1, rescale_grad=0.5, **kwargs)
    weight = mx.nd.array([[1.0, -2.0], [0.5, 3.0]])
    state = optimizer.create_state(0, weight)
    for i, want in enumerate(expected):
        optimizer.update(0, weight, mx.nd.array([[0.5 * i, -1.0], [2.0, 1.0 - i]]), state)
        np.testing.assert_allclose(weight.asnumpy(), want, rtol=1e-6, atol=1e-6)


def test_optimizer_records_numpy_semantics_and_updates_without_the_flag():
    """MXNet 1.9.1's Optimizer.allow_np_array; an Updater works on an optimizer pickled
    before it existed (the attribute deleted) and on empty mx.np arrays."""
    assert opt.SGD().allow_np_array is False
    with mx.util.np_array(True):
        sgd = opt.SGD()
    assert sgd.allow_np_array is True
    delattr(sgd, "allow_np_array")
    with mx.util.np_shape(True):
        weight = mx.np.zeros((0, 0))
        mx.optimizer.Updater(sgd)(0, mx.np.ones((0, 0)), weight)
    assert weight.shape == (0, 0)

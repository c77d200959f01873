"""Inference programs of NCHW convolutional graphs run channels-last
(lowering/channels_last.py): the same outputs as evaluating every operator as given, and
the convolution weights' transposed copies follow the weights; pooling before a 1x1
convolution."""
import jax
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.lowering import channels_last
from program_checks import as_given, bound_with_values


def convnet():
    """A small network with every operator the rewrite moves to NHWC, and some it does not."""
    data = mx.sym.var("data")
    x = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=8, name="c1")
    x = mx.sym.BatchNorm(x, fix_gamma=False, name="bn1")
    x = mx.sym.Activation(x, act_type="relu")
    a = mx.sym.Convolution(x, kernel=(1, 1), num_filter=8, no_bias=True, name="c2")
    b = mx.sym.Convolution(x, kernel=(3, 3), num_filter=8, num_group=8, pad=(1, 1), name="dw")
    x = mx.sym.clip(mx.sym.elemwise_add(a, b), 0, 6)
    x = mx.sym.Concat(x, mx.sym.LeakyReLU(x, act_type="leaky", slope=0.1), dim=1)
    x = mx.sym.Pooling(x, kernel=(3, 3), stride=(2, 2), pool_type="max")
    x = mx.sym.Dropout(mx.sym.Convolution(x, kernel=(3, 3), num_filter=6, name="c3"), p=0.5)
    x = mx.sym.Pooling(x, kernel=(2, 2), stride=(1, 1), pad=(1, 1), pool_type="avg")
    side = mx.sym.sum(x, axis=(2, 3))                   # reads NCHW: transposed back
    pooled = mx.sym.Pooling(x, global_pool=True, kernel=(1, 1), pool_type="avg")
    head = mx.sym.FullyConnected(mx.sym.Flatten(pooled), num_hidden=5, name="fc")
    return mx.sym.Group([head, side, x])


def bound(shape=(2, 3, 11, 11)):
    return bound_with_values(convnet(), shape)


def test_inference_matches_the_operators_in_their_own_layout():
    exe = bound()
    assert exe.programs.graph.channels_last
    outputs = [o.asnumpy() for o in exe.forward(is_train=False)]
    for ours, reference in zip(outputs, as_given(exe)):
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)


def test_prepared_weights_are_the_convolution_weights_only():
    """... of convolutions wider than 1x1 (c2's 1x1 weight is a dot product's as stored)."""
    lowered = bound().programs.graph
    assert channels_last.prepared_weights(lowered.nodes, lowered.heads) == (
        "c1_weight", "c3_weight", "dw_weight")


def test_a_weight_set_again_is_transposed_again():
    exe = bound()
    first = exe.forward(is_train=False)[0].asnumpy()
    exe.forward(is_train=False)
    exe.arg_dict["c3_weight"][:] = -exe.arg_dict["c3_weight"].asnumpy()
    second = exe.forward(is_train=False)[0].asnumpy()
    assert not np.allclose(first, second)
    np.testing.assert_allclose(second, as_given(exe)[0], rtol=1e-5, atol=1e-5)


def test_training_matches_the_operators_in_their_own_layout():
    """A training program runs channels-last too: the same outputs, updated BatchNorm
    statistics and gradients (Dropout keeps its NCHW mask) as the operators as given."""
    exe = bound()
    lowered = exe.programs.graph
    args = {n: a.asjax() for n, a in exe.arg_dict.items()}
    aux = {n: a.asjax() for n, a in exe.aux_dict.items()}
    key = jax.random.key(1)

    def as_given_training(args):
        values = {}
        updates = lowered.evaluate(lowered.nodes, values, args, aux, key, True)
        return [values[id(n)][i] for n, i in lowered.heads], {**aux, **updates}

    def channels_last_training(args):
        return lowered(args, aux, key, True)

    results = []
    for fn in (channels_last_training, as_given_training):
        (outputs, new_aux), vjp = jax.vjp(fn, args)
        head_grads = [np.linspace(-1, 1, o.size, dtype=np.float32).reshape(o.shape)
                      for o in outputs]
        (grads,) = vjp((head_grads, jax.tree_util.tree_map(np.zeros_like, new_aux)))
        results.append((outputs, new_aux, grads))
    (ours, ours_aux, ours_grads), (ref, ref_aux, ref_grads) = results
    for a, b in zip(ours, ref):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert not np.allclose(ours_aux["bn1_moving_mean"], aux["bn1_moving_mean"])
    for name in ref_aux:
        np.testing.assert_allclose(ours_aux[name], ref_aux[name], rtol=1e-5, atol=1e-6)
    for name in ref_grads:
        np.testing.assert_allclose(ours_grads[name], ref_grads[name], rtol=1e-4, atol=1e-4)


def transition(pool_type="avg"):
    """DenseNet's transition: BatchNorm, relu, a 1x1 convolution, a 2x2 stride-2 pool."""
    x = mx.sym.relu(mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, name="bn"))
    x = mx.sym.Convolution(x, kernel=(1, 1), num_filter=5, name="conv")
    return mx.sym.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type=pool_type, name="pool")


def pooled_first(symbol, shape):
    lowered = symbol.simple_bind(mx.cpu(), grad_req="null", data=shape).programs.graph
    return [node.name for node in channels_last.pooled_first(lowered.nodes, lowered.heads)
            .values()]


def test_a_pooling_after_a_1x1_convolution_pools_first():
    assert pooled_first(transition(), (2, 3, 8, 8)) == ["pool"]
    assert pooled_first(transition("sum"), (2, 3, 8, 8)) == []  # the bias would sum
    strided = mx.sym.Convolution(mx.sym.var("data"), kernel=(1, 1), stride=(2, 2), num_filter=2)
    strided = mx.sym.Pooling(strided, kernel=(2, 2), stride=(2, 2), pool_type="avg")
    assert pooled_first(strided, (1, 2, 8, 8)) == []  # it skips positions the pool mixes


@pytest.mark.parametrize("pool_type, shape", [("avg", (2, 3, 8, 8)), ("sum", (2, 3, 6, 4)),
                                              ("avg", (2, 3, 9, 8))])  # 9: a partial window
def test_pooling_first_gives_the_operators_values(pool_type, shape):
    exe = transition(pool_type).simple_bind(mx.cpu(), grad_req="null", data=shape)
    rng = np.random.default_rng(1)
    for name, arr in {**exe.arg_dict, **exe.aux_dict}.items():
        arr[:] = rng.uniform(0.5 if name.endswith("var") else -1, 1, arr.shape)
    (ours,) = [o.asnumpy() for o in exe.forward(is_train=False)]
    (reference,) = as_given(exe)
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)

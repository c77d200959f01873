"""KVStore.set_gradient_compression (2-bit): MXNet 1.9.1's values
(tests/golden/kvstore_compression/make_golden.py), the reference quantization of MXNet's
nightly test, gluon.Trainer's compression_params, dist_sync across processes, errors."""
import json
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon
from test_kvstore_dist import launch
from test_laziness import count_host_reads

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "kvstore_compression",
                              "golden.npz"))
CASES = json.loads(str(GOLDEN["cases"]))


def compute_expected_2bit_quantization(arr, curr_residual, threshold):
    """(dequantized values, new residual): MXNet's tests/nightly/test_kvstore.py reference,
    without the bit string, in float32 as MXNet's kernel computes."""
    threshold = np.float32(threshold)
    total = curr_residual + arr
    decompr = np.where(total >= threshold, threshold,
                       np.where(total <= -threshold, -threshold, np.float32(0)))
    return decompr.astype(np.float32), (total - decompr).astype(np.float32)


def pulled(kv, key, shape, contexts):
    outs = [mx.nd.zeros(shape, c) for c in contexts]
    kv.pull(key, out=outs)
    values = [o.asnumpy() for o in outs]
    for o, c, v in zip(outs, contexts, values):
        assert o.context == c
        np.testing.assert_array_equal(v, values[0])
    return values[0]


@pytest.mark.parametrize("name", sorted(CASES))
def test_store_matches_mxnet(name):
    case = CASES[name]
    contexts = [mx.cpu(i) for i in range(case["devices"])]
    shapes = {k: tuple(shape) for k, shape in case["keys"]}
    keys = list(shapes)
    kv = mx.kv.create(case["type"])
    changes = dict(case["thresholds"])
    if -1 in changes:
        kv.set_gradient_compression({"type": "2bit", "threshold": changes[-1]})
    if case["optimizer"] is not None:
        kv.set_optimizer(mx.optimizer.create("sgd", **case["optimizer"]))
    for k in keys:
        kv.init(k, mx.nd.array(GOLDEN[f"{name}/init/{k}"]))
        # init is not compressed
        np.testing.assert_array_equal(pulled(kv, k, shapes[k], contexts),
                                      GOLDEN[f"{name}/init/{k}"])
    for step in range(case["steps"]):
        if step in changes:
            kv.set_gradient_compression({"type": "2bit", "threshold": changes[step]})
        grads = {k: [mx.nd.array(GOLDEN[f"{name}/grad/{step}/{k}/{d}"], ctx=c)
                     for d, c in enumerate(contexts)] for k in keys}
        if case["packed"]:
            kv.push(keys, [grads[k] for k in keys])
        else:
            for k in keys:
                kv.push(k, grads[k])
        for k in keys:
            np.testing.assert_allclose(pulled(kv, k, shapes[k], contexts),
                                       GOLDEN[f"{name}/pull/{step}/{k}"], rtol=1e-6, atol=1e-7)


def test_push_follows_the_reference_quantization():
    """MXNet's nightly check_compr_random, for several pushes: every device keeps its own
    residual, the store sums the dequantized values, and a list of keys (one packed
    buffer) is quantized as the keys one by one."""
    rng = np.random.RandomState(0)
    contexts = [mx.cpu(i) for i in range(4)]
    shapes = {"a": (5, 4), "b": (7,), "c": (1,)}
    threshold = 0.4
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": str(threshold)})
    kv.init(list(shapes), [mx.nd.zeros(s) for s in shapes.values()])
    residuals = {(k, d): np.zeros(s, np.float32) for k, s in shapes.items() for d in range(4)}
    for _ in range(5):
        grads = {k: [rng.uniform(-0.6, 0.6, s).astype(np.float32) for _ in contexts]
                 for k, s in shapes.items()}
        kv.push(list(shapes), [[mx.nd.array(g, ctx=c) for g, c in zip(grads[k], contexts)]
                               for k in shapes])
        for k, s in shapes.items():
            expected = np.zeros(s, np.float32)
            for d in range(4):
                decompr, residuals[k, d] = compute_expected_2bit_quantization(
                    grads[k][d], residuals[k, d], threshold)
                expected += decompr
            np.testing.assert_allclose(pulled(kv, k, s, contexts), expected, atol=1e-6)


def test_nightly_residual_sequence_with_an_updater():
    """MXNet's nightly verify_residual and check_neg: rescale 2, two devices, threshold
    0.5."""
    contexts = [mx.cpu(0), mx.cpu(1)]
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv._set_updater(lambda key, merged, stored: stored.__iadd__(merged * 2))
    kv.init(5, mx.nd.zeros((4, 4)))

    def push(value):
        kv.push(5, [mx.nd.ones((4, 4), c) * value for c in contexts])
        return pulled(kv, 5, (4, 4), contexts)

    assert (push(0.4) == 0).all()
    assert (push(0.2) == 2).all()  # 0.6 reaches the threshold: 0.5 * 2 * 2 devices
    assert (push(0.2) == 2).all()  # residual 0.1 + 0.2
    assert (push(0.2) == 4).all()  # 0.5 again: the residual is 0 now
    for value in (2, 0):
        assert (push(-0.5) == value).all()


def test_pushpull_and_compression_set_after_pushes():
    """pushpull compresses as push does. A store that already summed pushes starts its
    residuals at zero (MXNet 1.9.1 crashes there)."""
    contexts = [mx.cpu(0), mx.cpu(1)]
    kv = mx.kv.create("device")
    kv.init(0, mx.nd.zeros((3,)))
    values = [mx.nd.array([0.3, 0.6, -0.7], ctx=c) for c in contexts]
    kv.pushpull(0, values)
    np.testing.assert_allclose(values[1].asnumpy(), [0.6, 1.2, -1.4], rtol=1e-6)
    kv.set_gradient_compression({"type": "2bit"})
    for expected in ([0, 1, -1], [1, 1, -1]):
        values = [mx.nd.array([0.3, 0.6, -0.7], ctx=c) for c in contexts]
        kv.pushpull(0, values)
        for v in values:
            np.testing.assert_array_equal(v.asnumpy(), expected)


def test_compressed_push_never_reads_the_host(monkeypatch):
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init([0, 1], [mx.nd.zeros((2, 3)), mx.nd.zeros((4,))])
    contexts = [mx.cpu(i) for i in range(4)]
    pushed = [[mx.nd.ones((2, 3), c) for c in contexts], [mx.nd.ones((4,), c) for c in contexts]]
    outs = [[mx.nd.zeros((2, 3), c) for c in contexts], [mx.nd.zeros((4,), c) for c in contexts]]
    with count_host_reads(monkeypatch) as reads:
        kv.push([0, 1], pushed)
        kv.pull([0, 1], out=outs)
    assert reads == []
    assert (outs[1][3].asnumpy() == 2).all()


@pytest.mark.parametrize("update_on_kvstore", [True, False])
def test_trainer_with_compression_params_matches_mxnet(update_on_kvstore):
    name = f"trainer_{'on' if update_on_kvstore else 'off'}"
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(ctx=contexts)
    net.weight.set_data(mx.nd.array(GOLDEN[f"{name}/weight"]))
    net.bias.set_data(mx.nd.array(GOLDEN[f"{name}/bias"]))
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.1, "momentum": 0.9}, kvstore="device",
                            compression_params={"type": "2bit", "threshold": 0.05},
                            update_on_kvstore=update_on_kvstore)
    loss = gluon.loss.L2Loss()
    for step in range(4):
        x, y = GOLDEN[f"{name}/x/{step}"], GOLDEN[f"{name}/y/{step}"]
        with autograd.record():
            losses = [loss(net(mx.nd.array(x[4 * i:4 * i + 4], ctx=c)),
                           mx.nd.array(y[4 * i:4 * i + 4], ctx=c))
                      for i, c in enumerate(contexts)]
        for one in losses:
            one.backward()
        trainer.step(8)
        for param in ("weight", "bias"):
            for c in contexts:
                np.testing.assert_allclose(getattr(net, param).data(c).asnumpy(),
                                           GOLDEN[f"{name}/out/{step}/{param}"],
                                           rtol=1e-5, atol=1e-6)


def test_dist_sync_two_workers_match_mxnet(tmp_path):
    status, results, stderr = launch(tmp_path, 2, "compression")
    assert status == 0, stderr[-3000:]
    for rank in range(2):
        for name, value in results[rank]["pulls"].items():
            np.testing.assert_array_equal(np.array(value, np.float32), GOLDEN[name],
                                          err_msg=f"rank {rank}: {name}")


def test_dist_sync_quantizes_each_workers_sum():
    """One worker's two devices are summed, then quantized once (MXNet's KVStoreDist)."""
    kv = mx.kv.create("dist_sync")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init("w", mx.nd.ones((3,)))
    kv.push("w", [mx.nd.array([0.3, 0.2, -0.3], ctx=mx.cpu(i)) for i in range(2)])
    np.testing.assert_array_equal(pulled(kv, "w", (3,), [mx.cpu(0)]), [0.5, 0, -0.5])


# --- errors ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["local", "local_allreduce_cpu", "nccl"])
def test_store_types_that_refuse_compression(name):
    with pytest.raises(mx.MXNetError, match="^Gradient compression is not supported for "
                                            "this type of kvstore$"):
        mx.kv.create(name).set_gradient_compression({"type": "2bit", "threshold": 0.5})


@pytest.mark.parametrize("params, message", [
    ({"type": "1bit"}, "Unknown type for gradient compression 1bit"),
    ({"type": "2bit", "threshold": 0}, r"threshold > 0 \(0 vs. 0\) : threshold must be "
                                       "greater than 0"),
    ({"type": "2bit", "threshold": -1}, r"\(-1 vs. 0\) : threshold must be greater than 0"),
    ({"threshold": 0.5}, "Required parameter type of string is not presented"),
    ({}, "Required parameter type of string is not presented"),
    ({"type": "2bit", "threshold": "abc"},
     "Invalid Parameter format for threshold expect float but value='abc'"),
    ([("type", "2bit")], "compression_params must be a dict"),
])
def test_bad_compression_params(params, message):
    kv = mx.kv.create("device")
    with pytest.raises(mx.MXNetError, match=message):
        kv.set_gradient_compression(params)
    kv.set_gradient_compression({"type": "2bit", "unknown": 1})  # MXNet ignores unknown keys


@pytest.mark.parametrize("dtype", ["float16", "float64", "int32"])
def test_only_float32_values_are_compressed(dtype):
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit"})
    kv.init(0, mx.nd.zeros((3,), dtype=dtype))
    with pytest.raises(mx.MXNetError, match=f"only supported for float32.*got {dtype}"):
        kv.push(0, [mx.nd.ones((3,), mx.cpu(i), dtype=dtype) for i in range(2)])


def test_row_sparse_values_are_not_compressed():
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit"})
    kv.init(0, mx.nd.zeros((4, 2)).tostype("row_sparse"))
    with pytest.raises(mx.MXNetError, match="row sparse storage type is not supported"):
        kv.push(0, mx.nd.ones((4, 2)).tostype("row_sparse"))


def test_trainer_on_a_store_that_refuses_compression():
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(ctx=contexts)
    trainer = gluon.Trainer(net.collect_params(), "sgd", kvstore="local",
                            compression_params={"type": "2bit"})
    with pytest.raises(mx.MXNetError, match="not supported for this type of kvstore"):
        trainer.step(1, ignore_stale_grad=True)


def test_a_key_pushed_twice_in_one_call_is_quantized_twice_in_order():
    contexts = [mx.cpu(0), mx.cpu(1)]
    stores = []
    for _ in range(2):
        kv = mx.kv.create("device")
        kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
        kv._set_updater(lambda key, merged, stored: stored.__iadd__(merged))
        kv.init(["k", "j"], [mx.nd.zeros((3,)), mx.nd.zeros((2,))])
        stores.append(kv)
    grads = [[mx.nd.array([0.3, 0.4, -0.3], ctx=c) for c in contexts],
             [mx.nd.array([0.1, 0.2, -0.1], ctx=c) for c in contexts]]
    j = [mx.nd.array([0.7, -0.7], ctx=c) for c in contexts]
    stores[0].push(["k", "j", "k"], [grads[0], j, grads[1]])
    stores[1].push("k", grads[0])
    stores[1].push("k", grads[1])
    expected = pulled(stores[1], "k", (3,), contexts)
    np.testing.assert_array_equal(expected, [0, 1, 0])
    np.testing.assert_array_equal(pulled(stores[0], "k", (3,), contexts), expected)
    np.testing.assert_array_equal(pulled(stores[0], "j", (2,), contexts), [1, -1])


def test_module_refuses_a_compressing_store_instead_of_ignoring_it():
    data = mx.sym.Variable("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=2), name="softmax")
    mod = mx.mod.Module(net, context=[mx.cpu(0), mx.cpu(1)])
    mod.bind(data_shapes=[("data", (4, 3))], label_shapes=[("softmax_label", (4,))])
    mod.init_params()
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    with pytest.raises(mx.MXNetError, match="compresses gradients.*Module does not support"):
        mod.init_optimizer(kvstore=kv)

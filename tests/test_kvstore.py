"""KVStore local and device: argument forms, merging, updaters, pull placement, errors."""
import numpy as np
import pytest

import symjax_mx as mx
from test_laziness import count_host_reads

SHAPE = (2, 3)
DEVICES = [mx.cpu(i) for i in range(4)]


@pytest.fixture(params=["local", "device"])
def kv(request):
    return mx.kv.create(request.param)


def value(kv_, key):
    stored = kv_._store[key]
    out = mx.nd.zeros(stored.shape, dtype=stored.dtype)
    kv_.pull(key, out=out)
    return out.asnumpy()


def test_types_and_properties():
    for name in ("local", "device", "dist_sync", "dist_device_sync"):
        store = mx.kv.create(name)
        assert store.type == name
        assert (store.rank, store.num_workers) == (0, 1)
    store = mx.kv.create()
    assert store.type == "local"
    store.barrier()


@pytest.mark.parametrize("name", ["dist_async", "dist_device_async"])
def test_async_types_explain(name):
    with pytest.raises(mx.MXNetError, match="synchronous"):
        mx.kv.create(name)


def test_unknown_type_lists_the_types():
    with pytest.raises(mx.MXNetError, match="unknown kvstore type 'bogus'.*local.*device"):
        mx.kv.create("bogus")
    with pytest.raises(TypeError, match="kvstore type must be a string, got int"):
        mx.kv.create(3)


def test_push_sums_values_from_several_devices(kv):
    kv.init(3, mx.nd.zeros(SHAPE))
    kv.push(3, [mx.nd.ones(SHAPE, d) * (i + 1) for i, d in enumerate(DEVICES)])
    outs = [mx.nd.zeros(SHAPE, d) for d in DEVICES]
    kv.pull(3, out=outs)
    for out, device in zip(outs, DEVICES):
        assert out.context == device
        np.testing.assert_array_equal(out.asnumpy(), np.full(SHAPE, 10.0))


def test_pushed_arrays_on_one_device_are_summed(kv):
    kv.init("k", mx.nd.zeros(SHAPE))
    kv.push("k", [mx.nd.ones(SHAPE), mx.nd.ones(SHAPE) * 2])
    np.testing.assert_array_equal(value(kv, "k"), np.full(SHAPE, 3.0))


def test_list_of_keys_packs_mixed_shapes_and_dtypes(kv):
    with mx.np_shape():  # a scalar () shape is known only under NumPy shape semantics
        keys = [1, 2, 3, 4]
        initial = [mx.nd.zeros(()), mx.nd.zeros((2, 2)), mx.nd.zeros((5,), dtype="int32"),
                   mx.nd.zeros((3,), dtype="float64")]
        kv.init(keys, initial)
        kv.push(keys, [[mx.nd.ones(a.shape, d, dtype=a.dtype) * k for d in DEVICES[:2]]
                       for k, a in zip(keys, initial)])
        for k, a in zip(keys, initial):
            got = value(kv, k)
            assert got.dtype == a.dtype and got.shape == a.shape
            np.testing.assert_array_equal(got, np.full(a.shape, 2 * k))


def test_pull_to_several_devices_for_several_keys(kv):
    keys = ["a", "b"]
    kv.init(keys, [mx.nd.ones(SHAPE), mx.nd.ones(SHAPE) * 2])
    outs = [[mx.nd.zeros(SHAPE, d) for d in DEVICES] for _ in keys]
    kv.pull(keys, out=outs)
    for key_outs, expected in zip(outs, (1.0, 2.0)):
        for out, device in zip(key_outs, DEVICES):
            assert out.context == device
            assert (out.asnumpy() == expected).all()


def test_pull_casts_to_the_output_dtype(kv):
    kv.init(0, mx.nd.ones(SHAPE) * 1.5)
    out = mx.nd.zeros(SHAPE, dtype="float64")
    kv.pull(0, out=out)
    assert out.dtype == np.float64 and (out.asnumpy() == 1.5).all()


def test_init_copies_the_value(kv):
    a = mx.nd.ones(SHAPE)
    kv.init(0, a)
    a += 5
    assert (value(kv, 0) == 1).all()


def test_pull_outputs_are_independent_of_the_store(kv):
    kv.init(0, mx.nd.ones(SHAPE))
    out = mx.nd.zeros(SHAPE)
    kv.pull(0, out=out)
    out += 1
    assert (value(kv, 0) == 1).all()


@pytest.mark.parametrize("keys", [[7, 8], ["w", "v"]])
def test_updater_receives_int_and_str_keys(kv, keys):
    seen = []

    def update(key, merged, stored):
        seen.append(key)
        stored += merged * 2

    kv.init(keys, [mx.nd.ones(SHAPE), mx.nd.ones(SHAPE)])
    kv._set_updater(update)
    kv.push(keys, [[mx.nd.ones(SHAPE, d) for d in DEVICES], mx.nd.ones(SHAPE)])
    assert seen == keys
    assert (value(kv, keys[0]) == 9).all() and (value(kv, keys[1]) == 3).all()


@pytest.mark.parametrize("first, other", [(3, "a"), ("a", 3)])
def test_a_store_keeps_one_key_type(kv, first, other):
    kv.init(first, mx.nd.ones(SHAPE))
    for call in (lambda: kv.init(other, mx.nd.ones(SHAPE)),
                 lambda: kv.push(other, mx.nd.ones(SHAPE)),
                 lambda: kv.pull(other, out=mx.nd.ones(SHAPE)),
                 lambda: kv.init([other], [mx.nd.ones(SHAPE)])):
        with pytest.raises(mx.MXNetError, match="mixed key types are not allowed"):
            call()


def test_set_updater_alias_and_repeated_key(kv):
    kv.init(0, mx.nd.zeros(SHAPE))
    kv.set_updater(lambda key, merged, stored: stored.__iadd__(merged))
    kv.push([0, 0], [mx.nd.ones(SHAPE), mx.nd.ones(SHAPE) * 3])
    assert (value(kv, 0) == 4).all()


def test_pushpull_and_broadcast(kv):
    kv.init(0, mx.nd.zeros(SHAPE))
    vals = [mx.nd.ones(SHAPE, d) for d in DEVICES[:2]]
    kv.pushpull(0, vals)
    assert all((v.asnumpy() == 2).all() for v in vals)
    outs = [mx.nd.zeros(SHAPE, d) for d in DEVICES[:3]]
    kv.broadcast(1, mx.nd.ones(SHAPE) * 7, out=outs)
    assert all((o.asnumpy() == 7).all() for o in outs)


def test_tutorial_sequence_on_four_devices():
    kv = mx.kv.create("local")
    kv.init(3, mx.nd.ones(SHAPE) * 2)
    a = mx.nd.zeros(SHAPE)
    kv.push(3, [mx.nd.ones(SHAPE, d) for d in DEVICES])
    kv.pull(3, out=a)
    assert (a.asnumpy() == 4).all()
    kv._set_updater(lambda key, merged, stored: stored.__iadd__(merged * 2))
    keys = [5, 7, 9]
    kv.init(keys, [mx.nd.ones(SHAPE)] * 3)
    kv.push(keys, [mx.nd.ones(SHAPE)] * 3)
    b = [[mx.nd.ones(SHAPE, d) for d in DEVICES]] * 3
    kv.push(keys, b)
    kv.pull(keys, out=b)
    assert (b[1][1].asnumpy() == 11).all()


def test_push_pull_never_reads_the_host(kv, monkeypatch):
    kv.init([0, 1], [mx.nd.zeros(SHAPE), mx.nd.zeros((4,))])
    pushed = [[mx.nd.ones(SHAPE, d) for d in DEVICES], [mx.nd.ones((4,), d) for d in DEVICES]]
    outs = [[mx.nd.zeros(SHAPE, d) for d in DEVICES], [mx.nd.zeros((4,), d) for d in DEVICES]]
    with count_host_reads(monkeypatch) as reads:
        kv.push([0, 1], pushed)
        kv.pull([0, 1], out=outs)
    assert reads == []
    assert (outs[1][3].asnumpy() == 4).all()


# --- bad input ---------------------------------------------------------------------------

def test_uninitialized_key(kv):
    with pytest.raises(mx.MXNetError, match="key 4 has not been initialized"):
        kv.push(4, mx.nd.ones(SHAPE))
    with pytest.raises(mx.MXNetError, match="key 'x' has not been initialized"):
        mx.kv.create(kv.type).pull("x", out=mx.nd.ones(SHAPE))


def test_init_twice(kv):
    kv.init(0, mx.nd.ones(SHAPE))
    with pytest.raises(mx.MXNetError, match="key 0 is already initialized"):
        kv.init(0, mx.nd.ones(SHAPE))


def test_shape_mismatch_names_key_and_shapes(kv):
    kv.init("w", mx.nd.ones(SHAPE))
    with pytest.raises(mx.MXNetError, match=r"key 'w' holds shape \(2, 3\).*\(3, 2\)"):
        kv.push("w", mx.nd.ones((3, 2)))
    with pytest.raises(mx.MXNetError, match=r"key 'w' holds shape \(2, 3\).*\(6,\)"):
        kv.pull("w", out=mx.nd.ones((6,)))
    assert (value(kv, "w") == 1).all()  # still usable


def test_mismatched_key_and_value_lists(kv):
    with pytest.raises(mx.MXNetError, match="3 keys but 2 values"):
        kv.init([1, 2, 3], [mx.nd.ones(SHAPE)] * 2)
    with pytest.raises(mx.MXNetError, match="needs an NDArray"):
        kv.init(1, [])
    with pytest.raises(mx.MXNetError, match="keys must be int or str"):
        kv.init(1.5, mx.nd.ones(SHAPE))
    with pytest.raises(mx.MXNetError, match="out= is required"):
        kv.pull(1)


def test_optimizer_states_need_an_optimizer(kv, tmp_path):
    with pytest.raises(mx.MXNetError, match="no optimizer is set"):
        kv.save_optimizer_states(str(tmp_path / "states"))


def test_set_optimizer_and_its_states_round_trip(kv, tmp_path):
    def store_with_sgd(initial):
        store = mx.kv.create(kv.type)
        store.set_optimizer(mx.optimizer.create("sgd", learning_rate=0.1, momentum=0.9))
        store.init("w", initial)
        return store

    grads = [mx.nd.ones(SHAPE) * g for g in (1.0, 2.0, 3.0, 4.0)]
    straight = store_with_sgd(mx.nd.ones(SHAPE))
    for g in grads:
        straight.push("w", g)
    first = store_with_sgd(mx.nd.ones(SHAPE))
    for g in grads[:2]:
        first.push("w", g)
    first.save_optimizer_states(str(tmp_path / "states"))
    halfway = mx.nd.array(value(first, "w"))
    resumed = store_with_sgd(halfway)
    resumed.load_optimizer_states(str(tmp_path / "states"))
    fresh = store_with_sgd(halfway)  # the same weights without the momentum
    for g in grads[2:]:
        resumed.push("w", g)
        fresh.push("w", g)
    np.testing.assert_allclose(value(resumed, "w"), value(straight, "w"), rtol=1e-6)
    assert not np.allclose(value(fresh, "w"), value(straight, "w"))


def test_unsupported_features_are_refused(kv):
    kv.init(0, mx.nd.ones(SHAPE))
    with pytest.raises(mx.MXNetError, match="row_sparse_pull: out= and row_ids= are required"):
        kv.row_sparse_pull(0, out=mx.nd.ones(SHAPE))


def test_kvstore_is_mxnets_module_name_for_kv():
    import importlib
    assert mx.kvstore is mx.kv
    assert importlib.import_module("symjax_mx.kvstore") is mx.kv
    kv = mx.kvstore.create("local")
    kv.init(3, mx.nd.ones((2,)))
    out = mx.nd.zeros((2,))
    kv.pull(3, out=out)
    assert out.asnumpy().tolist() == [1, 1]


@pytest.mark.skipif(not hasattr(mx.nd.NDArray, "tostype"), reason="needs sparse storage")
def test_pull_leaves_sparse_outputs_alone():
    kv = mx.kv.create("local")
    kv.init("w", mx.nd.zeros((2, 3)))
    sparse = (mx.nd.ones((2, 3)) * 2).tostype("row_sparse")
    kv.pull("w", out=sparse)
    assert (sparse.asnumpy() == 2).all()
    kv.pull("w", out=sparse, ignore_sparse=False)
    assert (sparse.asnumpy() == 0).all()


def test_row_sparse_pull_needs_row_sparse_outputs():
    kv = mx.kv.create("local")
    kv.init(0, mx.nd.ones((2, 3)))
    with pytest.raises(mx.MXNetError, match="key 0 holds a default value"):
        kv.row_sparse_pull(0, out=mx.nd.zeros((2, 3)), row_ids=mx.nd.array([1]))

"""KVStoreBase: a store registered from outside the package is built by mx.kv.create and
used by Module; the built-in reducers and the one host-collective throttle."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.kv import collectives, reducers

SHAPE = (2, 3)


@pytest.fixture
def teststore():
    """MXNet's test_kvstore_custom store: broadcast copies, pushpull sums."""
    class TestStore(mx.kv.KVStoreBase):
        asked = []

        def broadcast(self, key, value, out, priority=0):
            for o in out if isinstance(out, list) else [out]:
                o[:] = value.as_in_context(o.context)

        def pushpull(self, key, value, out=None, priority=0):
            values = value if isinstance(value, list) else [value]
            total = values[0].copy()
            for v in values[1:]:
                total += v.as_in_context(total.context)
            for o in (out if out is not None else values):
                for target in o if isinstance(o, list) else [o]:
                    target[:] = total.as_in_context(target.context)

        def is_capable(self, capability):
            if capability.lower() == mx.kv.KVStoreBase.OPTIMIZER:
                return False
            raise ValueError(f"Unknown capability: {capability}")

        def placement(self, contexts):
            self.asked.append(list(contexts))
            return super().placement(contexts)

        type = property(lambda self: "teststore")
        rank = property(lambda self: 0)
        num_workers = property(lambda self: 1)

    builtin = mx.kv.KVStoreBase.kv_registry["teststore"]
    with pytest.warns(UserWarning, match="overriding"):
        mx.kv.KVStoreBase.register(TestStore)
    yield TestStore
    mx.kv.KVStoreBase.kv_registry["teststore"] = builtin


def test_a_registered_store_is_created_by_name(teststore):
    kv = mx.kv.create("teststore")
    assert isinstance(kv, teststore) and isinstance(kv, mx.kv.KVStoreBase)
    assert isinstance(mx.kv.create("TestStore"), teststore)  # names are case-insensitive
    out = [mx.nd.zeros(SHAPE), mx.nd.zeros(SHAPE, ctx=mx.cpu(1))]
    kv.broadcast(3, mx.nd.ones(SHAPE), out)
    assert all((o.asnumpy() == 1).all() for o in out)
    values = [mx.nd.ones(SHAPE), mx.nd.ones(SHAPE, ctx=mx.cpu(1)) * 2]
    kv.pushpull(3, values)
    assert all((v.asnumpy() == 3).all() for v in values)
    assert kv.is_capable("optimizer") is False
    with pytest.raises(ValueError, match="Unknown capability"):
        kv.is_capable("sparse")


def test_registering_a_name_again_warns_and_replaces(teststore):
    with pytest.warns(UserWarning, match="overriding existing kvstore"):
        again = mx.kv.KVStoreBase.register(type("TestStore", (teststore,), {}))
    assert type(mx.kv.create("teststore")) is again


def test_unknown_type_names_the_registered_ones(teststore):
    with pytest.raises(mx.MXNetError, match="teststore.*KVStoreBase.register"):
        mx.kv.create("nosuchstore")
    with pytest.raises(TypeError, match="takes a class"):
        mx.kv.KVStoreBase.register("teststore")


def test_the_interface_raises_until_implemented():
    bare = mx.kv.KVStoreBase()
    for call in (lambda: bare.pushpull(0, mx.nd.zeros(SHAPE)), lambda: bare.type,
                 lambda: bare.set_optimizer(None), lambda: bare.is_capable("optimizer")):
        with pytest.raises(NotImplementedError):
            call()


def test_builtin_store_is_a_kvstorebase_that_applies_optimizers():
    kv = mx.kv.create("device")
    assert isinstance(kv, mx.kv.KVStoreBase)
    assert kv.is_capable(mx.kv.KVStoreBase.OPTIMIZER)
    assert kv.placement([mx.cpu(0), mx.cpu(1)]).workers == 1


def test_module_asks_its_store_where_to_place(teststore):
    def train(kvstore):
        mod = mx.mod.Module(mx.sym.LinearRegressionOutput(
            mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=1, name="fc"),
            name="out"), label_names=["out_label"], context=[mx.cpu(0), mx.cpu(1)])
        mod.bind([("data", (4, 3))], [("out_label", (4, 1))])
        mod.init_params(mx.init.Constant(0.5))
        mod.init_optimizer(kvstore=kvstore, optimizer="sgd")
        batch = mx.io.DataBatch([mx.nd.ones((4, 3))], [mx.nd.zeros((4, 1))])
        mod.forward_backward(batch)
        mod.update()
        return mod.get_params()[0]["fc_weight"].asnumpy()

    custom = train(mx.kv.create("teststore"))
    assert teststore.asked == [[mx.cpu(0), mx.cpu(1)]]
    np.testing.assert_allclose(custom, train("local"))
    assert not np.allclose(custom, 0.5)


def test_reducers_sum_and_keep_per_device_copies_only_after_an_all_reduce():
    import jax
    devices = jax.devices("cpu")[:2]
    parts = [jax.device_put(np.full(4, i + 1, np.float32), d) for i, d in enumerate(devices)]
    total, copies = reducers.LocalSum().reduce(parts, devices, devices[0])
    assert copies == {} and (np.asarray(total) == 3).all()
    total, copies = reducers.DeviceAllReduce().reduce(parts, devices, devices[1])
    assert set(copies) == set(devices) and (np.asarray(total) == 3).all()
    assert next(iter(total.devices())) == devices[1]
    total, copies = reducers.CrossProcess(reducers.DeviceAllReduce()).reduce(
        parts, devices, devices[0])  # one process: the local sum and its copies
    assert set(copies) == set(devices) and (np.asarray(total) == 3).all()


def test_the_throttle_waits_for_the_oldest_beyond_its_limit():
    waited = []

    class Flag:
        def __init__(self, n):
            self.n = n

        def block_until_ready(self):
            waited.append(self.n)

    throttle = collectives.Throttle(2)
    for n in range(4):
        throttle.queued(Flag(n))
    assert waited == [0, 1]
    assert collectives.HOST_THROTTLE.limit == collectives.HOST_COLLECTIVES_IN_FLIGHT


def test_teststore_is_registered_and_sums_without_an_optimizer():
    store = mx.kv.create("teststore")
    assert isinstance(store, mx.kv.TestStore)
    assert (store.type, store.rank, store.num_workers) == ("teststore", 0, 1)
    assert not type(store).is_capable(mx.kv.KVStoreBase.OPTIMIZER)
    with pytest.raises(ValueError, match="Unknown capability"):
        store.is_capable("compression")
    values = [mx.nd.ones((2, 2)), mx.nd.ones((2, 2)) * 2]
    outs = [mx.nd.zeros((2, 2)), mx.nd.zeros((2, 2))]
    store.pushpull("a", values, outs)
    for out in outs:
        np.testing.assert_array_equal(out.asnumpy(), np.full((2, 2), 3.0))
    store.pushpull("a", values)
    np.testing.assert_array_equal(values[1].asnumpy(), np.full((2, 2), 3.0))
    store.broadcast(5, mx.nd.ones((2, 2)) * 7, outs)
    np.testing.assert_array_equal(outs[0].asnumpy(), np.full((2, 2), 7.0))
    with pytest.raises(NotImplementedError):
        store.set_optimizer(mx.optimizer.SGD())

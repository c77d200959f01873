"""Contexts: naming, equality, scopes, and the devices they map to."""
import jax
import pytest

import symjax_mx as mx


def test_repr_equality_and_hash():
    assert repr(mx.cpu(1)) == "cpu(1)" and str(mx.gpu(2)) == "gpu(2)"
    assert mx.cpu(1) == mx.Context("cpu", 1) == mx.Context(mx.cpu(1))
    assert mx.cpu(0) != mx.gpu(0) and mx.cpu(0) != mx.cpu(1)
    assert len({mx.cpu(1), mx.cpu(1), mx.cpu(2)}) == 2
    assert (mx.gpu(3).device_type, mx.gpu(3).device_typeid, mx.gpu(3).device_id) == ("gpu", 2, 3)


def test_unknown_device_type():
    with pytest.raises(mx.MXNetError, match="unknown device type 'tpu'"):
        mx.Context("tpu", 0)


def test_default_context_and_scope():
    assert mx.current_context() == mx.cpu(0)
    with mx.cpu(2):
        assert mx.current_context() == mx.cpu(2)
        with mx.cpu(1):
            assert mx.nd.zeros((1,)).context == mx.cpu(1)
        assert mx.nd.ones((1,)).context == mx.cpu(2)
    assert mx.current_context() == mx.cpu(0)


def test_cpu_contexts_are_distinct_host_devices():
    cpus = jax.devices("cpu")
    assert len(cpus) == 4, "conftest.py forces four host devices"
    for i in range(4):
        a = mx.nd.ones((2,), ctx=mx.cpu(i))
        assert a.context == mx.cpu(i)
        assert a.asjax().devices() == {cpus[i]}


def test_cpu_beyond_the_configured_devices_lists_them():
    with pytest.raises(mx.MXNetError, match=r"cpu\(9\) does not exist.*cpu\(0\), cpu\(1\)"):
        mx.nd.zeros((1,), ctx=mx.cpu(9))


@pytest.mark.skipif(mx.context.num_gpus() > 0, reason="this machine has a GPU")
def test_gpu_without_gpus_lists_available_devices():
    assert mx.context.num_gpus() == 0
    ctx = mx.gpu(0)  # naming a GPU is fine; placing an array there is the error
    with pytest.raises(mx.MXNetError, match=r"gpu\(0\) does not exist.*available devices: cpu\(0\)"):
        mx.nd.empty((2, 3), ctx)


def test_num_gpus_matches_jax():
    try:
        expected = len(jax.devices("gpu"))
    except RuntimeError:
        expected = 0
    assert mx.context.num_gpus() == expected


def test_context_pickles_and_deep_copies_after_its_device_is_known():
    import copy
    import pickle
    ctx = mx.cpu(1)
    ctx.jax_device  # noqa: B018 -- caches the jax.Device, which does not pickle
    for twin in (pickle.loads(pickle.dumps(ctx)), copy.deepcopy(ctx), copy.copy(ctx)):
        assert twin == ctx and twin.jax_device == ctx.jax_device
    assert copy.deepcopy({"ctx": mx.gpu(3)})["ctx"] == mx.gpu(3)

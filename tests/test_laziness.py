"""Lazy, asynchronous execution: NDArray work never synchronises with the host except in
asnumpy / asscalar / wait_to_read / waitall / save / printing, and failures of
asynchronous work surface as MXNetError naming the operator."""
import contextlib

import jax
import numpy as np
import pytest
from jax._src import array as jax_array  # the one place every device->host read goes through

import symjax_mx as mx
from symjax_mx.ndarray import ndarray as ndarray_module
from symjax_mx.ndarray.ndarray import NDArray


@contextlib.contextmanager
def count_host_reads(monkeypatch):
    """Count host synchronisations: NDArray's waits, and implicit reads of a jax.Array's
    value (float(), bool(), int(), tolist(), __array__) anywhere."""
    reads = []
    wait = ndarray_module._wait
    monkeypatch.setattr(ndarray_module, "_wait",
                        lambda *args: (reads.append("wait"), wait(*args))[1])
    value = jax_array.ArrayImpl._value
    monkeypatch.setattr(jax_array.ArrayImpl, "_value",
                        property(lambda self: (reads.append("value"), value.fget(self))[1]))
    yield reads
    monkeypatch.undo()


def test_the_counter_sees_host_reads(monkeypatch):
    x = mx.nd.ones((2,))
    with count_host_reads(monkeypatch) as reads:
        x.asnumpy()
        bool(x.asjax()[0])
    assert reads == ["wait", "value"]


def test_operations_do_not_synchronise(monkeypatch):
    b = mx.nd.ones((2, 3))
    other = mx.nd.ones((2, 3), ctx=mx.cpu(1))
    with count_host_reads(monkeypatch) as reads:
        c = b + 1
        c += 2
        c *= b
        c[0:1] = 5
        row = c[1]
        row[:] = 3
        c[:, 1] = 4
        c[[0, 1], [0, 0]] = 7
        picked = c[mx.nd.array([1, 0])]
        flat = c.reshape((-1,))
        total = mx.nd.sum(c, axis=0) + c.max() + (c == 3).sum()
        moved = c.copyto(mx.cpu(1)) * other
        other.copyto(c)
        cast = c.astype("int32").T
        joined = mx.nd.concat(c, c, dim=0)
        fresh = mx.nd.zeros((2, 3)) + mx.nd.arange(3)
    assert not reads
    for x in (c, row, picked, flat, total, moved, cast, joined, fresh):
        x.wait_to_read()


def test_save_and_printing_wait_for_results(tmp_path, monkeypatch):
    a = mx.nd.ones((2,)) * 3
    with count_host_reads(monkeypatch) as reads:
        mx.nd.save(str(tmp_path / "a.params"), [a])
    assert reads
    assert "[3. 3.]" in repr(a)
    assert mx.nd.load(str(tmp_path / "a.params"))[0].asnumpy().tolist() == [3, 3]


class _FailingBuffer:
    """Stands in for a jax.Array whose asynchronous computation failed."""

    shape = (2,)
    dtype = np.dtype("float32")

    def block_until_ready(self):
        raise RuntimeError("INTERNAL: device kernel failed")


def test_a_failure_of_asynchronous_work_surfaces_at_the_next_wait():
    broken = NDArray(_FailingBuffer(), mx.cpu(0), "Convolution")
    with pytest.raises(mx.MXNetError, match="asynchronous operation Convolution failed: "
                                            "INTERNAL: device kernel failed"):
        broken.wait_to_read()
    with pytest.raises(mx.MXNetError, match="asynchronous operation Convolution failed"):
        broken.asnumpy()


def test_an_operator_failing_at_run_time_names_the_operator():
    from symjax_mx.ops.registry import _REGISTRY, register, simple_compute

    def explode(x):
        raise RuntimeError("host callback exploded")

    op = register("_test_exploding", simple_compute(
        lambda x: jax.pure_callback(explode, jax.ShapeDtypeStruct(x.shape, x.dtype), x)))
    try:
        with pytest.raises(mx.MXNetError, match="_test_exploding failed"):
            result = mx.nd.ndarray.invoke(op, (mx.nd.ones((2,)),), {})
            result.wait_to_read()  # CPU runs callbacks at dispatch; GPUs fail here
    finally:
        del _REGISTRY["_test_exploding"]


def test_waitall_waits_for_everything():
    arrays = [mx.nd.ones((64, 64), ctx=mx.cpu(i % 2)) * i for i in range(4)]
    mx.nd.waitall()
    assert all(a.asnumpy()[0, 0] == i for i, a in enumerate(arrays))

"""Errors of invalid operator parameters that MXNet checks in the kernel surface lazily:
at wait_to_read / asnumpy / waitall, once, and on every array computed from the result."""
import jax
import numpy as np
import pytest

import symjax_mx as mx


def _bad():
    return mx.nd.random.normal(0, -1, shape=(2, 2))


def test_the_call_returns_and_the_read_raises_once():
    a = _bad()
    with pytest.raises(mx.MXNetError, match="scale: must be positive"):
        a.wait_to_read()
    a.asnumpy()


def test_arrays_computed_from_a_failed_result_carry_its_error():
    a = _bad()
    c = mx.nd.dot(a, a) + 1
    with pytest.raises(mx.MXNetError, match="scale"):
        c.asnumpy()
    a.asnumpy()  # the error is shared: raising it once clears it everywhere


def test_views_and_copies_share_the_error():
    first, second = _bad().copyto(mx.cpu())
    with pytest.raises(mx.MXNetError):
        first.asnumpy()
    second.asnumpy()


def test_waitall_raises_the_first_error_once():
    a = _bad()
    with pytest.raises(mx.MXNetError, match="scale"):
        mx.nd.waitall()
    mx.nd.waitall()
    a.asnumpy()


def test_waitall_reports_a_failed_buffer_once(monkeypatch):
    """A buffer whose asynchronous computation failed raises at one waitall, not at every
    later one (MXNet's engine reports a failed operation once)."""
    class FailedBuffer:
        def block_until_ready(self):
            raise RuntimeError("INTERNAL: CpuCallback error")

    failed = FailedBuffer()
    monkeypatch.setattr(jax, "live_arrays", lambda: [failed])
    with pytest.raises(mx.MXNetError, match="CpuCallback error"):
        mx.nd.waitall()
    mx.nd.waitall()


def test_out_targets_carry_the_error():
    target = mx.nd.zeros((2, 2))
    mx.nd.random.normal(0, -1, shape=(2, 2), out=target)
    with pytest.raises(mx.MXNetError):
        target.asnumpy()


def test_symbols_still_refuse_the_value_when_built():
    with pytest.raises(mx.MXNetError, match="scale: must be positive"):
        mx.sym.random.normal(0, -1, shape=(2,))


def test_raising_one_error_clears_the_others():
    older, newer = _bad(), _bad()
    with pytest.raises(mx.MXNetError):
        newer.asnumpy()
    older.asnumpy()   # MXNet 1.9.1 reads it without an error too
    mx.nd.waitall()


def test_executor_kernel_failure_surfaces_when_an_output_is_read():
    indices = mx.sym.BlockGrad(mx.sym.Variable("indices"))
    taken = mx.sym.take(a=mx.sym.Variable("a"), indices=indices, axis=0, mode="raise")
    executor = taken.simple_bind(mx.cpu(), a=(3, 2), indices=(2,))
    executor.arg_dict["a"][:] = 1
    for bad in (False, True, True, False):  # later calls take JAX's fast dispatch path
        executor.arg_dict["indices"][:] = mx.nd.array([5, 0] if bad else [1, 2])
        outputs = executor.forward(is_train=True)  # no error yet, as MXNet's engine
        if bad:
            with pytest.raises(mx.MXNetError):
                outputs[0].asnumpy()
        else:
            np.testing.assert_array_equal(outputs[0].asnumpy(), np.ones((2, 2)))

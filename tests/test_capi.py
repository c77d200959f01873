"""MXNet's C API surface: NDArray handles, mx.base._LIB functions, check_call, DLPack
tensors read through ctypes, and the executor monitor's (name, handle) callback."""
import ctypes
import gc
import sys

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx._capi import DLManagedTensor
from symjax_mx.base import NDArrayHandle, _LIB, check_call, py_str

_DELETER = DLManagedTensor._fields_[2][1]


def _capsule_pointer(capsule):
    return ctypes.c_void_p(ctypes.pythonapi.PyCapsule_GetPointer(ctypes.py_object(capsule),
                                                                 b"dltensor"))


def _consume(capsule):
    """MXNet's old from_dlpack: the array of a 'dltensor' capsule, read through _LIB."""
    handle = NDArrayHandle()
    check_call(_LIB.MXNDArrayFromDLPack(_capsule_pointer(capsule), ctypes.byref(handle)))
    ctypes.pythonapi.PyCapsule_SetName(ctypes.py_object(capsule), b"used_dltensor")
    ctypes.pythonapi.PyCapsule_SetDestructor(ctypes.py_object(capsule), None)
    return mx.nd.NDArray(handle=handle)


class _Tensor:
    """A hand-made DLManagedTensor over a numpy buffer, counting its deleter's calls."""

    def __init__(self, buffer, shape, strides=None, code=2, bits=32, device=1, offset=0):
        self.buffer, self.deleted = buffer, 0
        self.shape = (ctypes.c_int64 * len(shape))(*shape)
        self.strides = None if strides is None else (ctypes.c_int64 * len(strides))(*strides)
        self.deleter = _DELETER(self._delete)
        self.managed = DLManagedTensor()
        dl = self.managed.dl_tensor
        dl.data, dl.ndim, dl.byte_offset = buffer.ctypes.data, len(shape), offset
        dl.device.device_type = device
        dl.dtype.code, dl.dtype.bits, dl.dtype.lanes = code, bits, 1
        dl.shape = self.shape
        dl.strides = self.strides
        self.managed.deleter = self.deleter

    def _delete(self, _):
        self.deleted += 1

    def read(self):
        handle = NDArrayHandle()
        ret = _LIB.MXNDArrayFromDLPack(ctypes.byref(self.managed), ctypes.byref(handle))
        return ret, handle


def test_a_jax_dlpack_capsule_read_through_lib_is_the_same_array():
    x = mx.nd.array([[1, 2, 3], [4, 5, 6]], dtype="int32")
    z = _consume(mx.nd.to_dlpack_for_read(x))
    assert z.dtype == np.int32 and z.context == mx.cpu(0)
    np.testing.assert_array_equal(z.asnumpy(), x.asnumpy())


def test_reading_a_numpy_capsule_calls_its_deleter():
    source = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = sys.getrefcount(source)
    capsule = source.__dlpack__()
    assert sys.getrefcount(source) == before + 1  # the tensor's manager holds the array
    z = _consume(capsule)
    del capsule
    assert sys.getrefcount(source) == before  # the deleter released it
    assert z.dtype == np.float64
    np.testing.assert_array_equal(z.asnumpy(), source)


def test_strides_and_byte_offset_are_honoured_and_the_data_copied():
    buffer = np.arange(24, dtype=np.float32)
    tensor = _Tensor(buffer, (2, 3), strides=(1, 4), offset=8)  # a transposed view, from [2]
    ret, handle = tensor.read()
    assert ret == 0 and tensor.deleted == 1
    z = mx.nd.NDArray(handle)
    expected = buffer[2:14].reshape(3, 4).T[:2, :3].copy()
    np.testing.assert_array_equal(z.asnumpy(), expected)
    buffer[:] = -1  # the array owns a copy: the producer's memory may go
    np.testing.assert_array_equal(z.asnumpy(), expected)


def test_pinned_host_memory_comes_to_cpu_pinned():
    ret, handle = _Tensor(np.arange(3, dtype=np.float32), (3,), device=3).read()  # kDLCUDAHost
    check_call(ret)
    z = mx.nd.NDArray(handle)
    assert z.context == mx.cpu_pinned(0) and z.asnumpy().tolist() == [0, 1, 2]


@pytest.mark.parametrize("code, bits, dtype", [(0, 64, np.int64), (1, 8, np.uint8),
                                               (6, 8, np.bool_), (2, 16, np.float16)])
def test_every_mxnet_dtype_comes_through(code, bits, dtype):
    buffer = np.array([0, 1, 1, 0], dtype=dtype)
    tensor = _Tensor(buffer, (4,), code=code, bits=bits)
    ret, handle = tensor.read()
    assert ret == 0
    z = mx.nd.NDArray(handle)
    assert z.dtype == dtype
    np.testing.assert_array_equal(z.asnumpy(), buffer)


@pytest.mark.parametrize("kwargs, message", [
    ({"device": 2}, "device memory \\(DLPack device type 2, kDLCUDA\\)"),
    ({"code": 1, "bits": 16}, "dtype uint16 is not supported"),
    ({"code": 5, "bits": 64}, "code 5, bits 64, lanes 1\\) has no MXNet dtype"),
])
def test_a_tensor_mxnet_cannot_take_is_an_error_and_stays_the_producers(kwargs, message):
    tensor = _Tensor(np.zeros(4, np.float32), (4,), **kwargs)
    ret, handle = tensor.read()
    assert ret == -1 and handle.value is None and tensor.deleted == 0
    assert py_str(_LIB.MXGetLastError()).startswith("MXNDArrayFromDLPack: ")
    with pytest.raises(mx.MXNetError, match=message):
        check_call(ret)


def test_call_dlpack_deleter_and_null_pointers():
    tensor = _Tensor(np.zeros(2, np.float32), (2,))
    check_call(_LIB.MXNDArrayCallDLPackDeleter(ctypes.byref(tensor.managed)))
    assert tensor.deleted == 1
    with pytest.raises(mx.MXNetError, match="DLManagedTensor pointer is NULL"):
        check_call(_LIB.MXNDArrayFromDLPack(None, ctypes.byref(NDArrayHandle())))
    with pytest.raises(AttributeError, match="has no function MXNoSuchCall; it provides: "):
        _LIB.MXNoSuchCall  # noqa: B018


def test_a_handle_names_the_same_array_while_it_lives():
    a = mx.nd.array([1, 2, 3])
    assert a.handle.value == a.handle.value and a.handle.value != mx.nd.ones(1).handle.value
    b = mx.nd.NDArray(a.handle)
    b[:] = 7  # the same memory, both ways
    np.testing.assert_array_equal(a.asnumpy(), [7, 7, 7])
    a += 1
    np.testing.assert_array_equal(b.asnumpy(), [8, 8, 8])
    tail = a[1:]  # a handle names its array only while the array lives
    view = mx.nd.NDArray(tail.handle)
    assert view.shape == (2,)
    view[:] = 0
    np.testing.assert_array_equal(a.asnumpy(), [8, 0, 0])
    value = a.handle.value
    del a, b, tail, view
    gc.collect()
    with pytest.raises(mx.MXNetError, match=f"handle {value:#x} names no live NDArray"):
        mx.nd.NDArray(ctypes.c_void_p(value))


def test_shape_dtype_and_context_through_lib():
    a = mx.nd.zeros((4, 1, 3), dtype="float64")
    ndim, dims = ctypes.c_int(), ctypes.POINTER(ctypes.c_int)()
    check_call(_LIB.MXNDArrayGetShapeEx(a.handle, ctypes.byref(ndim), ctypes.byref(dims)))
    assert dims[:ndim.value] == [4, 1, 3]
    dtype, dev_type, dev_id = ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
    check_call(_LIB.MXNDArrayGetDType(a.handle, ctypes.byref(dtype)))
    check_call(_LIB.MXNDArrayGetContext(a.handle, ctypes.byref(dev_type), ctypes.byref(dev_id)))
    assert (dtype.value, dev_type.value, dev_id.value) == (1, 1, 0)  # float64 on cpu(0)
    check_call(_LIB.MXNDArrayWaitToRead(a.handle))
    check_call(_LIB.MXNDArrayWaitAll())


def test_free_releases_a_lent_handle_and_a_second_free_fails():
    ret, handle = _Tensor(np.ones(3, np.float32), (3,)).read()
    check_call(ret)
    check_call(_LIB.MXNDArrayFree(handle))
    with pytest.raises(mx.MXNetError, match="names no live NDArray"):
        mx.nd.NDArray(handle=handle)
    with pytest.raises(mx.MXNetError, match="was already freed or never existed"):
        check_call(_LIB.MXNDArrayFree(handle))
    with pytest.raises(mx.MXNetError, match="NULL"):
        mx.nd.NDArray(NDArrayHandle())


def test_a_taken_handle_belongs_to_its_new_array():
    ret, handle = _Tensor(np.ones(3, np.float32), (3,)).read()
    check_call(ret)
    z = mx.nd.NDArray(handle=handle)
    assert z.handle.value == handle.value
    del z
    gc.collect()
    with pytest.raises(mx.MXNetError, match="names no live NDArray"):
        mx.nd.NDArray(handle)


def test_a_readonly_array_refuses_writes():
    a = mx.nd.ones((2, 2))
    r = mx.nd.NDArray(a.handle, writable=False)
    assert not r.writable and a.writable
    for write in (lambda: r.__setitem__(slice(None), 0), lambda: r.__iadd__(1)):
        with pytest.raises(ValueError, match="readonly NDArray"):
            write()
    np.testing.assert_array_equal(r.asnumpy(), np.ones((2, 2)))


def test_the_monitor_callback_gets_bytes_names_and_handles_lent_for_the_call():
    data = mx.sym.Variable("data")
    net = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=2, name="fc"),
                            act_type="relu", name="relu")
    exe = net.simple_bind(mx.cpu(), data=(1, 3), grad_req="null")
    seen, handles = {}, []

    def callback(name, handle):
        assert isinstance(name, bytes) and isinstance(handle, int)
        handles.append(handle)
        seen[py_str(name)] = mx.nd.NDArray(ctypes.cast(handle, NDArrayHandle),
                                          writable=False).asnumpy()

    exe.set_monitor_callback(callback, monitor_all=True)
    exe.arg_dict["data"][:] = 1
    exe.forward()
    assert list(seen) == ["data", "fc_data", "fc_weight", "fc_bias", "fc_output",
                          "relu_input0", "relu_output"]
    np.testing.assert_array_equal(seen["fc_data"], np.ones((1, 3)))
    np.testing.assert_array_equal(seen["relu_output"], exe.outputs[0].asnumpy())
    reshaped = exe.reshape(data=(2, 3), allow_up_sizing=True)  # keeps the callback
    seen.clear()
    reshaped.forward()
    assert seen["fc_output"].shape == (2, 2)
    gc.collect()  # the arrays made in the callback are gone: so are their handles
    with pytest.raises(mx.MXNetError, match="names no live NDArray"):
        mx.nd.NDArray(ctypes.c_void_p(handles[0]))


def test_a_module_keeps_an_executor_callback_when_the_input_shape_changes():
    net = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2, name="fc")
    mod = mx.mod.Module(net, label_names=None)
    mod.bind(for_training=False, data_shapes=[("data", (1, 3))])
    mod.init_params()
    names = []
    mod._exec_group.execs[0].set_monitor_callback(lambda name, _: names.append(py_str(name)))
    batches = mx.test_utils.DummyIter(mx.io.NDArrayIter(mx.nd.ones((8, 3)), batch_size=4))
    batch = next(batches)
    assert next(batches) is batch and batches.batch_size == 4  # the first batch, forever
    mod.forward(batch, is_train=False)
    assert names == ["fc_output"] and mod.get_outputs()[0].shape == (4, 2)


def test_operator_star_import_brings_the_ctypes_names_mxnet_tests_use():
    namespace = {}
    exec("from symjax_mx.operator import *", namespace)
    assert namespace["ctypes"] is ctypes and namespace["NDArrayHandle"] is ctypes.c_void_p
    assert namespace["NDArray"] is mx.nd.NDArray

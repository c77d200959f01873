"""The part of MXNet's C API that works on NDArray handles, as ``mx.base._LIB`` functions.

MXNet scripts and tests sometimes reach into libmxnet through ctypes, e.g.::

    handle = mx.base.NDArrayHandle()
    check_call(_LIB.MXNDArrayFromDLPack(dlpack_pointer, ctypes.byref(handle)))
    array = mx.nd.NDArray(handle=handle)

The functions here keep MXNet's names, argument order and conventions: handles are
``ctypes.c_void_p`` values from ``ndarray.handles`` (a handle a function returns holds its
array until ``MXNDArrayFree`` or ``NDArray(handle)`` takes it over), out-parameters are
``ctypes.byref(...)`` of the C type, and each call returns 0, or -1 with the message in
``MXGetLastError`` (``check_call`` raises it). A DLPack tensor is read through its C
structures: host memory is copied into a new array and the tensor's deleter is called,
since the consumer owns a tensor it accepted (the DLPack contract).
"""
import ctypes
import math
import threading

import numpy as np

from . import x64
from .base import _LIB, MXNetError, normalize_dtype
from .context import Context
from .ndarray import handles
from .ndarray.file_format import FLAG_OF_DTYPE
from .ndarray.ndarray import NDArray, waitall

__all__ = ["DLDevice", "DLDataType", "DLTensor", "DLManagedTensor"]


# --- DLPack's C structures (dlpack.h, the unversioned ABI of MXNet 1.9 and 'dltensor') ---

class DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


class DLManagedTensor(ctypes.Structure):
    pass


DLManagedTensor._fields_ = [
    ("dl_tensor", DLTensor), ("manager_ctx", ctypes.c_void_p),
    ("deleter", ctypes.CFUNCTYPE(None, ctypes.POINTER(DLManagedTensor)))]

_DL_DEVICE_NAMES = {1: "kDLCPU", 2: "kDLCUDA", 3: "kDLCUDAHost", 4: "kDLOpenCL", 7: "kDLVulkan",
                    8: "kDLMetal", 10: "kDLROCM", 13: "kDLCUDAManaged", 14: "kDLOneAPI"}
_DL_HOST_DEVICES = (1, 3)  # memory the CPU reads: kDLCPU and pinned kDLCUDAHost
_DL_TYPE_KINDS = {0: "i", 1: "u", 2: "f", 6: "b"}  # kDLInt, kDLUInt, kDLFloat, kDLBool


def _managed_tensor(dlpack, function):
    """The DLManagedTensor at ``dlpack`` (a c_void_p, an integer, a pointer or byref)."""
    address = ctypes.cast(dlpack, ctypes.c_void_p).value
    if not address:
        raise MXNetError(f"{function}: the DLManagedTensor pointer is NULL")
    return DLManagedTensor.from_address(address)


def _dtype(dl_type, function):
    """The numpy dtype of a DLDataType, if MXNet supports it."""
    kind = _DL_TYPE_KINDS.get(dl_type.code)
    if kind is None or dl_type.lanes != 1 or dl_type.bits % 8:
        raise MXNetError(f"{function}: DLPack data type (code {dl_type.code}, bits "
                         f"{dl_type.bits}, lanes {dl_type.lanes}) has no MXNet dtype")
    dtype = np.dtype(f"{kind}{dl_type.bits // 8}" if kind != "b" else "bool")
    try:
        return np.dtype(normalize_dtype(dtype))
    except MXNetError as err:
        raise MXNetError(f"{function}: {err}") from None


def _host_view(tensor, function):
    """A numpy array over a DLTensor in host memory (strides and byte offset honoured)."""
    device = tensor.device.device_type
    if device not in _DL_HOST_DEVICES:
        name = _DL_DEVICE_NAMES.get(device, "unknown")
        raise MXNetError(f"{function}: the tensor is in device memory (DLPack device type "
                         f"{device}, {name}); this C API reads host memory only (kDLCPU, "
                         f"kDLCUDAHost): use mx.nd.from_dlpack for device arrays")
    dtype = _dtype(tensor.dtype, function)
    shape = tuple(tensor.shape[i] for i in range(tensor.ndim))
    if math.prod(shape) == 0:
        return np.empty(shape, dtype)
    if tensor.strides:  # in elements; NULL means compact row-major
        strides = tuple(tensor.strides[i] * dtype.itemsize for i in range(tensor.ndim))
    else:
        strides = tuple(dtype.itemsize * math.prod(shape[i + 1:]) for i in range(len(shape)))
    low = sum(min(0, (n - 1) * s) for n, s in zip(shape, strides))
    high = sum(max(0, (n - 1) * s) for n, s in zip(shape, strides)) + dtype.itemsize
    if not tensor.data:
        raise MXNetError(f"{function}: the tensor's data pointer is NULL")
    memory = (ctypes.c_char * (high - low)).from_address(tensor.data + tensor.byte_offset + low)
    return np.ndarray(shape, dtype, buffer=memory, offset=-low, strides=strides)


def _out(pointer, ctype, function):
    """An out-parameter (``ctypes.byref(value)`` or a pointer) as a ``POINTER(ctype)``."""
    if pointer is None:
        raise MXNetError(f"{function}: an output pointer is NULL")
    return ctypes.cast(pointer, ctypes.POINTER(ctype))


@_LIB.function
def MXNDArrayFromDLPackEx(dlpack, transient_handle, out_handle):  # noqa: N802 (MXNet's names)
    """A new NDArray handle holding a copy of the DLManagedTensor at ``dlpack`` (host
    memory); the tensor's deleter is called once it is copied. ``transient_handle`` is
    accepted for MXNet's signature: nothing here outlives the call."""
    tensor = _managed_tensor(dlpack, "MXNDArrayFromDLPack")
    view = _host_view(tensor.dl_tensor, "MXNDArrayFromDLPack")
    device = tensor.dl_tensor.device  # kDLCPU and kDLCUDAHost are MXNet's cpu and cpu_pinned
    ctx = Context(Context.devtype2str[device.device_type], device.device_id)
    value = x64.device_put(np.array(view, copy=True), ctx.jax_device, may_alias=True)
    if tensor.deleter:
        tensor.deleter(ctypes.pointer(tensor))
    _out(out_handle, ctypes.c_void_p, "MXNDArrayFromDLPack")[0] = handles.lend(
        NDArray(value, ctx))


@_LIB.function
def MXNDArrayFromDLPack(dlpack, out_handle):  # noqa: N802
    """MXNDArrayFromDLPackEx with ``transient_handle`` false (MXNet's older form)."""
    MXNDArrayFromDLPackEx(dlpack, False, out_handle)


@_LIB.function
def MXNDArrayCallDLPackDeleter(dlpack):  # noqa: N802
    """Call the deleter of the DLManagedTensor at ``dlpack`` (if it has one)."""
    tensor = _managed_tensor(dlpack, "MXNDArrayCallDLPackDeleter")
    if tensor.deleter:
        tensor.deleter(ctypes.pointer(tensor))


@_LIB.function
def MXNDArrayFree(handle):  # noqa: N802
    """Release ``handle``; the array lives on while an NDArray object still holds it."""
    handles.free(handle)


_shape_buffer = threading.local()  # MXNDArrayGetShapeEx's result, valid until the next call


@_LIB.function
def MXNDArrayGetShapeEx(handle, out_dim, out_pdata):  # noqa: N802
    """The array's number of dimensions into ``*out_dim`` and a pointer to its dimensions
    (C ints, valid until this thread's next call) into ``*out_pdata``."""
    shape = handles.resolve(handle).shape
    _shape_buffer.dims = (ctypes.c_int * max(len(shape), 1))(*shape)
    _out(out_dim, ctypes.c_int, "MXNDArrayGetShapeEx")[0] = len(shape)
    _out(out_pdata, ctypes.POINTER(ctypes.c_int), "MXNDArrayGetShapeEx")[0] = ctypes.cast(
        _shape_buffer.dims, ctypes.POINTER(ctypes.c_int))


@_LIB.function
def MXNDArrayGetDType(handle, out_dtype):  # noqa: N802
    """MXNet's type flag of the array's dtype (float32 0, float64 1, ... int64 6)."""
    dtype = np.dtype(handles.resolve(handle).dtype)
    _out(out_dtype, ctypes.c_int, "MXNDArrayGetDType")[0] = FLAG_OF_DTYPE[dtype.name]


@_LIB.function
def MXNDArrayGetContext(handle, out_dev_type, out_dev_id):  # noqa: N802
    """The array's device type id (cpu 1, gpu 2) and device id."""
    ctx = handles.resolve(handle).context
    _out(out_dev_type, ctypes.c_int, "MXNDArrayGetContext")[0] = ctx.device_typeid
    _out(out_dev_id, ctypes.c_int, "MXNDArrayGetContext")[0] = ctx.device_id


@_LIB.function
def MXNDArrayWaitToRead(handle):  # noqa: N802
    """Wait until the array's value is computed; its asynchronous error is this call's."""
    handles.resolve(handle).wait_to_read()


@_LIB.function
def MXNDArrayWaitAll():  # noqa: N802
    """Wait for all pending work."""
    waitall()

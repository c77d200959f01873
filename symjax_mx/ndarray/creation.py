"""Creating NDArrays: zeros, ones, full, empty, array, arange, linspace, eye, *_like,
concatenate."""
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import SingleDeviceSharding

from .. import compile_options, profiler, x64
from ..base import MXNetError, mx_real_t, normalize_dtype, normalize_shape
from ..context import cpu as cpu_context, current_context
from ..ops import get_op
from ..ops.elemwise import cast_scalar
from ..util import is_np_shape
from . import deferred
from .ndarray import NDArray, invoke, share_with_host

__all__ = ["empty", "zeros", "ones", "full", "array", "arange", "linspace", "eye", "concatenate",
           "from_dlpack", "from_numpy", "to_dlpack_for_read", "to_dlpack_for_write"]


def _place(ctx):
    ctx = ctx if ctx is not None else current_context()
    return ctx, ctx.jax_device


@functools.lru_cache(maxsize=None)
def _filler(device, shape, dtype):
    """A compiled function making a ``shape`` array of one runtime value on ``device``."""
    return x64.jit(lambda value: jnp.full(shape, cast_scalar(value, dtype), dtype),
                   out_shardings=SingleDeviceSharding(device),
                   compiler_options=compile_options.for_shapes([shape]))


_HOST_FILL_MAX_SIZE = 1 << 20  # elements: a host fill and transfer beats a compile
# Host fills of one (device, shape, dtype) before its filler is compiled. On the CPU a
# host fill costs 30-40 us more than a compiled filler's call and the compile 20-60 ms,
# so fills there pay about one compile before buying it; elsewhere transfers cost more.
_HOST_FILLS_PER_SHAPE = {"cpu": 512}
_HOST_FILLS_ELSEWHERE = 4
_host_fills = {}               # (device, shape, dtype) -> host fills so far


def _host_scalar(value, dtype):
    """``value`` cast to ``dtype`` on the host exactly as ``cast_scalar`` casts it on the
    device, or None where the two could differ (NaN or out-of-range into integers)."""
    if not isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
        return None
    scalar = np.asarray(value)
    if np.issubdtype(dtype, np.integer):
        if scalar.dtype.kind == "f" and not (np.isfinite(scalar) and abs(scalar) < 2.0 ** 62):
            return None
        scalar = scalar.astype(np.int64)
    with np.errstate(over="ignore"):  # overflow to inf, as on the device
        return scalar.astype(dtype)


def _fills_on_host(device, shape, dtype):
    """Whether a small ``shape`` array is filled on the host and transferred (counted),
    rather than by the shape's compiled filler."""
    if math.prod(shape) > _HOST_FILL_MAX_SIZE:
        return False
    key = (device, shape, dtype)
    fills = _host_fills.get(key, 0)
    if fills >= _HOST_FILLS_PER_SHAPE.get(device.platform, _HOST_FILLS_ELSEWHERE):
        return False
    if len(_host_fills) >= 4096:
        _host_fills.clear()
    _host_fills[key] = fills + 1
    return True


def _filled(device, shape, dtype, val):
    """A ``shape`` array of ``val`` on ``device``, filled on the host where
    `_fills_on_host` says so, else by the shape's compiled filler."""
    if _fills_on_host(device, shape, dtype):
        scalar = _host_scalar(val, dtype)
        if scalar is not None:
            return x64.device_put(np.full(shape, scalar, dtype), device, may_alias=True)
    return _filler(device, shape, dtype)(val)


def check_known_shape(op_name, shape, allow_zero_size=False):
    """MXNetError where MXNet's legacy shape semantics (outside ``mx.np_shape()``) read
    ``shape`` as unknown, as its creation operators do: the empty shape, or (unless
    ``allow_zero_size``) a shape with a 0 in it."""
    if is_np_shape() or (shape and (allow_zero_size or 0 not in shape)):
        return
    raise MXNetError(f"Operator {op_name} inferring shapes failed: shape {shape} is unknown "
                     f"outside mx.np_shape(), where a 0 (or no dimension at all) means an "
                     f"unknown size; use mx.np_shape() for scalar and zero-size arrays")


def _full(shape, val, ctx, dtype, out=None, op_name="_full"):
    """A dense array of ``shape`` filled with ``val`` (``out`` filled, if given), whatever
    the shape semantics; the profiler records it as operator ``op_name`` (None: not)."""
    if out is not None:
        out[:] = val
        return out
    started = profiler.operator_started() if op_name else None
    ctx, device = _place(ctx)
    array = NDArray(_filled(device, normalize_shape(shape), normalize_dtype(dtype), val), ctx)
    if started is not None:
        profiler.operator_finished(op_name, started)
    return array


def full(shape, val, ctx=None, dtype=mx_real_t, out=None):
    """An array of ``shape`` filled with ``val``; outside ``mx.np_shape()`` the shape must
    have a dimension (zero sizes are allowed, as on MXNet)."""
    if out is None:
        check_known_shape("_full", normalize_shape(shape), allow_zero_size=True)
    return _full(shape, val, ctx, dtype, out)


def _array_kwargs(kwargs):
    """``kwargs`` less ``name`` and ``__attr__`` entries, which MXNet's creation functions
    accept (the Symbol API names them) and ignore for arrays."""
    return {k: v for k, v in kwargs.items() if k != "name" and not k.startswith("__")}


def zeros(shape, ctx=None, dtype=mx_real_t, **kwargs):
    """An array of zeros (float32 unless ``dtype`` says otherwise); outside
    ``mx.np_shape()`` the shape must be known: no 0 in it, at least one dimension."""
    check_known_shape("_zeros", normalize_shape(shape))
    return _full(shape, 0, ctx, dtype, op_name="_zeros", **_array_kwargs(kwargs))


def ones(shape, ctx=None, dtype=mx_real_t, **kwargs):
    """An array of ones; outside ``mx.np_shape()`` the shape must be known (as ``zeros``)."""
    check_known_shape("_ones", normalize_shape(shape))
    return _full(shape, 1, ctx, dtype, op_name="_ones", **_array_kwargs(kwargs))


def empty(shape, ctx=None, dtype=mx_real_t):
    """An array whose values are unspecified (zeros here: XLA has no uninitialised memory);
    any shape, as on MXNet."""
    return _full(shape, 0, ctx, dtype, op_name=None)


def empty_many(specs):
    """``empty(shape, ctx, dtype)`` for each ``(shape, ctx, dtype)`` of ``specs``, each
    filled with zeros only when first read: the arrays of a bind, which the user's values,
    the first forward and backward usually overwrite unread (a bind of the small ResNet of
    ``bench/executor.py`` spent 2.7 of its 6.2 ms transferring its 79 fills)."""
    arrays = []
    for shape, ctx, dtype in specs:
        ctx, device = _place(ctx)
        shape, dtype = normalize_shape(shape), np.dtype(normalize_dtype(dtype))
        fill = functools.partial(_filled_on_read, device, shape, dtype)
        (value,) = deferred.defer(fill, (), [jax.ShapeDtypeStruct(shape, dtype)])
        arrays.append(NDArray._of_deferred(value, ctx, None))
    return arrays


def _filled_on_read(device, shape, dtype, inputs):
    return [_filled(device, shape, dtype, 0)]


@x64.x64
def array(source_array, ctx=None, dtype=None):
    """An NDArray from an NDArray, jax.Array, numpy array, list or scalar.

    The dtype defaults to the source's for an NDArray or jax.Array and to float32 for
    anything else, as in MXNet. A jax.Array already on ``ctx`` with the same dtype is
    wrapped without a copy.
    """
    ctx, device = _place(ctx)
    if isinstance(source_array, NDArray):  # a copy, as in MXNet
        source_array = x64.device_put(source_array.asjax(), device, may_alias=False)
    if isinstance(source_array, jax.Array):
        dtype = normalize_dtype(dtype, default=source_array.dtype.type)
        data = source_array if source_array.dtype == dtype else source_array.astype(dtype)
        if data.devices() != {device}:
            data = x64.device_put(data, device)
        return NDArray(data, ctx)
    dtype = normalize_dtype(dtype)
    try:  # convert, then cast: out-of-range integers wrap as in MXNet (-1 -> 255 for uint8)
        host = np.asarray(source_array).astype(dtype)  # a copy the device may alias
    except (TypeError, ValueError) as err:
        raise MXNetError(f"cannot create an NDArray from {type(source_array).__name__}: {err}"
                         ) from None
    return NDArray(x64.device_put(host, device, may_alias=True), ctx)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=mx_real_t):
    """Evenly spaced values in [start, stop), each repeated ``repeat`` times."""
    op = get_op("_arange")
    params = op.parse_params({"start": start, "stop": stop, "step": step, "repeat": repeat,
                              "dtype": dtype})
    return invoke(op, (), params, ctx=ctx)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=mx_real_t):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included with ``endpoint``)."""
    if int(num) < 0:
        raise MXNetError(f"linspace: num must be >= 0, got {num}")
    values = np.linspace(start, stop, int(num), endpoint=endpoint, dtype=np.float64)
    return array(values, ctx=ctx, dtype=dtype)


def eye(N, M=0, k=0, ctx=None, dtype=mx_real_t):
    """An N x M (N x N when M is 0) array with ones on diagonal ``k``, zeros elsewhere."""
    return array(np.eye(int(N), int(M) or None, int(k)), ctx=ctx, dtype=dtype)


def concatenate(arrays, axis=0, always_copy=True):
    """Join a list of arrays along ``axis``."""
    if not arrays:
        raise MXNetError("concatenate needs at least one array")
    if len(arrays) == 1 and not always_copy:
        return arrays[0]
    op = get_op("Concat")
    return invoke(op, tuple(arrays), op.parse_params({"num_args": len(arrays), "dim": axis}))


def from_dlpack(external_array):
    """An NDArray sharing memory with an object implementing ``__dlpack__`` (numpy, torch,
    JAX arrays, NDArray). Bare DLPack capsules are not accepted: JAX no longer reads them."""
    if type(external_array).__name__ == "PyCapsule":  # what to_dlpack_for_read returns
        external_array = _Capsule(external_array)
    if not hasattr(external_array, "__dlpack__"):
        raise TypeError(f"from_dlpack needs a DLPack capsule or an object with __dlpack__, "
                        f"got {type(external_array).__name__}")
    return NDArray(jax.dlpack.from_dlpack(external_array))


def from_numpy(ndarray, zero_copy=True, array_cls=NDArray):
    """An NDArray of a numpy array's values and dtype on cpu(0). With ``zero_copy`` (a
    C-contiguous array only) the numpy array becomes read-only, as on MXNet, its memory is
    shared where XLA can use it (aligned to 64 bytes; else copied), and every write to the
    NDArray is copied into it once the work dispatched before has run, so numpy sees the
    NDArray's values as on MXNet (not where the memory itself is read-only, as that of
    ``np.frombuffer`` on bytes).
    """
    if np.dtype(ndarray.dtype) not in _FROM_NUMPY_DTYPES:
        raise ValueError(f"{ndarray.dtype} is not supported.")
    if not zero_copy:
        return array(ndarray, dtype=ndarray.dtype)
    if not ndarray.flags["C_CONTIGUOUS"]:
        raise ValueError("Only c-contiguous arrays are supported for zero-copy")
    ndarray.flags["WRITEABLE"] = False
    ctx = cpu_context(0)
    shared = array_cls(x64.device_put(ndarray, ctx.jax_device, may_alias=True), ctx)
    share_with_host(shared, ndarray)
    return shared


# the dtypes MXNet's from_numpy takes (its DLPack type map)
_FROM_NUMPY_DTYPES = {np.dtype(name) for name in ("bool", "int8", "int32", "int64", "uint8",
                                                   "float16", "float32", "float64")}


class _Capsule:
    """A DLPack capsule of host memory, with the protocol methods JAX reads it through."""

    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)  # kDLCPU


def to_dlpack_for_read(data):
    """A DLPack capsule viewing ``data``'s memory, for consumers such as torch.utils.dlpack."""
    return data.to_dlpack_for_read()


def to_dlpack_for_write(data):
    """A DLPack capsule of ``data``'s current buffer, which the consumer may write into."""
    return data.to_dlpack_for_write()

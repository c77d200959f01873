"""NDArray: a mutable handle over an immutable jax.Array, or a view into another NDArray.

Every operation is dispatched asynchronously (JAX's async dispatch); only asnumpy,
asscalar, wait_to_read, waitall, save and printing wait for results. In-place
operations rebind the buffer and keep the object's identity. A view (basic indexing
of a contiguous region, reshape) is a span of its base's flattened buffer: writes
through a view reach the base and a view sees later writes to its base.
"""
import ctypes
import functools
import math
import weakref

import jax
import numpy as np

from .. import x64
from ..base import MXNetError, normalize_dtype
from ..context import Context, current_context, existing_or_cpu
from ..ops import get_op
from ..ops.matrix import infer_reshape
from ..ops.methods import OperatorMethods
from .. import random_state as random
from ..util import is_np_shape
from .. import profiler
from . import _indexing, _invoke, deferred, tape, file_format, pending, storage
from . import handles
from .fixed_ones import write_ones

_NO_DATA = object()  # NDArray() without data, unlike MXNet's NDArray(None)
_GETITEM = get_op("_getitem")  # indexing that copies, recorded by autograd

__all__ = ["NDArray", "invoke", "invoke_deferred", "defers", "waitall"]

# Names MXNet's ndarray module has that user code and MXNet's tests import from it.
py_slice = slice
_STORAGE_TYPE_STR_TO_ID = {"undefined": -1, "default": 0, "row_sparse": 1, "csr": 2}
# sparse storage type -> the NDArray subclass holding it; filled by ndarray.sparse_array
STORAGE_CLASSES = {}
NUMPY_ARRAY_CLASS = []  # mx.np.ndarray, which its module (importing this one) adds


def _wait(data, producer):
    """Block on a jax array, turning a failure of the asynchronous work into MXNetError."""
    try:
        return data.block_until_ready()
    except MXNetError:
        raise
    except Exception as err:  # XLA runtime errors have no common public type
        raise MXNetError(f"asynchronous operation {producer or 'on this array'} failed: {err}"
                         ) from None


class NDArray(OperatorMethods):
    """An n-dimensional array on a device, with MXNet 1.x semantics."""

    __slots__ = ("_buffer", "_base", "_begin", "_shape", "_ctx", "_producer", "_entry",
                 "_writable", "__weakref__")
    __array_ufunc__ = None  # numpy defers to our reflected operators: np_array + nd -> NDArray
    __array_priority__ = 1000.0

    def __init__(self, data=_NO_DATA, ctx=None, producer=None, handle=None, writable=True):
        """Wrap a jax.Array already placed on ``ctx``'s device (default: its own device);
        ``producer`` names the operator that computed it, for error messages.

        MXNet's form ``NDArray(handle, writable=True)`` (``handle`` a ``ctypes.c_void_p``,
        positional or keyword) makes an array over the memory of the NDArray the handle
        names, taking over a handle that the C API lent; ``writable=False`` refuses writes.
        ``NDArray(None)``, which MXNet's pickles call before ``__setstate__``, is an empty
        float32 array until then.
        """
        self._writable = bool(writable)
        if handle is not None or isinstance(data, ctypes.c_void_p):
            self._name_by_handle(data if handle is None else handle)
            return
        if data is _NO_DATA:
            raise TypeError("NDArray needs a jax.Array or an NDArray handle")
        if data is None:
            ctx = existing_or_cpu(current_context())
            data = x64.device_put(np.zeros((0,), np.float32), ctx.jax_device)
        self._buffer = data
        self._base = None
        self._begin = 0
        self._shape = data.shape
        self._ctx = ctx if ctx is not None else Context._of_device(next(iter(data.devices())))
        self._producer = producer
        self._entry = None  # (tape node, output index) while on the autograd tape

    @classmethod
    def _with_slots(cls, buffer, base, begin, shape, ctx, producer):
        """An array built from its slots, without ``__init__``'s device lookup."""
        array = cls.__new__(cls)
        array._buffer = buffer
        array._base = base
        array._begin = begin
        array._shape = shape
        array._ctx = ctx
        array._producer = producer
        array._entry = None
        array._writable = True
        return array

    @classmethod
    def _of_deferred(cls, value, ctx, producer):
        """A dense array whose value (a `deferred.Deferred`) is computed when first read."""
        return cls._with_slots(value, None, 0, value.shape, ctx, producer)

    def _name_by_handle(self, handle):
        """Become a view of all of the array ``handle`` names and take the handle over."""
        source = handles.resolve(handle)
        if source.stype != "default":
            raise MXNetError(f"NDArray(handle): the handle names a {source.stype} array; "
                             f"only dense arrays are made from handles")
        self._buffer = None
        self._base = source if source._base is None else source._base
        self._begin = source._begin
        self._shape = source._shape
        self._ctx = source._ctx
        self._producer = None
        self._entry = None
        handles.take(handle, self)

    @classmethod
    def _view(cls, base, begin, shape):
        return cls._with_slots(None, base, begin, shape, base._ctx, None)

    # --- reading and writing the value -------------------------------------------------

    def _read(self):
        """The current value as a jax.Array (a slice of the base for a view)."""
        if self._base is None:
            data = self._buffer
            return data if type(data) is not deferred.Deferred else data.force()
        return _indexing.read_span(self._base._read(), self._begin, self._shape)

    def _write(self, data, producer=None):
        """Replace the whole value by ``data`` (same shape), through to the base for views."""
        if not self._writable:
            raise ValueError("Cannot write to a readonly NDArray (made with writable=False)")
        if self._entry is not None or (self._base is not None and self._base._entry is not None):
            deferred.note_write()
        if self._base is None:
            self._buffer = data
            self._producer = producer
        else:
            base = self._base
            if self._begin == 0 and math.prod(self._shape) == math.prod(base._shape):
                base._buffer = _indexing.whole_span(data, self._shape, base.dtype, base._shape)
            else:
                base._buffer = _indexing.write_span(base._read(), self._begin, data,
                                                    self._shape)
            base._producer = producer
        if _HOST_SHARED:
            _write_to_host(self if self._base is None else self._base)

    def _root_buffer(self):
        return self._buffer if self._base is None else self._base._buffer

    def _check_context(self, other, what):
        if other._ctx is not self._ctx and other._ctx != self._ctx:
            raise MXNetError(f"{what}: arrays are on different contexts, {self._ctx} and "
                             f"{other._ctx}; move one first with copyto() or as_in_context()")

    # --- properties ----------------------------------------------------------------------

    @property
    def shape(self):
        return self._shape

    @property
    def size(self):
        return math.prod(self._shape)

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def dtype(self):
        return self._root_buffer().dtype.type

    @property
    def context(self):
        return self._ctx

    ctx = context

    @property
    def handle(self):
        """This array's NDArray handle (``ctypes.c_void_p``), valid while the array lives."""
        return ctypes.c_void_p(handles.handle_of(self))

    @property
    def writable(self):
        """Whether the array accepts writes (False for ``NDArray(handle, writable=False)``)."""
        return self._writable

    #: MXNet's storage type: 'default' (dense), 'row_sparse' or 'csr'
    stype = "default"

    def tostype(self, stype):
        """A copy of the array in storage type ``stype`` (MXNet's cast_storage)."""
        return invoke(get_op("cast_storage"), (self,), {"stype": stype})

    @property
    def T(self):
        """The array with its axes reversed; 0-d and 1-d arrays are returned as is."""
        return self if self.ndim < 2 else self.transpose()

    def asjax(self):
        """The value as a jax.Array, without a copy for a non-view array."""
        return self._read()

    # --- operator hooks ----------------------------------------------------------------

    def _apply(self, op, inputs, params, hint=None):
        return invoke(op, inputs, op.parse_params(params) if op.params else params)

    @x64.x64
    def _as_operand(self, value):
        """A numpy or JAX array operand as an NDArray of this array's dtype and context."""
        if isinstance(value, np.ndarray):
            value = np.asarray(value, dtype=self.dtype)
        elif isinstance(value, jax.Array):
            value = value.astype(self.dtype)
        else:
            return None
        return NDArray(x64.device_put(value, self._ctx.jax_device), self._ctx)

    def _inplace(self, other, key):
        tape.check_assignable(self)
        if isinstance(other, NDArray):
            tape.check_in_place([self, other], [self])
        result = self._binary(other, key)
        if result is NotImplemented:
            return NotImplemented
        if result.shape != self._shape:
            raise MXNetError(f"in-place {key}: the result has shape {result.shape}, which does not "
                             f"fit the array's shape {self._shape}")
        self._write(result._buffer, result._producer)
        return self

    def __iadd__(self, other):
        return self._inplace(other, "add")

    def __isub__(self, other):
        return self._inplace(other, "sub")

    def __imul__(self, other):
        return self._inplace(other, "mul")

    def __itruediv__(self, other):
        return self._inplace(other, "div")

    def __imod__(self, other):
        return self._inplace(other, "mod")

    def __ipow__(self, other):
        return self._inplace(other, "power")

    # --- Python protocol -----------------------------------------------------------------

    def __repr__(self):
        shape = "x".join(str(d) for d in self._shape)
        return f"\n{self.asnumpy()}\n<{type(self).__name__} {shape} @{self._ctx}>"

    __str__ = __repr__

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d NDArray")
        return self._shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        size = self.size
        if size == 0:
            return False
        if size == 1:
            return bool(self.asscalar())
        raise ValueError("The truth value of an NDArray with multiple elements is ambiguous.")

    def __array__(self, dtype=None, copy=None):
        self.wait_to_read()
        value = np.asarray(self._read())
        return value if dtype is None else value.astype(dtype)

    def all(self, axis=None, out=None, keepdims=False):
        """numpy's ``all`` of the value, so ``np.all(array)`` works as on MXNet (whose
        NDArray numpy converts)."""
        return np.all(np.asarray(self), axis=axis, out=out, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        """numpy's ``any`` of the value (``np.any(array)``)."""
        return np.any(np.asarray(self), axis=axis, out=out, keepdims=keepdims)

    def __dlpack__(self, *args, **kwargs):
        return self._read().__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._read().__dlpack_device__()

    def __jax_array__(self):
        """The value as a jax.Array, so JAX functions take NDArrays (no copy unless a view)."""
        return self._read()

    def __reduce__(self):
        return _unpickle, (self.asnumpy(), self._ctx.device_type, self._ctx.device_id)

    def __setstate__(self, state):
        """Become the array of an MXNet NDArray's pickled state ({'handle': the array in
        MXNet's save format}), so MXNet's pickles load; arrays saved on a missing GPU come
        to the CPU."""
        value, device_type, device_id = file_format.decode_array(state["handle"], is_np_shape())
        restored = _unpickle(value, file_format.DEVICE_TYPES[device_type], device_id)
        self.__init__(restored._buffer, restored._ctx)

    # --- synchronisation and host copies -------------------------------------------------

    def wait_to_read(self):
        """Block until the value is computed; errors of the asynchronous work surface here."""
        pending.raise_pending(self)
        root = self if self._base is None else self._base
        _wait(root._read(), root._producer)

    def asnumpy(self):
        """A writable numpy copy of the value (waits for it)."""
        self.wait_to_read()
        return np.array(self._read(), copy=True)

    def to_dlpack_for_read(self):
        """A DLPack capsule of the value (waits for it), for torch.utils.dlpack and others."""
        self.wait_to_read()
        return self._read().__dlpack__()

    def to_dlpack_for_write(self):
        """A DLPack capsule of the current buffer (a view's: a copy of its span), which the
        consumer may write into."""
        return self.to_dlpack_for_read()

    def asscalar(self):
        """The value of a one-element array as a numpy scalar."""
        if self.size != 1:
            raise ValueError("The current array is not a scalar")
        return self.asnumpy().reshape(())[()]

    # --- copies and moves ----------------------------------------------------------------

    @x64.x64
    def copyto(self, other):
        """Copy into an NDArray (same shape; cast to its dtype) or onto a Context."""
        if isinstance(other, Context):
            copy = NDArray(x64.device_put(self._read(), other.jax_device, may_alias=False), other)
            pending.follow(self, copy)
            tape.record_alias(copy, self)
            return copy
        if not isinstance(other, NDArray):
            raise TypeError(f"copyto does not support type {type(other).__name__}")
        if other is self:
            return other
        if other.shape != self._shape:
            raise MXNetError(f"copyto: cannot copy an array of shape {self._shape} into one of "
                             f"shape {other.shape}")
        tape.check_assignable(other)
        data = x64.device_put(self._read(), other._ctx.jax_device, may_alias=False)
        other._write(data if data.dtype == other.dtype else data.astype(other.dtype))
        pending.follow(self, other)
        tape.record_alias(other, self)
        return other

    def copy(self):
        """A new array with the same value on the same context."""
        return self.copyto(self._ctx)

    def as_in_context(self, context):
        """This array if it is on ``context``, else a copy there."""
        return self if context == self._ctx else self.copyto(context)

    def astype(self, dtype, copy=True):
        """The value converted to ``dtype``; with copy=False an array already of it is returned."""
        dtype = normalize_dtype(dtype)
        if not copy and dtype == self.dtype:
            return self
        return invoke(get_op("Cast"), (self,), {"dtype": np.dtype(dtype).name})

    # --- shape and indexing --------------------------------------------------------------

    def reshape(self, *shape, **kwargs):
        """A view with a new shape; MXNet's special values 0, -1, -2, -3, -4 and reverse=."""
        unknown = set(kwargs) - {"shape", "reverse"}
        if unknown:
            raise TypeError(f"reshape got unexpected keyword arguments {sorted(unknown)}")
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = shape[0]
        elif not shape:
            shape = kwargs.get("shape")
            if shape is None:
                raise TypeError("reshape needs a shape")
        if all(d > 0 for d in shape) and math.prod(shape) < self.size:  # MXNet's check
            raise ValueError(f"Cannot reshape array of size {self.size} into shape "
                             f"{tuple(shape)}")
        new_shape = infer_reshape(self._shape, tuple(shape), kwargs.get("reverse", False))
        base = self if self._base is None else self._base
        view = NDArray._view(base, self._begin, new_shape)
        tape.record_view(self, view, 0)
        return view

    def flatten(self, inplace=False):
        """The array as (d0, d1 * ... * dk): a copy, or with ``inplace`` a view."""
        return self._reshaping("Flatten", {}, inplace)

    def expand_dims(self, axis, inplace=False):
        """The array with a new axis of size 1 at ``axis``: a copy, or with ``inplace`` a
        view."""
        return self._reshaping("expand_dims", {"axis": axis}, inplace)

    def squeeze(self, axis=None, inplace=False):
        """The array without its size-1 axes (those in ``axis``): a copy, or with
        ``inplace`` a view."""
        return self._reshaping("squeeze", {"axis": axis}, inplace)

    def _reshaping(self, op_name, params, inplace):
        """The result of a shape-only operator: run, or as a view of this array's data."""
        op = get_op(op_name)
        params = op.parse_params(params)
        if not inplace:
            return invoke(op, (self,), params)
        _, (shape,) = op.infer_shape(params, [self._shape])
        base = self if self._base is None else self._base
        return NDArray._view(base, self._begin, tuple(shape))

    @staticmethod
    def _basic_indexing_slice_is_contiguous(slc_key, shape):
        """Whether basic index ``slc_key`` selects one contiguous span of a C-order array of
        ``shape`` (then indexing returns a view that writes into the array)."""
        items, _ = _indexing.expand_basic(shape, slc_key)
        return _indexing.contiguous_span(shape, items) is not None

    def _contiguous_view(self, key):
        """The view a basic index gives where its selection is contiguous, else None."""
        basic = _indexing.expand_basic(self._shape, key)
        if basic is None:
            return None
        items, new_axes = basic
        span = _indexing.contiguous_span(self._shape, items)
        if span is None:
            return None
        base = self if self._base is None else self._base
        view = NDArray._view(base, self._begin + span[0],
                             _indexing.basic_result_shape(items, new_axes))
        view._writable = self._writable  # a readonly array's views are readonly (MXNet's)
        tape.record_view(self, view, span[0])
        return view

    def __getitem__(self, key):
        view = self._contiguous_view(key)
        if view is not None:
            return view
        template, arrays = _indexing.split_key(self._shape, key, self._index_array)
        arrays = [NDArray(x64.device_put(a, self._ctx.jax_device), self._ctx) for a in arrays]
        try:
            _GETITEM.infer_shape({"template": template}, [self._shape] + [a.shape for a in arrays])
        except (TypeError, ValueError) as err:
            raise IndexError(f"invalid index {key!r} for an array of shape {self._shape}: {err}"
                             ) from None
        return invoke(_GETITEM, [self] + arrays, {"template": template})

    def __setitem__(self, key, value):
        tape.check_assignable(self)
        if self._whole_array_copy(key, value):
            return
        source = value if isinstance(value, NDArray) else None
        value = self._assignable(value)
        view = self._contiguous_view(key)
        if view is not None:
            value = _indexing.drop_leading_ones(value, len(view.shape))
            _indexing.check_assignable(getattr(value, "shape", ()), view.shape)
            if source is not None:
                tape.record_assign(self, source, view)
            view._write(value)
        else:
            if source is not None and tape.on_tape(source) and tape.STATE.recording:
                raise MXNetError(tape.INPLACE)
            template, arrays = _indexing.split_key(self._shape, key, self._index_array)
            self._write(_indexing.scatter(self._read(), template, arrays, value))
        if source is not None:  # a failed source's error reaches the whole array written
            pending.follow(source, self if self._base is None else self._base)

    def _whole_array_copy(self, key, value):
        """``x[:] = value`` for a numpy array of x's shape: a transfer of a fresh buffer,
        no XLA program for the shape (done: True), else False."""
        if (self._base is not None or not isinstance(value, np.ndarray)
                or value.shape != self._shape or not isinstance(key, slice)
                or key != slice(None)):
            return False
        self._write(x64.device_put(value.astype(self.dtype), self._ctx.jax_device,
                                   may_alias=False))
        return True

    def _assignable(self, value):
        """A value for setitem: a scalar, or a jax array on this array's device."""
        if isinstance(value, NDArray):
            self._check_context(value, "assignment")
            return value._read()
        if isinstance(value, (bool, int, float, np.number, np.bool_)):
            return value
        return x64.device_put(np.asarray(value, dtype=self.dtype), self._ctx.jax_device)

    @x64.x64
    def _index_array(self, index):
        """An index item as integer positions: as in MXNet 1.9.1's legacy indexing, a numpy
        or list of booleans gives positions 0 and 1, and a boolean NDArray is refused."""
        if isinstance(index, NDArray):
            self._check_context(index, "indexing")
            if index.dtype == np.bool_:
                raise ValueError("Cannot perform boolean indexing in legacy mode. Please "
                                 "activate numpy semantics by calling `npx.set_np()` in the "
                                 "global scope before calling this function.")
            return index._read().astype(np.int64)
        return np.asarray(index).astype(np.int64)

    # --- autograd ------------------------------------------------------------------------

    @x64.x64
    def attach_grad(self, grad_req="write", stype=None):
        """Attach a zero gradient buffer, making this array a variable of autograd.

        ``grad_req``: 'write' overwrites the gradient at each backward, 'add' accumulates
        into it, 'null' computes none. ``stype``: the gradient's storage type (default:
        this array's).
        """
        stype = self.stype if stype is None else stype
        if stype not in _STORAGE_TYPE_STR_TO_ID or stype == "undefined":
            raise MXNetError(f"attach_grad: unknown storage type {stype!r}")
        zeros = jax.numpy.zeros(self._shape, self.dtype, device=self._ctx.jax_device)
        grad = None if grad_req == "null" else _result(stype, zeros, self._ctx)
        tape.variable(self, grad, grad_req)

    @property
    def grad(self):
        """The gradient buffer attached by attach_grad or mark_variables, else None."""
        entry = self._entry
        return entry[0].grad if entry is not None else None  # (None unless a variable's)

    @property
    def _fresh_grad(self):
        """Whether backward wrote this variable's gradient since the flag was reset."""
        entry = self._entry
        return entry is not None and entry[0].grad_req is not None and entry[0].fresh

    @_fresh_grad.setter
    def _fresh_grad(self, state):
        entry = self._entry
        if entry is not None and entry[0].grad is not None:
            entry[0].fresh = bool(state)

    def detach(self):
        """The same memory as a new array that is not on the autograd tape."""
        base = self if self._base is None else self._base
        return NDArray._view(base, self._begin, self._shape)

    def as_np_ndarray(self):
        """The same memory as an ``mx.np`` array (on the tape where this array is)."""
        view = self.reshape(self._shape)
        view.__class__ = NUMPY_ARRAY_CLASS[0]
        return view

    def as_nd_ndarray(self):
        """This array itself: it is a classic NDArray already."""
        return self

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Compute the gradients of this array with respect to the attached variables."""
        tape.backward([self], None if out_grad is None else [out_grad], retain_graph,
                      train_mode)


# id(array) -> (a weak reference to it, the numpy array whose memory it shares): the
# arrays of from_numpy(zero_copy=True), whose writes MXNet makes visible in numpy
_HOST_SHARED = {}


def share_with_host(array, host):
    """Make every later write to ``array`` (dense, not a view) visible in ``host``, the
    read-only numpy array it was made from without a copy, as MXNet's shared memory is."""
    key = id(array)
    _HOST_SHARED[key] = (weakref.ref(array, lambda _: _HOST_SHARED.pop(key, None)), host)


def _write_to_host(array):
    """Copy ``array``'s new value into the numpy array sharing its memory (where that memory
    is writable), once the work already dispatched, which may read that memory through an
    earlier value, is done."""
    entry = _HOST_SHARED.get(id(array))
    if entry is None or entry[0]() is not array:
        return
    host = entry[1]
    waitall()
    value = np.asarray(array._read())
    try:
        host.flags.writeable = True
    except ValueError:  # memory numpy may not write (np.frombuffer on bytes)
        return
    try:
        np.copyto(host, value)
    finally:
        host.flags.writeable = False


def _result(stype, data, ctx, producer=None, inputs=()):
    """An operator's result ``data`` as an array of storage type ``stype``."""
    if stype == "default":
        return NDArray(data, ctx, producer)
    return STORAGE_CLASSES[stype]._result(data, ctx, producer, producer, inputs)


def _unpickle(value, device_type, device_id):
    ctx = existing_or_cpu(Context(device_type, device_id))
    return NDArray(x64.device_put(value, ctx.jax_device), ctx)


@x64.x64
def invoke(op, inputs, params, out=None, ctx=None, is_train=False):
    """Run ``op`` now on NDArrays with parsed ``params``.

    ``inputs`` lists the operator's inputs followed by its auxiliary states, as MXNet's
    imperative calls take them; on a training call (``is_train``) the auxiliary states
    are updated in place, as are those of an operator that mutates them on every call
    (``op.mutates_aux``: the optimizer updates). An operator without inputs places its outputs on ``ctx``
    (default: the current context). Results are written into ``out`` when given.
    Under ``autograd.record()`` the call is appended to the tape, and when an input is on
    the tape its dense outputs are deferred: the backward computes them in its program
    (``ndarray.deferred``). ``autograd``'s train
    mode runs the operator in training mode without updating auxiliary states: as in
    MXNet, a recorded operator updates them in the backward pass.
    """
    train = is_train or tape.STATE.training
    recording = tape.STATE.recording
    if recording and out is not None:
        targets = out if isinstance(out, (list, tuple)) else [out]
        for target in targets:
            tape.check_assignable(target)
        tape.check_in_place(inputs, targets)
    if inputs:
        ctx = _inputs_context(op, inputs)
    else:
        ctx = ctx if ctx is not None else current_context()
    num_inputs = len(op.input_names(params)) if op.aux else None
    rng = random.next_key() if op.random else None
    if op.writes_ones is not None:
        write_ones([inputs[i] for i in op.writes_ones(params)])
    error = op.kernel_check_error(params)
    if error is None and op.value_check is not None:
        error = op.value_check(params, [x._read() for x in inputs])
    cell = pending.cell_of(inputs, error)
    if (out is None and cell is None and not is_train and not op.mutates_aux
            and not op.dynamic_shape and defers(inputs)):
        results = _deferred_call(op, params, inputs, ctx, train, rng, num_inputs)
        if results is not None:
            return results[0] if len(results) == 1 else results
    if error is None:
        outputs, new_aux = _invoke.run(op, params, [x._read() for x in inputs], train, rng,
                                       num_inputs)
    else:
        outputs, new_aux = pending.placeholders(op, params, inputs), ()
    stypes = storage.output_stypes(op.name, params, [x.stype for x in inputs],
                                   [x.shape for x in inputs], len(outputs))
    if not inputs:
        outputs = [x64.device_put(o, ctx.jax_device) for o in outputs]
    if is_train or op.mutates_aux:
        for state, value in zip(inputs[len(inputs) - len(new_aux):], new_aux):
            state._write(value, op.name)
    if out is None:
        results = [_result(stype, o, ctx, op.name, inputs)
                   for o, stype in zip(outputs, stypes or ["default"] * len(outputs))]
        if cell is not None:
            pending.attach(results, cell)
        if recording:
            tape.record(op, params, inputs, results, train, rng, outputs)
        return results[0] if len(results) == 1 else results
    targets = out if isinstance(out, (list, tuple)) else [out]
    for target, data in zip(targets, outputs):
        if target.shape != tuple(data.shape):
            raise MXNetError(f"operator {op.name}: out= has shape {target.shape}, but the result "
                             f"has shape {tuple(data.shape)}")
        if target._ctx != ctx:
            raise MXNetError(f"operator {op.name}: out= is on {target._ctx}, but the result is "
                             f"on {ctx}")
        target._write(data if data.dtype == target.dtype else data.astype(target.dtype),
                      op.name)
    if cell is not None:
        pending.attach(targets, cell)
    if recording:
        tape.record(op, params, inputs, targets, train, rng, outputs)
    return out


def _inputs_context(op, inputs):
    """The context of ``op``'s (non-empty) ``inputs``; MXNet's error if they differ."""
    ctx = inputs[0]._ctx
    for x in inputs[1:]:
        if x._ctx is not ctx:
            inputs[0]._check_context(x, f"operator {op.name}")
    return ctx


def _deferrable(inputs):
    """Whether a recorded call on ``inputs`` may wait for the backward to compute it: an
    input is on the tape, all are dense, and no profiler times operators one by one."""
    return (any(tape.on_tape(x) for x in inputs) and all(x.stype == "default" for x in inputs)
            and not profiler.timing_operators())


def defers(inputs):
    """Whether ``invoke`` now defers an operator (without ``out=``, not mutating auxiliary
    states) on ``inputs`` until a backward or a read computes it."""
    return tape.STATE.recording and bool(inputs) and _deferrable(inputs)


def _lazy_read(array):
    """The array's value for a deferred call: its `Deferred` value while not computed."""
    if array._base is None:
        return array._buffer
    return array._read()


@x64.x64
def _run_deferred(op, params, train, rng, num_inputs, values):
    return _invoke.run(op, params, values, train, rng, num_inputs)[0]


def _deferred_call(op, params, inputs, ctx, train, rng, num_inputs):
    """Record ``op`` on the tape with `Deferred` outputs (see ``ndarray.deferred``); None
    where a result is sparse."""
    datas = [_lazy_read(x) for x in inputs]
    avals = _invoke.output_avals(op, params, datas, train, rng, num_inputs)
    if storage.output_stypes(op.name, params, [x.stype for x in inputs],
                             [x.shape for x in inputs], len(avals)) is not None:
        return None
    return _record_deferred(op, params, inputs, datas, avals, ctx, train, rng, num_inputs)


def _record_deferred(op, params, inputs, datas, avals, ctx, train, rng, num_inputs):
    compute = functools.partial(_run_deferred, op, params, train, rng, num_inputs)
    outputs = deferred.defer(compute, datas, avals)
    results = [NDArray._of_deferred(o, ctx, op.name) for o in outputs]
    tape.record(op, params, inputs, results, train, rng, outputs)
    return results


def invoke_deferred(op, inputs, avals):
    """``invoke(op, inputs, {})`` under ``autograd.record()`` where ``defers(inputs)``, for
    an operator without parameters, without dynamic shapes and with dense outputs of
    ``avals`` (shapes and dtypes the caller knows): recorded with `Deferred` outputs,
    without ``invoke``'s general checks. None where an input carries a pending error
    (call ``invoke`` then)."""
    ctx = _inputs_context(op, inputs)
    if pending.cell_of(inputs) is not None:
        return None
    num_inputs = len(op.input_names({})) if op.aux else None
    rng = random.next_key() if op.random else None
    return _record_deferred(op, {}, inputs, [_lazy_read(x) for x in inputs], avals, ctx,
                            tape.STATE.training, rng, num_inputs)


_REPORTED = {}  # id -> weak reference of each failed buffer waitall has raised for once


def waitall():
    """Wait for all pending work on every array; the error of a failed asynchronous
    operation surfaces here once, as MXNet's engine reports it (reading the array that
    holds it still raises)."""
    deferred.run_pending()
    pending.raise_first()
    for data in jax.live_arrays():
        reported = _REPORTED.get(id(data))
        if reported is not None and reported() is data:
            continue
        try:
            _wait(data, None)
        except MXNetError:
            key = id(data)
            _REPORTED[key] = weakref.ref(data, lambda _: _REPORTED.pop(key, None))
            raise

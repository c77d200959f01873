"""Gluon parameters: `Parameter` (one array per context, its gradient, deferred
initialisation), `Constant` and `ParameterDict`, with MXNet 1.9.1's names and messages."""
import re
import warnings
from collections import OrderedDict

import numpy as np

from .. import autograd, initializer, ndarray, symbol
from ..base import MXNetError
from ..context import Context, cpu, current_context
from ..numpy.multiarray import to_np_if_on
from ..util import is_np_shape
from .utils import _brief_print_list

__all__ = ["DeferredInitializationError", "Parameter", "Constant", "ParameterDict"]


class DeferredInitializationError(MXNetError):
    """A parameter's initialisation waits for the first forward pass to know its shape."""


def _shape_known(shape):
    return shape is not None and len(shape) > 0 and all(d > 0 for d in shape)


def _contexts(ctx):
    if ctx is None:
        return [current_context()]
    return [ctx] if isinstance(ctx, Context) else list(ctx)


class Parameter:
    """A weight of a Block: holds a copy on each context it is initialised on, and a
    gradient buffer per copy unless ``grad_req`` is ``'null'``. ``stype`` / ``grad_stype``
    are the storage types of the copies and of the gradients; a ``'row_sparse'`` weight is
    read through its Trainer's KVStore with ``row_sparse_data``, not with ``data``."""

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype="default", grad_stype="default"):
        for kind, value in (("grad_stype", grad_stype), ("stype", stype)):
            if value not in ("default", "row_sparse", "csr"):
                raise AssertionError(f"{kind} for Parameter '{name}' must be one of 'default', "
                                     f"'row_sparse', or 'csr', but got '{value}'")
        self._var = None
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        self._trainer = None
        self._shape = (shape,) if isinstance(shape, int) else (
            tuple(shape) if shape is not None else None)
        self.name = name
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init
        self._stype = stype
        self._grad_stype = grad_stype

    def __repr__(self):  # the dtype as given, as MXNet prints it ('float32' or a class)
        return f"Parameter {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ("write", "add", "null"):
            raise MXNetError(f"grad_req must be one of 'write', 'add', or 'null', but got "
                             f"'{req}'")
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            self._data = [d.detach() for d in self._data]
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def shape(self):
        """The shape; an unknown size is 0, or -1 under NumPy shape semantics."""
        if self._shape is not None and is_np_shape():
            return tuple(-1 if d == 0 else d for d in self._shape)
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(0 if d == -1 else d for d in new_shape) if new_shape is not None \
            else None
        if self._shape is None:
            self._shape = new_shape
            return
        if len(self._shape) != len(new_shape) or not all(
                j in (0, i) for i, j in zip(new_shape, self._shape)):
            raise AssertionError(f"Expected shape {new_shape} is incompatible with given shape "
                                 f"{self._shape}.")
        self._shape = new_shape

    @property
    def stype(self):
        return self._stype

    def _set_trainer(self, trainer):
        """Associate the Trainer that updates this parameter (None to unset); a sparse
        parameter takes only one."""
        if self._stype != "default" and self._trainer and trainer \
                and self._trainer is not trainer:
            raise RuntimeError(f"Failed to set the trainer for Parameter '{self.name}' because "
                               "it was already set. More than one trainers for a "
                               f"{self._stype} Parameter is not supported.")
        self._trainer = trainer

    # --- arrays per context ---------------------------------------------------------------
    def _check_and_get(self, arrays, ctx):
        if arrays is not None:
            if ctx is list:
                return arrays
            if ctx is None:
                if len(arrays) == 1:
                    return arrays[0]
                ctx = current_context()
            for context, array in zip(self._ctx_list, arrays):
                if context == ctx:
                    return array
            raise RuntimeError(f"Parameter '{self.name}' was not initialized on context {ctx}. "
                               f"It was only initialized on {self._ctx_list}.")
        if self._deferred_init:
            raise DeferredInitializationError(
                f"Parameter '{self.name}' has not been initialized yet because initialization "
                "was deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing "
                "Parameters. You can also avoid deferred initialization by specifying "
                "in_units, num_features, etc., for network layers.")
        raise RuntimeError(f"Parameter '{self.name}' has not been initialized. Note that you "
                           "should initialize parameters and create Trainer with "
                           "Block.collect_params() instead of Block.params because the later "
                           "does not include Parameters of nested child Blocks")

    def initialize(self, init=None, ctx=None, default_init=initializer.Uniform(),
                   force_reinit=False):
        """Initialise on ``ctx`` (default: the current context); waits for the first forward
        pass when the shape is not yet known and ``allow_deferred_init`` is set."""
        if self._data is not None and not force_reinit:
            warnings.warn(f"Parameter '{self.name}' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize.", stacklevel=2)
            return
        self._data = self._grad = None
        ctx = _contexts(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not _shape_known(self.shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise ValueError(f"Cannot initialize Parameter '{self.name}' because it has "
                             f"invalid shape: {self.shape}.")
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        self._deferred_init = ()
        if not _shape_known(self.shape):
            raise AssertionError(f"Cannot initialize Parameter '{self.name}' because it has "
                                 f"invalid shape: {self.shape}. Please specify in_units, "
                                 "in_channels, etc for `Block`s.")
        with autograd.pause():
            if data is None:
                data = ndarray.zeros_buffer(self.shape, ctx=cpu(), dtype=self.dtype,
                                            stype=self._stype)
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {"__init__": init}), data)
            self._init_impl(data, ctx)

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        self._data = to_np_if_on([data.copyto(ctx) for ctx in self._ctx_list])
        self._init_grad()

    def _init_grad(self):
        if self.grad_req == "null":
            self._grad = None
            return
        self._grad = to_np_if_on([ndarray.zeros_buffer(d.shape, ctx=d.context, dtype=d.dtype,
                                                  stype=self._grad_stype) for d in self._data])
        autograd.mark_variables(self._data, self._grad, self.grad_req)

    def _reduce(self):
        """The value averaged over contexts, on the CPU (what files store); a row_sparse
        parameter's every row, from its Trainer's store."""
        if self._stype != "default" and self._trainer is not None:
            data = ndarray.zeros_buffer(self.shape, ctx=cpu(), dtype=self.dtype,
                                        stype=self._stype)
            all_rows = ndarray.arange(0, self.shape[0], dtype="int64", ctx=cpu())
            self._trainer._row_sparse_pull(self, data, all_rows, full_idx=True)
            return data
        arrays = self._check_and_get(self._data, list)
        if len(arrays) == 1:
            return arrays[0].copyto(cpu())
        total = arrays[0].copyto(cpu())
        for array in arrays[1:]:
            total = total + array.copyto(cpu())
        return total / len(arrays)

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source="current"):
        """Initialise from a loaded array (checking shape and dtype)."""
        if self._shape:
            for mine, theirs in zip(self._shape, data.shape):
                if mine not in (0, theirs):
                    raise AssertionError(f"Failed loading Parameter '{self.name}' from saved "
                                         f"params: shape incompatible expected {self.shape} "
                                         f"vs saved {data.shape}")
            self.shape = tuple(i if i != 0 else j for i, j in zip(self._shape, data.shape))
        if self.dtype is not None and np.dtype(self.dtype) != np.dtype(data.dtype):
            if cast_dtype and dtype_source == "current":
                data = data.astype(self.dtype)
            elif cast_dtype:
                self.cast(data.dtype)  # the copies too, as MXNet's dtype setter
            else:
                raise AssertionError(f"Failed loading Parameter '{self.name}' from saved "
                                     f"params: dtype incompatible expected "
                                     f"{np.dtype(self.dtype).type} vs saved "
                                     f"{np.dtype(data.dtype).type}. Set cast_dtype=True to "
                                     "cast the dtype of saved params.")
        if self._stype != data.stype:
            data = data.tostype(self._stype)
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                if ctx is not None and set(ctx) != set(self._deferred_init[1]):
                    raise AssertionError(f"Failed to load Parameter '{self.name}' on {ctx} "
                                         "because it was previous initialized on "
                                         f"{self.list_ctx()}.")
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            if ctx is not None and set(ctx) != set(self.list_ctx()):
                raise AssertionError(f"Failed to load Parameter '{self.name}' on {ctx} because "
                                     f"it was previous initialized on {self.list_ctx()}.")
            self.set_data(data)
        self._deferred_init = ()

    def set_data(self, data):
        """Write ``data`` into every copy (or keep it for a deferred initialisation)."""
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise AssertionError(f"Parameter '{self.name}' has not been initialized")
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        trainer = self._trainer
        if trainer is not None and trainer._kv_initialized and trainer._update_on_kvstore \
                and self not in trainer._params_to_init:
            trainer._reset_kvstore()  # the store holds the old value: start a new one
        with autograd.pause():
            for array in self._data:
                array[:] = data.as_in_context(array.context) if hasattr(data, "as_in_context") \
                    else data

    def data(self, ctx=None):
        """The copy on ``ctx`` (the only copy when there is one); a sparse parameter is
        read with ``row_sparse_data``."""
        if self._stype != "default":
            raise RuntimeError(f"Cannot return a copy of Parameter '{self.name}' on ctx {ctx} "
                               f"via data() because its storage type is {self._stype}. Please "
                               "use row_sparse_data() instead.")
        return self._check_and_get(self._data, ctx)

    def list_data(self):
        """The copies on every context, in the order of ``list_ctx``."""
        if self._stype != "default":
            raise RuntimeError(f"Cannot return copies of Parameter '{self.name}' on all "
                               f"contexts via list_data() because its storage type is "
                               f"{self._stype}. Please use row_sparse_data() instead.")
        return self._check_and_get(self._data, list)

    def row_sparse_data(self, row_id):
        """The rows ``row_id`` (an NDArray) of a row_sparse parameter, on row_id's context,
        as the Trainer's KVStore holds them; the other rows are zero."""
        if self._stype != "row_sparse":
            raise RuntimeError(f"Cannot return a copy of Parameter {self.name} via "
                               f"row_sparse_data() because its storage type is {self._stype}. "
                               "Please use data() instead.")
        return self._get_row_sparse(row_id.context, row_id)

    def list_row_sparse_data(self, row_id):
        """``row_sparse_data`` on every context, in the order of ``list_ctx``."""
        if self._stype != "row_sparse":
            raise RuntimeError(f"Cannot return copies of Parameter '{self.name}' on all "
                               "contexts via list_row_sparse_data() because its storage type "
                               f"is {self._stype}. Please use data() instead.")
        return self._get_row_sparse(list, row_id)

    def _get_row_sparse(self, ctx, row_id):
        if not isinstance(row_id, ndarray.NDArray):
            raise TypeError(f"row_id must have NDArray type, but {type(row_id)} is given")
        if not self._trainer:
            raise RuntimeError(f"Cannot get row_sparse data for Parameter '{self.name}' when no "
                               "Trainer is created with it.")
        results = self._check_and_get(self._data, ctx)
        self._trainer._row_sparse_pull(self, results, row_id)
        return results

    def grad(self, ctx=None):
        if self._data is not None and self._grad is None:
            raise RuntimeError(f"Cannot get gradient array for Parameter '{self.name}' because "
                               "grad_req='null'")
        return self._check_and_get(self._grad, ctx)

    def list_grad(self):
        if self._data is not None and self._grad is None:
            raise RuntimeError(f"Cannot get gradient array for Parameter '{self.name}' because "
                               "grad_req='null'")
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise RuntimeError(f"Parameter '{self.name}' has not been initialized")
        return self._ctx_list

    def zero_grad(self):
        if self._grad is None:
            return
        with autograd.pause():
            for grad in self._grad:
                grad[:] = 0

    def reset_ctx(self, ctx):
        """Move the parameter to other contexts, keeping its value."""
        ctx = _contexts(ctx)
        if self._data:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise ValueError(f"Cannot reset context for Parameter '{self.name}' because it has "
                             "not been initialized.")

    def var(self):
        """The Symbol variable of this parameter (made once)."""
        if self._var is None:
            self._var = symbol.var(self.name, shape=self.shape, dtype=self.dtype,
                                   lr_mult=self.lr_mult, wd_mult=self.wd_mult, init=self.init,
                                   stype=self._stype)
        return self._var

    def cast(self, dtype):
        """Cast data and gradient to ``dtype``."""
        self._dtype = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [g.astype(dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self.grad_req)


class Constant(Parameter):
    """A parameter that never changes (``grad_req`` is always ``'null'``)."""

    def __init__(self, name, value):
        if not isinstance(value, ndarray.NDArray):
            value = ndarray.array(value)
        self.value = value
        source = value

        class _Init(initializer.Initializer):
            def _init_weight(self, _, arr):
                arr[:] = source.as_in_context(arr.context)

            def dumps(self):
                return '["constant", {}]'

        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype,
                         init=_Init())

    def __repr__(self):
        return f"Constant {self.name} (shape={self.shape}, dtype={self.dtype})"

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            warnings.warn(f'Constant parameter "{self.name}" does not support grad_req other '
                          f'than "null", and new value "{req}" is ignored.', stacklevel=2)


class ParameterDict:
    """Parameters by full name, with a common prefix; ``get`` makes or retrieves one."""

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        name = self._prefix + " " if self._prefix else ""
        content = "\n".join("  " + repr(v) for v in self.values())
        return f"{name}(\n{content}\n)"

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._params[name]
        return None

    def get(self, name, **kwargs):
        """The parameter ``prefix + name``, made with ``kwargs`` if it does not exist; an
        existing one must agree with them (unknown shape sizes are filled in)."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = self._params[name] = Parameter(name, **kwargs)
            return param
        for key, value in kwargs.items():
            existing = param._shape if key == "shape" else getattr(param, key, None)
            if existing is None:
                setattr(param, key, value)
                continue
            if key == "shape":
                value = (value,) if isinstance(value, int) else tuple(value)
                value = tuple(0 if d == -1 else d for d in value)
                if len(value) == len(existing) and all(
                        a == b or a * b == 0 for a, b in zip(value, existing)):
                    param._shape = tuple(a or b for a, b in zip(value, existing))
                    continue
            elif key == "dtype" and np.dtype(value) == np.dtype(existing):
                continue
            if value is not None and value != existing:
                raise AssertionError(f"Cannot retrieve Parameter '{name}' because desired "
                                     f"attribute does not match with stored for attribute "
                                     f"'{key}': desired '{value}' vs stored '{existing}'.")
        return param

    def get_constant(self, name, value=None):
        """The constant ``prefix + name``, made from ``value`` if it does not exist."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise KeyError(f"No constant named '{name}'. Please specify value if you want "
                               "to create a new constant.")
            param = self._params[name] = Constant(name, value)
        elif value is not None:
            if not isinstance(param, Constant):
                raise AssertionError(f"Parameter '{name}' already exists but it is not a "
                                     "constant.")
        return param

    def update(self, other):
        """Add the parameters of ``other``; a name may not map to two parameters."""
        for key, value in other.items():
            if key in self._params and self._params[key] is not value:
                raise AssertionError("Cannot update self with other because they have "
                                     f"different Parameters with the same name '{key}'")
        for key, value in other.items():
            self._params[key] = value

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        """Initialise every parameter (``init`` serves those without their own)."""
        if verbose:
            init.set_verbosity(verbose=verbose)
        for param in self.values():
            param.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for param in self.values():
            param.zero_grad()

    def reset_ctx(self, ctx):
        for param in self.values():
            param.reset_ctx(ctx)

    def list_ctx(self):
        contexts = []
        for param in self.values():
            contexts += [c for c in param.list_ctx() if c not in contexts]
        return contexts

    def setattr(self, name, value):
        """Set attribute ``name`` (e.g. ``grad_req``, ``lr_mult``) of every parameter."""
        for param in self.values():
            setattr(param, name, value)

    def save(self, filename, strip_prefix=""):
        """Save to MXNet's ``.params`` file, names without ``strip_prefix``."""
        arrays = {}
        for param in self.values():
            if not param.name.startswith(strip_prefix):
                raise ValueError(f"Prefix '{strip_prefix}' is to be striped before saving, but "
                                 f"Parameter's name '{param.name}' does not start with "
                                 f"'{strip_prefix}'. this may be due to your Block shares "
                                 "parameters from other Blocks or you forgot to use "
                                 "'with name_scope()' when creating child blocks. For more "
                                 "info on naming, please see https://mxnet.io/api/python/docs"
                                 "/tutorials/packages/gluon/blocks/naming.html")
            arrays[param.name[len(strip_prefix):]] = param._reduce()
        ndarray.save(filename, arrays)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix="", cast_dtype=False, dtype_source="current"):
        """Load from a ``.params`` file (``arg:``/``aux:`` prefixes are dropped)."""
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise AssertionError(f"restore_prefix is '{restore_prefix}' but Parameters "
                                         f"name '{name}' does not start with "
                                         f"'{restore_prefix}'")
        loaded = ndarray.load(filename)
        if not isinstance(loaded, dict):
            raise MXNetError(f"the file '{filename}' holds a list of arrays without names")
        strip = len(restore_prefix)
        arrays = {restore_prefix + (k[4:] if k.startswith(("arg:", "aux:")) else k): v
                  for k, v in loaded.items()}
        if not allow_missing:
            for name in self.keys():
                if name not in arrays:
                    raise AssertionError(
                        f"Parameter '{name[strip:]}' is missing in file '{filename}', which "
                        f"contains parameters: {_brief_print_list(arrays)}. Please make sure "
                        "source and target networks have the same prefix.")
        for name, value in arrays.items():
            if name not in self._params:
                if not ignore_extra:
                    raise AssertionError(
                        f"Parameter '{name[strip:]}' loaded from file '{filename}' is not "
                        f"present in ParameterDict, choices are: "
                        f"{_brief_print_list(self._params)}. Set ignore_extra to True to "
                        "ignore. Please make sure source and target networks have the same "
                        "prefix.")
                continue
            self[name]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)

    def select(self, pattern):
        """The parameters whose names match the regular expression ``pattern``."""
        regex = re.compile(pattern)
        selected = ParameterDict(self._prefix)
        selected.update({k: v for k, v in self.items() if regex.match(k)})
        return selected

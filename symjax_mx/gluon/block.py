"""Gluon blocks: `Block` (eager), `HybridBlock` (eager, or traced once into a Symbol and run
as one compiled program) and `SymbolBlock` (a Block made from a Symbol). Names and prefixes
follow MXNet 1.9.1 exactly, since ``.params`` files are keyed by them."""
import re
import threading
import warnings
from collections import OrderedDict

import numpy as np

from .. import initializer, name as _name, ndarray, symbol
from ..ndarray import NDArray
from ..ndarray.ndarray import NUMPY_ARRAY_CLASS
from ..numpy.multiarray import to_np
from ..symbol import Symbol
from ..symbol.symbol import group_class
from ..util import is_np_array
from . import _model_structure
from ._cached_op import CachedOp
from .utils import _brief_print_list, _check_not_mixed
from .parameter import DeferredInitializationError, Parameter, ParameterDict

__all__ = ["Block", "HybridBlock", "SymbolBlock"]


# how deep this thread is in Block calls: under NumPy semantics (npx.set_np) the outermost
# call returns mx.np arrays, as MXNet's blocks do; the layers inside compute on NDArrays
_CALLS = threading.local()


def _as_np(out):
    """``out`` (an array, or lists and tuples of them) as mx.np arrays."""
    if isinstance(out, NDArray):
        return to_np(out)
    if isinstance(out, (list, tuple)):
        return type(out)(_as_np(x) for x in out)
    return out


def _numpy_forward(block, args):
    """``block.forward(*args)`` under NumPy semantics: mx.np arrays from the outermost call.
    A block that calls no other block and returns both mx.np arrays and classic NDArrays
    (made by ``as_nd_ndarray``) is MXNet's TypeError."""
    _CALLS.depth = getattr(_CALLS, "depth", 0) + 1
    _CALLS.count = calls = getattr(_CALLS, "count", 0) + 1
    try:
        out = block.forward(*args)
    finally:
        _CALLS.depth -= 1
    if _CALLS.count == calls:
        _check_not_mixed(_gather_arrays(out)[0])
    return out if _CALLS.depth else _as_np(out)


class _BlockScope:
    """The naming scope of a Block: children made inside ``with block.name_scope()`` get
    ``block.prefix + hint + count + '_'``."""
    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None
        self._name_scope = None

    @staticmethod
    def create(prefix, params, hint):
        """(prefix, ParameterDict) of a new block, from the scope in effect."""
        current = getattr(_BlockScope._current, "value", None)
        if current is None:
            if prefix is None:
                prefix = _name.current().get(None, hint) + "_"
            params = ParameterDict(prefix) if params is None else ParameterDict(params.prefix,
                                                                                params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = f"{hint}{count}_"
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, "value", None)
        _BlockScope._current.value = self
        self._name_scope = _name.Prefix(self._block.prefix)
        self._name_scope.__enter__()
        return self

    def __exit__(self, *exc):
        if self._block._empty_prefix:
            return
        self._name_scope.__exit__(*exc)
        self._name_scope = None
        _BlockScope._current.value = self._old_scope


def _flatten(args, what):
    """(flat list of arrays, symbols or None, nesting format)."""
    if isinstance(args, NDArray):
        return [args], 0
    if isinstance(args, Symbol):
        length = len(args.list_outputs())
        return [args], length if length > 1 else 0
    if args is None:
        return [None], -1
    if not isinstance(args, (list, tuple)):
        raise ValueError(f"When hybridized, the input of HybridBlock {what} must be (nested) "
                         f"list of Symbol or NDArray, but got {args} of type {type(args)}")
    flat, formats = [], []
    for arg in args:
        items, fmt = _flatten(arg, what)
        flat.extend(items)
        formats.append(fmt)
    return flat, formats


def _regroup(args, fmt):
    """Inverse of `_flatten`: the nested value."""
    return _merge(args, fmt)[0]


def _merge(args, fmt):
    """(the value of format ``fmt`` at the start of ``args``, the rest of ``args``); a
    module-level function, since a nested recursive one is a reference cycle per call that
    only the garbage collector frees."""
    if isinstance(fmt, int):
        if fmt < -1:
            raise ValueError(f"Unsupported encoded format {fmt}.")
        if fmt == 0:
            return args[0], args[1:]
        if fmt == -1:
            if args[0] is not None:
                raise ValueError("We do not support passing types that are not None when "
                                 "the initial HybridBlock has received NoneType and has "
                                 f"been hybridized. Received arg = {args[0]}, fmt = {fmt}.")
            return None, args[1:]
        return args[:fmt], args[fmt:]
    if not isinstance(args, (list, tuple)):
        raise ValueError("When hybridized, the output of HybridBlock must be (nested) list "
                         f"of Symbol or NDArray, but got {args} of type {type(args)}")
    result = []
    for sub in fmt:
        value, args = _merge(args, sub)
        result.append(value)
    return result, args


class _HookHandle:
    """Removes a registered hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def detach(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


class Block:
    """The base of all layers and models: override ``forward``. Children and parameters
    assigned as attributes are registered; create them inside ``with self.name_scope()``."""

    _is_sequence = False  # Sequential and HybridSequential: summary lists their children

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = []
        self._forward_pre_hooks = []

    def __repr__(self):
        lines = [f"  ({key}): " + _indent(repr(block), 2)
                 for key, block in self.__dict__.items() if isinstance(block, Block)]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"

    def __setattr__(self, name, value):
        """Registers Blocks and Parameters assigned as attributes."""
        if hasattr(self, name):
            existing = getattr(self, name)
            if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
                raise TypeError(f"Changing attribute type for {name} from {type(existing)} to "
                                f"{type(value)} is not allowed.")
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise AssertionError(f"Overriding Parameter attribute {name} is not allowed. "
                                     "If you want to share parameters between blocks, please "
                                     "set 'params' at Block construction instead.")
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _alias(self):
        return type(self).__name__.lower()

    @property
    def prefix(self):
        return self._prefix

    @property
    def name(self):
        return self._name

    @property
    def params(self):
        """This block's own ParameterDict (children's parameters not included)."""
        return self._params

    def name_scope(self):
        return self._scope

    def collect_params(self, select=None):
        """This block's and its children's parameters; ``select`` is a regular expression
        (or several joined with ``|``) the names must match."""
        self._check_container_with_block()
        result = ParameterDict(self._params.prefix)
        if not select:
            result.update(self.params)
        else:
            pattern = re.compile(select)
            result.update({k: v for k, v in self.params.items() if pattern.match(k)})
        for child in self._children.values():
            result.update(child.collect_params(select=select))
        return result

    def _check_container_with_block(self):
        """Warn about Blocks kept in a list, tuple or dict attribute: they are not
        registered, so their parameters are not collected."""
        children = set(self._children.values())

        def unregistered(data):
            if isinstance(data, (list, tuple)):
                return any(unregistered(item) for item in data)
            if isinstance(data, dict):
                return any(unregistered(item) for item in data.values())
            return isinstance(data, Block) and data not in children

        for key, value in self.__dict__.items():
            if isinstance(value, (list, tuple, dict)) and not (
                    key.startswith("__") or key == "_children") and unregistered(value):
                warnings.warn(f'"{type(self).__name__}.{key}" is an unregistered container '
                              "with Blocks. Note that Blocks inside the list, tuple or dict "
                              "will not be registered automatically. Make sure to register "
                              "them using register_child() or switching to "
                              "nn.Sequential/nn.HybridSequential instead. ", stacklevel=3)

    def _collect_params_with_prefix(self, prefix=""):
        if prefix:
            prefix += "."
        result = {prefix + key: value for key, value in self._reg_params.items()}
        for name, child in self._children.items():
            result.update(child._collect_params_with_prefix(prefix + name))
        return result

    def save_parameters(self, filename, deduplicate=False):
        """Save parameters keyed by their attribute path (``0.weight``, ``conv.bias``)."""
        params = self._collect_params_with_prefix()
        if deduplicate:
            seen = {}
            for key, param in list(params.items()):
                if param in seen.values():
                    del params[key]
                seen[key] = param
        ndarray.save(filename, {key: param._reduce() for key, param in params.items()})

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source="current"):
        """Load a file written by `save_parameters` (or, without dotted names, by
        ``collect_params().save``)."""
        loaded = ndarray.load(filename)
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any("." in key for key in loaded):
            del loaded
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        if not allow_missing:
            # a shared parameter is saved once (deduplicate): any of its names will do
            names_of = {}
            for key, param in params.items():
                names_of.setdefault(id(param), []).append(key)
            for name, param in params.items():
                if not any(key in loaded for key in names_of[id(param)]):
                    raise AssertionError(
                        f"Parameter '{name}' is missing in file '{filename}', which contains "
                        f"parameters: {_brief_print_list(loaded)}. Set allow_missing=True to "
                        "ignore missing parameters.")
        for name, value in loaded.items():
            if name not in params:
                if not ignore_extra:
                    raise ValueError(
                        f"Parameter '{name}' loaded from file '{filename}' is not present in "
                        f"ParameterDict, which contains parameters "
                        f"{_brief_print_list(self._collect_params_with_prefix())}. Set "
                        "ignore_extra=True to ignore. ")
                continue
            params[name]._load_init(value, ctx, cast_dtype=cast_dtype,
                                    dtype_source=dtype_source)

    def save(self, prefix):
        """Write the block structure (``prefix-model.json``, traced graphs included) and
        the parameters (``prefix-model.params``)."""
        _model_structure.save(self, prefix)

    def load(self, prefix):
        """Load a model written by `save` into a block built the same way."""
        _model_structure.load(self, prefix)

    def save_params(self, filename):
        """Deprecated: ``collect_params().save`` without this block's prefix."""
        warnings.warn("save_params is deprecated. Please use save_parameters. Note that if you "
                      "want load from SymbolBlock later, please use export instead. For "
                      "details, see https://mxnet.apache.org/tutorials/gluon/"
                      "save_load_params.html")
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        """Deprecated: `load_parameters`."""
        warnings.warn("load_params is deprecated. Please use load_parameters.")
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def register_child(self, block, name=None):
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook):
        """``hook(block, inputs)`` runs before each forward; returns a handle to remove it."""
        self._forward_pre_hooks.append(hook)
        return _HookHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """``hook(block, inputs, outputs)`` runs after each forward."""
        self._forward_hooks.append(hook)
        return _HookHandle(self._forward_hooks, hook)

    def register_op_hook(self, callback, monitor_all=False):
        """Hybridized children call ``callback(name, operator, array)`` with each
        operator's output (and inputs with ``monitor_all``) after each forward."""
        for child in self._children.values():
            child.register_op_hook(callback, monitor_all)

    def apply(self, fn):
        """Call ``fn(block)`` on every child, then on this block."""
        for child in self._children.values():
            child.apply(fn)
        fn(self)
        return self

    def initialize(self, init=initializer.Uniform(), ctx=None, verbose=False,
                   force_reinit=False):
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def hybridize(self, active=True, **kwargs):
        for child in self._children.values():
            child.hybridize(active, **kwargs)

    def cast(self, dtype):
        for child in self._children.values():
            child.cast(dtype)
        for param in self.params.values():
            param.cast(dtype)

    def zero_grad(self):
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx):
        self.collect_params().reset_ctx(ctx)

    def __call__(self, *args):
        for hook in self._forward_pre_hooks:
            hook(self, args)
        out = self.forward(*args) if not is_np_array() else _numpy_forward(self, args)
        for hook in self._forward_hooks:
            hook(self, args, out)
        return out

    def forward(self, *args):
        raise NotImplementedError

    def summary(self, *inputs):
        """Print each layer's output shape and parameter count for a forward of ``inputs``
        (MXNet's table; the block must not be hybridized)."""
        rows = OrderedDict()
        seen = set()
        hooks = []

        def hook(block, _, outputs):
            row = rows[f"{type(block).__name__}-{len(rows)}"] = {
                "output_shape": _shape_str(outputs), "n_params": 0, "trainable": 0,
                "shared": 0}
            for param in block.params.values():
                size = param.data().size
                row["n_params"] += size
                row["trainable"] += 0 if param.grad_req == "null" else size
                if param in seen:
                    row["shared"] += size
                else:
                    seen.add(param)

        def register(block):
            if isinstance(block, HybridBlock) and block._active:
                raise AssertionError(f'"{block.name}" must not be hybridized to print summary.')
            if not block._is_sequence:
                hooks.append(block.register_forward_hook(hook))

        rows["Input"] = {"output_shape": _shape_str(inputs), "n_params": 0, "trainable": 0,
                         "shared": 0}
        try:
            self.apply(register)
            self(*inputs)
            line = "{:>20}  {:>42} {:>15}"
            print("-" * 80)
            print(line.format("Layer (type)", "Output Shape", "Param #"))
            print("=" * 80)
            for name, row in rows.items():
                print(line.format(name, str(row["output_shape"]), row["n_params"]))
            total = sum(row["n_params"] for row in rows.values())
            trainable = sum(row["trainable"] for row in rows.values())
            shared = sum(row["shared"] for row in rows.values())
            print("=" * 80)
            print("Parameters in forward computation graph, duplicate included")
            print(f"   Total params: {total}")
            print(f"   Trainable params: {trainable}")
            print(f"   Non-trainable params: {total - trainable}")
            print(f"Shared params in forward computation graph: {shared}")
            print(f"Unique parameters in model: {total - shared}")
            print("-" * 80)
        finally:
            for handle in hooks:
                handle.detach()


def _shape_str(values):
    """Shapes of (nested) arrays as MXNet's summary prints them."""
    def shapes(value):
        if isinstance(value, (list, tuple)):
            return [shapes(v) for v in value]
        return value.shape if isinstance(value, NDArray) else value
    result = shapes(values)
    return str(result)[1:-1] if isinstance(result, list) else str(result)


def _indent(text, spaces):
    lines = text.split("\n")
    return "\n".join([lines[0]] + [" " * spaces + line for line in lines[1:]])


class HybridBlock(Block):
    """A block whose ``hybrid_forward(F, x, *args, **params)`` works with ``F`` = ``mx.nd``
    and ``F`` = ``mx.sym``; after ``hybridize()`` it runs as one compiled program."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._cached_graph = ()
        self._cached_op = None
        self._in_format = None
        self._out_format = None
        self._active = False
        self._flags = []
        self._op_hook = None

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if isinstance(value, HybridBlock):
            self._clear_cached_op()

    def register_child(self, block, name=None):
        if not isinstance(block, HybridBlock):
            raise ValueError(f"Children of HybridBlock must also be HybridBlock, but {block} "
                             f"has type {type(block)}. If you are using Sequential, please try "
                             "HybridSequential instead.")
        super().register_child(block, name)
        self._clear_cached_op()

    def _clear_cached_op(self):
        self._cached_graph = ()
        self._cached_op = None

    def hybridize(self, active=True, **kwargs):
        """Trace ``hybrid_forward`` into a Symbol at the next call and run it compiled
        (``static_alloc`` / ``static_shape`` are accepted; XLA always plans memory)."""
        self._active = active
        self._flags = list(kwargs.items())
        self._clear_cached_op()
        if active and (self._forward_hooks or self._forward_pre_hooks):
            warnings.warn(f'"{self}" is being hybridized while still having forward hook/'
                          f'pre-hook. If "{self}" is a child of HybridBlock, the hooks will not '
                          "take effect.", stacklevel=2)
        super().hybridize(active, **kwargs)

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    def register_op_hook(self, callback, monitor_all=False):
        self._op_hook = (callback, monitor_all)
        super().register_op_hook(callback, monitor_all)

    def _get_graph(self, *args):
        if not self._cached_graph:
            flat, self._in_format = _flatten(args, "input")
            real = sum(arg is not None for arg in flat)
            if real == 0:
                raise ValueError("All args are None and we do not support such a case. "
                                 f"Received args={args}")
            names = iter([f"data{i}" for i in range(real)] if real > 1 else ["data"])
            # an mx.np input (any input under NumPy semantics) is an mx.sym.np symbol
            inputs = [None if arg is None else _input_symbol(next(names), arg) for arg in flat]
            grouped = _regroup(inputs, self._in_format)
            params = {key: param.var() for key, param in self._reg_params.items()}
            with self.name_scope():
                out = self.hybrid_forward(symbol, *grouped, **params)
            out, self._out_format = _flatten(out, "output")
            group = group_class(out)(symbol.Group(out).graph)
            self._cached_graph = [i for i in inputs if i is not None], group
        return self._cached_graph

    def infer_shape(self, *args):
        """Fill the parameters' unknown shape sizes from the inputs' shapes."""
        self._infer_attrs("infer_shape", "shape", *args)

    def infer_type(self, *args):
        self._infer_attrs("infer_type", "dtype", *args)

    def _infer_attrs(self, infer_fn, attr, *args):
        inputs, out = self._get_graph(*args)
        flat = [arg for arg in _flatten(args, "input")[0] if arg is not None]
        arg_attrs, _, aux_attrs = getattr(out, infer_fn)(
            **{i.name: getattr(j, attr) for i, j in zip(inputs, flat)})
        if arg_attrs is None:
            raise ValueError(f"cannot {infer_fn} of {self.name} from its inputs")
        values = dict(zip(out.list_arguments(), arg_attrs))
        values.update(zip(out.list_auxiliary_states(), aux_attrs))
        for param in self.collect_params().values():
            if param.name not in values:
                continue
            if attr == "shape":
                param.shape = values[param.name]
            else:
                param._dtype = values[param.name]

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except Exception as err:
            raise ValueError("Deferred initialization failed because shape cannot be "
                             f"inferred. {err}") from None

    def _build_cache(self, *args):
        data, out = self._get_graph(*args)
        self._cached_op = CachedOp(self, data, out, dict(self._flags).get("inline_limit", 2))

    def _call_cached_op(self, *args):
        if self._cached_op is None:
            self._build_cache(*args)
        if _all_arrays(args) and self._in_format == [0] * len(args):
            flat = list(args)  # what _flatten gives for plain arrays, without its walk
        else:
            flat, fmt = _flatten(args, "input")
            if fmt != self._in_format and not _compatible_formats(fmt, self._in_format):
                raise ValueError("The argument structure of HybridBlock does not match the "
                                 f"cached version. Stored format = {fmt}, input format = "
                                 f"{self._in_format}")
            flat = [arg for arg in flat if arg is not None]
        out = self._cached_op(flat, lambda: self._deferred_infer_shape(*args))
        if self._op_hook is not None:
            self._cached_op.monitor(flat, *self._op_hook)
        out = _regroup(out, self._out_format)
        return _as_np(out) if self._cached_op.numpy_outputs and not is_np_array() else out

    def forward(self, x, *args):
        """Run ``hybrid_forward`` with ``F=mx.nd`` (or the compiled program when
        hybridized) on NDArrays, or with ``F=mx.sym`` on Symbols."""
        arrays, has_symbol = (([x, *args], False) if _all_arrays((x, *args))
                              else _gather_arrays([x, *args]))
        if arrays and has_symbol:
            raise ValueError("In HybridBlock, we do not support mixed NDArrays and Symbols "
                             "types for the input. Please check the type of the args.\n")
        if not arrays and not has_symbol:
            raise ValueError("In HybridBlock, there must be one NDArray or one Symbol in the "
                             "input. Please check the type of the args.\n")
        if arrays:
            ctx = arrays[0].context
            if self._active:
                if any(a._ctx is not ctx and a._ctx != ctx for a in arrays):
                    contexts = {a.context for a in arrays}
                    raise ValueError("Find multiple contexts in the input, After hybridized, "
                                     "the HybridBlock only supports one input context. You can "
                                     "print the ele.ctx in the input arguments to inspect "
                                     f"their contexts. Find all contexts = {contexts}")
                with ctx:
                    return self._call_cached_op(x, *args)
            with ctx:
                try:
                    params = {k: v.data(ctx) for k, v in self._reg_params.items()}
                except DeferredInitializationError:
                    self._deferred_infer_shape(x, *args)
                    for param in self.params.values():
                        param._finish_deferred_init()
                    params = {k: v.data(ctx) for k, v in self._reg_params.items()}
                return self.hybrid_forward(ndarray, x, *args, **params)
        params = {key: param.var() for key, param in self._reg_params.items()}
        with self.name_scope():
            return self.hybrid_forward(symbol, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError

    def export(self, path, epoch=0, remove_amp_cast=True):
        """Write ``path-symbol.json`` and ``path-%04d.params`` (MXNet's files); returns None,
        as MXNet 1.9.1's does."""
        if not self._cached_graph:
            raise RuntimeError("Please first call block.hybridize() and then run forward with "
                               "this block at least once before calling export.")
        sym = self._cached_graph[1]
        sym.save(f"{path}-symbol.json", remove_amp_cast=remove_amp_cast)
        arg_names = set(sym.list_arguments())
        aux_names = set(sym.list_auxiliary_states())
        arrays = {}
        for name, param in self.collect_params().items():
            if name in arg_names:
                arrays[f"arg:{name}"] = param._reduce()
            elif name in aux_names:
                arrays[f"aux:{name}"] = param._reduce()
        ndarray.save(f"{path}-{epoch:04d}.params", arrays)


def _input_symbol(name, arg):
    """The variable standing for input ``arg`` in a traced graph."""
    var = symbol.var(name)
    return var.as_np_ndarray() if is_np_array() or isinstance(arg, NUMPY_ARRAY_CLASS[0]) \
        else var


def _all_arrays(args):
    """Whether every item of ``args`` is a dense NDArray (no nesting, no None)."""
    for arg in args:
        if type(arg) is not NDArray:
            return False
    return True


def _gather_arrays(args):
    """(the NDArrays in nested lists ``args``, whether there is a Symbol); other values
    (scalars) are skipped, as an unhybridized block passes them on."""
    if isinstance(args, NDArray):
        return [args], False
    if isinstance(args, Symbol):
        return [], True
    arrays, has_symbol = [], False
    if isinstance(args, (list, tuple)):
        for arg in args:
            found, symbolic = _gather_arrays(arg)
            arrays += found
            has_symbol = has_symbol or symbolic
    return arrays, has_symbol


def _compatible_formats(given, stored):
    """Whether two input formats differ only by trailing None (-1) arguments."""
    if isinstance(given, int) or isinstance(stored, int):
        return False
    shorter, longer = sorted((list(given), list(stored)), key=len)
    return len(shorter) != len(longer) and longer[:len(shorter)] == shorter and all(
        fmt == -1 for fmt in longer[len(shorter):])


def _common_prefix(names):
    if not names:
        return ""
    prefix = names[0]
    for name in names:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    return prefix


class SymbolBlock(HybridBlock):
    """A block that runs a Symbol: ``inputs`` are its data variables, every other
    argument or auxiliary state becomes a parameter."""

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None, allow_missing=False,
                ignore_extra=False):
        """A SymbolBlock from files written by `HybridBlock.export` (or a Module)."""
        sym = symbol.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        inputs = [symbol.var(name) for name in input_names]
        block = SymbolBlock(sym, inputs)
        if param_file is not None:
            block.collect_params().load(param_file, ctx, allow_missing, ignore_extra,
                                        cast_dtype=True, dtype_source="saved")
        return block

    def __repr__(self):
        return f"{type(self).__name__}(\n  {self._cached_graph[1].list_outputs()}\n)"

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix=None, params=None)
        self._prefix = ""
        self._params = ParameterDict("", params)
        if isinstance(inputs, Symbol) and len(inputs.list_outputs()) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        syms, self._in_format = _flatten(inputs, "input")
        out, self._out_format = _flatten(outputs, "output")
        out = symbol.Group(out)
        for node in out.get_internals():
            if node.attr("__storage_type__") in ("row_sparse", "1"):
                raise AssertionError(f"SymbolBlock doesn't support Parameter '{node.name}' "
                                     "because its storage type is 'row_sparse'.")
        input_names = set()
        for sym in syms:
            if len(sym.get_internals().list_outputs()) != 1:
                raise AssertionError(f"Input symbols must be variable, but {sym} is an output "
                                     "of operators")
            input_names.add(sym.name)
        for name in out.list_arguments():
            if name not in input_names:
                self.params.get(name, allow_deferred_init=True)
        for name in out.list_auxiliary_states():
            if name not in input_names:
                self.params.get(name, grad_req="null", allow_deferred_init=True)
        self._cached_graph = syms, out
        strip = len(_common_prefix(list(self._params.keys())))
        self._reg_params = {key[strip:]: value for key, value in self._params.items()}

    def forward(self, x, *args):
        if isinstance(x, NDArray):
            with x.context:
                return self._call_cached_op(x, *args)
        if not isinstance(x, Symbol):
            raise AssertionError("HybridBlock requires the first argument to forward be "
                                 f"either Symbol or NDArray, but got {type(x)}")
        flat, fmt = _flatten([x, *args], "input")
        if fmt != self._in_format:
            raise AssertionError("Invalid input format")
        result = self._cached_graph[1](**{k.name: v for k, v in
                                          zip(self._cached_graph[0], flat)})
        return _regroup(list(result), self._out_format)

    def _clear_cached_op(self):
        graph = self._cached_graph
        super()._clear_cached_op()
        self._cached_graph = graph

    def cast(self, dtype):
        self._clear_cached_op()
        Block.cast(self, dtype)
        if np.dtype(dtype).name == "float16":  # BatchNorm's statistics stay float32
            inputs = self._cached_graph[1].get_internals().list_inputs()
            for name in inputs:
                for var_suffix, names in (("running_var", ("running_mean", "gamma", "beta")),
                                          ("moving_var", ("moving_mean", "gamma", "beta"))):
                    if not name.endswith(var_suffix):
                        continue
                    prefix = name[:-len(var_suffix)]
                    siblings = [prefix + n for n in names]
                    if all(s in inputs for s in siblings):
                        for member in [name] + siblings:
                            self.params.get(member).cast("float32")

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


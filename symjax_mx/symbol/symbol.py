"""Symbol: a handle on an immutable ``Graph`` of operator nodes and variables.

Every operator method and dunder comes from the shared operator surface; here ``_apply``
adds a node. The graph itself (nodes, heads, arguments, auxiliary states) is
``symbol.graph``, defined in ``graph.py``.
"""
import numbers

import numpy as np

from .. import attribute, name as naming
from ..base import MXNetError, NotImplementedForSymbol
from ..ndarray.file_format import FLAG_OF_DTYPE, read_bytes, write_bytes_atomic
from ..ndarray.storage import ID_OF_STYPE
from ..ops import get_op
from ..ops.registry import resolve_inputs
from ..ops.methods import BROADCAST, COMPARISONS, SAME_SHAPE, OperatorMethods
from ..util import is_np_array
from .graph import HIDDEN_KEYS, Graph, Node, without_amp_casts
from .inference import infer
from .json_io import graph_from_json, graph_to_json

__all__ = ["Symbol", "Variable", "var", "Group", "create", "load", "load_json"]


def attr_string(value):
    """An attribute value as MXNet writes it: dtypes by name, everything else by str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, type) or isinstance(value, np.dtype):
        return np.dtype(value).name
    return str(value)


class Symbol(OperatorMethods):
    """A symbolic graph: one or more output entries of operator nodes and variables."""

    __module__ = "symjax_mx.symbol"

    __slots__ = ("graph",)
    _ARRAY_BINARY = SAME_SHAPE  # MXNet's Symbol '+' is elemwise_add, not broadcast_add

    def __init__(self, graph):
        if not isinstance(graph, Graph):
            raise TypeError(f"Symbol wraps a Graph, got {type(graph).__name__}; use "
                            f"mx.sym.Variable, the operator functions or Group")
        self.graph = graph

    # --- operator surface hooks --------------------------------------------------------

    def _apply(self, op, inputs, params, hint=None):
        return create(op, list(inputs), {}, params, hint=hint)

    def reshape(self, *shape, **kwargs):
        """A Reshape node (MXNet's special values 0, -1, -2, -3, -4 and reverse=)."""
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = shape[0]
        params = dict(kwargs, shape=tuple(shape)) if shape else kwargs
        return create(get_op("Reshape"), [self], {}, params)

    def astype(self, dtype):
        """A Cast node to ``dtype``."""
        return create(get_op("Cast"), [self], {}, {"dtype": dtype})

    def as_np_ndarray(self):
        """This symbol with mx.np semantics (an ``mx.sym.np._Symbol``)."""
        return _Symbol(self.graph)

    def as_nd_ndarray(self):
        """This symbol (already a classic one)."""
        return self

    # --- structure -----------------------------------------------------------------------

    def list_arguments(self):
        """Names of the inputs that are not auxiliary states, in MXNet's order."""
        return [n.name for n in self.graph.arg_nodes]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (BatchNorm's moving statistics ...)."""
        return [n.name for n in self.graph.aux_nodes]

    def list_inputs(self):
        """Names of all variables: arguments and auxiliary states."""
        return [n.name for n in self.graph.variables]

    def list_outputs(self):
        """Output names: ``<node>_<output>`` for operators, the name for variables."""
        return self.graph.output_names()

    @property
    def name(self):
        """The name of the node all outputs come from (None for a group of several nodes)."""
        heads = self.graph.heads
        nodes = {id(node) for node, _ in heads}
        return heads[0][0].name if len(nodes) == 1 else None

    def get_internals(self):
        """A symbol whose outputs are every node output in the graph."""
        return _symbol([(node, i) for node in self.graph.nodes
                        for i in range(len(node.output_names()))])

    def get_children(self):
        """A symbol of the inputs of this symbol's nodes, node by node (None if they are all
        variables)."""
        nodes = list({id(node): node for node, _ in self.graph.heads}.values())
        inputs = [entry for node in nodes for entry in node.inputs]
        return _symbol(inputs) if inputs else None

    def _gen_atomic_symbol(self):
        """The operator of this symbol's (first) head node alone: its parameters and
        attributes, no inputs, no name, every output."""
        node = self.graph.heads[0][0]
        if node.op is None:
            raise MXNetError("_gen_atomic_symbol: the symbol is a variable, not an operator")
        atomic = Node(node.op, "", dict(node.attrs), dict(node.params))
        atomic._variables = {}
        return _symbol([(atomic, i) for i in range(node.op.num_outputs(node.params))])

    def _single(self, what):
        heads = self.graph.heads
        if len(heads) != 1:
            raise MXNetError(f"{what} needs a single-output symbol, this one has "
                             f"{len(heads)} outputs")
        return heads[0][0]

    def __getitem__(self, index):
        if isinstance(index, str):
            names = self.list_outputs()
            if names.count(index) != 1:
                raise MXNetError(f"cannot find output {index!r} in {names}" if index not in names
                                 else f"output name {index!r} is ambiguous in {names}")
            index = names.index(index)
        heads = self.graph.heads
        if isinstance(index, slice):
            return _symbol([heads[i] for i in range(*index.indices(len(heads)))])
        if not isinstance(index, numbers.Integral):
            raise TypeError("Symbol only support integer index to fetch i-th output")
        if not -len(heads) <= index < len(heads):
            raise IndexError(f"output index {index} is out of range for {len(heads)} "
                             f"outputs")
        return _symbol([heads[index]])

    def __len__(self):
        return len(self.graph.heads)

    def __iter__(self):
        return (_symbol([entry]) for entry in self.graph.heads)

    def __repr__(self):
        if len(self.graph.heads) == 1:
            return f"<Symbol {self.name}>"
        return f"<Symbol group [{', '.join(self.list_outputs())}]>"

    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, "bool")

    def __reduce__(self):
        return load_json, (self.tojson(),)

    # --- attributes ----------------------------------------------------------------------

    def attr(self, key):
        """The value of attribute ``key`` of this symbol's node, or None (``lr_mult`` finds
        ``__lr_mult__``, as MXNet's hidden keys do)."""
        attrs = self._single("attr").attrs
        return attrs.get(key, attrs.get(attribute.stored_key(key)))

    def list_attr(self, recursive=False):
        """This node's attributes (with ``lr_mult`` also for ``__lr_mult__`` and the like)."""
        if recursive:
            raise MXNetError("list_attr(recursive=True) is removed in MXNet; use attr_dict()")
        return _listed(self._single("list_attr").attrs)

    def attr_dict(self):
        """Node name -> attributes, for every node that has attributes."""
        return {node.name: _listed(node.attrs) for node in self.graph.nodes if node.attrs}

    # --- composition ---------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        """A new symbol with free variables replaced by the given symbols.

        Positional arguments replace ``list_arguments()`` in order, keyword ones by name.
        With ``name=``, the composed graph's own nodes get the prefix ``<name>_``.
        """
        prefix = kwargs.pop("name", None)
        arguments = self.list_arguments()
        if len(args) > len(arguments):
            raise MXNetError(f"composing with {len(args)} positional symbols, but the symbol "
                             f"has only {len(arguments)} arguments {arguments}")
        replacements = dict(zip(arguments, args))
        for key, value in kwargs.items():
            if key not in arguments:
                raise MXNetError(f"cannot compose: the symbol has no argument named {key!r}; "
                                 f"its arguments are {arguments}")
            replacements[key] = value
        for key, value in replacements.items():
            if not isinstance(value, Symbol) or len(value.graph.heads) != 1:
                raise MXNetError(f"cannot compose argument {key!r} with {value!r}: expected a "
                                 f"single-output Symbol")
        replaced, copied = {}, {}

        def remap(node, index):
            return replaced.get(id(node)) or (copied[id(node)], index)

        for node in self.graph.nodes:
            if node.op is None and node.name in replacements:
                replaced[id(node)] = replacements[node.name].graph.heads[0]
                continue
            new_name = f"{prefix}_{node.name}" if prefix else node.name
            copied[id(node)] = Node(node.op, new_name, dict(node.attrs), node.params,
                                    [remap(n, i) for n, i in node.inputs])
        return _symbol([remap(node, index) for node, index in self.graph.heads])

    # --- binding (the executor lives in lowering/, above this layer) ---------------------

    def bind(self, ctx, args, args_grad=None, grad_req="write", aux_states=None,
             group2ctx=None, shared_exec=None):
        """An Executor over the given arrays (lists in argument order, or dicts)."""
        from ..lowering import bind
        return bind(self, ctx, args, args_grad, grad_req, aux_states, group2ctx, shared_exec)

    def simple_bind(self, ctx, grad_req="write", type_dict=None, stype_dict=None,
                    group2ctx=None, shared_arg_names=None, shared_exec=None,
                    shared_buffer=None, **kwargs):
        """An Executor with arrays allocated from the input shapes given as keywords."""
        from ..lowering import simple_bind
        return simple_bind(self, ctx, grad_req, type_dict, stype_dict, group2ctx,
                           shared_arg_names, shared_exec, shared_buffer, **kwargs)

    def eval(self, ctx=None, **kwargs):
        """The outputs for the given argument arrays (a list of NDArrays)."""
        executor = self.bind(ctx, kwargs, grad_req="null")
        return executor.forward()

    # --- inference and serialisation (implemented in their own modules) ------------------

    def infer_shape(self, *args, **kwargs):
        """(argument shapes, output shapes, aux shapes); (None, None, None) if incomplete."""
        return infer(self.graph, "shape", args, kwargs, partial=False)

    def infer_shape_partial(self, *args, **kwargs):
        """Like infer_shape, with what stays unknown as MXNet writes it: a 0 size and a ()
        shape (None and -1 under NumPy shape semantics)."""
        return infer(self.graph, "shape", args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """(argument dtypes, output dtypes, aux dtypes); (None, None, None) if incomplete."""
        return infer(self.graph, "dtype", args, kwargs, partial=False)

    def infer_type_partial(self, *args, **kwargs):
        """Like infer_type, with None for each dtype that stays unknown."""
        return infer(self.graph, "dtype", args, kwargs, partial=True)

    def debug_str(self):
        """MXNet's listing of the graph: its outputs, then each node in order (a variable's
        name; an operator's inputs, with the versions of the variables among them, and its
        attributes)."""
        heads = self.graph.heads
        if len(heads) == 1 and heads[0][0].op is None:
            return f"Variable:{heads[0][0].name}\n"
        lines = ["Symbol Outputs:"]
        lines += [f"\toutput[{i}]={node.name}({index})" for i, (node, index) in enumerate(heads)]
        for node in self.graph.nodes:
            if node.op is None:
                lines.append(f"Variable:{node.name}")
                continue
            lines += ["-" * 20, f"Op:{node.op.name}, Name={node.name}", "Inputs:"]
            versions = node.input_versions()
            for position, (source, index) in enumerate(node.inputs):
                version = f" version={versions[position]}" if source.op is None else ""
                lines.append(f"\targ[{position}]={source.name}({index}){version}")
            if node.attrs:
                lines.append("Attrs:")
                lines += [f"\t{key}={value}" for key, value in sorted(node.attrs.items())]
        return "\n".join(lines) + "\n"

    def tojson(self, remove_amp_cast=True):
        """The graph in MXNet's JSON format (without its amp_cast / amp_multicast nodes
        unless ``remove_amp_cast`` is False)."""
        return graph_to_json(without_amp_casts(self.graph) if remove_amp_cast else self.graph)

    def save(self, fname, remove_amp_cast=True):
        """Write ``tojson(remove_amp_cast)`` to ``fname`` (fsspec URLs too)."""
        write_bytes_atomic(fname, self.tojson(remove_amp_cast).encode())


def _listed(attrs):
    listed = dict(attrs)
    for key in HIDDEN_KEYS:
        if f"__{key}__" in attrs:
            listed[key] = attrs[f"__{key}__"]
    return listed


def Variable(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None,
             stype=None, **kwargs):
    """A free variable (an input or a parameter) of a graph."""
    if not isinstance(name, str):
        raise TypeError("Expect a string for variable `name`")
    attrs = attribute.current().get(attr)
    given = {"__shape__": shape, "__lr_mult__": lr_mult, "__wd_mult__": wd_mult,
             "__storage_type__": None if stype is None else ID_OF_STYPE[stype]}
    if isinstance(shape, (int, np.integer)):  # MXNet takes shape=(1) as (1,)
        given["__shape__"] = (int(shape),)
    attrs.update({k: attr_string(tuple(v) if k == "__shape__" else v)
                  for k, v in given.items() if v is not None})
    if dtype is not None:
        attrs["__dtype__"] = str(FLAG_OF_DTYPE[np.dtype(dtype).name])
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    for key, value in kwargs.items():
        if not (key.startswith("__") and key.endswith("__")):
            raise ValueError(f"Attribute name={key} is not supported. Additional attributes "
                             f"must start and end with double underscores, e.g, __yourattr__")
        attrs[key] = str(value)
    return _symbol([(Node(None, name, attrs), 0)])


var = Variable


def Group(symbols):
    """One symbol whose outputs are the outputs of ``symbols`` in order."""
    symbols = list(symbols)
    if not symbols or not all(isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a list of symbols as input")
    return _symbol([entry for s in symbols for entry in s.graph.heads])


def create(op, positional, named, raw_params, name=None, attr=None, hint=None):
    """Add an ``op`` node: inputs from symbols given by position or name, missing inputs
    (weights, biases, labels, auxiliary states) created as ``<name>_<input>`` variables."""
    # None is "not given", except for a parameter where None is a value (sort's axis)
    raw_params = {k: v for k, v in raw_params.items() if v is not None or (
        k in op.params and getattr(op.params[k].parse, "accepts_none", False))}
    hidden = {k: attr_string(raw_params.pop(k)) for k in HIDDEN_KEYS if k in raw_params}
    raw_params, params, given = resolve_inputs(op, positional, named, raw_params)
    if not op.num_outputs(params):
        raise MXNetError(f"operator {op.name} has no outputs, so it cannot be part of a "
                         f"symbol; call mx.nd.{op.name}")
    arg_names = op.arg_names(params)
    node_name = naming.current().get(name, hint or op.name.lower())
    attrs = {k: attr_string(v) for k, v in raw_params.items()}
    attrs.update(attribute.current().get({**hidden, **(attr or {})}))
    entries = []
    for arg in arg_names:
        symbol = given.get(arg)
        if symbol is None:
            var_attrs = {**attrs, **op.input_attrs.get(arg, {})}
            entries.append((Node(None, f"{node_name}_{arg}", var_attrs), 0))
        elif not isinstance(symbol, Symbol) or len(symbol.graph.heads) != 1:
            raise MXNetError(f"operator {op.name}: input {arg} must be a single-output Symbol, "
                             f"got {symbol!r}")
        else:
            entries.append(symbol.graph.heads[0])
    node = Node(op, node_name, attrs, params, entries)
    outputs = [(node, i) for i in range(op.num_outputs(params))]
    # an operator on classic symbols only (as_nd_ndarray's) gives a classic symbol, as
    # MXNet's classic operators do, and one on a NumPy symbol a NumPy symbol; an operator
    # without inputs follows the semantics in force
    inputs = [given[arg] for arg in arg_names if given.get(arg) is not None]
    if inputs:
        numpy = any(isinstance(symbol, _Symbol) for symbol in inputs)
        return (_Symbol if numpy else Symbol)(Graph(outputs))
    return _symbol(outputs)


class _Symbol(Symbol):
    """A Symbol with mx.np semantics (MXNet's ``mx.sym.np._Symbol``), what NumPy mode
    (``npx.set_np()``) builds: arithmetic broadcasts, and an integer, slice or tuple of them
    slices a single-output symbol (on a group it picks outputs), comparisons give booleans."""

    __module__ = "symjax_mx.symbol.numpy"
    __slots__ = ()
    _ARRAY_BINARY = BROADCAST

    def __getitem__(self, key):
        heads = self.graph.heads
        if isinstance(key, str) or len(heads) > 1 and isinstance(key, numbers.Integral):
            return super().__getitem__(key)
        if len(heads) > 1:
            if not isinstance(key, slice):
                raise TypeError(f"indices of symbol group must be integers or slices, not "
                                f"{type(key).__name__}")
            return _symbol([heads[i] for i in range(*key.indices(len(heads)))])
        return _basic_slice(self, key if isinstance(key, tuple) else (key,))

    def _binary(self, other, key, reflected=False):
        out = super()._binary(other, key, reflected)
        return out.astype(np.bool_) if key in COMPARISONS and out is not NotImplemented \
            else out

    def as_nd_ndarray(self):
        """This symbol with the legacy semantics (an ``mx.sym.Symbol``)."""
        return Symbol(self.graph)

    def as_np_ndarray(self):
        return self

    @property
    def T(self):  # noqa: N802  (NumPy's name)
        """The symbol with its axes reversed."""
        return create(get_op("transpose"), [self], {}, {})

    def dot(self, b):
        """The dot product with ``b``, as ``mx.sym.np.dot``."""
        return create(get_op("dot"), [self, b], {}, {})


def _basic_slice(sym, key):
    """``sym[key]`` for a tuple ``key`` of integers and slices: a slice node, then a squeeze
    of the axes indexed by integers."""
    if not key:
        return sym
    begin, end, step, dropped = [], [], [], []
    for axis, index in enumerate(key):
        if isinstance(index, slice):
            if index.step == 0:
                raise ValueError("slice step cannot be zero")
            begin.append(index.start)
            end.append(index.stop)
            step.append(index.step)
        elif isinstance(index, numbers.Integral):
            index = int(index)  # one element, walking backwards from a negative index
            begin.append(index)
            end.append(index + 1 if index >= 0 else index - 1)
            step.append(1 if index >= 0 else -1)
            dropped.append(axis)
        else:
            raise IndexError(f"only integers, slices and tuples of them index a Symbol, got "
                             f"{index!r} in {key!r}")
    out = create(get_op("slice"), [sym], {}, {"begin": tuple(begin), "end": tuple(end),
                                              "step": tuple(step)})
    return create(get_op("squeeze"), [out], {}, {"axis": tuple(dropped)}) if dropped else out


def _symbol(entries):
    """A Symbol of ``entries``, with mx.np semantics while NumPy mode is on."""
    return (_Symbol if is_np_array() else Symbol)(Graph(entries))


def load_json(json_str):
    """A Symbol from MXNet's JSON text (any version from 0.8 to 1.9)."""
    return Symbol(graph_from_json(json_str))


def load(fname):
    """A Symbol from a JSON file written by ``Symbol.save`` or MXNet (fsspec URLs too)."""
    data = read_bytes(fname)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise MXNetError(f"invalid symbol JSON in {fname!r}: not UTF-8 text ({err})") from None
    return load_json(text)


def group_class(symbols):
    """The class a Group of ``symbols`` takes: mx.sym.np._Symbol where they are NumPy
    symbols, else Symbol; TypeError (MXNet's) for a mix of both, which cannot be grouped."""
    numpy = [isinstance(s, _Symbol) for s in symbols]
    if any(numpy) and not all(numpy):
        raise TypeError("Found both classic symbol (mx.sym.Symbol) and numpy symbol "
                        "(mx.sym.np._Symbol) in outputs. This will prevent you from building a "
                        "computation graph by grouping them since different types of symbols "
                        "are not allowed to be grouped in Gluon to form a computation graph. "
                        "You will need to convert them to the same type of symbols, either "
                        "classic or numpy following this rule: if you want numpy ndarray "
                        "output(s) from the computation graph, please convert all the classic "
                        "symbols in the list to numpy symbols by calling `as_np_ndarray()` on "
                        "each of them; if you want classic ndarray output(s) from the "
                        "computation graph, please convert all the numpy symbols in the list "
                        "to classic symbols by calling `as_nd_ndarray()` on each of them.")
    return _Symbol if numpy and numpy[0] else Symbol

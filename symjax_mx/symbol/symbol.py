"""Symbol: an immutable graph of operator nodes and variables.

A node is an operator (or a variable), its name, its attributes as MXNet writes them
(operator parameters as given, plus ``__key__`` user attributes) and its input entries.
A Symbol is a tuple of output entries ``(node, index)``. Every operator method and
dunder comes from the shared operator surface; here ``_apply`` adds a node.
"""
import numpy as np

from .. import attribute, name as naming
from ..base import MXNetError, NotImplementedForSymbol
from ..ndarray._format import FLAG_OF_DTYPE
from ..ops import get_op
from ..ops.registry import resolve_inputs
from ..ops.methods import _SAME_SHAPE, OperatorMethods

__all__ = ["Symbol", "Variable", "var", "Group", "create"]

# Attributes MXNet also lists without their underscores (``lr_mult`` for ``__lr_mult__``).
_HIDDEN_KEYS = attribute.HIDDEN_KEYS


class _Node:
    """One graph node; immutable once built."""

    __slots__ = ("op", "name", "attrs", "params", "inputs", "variables")

    def __init__(self, op, name, attrs, params, inputs):
        self.op = op                  # Operator, or None for a variable
        self.name = name
        self.attrs = attrs            # str -> str, as written to JSON
        self.params = params          # parsed operator parameters
        self.inputs = tuple(inputs)   # (node, index) entries: inputs, then aux states
        self.variables = {name: self} if op is None else _merge_variables(self.inputs)

    def num_inputs(self):
        """How many of ``inputs`` are operator inputs (the rest are auxiliary states)."""
        return len(self.op.input_names(self.params))

    def output_names(self):
        if self.op is None:
            return (self.name,)
        return tuple(f"{self.name}_{out}" for out in self.op.output_names(self.params))


def _merge_variables(entries):
    """Variables upstream of ``entries`` by name; two different ones sharing a name is an error."""
    merged = {}
    for node, _ in entries:
        for var_name, var_node in node.variables.items():
            seen = merged.setdefault(var_name, var_node)
            if seen is not var_node:
                raise MXNetError(f"two different variables named {var_name!r} reach one graph; "
                                 f"give them different names or reuse one Variable")
    return merged


def _attr_string(value):
    """An attribute value as MXNet writes it: dtypes by name, everything else by str()."""
    if isinstance(value, str):
        return value
    if isinstance(value, type) or isinstance(value, np.dtype):
        return np.dtype(value).name
    return str(value)


def _topological(entries):
    """Every node reachable from ``entries``, inputs before the nodes using them (DFS order)."""
    order, done = [], set()
    for head, _ in entries:
        stack = [(head, 0)]
        while stack:
            node, next_input = stack.pop()
            if id(node) in done:
                continue
            if next_input < len(node.inputs):
                stack.append((node, next_input + 1))
                child = node.inputs[next_input][0]
                if id(child) not in done:
                    stack.append((child, 0))
            else:
                done.add(id(node))
                order.append(node)
    return order


class Symbol(OperatorMethods):
    """A symbolic graph: one or more output entries of operator nodes and variables."""

    __module__ = "symjax_mx.symbol"

    __slots__ = ("_outputs",)
    _ARRAY_BINARY = _SAME_SHAPE  # MXNet's Symbol '+' is elemwise_add, not broadcast_add

    def __init__(self, outputs):
        self._outputs = tuple(outputs)

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

    # --- structure -----------------------------------------------------------------------

    def _nodes(self):
        return _topological(self._outputs)

    def _aux_ids(self, nodes):
        return {id(node.inputs[i][0]) for node in nodes if node.op is not None
                for i in range(node.num_inputs(), len(node.inputs))}

    def list_arguments(self):
        """Names of the inputs that are not auxiliary states, in MXNet's order."""
        nodes = self._nodes()
        aux = self._aux_ids(nodes)
        return [n.name for n in nodes if n.op is None and id(n) not in aux]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (BatchNorm's moving statistics ...)."""
        nodes = self._nodes()
        aux = self._aux_ids(nodes)
        return [n.name for n in nodes if n.op is None and id(n) in aux]

    def list_inputs(self):
        """Names of all variables: arguments and auxiliary states."""
        return [n.name for n in self._nodes() if n.op is None]

    def list_outputs(self):
        """Output names: ``<node>_<output>`` for operators, the name for variables."""
        return [node.output_names()[index] for node, index in self._outputs]

    @property
    def name(self):
        """The name of the node all outputs come from (None for a group of several nodes)."""
        nodes = {id(node) for node, _ in self._outputs}
        return self._outputs[0][0].name if len(nodes) == 1 else None

    def get_internals(self):
        """A symbol whose outputs are every node output in the graph."""
        return Symbol([(node, i) for node in self._nodes()
                       for i in range(len(node.output_names()))])

    def get_children(self):
        """A symbol of the inputs of this symbol's nodes, node by node (None if they are all
        variables)."""
        nodes = list({id(node): node for node, _ in self._outputs}.values())
        inputs = [entry for node in nodes for entry in node.inputs]
        return Symbol(inputs) if inputs else None

    def _single(self, what):
        if len(self._outputs) != 1:
            raise MXNetError(f"{what} needs a single-output symbol, this one has "
                             f"{len(self._outputs)} outputs")
        return self._outputs[0][0]

    def __getitem__(self, index):
        if isinstance(index, str):
            names = self.list_outputs()
            if names.count(index) != 1:
                raise MXNetError(f"cannot find output {index!r} in {names}" if index not in names
                                 else f"output name {index!r} is ambiguous in {names}")
            index = names.index(index)
        if not -len(self._outputs) <= index < len(self._outputs):
            raise IndexError(f"output index {index} is out of range for {len(self._outputs)} "
                             f"outputs")
        return Symbol([self._outputs[index]])

    def __len__(self):
        return len(self._outputs)

    def __iter__(self):
        return (Symbol([entry]) for entry in self._outputs)

    def __repr__(self):
        if len(self._outputs) == 1:
            return f"<Symbol {self.name}>"
        return f"<Symbol group [{', '.join(self.list_outputs())}]>"

    def __bool__(self):
        raise NotImplementedForSymbol(self.__bool__, "bool")

    def __reduce__(self):
        from .json_io import load_json
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
        return {node.name: _listed(node.attrs) for node in self._nodes() if node.attrs}

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
            if not isinstance(value, Symbol) or len(value._outputs) != 1:
                raise MXNetError(f"cannot compose argument {key!r} with {value!r}: expected a "
                                 f"single-output Symbol")
        replaced, copied = {}, {}

        def remap(node, index):
            return replaced.get(id(node)) or (copied[id(node)], index)

        for node in self._nodes():
            if node.op is None and node.name in replacements:
                replaced[id(node)] = replacements[node.name]._outputs[0]
                continue
            new_name = f"{prefix}_{node.name}" if prefix else node.name
            copied[id(node)] = _Node(node.op, new_name, dict(node.attrs), node.params,
                                     [remap(n, i) for n, i in node.inputs])
        return Symbol([remap(node, index) for node, index in self._outputs])

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
        from .inference import infer
        return infer(self, "shape", args, kwargs, partial=False)

    def infer_shape_partial(self, *args, **kwargs):
        """Like infer_shape, with what stays unknown as MXNet writes it: a 0 size and a ()
        shape (None and -1 under NumPy shape semantics)."""
        from .inference import infer
        return infer(self, "shape", args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """(argument dtypes, output dtypes, aux dtypes); (None, None, None) if incomplete."""
        from .inference import infer
        return infer(self, "dtype", args, kwargs, partial=False)

    def infer_type_partial(self, *args, **kwargs):
        """Like infer_type, with None for each dtype that stays unknown."""
        from .inference import infer
        return infer(self, "dtype", args, kwargs, partial=True)

    def tojson(self):
        """The graph in MXNet's JSON format."""
        from .json_io import to_json
        return to_json(self)

    def save(self, fname):
        """Write ``tojson()`` to ``fname`` (fsspec URLs too)."""
        from ..ndarray._format import write_bytes_atomic
        write_bytes_atomic(fname, self.tojson().encode())


def _listed(attrs):
    listed = dict(attrs)
    for key in _HIDDEN_KEYS:
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
             "__storage_type__": stype}
    attrs.update({k: _attr_string(tuple(v) if k == "__shape__" else v)
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
    return Symbol([(_Node(None, name, attrs, {}, ()), 0)])


var = Variable


def Group(symbols):
    """One symbol whose outputs are the outputs of ``symbols`` in order."""
    symbols = list(symbols)
    if not symbols or not all(isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a list of symbols as input")
    entries = [entry for s in symbols for entry in s._outputs]
    _merge_variables(entries)
    return Symbol(entries)


def create(op, positional, named, raw_params, name=None, attr=None, hint=None):
    """Add an ``op`` node: inputs from symbols given by position or name, missing inputs
    (weights, biases, labels, auxiliary states) created as ``<name>_<input>`` variables."""
    raw_params = {k: v for k, v in raw_params.items() if v is not None}
    hidden = {k: _attr_string(raw_params.pop(k)) for k in _HIDDEN_KEYS if k in raw_params}
    raw_params, params, given = resolve_inputs(op, positional, named, raw_params)
    arg_names = op.arg_names(params)
    node_name = naming.current().get(name, hint or op.name.lower())
    attrs = {k: _attr_string(v) for k, v in raw_params.items()}
    attrs.update(attribute.current().get({**hidden, **(attr or {})}))
    entries = []
    for arg in arg_names:
        symbol = given.get(arg)
        if symbol is None:
            var_attrs = {**attrs, **op.input_attrs.get(arg, {})}
            entries.append((_Node(None, f"{node_name}_{arg}", var_attrs, {}, ()), 0))
        elif not isinstance(symbol, Symbol) or len(symbol._outputs) != 1:
            raise MXNetError(f"operator {op.name}: input {arg} must be a single-output Symbol, "
                             f"got {symbol!r}")
        else:
            entries.append(symbol._outputs[0])
    node = _Node(op, node_name, attrs, params, entries)
    return Symbol([(node, i) for i in range(op.num_outputs(params))])

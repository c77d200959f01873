"""The graph every layer shares: nodes (operators and variables) wired by output entries.

A ``Node`` is an operator (or a variable, ``op=None``), its name, its attributes as MXNet
writes them (operator parameters as given, plus ``__key__`` user attributes), its parsed
parameters and its input entries ``(node, output index)``: the operator inputs, then the
auxiliary states. A ``Graph`` is a tuple of head entries; its nodes, argument and
auxiliary variables are derived from the heads. Symbol, inference, JSON, lowering, Module
and the autograd tape build and read graphs only through this API.

    >>> x = Node(None, "x")
    >>> y = Node(get_op("relu"), "y", params={}, inputs=[(x, 0)])
    >>> Graph([(y, 0)]).arg_nodes == [x]
"""
from ..attribute import HIDDEN_KEYS
from ..base import MXNetError

__all__ = ["Node", "Graph", "HIDDEN_KEYS", "collect_variables", "without_amp_casts"]


class Node:
    """One graph node; immutable once built."""

    __slots__ = ("op", "name", "attrs", "params", "inputs", "_variables")

    def __init__(self, op, name, attrs=None, params=None, inputs=()):
        self.op = op                  # Operator, or None for a variable
        self.name = name
        self.attrs = {} if attrs is None else attrs  # str -> str, as written to JSON
        self.params = {} if params is None else params  # parsed operator parameters
        self.inputs = tuple(inputs)   # (node, index) entries: inputs, then aux states
        self._variables = {name: self} if op is None else None  # see variables

    @property
    def variables(self):
        """Variables upstream of this node by name (the first of same-named ones), found
        when first asked."""
        if self._variables is None:
            self._variables = collect_variables([(self, 0)])
        return self._variables

    @property
    def is_variable(self):
        return self.op is None

    def num_inputs(self):
        """How many of ``inputs`` are operator inputs (the rest are auxiliary states)."""
        return len(self.op.input_names(self.params))

    def input_versions(self):
        """MXNet's version of each input entry: 1 for a variable this operator writes (an
        auxiliary state), else 0."""
        first_mutated = self.num_inputs()
        return [int(position >= first_mutated and source.op is None)
                for position, (source, _) in enumerate(self.inputs)]

    def output_names(self):
        if self.op is None:
            return (self.name,)
        prefix = f"{self.name}_" if self.name else ""  # an unnamed (atomic) node: bare names
        return tuple(prefix + out for out in self.op.output_names(self.params))

    def __repr__(self):
        return f"<Node {self.name} ({'variable' if self.op is None else self.op.name})>"


def collect_variables(entries):
    """Variables upstream of ``entries`` by name, found in one walk of the graph; of
    different variables sharing a name (MXNet allows them in a Symbol), the first."""
    found = {}
    for node in _topological(entries):
        if node.op is None:
            found.setdefault(node.name, node)
    return found


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


class Graph:
    """The nodes reachable from ``heads`` (a sequence of ``(node, index)`` entries).

    ``nodes`` is topological in MXNet's DFS order (the order of ``list_arguments`` and of
    the JSON file); it and the structural key are computed once, on first use.
    """

    __slots__ = ("heads", "_nodes", "_aux", "_key")

    def __init__(self, heads):
        self.heads = tuple(heads)
        for entry in self.heads:
            if (not isinstance(entry, tuple) or len(entry) != 2
                    or not isinstance(entry[0], Node)):
                raise MXNetError(f"Graph heads must be (Node, output index) entries, got "
                                 f"{entry!r}")
        self._nodes = self._aux = self._key = None

    @property
    def nodes(self):
        if self._nodes is None:
            self._nodes = tuple(_topological(self.heads))
        return self._nodes

    def _aux_ids(self):
        if self._aux is None:
            self._aux = {id(node.inputs[i][0]) for node in self.nodes if node.op is not None
                         for i in range(node.num_inputs(), len(node.inputs))}
        return self._aux

    @property
    def variables(self):
        """Every variable node: arguments and auxiliary states, in ``nodes`` order."""
        return [n for n in self.nodes if n.op is None]

    @property
    def arg_nodes(self):
        """The variables that are operator inputs (not auxiliary states)."""
        aux = self._aux_ids()
        return [n for n in self.nodes if n.op is None and id(n) not in aux]

    @property
    def aux_nodes(self):
        """The variables that are auxiliary states (BatchNorm's moving statistics ...)."""
        aux = self._aux_ids()
        return [n for n in self.nodes if n.op is None and id(n) in aux]

    def repeated_variable_names(self):
        """Names that two or more different variables share (a Symbol may have them, as in
        MXNet; nothing keyed by name can bind them)."""
        seen, repeated = set(), []
        for node in self.variables:
            if node.name in seen and node.name not in repeated:
                repeated.append(node.name)
            seen.add(node.name)
        return repeated

    def output_names(self):
        """``<node>_<output>`` for each operator head, the name for variable heads."""
        return [node.output_names()[index] for node, index in self.heads]

    def structural_key(self):
        """A hashable key equal for graphs that compute the same function: operators,
        their parameters, variable names and the wiring (not node names or attributes)."""
        if self._key is None:
            position = {id(node): i for i, node in enumerate(self.nodes)}
            self._key = (
                tuple((node.name,) if node.op is None else
                      (node.op, _frozen(node.params),
                       tuple((position[id(n)], i) for n, i in node.inputs))
                      for node in self.nodes),
                tuple((position[id(n)], i) for n, i in self.heads))
        return self._key


def _frozen(value):
    """``value`` (parameters: dicts, lists, scalars, dtypes) as a hashable."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__,) + tuple(_frozen(v) for v in value)
    try:
        hash(value)
    except TypeError:
        return ("repr", repr(value))
    return (type(value).__name__, value)


_AMP_CASTS = ("amp_cast", "amp_multicast")


def without_amp_casts(graph):
    """``graph`` with its amp_cast and amp_multicast nodes bypassed where other nodes read
    them (each of their outputs read from the matching input; a graph output stays), as
    MXNet saves graphs by default; ``graph`` itself where it has none."""
    if not any(node.op is not None and node.op.name in _AMP_CASTS for node in graph.nodes):
        return graph
    made = {}

    def entry(node, index):
        if node.op is not None and node.op.name in _AMP_CASTS:
            return entry(*node.inputs[index])
        return made[id(node)], index

    for node in graph.nodes:
        made[id(node)] = node if node.op is None else Node(
            node.op, node.name, node.attrs, node.params,
            [entry(*source) for source in node.inputs])
    return Graph([(made[id(node)], index) for node, index in graph.heads])

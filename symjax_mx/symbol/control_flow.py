"""mx.sym.contrib.foreach: a Python loop body traced once into a subgraph.

The body runs on placeholder variables inside ``AttrScope(__subgraph_name__=...)``, so
every node it makes is marked. The subgraph is then cut out of the traced graph, as
MXNet cuts it: a value the body reads from outside (a weight, an outer result) becomes a
variable named by that value's output name, and the node's inputs are the data, the
initial states, then those outside values in the order of the subgraph's inputs.
"""
import collections

from .. import attribute, name as naming
from ..base import MXNetError, flatten_nested as flatten, regroup_nested as regroup
from ..ops import get_op
from .graph import Graph, Node
from .symbol import Symbol, Variable, create

__all__ = ["foreach"]

_SUBGRAPH_KEY = "__subgraph_name__"
_subgraph_counts = collections.Counter()  # subgraph names made so far, as MXNet counts them


def _unique_subgraph_name(name):
    outer = attribute.current().get(None).get(_SUBGRAPH_KEY, "")
    if outer:
        name = f"{outer}${name}"
    _subgraph_counts[name] += 1
    return f"{name}{_subgraph_counts[name] - 1}"


def _placeholder(symbol):
    node, index = symbol.graph.heads[0]
    return Variable(f"{node.name}-{index}")


def _inside(node, name):
    return node.attrs.get(_SUBGRAPH_KEY) == name


def _own_heads(symbols, name, avoid=()):
    """Head entries of ``symbols``, each one the body computed itself: a value from outside,
    a placeholder, or an entry in ``avoid``, passes through an identity node."""
    heads = []
    for symbol in symbols:
        entry = symbol.graph.heads[0]
        if entry[0].op is None or not _inside(entry[0], name) or entry in avoid:
            entry = create(get_op("_copy"), [symbol], {}, {}, hint="identity").graph.heads[0]
        heads.append(entry)
    return heads


def _cut(heads, name):
    """(the subgraph of the body's ``heads``, outside entry by the name of the variable
    that replaces it there)."""
    copies, cut, outside = {}, {}, {}

    def entry_in_body(entry):
        node, index = entry
        if _inside(node, name):
            return copies[id(node)], index
        key = node.output_names()[index]
        if key in outside and outside[key] != entry:
            raise MXNetError(f"foreach: the body reads two different values named {key!r} "
                             f"from outside; give them distinct names")
        if key not in cut:
            cut[key] = Node(None, key)
            outside[key] = entry
        return cut[key], 0

    for node in Graph(heads).nodes:
        if _inside(node, name):
            copies[id(node)] = node if node.op is None else Node(
                node.op, node.name, node.attrs, node.params,
                [entry_in_body(entry) for entry in node.inputs])
    body = Graph([entry_in_body(entry) for entry in heads])
    return body, outside


def foreach(body, data, init_states, name="foreach"):
    """Run ``body(data_slice, states) -> (outputs, new_states)`` over axis 0 of ``data``
    (a Symbol or nested lists of them) from ``init_states``: (the outputs stacked along
    axis 0, the last states), each nested as ``body`` returned them."""
    flat_data, data_fmt = flatten(data, Symbol, "foreach data")
    flat_states, state_fmt = flatten(init_states, Symbol, "foreach init_states")
    name = _unique_subgraph_name(name)
    with attribute.AttrScope(**{_SUBGRAPH_KEY: name}):
        data_vars = [_placeholder(s) for s in flat_data]
        state_vars = [_placeholder(s) for s in flat_states]
        outputs, states = body(regroup(data_vars, data_fmt)[0],
                               regroup(state_vars, state_fmt)[0])
        flat_out, out_fmt = flatten(outputs, Symbol, "the outputs of the foreach body")
        flat_new, new_fmt = flatten(states, Symbol, "the states of the foreach body")
        if new_fmt != state_fmt:
            raise MXNetError(f"foreach: the body returned states nested as {new_fmt}, but "
                             f"init_states are nested as {state_fmt}")
        out_heads = _own_heads(flat_out, name)
        heads = out_heads + _own_heads(flat_new, name, avoid=out_heads)
    subgraph, outside = _cut(heads, name)
    inputs = [node.name for node in subgraph.variables]
    if len(set(inputs)) != len(inputs):
        raise MXNetError(f"foreach: the subgraph's inputs do not have unique names: {inputs}")

    def locations(placeholders, what):
        locs = []
        for var in placeholders:
            var_name = var.graph.heads[0][0].name
            if var_name not in inputs:
                raise MXNetError(f"foreach: the {what} arrays have to be used in the loop body")
            locs.append(inputs.index(var_name))
        return locs

    data_locs = locations(data_vars, "data")
    state_locs = locations(state_vars, "state")
    entries = [s.graph.heads[0] for s in flat_data + flat_states]
    remain_locs = []
    for loc, input_name in enumerate(inputs):
        if loc in data_locs or loc in state_locs:
            continue
        remain_locs.append(loc)
        if input_name in outside:
            entries.append(outside[input_name])
        else:  # a variable the body made: the outer graph gets its own copy
            made = subgraph.variables[loc]
            entries.append((Node(None, made.name, dict(made.attrs)), 0))
    op = get_op("_foreach")
    attrs = {"num_args": len(entries) + 1, "num_outputs": len(heads),
             "num_out_data": len(flat_out), "in_state_locs": state_locs,
             "in_data_locs": data_locs, "remain_locs": remain_locs}
    params = {**op.parse_params(attrs), "subgraphs": (subgraph,)}
    node_attrs = {key: str(value) for key, value in attrs.items()}
    node_attrs.update(attribute.current().get(None))
    node = Node(op, naming.current().get(None, "_foreach"), node_attrs, params, entries)
    results = [Symbol(Graph([(node, i)])) for i in range(len(heads))]
    outputs = regroup(results[:len(flat_out)], out_fmt)[0]
    states = regroup(results[len(flat_out):], state_fmt)[0]
    return outputs, states

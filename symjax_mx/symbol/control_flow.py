"""mx.sym.contrib.foreach, while_loop and cond: Python functions traced once into
subgraphs of one control-flow node.

Each function runs on placeholder variables inside ``AttrScope(__subgraph_name__=...)``,
so every node it makes is marked. Its subgraph is then cut out of the traced graph, as
MXNet cuts it: a value the function reads from outside (a weight, an outer result)
becomes a variable named by that value's output name. The node's inputs are what feeds
the subgraphs' inputs (``*_locs`` attributes say which feeds which), in MXNet's order.
"""
from .. import attribute, name as naming
from ..base import MXNetError, flatten_nested as flatten, regroup_nested as regroup
from ..ops import get_op
from .graph import Graph, Node
from .symbol import Symbol, Variable, create

__all__ = ["foreach", "while_loop", "cond"]

_SUBGRAPH_KEY = "__subgraph_name__"


def _unique_subgraph_name(name):
    outer = attribute.current().get(None).get(_SUBGRAPH_KEY, "")
    if outer:
        name = f"{outer}${name}"
    counts = attribute.AttrScope._subgraph_names  # as MXNet counts them, by name
    counts[name] += 1
    return f"{name}{counts[name] - 1}"


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
            raise MXNetError(f"control flow: the function reads two different values named "
                             f"{key!r} from outside; give them distinct names")
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


def _trace(name, placeholders, make):
    """(the subgraph of what ``make(placeholder symbols)`` returns, outside entry by the
    name of the variable that replaces it there, its heads' nesting): the body traced in
    its own attribute scope; ``placeholders`` names its placeholder variables."""
    with attribute.AttrScope(**{_SUBGRAPH_KEY: name}):
        symbols = [Variable(placeholder) for placeholder in placeholders]
        heads, fmt = make(symbols)
    subgraph, outside = _cut(heads, name)
    inputs = [node.name for node in subgraph.variables]
    if len(set(inputs)) != len(inputs):
        raise AssertionError(f"The inputs of the subgraph don't have unique names: {inputs}")
    return subgraph, outside, fmt


def _outer_entry(subgraph, loc, outside):
    """The entry outside that feeds the subgraph's input ``loc``: what it replaced, or, for
    a variable the body made, a copy of it for the outer graph."""
    made = subgraph.variables[loc]
    if made.name in outside:
        return outside[made.name]
    return Node(None, made.name, dict(made.attrs)), 0


def _node(op_name, subgraphs, entries, attrs):
    """The outputs of a new ``op_name`` node running ``subgraphs`` on ``entries``."""
    op = get_op(op_name)
    attrs = {"num_args": len(entries) + len(subgraphs), **attrs}
    params = {**op.parse_params(attrs), "subgraphs": tuple(subgraphs)}
    node_attrs = {key: str(value) for key, value in attrs.items()}
    node_attrs.update(attribute.current().get(None))
    node = Node(op, naming.current().get(None, op_name), node_attrs, params, entries)
    return [Symbol(Graph([(node, i)])) for i in range(op.num_outputs(params))]


def _placeholder_name(symbol):
    node, index = symbol.graph.heads[0]
    return f"{node.name}-{index}"


def _loop_flatten(outputs, states, what):
    """(flat outputs, their nesting, flat states, theirs) of a loop body."""
    flat_out, out_fmt = flatten([] if outputs is None else outputs, Symbol,
                                f"the outputs of the {what}")
    flat_new, new_fmt = flatten([] if states is None else states, Symbol,
                                f"the states of the {what}")
    return flat_out, out_fmt, flat_new, new_fmt


def foreach(body, data, init_states, name="foreach"):
    """Run ``body(data_slice, states) -> (outputs, new_states)`` over axis 0 of ``data``
    (a Symbol or nested lists of them) from ``init_states``: (the outputs stacked along
    axis 0, the last states), each nested as ``body`` returned them."""
    flat_data, data_fmt = flatten(data, Symbol, "foreach data")
    flat_states, state_fmt = flatten(init_states, Symbol, "foreach init_states")
    name = _unique_subgraph_name(name)
    placeholders = [_placeholder_name(s) for s in flat_data + flat_states]

    def make(symbols):
        outputs, states = body(regroup(symbols[:len(flat_data)], data_fmt)[0],
                               regroup(symbols[len(flat_data):], state_fmt)[0])
        flat_out, out_fmt, flat_new, new_fmt = _loop_flatten(outputs, states, "foreach body")
        if new_fmt != state_fmt:
            raise AssertionError(f"The input and output loop_vars have different format: "
                                 f"{state_fmt} and {new_fmt}")
        out_heads = _own_heads(flat_out, name)
        return out_heads + _own_heads(flat_new, name, avoid=out_heads), (out_fmt,
                                                                          len(flat_out))
    subgraph, outside, (out_fmt, out_count) = _trace(name, placeholders, make)
    inputs = [node.name for node in subgraph.variables]

    def locations(names, what):
        if any(placeholder not in inputs for placeholder in names):
            raise AssertionError(f"the {what} arrays have to be used in the loop body")
        return [inputs.index(placeholder) for placeholder in names]

    data_locs = locations(placeholders[:len(flat_data)], "data")
    state_locs = locations(placeholders[len(flat_data):], "state")
    remain_locs = [loc for loc in range(len(inputs)) if loc not in data_locs + state_locs]
    entries = [s.graph.heads[0] for s in flat_data + flat_states]
    entries += [_outer_entry(subgraph, loc, outside) for loc in remain_locs]
    results = _node("_foreach", [subgraph], entries, {
        "num_outputs": len(subgraph.heads), "num_out_data": out_count,
        "in_state_locs": state_locs, "in_data_locs": data_locs, "remain_locs": remain_locs})
    return (regroup(results[:out_count], out_fmt)[0],
            regroup(results[out_count:], state_fmt)[0])


def while_loop(cond, func, loop_vars, max_iterations=None, name="while_loop"):
    """Run ``func(*loop_vars) -> (step_output, new_loop_vars)`` while ``cond(*loop_vars)``
    holds, at most ``max_iterations`` times: (each step output stacked along axis 0, with
    ``max_iterations`` rows whose values past the last step are undefined; the final loop
    variables)."""
    if max_iterations is None:
        raise ValueError("max_iterations should be specified")
    try:
        max_iterations = int(max_iterations)
    except (TypeError, ValueError):
        raise ValueError("Cannot convert max_iteration to python int") from None
    single = isinstance(loop_vars, Symbol)
    flat_vars, var_fmt = flatten([loop_vars] if single else loop_vars, Symbol,
                                 "while loop_vars")
    if not flat_vars:
        raise ValueError("loop_vars should contain at least one element")
    placeholders = [_placeholder_name(v) for v in flat_vars]

    def make_cond(symbols):
        result = cond(*regroup(symbols, var_fmt)[0])
        if not isinstance(result, Symbol):
            raise ValueError("Return of cond must be a Symbol")
        return _own_heads([result], cond_name), None

    def make_func(symbols):
        outputs, new_vars = func(*regroup(symbols, var_fmt)[0])
        flat_out, out_fmt, flat_new, _ = _loop_flatten(outputs, new_vars, "while_loop func")
        if len(flat_new) != len(flat_vars):
            raise ValueError("The number of loop_vars should be consistent during the loop")
        return _own_heads(flat_out + flat_new, func_name), (out_fmt, len(flat_out))
    cond_name = _unique_subgraph_name(name + "_cond")
    cond_graph, cond_outside, _ = _trace(cond_name, placeholders, make_cond)
    func_name = _unique_subgraph_name(name + "_func")
    func_graph, func_outside, (out_fmt, out_count) = _trace(func_name, placeholders,
                                                            make_func)
    entries, loop_entries = [], {}
    locations = []
    for graph, outside in ((cond_graph, cond_outside), (func_graph, func_outside)):
        locs = []
        for loc, node in enumerate(graph.variables):
            if node.name in placeholders:  # a loop variable: one input for both graphs
                var = placeholders.index(node.name)
                if var not in loop_entries:
                    loop_entries[var] = len(entries)
                    entries.append(flat_vars[var].graph.heads[0])
                locs.append(loop_entries[var])
            else:
                locs.append(len(entries))
                entries.append(_outer_entry(graph, loc, outside))
        locations.append(locs)
    func_inputs = [node.name for node in func_graph.variables]
    for i, placeholder in enumerate(placeholders, 1):
        if placeholder not in func_inputs:
            raise ValueError(f"The {i}-th loop_var doesn't involve into the computation")
    results = _node("_while_loop", [cond_graph, func_graph], entries, {
        "max_iterations": max_iterations, "cond_input_locs": locations[0],
        "func_input_locs": locations[1],
        "func_var_locs": [func_inputs.index(p) for p in placeholders],
        "num_out_data": out_count, "num_outputs": len(func_graph.heads)})
    outputs = regroup(results[:out_count], out_fmt)[0]
    final = regroup(results[out_count:], var_fmt)[0]
    return outputs, final[0] if single else final


def cond(pred, then_func, else_func, name="cond"):
    """``then_func()`` where the scalar Symbol ``pred`` is true, else ``else_func()``: one
    ``_cond`` node running the branch the value picks."""
    branches = []
    for branch, make in (("pred", lambda: pred), ("then", then_func), ("else", else_func)):
        branch_name = _unique_subgraph_name(f"{name}_{branch}")

        def traced(_, make=make, branch_name=branch_name):
            outputs, fmt = flatten(make(), Symbol, f"the outputs of cond's {branch}")
            return _own_heads(outputs, branch_name), fmt
        branches.append(_trace(branch_name, [], traced))
    if len(branches[0][0].heads) != 1:
        raise ValueError("pred should always be a single output")
    if len(branches[1][0].heads) != len(branches[2][0].heads):
        raise ValueError("Number of outputs differs between then-branch and else-branch")
    entries, by_name, locations = [], {}, []
    for graph, outside, _ in branches:  # inputs of one name are shared by the branches
        locs = []
        for loc, node in enumerate(graph.variables):
            if node.name not in by_name:
                by_name[node.name] = len(entries)
                entries.append(_outer_entry(graph, loc, outside))
            locs.append(by_name[node.name])
        locations.append(locs)
    results = _node("_cond", [graph for graph, _, _ in branches], entries, {
        "cond_input_locs": locations[0], "then_input_locs": locations[1],
        "else_input_locs": locations[2], "num_outputs": len(branches[1][0].heads)})
    return regroup(results, branches[1][2])[0]

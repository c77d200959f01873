"""Checks of a parsed symbol JSON object before any graph is built.

``check_graph`` turns every malformed file into an MXNetError naming the node and the
field: the type of every field MXNet's files have, entries that point only at earlier
nodes (so no cycles) and at non-negative outputs, length caps on names and attributes,
and the attributes a variable declares (``__shape__``, ``__dtype__``, ``__lr_mult__``,
``__wd_mult__``) parsed by the parsers operator parameters use. ``declared_shape`` and
``declared_dtype`` are those parsers, shared with shape and dtype inference.
"""
from ..base import MXNetError
from ..ndarray.file_format import TYPE_FLAGS
from ..ops.registry import ParamParsers

__all__ = ["check_graph", "declared_shape", "declared_dtype", "MAX_TEXT_LENGTH"]

#: The longest name, operator name, attribute key or attribute value accepted.
MAX_TEXT_LENGTH = 65_536

_ATTRIBUTE_FIELDS = ("param", "attr", "attrs")  # old files split attributes in two
_MULTIPLIERS = ("__lr_mult__", "__wd_mult__", "lr_mult", "wd_mult")


def _fail(message):
    raise MXNetError(f"invalid symbol JSON: {message}")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, where):
    if not isinstance(value, str):
        _fail(f"{where} must be a string, got {type(value).__name__} {_short(value)}")
    if len(value) > MAX_TEXT_LENGTH:
        _fail(f"{where} has {len(value)} characters, more than the limit of {MAX_TEXT_LENGTH}")
    return value


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check_entry(value, count, where):
    """``value`` is ``[node, output(, version)]`` with ``0 <= node < count``, ``output >= 0``."""
    if type(value) is not list or len(value) not in (2, 3) \
            or not all(type(v) is int for v in value):
        _fail(f"{where}: expected [node, output(, version)] of integers, got {_short(value)}")
    if not 0 <= value[0] < count:
        _fail(f"{where} refers to node {value[0]}, but only nodes 0 to {count - 1} precede it"
              if count else f"{where} refers to node {value[0]}, but no node precedes it")
    if value[1] < 0:
        _fail(f"{where} refers to output {value[1]}, which is negative")


def declared_shape(text, where):
    """The shape a ``__shape__`` attribute declares, as written: 0 or -1 sizes are unknown
    (which of the two depends on the NumPy-shape mode, which inference applies)."""
    try:
        shape = ParamParsers.shape(text)
    except (ValueError, TypeError) as err:
        raise MXNetError(f"{where}: invalid __shape__: {err}") from None
    if any(d < -1 for d in shape):
        raise MXNetError(f"{where}: invalid __shape__ {text!r}: dimensions must be >= 0 "
                         f"(0 or -1 for unknown)")
    return shape


def declared_dtype(text, where):
    """The numpy scalar type a ``__dtype__`` attribute (MXNet's type flag) declares."""
    try:
        flag = ParamParsers.integer(text)
    except (ValueError, TypeError) as err:
        raise MXNetError(f"{where}: invalid __dtype__: {err}") from None
    if flag not in TYPE_FLAGS:
        known = ", ".join(f"{k} ({v.name})" for k, v in TYPE_FLAGS.items())
        raise MXNetError(f"{where}: invalid __dtype__ {text!r}: known type flags are {known}")
    return TYPE_FLAGS[flag].type


def _check_variable_attributes(attrs, where):
    if "__shape__" in attrs:
        declared_shape(attrs["__shape__"], where)
    if "__dtype__" in attrs:
        declared_dtype(attrs["__dtype__"], where)
    for key in _MULTIPLIERS:
        if key in attrs:
            try:
                ParamParsers.number(attrs[key])
            except (ValueError, TypeError) as err:
                raise MXNetError(f"{where}: invalid {key}: {err}") from None


def _attributes(record, where):
    attrs = {}
    for field in _ATTRIBUTE_FIELDS:
        value = record.get(field)
        if value is None or value == {}:
            continue
        if not isinstance(value, dict):
            _fail(f"{where}: '{field}' must be an object, got {type(value).__name__}")
        for key, item in value.items():
            _text(key, f"{where}: an attribute name")
            if isinstance(item, (bool, int, float)):
                item = str(item)
            attrs[key] = _text(item, f"{where}: attribute {key!r}")
    return attrs


def _check_node(record, position):
    if not isinstance(record, dict):
        _fail(f"node {position} must be an object, got {type(record).__name__}")
    for field in ("op", "name"):
        if field not in record:
            _fail(f"node {position} has no '{field}'")
    name = _text(record["name"], f"the name of node {position}")
    where = f"node {name!r}"
    op = _text(record["op"], f"{where}: 'op'")
    attrs = _attributes(record, where)
    inputs = record.get("inputs", [])
    if not isinstance(inputs, list):
        _fail(f"{where}: 'inputs' must be a list, got {type(inputs).__name__} {_short(inputs)}")
    for j, entry in enumerate(inputs):
        check_entry(entry, position, f"input {j} of {where}")
    subgraphs = record.get("subgraphs", [])
    if not isinstance(subgraphs, list):
        _fail(f"{where}: 'subgraphs' must be a list, got {type(subgraphs).__name__}")
    for subgraph in subgraphs:
        check_graph(subgraph)
    if op == "null":
        if inputs:
            _fail(f"{where} is a variable but has {len(inputs)} inputs")
        _check_variable_attributes(attrs, f"invalid symbol JSON: {where}")


def _check_index_list(graph, field, count):
    value = graph.get(field)
    if value is None:
        return
    if not isinstance(value, list) or not all(_is_int(v) and 0 <= v <= count for v in value):
        _fail(f"'{field}' must be a list of node indices, got {_short(value)}")


def check_graph(graph):
    """Raise MXNetError naming the node and field if ``graph`` (parsed JSON) is malformed."""
    if not isinstance(graph, dict):
        _fail(f"expected an object with 'nodes' and 'heads' lists, got {type(graph).__name__}")
    nodes, heads = graph.get("nodes"), graph.get("heads")
    if not isinstance(nodes, list) or not isinstance(heads, list):
        _fail("expected an object with 'nodes' and 'heads' lists")
    for position, record in enumerate(nodes):
        _check_node(record, position)
    if not heads:
        _fail("'heads' is empty")
    for j, head in enumerate(heads):
        check_entry(head, len(nodes), f"head {j}")
    _check_index_list(graph, "arg_nodes", len(nodes) - 1)
    _check_index_list(graph, "node_row_ptr", 2**63)
    attrs = graph.get("attrs", {})
    if not isinstance(attrs, dict):
        _fail(f"the graph's 'attrs' must be an object, got {type(attrs).__name__}")

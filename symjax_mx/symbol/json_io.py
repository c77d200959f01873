"""MXNet's graph JSON: writing what MXNet 1.9.1 loads, reading files from MXNet 0.8-1.9."""
import ast
import json

from ..base import MXNetError
from ..ndarray._format import read_bytes
from ..ops import get_op
from ..util import is_np_shape
from .symbol import _HIDDEN_KEYS, Symbol, _Node

__all__ = ["to_json", "load_json", "load"]

MXNET_VERSION = 10901


def to_json(symbol):
    """The JSON text MXNet 1.9.1 writes for ``symbol``."""
    nodes = symbol._nodes()
    index = {id(node): i for i, node in enumerate(nodes)}
    records, row_ptr = [], [0]
    for node in nodes:
        record = {"op": "null" if node.op is None else node.op.name, "name": node.name}
        if node.attrs:
            record["attrs"] = dict(sorted(node.attrs.items()))
        record["inputs"] = [[index[id(n)], i, 0] for n, i in node.inputs]
        records.append(record)
        row_ptr.append(row_ptr[-1] + len(node.output_names()))
    fields = {
        "arg_nodes": [i for i, node in enumerate(nodes) if node.op is None],
        "node_row_ptr": row_ptr,
        "heads": [[index[id(node)], i, 0] for node, i in symbol._outputs],
        "attrs": {"mxnet_version": ["int", MXNET_VERSION]},
    }
    if is_np_shape():  # a 0 in a shape is a zero size, not an unknown one
        fields["attrs"]["is_np_shape"] = ["int", 1]
    # one node per line, as compact as MXNet's own files and as easy to diff
    body = ",\n".join("    " + json.dumps(record) for record in records)
    rest = "".join(f',\n  "{key}": {json.dumps(value)}' for key, value in fields.items())
    return '{\n  "nodes": [\n' + body + '\n  ]' + rest + "\n}"


def _fail(message):
    raise MXNetError(f"invalid symbol JSON: {message}")


def _entry(value, built, where):
    if (not isinstance(value, list) or len(value) not in (2, 3)
            or not all(isinstance(v, int) for v in value)):
        _fail(f"{where}: expected [node, output(, version)], got {value!r}")
    node_id, output = value[0], value[1]
    if not 0 <= node_id < len(built):
        _fail(f"{where} refers to node {node_id}, but only {len(built)} nodes precede it")
    node = built[node_id]
    if not 0 <= output < len(node.output_names()):
        _fail(f"{where} refers to output {output} of node {node.name!r}, which has "
              f"{len(node.output_names())}")
    return node, output


def _node_attributes(record):
    """All attributes of a node record; old files split them into ``param`` and ``attr``
    and write ``lr_mult`` where MXNet 1.x writes ``__lr_mult__``."""
    attrs = {}
    for key in ("param", "attr", "attrs"):
        value = record.get(key) or {}
        if not isinstance(value, dict):
            _fail(f"node {record.get('name')!r}: {key} must be an object")
        attrs.update({str(k): str(v) for k, v in value.items()})
    return {f"__{k}__" if k in _HIDDEN_KEYS else k: v for k, v in attrs.items()}


def _move_input_attributes(attrs, arg_names, inputs):
    """Old files put an input's attribute on its operator (``weight_lr_mult``): move it to
    the input variable, as MXNet's upgrade does."""
    for key in list(attrs):
        for j, arg in enumerate(arg_names[:len(inputs)]):
            hidden = key[len(arg) + 1:] if key.startswith(arg + "_") else None
            if hidden in _HIDDEN_KEYS:
                value = attrs.pop(key)
                if inputs[j][0].op is None:
                    inputs[j][0].attrs[f"__{hidden}__"] = value


def _build_node(record, built, position):
    if not isinstance(record, dict) or "op" not in record or "name" not in record:
        _fail(f"node {position} must be an object with 'op' and 'name'")
    name, attrs = record["name"], _node_attributes(record)
    inputs = [_entry(e, built, f"input {j} of node {name!r}")
              for j, e in enumerate(record.get("inputs", []))]
    if record["op"] == "null":
        return _Node(None, name, attrs, {}, ())
    op = get_op(record["op"])
    raw = {k: v for k, v in attrs.items() if k in op.params or (
        op.open_params and not (k.startswith("__") and k.endswith("__")))}
    params = op.parse_params(raw)
    arg_names = op.arg_names(params)
    _move_input_attributes(attrs, arg_names, inputs)
    if len(inputs) > len(arg_names):
        _fail(f"node {name!r} ({op.name}) has {len(inputs)} inputs, but {op.name} takes "
              f"{list(arg_names)}")
    # Files from MXNet 0.8 list no auxiliary states: add them as MXNet's upgrade does.
    for arg in arg_names[len(inputs):]:
        if arg not in op.aux_names(params):
            _fail(f"node {name!r} ({op.name}) is missing its input {arg!r}")
        var_attrs = {**attrs, **op.input_attrs.get(arg, {})}
        inputs.append((_Node(None, f"{name}_{arg}", var_attrs, {}, ()), 0))
    return _Node(op, name, attrs, params, inputs)


def _mark_unknown_sizes(nodes):
    """Files written without NumPy shape semantics mean an unknown size by 0 in a variable's
    shape: write it -1, as MXNet's upgrade does, so it stays unknown under either semantics."""
    for node in nodes:
        text = node.attrs.get("__shape__") if node.op is None else None
        if text and "0" in text:
            try:
                shape = ast.literal_eval(text)
            except (ValueError, SyntaxError):
                _fail(f"variable {node.name!r} has an invalid __shape__ {text!r}")
            node.attrs["__shape__"] = str(tuple(-1 if d == 0 else d for d in shape))


def load_json(json_str):
    """A Symbol from MXNet's JSON text (any version from 0.8 to 1.9)."""
    try:
        graph = json.loads(json_str)
    except (TypeError, ValueError) as err:
        raise MXNetError(f"invalid symbol JSON: {err}") from None
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list) \
            or not isinstance(graph.get("heads"), list):
        _fail("expected an object with 'nodes' and 'heads' lists")
    built = []
    for position, record in enumerate(graph["nodes"]):
        built.append(_build_node(record, built, position))
    if not graph["heads"]:
        _fail("'heads' is empty")
    if "is_np_shape" not in (graph.get("attrs") or {}):
        _mark_unknown_sizes(built)
    return Symbol([_entry(h, built, f"head {j}") for j, h in enumerate(graph["heads"])])


def load(fname):
    """A Symbol from a JSON file written by ``Symbol.save`` or MXNet (fsspec URLs too)."""
    return load_json(read_bytes(fname).decode("utf-8"))

"""MXNet's graph JSON: writing what MXNet 1.9.1 loads, reading files from MXNet 0.8-1.9."""
import ast
import json

from ..base import MXNetError
from ..ops import get_op
from ..util import is_np_shape
from .graph import HIDDEN_KEYS, Graph, Node
from .validate import check_graph

__all__ = ["graph_to_json", "graph_from_json"]

MXNET_VERSION = 10901
# operators with more outputs in MXNet 1.9.1 than they show (workspaces, saved statistics,
# max pooling's indices): node_row_ptr counts them all (read from MXNet's own tojson)
_MXNET_OUTPUT_COUNTS = {
    "BatchNorm": 3, "BatchNorm_v1": 3, "_contrib_SyncBatchNorm": 3, "LayerNorm": 3,
    "GroupNorm": 3, "InstanceNorm": 3, "Dropout": 2, "LRN": 2, "CTCLoss": 2,
    "Pooling": lambda params: 2 if params.get("pool_type", "max") == "max" else 1,
    "SpatialTransformer": 3, "BilinearSampler": 2, "Correlation": 3, "ROIPooling": 2,
    "_contrib_Proposal": 2, "_contrib_MultiProposal": 2, "_contrib_box_nms": 2}


def _graph_record(graph):
    """(node records, the graph's other fields) as MXNet writes them; a control-flow
    node's subgraphs are written inside its record."""
    nodes = graph.nodes
    index = {id(node): i for i, node in enumerate(nodes)}
    records, row_ptr = [], [0]
    for node in nodes:
        record = {"op": "null" if node.op is None else node.op.name, "name": node.name}
        if node.attrs:
            record["attrs"] = dict(sorted(node.attrs.items()))
        versions = [0] * len(node.inputs) if node.op is None else node.input_versions()
        record["inputs"] = [[index[id(n)], i, version]
                            for (n, i), version in zip(node.inputs, versions)]
        if node.params.get("subgraphs"):
            record["subgraphs"] = [_subgraph_object(sub) for sub in node.params["subgraphs"]]
        records.append(record)
        outputs = len(node.output_names())
        count = None if node.op is None else _MXNET_OUTPUT_COUNTS.get(node.op.name)
        if count is not None:
            outputs = max(outputs, count(node.params) if callable(count) else count)
        row_ptr.append(row_ptr[-1] + outputs)
    fields = {
        "arg_nodes": [i for i, node in enumerate(nodes) if node.op is None],
        "node_row_ptr": row_ptr,
        "heads": [[index[id(node)], i, 0] for node, i in graph.heads],
    }
    return records, fields


def _subgraph_object(graph):
    records, fields = _graph_record(graph)
    return {"nodes": records, **fields}


def graph_to_json(graph):
    """The JSON text MXNet 1.9.1 writes for ``graph``."""
    records, fields = _graph_record(graph)
    fields["attrs"] = {"mxnet_version": ["int", MXNET_VERSION]}
    if is_np_shape():  # a 0 in a shape is a zero size, not an unknown one
        fields["attrs"]["is_np_shape"] = ["int", 1]
    # one node per line, as compact as MXNet's own files and as easy to diff
    body = ",\n".join("    " + json.dumps(record) for record in records)
    rest = "".join(f',\n  "{key}": {json.dumps(value)}' for key, value in fields.items())
    return '{\n  "nodes": [\n' + body + '\n  ]' + rest + "\n}"


def _fail(message):
    raise MXNetError(f"invalid symbol JSON: {message}")


def _entry(value, built, where):
    """The (node, output) a checked entry refers to; its output must exist."""
    node, output = built[value[0]], value[1]
    count = 1 if node.op is None else node.op.num_outputs(node.params)
    if output >= count:
        _fail(f"{where} refers to output {output} of node {node.name!r}, which has {count}")
    return node, output


def _node_attributes(record):
    """All attributes of a node record; old files split them into ``param`` and ``attr``
    and write ``lr_mult`` where MXNet 1.x writes ``__lr_mult__``."""
    attrs = {}
    for key in ("param", "attr", "attrs"):
        value = record.get(key)
        if value:
            attrs.update({str(k): str(v) for k, v in value.items()})
    if not attrs:
        return attrs
    return {f"__{k}__" if k in HIDDEN_KEYS else k: v for k, v in attrs.items()}


def _move_input_attributes(attrs, arg_names, inputs):
    """Old files put an input's attribute on its operator (``weight_lr_mult``): move it to
    the input variable, as MXNet's upgrade does."""
    for key in list(attrs):
        for j, arg in enumerate(arg_names[:len(inputs)]):
            hidden = key[len(arg) + 1:] if key.startswith(arg + "_") else None
            if hidden in HIDDEN_KEYS:
                value = attrs.pop(key)
                if inputs[j][0].op is None:
                    inputs[j][0].attrs[f"__{hidden}__"] = value


def _build_node(record, built, np_shape):
    name, attrs = record["name"], _node_attributes(record)
    inputs = [_entry(e, built, f"input {j} of node {name!r}")
              for j, e in enumerate(record.get("inputs", []))]
    if record["op"] == "null":
        return Node(None, name, attrs)
    try:
        op = get_op(record["op"])
        params = op.parse_params({k: v for k, v in attrs.items() if k in op.params or (
            op.open_params and not (k.startswith("__") and k.endswith("__")))})
    except MXNetError as err:
        _fail(f"node {name!r}: {err}")
    subgraphs = record.get("subgraphs") or []
    if len(subgraphs) != op.subgraphs:
        _fail(f"node {name!r} ({op.name}) has {len(subgraphs)} subgraphs, but {op.name} "
              f"runs {op.subgraphs}")
    if subgraphs:
        params["subgraphs"] = tuple(_graph_from_object(sub, np_shape) for sub in subgraphs)
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
        inputs.append((Node(None, f"{name}_{arg}", var_attrs), 0))
    return Node(op, name, attrs, params, inputs)


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


def graph_from_json(json_str):
    """The Graph of MXNet's JSON text (any version from 0.8 to 1.9)."""
    try:
        graph = json.loads(json_str)
    except (TypeError, ValueError) as err:
        raise MXNetError(f"invalid symbol JSON: {err}") from None
    except RecursionError:
        raise MXNetError("invalid symbol JSON: nested too deeply") from None
    check_graph(graph)
    return _graph_from_object(graph, "is_np_shape" in (graph.get("attrs") or {}))


def _graph_from_object(graph, np_shape):
    """The Graph of a checked JSON object; ``np_shape``: its file was written with NumPy
    shape semantics."""
    built = []
    for record in graph["nodes"]:
        built.append(_build_node(record, built, np_shape))
    if not np_shape:
        _mark_unknown_sizes(built)
    return Graph([_entry(h, built, f"head {j}") for j, h in enumerate(graph["heads"])])

"""mx.viz: a text summary of a Symbol's layers and a Graphviz drawing of its graph.

Both functions read the graph the way MXNet 1.x does: from ``json.loads(symbol.tojson())``
(nodes in topological order, each with ``op``, ``name``, string ``attrs`` and ``inputs`` given
as ``[node_id, output_index, version]``), plus the shapes/types that
``symbol.get_internals().infer_shape(...)`` / ``infer_type(...)`` give every internal output.
The printed table and the Digraph's nodes, labels, colours and edges follow MXNet 1.9.1,
including its counting rules (see :func:`print_summary`).

``plot_network`` needs the optional ``graphviz`` Python package
(``pip install graphviz`` or ``pip install symjax_mx[viz]``); ``print_summary`` needs nothing.
"""
import json
import re
import warnings

import numpy as np

__all__ = ["plot_network", "print_summary"]

# Variables whose names end like this are parameters; plot_network leaves them out.
_PARAM_SUFFIXES = ("_weight", "_bias", "_beta", "_gamma",
                   "_moving_var", "_moving_mean", "_running_var", "_running_mean")

# Fill colours used by MXNet's drawing, indexed by the kind of node.
_PALETTE = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3",
            "#fdb462", "#b3de69", "#fccde5")
_INPUT, _LINEAR, _ACTIVATION, _NORM, _POOL, _RESHAPE, _SOFTMAX, _OTHER = range(8)


def _digits(text):
    """The integers written in a tuple attribute such as ``'(5, 5)'``, as strings."""
    return re.findall(r"\d+", str(text))


def _node_attrs(node):
    """A JSON node's attribute dict (``attrs``; very old files used ``attr`` or ``param``)."""
    for key in ("attrs", "attr", "param"):
        if node.get(key):
            return node[key]
    return {}


def _flag(value):
    return str(value) in ("True", "true", "1")


def _check_symbol(symbol, message):
    from .symbol import Symbol
    if not isinstance(symbol, Symbol):
        raise TypeError(message)


def _internal_table(symbol, kwargs, method, what):
    """Map each internal output name (``fc1_output``, ``data``, ...) to what ``method``
    (``infer_shape`` or ``infer_type``) infers for it from ``kwargs``."""
    internals = symbol.get_internals()
    _, outs, _ = getattr(internals, method)(**kwargs)
    if outs is None:
        raise ValueError("Input %s is incomplete" % what)
    return dict(zip(internals.list_outputs(), outs))


def _output_key(node):
    """Name under which get_internals() lists a node's (single) output."""
    return node["name"] if node["op"] == "null" else node["name"] + "_output"


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):
    """Print a table of the layers of ``symbol``, as MXNet's ``mx.viz.print_summary`` does.

    Parameters
    ----------
    symbol : Symbol
        The network to summarise.
    shape : dict of str to tuple, optional
        Input shapes.  With it, each row shows the layer's output shape (batch axis dropped)
        and parameter counts use the inferred input widths; without it shapes are blank.
    line_length : int
        Width of the table.
    positions : list of float or int
        Right edge of each of the four columns, as fractions of ``line_length`` when the last
        one is at most 1, otherwise as character positions.

    Notes
    -----
    One row per operator node (plus the first node of the graph, normally the data input),
    with "Previous Layer" listing the operator inputs.  "Param #" follows MXNet's rules:
    Convolution ``in_channels * num_filter / num_group * prod(kernel)`` (+ ``num_filter`` bias),
    FullyConnected ``(in_width + 1) * num_hidden`` (no ``+1`` with ``no_bias``), BatchNorm
    ``2 * channels`` (gamma and beta only; the moving statistics are not counted, and only when
    ``shape`` is given), Embedding ``input_dim * output_dim``, every other operator 0.  The
    input width is the sum of the first non-batch dimension over the node's operator inputs
    (and over the graph's first node when it is an input), so it is 0 without ``shape``.
    """
    _check_symbol(symbol, "symbol must be Symbol")
    shapes = None if shape is None else _internal_table(symbol, shape, "infer_shape", "shape")
    graph = json.loads(symbol.tojson())
    nodes = graph["nodes"]
    # MXNet decides which variables count as layers by membership in the *first head entry*
    # ([node_id, output_index, version]); since that entry normally holds a 0, node 0 --
    # usually the data input -- counts, while other variables (labels, parameters) do not.
    head_entry = set(graph["heads"][0]) if graph.get("heads") else set()

    if positions[-1] <= 1:
        stops = [int(line_length * p) for p in positions]
    else:
        stops = [int(p) for p in positions]

    def emit_row(fields):
        line = ""
        for field, stop in zip(fields, stops):
            line = (line + str(field))[:stop].ljust(stop)
        print(line)

    def shown_shape(key):
        """The inferred shape under ``key`` without its batch axis, or None."""
        if shapes is None or key not in shapes or shapes[key] is None:
            return None
        return tuple(shapes[key])[1:]

    def layer_row(index, node):
        op, attrs = node["op"], _node_attrs(node)
        previous, width = [], 0
        if op != "null":
            for entry in node["inputs"]:
                src = nodes[entry[0]]
                if src["op"] == "null" and entry[0] not in head_entry:
                    continue
                previous.append(src["name"])
                dims = shown_shape(_output_key(src))
                if dims:
                    width += int(dims[0])

        params = 0
        if op == "Convolution":
            filters = int(attrs["num_filter"])
            params = width * filters // int(attrs.get("num_group", "1"))
            for k in _digits(attrs["kernel"]):
                params *= int(k)
            if not _flag(attrs.get("no_bias", "False")):
                params += filters
        elif op == "FullyConnected":
            bias = 0 if _flag(attrs.get("no_bias", "False")) else 1
            params = (width + bias) * int(attrs["num_hidden"])
        elif op == "BatchNorm":
            # gamma and beta, sized by axis 1 of the output (MXNet ignores the axis attribute).
            if shapes is not None and shapes.get(_output_key(node)) is not None:
                params = 2 * int(shapes[_output_key(node)][1])
        elif op == "Embedding":
            params = int(attrs["input_dim"]) * int(attrs["output_dim"])

        out = None
        if op != "null" or index in head_entry:
            out = shown_shape(_output_key(node))
        emit_row([node["name"] + "(" + op + ")",
                  "x".join(str(d) for d in out) if out else "",
                  params,
                  previous[0] if previous else ""])
        for name in previous[1:]:
            emit_row(["", "", "", name])
        return params

    print("_" * line_length)
    emit_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"])
    print("=" * line_length)
    total = 0
    for i, node in enumerate(nodes):
        if node["op"] == "null" and i > 0:
            continue
        total += layer_row(i, node)
        print(("=" if i == len(nodes) - 1 else "_") * line_length)
    print("Total params: %d" % total)
    print("_" * line_length)


def _dtype_name(t):
    return t.__name__ if isinstance(t, type) else np.dtype(t).name


def _node_look(node):
    """(label, fill colour index) MXNet gives an operator node."""
    op, attrs = node["op"], _node_attrs(node)
    if op == "Convolution":
        stride = "x".join(_digits(attrs["stride"])) if "stride" in attrs else "1"
        return ("Convolution\n%s/%s, %s" % ("x".join(_digits(attrs["kernel"])), stride,
                                            attrs["num_filter"]), _LINEAR)
    if op == "FullyConnected":
        return "FullyConnected\n%s" % attrs["num_hidden"], _LINEAR
    if op == "BatchNorm":
        return node["name"], _NORM
    if op == "Activation":
        return "Activation\n%s" % attrs["act_type"], _ACTIVATION
    if op == "LeakyReLU":
        return "LeakyReLU\n%s" % attrs.get("act_type", "Leaky"), _ACTIVATION
    if op == "Pooling":
        kernel = "x".join(_digits(attrs["kernel"])) if "kernel" in attrs else "[]"
        stride = "x".join(_digits(attrs["stride"])) if "stride" in attrs else "1"
        return "Pooling\n%s, %s/%s" % (attrs.get("pool_type", "max"), kernel, stride), _POOL
    if op in ("Concat", "Flatten", "Reshape"):
        return node["name"], _RESHAPE
    if op == "Softmax":
        return node["name"], _SOFTMAX
    if op == "Custom":
        return attrs.get("op_type", node["name"]), _OTHER
    return node["name"], _OTHER


def plot_network(symbol, title="plot", save_format='pdf', shape=None, dtype=None, node_attrs={},
                 hide_weights=True):
    """Draw ``symbol``'s graph as a ``graphviz.Digraph``, as MXNet's ``mx.viz.plot_network``.

    Parameters
    ----------
    symbol : Symbol
        The output whose computation graph is drawn.
    title : str
        Name of the digraph.
    save_format : str
        Graphviz output format used by ``render()`` / ``view()``.
    shape : dict of str to tuple, optional
        Input shapes; when given, every edge is labelled with the shape (batch axis dropped)
        of the tensor it carries.
    dtype : dict of str to numpy type, optional
        Input types; when given, every edge label gets ``(float32)`` etc. appended.
    node_attrs : dict, optional
        Graphviz node attributes that override the defaults (boxes 1.3 x 0.8034, filled).
    hide_weights : bool
        Leave out parameter variables (names ending in ``_weight``, ``_bias``, ``_gamma``,
        ``_beta``, moving/running statistics) and their edges.  With False their edges are
        kept, drawn to Graphviz's default (unstyled) nodes, as in MXNet.

    Returns
    -------
    graphviz.Digraph

    Raises
    ------
    ImportError
        If the ``graphviz`` Python package is not installed.
    """
    try:
        from graphviz import Digraph
    except ImportError as err:
        raise ImportError(
            "mx.viz.plot_network needs the 'graphviz' Python package, which is not installed: "
            "pip install graphviz  (or: pip install symjax_mx[viz]). Rendering the digraph to "
            "a file also needs the Graphviz programs (e.g. apt-get install graphviz).") from err
    _check_symbol(symbol, "symbol must be a Symbol")
    shapes = None if shape is None else _internal_table(symbol, shape, "infer_shape", "shape")
    types = None if dtype is None else _internal_table(symbol, dtype, "infer_type", "type")
    nodes = json.loads(symbol.tojson())["nodes"]

    names = [node["name"] for node in nodes]
    if len(set(names)) != len(names):
        seen, repeated = set(), set()
        for name in names:
            (repeated if name in seen else seen).add(name)
        warnings.warn("There are multiple variables with the same name in your graph, this may "
                      "result in cyclic graph. Repeated names: " + ",".join(repeated),
                      RuntimeWarning)

    style = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034",
             "style": "filled"}
    style.update(node_attrs)
    dot = Digraph(name=title, format=save_format)

    hidden = set()
    for node in nodes:
        attr = dict(style)
        if node["op"] == "null":
            if node["name"].endswith(_PARAM_SUFFIXES):
                # Parameters never get a styled node; with hide_weights their edges go too.
                if hide_weights:
                    hidden.add(node["name"])
                continue
            label, color = node["name"], _INPUT
            attr["shape"] = "oval"
        else:
            label, color = _node_look(node)
        attr["fillcolor"] = _PALETTE[color]
        dot.node(name=node["name"], label=label, **attr)

    def tensor_key(entry):
        """The internals output name MXNet labels an edge from ``entry`` with: a variable's
        name, ``<op>_output``, or ``<op>_output<num_outputs - 1>`` for split-like ops."""
        src = nodes[entry[0]]
        if src["op"] == "null":
            return src["name"]
        key = src["name"] + "_output"
        src_attrs = _node_attrs(src)
        if "num_outputs" in src_attrs:
            key += str(int(src_attrs["num_outputs"]) - 1)
        return key

    def lookup(table, entry):
        key = tensor_key(entry)
        if key not in table:  # multi-output op without num_outputs: use the output wired here
            key = "%s_output%d" % (nodes[entry[0]]["name"], entry[1])
        return table.get(key)

    for node in nodes:
        if node["op"] == "null":
            continue
        inputs = node["inputs"]
        if node["op"] == "_contrib_BilinearResize2D":
            inputs = inputs[:1]
        for entry in inputs:
            src_name = nodes[entry[0]]["name"]
            if src_name in hidden:
                continue
            label = ""
            if shapes is not None:
                found = lookup(shapes, entry)
                if found is not None:
                    label = "x".join(str(d) for d in tuple(found)[1:])
            if types is not None:
                found = lookup(types, entry)
                if found is not None:
                    label += "(" + _dtype_name(found) + ")"
            dot.edge(tail_name=node["name"], head_name=src_name,
                     **{"dir": "back", "arrowtail": "open", "label": label})
    return dot

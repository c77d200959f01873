"""Golden Symbol files written by real MXNet 1.9.1, for tests/test_symbol_golden.py.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/symbol/make_golden.py

For every entry of ``ARCHS`` it writes

* ``<name>-symbol.json``   -- ``sym.save(...)`` by MXNet 1.9.1 (the graph JSON, format 1.x);
* ``<name>.expected.json`` -- what MXNet reports for that symbol: ``list_arguments``,
  ``list_outputs``, ``list_auxiliary_states``, ``list_inputs``,
  ``get_internals().list_outputs()`` (``internals``), ``attr_dict()``, the input shapes used
  (``input_shapes``), ``infer_shape(**input_shapes)`` (``infer_shape``: arg/out/aux lists of
  shapes), ``infer_shape_partial()`` with no shapes (``infer_shape_partial_none``) and with the
  batch dimension unknown (``infer_shape_partial_batch0``: the leading 0 of every input shape
  means "unknown" in MXNet 1.x), and ``infer_type(data='float32')`` (``infer_type``: dtype names).

Each architecture is built inside a fresh ``mx.name.NameManager()`` so auto-generated names
(``_plus0``, ``concat0``, ``fullyconnected0`` ...) start from 0, as they do in a new process.

Two files are hand-written here in the OLD (MXNet 0.8) JSON layout instead of being saved by
MXNet: nodes carry ``"param"`` (operator parameters) and ``"attr"`` (user attributes) instead of
``"attrs"``, every node has ``"backward_source_id": -1``, inputs and heads are ``[node, index]``
pairs, there is no ``node_row_ptr`` and no ``attrs.mxnet_version``, and BatchNorm nodes have
only data/gamma/beta inputs (0.8 did not store the auxiliary states).  MXNet 1.9.1 upgrades them
on load (``LoadLegacyJSON`` in src/nnvm/legacy_json_util.cc): missing trailing inputs become new
variables ``<node>_<input name>`` (``bn1_moving_mean``/``bn1_moving_var``) which also receive a
copy of the node's attribute dict; user attribute keys ``ctx_group``/``lr_mult``/``wd_mult``...
become hidden ``__ctx_group__``... keys, and ``<input>_lr_mult`` style keys on an operator node are
moved onto that input variable as ``__lr_mult__``.  The expected files for those record what
MXNet 1.9.1 reports after loading them, plus ``mxnet_resave`` (MXNet's ``tojson()`` of the
upgraded graph, parsed).

Every file is checked here: MXNet loads each ``-symbol.json`` back (``mx.sym.load`` and
``mx.sym.load_json``) and reports the same lists and shapes.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


# --------------------------------------------------------------------------- architectures
def mlp(mx):
    data = mx.sym.var("data")
    x = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    x = mx.sym.Activation(x, act_type="relu", name="relu1")
    x = mx.sym.FullyConnected(x, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax"), {"data": (4, 8)}


def lenet(mx):
    data = mx.sym.var("data")
    x = mx.sym.Convolution(data, kernel=(5, 5), num_filter=6, name="conv1")
    x = mx.sym.Activation(x, act_type="tanh", name="tanh1")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    x = mx.sym.Convolution(x, kernel=(5, 5), num_filter=16, name="conv2")
    x = mx.sym.Activation(x, act_type="tanh", name="tanh2")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    x = mx.sym.Flatten(x, name="flatten")
    x = mx.sym.FullyConnected(x, num_hidden=120, name="fc1")
    x = mx.sym.Activation(x, act_type="tanh", name="tanh3")
    x = mx.sym.FullyConnected(x, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax"), {"data": (2, 1, 28, 28)}


def _conv_bn(mx, x, num_filter, kernel, stride, pad, name, act=True):
    x = mx.sym.Convolution(x, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad,
                           no_bias=True, name=name + "_conv")
    x = mx.sym.BatchNorm(x, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + "_bn")
    if act:
        x = mx.sym.Activation(x, act_type="relu", name=name + "_relu")
    return x


def _basic_block(mx, x, num_filter, stride, dim_match, name):
    y = _conv_bn(mx, x, num_filter, (3, 3), stride, (1, 1), name + "_a")
    y = _conv_bn(mx, y, num_filter, (3, 3), (1, 1), (1, 1), name + "_b", act=False)
    if dim_match:
        shortcut = x
    else:
        shortcut = _conv_bn(mx, x, num_filter, (1, 1), stride, (0, 0), name + "_sc", act=False)
    if name.endswith("u1"):          # one residual join via the operator, the rest via `+`
        out = mx.sym.elemwise_add(y, shortcut, name=name + "_add")
    else:
        out = y + shortcut           # auto-named _plusN
    return mx.sym.Activation(out, act_type="relu", name=name + "_out")


def resnet18(mx):
    """ResNet-18 layout (4 stages x 2 basic blocks) at CIFAR size with narrow widths."""
    data = mx.sym.var("data")
    x = _conv_bn(mx, data, 8, (3, 3), (1, 1), (1, 1), "stem")
    for stage, width in enumerate((8, 16, 32, 64), start=1):
        for unit in (1, 2):
            stride = (2, 2) if (stage > 1 and unit == 1) else (1, 1)
            dim_match = not (unit == 1 and stage > 1)
            x = _basic_block(mx, x, width, stride, dim_match, "stage%d_u%d" % (stage, unit))
    x = mx.sym.Pooling(x, global_pool=True, pool_type="avg", kernel=(1, 1), name="gap")
    x = mx.sym.Flatten(x, name="flatten")
    x = mx.sym.FullyConnected(x, num_hidden=10, name="fc")
    return mx.sym.SoftmaxOutput(x, name="softmax"), {"data": (2, 3, 32, 32)}


def inception(mx):
    """One Inception (v1) block: 1x1 / 1x1-3x3 / 1x1-5x5 / maxpool-1x1 branches, Concat."""
    data = mx.sym.var("data")

    def conv(x, nf, k, p, name):
        x = mx.sym.Convolution(x, num_filter=nf, kernel=(k, k), pad=(p, p), name=name)
        return mx.sym.Activation(x, act_type="relu", name=name + "_relu")

    b1 = conv(data, 4, 1, 0, "b1_1x1")
    b2 = conv(conv(data, 3, 1, 0, "b2_1x1"), 6, 3, 1, "b2_3x3")
    b3 = conv(conv(data, 2, 1, 0, "b3_1x1"), 3, 5, 2, "b3_5x5")
    b4 = mx.sym.Pooling(data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type="max",
                        name="b4_pool")
    b4 = conv(b4, 2, 1, 0, "b4_proj")
    x = mx.sym.Concat(b1, b2, b3, b4, dim=1, name="ch_concat")
    x = mx.sym.Pooling(x, global_pool=True, pool_type="avg", kernel=(1, 1), name="gap")
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=5, name="fc")  # auto-named flatten0
    return mx.sym.SoftmaxOutput(x, name="softmax"), {"data": (2, 8, 12, 12)}


def lstm(mx):
    """mx.rnn.LSTMCell unrolled 3 steps (begin state from _zeros of shape (0, H)), NTC."""
    cell = mx.rnn.LSTMCell(num_hidden=5, prefix="lstm_")
    outputs, states = cell.unroll(3, inputs=mx.sym.var("data"), merge_outputs=True,
                                  layout="NTC")
    return mx.sym.Group([outputs] + list(states)), {"data": (2, 3, 4)}


def scalar_arith(mx):
    x = mx.sym.var("data")
    y = 1 - x            # _rminus_scalar, scalar "1"
    y = y ** 2           # _power_scalar
    y = -y               # _mul_scalar with -1.0
    y = y / 2            # _div_scalar
    y = y + 0.5          # _plus_scalar
    y = 3.0 / y          # _rdiv_scalar
    y = 2 ** y           # _rpower_scalar
    y = y - x * x        # elemwise_mul, elemwise_sub
    return y, {"data": (3, 4)}


def group2(mx):
    data = mx.sym.var("data")
    h = mx.sym.FullyConnected(data, num_hidden=6, name="shared")
    a = mx.sym.FullyConnected(h, num_hidden=3, name="head_a")
    b = mx.sym.Activation(h, act_type="sigmoid", name="head_b")
    return mx.sym.Group([a, b]), {"data": (5, 7)}


def slice_channel(mx):
    data = mx.sym.var("data")
    sl = mx.sym.SliceChannel(data, num_outputs=3, axis=1, name="slice")
    mul = mx.sym.elemwise_mul(sl[0], sl[2], name="mul")
    sq = mx.sym.SliceChannel(sl[1], num_outputs=2, axis=2, squeeze_axis=False, name="slice2")
    return mx.sym.Group([sl, mul, sq[1]]), {"data": (2, 6, 4)}


def attr_scope(mx):
    data = mx.sym.var("data")
    with mx.AttrScope(ctx_group="dev1"):
        h = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
        h = mx.sym.Activation(h, act_type="relu", name="relu1")
    with mx.AttrScope(ctx_group="dev2", __mood__="calm"):
        w = mx.sym.var("fc2_weight", lr_mult=2.0, wd_mult=0.5, shape=(10, 16), dtype="float32")
        h = mx.sym.FullyConnected(h, weight=w, num_hidden=10, name="fc2")
    scale = mx.sym.var("scale", shape=(1,), dtype="float16", init=mx.init.One())
    out = mx.sym.broadcast_mul(h, mx.sym.Cast(scale, dtype="float32", name="cast"), name="scaled")
    return out, {"data": (4, 8)}


def name_prefix(mx):
    data = mx.sym.var("data")
    with mx.name.Prefix("pre_"):
        inner = mx.sym.var("inner_bias")           # variables are not prefixed
        x = mx.sym.FullyConnected(data, num_hidden=4)               # pre_fullyconnected0
        x = mx.sym.Activation(x, act_type="relu")                   # pre_activation0
        x = mx.sym.FullyConnected(x, num_hidden=3, bias=inner, name="fc")   # pre_fc
        x = mx.sym.FullyConnected(x, num_hidden=3)                  # pre_fullyconnected1
    return x, {"data": (2, 5)}


ARCHS = {
    "mlp": mlp,
    "lenet": lenet,
    "resnet18": resnet18,
    "inception": inception,
    "lstm": lstm,
    "scalar_arith": scalar_arith,
    "group2": group2,
    "slice_channel": slice_channel,
    "attr_scope": attr_scope,
    "name_prefix": name_prefix,
}


# --------------------------------------------------------------------------- old-format files
def _old_node(op, name, inputs=(), param=None, attr=None):
    node = {"op": op, "param": dict(param or {}), "name": name,
            "inputs": [list(e) for e in inputs], "backward_source_id": -1}
    if attr:
        node["attr"] = dict(attr)
    return node


def _old_graph(nodes, heads):
    arg_nodes = [i for i, n in enumerate(nodes) if n["op"] == "null"]
    return {"nodes": nodes, "arg_nodes": arg_nodes, "heads": [list(h) for h in heads]}


def old_convnet():
    """0.8-era conv net: Convolution, BatchNorm without aux inputs, Pooling, FC, Softmax."""
    g = {"ctx_group": "stage1"}
    n = [
        _old_node("null", "data", attr={"ctx_group": "stage1", "lr_mult": "0.2"}),      # 0
        _old_node("null", "conv1_weight", attr=g),                                     # 1
        _old_node("null", "conv1_bias", attr=g),                                       # 2
        _old_node("Convolution", "conv1", [(0, 0), (1, 0), (2, 0)],
                  param={"kernel": "(3,3)", "num_filter": "4", "pad": "(1,1)",
                         "stride": "(1,1)", "no_bias": "False", "workspace": "512"},
                  attr=g),                                                             # 3
        _old_node("null", "bn1_gamma", attr=g),                                        # 4
        _old_node("null", "bn1_beta", attr=g),                                         # 5
        _old_node("BatchNorm", "bn1", [(3, 0), (4, 0), (5, 0)],
                  param={"eps": "0.001", "fix_gamma": "False", "momentum": "0.9",
                         "use_global_stats": "False"}, attr=g),                        # 6
        _old_node("Activation", "relu1", [(6, 0)], param={"act_type": "relu"}, attr=g),  # 7
        _old_node("Pooling", "pool1", [(7, 0)],
                  param={"global_pool": "True", "kernel": "(1,1)", "pool_type": "avg"}),  # 8
        _old_node("Flatten", "flatten1", [(8, 0)]),                                    # 9
        _old_node("null", "fc1_weight", attr={"wd_mult": "0.3"}),                      # 10
        _old_node("null", "fc1_bias"),                                                 # 11
        _old_node("FullyConnected", "fc1", [(9, 0), (10, 0), (11, 0)],
                  param={"no_bias": "False", "num_hidden": "3"},
                  attr={"weight_lr_mult": "1.2"}),                                     # 12
        _old_node("null", "softmax_label"),                                            # 13
        _old_node("SoftmaxOutput", "softmax", [(12, 0), (13, 0)],
                  param={"grad_scale": "1", "ignore_label": "-1", "multi_output": "False",
                         "normalization": "null", "use_ignore": "False"}),             # 14
    ]
    return _old_graph(n, [(14, 0)]), {"data": (2, 3, 8, 8)}


def old_slice_bn():
    """0.8-era graph: SliceChannel outputs 0 and 1 each through a BatchNorm (no aux inputs),
    joined by the old operator name _Plus (now an alias of elemwise_add); two heads."""
    n = [
        _old_node("null", "data"),                                                     # 0
        _old_node("SliceChannel", "slice", [(0, 0)],
                  param={"num_outputs": "2", "axis": "1"}),                            # 1
        _old_node("null", "bn_a_gamma"),                                               # 2
        _old_node("null", "bn_a_beta"),                                                # 3
        _old_node("BatchNorm", "bn_a", [(1, 0), (2, 0), (3, 0)],
                  param={"fix_gamma": "True", "eps": "0.001"}),                        # 4
        _old_node("null", "bn_b_gamma"),                                               # 5
        _old_node("null", "bn_b_beta"),                                                # 6
        _old_node("BatchNorm", "bn_b", [(1, 1), (5, 0), (6, 0)],
                  param={"fix_gamma": "False", "momentum": "0.8"}),                    # 7
        _old_node("_Plus", "plus0", [(4, 0), (7, 0)]),                                 # 8
        _old_node("Activation", "act", [(8, 0)], param={"act_type": "tanh"}),         # 9
    ]
    return _old_graph(n, [(9, 0), (1, 1)]), {"data": (2, 4, 3)}


OLD = {"old_convnet": old_convnet, "old_slice_bn": old_slice_bn}


# --------------------------------------------------------------------------- recording
# What must equal MXNet's exactly (partial inference is compared more loosely by the tests).
EXACT_KEYS = ("list_arguments", "list_outputs", "list_auxiliary_states", "list_inputs",
              "internals", "infer_shape", "infer_type")


def shapes_of(lst):
    return None if lst is None else [list(s) for s in lst]


def types_of(lst):
    return None if lst is None else [np.dtype(t).name for t in lst]


def describe(sym, input_shapes):
    """Everything the tests compare, for a symbol of MXNet or symjax_mx."""
    arg, out, aux = sym.infer_shape(**input_shapes)
    parg, pout, paux = sym.infer_shape_partial()
    batch0 = {k: (0,) + tuple(v[1:]) for k, v in input_shapes.items()}
    barg, bout, baux = sym.infer_shape_partial(**batch0)
    targ, tout, taux = sym.infer_type(data="float32")
    return {
        "input_shapes": {k: list(v) for k, v in input_shapes.items()},
        "list_arguments": sym.list_arguments(),
        "list_outputs": sym.list_outputs(),
        "list_auxiliary_states": sym.list_auxiliary_states(),
        "list_inputs": sym.list_inputs(),
        "internals": sym.get_internals().list_outputs(),
        "attr_dict": sym.attr_dict(),
        "infer_shape": {"arg": shapes_of(arg), "out": shapes_of(out), "aux": shapes_of(aux)},
        "infer_shape_partial_none": {"arg": shapes_of(parg), "out": shapes_of(pout),
                                     "aux": shapes_of(paux)},
        "infer_shape_partial_batch0": {"input_shapes": {k: list(v) for k, v in batch0.items()},
                                       "arg": shapes_of(barg), "out": shapes_of(bout),
                                       "aux": shapes_of(baux)},
        "infer_type": {"arg": types_of(targ), "out": types_of(tout), "aux": types_of(taux)},
    }


def _write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def _check_reload(mx, path, expected):
    """MXNet loads the file back (from the file and from text) and agrees with itself."""
    with open(path) as f:
        text = f.read()
    for sym in (mx.sym.load(path), mx.sym.load_json(text)):
        got = describe(sym, {k: tuple(v) for k, v in expected["input_shapes"].items()})
        for key, value in expected.items():
            assert got[key] == value, (path, key, got[key], value)


def main():
    import mxnet as mx
    assert mx.__version__ == "1.9.1", mx.__version__

    for name, build in ARCHS.items():
        with mx.name.NameManager():
            sym, shapes = build(mx)
        path = os.path.join(HERE, name + "-symbol.json")
        sym.save(path)
        expected = {"name": name, "source": "built with mxnet 1.9.1"}
        expected.update(describe(sym, shapes))
        _write_json(os.path.join(HERE, name + ".expected.json"), expected)
        _check_reload(mx, path, {k: v for k, v in expected.items()
                                 if k not in ("name", "source")})
        size = os.path.getsize(path)
        assert size < 100_000, (path, size)
        print("wrote %-14s %6d bytes  %d nodes" % (name, size,
                                                   len(json.loads(sym.tojson())["nodes"])))

    for name, build in OLD.items():
        graph, shapes = build()
        path = os.path.join(HERE, name + "-symbol.json")
        with open(path, "w") as f:                 # the 0.8-era layout: indent 2, ", " items
            json.dump(graph, f, indent=2, separators=(", ", ": "))
            f.write("\n")
        sym = mx.sym.load(path)                    # MXNet 1.9.1 upgrades it on load
        expected = {"name": name,
                    "source": "hand-written MXNet 0.8 layout, loaded by mxnet 1.9.1"}
        expected.update(describe(sym, shapes))
        expected["mxnet_resave"] = json.loads(sym.tojson())
        _write_json(os.path.join(HERE, name + ".expected.json"), expected)
        _check_reload(mx, path, {k: v for k, v in expected.items()
                                 if k not in ("name", "source", "mxnet_resave")})
        # MXNet's own re-save of the upgraded graph loads back to the same description
        resaved = mx.sym.load_json(sym.tojson())
        again = describe(resaved, shapes)
        for key, value in again.items():
            assert expected[key] == value, (name, key)
        print("wrote %-14s (old format) aux=%s" % (name, expected["list_auxiliary_states"]))


if __name__ == "__main__":
    main()

"""mx.sym against Symbol JSON written by real MXNet 1.9.1 (tests/golden/symbol/).

For every golden graph (MLP, LeNet, a ResNet-18-style net, an Inception block, an unrolled
mx.rnn.LSTMCell, a few tricky small graphs, and two hand-written MXNet 0.8-layout files that MXNet
upgrades on load) the expected file records what MXNet 1.9.1 reported: argument / output /
auxiliary / input lists, get_internals() outputs, attr_dict(), infer_shape, infer_shape_partial
and infer_type.  Here symjax_mx loads each file (mx.sym.load and mx.sym.load_json), must report
the same, writes it back with tojson() and must load its own JSON to the same again.  The JSON it
writes is saved (SYMJAX_SYMBOL_OUT, or a temporary folder) for the reverse check by real MXNet,
tests/golden/symbol/check_with_mxnet.py, whose docstring says how that is run.

The generator's own builders (make_golden.py, mxnet-free at import) are also run with symjax_mx
as ``mx``, and the JSON they produce must have exactly MXNet's nodes.
"""
import importlib.util
import json
import os
from pathlib import Path

import pytest

import symjax_mx as mx

GOLDEN = Path(__file__).parent / "golden" / "symbol"
# the generator imports mxnet only inside main(); loaded under its own name because other
# golden folders have a make_golden.py too
_spec = importlib.util.spec_from_file_location("symbol_make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

NAMES = sorted(p.name[: -len(".expected.json")] for p in GOLDEN.glob("*.expected.json"))
NEW = [n for n in NAMES if not n.startswith("old_")]
OLD = [n for n in NAMES if n.startswith("old_")]
LIST_KEYS = ("list_arguments", "list_outputs", "list_auxiliary_states", "list_inputs",
             "internals")


def test_golden_set_is_complete():
    assert set(NEW) == set(make_golden.ARCHS) and set(OLD) == set(make_golden.OLD)
    for name in NAMES:
        assert (GOLDEN / (name + "-symbol.json")).stat().st_size < 100_000


# --------------------------------------------------------------------------- helpers
def _expected(name):
    return json.loads((GOLDEN / (name + ".expected.json")).read_text())


def _path(name):
    return str(GOLDEN / (name + "-symbol.json"))


def _loaders(name):
    """The golden file loaded both ways: mx.sym.load(path) and mx.sym.load_json(text)."""
    text = Path(_path(name)).read_text()
    return [("load", mx.sym.load(_path(name))), ("load_json", mx.sym.load_json(text))]


def _input_shapes(exp):
    return {k: tuple(v) for k, v in exp["input_shapes"].items()}


def _described(name):
    """(expected, [(how, what symjax_mx reports)]) for the golden file loaded both ways."""
    exp = _expected(name)
    return exp, [(how, make_golden.describe(sym, _input_shapes(exp)))
                 for how, sym in _loaders(name)]


def _assert_describes(sym, exp, where):
    """Every list, infer_shape and infer_type of ``sym`` equal MXNet's."""
    got = make_golden.describe(sym, _input_shapes(exp))
    for key in make_golden.EXACT_KEYS:
        assert got[key] == exp[key], (where, key)


def _node_view(node):
    """What identifies a JSON node: op, name, attrs (absent == empty), inputs as
    (node, output index) -- the third entry (NodeEntry version) carries no meaning here."""
    attrs = node.get("attrs", {})
    return {"op": node["op"], "name": node["name"], "attrs": attrs,
            "inputs": [list(e[:2]) for e in node["inputs"]]}


def _graph_view(graph):
    """Nodes, arg_nodes and heads.  node_row_ptr is left out on purpose: MXNet counts hidden
    outputs there (BatchNorm's mean/var, max Pooling's mask) that its reader recomputes; ours
    counts the visible outputs, and MXNet loads our files (check_with_mxnet.py)."""
    return {"nodes": [_node_view(n) for n in graph["nodes"]],
            "arg_nodes": graph["arg_nodes"],
            "heads": [list(h[:2]) for h in graph["heads"]]}


def _mxnet_graph(name):
    """MXNet's own 1.x JSON for ``name``: the golden file, or for the 0.8-layout files MXNet's
    tojson() of the upgraded graph."""
    if name in OLD:
        return _expected(name)["mxnet_resave"]
    return json.loads(Path(_path(name)).read_text())


def _assert_mxnet_structure(graph, where):
    """What MXNet 1.9.1's JSON reader needs and what its writer always produces."""
    assert set(graph) >= {"nodes", "arg_nodes", "node_row_ptr", "heads", "attrs"}, where
    assert graph["attrs"]["mxnet_version"] == ["int", 10901], where
    nodes = graph["nodes"]
    assert graph["arg_nodes"] == [i for i, n in enumerate(nodes) if n["op"] == "null"], where
    ptr = graph["node_row_ptr"]
    assert len(ptr) == len(nodes) + 1 and ptr[0] == 0, where
    assert all(b > a for a, b in zip(ptr, ptr[1:])), where
    for i, node in enumerate(nodes):
        assert set(node) <= {"op", "name", "attrs", "inputs", "control_deps", "subgraphs"}, node
        assert isinstance(node["op"], str) and isinstance(node["name"], str), node
        assert all(isinstance(v, str) for v in node.get("attrs", {}).values()), node
        if node["op"] == "null":
            assert node["inputs"] == [] and ptr[i + 1] - ptr[i] == 1, node
        for entry in node["inputs"]:
            assert len(entry) == 3 and all(isinstance(v, int) for v in entry), (where, entry)
            src, index = entry[0], entry[1]
            assert 0 <= src < i, (where, "inputs must refer to earlier nodes", node["name"])
            assert 0 <= index < ptr[src + 1] - ptr[src], (where, node["name"], entry)
    for head in graph["heads"]:
        assert len(head) == 3 and 0 <= head[0] < len(nodes), (where, head)
        assert 0 <= head[1] < ptr[head[0] + 1] - ptr[head[0]], (where, head)


# --------------------------------------------------------------------------- loading goldens
@pytest.mark.parametrize("name", NAMES)
def test_load_lists_match_mxnet(name):
    exp, described = _described(name)
    for how, got in described:
        for key in LIST_KEYS:
            assert got[key] == exp[key], (how, key)


@pytest.mark.parametrize("name", NAMES)
def test_load_infer_shape_matches_mxnet(name):
    exp, described = _described(name)
    for how, got in described:
        assert got["infer_shape"] == exp["infer_shape"], how


@pytest.mark.parametrize("name", NAMES)
def test_load_infer_type_matches_mxnet(name):
    exp, described = _described(name)
    for how, got in described:
        assert got["infer_type"] == exp["infer_type"], how


def _known(shape):
    return bool(shape) and 0 not in shape


def _assert_agree(ours, theirs, how, cover):
    """Partial inference agrees with MXNet wherever both know something of a shape (an
    unknown shape is (), an unknown size 0), while rules without data still fill what they
    can (a bias from num_hidden) where MXNet gives up.  With ``cover``, every shape MXNet
    knows we know too."""
    for group in ("arg", "out", "aux"):
        for i, (mine, want) in enumerate(zip(ours[group], theirs[group])):
            if tuple(mine) != () and tuple(want) != ():
                assert tuple(mine) == tuple(want), (how, group, i, mine, want)
            if cover and _known(want):
                assert tuple(mine) == tuple(want), (how, group, i, mine, want)


@pytest.mark.parametrize("name", NAMES)
def test_load_infer_shape_partial_no_shapes_agrees_with_mxnet(name):
    """With no input shapes: what MXNet knows (shapes fixed by ``__shape__`` attributes and
    what follows) we know too, unless MXNet reasoned with partial shapes (the LSTM's begin
    states are ``(0, 5)``), and where both know a shape it is the same."""
    exp, described = _described(name)
    theirs = exp["infer_shape_partial_none"]
    partial_dims = any(0 in shape for group in ("arg", "out", "aux") for shape in theirs[group])
    for how, got in described:
        _assert_agree(got["infer_shape_partial_none"], theirs, how, cover=not partial_dims)


@pytest.mark.parametrize("name", NAMES)
def test_load_infer_shape_partial_unknown_batch_agrees_with_mxnet(name):
    """The batch size given as 0 (unknown in MXNet 1.x): where both know a shape, it is the
    same."""
    exp, described = _described(name)
    for how, got in described:
        _assert_agree(got["infer_shape_partial_batch0"], exp["infer_shape_partial_batch0"], how,
                      cover=False)


@pytest.mark.parametrize("name", NAMES)
def test_load_attr_dict_matches_mxnet(name):
    exp = _expected(name)
    for how, sym in _loaders(name):
        assert sym.attr_dict() == exp["attr_dict"], how


# --------------------------------------------------------------------------- tojson round trip
@pytest.mark.parametrize("name", NAMES)
def test_tojson_round_trip(name, tmp_path):
    exp = _expected(name)
    sym = mx.sym.load(_path(name))
    text = sym.tojson()
    again = mx.sym.load_json(text)
    _assert_describes(again, exp, "load_json(tojson())")
    assert again.attr_dict() == exp["attr_dict"]
    sym.save(str(tmp_path / "x-symbol.json"))
    _assert_describes(mx.sym.load(str(tmp_path / "x-symbol.json")), exp, "save/load")
    assert json.loads(again.tojson()) == json.loads(text), "tojson is not a fixed point"


@pytest.mark.parametrize("name", NAMES)
def test_tojson_has_mxnets_nodes(name):
    """Loading MXNet's JSON and writing it back gives MXNet's graph: the same nodes in the same
    order with the same attrs and inputs, arg_nodes, node_row_ptr and heads.  For the 0.8-layout
    files that is MXNet's own re-save of the upgraded graph."""
    ours = json.loads(mx.sym.load(_path(name)).tojson())
    theirs = _mxnet_graph(name)
    got, want = _graph_view(ours), _graph_view(theirs)
    for i, (g, w) in enumerate(zip(got["nodes"], want["nodes"])):
        assert g == w, ("node", i)
    assert got == want


@pytest.mark.parametrize("name", NAMES)
def test_written_for_mxnet(name, tmp_path):
    """Our JSON has the structure MXNet 1.9.1 reads; it is kept for check_with_mxnet.py."""
    out = Path(os.environ.get("SYMJAX_SYMBOL_OUT") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    sym = mx.sym.load(_path(name))
    target = out / (name + "-symbol.json")
    sym.save(str(target))
    graph = json.loads(target.read_text())
    _assert_mxnet_structure(graph, name)


def test_mxnet_goldens_have_mxnets_structure():
    """The structural checks above hold for MXNet's own files (so they are not too strict)."""
    for name in NEW:
        _assert_mxnet_structure(json.loads(Path(_path(name)).read_text()), name)
    for name in OLD:
        _assert_mxnet_structure(_expected(name)["mxnet_resave"], name)


# --------------------------------------------------------------------------- old (0.8) files
def test_old_files_really_are_old_layout():
    for name in OLD:
        graph = json.loads(Path(_path(name)).read_text())
        assert "attrs" not in graph and "node_row_ptr" not in graph
        for node in graph["nodes"]:
            assert "attrs" not in node and "param" in node and node["backward_source_id"] == -1
            assert all(len(e) == 2 for e in node["inputs"])
        bns = [n for n in graph["nodes"] if n["op"] == "BatchNorm"]
        assert bns and all(len(n["inputs"]) == 3 for n in bns)


def test_old_batchnorm_gets_aux_states_like_mxnet():
    sym = mx.sym.load(_path("old_convnet"))
    assert sym.list_auxiliary_states() == ["bn1_moving_mean", "bn1_moving_var"]
    inputs = sym.list_inputs()
    assert inputs.index("bn1_moving_mean") == inputs.index("bn1_beta") + 1
    attrs = sym.attr_dict()
    assert attrs["bn1_moving_mean"]["__init__"] == '["zero", {}]'
    assert attrs["bn1_moving_var"]["__init__"] == '["one", {}]'
    # user attributes of the 0.8 layout become hidden keys; "weight_lr_mult" on the FC node
    # moves to its weight variable
    assert attrs["data"]["__lr_mult__"] == "0.2" and attrs["data"]["__ctx_group__"] == "stage1"
    assert attrs["fc1_weight"]["__lr_mult__"] == "1.2"
    assert "weight_lr_mult" not in attrs["fc1"]
    arg, out, aux = sym.infer_shape(data=(2, 3, 8, 8))
    assert aux == [(4,), (4,)] and out == [(2, 3)]


def test_old_operator_alias_resaves_under_its_current_name():
    graph = json.loads(mx.sym.load(_path("old_slice_bn")).tojson())
    plus = [n for n in graph["nodes"] if n["name"] == "plus0"]
    assert plus and plus[0]["op"] == "elemwise_add"


# --------------------------------------------------------------------------- building in symjax
class _One:
    """Stands in for mx.init.One() where symjax_mx has no mx.init: var() stores
    ``init.dumps()`` as ``__init__``, as MXNet does for any Initializer."""

    def dumps(self):
        return '["one", {}]'


class _WithInit:
    """symjax_mx, plus a minimal ``init`` namespace if it has none."""

    def __getattr__(self, attr):
        if attr == "init" and not hasattr(mx, "init"):
            return type("init", (), {"One": _One})
        return getattr(mx, attr)


# The LSTM is built with mx.rnn cells, an API symjax_mx does not have yet: its golden JSON
# is loaded and checked by the tests above, but it is not rebuilt here.
BUILDABLE = [n for n in NEW if n != "lstm"]


def _build(name):
    builder = make_golden.ARCHS[name]
    with mx.name.NameManager():
        sym, shapes = builder(_WithInit())
    return sym, shapes


@pytest.mark.parametrize("name", ["mlp", "lenet"])
def test_built_mlp_and_lenet_match_mxnets_json(name):
    sym, _ = _build(name)
    got, want = _graph_view(json.loads(sym.tojson())), _graph_view(_mxnet_graph(name))
    for i, (g, w) in enumerate(zip(got["nodes"], want["nodes"])):
        assert g == w, ("node", i)
    assert got == want


def test_built_mlp_by_hand_matches_mxnets_json():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc1")
    act = mx.sym.Activation(data=fc1, act_type="relu", name="relu1")
    fc2 = mx.symbol.FullyConnected(data=act, num_hidden=10, name="fc2")
    net = mx.symbol.SoftmaxOutput(data=fc2, name="softmax")
    assert _graph_view(json.loads(net.tojson())) == _graph_view(_mxnet_graph("mlp"))
    _assert_describes(net, _expected("mlp"), "built")


@pytest.mark.parametrize("name", [n for n in BUILDABLE if n not in ("mlp", "lenet")])
def test_built_graphs_match_mxnets_json(name):
    """The same builder code MXNet ran, run on symjax_mx: same nodes, names and attrs."""
    sym, _ = _build(name)
    got, want = _graph_view(json.loads(sym.tojson())), _graph_view(_mxnet_graph(name))
    for i, (g, w) in enumerate(zip(got["nodes"], want["nodes"])):
        assert g == w, ("node", i)
    assert got == want


@pytest.mark.parametrize("name", BUILDABLE)
def test_built_graphs_describe_like_mxnet(name):
    sym, _ = _build(name)
    exp = _expected(name)
    _assert_describes(sym, exp, "built")
    assert sym.attr_dict() == exp["attr_dict"]


# --------------------------------------------------------------------------- bad input
def _mlp_graph():
    return json.loads(Path(_path("mlp")).read_text())


def test_malformed_json_raises():
    with pytest.raises(mx.MXNetError, match=r"(?i)json|expect|pars"):
        mx.sym.load_json('{"nodes": [}')
    with pytest.raises(mx.MXNetError, match=r"(?i)json|expect|pars"):
        mx.sym.load_json("hello")


def test_truncated_json_raises(tmp_path):
    # (MXNet 1.9.1 itself fails here with a UnicodeDecodeError while formatting its message)
    text = Path(_path("mlp")).read_text()
    with pytest.raises(mx.MXNetError, match=r"(?i)json|expect|pars|end|truncat"):
        mx.sym.load_json(text[: len(text) // 2])
    (tmp_path / "cut.json").write_text(text[:-3])
    with pytest.raises(mx.MXNetError, match=r"(?i)json|expect|pars|end|truncat"):
        mx.sym.load(str(tmp_path / "cut.json"))


def test_json_missing_required_field_raises():
    graph = _mlp_graph()
    del graph["heads"]
    with pytest.raises(mx.MXNetError, match="heads"):
        mx.sym.load_json(json.dumps(graph))


def test_unknown_operator_is_named():
    graph = _mlp_graph()
    graph["nodes"][3]["op"] = "NoSuchOp"
    with pytest.raises(mx.MXNetError, match="NoSuchOp"):
        mx.sym.load_json(json.dumps(graph))


def test_input_referring_to_missing_node_raises():
    graph = _mlp_graph()
    graph["nodes"][3]["inputs"][0] = [42, 0, 0]
    with pytest.raises(mx.MXNetError, match=r"\b42\b"):
        mx.sym.load_json(json.dumps(graph))
    graph = _mlp_graph()
    graph["heads"] = [[99, 0, 0]]
    with pytest.raises(mx.MXNetError, match=r"\b99\b"):
        mx.sym.load_json(json.dumps(graph))

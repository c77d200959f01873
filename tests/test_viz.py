"""mx.viz against MXNet 1.9.1's own output (tests/golden/viz/, written by make_golden.py there).

print_summary text is compared character for character.  plot_network is compared by replaying
the Digraph/node/edge calls MXNet made (recorded by the generator) into the installed graphviz
and comparing ``.source`` with that of our Digraph -- the reference venv's graphviz (0.8.x)
formats source text differently from current releases, so the calls are what is kept.
"""
import builtins
import contextlib
import importlib.util
import io
import json
import os
import sys

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import visualization as viz

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "viz")


def _load_generator():
    spec = importlib.util.spec_from_file_location("_viz_make_golden",
                                                  os.path.join(GOLDEN, "make_golden.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load_generator()  # network builders and variants shared with the generator; no mxnet


def _golden(name):
    with open(os.path.join(GOLDEN, name)) as f:
        return f.read()


def _summary(net, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert viz.print_summary(net, **kw) is None
    return buf.getvalue()


def _mlp():
    return gen.build_mlp(mx)


# ---------------------------------------------------------------------------- print_summary

@pytest.mark.parametrize("case", sorted(gen.CASES))
@pytest.mark.parametrize("with_shape", [True, False], ids=["shape", "noshape"])
def test_print_summary_matches_mxnet(case, with_shape):
    build, shape = gen.CASES[case]
    kw = {"shape": shape} if with_shape else {}
    expected = _golden("%s.%s.txt" % (case, "summary" if with_shape else "summary_noshape"))
    assert _summary(build(mx), **kw) == expected


@pytest.mark.parametrize("variant", sorted(gen.SUMMARY_VARIANTS))
def test_print_summary_widths_match_mxnet(variant):
    got = _summary(_mlp(), shape=gen.CASES["mlp"][1], **gen.SUMMARY_VARIANTS[variant])
    assert got == _golden("mlp.summary_%s.txt" % variant)


def test_print_summary_param_counts():
    """The counts in the golden tables are the true parameter sizes, except BatchNorm, for
    which MXNet counts gamma and beta but not the moving mean/variance."""
    build, shape = gen.CASES["branchy"]
    net = build(mx)
    arg_shapes, _, aux_shapes = net.infer_shape(**shape)
    args = dict(zip(net.list_arguments(), arg_shapes))
    assert dict(zip(net.list_auxiliary_states(), aux_shapes)) == {
        "bn_a_moving_mean": (8,), "bn_a_moving_var": (8,)}
    text = _summary(net, shape=shape)
    rows = {line.split("(")[0]: line.split() for line in text.splitlines() if "(" in line}
    assert int(rows["conv_a"][2]) == np.prod(args["conv_a_weight"])                  # no bias
    assert int(rows["conv_b"][2]) == np.prod(args["conv_b_weight"]) + 4             # grouped
    assert int(rows["bn_a"][2]) == np.prod(args["bn_a_gamma"]) + np.prod(args["bn_a_beta"])
    assert int(rows["fc"][2]) == np.prod(args["fc_weight"])                         # no bias
    assert text.splitlines()[-2] == "Total params: 376"


def test_print_summary_embedding():
    data = mx.sym.var("data")
    net = mx.sym.Embedding(data=data, input_dim=30, output_dim=7, name="emb")
    net = mx.sym.FullyConnected(data=net, num_hidden=3, flatten=True, name="fc")
    lines = _summary(net, shape={"data": (2, 5)}).splitlines()
    emb = next(line for line in lines if line.startswith("emb(Embedding)"))
    fc = next(line for line in lines if line.startswith("fc(FullyConnected)"))
    assert emb.split()[1:] == ["5x7", "210", "data"]
    # MXNet's input width is the first non-batch axis of the input (5), not its flattened size.
    assert fc.split()[1:] == ["3", "18", "emb"]


def test_print_summary_rejects_non_symbol():
    with pytest.raises(TypeError, match="symbol must be Symbol"):
        viz.print_summary(json.loads(_mlp().tojson()))


def test_mx_viz_alias():
    assert mx.viz is viz
    assert mx.visualization is viz


# ----------------------------------------------------------------------------- plot_network

def _replay(calls):
    """Build a Digraph in the installed graphviz from MXNet's recorded calls."""
    graphviz = pytest.importorskip("graphviz")
    (kind, args, kwargs), rest = calls[0], calls[1:]
    assert kind == "Digraph"
    dot = graphviz.Digraph(*args, **kwargs)
    for kind, args, kwargs in rest:
        getattr(dot, kind)(*args, **kwargs)
    return dot


@pytest.mark.parametrize("variant", sorted(gen.PLOT_VARIANTS))
@pytest.mark.parametrize("case", sorted(gen.CASES))
def test_plot_network_matches_mxnet(case, variant):
    pytest.importorskip("graphviz")
    build, shape = gen.CASES[case]
    expected = _replay(json.loads(_golden(case + ".plot.json"))[variant])
    dot = viz.plot_network(build(mx), **gen.plot_kwargs(variant, shape, np))
    assert type(dot).__name__ == "Digraph"
    assert (dot.name, dot.format) == (expected.name, expected.format)
    assert dot.source == expected.source


def test_plot_network_mlp_content():
    """Spot checks of the MLP drawing, readable without the golden file."""
    pytest.importorskip("graphviz")
    src = viz.plot_network(_mlp(), shape={"data": (100, 784)}).source
    assert "fc1_weight" not in src and "fc1_bias" not in src
    assert "FullyConnected\n128" in src and "Activation\nrelu" in src
    assert "#fb8072" in src and "#8dd3c7" in src       # linear layer / input colours
    assert 'fc1 -> data [label=784 arrowtail=open dir=back]' in src
    assert 'relu1 -> fc1 [label=128 arrowtail=open dir=back]' in src
    # The label's shape is (100,): nothing is left once the batch axis is dropped.
    assert 'softmax -> softmax_label [label="" arrowtail=open dir=back]' in src
    shown = viz.plot_network(_mlp(), hide_weights=False).source
    assert "fc1 -> fc1_weight" in shown and "fc1 -> fc1_bias" in shown


def test_plot_network_node_attrs():
    """User node attributes override the defaults, except that inputs stay ovals."""
    pytest.importorskip("graphviz")
    src = viz.plot_network(_mlp(), node_attrs={"shape": "diamond", "width": "2"}).source
    assert "shape=diamond" in src and "width=1.3" not in src
    assert "data [label=data fillcolor=\"#8dd3c7\" fixedsize=true height=0.8034 shape=oval " \
           "style=filled width=2]" in src


def test_plot_network_warns_on_repeated_names():
    """Two layers named alike give two different variables of one name: the symbol's shapes
    are still inferred node by node, and plot_network warns about the names, as MXNet's."""
    pytest.importorskip("graphviz")
    net = mx.sym.FullyConnected(mx.sym.var("data"), name="fc", num_hidden=128)
    net = mx.sym.Activation(net, name="relu1", act_type="relu")
    net = mx.sym.FullyConnected(net, name="fc", num_hidden=10)
    with pytest.warns(RuntimeWarning, match="multiple variables with the same name") as record:
        digraph = viz.plot_network(net, shape={"data": (100, 200)},
                                   dtype={"data": np.float32})
    assert len(record) == 1 and "fc_weight" in str(record[0].message)
    assert 'fc -> data [label="200(float32)"' in digraph.source  # data: (100, 200)


def test_plot_network_rejects_non_symbol():
    pytest.importorskip("graphviz")
    with pytest.raises(TypeError, match="symbol must be a Symbol"):
        viz.plot_network("not a symbol")


def test_plot_network_without_graphviz(monkeypatch):
    """graphviz is an optional extra: a missing package gives an ImportError that says how to
    install it.  Runs whether or not graphviz is installed."""
    real_import = builtins.__import__

    def no_graphviz(name, *args, **kwargs):
        if name == "graphviz" or name.startswith("graphviz."):
            raise ImportError("No module named 'graphviz'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "graphviz", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_graphviz)
    with pytest.raises(ImportError, match=r"pip install graphviz") as info:
        viz.plot_network(_mlp())
    assert "symjax_mx[viz]" in str(info.value)
    # print_summary does not need graphviz.
    assert "Total params: 109386" in _summary(_mlp(), shape={"data": (100, 784)})

"""symbol.graph: Graph and Node built without a Symbol, their derived views, the
structural key the compile cache uses, and lowering straight from a Graph."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.lowering.graph import LoweredGraph
from symjax_mx.lowering.programs import programs_for
from symjax_mx.ops import get_op
from symjax_mx.symbol.graph import Graph, Node


def fc_bn(prefix="fc", num_hidden=4):
    x = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=num_hidden, name=prefix)
    return mx.sym.BatchNorm(x, name=f"{prefix}_bn")


def with_op_names(symbol, prefix):
    """``symbol``'s graph rebuilt with every operator node renamed (variables kept)."""
    copied = {}
    for node in symbol.graph.nodes:
        copied[id(node)] = node if node.is_variable else Node(
            node.op, prefix + node.name, dict(node.attrs), node.params,
            [(copied[id(n)], i) for n, i in node.inputs])
    return mx.sym.Symbol(Graph([(copied[id(n)], i) for n, i in symbol.graph.heads]))


def test_graph_from_nodes_without_a_symbol():
    x, w = Node(None, "x"), Node(None, "w")
    prod = Node(get_op("elemwise_mul"), "prod", inputs=[(x, 0), (w, 0)])
    out = Node(get_op("relu"), "out", inputs=[(prod, 0)])
    graph = Graph([(out, 0), (prod, 0)])
    assert graph.nodes == (x, w, prod, out)
    assert graph.arg_nodes == [x, w] and graph.aux_nodes == []
    assert graph.output_names() == ["out_output", "prod_output"]
    lowered = LoweredGraph(graph, {})
    outputs, _ = lowered({"x": jnp.array([-1.0, 2.0]), "w": jnp.array([3.0, 3.0])}, {}, None,
                         False)
    np.testing.assert_allclose(outputs[0], [0.0, 6.0])
    np.testing.assert_allclose(outputs[1], [-3.0, 6.0])
    assert mx.sym.Symbol(graph).list_arguments() == ["x", "w"]


def test_symbol_views_come_from_its_graph():
    net = fc_bn()
    graph = net.graph
    assert [n.name for n in graph.arg_nodes] == net.list_arguments()
    assert [n.name for n in graph.aux_nodes] == net.list_auxiliary_states() == [
        "fc_bn_moving_mean", "fc_bn_moving_var"]
    assert graph.output_names() == net.list_outputs()
    assert [n.name for n in graph.nodes if n.is_variable] == net.list_inputs()


def test_bad_heads_are_refused_and_same_named_variables_are_not_lowered():
    with pytest.raises(mx.MXNetError, match=r"\(Node, output index\)"):
        Graph([Node(None, "x")])
    first, second = Node(None, "x"), Node(None, "x")
    added = Node(get_op("elemwise_add"), "s", inputs=[(first, 0), (second, 0)])
    assert added.variables == {"x": first}
    assert Graph([(added, 0)]).repeated_variable_names() == ["x"]
    with pytest.raises(mx.MXNetError, match=r"cannot bind: different variables share"):
        LoweredGraph(Graph([(added, 0)]), {})
    with pytest.raises(TypeError, match="wraps a Graph"):
        mx.sym.Symbol([])


def test_structural_key_ignores_node_names_and_attributes_only():
    a, b = fc_bn("a"), fc_bn("b")
    assert a.graph.structural_key() != b.graph.structural_key()  # variable names differ
    renamed = with_op_names(fc_bn("a"), "copy_")
    assert renamed.list_arguments() == a.list_arguments()
    assert renamed.list_outputs() == ["copy_a_bn_output"]
    assert renamed.graph.structural_key() == a.graph.structural_key()
    hash(a.graph.structural_key())
    assert fc_bn("a", 5).graph.structural_key() != a.graph.structural_key()
    with mx.AttrScope(ctx_group="dev1"):
        attributed = fc_bn("a")
    assert attributed.graph.structural_key() == a.graph.structural_key()


def test_binds_of_equal_graphs_share_programs_without_serialising(monkeypatch):
    def no_json(self):
        raise AssertionError("bind must not serialise the graph")
    monkeypatch.setattr(mx.sym.Symbol, "tojson", no_json)
    first = fc_bn("a").simple_bind(mx.cpu(), data=(2, 3))
    second = with_op_names(fc_bn("a"), "copy_").simple_bind(mx.cpu(), data=(2, 3))
    assert first.programs is second.programs
    assert fc_bn("a").simple_bind(mx.cpu(), data=(5, 3)).programs is not first.programs


def test_programs_for_a_graph_train_and_step():
    net = mx.sym.LinearRegressionOutput(
        mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=1, name="fc"), name="out")
    shapes = {"data": (4, 2), "fc_weight": (1, 2), "fc_bias": (1,), "out_label": (4, 1)}
    from symjax_mx.symbol.inference import solve
    programs = programs_for(net.graph, solve(net.graph, "shape", shapes)[1], shapes,
                            ("fc_bias", "fc_weight"))
    rest = {"data": jnp.ones((4, 2)), "out_label": jnp.zeros((4, 1))}
    params = {"fc_weight": jnp.ones((1, 2)), "fc_bias": jnp.zeros((1,))}
    outputs, _, grads = programs.train_with_grads(dict(params), rest, {}, None)
    np.testing.assert_allclose(outputs[0], np.full((4, 1), 2.0))
    np.testing.assert_allclose(grads["fc_weight"], [[8.0, 8.0]])  # sum of (2 - 0) * 1
    optimizer = mx.optimizer.SGD(learning_rate=0.1, rescale_grad=0.25)
    step = programs.fused_step(optimizer)
    assert programs.fused_step(optimizer) is step
    states = {n: optimizer.init_state(p) for n, p in params.items()}
    hyper = jnp.asarray(optimizer.step_inputs([0, 1]))
    _, _, new_params, _ = step(dict(params), rest, {}, states, hyper, None)
    np.testing.assert_allclose(new_params["fc_weight"], [[0.8, 0.8]])
    assert jax.tree_util.tree_structure(new_params) == jax.tree_util.tree_structure(params)

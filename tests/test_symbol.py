"""mx.sym: naming, attributes, composition, structure queries, inference and errors."""
import json
import pickle

import numpy as np
import pytest

import symjax_mx as mx


def mlp():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="out")


def test_automatic_names_count_per_operator():
    with mx.name.NameManager():
        x = mx.sym.var("x")
        a = mx.sym.FullyConnected(x, num_hidden=2)
        b = mx.sym.FullyConnected(a, num_hidden=2)
        c = mx.sym.Activation(b, act_type="tanh")
    assert (a.name, b.name, c.name) == ("fullyconnected0", "fullyconnected1", "activation0")
    assert c.list_arguments() == ["x", "fullyconnected0_weight", "fullyconnected0_bias",
                                  "fullyconnected1_weight", "fullyconnected1_bias"]
    with mx.name.Prefix("stage1_"):
        d = mx.sym.FullyConnected(x, num_hidden=2, name="fc")
    assert d.name == "stage1_fc" and d.list_arguments()[1] == "stage1_fc_weight"


def test_lists_outputs_internals_and_children():
    net = mlp()
    assert net.list_arguments() == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias",
                                    "out_label"]
    assert net.list_outputs() == ["out_output"] and net.list_auxiliary_states() == []
    internals = net.get_internals()
    assert internals.list_outputs() == ["data", "fc1_weight", "fc1_bias", "fc1_output",
                                        "relu1_output", "fc2_weight", "fc2_bias", "fc2_output",
                                        "out_label", "out_output"]
    fc1 = internals["fc1_output"]
    assert fc1.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    assert net.get_children().list_outputs() == ["fc2_output", "out_label"]
    assert mx.sym.var("v").get_children() is None


def test_multiple_outputs_group_and_indexing():
    parts = mx.sym.SliceChannel(mx.sym.var("x"), num_outputs=3, name="split")
    assert parts.list_outputs() == ["split_output0", "split_output1", "split_output2"]
    assert len(parts) == 3 and [p.list_outputs()[0] for p in parts][1] == "split_output1"
    assert parts[-1].list_outputs() == ["split_output2"]
    group = mx.sym.Group([parts[2], mlp()])
    assert group.list_outputs() == ["split_output2", "out_output"] and group.name is None
    with pytest.raises(mx.MXNetError, match="cannot find output 'nope'"):
        parts["nope"]
    with pytest.raises(IndexError):
        parts[3]
    # slices pick outputs as a group, other keys are MXNet's TypeError
    assert parts[1:].list_outputs() == ["split_output1", "split_output2"]
    assert parts[::2].list_outputs() == ["split_output0", "split_output2"]
    with pytest.raises(TypeError, match="only support integer index"):
        parts[(slice(0, 2), 1)]


def test_arithmetic_lowers_to_mxnet_operators():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    cases = {x + y: "elemwise_add", x - 2: "_minus_scalar", 1 - x: "_rminus_scalar",
             x * y: "elemwise_mul", x / 2: "_div_scalar", 2 / x: "_rdiv_scalar",
             x ** 2: "_power_scalar", 2 ** x: "_rpower_scalar", -x: "_mul_scalar",
             x == y: "_equal", x > 1: "_greater_scalar", abs(x): "abs"}
    for symbol, op in cases.items():
        nodes = json.loads(symbol.tojson())["nodes"]
        assert nodes[-1]["op"] == op
    assert json.loads((-x).tojson())["nodes"][-1]["attrs"] == {"scalar": "-1.0"}
    assert json.loads((x + 1).tojson())["nodes"][-1]["attrs"] == {"scalar": "1"}


def test_variable_and_scope_attributes():
    data = mx.sym.var("data", shape=(2, 3), lr_mult=2, wd_mult=0.5, dtype="float16",
                      __extra__="yes")
    assert data.list_attr() == {"__shape__": "(2, 3)", "__lr_mult__": "2", "lr_mult": "2",
                                "__wd_mult__": "0.5", "wd_mult": "0.5", "__dtype__": "2",
                                "__extra__": "yes"}
    with pytest.raises(ValueError, match="Attribute name=color is not supported"):
        mx.sym.var("z", color="red")
    with mx.AttrScope(ctx_group="dev1"):
        fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc1", attr={"__mood__": "happy"})
    assert fc.attr("__ctx_group__") == "dev1" and fc.attr("__mood__") == "happy"
    assert fc.list_attr()["ctx_group"] == "dev1"
    weight_attrs = fc.attr_dict()["fc1_weight"]  # auto-created inputs carry the node's attrs
    assert weight_attrs["num_hidden"] == "4" and weight_attrs["__ctx_group__"] == "dev1"
    bn = mx.sym.BatchNorm(data, name="bn")
    assert bn.attr_dict()["bn_moving_var"]["__init__"] == '["one", {}]'


def test_composition_replaces_variables_and_never_mutates():
    net = mx.sym.FullyConnected(mx.sym.var("data"), name="fc1", num_hidden=4)
    other = mx.sym.FullyConnected(mx.sym.var("data2"), name="net2", num_hidden=4)
    before = net.tojson()
    composed = net(data=other, name="compose")
    assert composed.list_arguments() == ["data2", "net2_weight", "net2_bias",
                                         "compose_fc1_weight", "compose_fc1_bias"]
    assert net.tojson() == before
    positional = net(other)
    assert positional.list_arguments() == ["data2", "net2_weight", "net2_bias", "fc1_weight",
                                           "fc1_bias"]
    with pytest.raises(mx.MXNetError, match=r"has no argument named 'nope'; its arguments are "
                                            r"\['data', 'fc1_weight', 'fc1_bias'\]"):
        net(nope=other)


def test_two_variables_with_one_name_compose_and_infer_but_do_not_bind():
    a, b = mx.sym.var("x"), mx.sym.var("x")
    assert (a + a).list_arguments() == ["x"]
    assert (a + b).list_arguments() == ["x", "x"]
    assert mx.sym.Group([a, b]).list_arguments() == ["x", "x"]
    # MXNet infers such a graph node by node and applies a named shape to every namesake
    net = mx.sym.FullyConnected(mx.sym.var("data"), name="fc", num_hidden=4)
    net = mx.sym.FullyConnected(net, name="fc", num_hidden=3)
    assert net.list_arguments() == ["data", "fc_weight", "fc_bias", "fc_weight", "fc_bias"]
    args, outs, _ = net.infer_shape(data=(2, 5))
    assert args == [(2, 5), (4, 5), (4,), (3, 4), (3,)] and outs == [(2, 3)]
    with pytest.raises(mx.MXNetError, match="fc_weight"):
        net.infer_shape(data=(2, 5), fc_weight=(4, 5))
    loaded = mx.sym.load_json(net.tojson())
    assert loaded.list_arguments() == net.list_arguments()
    assert loaded.infer_shape(data=(2, 5))[0] == args
    with pytest.raises(mx.MXNetError, match=r"share the names \['fc_weight', 'fc_bias'\]"):
        net.simple_bind(mx.cpu(), data=(2, 5))
    with pytest.raises(mx.MXNetError, match=r"share the names \['x'\]"):
        (a + b).bind(mx.cpu(), {"x": mx.nd.ones((2,))})


def test_infer_shape_forward_backward_and_partial():
    net = mlp()
    args, outs, aux = net.infer_shape(data=(5, 7))
    assert dict(zip(net.list_arguments(), args)) == {
        "data": (5, 7), "fc1_weight": (8, 7), "fc1_bias": (8,), "fc2_weight": (3, 8),
        "fc2_bias": (3,), "out_label": (5,)}
    assert outs == [(5, 3)] and aux == []
    assert net.infer_shape() == (None, None, None)
    partial = net.infer_shape_partial()
    assert partial[0][1] == () and partial[0][2] == (8,)  # the bias is known from num_hidden
    # data from the other direction: a labelled shape fixes the batch, weights the features
    x, y = mx.sym.var("x"), mx.sym.var("y")
    args, outs, _ = (x + y).infer_shape(y=(2, 4))
    assert args == [(2, 4), (2, 4)] and outs == [(2, 4)]
    bn = mx.sym.BatchNorm(mx.sym.var("d"), name="bn")
    assert bn.infer_shape(d=(2, 3, 4, 4))[2] == [(3,), (3,)]
    declared = mx.sym.FullyConnected(mx.sym.var("d", shape=(4, 6)), num_hidden=2)
    assert declared.infer_shape()[1] == [(4, 2)]


def test_inconsistent_shapes_name_the_node_input_and_shapes():
    net = mlp()
    with pytest.raises(mx.MXNetError, match=r"at node 'fc1' \(FullyConnected\): .*input weight "
                                            r"has shape \(8, 9\), but data of shape \(5, 7\) "
                                            r"needs \(8, 7\)"):
        net.infer_shape(data=(5, 7), fc1_weight=(8, 9))
    x, y = mx.sym.var("x"), mx.sym.var("y")
    with mx.name.NameManager():
        total = x + y
    with pytest.raises(mx.MXNetError, match=r"at node '_plus0' \(elemwise_add\): .*lhs is "
                                            r"\(2, 3\) and rhs is \(3, 2\)"):
        total.infer_shape(x=(2, 3), y=(3, 2))
    with pytest.raises(mx.MXNetError, match="no input named 'nope'"):
        net.infer_shape(nope=(1,))


def test_infer_type():
    net = mlp()
    args, outs, aux = net.infer_type(data="float64")
    assert args == [np.float64] * 6 and outs == [np.float64]
    assert net.infer_type() == (None, None, None)
    typed = mx.sym.var("x", dtype="float16") * 2
    assert typed.infer_type()[1] == [np.float16]


def test_inference_runs_a_rule_again_only_on_new_values(monkeypatch):
    # forward from the data, then back with the outputs known; the sweep confirming that
    # nothing changed reruns no rule
    from symjax_mx.symbol import inference
    runs = []
    step = inference._shape_step
    monkeypatch.setattr(inference, "_shape_step",
                        lambda node, *args: runs.append(node.name) or step(node, *args))
    net = mlp()
    args, outs, _ = net.infer_shape(data=(5, 7))
    assert outs == [(5, 3)] and args[1] == (8, 7)
    ops = [n.name for n in net.graph.nodes if n.op is not None]
    assert sorted(runs) == sorted(ops * 2)
    # a rule still learns from what its neighbours found after it ran (backward inference)
    runs.clear()
    x = mx.sym.var("x")
    y = mx.sym.elemwise_add(mx.sym.relu(x), mx.sym.var("z"))
    assert y.infer_shape(z=(2, 3)) == ([(2, 3), (2, 3)], [(2, 3)], [])


def test_json_round_trip_and_pickle():
    net = mlp()
    again = mx.sym.load_json(net.tojson())
    assert again.tojson() == net.tojson()
    assert pickle.loads(pickle.dumps(net)).list_arguments() == net.list_arguments()


def test_save_and_load(tmp_path):
    net = mlp()
    net.save(str(tmp_path / "net-symbol.json"))
    assert mx.sym.load(str(tmp_path / "net-symbol.json")).list_outputs() == ["out_output"]
    net.save("memory://models/net-symbol.json")
    assert mx.sym.load("memory://models/net-symbol.json").list_arguments()[0] == "data"


@pytest.mark.parametrize("text, message", [
    ("{not json", "invalid symbol JSON"),
    ('{"nodes": [{"op": "null", "name": "x", "inputs": []}], "heads": [[0, 0, 0]]',
     "invalid symbol JSON"),
    ('{"nodes": [{"op": "NoSuchOp", "name": "n", "inputs": []}], "heads": [[0, 0, 0]]}',
     "unknown operator 'NoSuchOp'"),
    ('{"nodes": [{"op": "null", "name": "x", "inputs": []}], "heads": [[3, 0, 0]]}',
     "head 0 refers to node 3"),
    ('{"nodes": [{"op": "relu", "name": "r", "inputs": [[5, 0, 0]]}], "heads": [[0, 0, 0]]}',
     "input 0 of node 'r' refers to node 5"),
    ('[1, 2]', "expected an object with 'nodes' and 'heads'"),
])
def test_bad_json(text, message):
    with pytest.raises(mx.MXNetError, match=message):
        mx.sym.load_json(text)


def test_operator_errors_name_the_operator():
    x = mx.sym.var("x")
    with pytest.raises(mx.MXNetError, match="operator FullyConnected: required parameter "
                                            "num_hidden is missing"):
        mx.sym.FullyConnected(x)
    with pytest.raises(mx.MXNetError, match="act_type.*expected one of"):
        mx.sym.Activation(x, act_type="foo")
    with pytest.raises(mx.MXNetError, match="has no input named 'bogus'"):
        mx.sym.FullyConnected(x, num_hidden=2, bogus=x)


def test_reshape_and_astype_add_nodes():
    x = mx.sym.var("x")
    reshaped = x.reshape((0, -1))
    assert json.loads(reshaped.tojson())["nodes"][-1]["attrs"] == {"shape": "(0, -1)"}
    assert reshaped.infer_shape(x=(2, 3, 4))[1] == [(2, 12)]
    assert x.reshape(shape=(-1,), reverse=True).infer_shape(x=(2, 3))[1] == [(6,)]
    assert x.astype("float16").infer_type(x="float32")[1] == [np.float16]


def test_constant_symbols():
    attrs = json.loads(mx.sym.zeros((2, 3), name="z").tojson())["nodes"][0]["attrs"]
    assert attrs == {"dtype": "float32", "shape": "(2, 3)"}  # as MXNet 1.9.1 writes it
    np.testing.assert_array_equal(mx.sym.zeros((2, 3)).eval(mx.cpu())[0].asnumpy(),
                                  np.zeros((2, 3)))
    np.testing.assert_array_equal(mx.sym.ones((2,), dtype="int32").eval(mx.cpu())[0].asnumpy(),
                                  np.ones(2, np.int32))
    np.testing.assert_array_equal(mx.sym.full((2,), 3).eval(mx.cpu())[0].asnumpy(), [3, 3])
    assert mx.sym.ones((1, 2), name="o").list_outputs() == ["o_output"]


def test_variable_shape_may_be_an_int():
    v = mx.sym.var("b", shape=(3))  # MXNet's tests write shape=(1)
    assert v.attr("__shape__") == "(3,)"
    assert (v * 2).infer_shape()[1] == [(3,)]


def test_gen_atomic_symbol_keeps_the_operator_and_drops_the_inputs():
    rnn = mx.sym.RNN(mx.sym.var("data"), mx.sym.var("p"), mx.sym.var("h0"), mx.sym.var("h1"),
                     state_size=10, num_layers=2, bidirectional=True, state_outputs=True,
                     mode="lstm")
    atomic = rnn._gen_atomic_symbol()
    assert atomic.list_arguments() == []
    assert atomic.list_outputs() == ["output", "state_output", "statecell_output"]
    assert atomic[0].attr("state_size") == "10"


def test_arange_symbol():
    out = mx.sym.arange(1, 4, step=0.5, repeat=2).eval()[0]
    np.testing.assert_allclose(out.asnumpy(), np.repeat(np.arange(1, 4, 0.5), 2))
    assert mx.sym.arange(1.3, 6, 1.3, dtype="int32").eval()[0].asnumpy().tolist() == [1, 2, 3, 4]


def test_pooling_same_convention_takes_zero_pads_of_any_length():
    out = mx.nd.Pooling(mx.nd.ones((1, 1, 10)), kernel=2, stride=2, pad=(0, 0, 0),
                        pool_type="max", pooling_convention="same")
    assert out.shape == (1, 1, 5)


def test_grad_req_names_that_are_not_arguments_are_ignored():
    x = mx.sym.Variable("x")
    grad = mx.nd.zeros((2,))
    executor = (x * 2).bind(mx.cpu(), {"x": mx.nd.ones((2,))}, args_grad={"x": grad},
                            grad_req={"x": "write", "b": "write"})
    executor.forward(is_train=True)
    executor.backward(mx.nd.ones((2,)))
    assert grad.asnumpy().tolist() == [2, 2]


def test_debug_str_lists_the_graph_as_mxnet_does():
    """MXNet 1.9.1's text (read from it): outputs, then each node in order; variables
    read by an operator carry their version (1 for the auxiliary states it writes), and
    attributes are sorted."""
    x = mx.sym.var("x", lr_mult=2.0)
    fc = mx.sym.FullyConnected(mx.sym.Activation(x, act_type="relu", name="act"),
                               num_hidden=2, name="f")
    group = mx.sym.Group([fc, mx.sym.BatchNorm(x, name="bn")])
    assert group.debug_str() == (
        "Symbol Outputs:\n\toutput[0]=f(0)\n\toutput[1]=bn(0)\nVariable:x\n"
        "--------------------\nOp:Activation, Name=act\nInputs:\n\targ[0]=x(0) version=0\n"
        "Attrs:\n\tact_type=relu\nVariable:f_weight\nVariable:f_bias\n"
        "--------------------\nOp:FullyConnected, Name=f\nInputs:\n\targ[0]=act(0)\n"
        "\targ[1]=f_weight(0) version=0\n\targ[2]=f_bias(0) version=0\n"
        "Attrs:\n\tnum_hidden=2\nVariable:bn_gamma\nVariable:bn_beta\nVariable:bn_moving_mean\n"
        "Variable:bn_moving_var\n--------------------\nOp:BatchNorm, Name=bn\nInputs:\n"
        "\targ[0]=x(0) version=0\n\targ[1]=bn_gamma(0) version=0\n"
        "\targ[2]=bn_beta(0) version=0\n\targ[3]=bn_moving_mean(0) version=1\n"
        "\targ[4]=bn_moving_var(0) version=1\n")
    with mx.AttrScope(ctx_group="g"):
        conv = mx.sym.Convolution(x, kernel=(3, 3), num_filter=4, no_bias=True, name="c")
    assert conv.debug_str().endswith("Attrs:\n\t__ctx_group__=g\n\tkernel=(3, 3)\n"
                                     "\tno_bias=True\n\tnum_filter=4\n")
    assert x.debug_str() == "Variable:x\n"


def test_json_marks_the_auxiliary_states_an_operator_writes():
    """MXNet 1.9.1 writes version 1 for a BatchNorm's moving mean and variance entries:
    [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 1], [4, 0, 1]]."""
    import json
    out = mx.sym.BatchNorm(mx.sym.var("x"), name="bn")
    inputs = json.loads(out.tojson())["nodes"][-1]["inputs"]
    assert inputs == [[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 1], [4, 0, 1]]
    assert mx.sym.load_json(out.tojson()).list_auxiliary_states() == ["bn_moving_mean",
                                                                       "bn_moving_var"]


def test_saved_json_leaves_out_amp_casts_as_mxnet_does(tmp_path):
    """MXNet 1.9.1's tojson/save (remove_amp_cast=True) rewire readers of amp_cast and
    amp_multicast to their inputs; a cast that is a graph output stays (values read from
    MXNet 1.9.1, 2026-12-07)."""
    import json
    x, w = mx.sym.var("x"), mx.sym.var("w")
    half, weight = mx.sym.amp_multicast(mx.sym.amp_cast(x, dtype="float16"), w, num_outputs=2)
    fc = mx.sym.FullyConnected(half, weight, no_bias=True, num_hidden=3, name="fc")
    both = mx.sym.Group([fc, mx.sym.amp_cast(fc, dtype="float32", name="out32")])

    def nodes(text):
        graph = json.loads(text)
        return [(n["name"], n["op"], n["inputs"]) for n in graph["nodes"]], graph["heads"]

    assert nodes(both.tojson()) == (
        [("x", "null", []), ("w", "null", []), ("fc", "FullyConnected", [[0, 0, 0], [1, 0, 0]]),
         ("out32", "amp_cast", [[2, 0, 0]])], [[2, 0, 0], [3, 0, 0]])
    kept, _ = nodes(both.tojson(remove_amp_cast=False))
    assert [op for _, op, _ in kept].count("amp_cast") == 2 and "amp_multicast" in [
        op for _, op, _ in kept]
    both.save(str(tmp_path / "kept.json"), remove_amp_cast=False)
    assert nodes(open(tmp_path / "kept.json").read())[0] == kept


def test_dot_fills_a_partly_known_operand_from_the_other():
    """As MXNet's dot infers: the contracted size of a weight declared (0, 7) is the data's."""
    x, w = mx.sym.var("x"), mx.sym.var("w", shape=(0, 7))
    assert mx.sym.dot(x, w).infer_shape(x=(2, 5)) == ([(2, 5), (5, 7)], [(2, 7)], [])
    assert mx.sym.dot(w, x, transpose_a=True).infer_shape_partial(x=(0, 3))[1] == [(7, 3)]
    with pytest.raises(mx.MXNetError, match="contracting 5 with 3"):
        mx.sym.dot(x, mx.sym.var("v", shape=(3, 0))).infer_shape(x=(2, 5))

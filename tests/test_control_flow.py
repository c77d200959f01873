"""Control flow: mx.sym.contrib.foreach (a ``_foreach`` node with its body as a subgraph:
JSON, inference, executor, gradient, hybridized Gluon) and the imperative
mx.nd.contrib.foreach / while_loop / cond, against MXNet 1.9.1's golden files
(tests/golden/control_flow/make_control_flow.py)."""
import collections
import importlib.util
import json
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "control_flow")


def _maker():
    """The golden script (its ``build``, ``inputs`` and ``SHAPES``; it imports mxnet only
    in ``main``)."""
    spec = importlib.util.spec_from_file_location(
        "make_control_flow", os.path.join(GOLDEN, "make_control_flow.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fresh_names(monkeypatch):
    """Names counted from 0, as in the process that wrote the golden files."""
    monkeypatch.setattr(mx.AttrScope, "_subgraph_names", collections.defaultdict(int))
    with mx.name.NameManager():
        yield


@pytest.fixture(scope="module")
def golden():
    with open(os.path.join(GOLDEN, "foreach.expected.json")) as f:
        return json.load(f)


def _run(net, values):
    grads = {k: mx.nd.zeros(v.shape) for k, v in values.items()}
    executor = net.bind(mx.cpu(), values, args_grad=grads)
    outputs = executor.forward(is_train=True)
    executor.backward([mx.nd.ones(o.shape) for o in outputs])
    return [o.asnumpy() for o in outputs], {k: v.asnumpy() for k, v in grads.items()}


def _check_against_golden(net, golden):
    maker = _maker()
    values = {k: mx.nd.array(v) for k, v in maker.inputs().items()}
    outputs, grads = _run(net, values)
    for got, want in zip(outputs, golden["forward"]):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for name, want in golden["gradients"].items():
        np.testing.assert_allclose(grads[name], want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_foreach_symbol_writes_mxnets_json(fresh_names):
    net = _maker().build(mx.sym)
    with open(os.path.join(GOLDEN, "foreach-symbol.json")) as f:
        assert json.loads(net.tojson()) == json.loads(f.read())


def test_foreach_symbol_names_shapes_and_values_match_mxnet(golden, fresh_names):
    maker = _maker()
    net = maker.build(mx.sym)
    assert net.list_arguments() == golden["arguments"]
    assert net.list_outputs() == golden["outputs"]
    shapes = maker.SHAPES
    arg_shapes, out_shapes, _ = net.infer_shape(x=shapes["x"], h0=shapes["h0"], c0=shapes["c0"])
    assert [list(s) for s in arg_shapes] == golden["arg_shapes"]
    assert [list(s) for s in out_shapes] == golden["out_shapes"]
    _check_against_golden(net, golden)


def test_foreach_loaded_from_mxnet_json_runs(golden):
    net = mx.sym.load(os.path.join(GOLDEN, "foreach-symbol.json"))
    assert net.list_arguments() == golden["arguments"]
    _check_against_golden(net, golden)
    again = mx.sym.load_json(net.tojson())
    assert again.tojson() == net.tojson()


def test_foreach_gradient_matches_the_imperative_loop():
    rng = np.random.RandomState(1)
    x, w, h0 = (rng.uniform(-1, 1, s).astype("float32") for s in ((5, 3, 4), (2, 4), (3, 2)))

    def body(F, weight):
        def step(data, states):
            out = F.tanh(F.dot(data, weight, transpose_b=True) + states)
            return out * 3, out
        return step

    net = mx.sym.Group(mx.sym.contrib.foreach(body(mx.sym, mx.sym.var("w")), mx.sym.var("x"),
                                              mx.sym.var("h0")))
    outputs, grads = _run(net, {"x": mx.nd.array(x), "w": mx.nd.array(w),
                                "h0": mx.nd.array(h0)})
    arrays = {"x": mx.nd.array(x), "w": mx.nd.array(w), "h0": mx.nd.array(h0)}
    for a in arrays.values():
        a.attach_grad()
    with mx.autograd.record():
        out, state = mx.nd.contrib.foreach(body(mx.nd, arrays["w"]), arrays["x"], arrays["h0"])
        total = out.sum() + state.sum()
    total.backward()
    np.testing.assert_allclose(outputs[0], out.asnumpy(), rtol=1e-5)
    np.testing.assert_allclose(outputs[1], state.asnumpy(), rtol=1e-5)
    for name, array in arrays.items():
        np.testing.assert_allclose(grads[name], array.grad.asnumpy(), rtol=1e-4, atol=1e-6)


def test_foreach_infers_a_state_shape_from_the_body():
    x, h = mx.sym.var("x"), mx.sym.var("h")
    out, state = mx.sym.contrib.foreach(
        lambda d, s: (d, mx.sym.FullyConnected(d, num_hidden=6, name="fc") + s), x, h)
    arg_shapes, out_shapes, _ = mx.sym.Group([out, state]).infer_shape(x=(7, 2, 3))
    assert dict(zip(mx.sym.Group([out, state]).list_arguments(), arg_shapes)) == {
        "x": (7, 2, 3), "h": (2, 6), "fc_weight": (6, 3), "fc_bias": (6,)}
    assert out_shapes == [(7, 2, 3), (2, 6)]


def test_foreach_body_errors_are_mxnets_assertions():
    x, h = mx.sym.var("x"), mx.sym.var("h")
    with pytest.raises(AssertionError, match="data arrays have to be used"):
        mx.sym.contrib.foreach(lambda d, s: (s * 2, s + 1), x, h)
    with pytest.raises(AssertionError, match="different format"):
        mx.sym.contrib.foreach(lambda d, s: (d, [s, s]), x, [h])
    with pytest.raises(AssertionError, match="list of Symbol"):
        mx.sym.contrib.foreach(lambda d, s: (d, s), x, 3)


def test_json_with_a_missing_subgraph_is_refused():
    net = mx.sym.contrib.foreach(lambda d, s: (d + s, s), mx.sym.var("x"), mx.sym.var("h"))[0]
    graph = json.loads(net.tojson())
    for record in graph["nodes"]:
        record.pop("subgraphs", None)
    with pytest.raises(MXNetError, match="0 subgraphs"):
        mx.sym.load_json(json.dumps(graph))


def test_dropout_in_a_foreach_body_draws_a_mask_per_step():
    out, _ = mx.sym.contrib.foreach(lambda d, s: (mx.sym.Dropout(d, p=0.5), s),
                                    mx.sym.var("x"), mx.sym.var("h"))
    executor = out.bind(mx.cpu(), {"x": mx.nd.ones((6, 64)), "h": mx.nd.zeros((1,))})
    masks = executor.forward(is_train=True)[0].asnumpy()
    assert set(np.unique(masks)) == {0.0, 2.0}
    assert len({row.tobytes() for row in masks}) == 6
    np.testing.assert_array_equal(executor.forward(is_train=False)[0].asnumpy(), 1.0)


class _Recurrent(mx.gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = mx.gluon.rnn.GRUCell(4)

    def hybrid_forward(self, F, x, h):
        return F.contrib.foreach(lambda d, s: self.cell(d, s), x, [h])


def test_hybridized_block_with_foreach_matches_the_imperative_one():
    x, h = mx.nd.random.uniform(shape=(5, 2, 3)), mx.nd.zeros((2, 4))
    block = _Recurrent()
    block.initialize()
    with mx.autograd.record():
        out, states = block(x, h)
    out.backward()
    want = out.asnumpy(), {k: p.grad().asnumpy() for k, p in block.collect_params().items()}
    block.hybridize()
    with mx.autograd.record():
        out, states = block(x, h)
    out.backward()
    np.testing.assert_allclose(out.asnumpy(), want[0], rtol=1e-5, atol=1e-6)
    for name, param in block.collect_params().items():
        np.testing.assert_allclose(param.grad().asnumpy(), want[1][name], rtol=1e-4,
                                   atol=1e-6)


def test_imperative_foreach_while_loop_and_cond_match_mxnet():
    x = mx.nd.array(np.arange(12).reshape(4, 3))
    out, states = mx.nd.contrib.foreach(lambda d, s: ([d * 2, d + s[0]], [s[0] + d]), x,
                                        [mx.nd.ones(3)])
    assert out[1].asnumpy().tolist() == [[1, 2, 3], [4, 6, 8], [10, 13, 16], [19, 23, 27]]
    assert states[0].asnumpy().tolist() == [19, 23, 27]
    outs, loop_vars = mx.nd.contrib.while_loop(
        lambda i, s: i <= 5, lambda i, s: ([i + s], [i + 1, s + i]),
        [mx.nd.array([0]), mx.nd.array([1])], max_iterations=10)
    assert outs[0].shape == (10, 1)
    assert outs[0].asnumpy()[:6].ravel().tolist() == [1, 2, 4, 7, 11, 16]
    assert [v.asscalar() for v in loop_vars] == [6, 16]
    outs, var = mx.nd.contrib.while_loop(lambda i: i < 3, lambda i: (None, i + 1),
                                         mx.nd.array([0]), max_iterations=10)
    assert outs == [] and var.asscalar() == 3
    with pytest.raises(ValueError, match="max_iterations"):
        mx.nd.contrib.while_loop(lambda i: i < 3, lambda i: (None, i + 1), mx.nd.array([0]))
    picked = mx.nd.contrib.cond(mx.nd.array([0]), lambda: mx.nd.array([42]),
                                lambda: mx.nd.array([7]))
    assert picked.asscalar() == 7


def _loop_inputs(**changes):
    values = {k: mx.nd.array(v) for k, v in _maker().LOOP_INPUTS.items()}
    values.update({k: mx.nd.array(v) for k, v in changes.items()})
    return values


def _check_pass(net, values, expected, rows=None):
    outputs, grads = _run(net, values)
    for got, want in zip(outputs, expected["forward"]):
        got = got[:rows] if rows and got.shape[0] == 5 else got
        np.testing.assert_allclose(got, want, rtol=1e-6)
    for name, want in expected["gradients"].items():
        np.testing.assert_allclose(grads[name], want, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("name", ["while_loop", "cond"])
def test_while_loop_and_cond_write_mxnets_json(name, fresh_names):
    net = getattr(_maker(), f"build_{name}")(mx.sym)
    with open(os.path.join(GOLDEN, f"{name}-symbol.json")) as f:
        assert json.loads(net.tojson()) == json.loads(f.read())


def test_while_loop_matches_mxnet():
    with open(os.path.join(GOLDEN, "while_loop.expected.json")) as f:
        expected = json.load(f)
    for net in (_maker().build_while_loop(mx.sym),
                mx.sym.load(os.path.join(GOLDEN, "while_loop-symbol.json"))):
        assert len(net.list_outputs()) == len(expected["outputs"])
        _check_pass(net, _loop_inputs(), expected, rows=3)
        # rows past the last step are undefined in MXNet; here they are zeros
        assert not net.bind(mx.cpu(), _loop_inputs()).forward()[0].asnumpy()[3:].any()
    arg_shapes, out_shapes, _ = net.infer_shape(i=(1,), s=(2,), w=(2,))
    assert out_shapes == [(5, 2), (5, 2), (1,), (2,)]


def test_cond_runs_the_branch_its_predicate_picks():
    with open(os.path.join(GOLDEN, "cond.expected.json")) as f:
        expected = json.load(f)
    for net in (_maker().build_cond(mx.sym), mx.sym.load(os.path.join(GOLDEN,
                                                                     "cond-symbol.json"))):
        for flag in (0, 1):
            _check_pass(net, _loop_inputs(i=[flag]), expected[str(flag)])


def test_while_loop_and_cond_errors():
    i = mx.sym.var("i")
    with pytest.raises(ValueError, match="max_iterations"):
        mx.sym.contrib.while_loop(lambda i: i < 3, lambda i: (None, i + 1), [i])
    with pytest.raises(ValueError, match="Return of cond must be a Symbol"):
        mx.sym.contrib.while_loop(lambda i: True, lambda i: (None, i + 1), [i],
                                  max_iterations=3)
    with pytest.raises(ValueError, match="2-th loop_var doesn.t involve"):
        mx.sym.contrib.while_loop(lambda i, j: i < 3, lambda i, j: (None, [i + 1, i]),
                                  [i, mx.sym.var("j")], max_iterations=3)
    with pytest.raises(ValueError, match="Number of outputs differs"):
        mx.sym.contrib.cond(i > 0, lambda: [i, i * 2], lambda: [i])

"""Golden files for tests/test_control_flow.py, written by real MXNet 1.9.1.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/control_flow/make_control_flow.py

Writes ``foreach-symbol.json``, a graph with one ``_foreach`` node (a dense layer whose
weight comes from outside the body, an outer result read inside it, an output that is
also a state, a state passed through), and ``foreach.expected.json``: its arguments,
outputs, inferred shapes, the outputs of one training pass on the inputs ``inputs()``
makes, and the gradients of the sum of all outputs. The gradients come from MXNet's
imperative foreach under autograd: MXNet 1.9.1's symbolic ``_foreach`` gets the gradient
of an outer result read inside the body wrong (``pre_bias``: 4.66 where central finite
differences of its own forward give 14.78, as its imperative foreach does); the other
gradients agree to 1e-6.

``while_loop-symbol.json`` / ``cond-symbol.json`` and their ``.expected.json`` do the same
for ``build_while_loop`` (a loop of at most 5 steps that stops after 3; rows past the
last step are undefined in MXNet, so only the first 3 are recorded) and ``build_cond``
(run with the predicate false, then true); their gradients are MXNet's symbolic ones.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {"x": (4, 2, 3), "h0": (2, 5), "w": (5, 3), "pre_weight": (5, 3), "pre_bias": (5,),
          "c0": (2, 5)}


def inputs():
    rng = np.random.RandomState(0)
    return {name: rng.uniform(-1, 1, shape).astype("float32")
            for name, shape in sorted(SHAPES.items())}


def loop(F, x, h0, c0, w, pre_weight, pre_bias):
    """The outputs and states of the loop, in ``F`` (mx.sym or mx.nd)."""
    outer = F.FullyConnected(x, pre_weight, pre_bias, num_hidden=5, name="pre", flatten=False)

    def body(data, states):
        hidden = F.FullyConnected(data, weight=w, num_hidden=5, no_bias=True, name="fc")
        hidden = F.tanh(hidden + states[0])
        hidden = F.broadcast_add(hidden, F.mean(outer, axis=(0, 1)))
        return [hidden, data * 2], [hidden, states[1]]
    outputs, states = F.contrib.foreach(body, x, [h0, c0])
    return outputs + states


def build(sym):
    names = ("x", "h0", "c0", "w", "pre_weight", "pre_bias")
    return sym.Group(loop(sym, *(sym.var(name) for name in names)))


LOOP_INPUTS = {"i": [0.0], "s": [1.0, 2.0], "w": [0.5, 3.0]}


def build_while_loop(sym):
    i, s, w = sym.var("i"), sym.var("s"), sym.var("w")
    outputs, loop_vars = sym.contrib.while_loop(
        lambda i, s: i < 3,
        lambda i, s: ([sym.broadcast_add(i, s * w), s * 2], [i + 1, s + sym.broadcast_mul(i, w)]),
        [i, s], max_iterations=5)
    return sym.Group(outputs + loop_vars)


def build_cond(sym):
    i, s, w = sym.var("i"), sym.var("s"), sym.var("w")
    return sym.Group(sym.contrib.cond(sym.sum(i) > 0, lambda: [i * 2, s + w],
                                      lambda: [i - 1, s * w]))


def _symbolic_pass(mx, net, values, rows=None):
    grads = {k: mx.nd.zeros(v.shape) for k, v in values.items()}
    executor = net.bind(mx.cpu(), values, args_grad=grads)
    outputs = executor.forward(is_train=True)
    executor.backward([mx.nd.ones(o.shape) for o in outputs])
    return {"forward": [o.asnumpy()[:rows].tolist() if rows and o.shape[0] == 5
                        else o.asnumpy().tolist() for o in outputs],
            "gradients": {k: v.asnumpy().tolist() for k, v in grads.items()}}


def main():
    import mxnet as mx  # only here: the tests import build and inputs from this file
    net = build(mx.sym)
    with open(os.path.join(HERE, "foreach-symbol.json"), "w") as f:
        f.write(net.tojson())
    values = {k: mx.nd.array(v) for k, v in inputs().items()}
    outputs = net.bind(mx.cpu(), values).forward(is_train=True)
    for value in values.values():
        value.attach_grad()
    with mx.autograd.record():
        total = sum(o.sum() for o in loop(mx.nd, **values))
    total.backward()
    arg_shapes, out_shapes, _ = net.infer_shape(x=SHAPES["x"], h0=SHAPES["h0"],
                                                c0=SHAPES["c0"])
    expected = {
        "arguments": net.list_arguments(), "outputs": net.list_outputs(),
        "arg_shapes": arg_shapes, "out_shapes": out_shapes,
        "forward": [o.asnumpy().tolist() for o in outputs],
        "gradients": {k: v.grad.asnumpy().tolist() for k, v in values.items()},
    }
    with open(os.path.join(HERE, "foreach.expected.json"), "w") as f:
        json.dump(expected, f)
    loop_values = {k: mx.nd.array(v) for k, v in LOOP_INPUTS.items()}
    for name, make in (("while_loop", build_while_loop), ("cond", build_cond)):
        with mx.name.NameManager():  # node names counted from 0, as in a fresh process
            net = make(mx.sym)
        with open(os.path.join(HERE, f"{name}-symbol.json"), "w") as f:
            f.write(net.tojson())
        if name == "while_loop":
            expected = _symbolic_pass(mx, net, loop_values, rows=3)
        else:
            expected = {str(flag): _symbolic_pass(mx, net, dict(loop_values,
                                                               i=mx.nd.array([flag])))
                        for flag in (0, 1)}
        expected["outputs"] = net.list_outputs()
        with open(os.path.join(HERE, f"{name}.expected.json"), "w") as f:
            json.dump(expected, f)


if __name__ == "__main__":
    main()

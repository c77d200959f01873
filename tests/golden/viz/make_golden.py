"""Golden output of MXNet 1.9.1's ``mx.viz`` for tests/test_viz.py.

Regenerate (needs a Python with mxnet 1.9.1 and the ``graphviz`` Python package; symjax_mx
itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/viz/make_golden.py

The network builders below take the ``mx`` module as an argument, so the test builds exactly
the same graphs with symjax_mx (importing this file does not import mxnet).  For each case in
``CASES`` this writes:

* ``<case>.summary.txt``         -- stdout of ``mx.viz.print_summary(net, shape=...)``
* ``<case>.summary_noshape.txt`` -- stdout of ``mx.viz.print_summary(net)``
* ``mlp.summary_<variant>.txt``  -- the MLP printed with the other widths in ``SUMMARY_VARIANTS``
* ``<case>.plot.json``           -- every ``Digraph(...)``, ``dot.node(...)`` and ``dot.edge(...)``
  call ``mx.viz.plot_network`` made (recorded by wrapping graphviz), for each variant in
  ``PLOT_VARIANTS``.  The graphviz package of the reference venv (0.8.x) formats ``.source``
  differently from current releases, so the test replays these calls into the installed graphviz
  and compares the resulting ``.source`` with ours, instead of comparing text across versions.
* ``<case>.dot``                 -- MXNet's raw ``dot.source`` (default variant), for reading.
* ``<case>.symbol.json``         -- MXNet's ``net.tojson()``, for reading.
"""
import contextlib
import io
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def build_mlp(mx):
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    net = mx.sym.Activation(data=net, name="relu1", act_type="relu")
    net = mx.sym.FullyConnected(data=net, name="fc2", num_hidden=64)
    net = mx.sym.Activation(data=net, name="relu2", act_type="relu")
    net = mx.sym.FullyConnected(data=net, name="fc3", num_hidden=10)
    return mx.sym.SoftmaxOutput(data=net, name="softmax")


def build_lenet(mx):
    data = mx.sym.var("data")
    net = mx.sym.Convolution(data=data, name="conv1", kernel=(5, 5), num_filter=20)
    net = mx.sym.Activation(data=net, name="tanh1", act_type="tanh")
    net = mx.sym.Pooling(data=net, name="pool1", pool_type="max", kernel=(2, 2), stride=(2, 2))
    net = mx.sym.Convolution(data=net, name="conv2", kernel=(5, 5), num_filter=50)
    net = mx.sym.Activation(data=net, name="tanh2", act_type="tanh")
    net = mx.sym.Pooling(data=net, name="pool2", pool_type="max", kernel=(2, 2), stride=(2, 2))
    net = mx.sym.Flatten(data=net, name="flatten")
    net = mx.sym.FullyConnected(data=net, name="fc1", num_hidden=500)
    net = mx.sym.Activation(data=net, name="tanh3", act_type="tanh")
    net = mx.sym.FullyConnected(data=net, name="fc2", num_hidden=10)
    return mx.sym.SoftmaxOutput(data=net, name="softmax")


def build_branchy(mx):
    """BatchNorm, grouped/strided/no-bias convolution, LeakyReLU, global pooling, Concat (two
    previous layers), a no-bias FullyConnected."""
    data = mx.sym.var("data")
    a = mx.sym.Convolution(data=data, name="conv_a", kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                           num_filter=8, no_bias=True)
    a = mx.sym.BatchNorm(data=a, name="bn_a")
    a = mx.sym.LeakyReLU(data=a, name="lrelu_a", act_type="leaky", slope=0.1)
    b = mx.sym.Convolution(data=data, name="conv_b", kernel=(1, 1), stride=(2, 2),
                           num_filter=4, num_group=2)
    b = mx.sym.Activation(data=b, name="relu_b", act_type="relu")
    net = mx.sym.Concat(a, b, dim=1, name="concat")
    net = mx.sym.Pooling(data=net, name="gpool", pool_type="avg", kernel=(1, 1), global_pool=True)
    net = mx.sym.Flatten(data=net, name="flatten")
    net = mx.sym.FullyConnected(data=net, name="fc", num_hidden=5, no_bias=True)
    return mx.sym.SoftmaxOutput(data=net, name="softmax")


CASES = {
    "mlp": (build_mlp, {"data": (100, 784)}),
    "lenet": (build_lenet, {"data": (64, 1, 28, 28)}),
    "branchy": (build_branchy, {"data": (2, 4, 16, 16)}),
}

# name -> extra keyword arguments of print_summary, printed for the MLP (with its shape):
# narrow fractional columns that truncate the text, and absolute column positions.
SUMMARY_VARIANTS = {
    "narrow": {"line_length": 50, "positions": [.3, .55, .7, 1.]},
    "absolute": {"line_length": 90, "positions": [30, 50, 62, 90]},
}

# name -> keyword arguments of plot_network besides the symbol (``shape`` True means the
# case's input shape); ``dtype`` is given as dtype names.
PLOT_VARIANTS = {
    "default": {},
    "shape": {"shape": True},
    "shape_dtype_weights": {"shape": True, "dtype": {"data": "float32"}, "hide_weights": False,
                            "title": "net", "save_format": "png",
                            "node_attrs": {"shape": "oval", "fixedsize": "false"}},
}


def plot_kwargs(variant, case_shape, np):
    kw = dict(PLOT_VARIANTS[variant])
    if kw.pop("shape", False):
        kw["shape"] = case_shape
    if "dtype" in kw:
        kw["dtype"] = {k: np.dtype(v).type for k, v in kw["dtype"].items()}
    return kw


def capture_summary(viz, net, **kw):
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        viz.print_summary(net, **kw)
    return buf.getvalue()


def record_plot(viz, net, **kw):
    """Call ``viz.plot_network`` with graphviz's Digraph wrapped to record every call."""
    import graphviz
    calls = []
    orig_init, orig_node, orig_edge = (graphviz.Digraph.__init__, graphviz.Digraph.node,
                                       graphviz.Digraph.edge)

    def init(self, *a, **k):
        calls.append(["Digraph", list(a), k])
        orig_init(self, *a, **k)

    def node(self, *a, **k):
        calls.append(["node", list(a), k])
        orig_node(self, *a, **k)

    def edge(self, *a, **k):
        calls.append(["edge", list(a), k])
        orig_edge(self, *a, **k)

    graphviz.Digraph.__init__, graphviz.Digraph.node, graphviz.Digraph.edge = init, node, edge
    try:
        dot = viz.plot_network(net, **kw)
    finally:
        graphviz.Digraph.__init__, graphviz.Digraph.node, graphviz.Digraph.edge = (
            orig_init, orig_node, orig_edge)
    return dot, calls


def main():
    import mxnet as mx
    import numpy as np

    for case, (build, shape) in CASES.items():
        net = build(mx)
        with open(os.path.join(HERE, case + ".symbol.json"), "w") as f:
            f.write(net.tojson())
        with open(os.path.join(HERE, case + ".summary.txt"), "w") as f:
            f.write(capture_summary(mx.viz, net, shape=shape))
        with open(os.path.join(HERE, case + ".summary_noshape.txt"), "w") as f:
            f.write(capture_summary(mx.viz, net))
        if case == "mlp":
            for variant, kw in SUMMARY_VARIANTS.items():
                with open(os.path.join(HERE, "mlp.summary_%s.txt" % variant), "w") as f:
                    f.write(capture_summary(mx.viz, net, shape=shape, **kw))
        plots = {}
        for variant in PLOT_VARIANTS:
            dot, calls = record_plot(mx.viz, net, **plot_kwargs(variant, shape, np))
            plots[variant] = calls
            if variant == "default":
                with open(os.path.join(HERE, case + ".dot"), "w") as f:
                    f.write(dot.source)
        with open(os.path.join(HERE, case + ".plot.json"), "w") as f:
            json.dump(plots, f, indent=1, sort_keys=True)
            f.write("\n")
        print("wrote", case)


if __name__ == "__main__":
    main()

"""Writes exported_symbols.json.gz: the symbol files MXNet 1.9.1's Gluon export writes for
resnet18_v1 (BatchNorm's auxiliary states, residual additions) and alexnet (Dropout, max
pooling), hybridized and called once; and the graphs of Gluon's LSTM, GRU and RNN cells
unrolled two steps on a Symbol (names counted from a fresh NameManager), and the same of
the legacy mx.rnn cells (``rnn.LSTMCell`` ...; a stack with dropout, a bidirectional pair).
Run with real MXNet: /tmp/mxref/bin/python make_export_golden.py

The cell builders take the ``mx`` module as an argument, so tests/test_gluon_model_zoo.py
builds the same graphs with symjax_mx (importing this file does not import mxnet)."""
import gzip
import json
import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {"resnet18_v1": 32, "alexnet": 224}
GLUON_CELLS = ("LSTMCell", "GRUCell", "RNNCell")
LEGACY_CELLS = ("rnn.LSTMCell", "rnn.GRUCell", "rnn.RNNCell", "rnn.stack", "rnn.bidirectional")


def cell(mx, kind):
    """The recurrent cell (or stack of cells) named ``kind``: a Gluon cell of
    ``GLUON_CELLS`` or a legacy mx.rnn one of ``LEGACY_CELLS``."""
    if kind in GLUON_CELLS:
        return getattr(mx.gluon.rnn, kind)(8, prefix=kind.lower() + "_")
    rnn = mx.rnn
    if kind == "rnn.stack":
        stack = rnn.SequentialRNNCell()
        stack.add(rnn.LSTMCell(3, prefix="l0_"))
        stack.add(rnn.DropoutCell(0.5, prefix="d_"))
        stack.add(rnn.LSTMCell(3, prefix="l1_"))
        return stack
    if kind == "rnn.bidirectional":
        return rnn.BidirectionalCell(rnn.GRUCell(3, prefix="f_"), rnn.GRUCell(3, prefix="b_"))
    name = kind.split(".")[1]
    return getattr(rnn, name)(4, prefix=name.lower() + "_")


def _flat(states):
    """The state symbols of nested lists, in order."""
    if isinstance(states, (list, tuple)):
        return [s for part in states for s in _flat(part)]
    return [states]


def unrolled_graph(mx, kind):
    """The JSON graph (parsed) of ``cell(mx, kind)`` unrolled two steps on a Symbol: its
    merged outputs, then its states; names counted from a fresh NameManager."""
    with mx.name.NameManager():
        outputs, states = cell(mx, kind).unroll(2, inputs=mx.sym.var("data"),
                                                merge_outputs=True)
        return json.loads(mx.sym.Group([outputs] + _flat(states)).tojson())


def main():
    import mxnet as mx

    symbols = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, size in SIZES.items():
            net = mx.gluon.model_zoo.vision.get_model(name)
            net.initialize()
            net.hybridize()
            net(mx.nd.ones((1, 3, size, size)))
            net.export(os.path.join(tmp, name))
            with open(os.path.join(tmp, f"{name}-symbol.json")) as f:
                symbols[name] = json.load(f)
    for kind in GLUON_CELLS + LEGACY_CELLS:
        symbols[kind] = unrolled_graph(mx, kind)
    with gzip.open(os.path.join(HERE, "exported_symbols.json.gz"), "wt") as f:
        json.dump(symbols, f, sort_keys=True)


if __name__ == "__main__":
    main()

"""Writes exported_symbols.json.gz: the symbol files MXNet 1.9.1's Gluon export writes for
resnet18_v1 (BatchNorm's auxiliary states, residual additions) and alexnet (Dropout, max
pooling), hybridized and called once; and the graphs of Gluon's LSTM, GRU and RNN cells
unrolled two steps on a Symbol (names counted from a fresh NameManager), and the same of
the legacy mx.rnn cells (``rnn.LSTMCell`` ...; a stack with dropout, a bidirectional pair).
Run with real MXNet: /tmp/mxref/bin/python make_export_golden.py"""
import gzip
import json
import os
import tempfile

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {"resnet18_v1": 32, "alexnet": 224}

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
for kind in ("LSTMCell", "GRUCell", "RNNCell"):
    with mx.name.NameManager():
        cell = getattr(mx.gluon.rnn, kind)(8, prefix=kind.lower() + "_")
        outputs, states = cell.unroll(2, inputs=mx.sym.var("data"), merge_outputs=True)
        symbols[kind] = json.loads(mx.sym.Group([outputs] + states).tojson())


def flat(states):
    """The state symbols of nested lists, in order."""
    if isinstance(states, (list, tuple)):
        return [s for part in states for s in flat(part)]
    return [states]


def legacy_cell(kind):
    """A legacy mx.rnn cell (or stack of them) as the test builds it."""
    rnn = mx.rnn
    if kind == "rnn.stack":
        cell = rnn.SequentialRNNCell()
        cell.add(rnn.LSTMCell(3, prefix="l0_"))
        cell.add(rnn.DropoutCell(0.5, prefix="d_"))
        cell.add(rnn.LSTMCell(3, prefix="l1_"))
        return cell
    if kind == "rnn.bidirectional":
        return rnn.BidirectionalCell(rnn.GRUCell(3, prefix="f_"), rnn.GRUCell(3, prefix="b_"))
    name = kind.split(".")[1]
    return getattr(rnn, name)(4, prefix=name.lower() + "_")


for kind in ("rnn.LSTMCell", "rnn.GRUCell", "rnn.RNNCell", "rnn.stack", "rnn.bidirectional"):
    with mx.name.NameManager():
        outputs, states = legacy_cell(kind).unroll(2, inputs=mx.sym.var("data"),
                                                   merge_outputs=True)
        symbols[kind] = json.loads(mx.sym.Group([outputs] + flat(states)).tojson())
with gzip.open(os.path.join(HERE, "exported_symbols.json.gz"), "wt") as f:
    json.dump(symbols, f, sort_keys=True)

"""Writes exported_symbols.json.gz: the symbol files MXNet 1.9.1's Gluon export writes for
resnet18_v1 (BatchNorm's auxiliary states, residual additions) and alexnet (Dropout, max
pooling), hybridized and called once; and the graphs of Gluon's LSTM, GRU and RNN cells
unrolled two steps on a Symbol (names counted from a fresh NameManager). Run with real
MXNet: /tmp/mxref/bin/python make_export_golden.py"""
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
with gzip.open(os.path.join(HERE, "exported_symbols.json.gz"), "wt") as f:
    json.dump(symbols, f, sort_keys=True)

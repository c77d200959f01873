"""Writes the Gluon RNN golden files with real MXNet 1.9.1 (run with the oracle venv:
/tmp/mxref/bin/python make_golden.py): a 2-layer bidirectional LSTM exported by
HybridBlock.export (lstm-symbol.json, lstm-0000.params), the same layer's
save_parameters file (lstm.params), and its input, begin states and outputs (lstm_io.npz)."""
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

mx.random.seed(7)
np.random.seed(7)
net = mx.gluon.rnn.LSTM(4, num_layers=2, bidirectional=True, input_size=3, prefix="lstm_")
net.initialize(mx.init.Uniform(0.5))
net.hybridize()
x = mx.nd.array(np.random.uniform(-1, 1, (5, 2, 3)))
h0 = mx.nd.array(np.random.uniform(-1, 1, (4, 2, 4)))
c0 = mx.nd.array(np.random.uniform(-1, 1, (4, 2, 4)))
out, (hn, cn) = net(x, [h0, c0])
net.export(os.path.join(HERE, "lstm"), epoch=0)
net.save_parameters(os.path.join(HERE, "lstm.params"))
np.savez(os.path.join(HERE, "lstm_io.npz"), x=x.asnumpy(), h0=h0.asnumpy(), c0=c0.asnumpy(),
         out=out.asnumpy(), hn=hn.asnumpy(), cn=cn.asnumpy())

"""Writes the MXNet 1.9.1 fixtures of tests/test_gluon_files.py; run with real MXNet:
/tmp/mxref/bin/python tests/golden/gluon/make_golden.py"""
import os

import mxnet as mx
import numpy as np
from mxnet.gluon import nn

HERE = os.path.dirname(os.path.abspath(__file__))


def build():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu", in_units=3), nn.BatchNorm(in_channels=4),
                nn.Dense(2, in_units=4))
    return net


mx.random.seed(0)
net = build()
net.initialize(mx.init.Xavier())
for param in net.collect_params().values():  # non-trivial moving statistics
    if param.name.endswith(("running_mean", "running_var")):
        param.set_data(mx.nd.array(np.linspace(0.5, 1.5, 4)))
x = np.linspace(-1, 1, 6).reshape(2, 3).astype(np.float32)
y = net(mx.nd.array(x)).asnumpy()
net.save_parameters(os.path.join(HERE, "mlp.params"))
net.hybridize()
net(mx.nd.array(x))
net.export(os.path.join(HERE, "mlp"))
np.savez(os.path.join(HERE, "mlp_io.npz"), x=x, y=y)

"""The fixture of tests/test_gluon_files.py::test_resnet_exported_here_runs_in_mxnet: a small
model-zoo style ResNet (BatchNorm, residual blocks, one downsampling) built and exported by
symjax_mx, and its output computed by MXNet 1.9.1 from those files. Two steps:

    PYTHONPATH=. .venv/bin/python tests/golden/gluon/make_resnet_golden.py export
    /tmp/mxref/bin/python tests/golden/gluon/make_resnet_golden.py mxnet

The first writes resnet-symbol.json, resnet-0000.params and resnet_io.npz (input, and
symjax_mx's output); the second adds MXNet's output of the exported files (``y_mxnet``).
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
PREFIX = os.path.join(HERE, "resnet")
IO = os.path.join(HERE, "resnet_io.npz")


def build(gluon):
    """ResNet-v1 style: stem conv-BN-relu-maxpool, a basic block, a downsampling block,
    global average pooling and a classifier; named as the model zoo names them."""
    nn = gluon.nn

    class BasicBlock(gluon.HybridBlock):
        def __init__(self, channels, stride, downsample, **kwargs):
            super().__init__(**kwargs)
            self.body = nn.HybridSequential(prefix="")
            self.body.add(nn.Conv2D(channels, 3, stride, 1, use_bias=False), nn.BatchNorm(),
                          nn.Activation("relu"), nn.Conv2D(channels, 3, 1, 1, use_bias=False),
                          nn.BatchNorm())
            self.downsample = None
            if downsample:
                self.downsample = nn.HybridSequential(prefix="")
                self.downsample.add(nn.Conv2D(channels, 1, stride, use_bias=False),
                                    nn.BatchNorm())

        def hybrid_forward(self, F, x):
            residual = x if self.downsample is None else self.downsample(x)
            return F.Activation(self.body(x) + residual, act_type="relu")

    net = nn.HybridSequential(prefix="resnetv10_")
    with net.name_scope():
        net.add(nn.Conv2D(8, 3, 1, 1, use_bias=False), nn.BatchNorm(), nn.Activation("relu"),
                nn.MaxPool2D(2, 2), BasicBlock(8, 1, False, prefix="stage1_"),
                BasicBlock(16, 2, True, prefix="stage2_"), nn.GlobalAvgPool2D(), nn.Flatten(),
                nn.Dense(10, in_units=16))
    return net


def export():
    import symjax_mx as mx
    mx.random.seed(0)
    net = build(mx.gluon)
    net.initialize(mx.init.Xavier())
    x = np.linspace(-1, 1, 2 * 3 * 8 * 8).reshape(2, 3, 8, 8).astype(np.float32)
    net(mx.nd.array(x))
    rng = np.random.RandomState(0)
    for name, param in net.collect_params().items():  # non-trivial statistics
        if name.endswith(("running_mean", "beta")):
            param.set_data(mx.nd.array(rng.uniform(-0.5, 0.5, param.shape)))
        elif name.endswith(("running_var", "gamma")):
            param.set_data(mx.nd.array(rng.uniform(0.5, 1.5, param.shape)))
    net.hybridize()
    y = net(mx.nd.array(x)).asnumpy()
    net.export(PREFIX)
    np.savez(IO, x=x, y=y)


def run_in_mxnet():
    import mxnet as mx
    io = dict(np.load(IO))
    block = mx.gluon.SymbolBlock.imports(PREFIX + "-symbol.json", ["data"],
                                         PREFIX + "-0000.params")
    io["y_mxnet"] = block(mx.nd.array(io["x"])).asnumpy()
    np.savez(IO, **io)


if __name__ == "__main__":
    export() if sys.argv[1] == "export" else run_in_mxnet()

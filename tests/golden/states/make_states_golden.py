"""Writes mxnet_sgd.states (and mxnet_sgd_expected.npz, the arrays it holds): the
optimizer states that MXNet 1.9.1's Module saves for a small network trained one step
with SGD and momentum, for tests/test_states_file.py. Run with real MXNet:
    /tmp/mxref/bin/python tests/golden/states/make_states_golden.py
"""
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    net = mx.sym.SoftmaxOutput(net, name="softmax")
    mod = mx.mod.Module(net)
    mod.bind(data_shapes=[("data", (4, 2))], label_shapes=[("softmax_label", (4,))])
    mod.init_params(mx.init.Uniform(0.5))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                          "momentum": 0.9})
    batch = mx.io.DataBatch([mx.nd.array(np.arange(8).reshape(4, 2) / 8.0)],
                            [mx.nd.array([0, 1, 2, 1])])
    mod.forward_backward(batch)
    mod.update()
    path = os.path.join(HERE, "mxnet_sgd.states")
    mod.save_optimizer_states(path)
    states = mod._updater.states
    np.savez(os.path.join(HERE, "mxnet_sgd_expected.npz"),
             **{str(k): v.asnumpy() for k, v in states.items()})


if __name__ == "__main__":
    main()

"""Writes rnn_golden.npz: MXNet 1.9.1's fused RNN operator on small random inputs with its
packed parameters, for tests/test_rnn.py. Run with real MXNet:
    /tmp/mxref/bin/python tests/golden/rnn/make_rnn_golden.py
"""
import os

import mxnet as mx
import numpy as np

CASES = {  # name: (mode, num_layers, bidirectional)
    "lstm_bi2": ("lstm", 2, True),
    "gru_1": ("gru", 1, False),
    "rnn_tanh_bi1": ("rnn_tanh", 1, True),
    "rnn_relu_2": ("rnn_relu", 2, False),
}
T, N, I, H = 4, 2, 3, 5


def main():
    rng = np.random.RandomState(0)
    out = {}
    for name, (mode, layers, bi) in CASES.items():
        d = 2 if bi else 1
        sym = mx.sym.RNN(mx.sym.Variable("data"), state_size=H, num_layers=layers, mode=mode,
                         bidirectional=bi, state_outputs=True, name="rnn")
        arg_shapes, _, _ = sym.infer_shape(data=(T, N, I))
        args = {n: rng.uniform(-0.5, 0.5, s).astype(np.float32)
                for n, s in zip(sym.list_arguments(), arg_shapes)}
        exe = sym.bind(mx.cpu(), {k: mx.nd.array(v) for k, v in args.items()})
        outputs = exe.forward(is_train=False)
        for k, v in args.items():
            out[f"{name}/{k}"] = v
        for k, v in zip(sym.list_outputs(), outputs):
            out[f"{name}/out_{k}"] = v.asnumpy()
        assert d * H == outputs[0].shape[2]
    np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn_golden.npz"), **out)


if __name__ == "__main__":
    main()

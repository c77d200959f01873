"""What ``print(net)`` and ``print(net.collect_params())`` show: MXNet 1.9.1's text (read
from it, 2026-12-07)."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.gluon import nn, rnn


@pytest.mark.parametrize("make, text", [
    (lambda: nn.Conv2D(4, 3, dilation=2, groups=2, in_channels=4, padding=1, use_bias=False),
     "Conv2D(2 -> 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), dilation=(2, 2), "
     "groups=2, bias=False)"),
    (lambda: nn.Conv2DTranspose(4, 3, output_padding=(1, 0), strides=2, padding=1, dilation=2,
                                in_channels=2, use_bias=False, activation="relu"),
     "Conv2DTranspose(4 -> 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
     "dilation=(2, 2), bias=False, Activation(relu))"),
    (lambda: nn.Conv1D(4, 3, dilation=2, groups=2, in_channels=4),
     "Conv1D(2 -> 4, kernel_size=(3,), stride=(1,), dilation=(2,), groups=2)"),
    (lambda: rnn.LSTMCell(5, input_size=3), "LSTMCell(3 -> 20)"),  # every gate's rows
    (lambda: rnn.GRUCell(5, input_size=3), "GRUCell(3 -> 15)"),
    (lambda: rnn.RNNCell(5, input_size=3, activation="relu"), "RNNCell(3 -> 5, relu)"),
    (lambda: nn.InstanceNorm(),
     "InstanceNorm(eps=1e-05, axis=1, center=True, scale=False, in_channels=0)"),
    (lambda: nn.LayerNorm(axis=1, in_channels=3),
     "LayerNorm(eps=1e-05, axis=1, center=True, scale=True, in_channels=3)"),
])
def test_blocks_print_as_mxnet_prints_them(make, text):
    assert repr(make()) == text


def test_parameters_print_their_dtype_as_given():
    dense = nn.Dense(3, in_units=2, prefix="d_")
    assert repr(dense.collect_params()) == (
        "d_ (\n  Parameter d_weight (shape=(3, 2), dtype=float32)\n"
        "  Parameter d_bias (shape=(3,), dtype=float32)\n)")
    assert repr(mx.gluon.Parameter("w", shape=(2,))) == \
        "Parameter w (shape=(2,), dtype=<class 'numpy.float32'>)"
    assert repr(mx.gluon.Parameter("w", shape=(2,), dtype=np.float64)) == \
        "Parameter w (shape=(2,), dtype=<class 'numpy.float64'>)"
    dense.cast("float16")
    assert repr(dense.weight) == "Parameter d_weight (shape=(3, 2), dtype=float16)"

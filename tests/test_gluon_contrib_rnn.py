"""gluon.contrib.rnn (convolutional cells, LSTMPCell, VariationalDropoutCell,
dynamic_unroll) and gluon.contrib.data.IntervalSampler."""
import json

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon
from symjax_mx.base import MXNetError
from symjax_mx.gluon import contrib


def test_conv_lstm_cell_shapes_names_and_deferred_channels():
    cell = contrib.rnn.Conv1DLSTMCell((0, 7), 4, (3,), (3,), prefix="c_")
    assert sorted(cell.collect_params()) == ["c_h2h_bias", "c_h2h_weight", "c_i2h_bias",
                                             "c_i2h_weight"]
    assert cell.state_info(2) == [{"shape": (2, 4, 5), "__layout__": "NCW"}] * 2
    cell.initialize()
    out, states = cell.unroll(3, mx.nd.ones((2, 3, 5, 7)), merge_outputs=True)
    assert out.shape == (2, 3, 4, 5) and cell.i2h_weight.shape == (16, 5, 3)
    assert [s.shape for s in states] == [(2, 4, 5), (2, 4, 5)]
    with pytest.raises(MXNetError, match="odd"):
        contrib.rnn.Conv2DGRUCell((3, 8, 8), 4, 3, 2)


def test_conv_gru_cell_is_the_dense_gru_for_1x1_kernels():
    conv = contrib.rnn.Conv1DGRUCell((3, 1), 2, 1, 1, prefix="g_")
    dense = gluon.rnn.GRUCell(2, input_size=3, prefix="g_")
    conv.initialize()
    dense.initialize()
    x = mx.nd.random.uniform(shape=(4, 3, 1))
    conv(x, conv.begin_state(batch_size=4))  # completes the shapes
    for name, param in conv.collect_params().items():
        target = dense.collect_params()[name]
        target.set_data(param.data().reshape(target.shape))
    h = mx.nd.random.uniform(shape=(4, 2, 1))
    out_conv, _ = conv(x, [h])
    out_dense, _ = dense(x.reshape((4, 3)), [h.reshape((4, 2))])
    np.testing.assert_allclose(out_conv.asnumpy()[:, :, 0], out_dense.asnumpy(), rtol=1e-5)


def test_variational_dropout_shares_one_mask_over_time():
    cell = contrib.rnn.VariationalDropoutCell(gluon.rnn.RNNCell(3, prefix="r_"),
                                              drop_inputs=0.5, drop_outputs=0.5)
    cell.initialize()
    x = mx.nd.ones((2, 4, 3))
    out, _ = cell.unroll(4, x, merge_outputs=True)  # not training: no dropout
    assert (out.asnumpy() != 0).all()
    with autograd.record():
        out, _ = cell.unroll(4, x, merge_outputs=True)
    zero = out.asnumpy() == 0
    assert zero.any() and (zero == zero[:, :1]).all()  # the same units dropped at each step


def test_dynamic_unroll_stops_states_at_valid_length():
    cell = gluon.rnn.LSTMCell(3, input_size=2)
    cell.initialize()
    x = mx.nd.random.uniform(shape=(4, 2, 2))
    begin = cell.begin_state(batch_size=2)
    valid = mx.nd.array([2, 4])
    out, states = contrib.rnn.dynamic_unroll(cell, x, begin, valid_length=valid)
    ref, ref_states = cell.unroll(4, x, begin, layout="TNC", valid_length=valid,
                                  merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), ref.asnumpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)
    # symbolic: one _foreach node, computing what the NDArray form computed
    names = ["x", "h", "c", "valid"]
    sym_out, sym_states = contrib.rnn.dynamic_unroll(
        cell, mx.sym.var("x"), [mx.sym.var("h"), mx.sym.var("c")],
        valid_length=mx.sym.var("valid"))
    net = mx.sym.Group([sym_out] + sym_states)
    assert sum(node["op"] == "_foreach" for node in json.loads(net.tojson())["nodes"]) == 1
    args = dict(zip(names, [x] + list(begin) + [valid]))
    args.update({name: p.data() for name, p in cell.collect_params().items()})
    results = net.bind(mx.cpu(), args).forward()
    for got, want in zip(results, [out] + list(states)):
        np.testing.assert_allclose(got.asnumpy(), want.asnumpy(), rtol=1e-5, atol=1e-6)


def test_interval_sampler():
    assert list(contrib.data.IntervalSampler(7, 3)) == [0, 3, 6, 1, 4, 2, 5]
    assert list(contrib.data.IntervalSampler(7, 3, rollover=False)) == [0, 3, 6]
    assert len(contrib.data.IntervalSampler(7, 3)) == 7
    # MXNet 1.9.1: an interval may equal the length (word_language_model samples its
    # dataset at intervals of the batch size); the length ignores rollover
    assert list(contrib.data.IntervalSampler(3, 3)) == [0, 1, 2]
    assert len(contrib.data.IntervalSampler(13, 3, rollover=False)) == 13
    with pytest.raises(AssertionError, match="smaller than or equal to length 3"):
        contrib.data.IntervalSampler(3, 4)

"""gluon.rnn: the fused layers against MXNet 1.9.1's files (tests/golden/gluon_rnn, made
by make_golden.py there), the cells against the fused layers, unroll's options."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon
from symjax_mx.base import MXNetError

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "gluon_rnn")


@pytest.fixture(scope="module")
def io():
    return dict(np.load(os.path.join(GOLDEN, "lstm_io.npz")))


def _golden_lstm():
    return gluon.rnn.LSTM(4, num_layers=2, bidirectional=True, input_size=3, prefix="lstm_")


def test_imports_lstm_exported_by_mxnet(io):
    block = gluon.SymbolBlock.imports(os.path.join(GOLDEN, "lstm-symbol.json"),
                                      ["data0", "data1", "data2"],
                                      os.path.join(GOLDEN, "lstm-0000.params"))
    out, hn, cn = block(mx.nd.array(io["x"]), mx.nd.array(io["h0"]), mx.nd.array(io["c0"]))
    np.testing.assert_allclose(out.asnumpy(), io["out"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hn.asnumpy(), io["hn"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cn.asnumpy(), io["cn"], rtol=1e-5, atol=1e-6)


def test_layer_loads_mxnet_parameters_and_saves_them_alike(io, tmp_path):
    net = _golden_lstm()
    net.load_parameters(os.path.join(GOLDEN, "lstm.params"))
    out, (hn, cn) = net(mx.nd.array(io["x"]), [mx.nd.array(io["h0"]), mx.nd.array(io["c0"])])
    np.testing.assert_allclose(out.asnumpy(), io["out"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cn.asnumpy(), io["cn"], rtol=1e-5, atol=1e-6)
    # save_parameters writes MXNet's keys (_unfused.0.l_cell.i2h_weight ...) and values
    net.save_parameters(str(tmp_path / "again.params"))
    ours = mx.nd.load(str(tmp_path / "again.params"))
    theirs = mx.nd.load(os.path.join(GOLDEN, "lstm.params"))
    assert sorted(ours) == sorted(theirs)
    assert "_unfused.1.r_cell.h2h_weight" in ours
    for key, value in theirs.items():
        np.testing.assert_array_equal(ours[key].asnumpy(), value.asnumpy())


def test_layer_hybridized_matches_imperative_and_names_parameters_as_mxnet():
    layer = gluon.rnn.GRU(5, num_layers=2, layout="NTC", bidirectional=True, prefix="g_")
    assert sorted(layer.collect_params())[:4] == ["g_l0_h2h_bias", "g_l0_h2h_weight",
                                                  "g_l0_i2h_bias", "g_l0_i2h_weight"]
    layer.initialize()
    x = mx.nd.random.uniform(shape=(2, 3, 4))
    eager = layer(x)
    assert eager.shape == (2, 3, 10) and layer.l0_i2h_weight.shape == (15, 4)
    layer.hybridize()
    np.testing.assert_allclose(layer(x).asnumpy(), eager.asnumpy(), rtol=1e-5, atol=1e-6)
    states = layer.begin_state(batch_size=2)
    assert [s.shape for s in states] == [(4, 2, 5)]
    with pytest.raises(ValueError, match="Invalid recurrent state shape"):
        bad = gluon.rnn.GRU(5, prefix="h_")
        bad.initialize()
        bad(mx.nd.ones((3, 2, 4)), mx.nd.zeros((1, 3, 5)))


def test_fused_layer_equals_stacked_cells_with_gradients():
    fused = gluon.rnn.LSTM(4, num_layers=2, bidirectional=True, prefix="f_")
    stack = gluon.rnn.HybridSequentialRNNCell(prefix="f_")
    with stack.name_scope():
        for i in range(2):
            stack.add(gluon.rnn.BidirectionalCell(gluon.rnn.LSTMCell(4, prefix=f"l{i}_"),
                                                  gluon.rnn.LSTMCell(4, prefix=f"r{i}_")))
    fused.initialize()
    stack.initialize()
    x = mx.nd.random.uniform(shape=(3, 2, 5))
    fused.infer_shape(x)
    for name, param in fused.collect_params().items():
        value = mx.nd.random.uniform(-0.5, 0.5, shape=param.shape)
        param.set_data(value)
        stack.collect_params()[name].set_data(value)
    with autograd.record():
        out_f = fused(x)
        loss_f = (out_f * out_f).sum()
    loss_f.backward()
    with autograd.record():
        out_s, _ = stack.unroll(3, x, layout="TNC", merge_outputs=True)
        loss_s = (out_s * out_s).sum()
    loss_s.backward()
    np.testing.assert_allclose(out_f.asnumpy(), out_s.asnumpy(), rtol=1e-5, atol=1e-6)
    grad_f = fused.collect_params()["f_l1_h2h_weight"].grad().asnumpy()
    grad_s = stack.collect_params()["f_l1_h2h_weight"].grad().asnumpy()
    np.testing.assert_allclose(grad_f, grad_s, rtol=1e-4, atol=1e-6)


def test_lstm_projection_matches_lstmp_cells():
    fused = gluon.rnn.LSTM(6, projection_size=3, num_layers=2, prefix="p_")
    stack = gluon.rnn.SequentialRNNCell(prefix="p_")
    with stack.name_scope():
        for i in range(2):
            stack.add(gluon.contrib.rnn.LSTMPCell(6, 3, prefix=f"l{i}_"))
    fused.initialize()
    stack.initialize()
    x = mx.nd.random.uniform(shape=(4, 2, 5))
    states = fused.begin_state(2)
    assert [s.shape for s in states] == [(2, 2, 3), (2, 2, 6)]
    fused.infer_shape(x, states)
    assert fused.l1_i2h_weight.shape == (24, 3) and fused.l0_h2r_weight.shape == (3, 6)
    for name, param in fused.collect_params().items():
        value = mx.nd.random.uniform(-0.5, 0.5, shape=param.shape)
        param.set_data(value)
        stack.collect_params()[name].set_data(value)
    out_f, (h, c) = fused(x, states)
    out_s, cell_states = stack.unroll(4, x, layout="TNC", merge_outputs=True)
    np.testing.assert_allclose(out_f.asnumpy(), out_s.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.asnumpy()[1], cell_states[2].asnumpy(), rtol=1e-5, atol=1e-6)


def test_unroll_with_valid_length_masks_outputs_and_keeps_last_states():
    cell = gluon.rnn.GRUCell(3, input_size=2)
    cell.initialize()
    x = mx.nd.random.uniform(shape=(2, 4, 2))
    outs, states = cell.unroll(4, x, valid_length=mx.nd.array([2, 4]), merge_outputs=True)
    short, short_states = cell.unroll(2, x[0:1, :2], merge_outputs=True)
    np.testing.assert_allclose(outs[0:1, :2].asnumpy(), short.asnumpy(), rtol=1e-5)
    assert not outs[0, 2:].asnumpy().any()
    np.testing.assert_allclose(states[0][0:1].asnumpy(), short_states[0].asnumpy(), rtol=1e-5)
    listed, _ = cell.unroll(4, x, merge_outputs=False)
    assert len(listed) == 4 and listed[0].shape == (2, 3)


def test_cell_state_info_begin_state_and_modifiers():
    cell = gluon.rnn.LSTMCell(3, prefix="c_")
    assert cell.state_info(2) == [{"shape": (2, 3), "__layout__": "NC"}] * 2
    assert [s.shape for s in cell.begin_state(batch_size=2)] == [(2, 3), (2, 3)]
    residual = gluon.rnn.ResidualCell(cell)
    with pytest.raises(MXNetError, match="modifier"):
        cell.begin_state(batch_size=2)
    assert len(residual.begin_state(batch_size=2, func=mx.nd.zeros)) == 2
    with pytest.raises(MXNetError, match="already modified"):
        gluon.rnn.ZoneoutCell(cell)
    with pytest.raises(NotImplementedError, match="unroll"):
        gluon.rnn.BidirectionalCell(gluon.rnn.RNNCell(2), gluon.rnn.RNNCell(2))(None, [])
    sym_out, _ = gluon.rnn.RNNCell(3, prefix="s_").unroll(
        2, [mx.sym.var("a"), mx.sym.var("b")])
    assert mx.sym.Group(sym_out).list_outputs() == ["s_t0_out_output", "s_t1_out_output"]


def test_dropout_cell_is_identity_outside_training():
    cell = gluon.rnn.DropoutCell(0.5)
    x = mx.nd.ones((2, 3, 4))
    out, states = cell.unroll(3, x, merge_outputs=True)
    assert states == [] and (out.asnumpy() == 1).all()
    with autograd.record():
        dropped, _ = cell.unroll(3, x, merge_outputs=True)
    assert set(np.unique(dropped.asnumpy())) <= {0.0, 2.0}
    with pytest.raises(MXNetError, match="number"):
        gluon.rnn.DropoutCell("half")

"""mx.rnn cells, the fused RNN operator (against MXNet 1.9.1's outputs), weight packing,
RNN checkpoints and bucketed sentence data."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "rnn", "rnn_golden.npz")
CASES = {"lstm_bi2": ("lstm", 2, True), "gru_1": ("gru", 1, False),
         "rnn_tanh_bi1": ("rnn_tanh", 1, True), "rnn_relu_2": ("rnn_relu", 2, False)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_rnn_matches_mxnet(case):
    """Packed parameters and inputs from MXNet 1.9.1 give MXNet's outputs and states."""
    golden = np.load(GOLDEN)
    mode, layers, bidirectional = CASES[case]
    sym = mx.sym.RNN(mx.sym.Variable("data"), state_size=5, num_layers=layers, mode=mode,
                     bidirectional=bidirectional, state_outputs=True, name="rnn")
    exe = sym.bind(mx.cpu(), {n: mx.nd.array(golden[f"{case}/{n}"])
                              for n in sym.list_arguments()})
    outputs = exe.forward()
    assert len(outputs) == (3 if mode == "lstm" else 2)
    for name, out in zip(sym.list_outputs(), outputs):
        np.testing.assert_allclose(out.asnumpy(), golden[f"{case}/out_{name}"], atol=1e-5)


def test_rnn_operator_names_shapes_and_errors():
    sym = mx.sym.RNN(mx.sym.Variable("data"), state_size=4, num_layers=2, mode="lstm",
                     bidirectional=True, state_outputs=True, name="rnn")
    assert sym.list_arguments() == ["data", "rnn_parameters", "rnn_state", "rnn_state_cell"]
    assert sym.list_outputs() == ["rnn_output", "rnn_state_output", "rnn_statecell_output"]
    args, outs, _ = sym.infer_shape(data=(5, 2, 3))
    # layer 0: 2 directions x 4 gates x 4 x (3 + 4 + 2); layer 1: input 8 instead of 3
    assert args[1] == (2 * 16 * 9 + 2 * 16 * 14,)
    assert outs == [(5, 2, 8), (4, 2, 4), (4, 2, 4)]
    with pytest.raises(MXNetError, match="projection_size"):
        mx.sym.RNN(mx.sym.Variable("data"), state_size=4, num_layers=1, mode="gru",
                   projection_size=2)
    with pytest.raises(MXNetError, match="mode"):
        mx.sym.RNN(mx.sym.Variable("data"), state_size=4, num_layers=1, mode="elman")


def test_fused_rnn_gradient_runs_and_dropout_only_in_training():
    cell = mx.rnn.FusedRNNCell(3, num_layers=2, mode="gru", dropout=0.5, prefix="g_")
    out, _ = cell.unroll(4, mx.sym.Variable("data"), layout="TNC", merge_outputs=True)
    exe = out.simple_bind(mx.cpu(), data=(4, 2, 5))
    params = exe.arg_dict["g_parameters"]
    params[:] = np.random.RandomState(0).uniform(-0.5, 0.5, params.shape)
    exe.arg_dict["data"][:] = np.random.rand(4, 2, 5)
    first = exe.forward(is_train=False)[0].asnumpy()
    assert np.array_equal(first, exe.forward(is_train=False)[0].asnumpy())
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((4, 2, 3)))
    assert np.abs(exe.grad_dict["g_parameters"].asnumpy()).sum() > 0


@pytest.mark.parametrize("mode", ["lstm", "gru"])
def test_unfused_cells_compute_what_the_fused_cell_computes(mode):
    """unfuse() + unpack_weights gives the same outputs as the fused operator."""
    fused = mx.rnn.FusedRNNCell(4, num_layers=2, mode=mode, bidirectional=True, prefix="f_")
    data = mx.sym.Variable("data")
    fused_out, _ = fused.unroll(3, data, layout="TNC", merge_outputs=True)
    stack = fused.unfuse()
    stack_out, _ = stack.unroll(3, data, layout="TNC", merge_outputs=True)
    x = np.random.RandomState(1).rand(3, 2, 5).astype(np.float32)
    exe = fused_out.simple_bind(mx.cpu(), data=x.shape)
    packed = np.random.RandomState(2).uniform(-0.5, 0.5, exe.arg_dict["f_parameters"].shape)
    exe.arg_dict["f_parameters"][:] = packed
    exe.arg_dict["data"][:] = x
    expected = exe.forward()[0].asnumpy()
    args = fused.unpack_weights({"f_parameters": mx.nd.array(packed)})
    if mode != "rnn_tanh":  # one gate: its per-gate names are the stacked names
        assert "f_l0_i2h_weight" not in args and "f_r1_h2h_bias" not in args
    args = stack.pack_weights(args)  # per gate -> stacked, as the unfused cells expect
    args["data"] = mx.nd.array(x)
    got = stack_out.eval(**args)[0].asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    # and back: the per-gate weights pack into the same vector
    repacked = fused.pack_weights(stack.unpack_weights(
        {k: v for k, v in args.items() if k != "data"}))
    np.testing.assert_allclose(repacked["f_parameters"].asnumpy(), packed, rtol=1e-6)


def test_single_step_lstm_infers_begin_state_from_partial_shape():
    """A begin state of shape (0, hidden) gets its batch from the network (MXNet's
    partial shapes): one unrolled step binds and initialises the forget-gate bias."""
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.LSTMCell(6, forget_bias=2.0, prefix="l0_"))
    sym, _ = stack.unroll(1, mx.sym.Variable("data"), merge_outputs=True)
    args, outs, _ = sym.infer_shape(data=(3, 1, 5))
    assert dict(zip(sym.list_arguments(), args))["l0_h2h_weight"] == (24, 6)
    assert outs == [(3, 1, 6)]
    mod = mx.mod.Module(sym, label_names=None)
    mod.bind(data_shapes=[("data", (3, 1, 5))])
    mod.init_params()
    bias = mod.get_params()[0]["l0_i2h_bias"].asnumpy()
    np.testing.assert_array_equal(bias, np.r_[np.zeros(6), 2 * np.ones(6), np.zeros(12)])


def test_fused_rnn_initializer_sets_forget_bias_and_fills_weights():
    cell = mx.rnn.FusedRNNCell(3, num_layers=1, mode="lstm", forget_bias=5.0, prefix="x_")
    arr = mx.nd.zeros((4 * 3 * (2 + 3 + 2),))
    init = mx.init.Uniform(0.1)
    init(mx.init.InitDesc("x_parameters", cell._parameter.attr_dict()["x_parameters"]), arr)
    args = cell.unpack_weights({"x_parameters": arr})
    np.testing.assert_array_equal(args["x_l0_i2h_f_bias"].asnumpy(), 5.0)
    np.testing.assert_array_equal(args["x_l0_h2h_f_bias"].asnumpy(), 5.0)
    np.testing.assert_array_equal(args["x_l0_i2h_i_bias"].asnumpy(), 0.0)
    weight = args["x_l0_i2h_i_weight"].asnumpy()
    assert weight.shape == (3, 2) and np.abs(weight).max() > 0


def test_cells_names_and_modifiers():
    cell = mx.rnn.ResidualCell(mx.rnn.GRUCell(4, prefix="g_"))
    outputs, states = cell.unroll(2, [mx.sym.Variable(f"t{i}") for i in range(2)])
    assert len(outputs) == 2 and len(states) == 1
    with pytest.raises(MXNetError, match="modifier"):
        cell.base_cell.begin_state()
    with pytest.raises(MXNetError, match="unfuse"):
        mx.rnn.ZoneoutCell(mx.rnn.FusedRNNCell(4))
    bi = mx.rnn.BidirectionalCell(mx.rnn.RNNCell(3, prefix="l_"), mx.rnn.RNNCell(3, prefix="r_"))
    out, _ = bi.unroll(2, mx.sym.Variable("x"), merge_outputs=True)
    assert out.list_outputs() == ["bi_out_output"]
    assert out.infer_shape(x=(5, 2, 7))[1] == [(5, 2, 6)]


def test_rnn_checkpoint_round_trip(tmp_path):
    cell = mx.rnn.LSTMCell(2, prefix="c_")
    sym, _ = cell.unroll(2, mx.sym.Variable("data"), merge_outputs=True)
    arg_shapes = dict(zip(sym.list_arguments(), sym.infer_shape(data=(1, 2, 3))[0]))
    args = {n: mx.nd.array(np.random.rand(*s)) for n, s in arg_shapes.items() if n != "data"}
    prefix = str(tmp_path / "lstm")
    mx.rnn.save_rnn_checkpoint(cell, prefix, 3, sym, args, {})
    saved = mx.nd.load(f"{prefix}-0003.params")
    assert "arg:c_i2h_f_weight" in saved and "arg:c_i2h_weight" not in saved
    _, loaded, _ = mx.rnn.load_rnn_checkpoint(cell, prefix, 3)
    for name, value in args.items():
        np.testing.assert_allclose(loaded[name].asnumpy(), value.asnumpy())


def test_encode_sentences():
    coded, vocab = mx.rnn.encode_sentences([["a", "b"], ["b", "c"]], start_label=1)
    assert coded == [[1, 2], [2, 3]] and vocab == {"\n": -1, "a": 1, "b": 2, "c": 3}
    with pytest.raises(MXNetError, match="Unknown token z"):
        mx.rnn.encode_sentences([["z"]], vocab={"a": 0})


def test_bucket_sentence_iter():
    sentences = [[1, 2], [3, 4], [5, 6, 7], [8, 9, 1], [1, 2, 3, 4, 5, 6]]
    it = mx.rnn.BucketSentenceIter(sentences, batch_size=2, invalid_label=0)
    assert it.buckets == [2, 3] and it.default_bucket_key == 3
    assert it.provide_data[0].shape == (2, 3)
    batches = list(it)
    assert sorted(b.bucket_key for b in batches) == [2, 3]
    for batch in batches:
        data, label = batch.data[0].asnumpy(), batch.label[0].asnumpy()
        assert data.shape == (2, batch.bucket_key)
        np.testing.assert_array_equal(label[:, :-1], data[:, 1:])
        assert (label[:, -1] == 0).all()
    tn = mx.rnn.BucketSentenceIter(sentences, batch_size=2, layout="TN")
    assert next(iter(tn)).data[0].shape[1] == 2

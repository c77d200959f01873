"""Inference programs pad a depthwise convolution's input before the 1x1 convolution that
feeds it and zero the border after the per-position operators between them
(lowering/pad_first.py): the same values as the operators as given."""
import jax
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.lowering import channels_last, pad_first
from program_checks import as_given, bound_with_values


def inverted_residual(stride=1, kernel=3, activation="clip", dw_groups=12, head_mid=False):
    """MobileNet-v2's block: 1x1 expansion, BatchNorm, an activation, a depthwise
    convolution, BatchNorm, the activation, a 1x1 projection."""
    def act(x):
        if activation == "clip":
            return mx.sym.clip(x, 0, 6)
        return mx.sym.LeakyReLU(x, act_type="leaky", slope=0.1)
    x = mx.sym.Convolution(mx.sym.var("data"), kernel=(1, 1), num_filter=12, name="expand")
    mid = act(mx.sym.BatchNorm(x, fix_gamma=False, name="bn1"))
    x = mx.sym.Convolution(mid, kernel=(kernel, kernel), stride=(stride, stride),
                           pad=(kernel // 2, kernel // 2), num_filter=12, num_group=dw_groups,
                           no_bias=True, name="dw")
    x = act(mx.sym.BatchNorm(x, fix_gamma=False, name="bn2"))
    x = mx.sym.Convolution(x, kernel=(1, 1), num_filter=4, no_bias=True, name="project")
    return mx.sym.Group([x, mid]) if head_mid else x


def chain_names(symbol, shape=(1, 4, 44, 44)):
    lowered = symbol.simple_bind(mx.cpu(), grad_req="null", data=shape).programs.graph
    found = pad_first.chains(lowered.nodes, lowered.heads, channels_last.channels_last_conv,
                             channels_last._per_position)
    return sorted({(c.pointwise.name, c.depthwise.name, c.pad) for c in found.values()})


def test_a_depthwise_convolution_after_a_1x1_one_and_per_position_operators_is_a_chain():
    assert chain_names(inverted_residual()) == [("expand", "dw", (1, 1))]
    assert chain_names(inverted_residual(2, 5, "leaky")) == [("expand", "dw", (2, 2))]
    assert chain_names(inverted_residual(head_mid=True)) == []  # the activation is a head
    assert chain_names(inverted_residual(dw_groups=1)) == []  # not depthwise
    strided = mx.sym.Convolution(mx.sym.var("data"), kernel=(1, 1), stride=(2, 2),
                                 num_filter=6)
    strided = mx.sym.Convolution(mx.sym.relu(strided), kernel=(3, 3), pad=(1, 1),
                                 num_filter=6, num_group=6)
    assert chain_names(strided) == []  # the 1x1 convolution skips positions
    unpadded = mx.sym.Convolution(mx.sym.var("data"), kernel=(1, 1), num_filter=6)
    unpadded = mx.sym.Convolution(unpadded, kernel=(3, 3), num_filter=6, num_group=6)
    assert chain_names(unpadded) == []


def test_only_maps_that_padding_grows_little_are_padded_first():
    assert pad_first.grows_little(np.zeros((1, 41, 41, 3)), (1, 1))
    assert not pad_first.grows_little(np.zeros((1, 40, 40, 3)), (1, 1))
    assert not pad_first.grows_little(np.zeros((1, 41, 41, 3)), (2, 2))


@pytest.mark.parametrize("stride, kernel, activation, shape", [
    (1, 3, "clip", (2, 4, 44, 44)), (2, 3, "clip", (1, 4, 45, 44)),
    (2, 5, "leaky", (1, 4, 90, 90)), (1, 3, "clip", (1, 4, 9, 9))])  # 9: not padded first
def test_padding_first_gives_the_operators_values(stride, kernel, activation, shape):
    exe = bound_with_values(inverted_residual(stride, kernel, activation), shape)
    (ours,) = [o.asnumpy() for o in exe.forward(is_train=False)]  # BatchNorms folded
    (reference,) = as_given(exe)
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)


def test_the_border_is_zeroed_after_the_batchnorm_and_the_activation(monkeypatch):
    """Unfolded, the BatchNorm and the clip give the border nonzero values; the depthwise
    convolution reads them zeroed, as its padding."""
    exe = bound_with_values(inverted_residual(), (1, 4, 44, 44))
    lowered = exe.programs.graph
    args = {n: a.asjax() for n, a in exe.arg_dict.items()}
    aux = {n: a.asjax() for n, a in exe.aux_dict.items()}
    zeroed, original = [], pad_first.border_zeroed

    def recording(data, pad):
        assert data.shape == (1, 46, 46, 12) and np.abs(np.asarray(data)[:, 0]).max() > 0
        zeroed.append(original(data, pad))
        return zeroed[-1]
    monkeypatch.setattr(pad_first, "border_zeroed", recording)
    (ours,), _ = channels_last.run(lowered, args, aux, jax.random.key(0))
    assert len(zeroed) == 1 and not np.asarray(zeroed[0])[:, 0].any()
    np.testing.assert_allclose(ours, as_given(exe)[0], rtol=1e-5, atol=1e-5)

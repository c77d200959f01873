"""Inference BatchNorms folded into the convolutions before them (lowering/bn_fold.py):
which pairs fold, the same outputs as the unfolded evaluation, and folded arrays that
follow the arrays they are made of."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.lowering import bn_fold, channels_last
from program_checks import as_given, bound_with_values


def convnet(fix_gamma):
    """c1 (3x3, bias) -> bn1 folds; c2 (1x1, no bias) -> bn2 folds; c3 feeds bn3 and a
    head, so it does not; c4's BatchNorm also outputs its mean and var: no fold."""
    data = mx.sym.var("data")
    x = mx.sym.Convolution(data, kernel=(3, 3), pad=(1, 1), num_filter=6, name="c1")
    x = mx.sym.relu(mx.sym.BatchNorm(x, fix_gamma=fix_gamma, eps=1e-3, name="bn1"))
    x = mx.sym.Convolution(x, kernel=(1, 1), stride=(2, 2), num_filter=8, no_bias=True,
                           name="c2")
    x = mx.sym.BatchNorm(x, fix_gamma=fix_gamma, name="bn2")
    c3 = mx.sym.Convolution(x, kernel=(3, 3), num_filter=4, name="c3")
    x = mx.sym.BatchNorm(c3, fix_gamma=False, name="bn3")
    c4 = mx.sym.Convolution(x, kernel=(1, 1), num_filter=4, name="c4")
    out, mean, _ = mx.sym.BatchNorm(c4, output_mean_var=True, name="bn4")
    return mx.sym.Group([out, c3, mean])


def bound(fix_gamma=False, shape=(2, 3, 9, 9)):
    return bound_with_values(convnet(fix_gamma), shape)


def found_folds(exe):
    lowered = exe.programs.graph
    return bn_fold.folds(lowered.nodes, lowered.heads, channels_last.channels_last_conv)


def arrays(exe):
    return ({n: a.asjax() for n, a in exe.arg_dict.items()},
            {n: a.asjax() for n, a in exe.aux_dict.items()})


def test_only_convolutions_read_by_one_inference_batchnorm_fold():
    found = found_folds(bound())
    assert [(f.conv.name, f.bn.name) for f in found] == [("c1", "bn1"), ("c2", "bn2")]
    assert found[0].names() == ("c1_weight", "c1_bias", "bn1_gamma", "bn1_beta",
                                "bn1_moving_mean", "bn1_moving_var")
    assert found[1].names()[1] is None


@pytest.mark.parametrize("fix_gamma", [False, True])
def test_folded_inference_matches_the_unfolded_operators(fix_gamma):
    exe = bound(fix_gamma)
    assert sorted(bn_fold.FoldedWeights(found_folds(exe))(*arrays(exe))) == [
        "c1@bn_folded_bias", "c1@bn_folded_weight", "c2@bn_folded_bias", "c2@bn_folded_weight"]
    outputs = [o.asnumpy() for o in exe.forward(is_train=False)]
    for ours, reference in zip(outputs, as_given(exe)):
        assert ours.shape == reference.shape
        np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["c1_weight", "bn2_moving_var"])
def test_an_array_set_again_is_folded_again(name):
    exe = bound()
    first = exe.forward(is_train=False)[0].asnumpy()
    named = {**exe.arg_dict, **exe.aux_dict}
    named[name][:] = named[name].asnumpy() * 1.5
    second = exe.forward(is_train=False)[0].asnumpy()
    assert not np.allclose(first, second)
    np.testing.assert_allclose(second, as_given(exe)[0], rtol=1e-5, atol=1e-5)


def test_float16_weights_are_not_folded():
    exe = convnet(False).simple_bind(mx.cpu(), grad_req="null", data=(2, 3, 9, 9),
                                     type_dict={"data": np.float16})
    assert bn_fold.FoldedWeights(found_folds(exe))(*arrays(exe)) == {}
    assert exe.forward(is_train=False)[0].shape == (2, 4, 3, 3)

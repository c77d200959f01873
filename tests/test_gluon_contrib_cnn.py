"""gluon.contrib.cnn: deformable convolutions as Gluon blocks."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.gluon.contrib.cnn import DeformableConvolution, ModulatedDeformableConvolution


@pytest.mark.parametrize("cls, alias", [(DeformableConvolution, "deformable_conv"),
                                        (ModulatedDeformableConvolution,
                                         "modulated_deformable_conv")])
def test_zero_offsets_give_the_plain_convolution(cls, alias):
    # the offset convolution starts at zero: no shift (and, modulated, masks of 2*sigmoid(0))
    block = cls(3, kernel_size=(3, 2), padding=1, activation="relu")
    block.initialize(mx.init.Uniform(0.5))
    x = mx.nd.random.uniform(shape=(2, 4, 6, 5))
    block.hybridize()
    with mx.autograd.record():
        out = block(x)
    params = block.collect_params()
    assert sorted(params) == sorted(f"{alias}0_{n}" for n in (
        "offset_weight", "offset_bias", "deformable_conv_weight", "deformable_conv_bias"))
    assert all(np.all(p.data().asnumpy() == 0) for n, p in params.items() if "offset" in n)
    plain = mx.nd.relu(mx.nd.Convolution(
        x, params[f"{alias}0_deformable_conv_weight"].data(),
        params[f"{alias}0_deformable_conv_bias"].data(), kernel=(3, 2), pad=(1, 1),
        num_filter=3))
    np.testing.assert_allclose(out.asnumpy(), plain.asnumpy(), rtol=1e-4, atol=1e-5)


def test_layout_is_checked():
    with pytest.raises(AssertionError, match="NCHW"):
        DeformableConvolution(2, layout="NCW")

"""mx.contrib.svrg_optimization.SVRGModule (svrg_module examples): golden values from
MXNet 1.9.1."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.contrib.svrg_optimization.svrg_module import SVRGModule


def _linear_regression():
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=1, name="fc")
    return mx.sym.LinearRegressionOutput(net, label=mx.sym.Variable("lin_reg_label"), name="lro")


def test_fit_matches_mxnet_with_a_padded_last_batch_and_a_second_snapshot():
    x = (np.arange(30, dtype=np.float32).reshape(10, 3) % 7) / 7
    y = x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3
    it = mx.io.NDArrayIter(x, y, batch_size=4, label_name="lin_reg_label")  # 3 batches, 2 pads
    mod = SVRGModule(_linear_regression(), data_names=["data"], label_names=["lin_reg_label"],
                     update_freq=2)
    mod.fit(it, num_epoch=3, optimizer="sgd", optimizer_params=(("learning_rate", 0.5),),
            eval_metric="mse", arg_params={"fc_weight": mx.nd.array([[0.1, 0.2, 0.3]]),
                                           "fc_bias": mx.nd.array([0.05])})
    arg, _ = mod.get_params()
    np.testing.assert_allclose(arg["fc_weight"].asnumpy(),  # MXNet 1.9.1
                               [[0.38619083, -0.52340579, -0.00972856]], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(arg["fc_bias"].asnumpy(), [0.11434202], rtol=1e-5)


def test_update_freq_must_be_a_positive_integer():
    with pytest.raises(TypeError, match="must be an integer"):
        SVRGModule(_linear_regression(), update_freq=None)
    with pytest.raises(ValueError, match="must be a positive integer"):
        SVRGModule(_linear_regression(), update_freq=0)

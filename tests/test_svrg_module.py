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


def test_svrg_optimizer_routes_full_keys_to_assignment():
    from symjax_mx.contrib.svrg_optimization.svrg_optimizer import _SVRGOptimizer
    svrg = _SVRGOptimizer(default_optimizer="sgd", learning_rate=1.0,
                          param_idx2name={0: "weight", 1: "weight_full"})
    assert svrg.default_opt.lr == 1.0
    kv = mx.kv.create("local")
    kv.set_optimizer(svrg)
    weight, full = mx.nd.array([0, 0, 0]), mx.nd.array([1, 1, 1])
    kv.init(0, weight)
    kv.push(0, mx.nd.array([1, 1, 1]))
    kv.pull(0, weight)
    kv.init(1, full)
    kv.push(1, mx.nd.array([2, 2, 2]))
    kv.pull(1, full)
    assert weight.asnumpy().tolist() == [-1, -1, -1]  # sgd
    assert full.asnumpy().tolist() == [2, 2, 2]  # assigned
    with pytest.raises(TypeError, match="default_optimizer"):
        _SVRGOptimizer(default_optimizer=3)


def test_svrg_module_installs_svrg_optimizer():
    mod = SVRGModule(_linear_regression(), data_names=["data"],
                     label_names=["lin_reg_label"], update_freq=2)
    mod.bind(data_shapes=[("data", (4, 2))], label_shapes=[("lin_reg_label", (4,))])
    mod.init_params()
    mod.init_optimizer(optimizer="sgd", optimizer_params=(("learning_rate", 0.5),))
    assert type(mod._optimizer).__name__ == "_SVRGOptimizer"
    assert mod._optimizer.default_opt.lr == 0.5
    assert mod._optimizer.default_opt.rescale_grad == 0.25

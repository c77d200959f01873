"""Golden outputs of MXNet 1.9.1's neural-network operators, for tests/test_ops_nn.py.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/ops/nn/make_golden.py

Writes ``nn.npz``: for each case ``<case>/in<i>`` (inputs, then aux states),
``<case>/out<i>`` (outputs) and, for training cases, ``<case>/aux<i>`` (the aux states
after the step) and ``<case>/grad<i>`` (gradients of the inputs for the head gradient
``<case>/head`` on output 0). ``CASES`` (numpy-only, shared with the tests) lists the
operator, parameters and whether the case runs in training mode.

BatchNorm updates its moving statistics during the backward pass in MXNet, so training
cases run forward and backward before the aux states are read.
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RS = np.random.RandomState(0)


def _bn_inputs(shape, axis):
    c = shape[axis]
    return [RS.randn(*shape), RS.uniform(0.5, 1.5, c), RS.randn(c), RS.randn(c),
            RS.uniform(0.5, 1.5, c)]


def _cases():
    x4 = RS.randn(2, 3, 2, 2)
    x3 = RS.randn(2, 3, 4)
    signed = np.linspace(-3, 3, 12).reshape(2, 3, 2)
    return {
        # name: (operator, params, inputs (then aux), training)
        "bn_fix_gamma": ("BatchNorm", {}, _bn_inputs((4, 3, 2), 1), True),
        "bn_free_gamma": ("BatchNorm", {"fix_gamma": False, "output_mean_var": True},
                          _bn_inputs((4, 3, 2), 1), True),
        "bn_global_stats": ("BatchNorm", {"fix_gamma": False, "use_global_stats": True},
                            _bn_inputs((4, 3, 2), 1), True),
        "bn_last_axis": ("BatchNorm", {"fix_gamma": False, "axis": -1, "momentum": 0.8,
                                       "eps": 1e-4}, _bn_inputs((3, 2, 4), -1), True),
        "bn_2d": ("BatchNorm", {"fix_gamma": False}, _bn_inputs((5, 3), 1), True),
        "bn_inference": ("BatchNorm", {"fix_gamma": False, "output_mean_var": True},
                         _bn_inputs((4, 3, 2), 1), False),
        "ln_last": ("LayerNorm", {"output_mean_var": True},
                    [x3, RS.uniform(0.5, 1.5, 4), RS.randn(4)], False),
        "ln_axis1": ("LayerNorm", {"axis": 1, "eps": 1e-3},
                     [x3, RS.uniform(0.5, 1.5, 3), RS.randn(3)], False),
        "in_3d": ("InstanceNorm", {}, [x3, RS.uniform(0.5, 1.5, 3), RS.randn(3)], False),
        "in_4d": ("InstanceNorm", {"eps": 1e-5}, [x4, RS.uniform(0.5, 1.5, 3), RS.randn(3)],
                  False),
        "lrn_3": ("LRN", {"nsize": 3, "alpha": 0.1}, [x4 * 2], False),
        "lrn_4": ("LRN", {"nsize": 4, "alpha": 0.5, "beta": 0.6, "knorm": 1.0}, [x4 * 2], False),
        "lrn_5": ("LRN", {"nsize": 5}, [RS.randn(1, 6, 2, 2)], False),
        "leaky": ("LeakyReLU", {"act_type": "leaky", "slope": 0.1}, [signed], False),
        "elu": ("LeakyReLU", {"act_type": "elu", "slope": 0.7}, [signed], False),
        "selu": ("LeakyReLU", {"act_type": "selu"}, [signed], False),
        "gelu": ("LeakyReLU", {"act_type": "gelu"}, [signed], False),
        "prelu_channel": ("LeakyReLU", {"act_type": "prelu"}, [signed, [0.1, 0.2, 0.3]], False),
        "prelu_batch_channel": ("LeakyReLU", {"act_type": "prelu"},
                                [signed, [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]], False),
        "rrelu_inference": ("LeakyReLU", {"act_type": "rrelu", "lower_bound": 0.2,
                                          "upper_bound": 0.4}, [signed], False),
        "softmax_length": ("softmax", {"use_length": True, "temperature": 2.0},
                           [x3, np.array([[1, 2, 4], [3, 0, 2]], np.int32)], False),
        "softmax_length_axis1": ("softmax", {"use_length": True, "axis": 1},
                                 [x3, np.array([[1, 2, 3, 0], [3, 1, 2, 2]], np.int32)], False),
        "softmax_activation": ("SoftmaxActivation", {}, [x4], False),
        "softmax_activation_channel": ("SoftmaxActivation", {"mode": "channel"}, [x4], False),
        "l2_instance": ("L2Normalization", {}, [x4], False),
        "l2_channel": ("L2Normalization", {"mode": "channel"}, [x4], False),
        "l2_spatial": ("L2Normalization", {"mode": "spatial", "eps": 0.1}, [x4], False),
    }


def _as_input(value):
    value = np.asarray(value)
    return value if value.dtype.kind == "i" else value.astype(np.float32)


CASES = {name: (op, params, [_as_input(v) for v in inputs], train)
         for name, (op, params, inputs, train) in _cases().items()}


def main():
    import mxnet as mx
    arrays = {}
    for name, (op, params, inputs, train) in CASES.items():
        nds = [mx.nd.array(a, dtype=a.dtype) for a in inputs]
        num_aux = 2 if op == "BatchNorm" else 0
        args = nds[:len(nds) - num_aux]
        for a in args:
            if a.dtype != np.int32:
                a.attach_grad()
        with mx.autograd.record(train_mode=train):
            out = getattr(mx.nd, op)(*nds, **params)
        outs = out if isinstance(out, list) else [out]
        for i, value in enumerate(inputs):
            arrays[f"{name}/in{i}"] = value
        if train:
            head = RS.uniform(-1, 1, outs[0].shape).astype(np.float32)
            arrays[f"{name}/head"] = head
            outs[0].backward(mx.nd.array(head))
            for i, a in enumerate(args):
                arrays[f"{name}/grad{i}"] = a.grad.asnumpy()
            for i, a in enumerate(nds[len(args):]):
                arrays[f"{name}/aux{i}"] = a.asnumpy()
        for i, o in enumerate(outs):
            arrays[f"{name}/out{i}"] = o.asnumpy()
    np.savez_compressed(os.path.join(HERE, "nn.npz"), **arrays)


if __name__ == "__main__":
    main()

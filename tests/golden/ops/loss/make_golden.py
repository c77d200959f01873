"""Golden forward outputs and gradients of the loss operators, written by real MXNet 1.9.1.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/ops/loss/make_golden.py

Each case binds ``mx.sym.<op>`` with ``simple_bind``, runs ``forward(is_train=True)`` and
``backward`` with a random head gradient that is *not* all ones (the loss layers ignore it),
and stores the inputs, the head, the outputs and every input's gradient in ``golden.npz``
under ``<case>/<key>``; ``__cases__`` holds the JSON list of (case, op, params, input names).
"""
import json
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RS = np.random.RandomState(42)


def _logits(*shape):
    return RS.randn(*shape)


def _labels(values):
    return np.array(values, np.float64)


def _softmax_cases():
    yield "softmax_null", {}, _logits(4, 3), _labels([0, 2, 1, 2])
    yield "softmax_batch", {"normalization": "batch"}, _logits(4, 3), _labels([0, 2, 1, 2])
    # valid counts labels != ignore_label even without use_ignore
    yield "softmax_valid", {"normalization": "valid"}, _logits(4, 3), _labels([0, -1, 1, -1])
    yield ("softmax_ignore_valid", {"use_ignore": True, "ignore_label": 2,
                                    "normalization": "valid"}, _logits(5, 3),
           _labels([0, 2, 1, 2, 1]))
    yield ("softmax_ignore_batch_scale", {"use_ignore": True, "normalization": "batch",
                                          "grad_scale": 2.5}, _logits(4, 3),
           _labels([-1, 2, 1, 0]))
    yield ("softmax_all_ignored_valid", {"use_ignore": True, "normalization": "valid"},
           _logits(3, 3), _labels([-1, -1, -1]))
    yield ("softmax_smooth_ignore", {"smooth_alpha": 0.3, "use_ignore": True}, _logits(4, 4),
           _labels([0, 3, -1, 1]))
    # labels truncate toward zero; out-of-range labels subtract nothing; -1.5 is ignored as -1
    yield ("softmax_fractional_labels", {"use_ignore": True, "normalization": "valid"},
           _logits(6, 3), _labels([1.7, -0.5, 2.9, 3, -1.5, 0.2]))
    yield "multi_null", {"multi_output": True}, _logits(2, 3, 4), _labels([[0, 1, 2, -1],
                                                                          [2, -1, 1, 0]])
    yield ("multi_batch", {"multi_output": True, "normalization": "batch"}, _logits(2, 3, 4),
           _labels([[0, 1, 2, 1], [2, 0, 1, 0]]))
    yield ("multi_valid_ignore_4d", {"multi_output": True, "normalization": "valid",
                                     "use_ignore": True, "grad_scale": 1.5},
           _logits(2, 3, 2, 2), _labels([[[0, -1], [2, 1]], [[-1, -1], [1, 0]]]))
    yield ("multi_label_n1d", {"multi_output": True}, _logits(2, 3, 4),
           _labels([[[0, 1, 2, 1]], [[2, 0, 1, 0]]]))
    yield ("multi_label_flat_4d", {"multi_output": True, "normalization": "batch"},
           _logits(2, 3, 2, 2), _labels([[0, 1, 2, 1], [2, 0, 1, 0]]))
    yield ("multi_smooth_is_unused", {"multi_output": True, "smooth_alpha": 0.2},
           _logits(2, 3, 4), _labels([[0, 1, 2, 1], [2, 0, 1, 0]]))
    yield ("preserve_batch", {"preserve_shape": True, "normalization": "batch"},
           _logits(2, 3, 4), _labels([[0, 1, 3], [2, -1, 1]]))
    yield ("preserve_valid_ignore_smooth", {"preserve_shape": True, "normalization": "valid",
                                            "use_ignore": True, "smooth_alpha": 0.1},
           _logits(2, 3, 4), _labels([[0, 1, 3], [2, -1, 1]]))
    # default mode flattens (N, ...) to (N, size / N); only the first N labels are used
    yield ("default_3d_batch", {"normalization": "batch"}, _logits(2, 3, 4),
           _labels([[0, 1, 3], [2, -1, 1]]))
    yield ("probability_label", {"normalization": "batch", "grad_scale": 2.0,
                                 "use_ignore": True, "ignore_label": 0, "smooth_alpha": 0.3},
           _logits(3, 4), _softmax(_logits(3, 4), -1))
    yield ("probability_label_multi", {"multi_output": True, "normalization": "valid"},
           _logits(2, 3, 2), _softmax(_logits(2, 3, 2), 1))
    # out_grad multiplies by the softmax output, not by the head gradient (MXNet 1.9.1)
    yield ("out_grad", {"out_grad": True, "normalization": "batch", "grad_scale": 2.0},
           _logits(4, 3), _labels([0, 2, 1, 2]))
    yield ("out_grad_multi", {"out_grad": True, "multi_output": True}, _logits(2, 3, 4),
           _labels([[0, 1, 2, 1], [2, 0, 1, 0]]))
    yield ("out_grad_probability", {"out_grad": True}, _logits(3, 4),
           _softmax(_logits(3, 4), -1))


def _softmax(x, axis):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def cases():
    """(case, op, params, {input name: array}, dtype) for every golden case."""
    for name, params, data, label in _softmax_cases():
        yield name, "SoftmaxOutput", params, {"data": data, "label": label}, "float32"
    data, label = _logits(4, 3), _labels([0, 2, -1, 1])
    yield ("softmax_float64", "SoftmaxOutput",
           {"normalization": "valid", "use_ignore": True, "smooth_alpha": 0.1},
           {"data": data, "label": label}, "float64")
    for op in ("LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"):
        key = op.replace("RegressionOutput", "").lower()
        yield (f"{key}_scale", op, {"grad_scale": 3.0},
               {"data": _logits(3, 4), "label": _logits(3, 4)}, "float32")
        yield f"{key}_column", op, {}, {"data": _logits(4, 1), "label": _logits(4)}, "float32"
        yield (f"{key}_3d_label_reshaped", op, {"grad_scale": 0.5},
               {"data": _logits(2, 1, 3), "label": _logits(2, 3)}, "float32")
        yield (f"{key}_float64", op, {}, {"data": _logits(2, 3), "label": _logits(2, 3)},
               "float64")
    yield ("mae_zero_difference", "MAERegressionOutput", {},
           {"data": _labels([[0.5, -1.0], [0.0, 2.0]]),
            "label": _labels([[0.5, 0.0], [1.0, 1.0]])}, "float32")
    yield "makeloss_null", "MakeLoss", {}, {"data": _logits(2, 3, 4)}, "float32"
    yield "makeloss_scale", "MakeLoss", {"grad_scale": 2.0}, {"data": _logits(2, 3)}, "float32"
    yield ("makeloss_batch", "MakeLoss", {"normalization": "batch", "grad_scale": 3.0},
           {"data": _logits(2, 3, 4)}, "float32")
    yield ("makeloss_batch_1d", "MakeLoss", {"normalization": "batch"}, {"data": _logits(5)},
           "float32")
    yield ("makeloss_valid", "MakeLoss", {"normalization": "valid"},
           {"data": _logits(2, 3, 4)}, "float32")
    yield ("makeloss_valid_thresh", "MakeLoss", {"normalization": "valid", "valid_thresh": 0.5},
           {"data": _labels([[0.5, 0.5, 1.0], [0.0, 0.2, 0.7]])}, "float32")
    yield ("makeloss_valid_none", "MakeLoss", {"normalization": "valid"},
           {"data": -np.abs(_logits(2, 3))}, "float32")
    yield ("makeloss_float64", "MakeLoss", {"normalization": "batch"}, {"data": _logits(3, 2)},
           "float64")
    yield "make_loss", "make_loss", {}, {"data": _logits(2, 3)}, "float32"
    yield "blockgrad", "BlockGrad", {}, {"data": _logits(2, 3)}, "float32"


def _run(op, params, inputs, dtype):
    names = list(inputs)
    sym = getattr(mx.sym, op)(*[mx.sym.var(n) for n in names], name="op", **params)
    assert sym.list_arguments() == names, sym.list_arguments()
    ex = sym.simple_bind(mx.cpu(), grad_req="write", type_dict={n: dtype for n in names},
                         **{n: a.shape for n, a in inputs.items()})
    for n, a in inputs.items():
        ex.arg_dict[n][:] = a.astype(dtype)
    out = ex.forward(is_train=True)[0].asnumpy()
    head = RS.uniform(0.5, 2.0, out.shape).astype(dtype)
    ex.backward([mx.nd.array(head, dtype=dtype)])
    grads = {n: ex.grad_dict[n].asnumpy() for n in names}
    return out, head, grads


def main():
    arrays, table = {}, []
    for name, op, params, inputs, dtype in cases():
        out, head, grads = _run(op, params, inputs, dtype)
        table.append({"case": name, "op": op, "params": params, "inputs": list(inputs)})
        for n, a in inputs.items():
            arrays[f"{name}/{n}"] = a.astype(dtype)
            arrays[f"{name}/grad_{n}"] = grads[n]
        arrays[f"{name}/head"] = head
        arrays[f"{name}/output"] = out
    arrays["__cases__"] = np.array(json.dumps(table))
    np.savez_compressed(os.path.join(HERE, "golden.npz"), **arrays)
    print(f"wrote {len(table)} cases")


if __name__ == "__main__":
    main()

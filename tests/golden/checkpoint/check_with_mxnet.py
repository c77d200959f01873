"""Reverse-direction check: a checkpoint WRITTEN by symjax_mx must LOAD and RUN in real MXNet.

tests/test_checkpoint_golden.py checks automatically that MXNet's checkpoints (written by
make_golden.py here) load and compute the same in symjax_mx.  This script checks the other
direction by hand, with a Python that has mxnet 1.9.1::

    /tmp/mxref/bin/python tests/golden/checkpoint/check_with_mxnet.py PREFIX EPOCH OURS.npz

``PREFIX-symbol.json`` and ``PREFIX-%04d.params`` were written by symjax_mx's
``save_checkpoint``; ``OURS.npz`` holds what symjax_mx computed from that checkpoint:

* ``predict_data``, ``predict``: inference outputs of ``Module.predict`` (batch size
  ``batch_size``);
* optionally ``fb_data``, ``fb_label``, ``fb_out``, ``input_grad``, ``grad/<param>``,
  ``aux_after/<aux>``: a training-mode ``forward_backward`` on one batch (as in
  make_golden.py);
* optionally ``arg/<name>``, ``aux/<name>``: the saved parameter values, compared exactly.

It loads the checkpoint twice, with ``mx.model.load_checkpoint`` (then ``Module`` +
``bind`` + ``set_params``) and with ``mx.mod.Module.load``, runs the same computations and
prints ``OK`` (exit 0), or fails with an AssertionError (non-zero exit).

``write_for_mxnet`` in tests/test_checkpoint_golden.py writes such files (see its docstring).
"""
import sys

import numpy as np

RTOL, ATOL = 1e-5, 1e-6


def _close(got, want, what):
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def check(prefix, epoch, ours_path):
    import mxnet as mx

    ours = dict(np.load(ours_path))
    batch_size = int(ours["batch_size"])
    data = ours["predict_data"]
    shape = (batch_size,) + data.shape[1:]

    # 1. mx.model.load_checkpoint: every saved value, exactly
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix, epoch)
    for key, want in ours.items():
        kind, _, name = key.partition("/")
        if kind in ("arg", "aux"):
            params = arg_params if kind == "arg" else aux_params
            assert name in params, (key, sorted(params))
            np.testing.assert_array_equal(params[name].asnumpy(), want, err_msg=key)
    inputs = {"data", "softmax_label"}
    assert sorted(arg_params) == sorted(n for n in sym.list_arguments() if n not in inputs)
    assert sorted(aux_params) == sorted(sym.list_auxiliary_states())

    # 2. inference, through load_checkpoint + set_params and through Module.load
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind(data_shapes=[("data", shape)], for_training=False)
    mod.set_params(arg_params, aux_params)
    _close(mod.predict(mx.io.NDArrayIter(data, batch_size=batch_size)).asnumpy(),
           ours["predict"], "predict (load_checkpoint)")
    mod = mx.mod.Module.load(prefix, epoch, context=mx.cpu())
    mod.bind(data_shapes=[("data", shape)], for_training=False)
    _close(mod.predict(mx.io.NDArrayIter(data, batch_size=batch_size)).asnumpy(),
           ours["predict"], "predict (Module.load)")

    # 3. training forward + backward
    checked = ["predict"]
    if "fb_data" in ours:
        mod = mx.mod.Module.load(prefix, epoch, context=mx.cpu())
        mod.bind(data_shapes=[("data", shape)], label_shapes=[("softmax_label", shape[:1])],
                 for_training=True, inputs_need_grad=True)
        mod.forward_backward(mx.io.DataBatch(data=[mx.nd.array(ours["fb_data"])],
                                             label=[mx.nd.array(ours["fb_label"])]))
        _close(mod.get_outputs()[0].asnumpy(), ours["fb_out"], "fb_out")
        _close(mod.get_input_grads()[0].asnumpy(), ours["input_grad"], "input_grad")
        group = mod._exec_group
        grads = dict(zip(group.param_names, (g[0] for g in group.grad_arrays)))
        auxs = dict(zip(group.aux_names, (a[0] for a in group.aux_arrays)))
        for key, want in ours.items():
            kind, _, name = key.partition("/")
            if kind == "grad":
                _close(grads[name].asnumpy(), want, key)
            elif kind == "aux_after":
                _close(auxs[name].asnumpy(), want, key)
        checked.append("forward_backward")
    print(f"OK {prefix}-{epoch:04d} ({', '.join(checked)}; {len(arg_params)} args, "
          f"{len(aux_params)} aux)")


def main(argv):
    if len(argv) != 3:
        print(__doc__)
        return 2
    check(argv[0], int(argv[1]), argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

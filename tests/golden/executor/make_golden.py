"""Write golden.npz: what MXNet 1.9.1's Executor computes for the golden Symbol graphs of
tests/golden/symbol/ (for tests/test_executor_golden.py).  Run with the real MXNet::

    /tmp/mxref/bin/python tests/golden/executor/make_golden.py

For every graph ``net`` in NETS, loaded with ``mx.sym.load(<net>-symbol.json)``, it binds
``exe = sym.simple_bind(mx.cpu(), grad_req='write', **input_shapes)`` (the shapes recorded in
``<net>.expected.json``), fills every argument and auxiliary state with seeded values, then runs,
in this order, on the same executor:

1. ``exe.forward(is_train=False)``                     -> ``net/eval0/out/<i>``
2. ``exe.forward(is_train=True)``                      -> ``net/train/out/<i>``,
                                                          ``net/train/aux_fwd/<aux>``
3. ``exe.backward(out_grads)``                         -> ``net/train/grad/<arg>``,
                                                          ``net/train/aux/<aux>``
4. ``exe.forward(is_train=False)`` (updated aux states) -> ``net/eval1/out/<i>``

The inputs are ``net/arg/<arg>`` and ``net/aux/<aux>`` (stored as float16 to keep the file
small: every value was drawn, rounded to float16 and is used as the exactly equal float32;
arguments whose MXNet dtype is not float32 keep their own dtype) and ``net/head/<i>``, the head
gradients given to backward.  Graphs whose heads are all loss operators (SoftmaxOutput) get
``exe.backward()`` with no out_grads; any other graph gets seeded uniform head gradients, because
MXNet refuses ``backward()`` without them there ("Because the last operator is not Loss function,
head_gradient is required when calling backward").  ``meta`` (a JSON string) records, per net,
the input shapes, the argument / auxiliary / output names, the argument dtypes, whether head
gradients were needed, and whether MXNet's ``backward()`` without them raised.

Values: data and biases uniform in [-0.5, 0.5]; weights (2-D and more) uniform in
[-sqrt(3/fan_in), sqrt(3/fan_in)] so that deep nets neither blow up nor saturate the softmax
in inference mode; BatchNorm gamma in [0.5, 1.5], moving_mean in
[-0.2, 0.2], moving_var in [0.5, 1.5]; labels are integers in [0, num_classes) (as float32).
"""
import json
import os
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SYMBOLS = os.path.join(HERE, "..", "symbol")

# graphs of tests/golden/symbol/ run here (all that have a forward/backward)
NETS = ["mlp", "lenet", "resnet18", "inception", "lstm", "scalar_arith", "group2",
        "slice_channel", "attr_scope", "name_prefix", "old_convnet", "old_slice_bn"]


def input_shapes(net):
    with open(os.path.join(SYMBOLS, net + ".expected.json")) as f:
        return {k: tuple(v) for k, v in json.load(f)["input_shapes"].items()}


def _draw(rng, name, shape, dtype, num_classes):
    if name.endswith("_label"):
        return rng.randint(0, num_classes, size=shape).astype(dtype)
    if name.endswith("_gamma") or name.endswith("_moving_var"):
        lo, hi = 0.5, 1.5
    elif name.endswith("_moving_mean"):
        lo, hi = -0.2, 0.2
    elif name.endswith("_weight") and len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))        # keeps activations O(1) in deep nets
        hi = float(np.sqrt(3.0 / fan_in))
        lo = -hi
    else:
        lo, hi = -0.5, 0.5
    x = rng.uniform(lo, hi, size=shape).astype(np.float16)
    return x.astype(dtype)


def _stored(x):
    """How an input is kept in the npz: float16 for float32 values (exact), else as is."""
    return x.astype(np.float16) if x.dtype == np.float32 else x


def run(mx, net):
    sym = mx.sym.load(os.path.join(SYMBOLS, net + "-symbol.json"))
    shapes = input_shapes(net)
    rng = np.random.RandomState(zlib.crc32(net.encode()) & 0x7FFFFFFF)
    exe = sym.simple_bind(mx.cpu(), grad_req="write", **shapes)
    out_shapes = [o.shape for o in exe.outputs]
    num_classes = out_shapes[0][-1]
    rec = {}
    for name in sym.list_arguments():
        arr = exe.arg_dict[name]
        val = _draw(rng, name, arr.shape, arr.dtype, num_classes)
        arr[:] = val
        rec["%s/arg/%s" % (net, name)] = _stored(val)
    for name in sym.list_auxiliary_states():
        arr = exe.aux_dict[name]
        val = _draw(rng, name, arr.shape, arr.dtype, num_classes)
        arr[:] = val
        rec["%s/aux/%s" % (net, name)] = _stored(val)

    # does MXNet accept backward() without head gradients for this graph?
    exe.forward(is_train=True)
    try:
        exe.backward()
        needs_head = False
    except mx.base.MXNetError:
        needs_head = True
    # the bound values again (the probe above may have moved the aux states)
    for name in sym.list_arguments():
        exe.arg_dict[name][:] = rec["%s/arg/%s" % (net, name)].astype(exe.arg_dict[name].dtype)
    for name in sym.list_auxiliary_states():
        exe.aux_dict[name][:] = rec["%s/aux/%s" % (net, name)].astype(exe.aux_dict[name].dtype)

    heads = None
    if needs_head:
        heads = [rng.uniform(-1, 1, size=s).astype(np.float32) for s in out_shapes]
        for i, h in enumerate(heads):
            rec["%s/head/%d" % (net, i)] = h

    exe.forward(is_train=False)
    for i, o in enumerate(exe.outputs):
        rec["%s/eval0/out/%d" % (net, i)] = o.asnumpy()
    exe.forward(is_train=True)
    for i, o in enumerate(exe.outputs):
        rec["%s/train/out/%d" % (net, i)] = o.asnumpy()
    for name in sym.list_auxiliary_states():
        rec["%s/train/aux_fwd/%s" % (net, name)] = exe.aux_dict[name].asnumpy()
    if heads is None:
        exe.backward()
    else:
        exe.backward([mx.nd.array(h) for h in heads])
    for name in sym.list_arguments():
        rec["%s/train/grad/%s" % (net, name)] = exe.grad_dict[name].asnumpy()
    for name in sym.list_auxiliary_states():
        rec["%s/train/aux/%s" % (net, name)] = exe.aux_dict[name].asnumpy()
    exe.forward(is_train=False)
    for i, o in enumerate(exe.outputs):
        rec["%s/eval1/out/%d" % (net, i)] = o.asnumpy()

    meta = {
        "input_shapes": {k: list(v) for k, v in shapes.items()},
        "arguments": sym.list_arguments(),
        "aux_states": sym.list_auxiliary_states(),
        "outputs": sym.list_outputs(),
        "arg_dtypes": {n: np.dtype(exe.arg_dict[n].dtype).name for n in sym.list_arguments()},
        "needs_out_grads": needs_head,
    }
    return rec, meta


def main():
    import mxnet as mx
    assert mx.__version__ == "1.9.1", mx.__version__
    records, meta = {}, {}
    for net in NETS:
        rec, m = run(mx, net)
        records.update(rec)
        meta[net] = m
        print("%-14s needs_out_grads=%-5s outputs=%s" % (net, m["needs_out_grads"],
                                                         m["outputs"]))
    records["meta"] = np.array(json.dumps(meta, sort_keys=True))
    path = os.path.join(HERE, "golden.npz")
    np.savez_compressed(path, **records)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()

"""Golden checkpoints written by real MXNet 1.9.1, for tests/test_checkpoint_golden.py.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/checkpoint/make_golden.py

For each network in NETS (``mlp``: FullyConnected -> BatchNorm -> relu -> FullyConnected ->
SoftmaxOutput on data (4, 6); ``convnet``: Convolution 3x3 -> BatchNorm(fix_gamma=False) ->
relu -> max Pooling 2x2 -> Flatten -> FullyConnected -> SoftmaxOutput on data (2, 1, 8, 8)),
it trains an ``mx.mod.Module`` for TRAIN_STEPS steps of SGD with momentum on seeded batches (so
the BatchNorm moving statistics are far from their initial 0 / 1), then writes

* ``<net>-symbol.json`` and ``<net>-0003.params``  -- ``mod.save_checkpoint(<net>, 3)``;
* ``<net>.npz`` with, for the checkpoint just written:

  - ``predict_data``: a fixed input of two batches; ``predict``: what
    ``mx.mod.Module.load(<net>, 3)`` bound with ``for_training=False`` returns from
    ``predict(NDArrayIter(predict_data, batch_size=BATCH))``;
  - ``fb_data`` / ``fb_label``: one fixed batch; for a fresh ``Module.load(<net>, 3)`` bound
    with ``for_training=True, inputs_need_grad=True`` and ``forward_backward`` on it:
    ``fb_out`` (the training-mode output), ``grad/<param>`` (``mod._exec_group.grad_arrays``,
    i.e. the executor's gradients, before any optimizer rescaling), ``input_grad``
    (``get_input_grads()[0]``) and ``aux_after/<aux>`` (the executor's auxiliary states after
    that training forward, ``mod._exec_group.aux_arrays``; MXNet's ``get_params()`` would still
    return the checkpoint's values here, as it syncs from the devices only after ``update()``).

Inputs are uniform values rounded to float16 (exact in float32) to keep the files small.
"""
import os
import shutil
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCH = 3
TRAIN_STEPS = 6
NETS = {
    # name: (data shape of one batch, number of classes)
    "mlp": ((4, 6), 3),
    "convnet": ((2, 1, 8, 8), 3),
}


def build(mx, net):
    data = mx.sym.Variable("data")
    if net == "mlp":
        x = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
        x = mx.sym.BatchNorm(x, name="bn1")
        x = mx.sym.Activation(x, act_type="relu", name="relu1")
        x = mx.sym.FullyConnected(x, num_hidden=3, name="fc2")
    else:
        x = mx.sym.Convolution(data, num_filter=4, kernel=(3, 3), pad=(1, 1), name="conv1")
        x = mx.sym.BatchNorm(x, fix_gamma=False, name="bn1")
        x = mx.sym.Activation(x, act_type="relu", name="relu1")
        x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
        x = mx.sym.Flatten(x, name="flat1")
        x = mx.sym.FullyConnected(x, num_hidden=3, name="fc1")
    return mx.sym.SoftmaxOutput(x, name="softmax")


def draw(rng, shape, num_classes, offset=0.0):
    """(data, label): data uniform in [-1, 1) + offset, rounded to float16."""
    data = (rng.uniform(-1, 1, size=shape) + offset).astype(np.float16).astype(np.float32)
    label = rng.randint(0, num_classes, size=shape[:1]).astype(np.float32)
    return data, label


def batch(mx, data, label=None):
    return mx.io.DataBatch(data=[mx.nd.array(data)],
                           label=None if label is None else [mx.nd.array(label)])


def make(mx, net, out_dir):
    shape, classes = NETS[net]
    rng = np.random.RandomState(sum(map(ord, net)))
    mx.random.seed(42)
    mod = mx.mod.Module(build(mx, net), context=mx.cpu())
    mod.bind(data_shapes=[("data", shape)], label_shapes=[("softmax_label", shape[:1])])
    mod.init_params(mx.init.Xavier(magnitude=2.0))
    mod.init_optimizer(optimizer="sgd",
                       optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    for _ in range(TRAIN_STEPS):
        # the offset moves the BatchNorm input mean away from 0
        data, label = draw(rng, shape, classes, offset=0.7)
        mod.forward_backward(batch(mx, data, label))
        mod.update()
    prefix = os.path.join(out_dir, net)
    mod.save_checkpoint(prefix, EPOCH)

    result = {}
    # inference through Module.load, two batches
    predict_data, _ = draw(rng, (2 * shape[0],) + shape[1:], classes, offset=0.5)
    pmod = mx.mod.Module.load(prefix, EPOCH, context=mx.cpu())
    pmod.bind(data_shapes=[("data", shape)], for_training=False)
    it = mx.io.NDArrayIter(predict_data, batch_size=shape[0])
    result["predict_data"] = predict_data
    result["predict"] = pmod.predict(it).asnumpy()

    # training forward + backward through Module.load
    fb_data, _ = draw(rng, shape, classes, offset=0.3)
    fb_label = (np.arange(shape[0]) % classes).astype(np.float32)
    tmod = mx.mod.Module.load(prefix, EPOCH, context=mx.cpu())
    tmod.bind(data_shapes=[("data", shape)], label_shapes=[("softmax_label", shape[:1])],
              for_training=True, inputs_need_grad=True)
    tmod.forward_backward(batch(mx, fb_data, fb_label))
    result["fb_data"] = fb_data
    result["fb_label"] = fb_label
    result["fb_out"] = tmod.get_outputs()[0].asnumpy()
    result["input_grad"] = tmod.get_input_grads()[0].asnumpy()
    group = tmod._exec_group
    for name, grads in zip(group.param_names, group.grad_arrays):
        result["grad/" + name] = grads[0].asnumpy()
    for name, auxs in zip(group.aux_names, group.aux_arrays):
        result["aux_after/" + name] = auxs[0].asnumpy()
    np.savez_compressed(os.path.join(out_dir, net + ".npz"), **result)
    return [prefix + "-symbol.json", "%s-%04d.params" % (prefix, EPOCH),
            os.path.join(out_dir, net + ".npz")]


def main():
    import mxnet as mx

    assert mx.__version__ == "1.9.1", mx.__version__
    tmp = tempfile.mkdtemp()
    try:
        for net in NETS:
            for path in make(mx, net, tmp):
                shutil.copy(path, os.path.join(HERE, os.path.basename(path)))
                print("wrote", os.path.basename(path), os.path.getsize(path), "bytes")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

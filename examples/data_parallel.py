"""Data-parallel training on several devices: the same network trained with
context=[mx.cpu(0), ..., mx.cpu(K-1)] (one SPMD program, each batch split across the
devices, gradients all-reduced inside the step) and on one device; the parameters agree.

On a machine without GPUs, give JAX several host devices first:

    XLA_FLAGS=--xla_force_host_platform_device_count=4 python examples/data_parallel.py
"""
import logging
import time

import jax
import numpy as np

import symjax_mx as mx


def network():
    x = mx.sym.var("data")
    x = mx.sym.Convolution(x, kernel=(3, 3), pad=(1, 1), num_filter=8, name="conv")
    x = mx.sym.BatchNorm(x, fix_gamma=False, name="bn")
    x = mx.sym.Activation(x, act_type="relu")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2))
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=10, name="fc")
    return mx.sym.SoftmaxOutput(x, name="softmax")


def train(contexts, data, label):
    mx.random.seed(7)
    mod = mx.mod.Module(network(), context=contexts)
    start = time.perf_counter()
    mod.fit(mx.io.NDArrayIter(data, label, batch_size=64), num_epoch=3,
            initializer=mx.init.Xavier(), optimizer="sgd",
            optimizer_params={"learning_rate": 0.05, "momentum": 0.9})
    elapsed = time.perf_counter() - start
    arg_params, aux_params = mod.get_params()
    return {k: v.asnumpy() for k, v in {**arg_params, **aux_params}.items()}, elapsed


def main():
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("jax").setLevel(logging.WARNING)
    devices = mx.context.num_gpus() or len(jax.local_devices())
    make = mx.gpu if mx.context.num_gpus() else mx.cpu
    contexts = [make(i) for i in range(min(devices, 4))]
    if len(contexts) < 2:
        raise SystemExit("needs two or more devices; see the docstring for XLA_FLAGS")
    rng = np.random.RandomState(0)
    data = rng.rand(512, 1, 12, 12).astype(np.float32)
    label = rng.randint(0, 10, 512).astype(np.float32)
    one, t_one = train(contexts[:1], data, label)
    many, t_many = train(contexts, data, label)
    difference = max(float(np.abs(one[k] - many[k]).max()) for k in one)
    print(f"trained on {contexts[:1]} in {t_one:.2f} s and on {contexts} in {t_many:.2f} s")
    print(f"max difference between the parameters: {difference:.2e}")


if __name__ == "__main__":
    main()

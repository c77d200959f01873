"""Compile time of convolutional training steps: a hybridized Gluon model-zoo network's
first training step (record, forward, SoftmaxCrossEntropyLoss, backward and
``Trainer.step`` with SGD and momentum: one fused program) and the steps after it.

Each measurement runs in a fresh process (compiled programs are cached per process).
The network's parameters are initialised by an inference call first, whose compile is
not counted; then the seconds of the first training step (tracing and XLA's compile of
the fused forward, backward and update program; wall clock and the process's CPU time,
which the other workers on a shared machine disturb less) and the median milliseconds
of the steps after it are printed as medians of interleaved rounds.

Configurations: ``product`` (what the lowering does), ``autodiff`` (depthwise
convolutions differentiated by JAX from their per-tap forward, as before
``symjax_mx/ops/depthwise.py`` had its own gradients) and ``bn_autodiff`` (BatchNorm's
training normalization differentiated by JAX, as before
``symjax_mx/ops/norm_gradients.py`` had its own gradient).

Run: ``python bench/compile_time_conv.py [--nets mobilenet0.25,mobilenetv2_0.25,resnet18_v1]
[--size 64] [--batch 8] [--rounds 3] [--steps 5] [--configs product,autodiff,bn_autodiff]``
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from first_step import print_compile_and_steps

CLASSES = 10


def _autodiff_depthwise():
    """Make Convolution's depthwise case the per-tap forward that JAX differentiates."""
    import jax.numpy as jnp

    from symjax_mx.ops import conv, depthwise
    from symjax_mx.ops.conv_patches import per_axis

    def by_autodiff(data, weight, layout, window, out_sizes):
        channel = layout.index("C")
        multiplier = weight.shape[0] // data.shape[channel]
        if multiplier > 1:
            data = jnp.repeat(data, multiplier, axis=channel)
        data = jnp.pad(data, per_axis(layout, [(p, p) for p in window["pad"]], (0, 0)))
        return depthwise._multiply_add(data, weight.reshape(weight.shape[0], -1), layout,
                                       depthwise._kernel(weight, channel), out_sizes,
                                       window["stride"], window["dilate"])
    conv.depthwise = by_autodiff


def _autodiff_batch_norm():
    """Make BatchNorm's training normalization the formula that JAX differentiates."""
    import jax.numpy as jnp
    from jax import lax

    from symjax_mx.ops import nn

    def by_autodiff(x, gamma, beta, axis, eps):
        reduce = tuple(i for i in range(x.ndim) if i != axis)
        mean, var = x.mean(reduce), x.var(reduce)
        inv_std = lax.rsqrt(var + eps)
        shape = [1] * x.ndim
        shape[axis] = -1
        out = ((x - mean.reshape(shape)) * (gamma * inv_std).reshape(shape)
               + beta.reshape(shape))
        return out, mean, var, inv_std
    nn.normalize_batch = by_autodiff


def child(net_name, size, batch, config, steps):
    """One measurement: prints a JSON line."""
    import numpy as np

    import symjax_mx as mx
    from symjax_mx import gluon
    if config == "autodiff":
        _autodiff_depthwise()
    elif config == "bn_autodiff":
        _autodiff_batch_norm()
    net = gluon.model_zoo.vision.get_model(net_name, classes=CLASSES)
    net.initialize(mx.init.Xavier())
    net.hybridize(static_alloc=True, static_shape=True)
    rng = np.random.RandomState(0)
    data = mx.nd.array(rng.uniform(-1, 1, (batch, 3, size, size)))
    label = mx.nd.array(rng.randint(0, CLASSES, batch))
    net(data).wait_to_read()  # deferred initialisation (an inference program)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.01, "momentum": 0.9})

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(batch)
        loss.wait_to_read()

    print_compile_and_steps(step, steps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nets", default="mobilenet0.25,mobilenetv2_0.25,resnet18_v1")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--configs", default="product,autodiff,bn_autodiff")
    parser.add_argument("--steps", type=int, default=5, help="steps timed after the first")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        net, size, batch, config, steps = args.child
        child(net, int(size), int(batch), config, int(steps))
        return
    nets, configs = args.nets.split(","), args.configs.split(",")
    results = {(n, c): [] for n in nets for c in configs}
    for _ in range(args.rounds):
        for net in nets:
            for config in configs:
                out = subprocess.run(
                    [sys.executable, __file__, "--child", net, str(args.size),
                     str(args.batch), config, str(args.steps)],
                    capture_output=True, text=True, env=os.environ, check=True).stdout
                results[net, config].append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'network':>18} {'config':>9} {'compile s':>10} {'compile cpu s':>14} "
          f"{'step ms':>8}")
    for (net, config), runs in results.items():
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{net:>18} {config:>9} {median['compile_s']:>10.2f} "
              f"{median['compile_cpu_s']:>14.2f} {median['step_ms']:>8.1f}")


if __name__ == "__main__":
    main()

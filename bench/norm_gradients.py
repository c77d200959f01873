"""BatchNorm (training) and LayerNorm forward + backward: the operators' hand-written
gradients (``symjax_mx/ops/norm_gradients.py``) against JAX differentiating the same
formula, in one process. Prints kernels (XLA fusions) of each compiled gradient and the
median milliseconds of a call, with the ratio autodiff / hand-written.

Run: ``python bench/norm_gradients.py [--rounds 7]``
"""
import argparse
import re
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from symjax_mx.ops import get_op


def _batch_norm_autodiff(x, gamma, beta):
    reduce = (0, 2, 3)
    mean, var = x.mean(reduce), x.var(reduce)
    scale = (gamma * lax.rsqrt(var + 1e-3)).reshape(1, -1, 1, 1)
    return (x - mean.reshape(1, -1, 1, 1)) * scale + beta.reshape(1, -1, 1, 1)


def _layer_norm_autodiff(x, gamma, beta):
    mean, std = x.mean(-1, keepdims=True), jnp.sqrt(x.var(-1, keepdims=True) + 1e-5)
    return (x - mean) / std * gamma + beta


def _operator(name, params):
    op = get_op(name)
    parsed = op.parse_params(params)

    def run(x, gamma, beta):
        aux = [jnp.zeros_like(gamma), jnp.ones_like(gamma)] if name == "BatchNorm" else []
        return op.compute([x, gamma, beta], aux, parsed, True, None)[0][0]
    return run


CASES = {  # name: (shape, channel axis, operator, JAX's formula)
    "BatchNorm (32, 64, 28, 28)": ((32, 64, 28, 28), 1,
                                   _operator("BatchNorm", {"fix_gamma": False}),
                                   _batch_norm_autodiff),
    "LayerNorm (64, 128, 512)": ((64, 128, 512), 2, _operator("LayerNorm", {}),
                                 _layer_norm_autodiff),
}


def _time(fn, args, rounds):
    jax.block_until_ready(fn(*args))
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        jax.block_until_ready(fn(*args))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.RandomState(0)
    print(f"{'case':>28} {'kernels hand':>12} {'autodiff':>9} {'ms hand':>8} {'autodiff':>9} "
          f"{'ratio':>6}")
    for name, (shape, axis, hand, autodiff) in CASES.items():
        x = jnp.asarray(rng.normal(size=shape), jnp.float32)
        head = jnp.asarray(rng.normal(size=shape), jnp.float32)
        gamma = beta = jnp.ones(shape[axis], jnp.float32)
        row = []
        for fn in (hand, autodiff):
            grad = jax.jit(jax.grad(lambda x, g, b, fn=fn: jnp.sum(fn(x, g, b) * head),
                                    (0, 1, 2)))
            text = grad.lower(x, gamma, beta).compile().as_text()
            row.append((len(re.findall(r"^\s*\S+ = \S+ fusion\(", text, re.M)),
                        _time(grad, (x, gamma, beta), args.rounds)))
        (k_hand, ms_hand), (k_auto, ms_auto) = row
        print(f"{name:>28} {k_hand:>12} {k_auto:>9} {ms_hand:>8.1f} {ms_auto:>9.1f} "
              f"{ms_auto / ms_hand:>6.2f}", flush=True)


if __name__ == "__main__":
    main()

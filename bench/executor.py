"""Executor benchmark: symjax_mx's ``simple_bind`` + ``forward(is_train=True)`` + ``backward()``
against the same network hand-written in JAX (``jax.jit(jax.value_and_grad(...))``).

Networks (float32, on JAX's default device):

    mlp     784-128-64-10, ReLU, SoftmaxOutput, batch 128
    lenet   conv5x5x20-tanh-maxpool-conv5x5x50-tanh-maxpool-fc500-tanh-fc10, batch 128
    resnet  CIFAR-style: conv3x3x16+BN+ReLU, three basic blocks (16, 32/2, 64/2; conv-BN-ReLU-
            conv-BN + identity or 1x1 conv-BN projection, ReLU), global avg pool, fc10, batch 32

The executor is bound as a training Module would: ``grad_req='write'`` for the parameters,
``'null'`` for data and label.  The hand-written step is the same math: summed softmax
cross-entropy (whose gradient is SoftmaxOutput's ``softmax - onehot``), training-mode BatchNorm
with batch statistics and updated moving statistics returned as an aux output, max pooling by
``lax.reduce_window``.

Printed per network:

* step time: median over timed steps after warm-up, executor (forward + backward, waiting on
  every gradient) and hand-written (waiting on loss and gradients), timed in interleaved rounds
  because the machine may be shared (each round runs a block of steps per variant, long enough
  that the steps after switching variants weigh little); the executor's speed as a fraction
  of the hand-written step's (t_hand / t_executor, target >= 0.95); also the executor's
  compiled program called directly on jax arrays (no NDArray layer: the dispatch overhead),
  and its two-program path (forward keeping residuals, then backward), which it takes when
  heads need out_grads;
* a second ``simple_bind`` of the same graph (target <= 5 ms);
* XLA memory analysis and FLOPs of the compiled programs, read from the executor's private
  jits, against the one hand-written ``value_and_grad`` program: its one forward+backward
  program, and the two-program path's training forward (``jax.vjp`` inside jit; residuals
  leave it as outputs) and backward.  Temp bytes are XLA's ``temp_size_in_bytes``;
  "residuals" is the size of what the two-program path keeps between forward and backward
  (memory the hand-written program holds as temporaries instead).

Run: ``python bench/executor.py`` (about a minute on 2 CPU cores).
"""
import math
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

import symjax_mx as mx
from symjax_mx import compile_options

ROUNDS, STEPS = 5, 6
BLOCK_SECONDS = 0.05  # a variant's steps per round: at least STEPS, and about this long
# warm-up steps: past the early calls that run fast-compiled programs (compile_options)
WARMUP = compile_options.EARLY_CALLS + 3


# --------------------------------------------------------------------------- symbols
def mlp_symbol():
    x = mx.sym.var("data")
    x = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=128, name="fc1"), act_type="relu")
    x = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=64, name="fc2"), act_type="relu")
    x = mx.sym.FullyConnected(x, num_hidden=10, name="fc3")
    return mx.sym.SoftmaxOutput(x, name="softmax"), (128, 784)


def lenet_symbol():
    x = mx.sym.var("data")
    x = mx.sym.Convolution(x, kernel=(5, 5), num_filter=20, name="conv1")
    x = mx.sym.Activation(x, act_type="tanh")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2))
    x = mx.sym.Convolution(x, kernel=(5, 5), num_filter=50, name="conv2")
    x = mx.sym.Activation(x, act_type="tanh")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2))
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=500, name="fc1")
    x = mx.sym.Activation(x, act_type="tanh")
    x = mx.sym.FullyConnected(x, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(x, name="softmax"), (128, 1, 28, 28)


RESNET_BLOCKS = ((16, 1), (32, 2), (64, 2))      # (width, stride) of each basic block


def _conv_bn(x, nf, k, s, p, name, act=True):
    x = mx.sym.Convolution(x, num_filter=nf, kernel=(k, k), stride=(s, s), pad=(p, p),
                           no_bias=True, name=name + "_conv")
    x = mx.sym.BatchNorm(x, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + "_bn")
    return mx.sym.Activation(x, act_type="relu") if act else x


def resnet_symbol():
    x = _conv_bn(mx.sym.var("data"), 16, 3, 1, 1, "stem")
    cin = 16
    for i, (nf, s) in enumerate(RESNET_BLOCKS):
        y = _conv_bn(x, nf, 3, s, 1, "b%d_a" % i)
        y = _conv_bn(y, nf, 3, 1, 1, "b%d_b" % i, act=False)
        sc = x if (cin == nf and s == 1) else _conv_bn(x, nf, 1, s, 0, "b%d_sc" % i, act=False)
        x = mx.sym.Activation(mx.sym.elemwise_add(y, sc), act_type="relu")
        cin = nf
    x = mx.sym.Pooling(x, global_pool=True, pool_type="avg", kernel=(1, 1))
    x = mx.sym.FullyConnected(mx.sym.Flatten(x), num_hidden=10, name="fc")
    return mx.sym.SoftmaxOutput(x, name="softmax"), (32, 3, 32, 32)


# --------------------------------------------------------------------------- hand-written
def _fc(x, p, name):
    return x.reshape(x.shape[0], -1) @ p[name + "_weight"].T + p[name + "_bias"]


def _conv(x, w, stride=1, pad=0, b=None):
    y = lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)],
                                 dimension_numbers=("NCHW", "OIHW", "NCHW"))
    return y if b is None else y + b[None, :, None, None]


def _maxpool(x):
    return lax.reduce_window(x, -jnp.inf, lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")


def _maxpool_reshape(x):
    """2x2/2 max pooling as reshape + max (XLA's CPU select-and-scatter is slow)."""
    n, c, h, w = x.shape
    return jnp.max(x.reshape(n, c, h // 2, 2, w // 2, 2), axis=(3, 5))


def _xent(logits, label):
    """Summed softmax cross-entropy: its gradient is SoftmaxOutput's softmax - onehot."""
    logp = jax.nn.log_softmax(logits)
    return -jnp.sum(jnp.take_along_axis(logp, label.astype(jnp.int32)[:, None], 1))


def mlp_hand(p, aux, data, label):
    x = jax.nn.relu(_fc(data, p, "fc1"))
    x = jax.nn.relu(_fc(x, p, "fc2"))
    return _xent(_fc(x, p, "fc3"), label), aux


def lenet_hand(p, aux, data, label, pool=_maxpool):
    x = pool(jnp.tanh(_conv(data, p["conv1_weight"], b=p["conv1_bias"])))
    x = pool(jnp.tanh(_conv(x, p["conv2_weight"], b=p["conv2_bias"])))
    x = jnp.tanh(_fc(x, p, "fc1"))
    return _xent(_fc(x, p, "fc2"), label), aux


def lenet_hand_reshape(p, aux, data, label):
    return lenet_hand(p, aux, data, label, pool=_maxpool_reshape)


def _bn(x, p, aux, new_aux, name, eps=2e-5, momentum=0.9):
    mean = jnp.mean(x, axis=(0, 2, 3))
    var = jnp.mean(jnp.square(x - mean[None, :, None, None]), axis=(0, 2, 3))
    scale = p[name + "_gamma"] * lax.rsqrt(var + eps)
    y = (x - mean[None, :, None, None]) * scale[None, :, None, None] \
        + p[name + "_beta"][None, :, None, None]
    mm, mv = name + "_moving_mean", name + "_moving_var"
    new_aux[mm] = momentum * aux[mm] + (1 - momentum) * lax.stop_gradient(mean)
    new_aux[mv] = momentum * aux[mv] + (1 - momentum) * lax.stop_gradient(var)
    return y


def _conv_bn_hand(x, p, aux, new_aux, k, s, pad, name, act=True):
    x = _bn(_conv(x, p[name + "_conv_weight"], s, pad), p, aux, new_aux, name + "_bn")
    return jax.nn.relu(x) if act else x


def resnet_hand(p, aux, data, label):
    new_aux = {}
    x = _conv_bn_hand(data, p, aux, new_aux, 3, 1, 1, "stem")
    cin = 16
    for i, (nf, s) in enumerate(RESNET_BLOCKS):
        y = _conv_bn_hand(x, p, aux, new_aux, 3, s, 1, "b%d_a" % i)
        y = _conv_bn_hand(y, p, aux, new_aux, 3, 1, 1, "b%d_b" % i, act=False)
        sc = x if (cin == nf and s == 1) else \
            _conv_bn_hand(x, p, aux, new_aux, 1, s, 0, "b%d_sc" % i, act=False)
        x = jax.nn.relu(y + sc)
        cin = nf
    x = jnp.mean(x, axis=(2, 3))
    return _xent(_fc(x, p, "fc"), label), new_aux


NETS = [("mlp", mlp_symbol, mlp_hand), ("lenet", lenet_symbol, lenet_hand),
        ("resnet", resnet_symbol, resnet_hand)]
# further hand-written formulations timed alongside (name -> [(label, loss function)])
ALSO = {"lenet": [("hand, reshape-max pooling", lenet_hand_reshape)]}


# --------------------------------------------------------------------------- measuring
def _fill(exe, rng, batch):
    """Seeded values in the executor; the same values as jax arrays for the hand step."""
    params, aux = {}, {}
    for name, arr in exe.arg_dict.items():
        if name == "softmax_label":
            value = rng.integers(0, 10, batch).astype(np.float32)
        elif name.endswith("_gamma"):
            value = rng.uniform(0.5, 1.5, arr.shape).astype(np.float32)
        elif name.endswith("_weight"):
            bound = np.sqrt(3.0 / np.prod(arr.shape[1:]))
            value = rng.uniform(-bound, bound, arr.shape).astype(np.float32)
        else:
            value = rng.uniform(-0.5, 0.5, arr.shape).astype(np.float32)
        arr[:] = value
        if name not in ("data", "softmax_label"):
            params[name] = jnp.asarray(value)
    for name, arr in exe.aux_dict.items():
        value = np.ones(arr.shape, np.float32) if name.endswith("_var") else \
            np.zeros(arr.shape, np.float32)
        arr[:] = value
        aux[name] = jnp.asarray(value)
    data = jnp.asarray(exe.arg_dict["data"].asnumpy())
    label = jnp.asarray(exe.arg_dict["softmax_label"].asnumpy())
    return params, aux, data, label


def _grad_req(sym):
    return {n: ("null" if n in ("data", "softmax_label") else "write")
            for n in sym.list_arguments()}


def _memory(compiled):
    m = compiled.memory_analysis()
    return (m.temp_size_in_bytes, m.output_size_in_bytes) if m is not None else (None, None)


def _flops(compiled):
    cost = compiled.cost_analysis()
    if isinstance(cost, (list, tuple)):           # older jax: one dict per computation
        cost = cost[0] if cost else {}
    return float(cost.get("flops", float("nan"))) if cost else float("nan")


def _executor_programs(exe):
    """The executor's compiled training programs (private attributes), read on copies of its
    arrays (its jits donate some inputs):

    * ``fused``: forward and backward as one program, what it runs when every head is a
      loss (these networks);
    * ``train`` + ``backward``: the forward keeping residuals and the backward, what it runs
      when heads take out_grads; ``resid`` is the bytes of the residuals between them;

    and functions running each path directly on jax arrays (no NDArray layer)."""
    comp = exe.programs
    copy = lambda a: jnp.array(a.asjax(), copy=True)  # noqa: E731
    args = {n: copy(a) for n, a in exe.arg_dict.items()}
    aux = {n: copy(a) for n, a in exe.aux_dict.items()}
    diff = {n: args.pop(n) for n in comp.diff_names}
    rng = mx.random.next_key() if comp.graph.random else None
    heads = [jnp.ones(o.shape, o.dtype) for o in exe.outputs]
    state = {"aux": aux, "grads": {n: copy(exe.grad_dict[n]) for n in comp.diff_names}}
    fused = comp.train_with_grads.lower(diff, args, aux, rng).compile()
    train = comp._train.lower(diff, args, aux, rng, True).compile()

    def call_fused():
        outputs, state["aux"], grads = comp.train_with_grads(diff, args, state["aux"], rng)
        return jax.block_until_ready((outputs, grads))

    def call_split():
        outputs, state["aux"], saved = comp.train(diff, args, state["aux"], rng)
        state["grads"] = comp.backward(saved, heads, state["grads"], ())
        return jax.block_until_ready((outputs, state["grads"]))

    _, state["aux"], (residuals, inputs, _) = comp.train(diff, args, state["aux"], rng)
    layout = comp._layouts[tuple((x.shape, str(x.dtype)) for x in inputs), True]
    flags = {n: False for n in comp.diff_names}
    backward = comp._backward.lower(residuals, inputs, heads, state["grads"], flags,
                                    *layout).compile()
    return {"fused": fused, "train": train, "backward": backward,
            "resid": sum(x.nbytes for x in residuals), "call_fused": call_fused,
            "call_split": call_split}

def _time(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def bench(name, make_symbol, hand):
    sym, shape = make_symbol()
    batch = shape[0]
    t0 = time.perf_counter()
    exe = sym.simple_bind(mx.cpu(), grad_req=_grad_req(sym), data=shape)
    first_bind = time.perf_counter() - t0
    params, aux, data, label = _fill(exe, np.random.default_rng(0), batch)
    grads = [g for g in exe.grad_arrays if g is not None]

    def exe_step():
        exe.forward(is_train=True)
        exe.backward()
        for g in grads:
            g.wait_to_read()

    hands = [("hand", hand)] + ALSO.get(name, [])
    hand_jits = [(label_, jax.jit(jax.value_and_grad(f, has_aux=True))) for label_, f in hands]

    def hand_step(fn):
        return lambda: jax.block_until_ready(fn(params, aux, data, label))

    t0 = time.perf_counter()
    exe_step()
    first_step = time.perf_counter() - t0
    progs = _executor_programs(exe)
    variants = [("executor", exe_step), ("its program called directly", progs["call_fused"]),
                ("two programs (heads with out_grads)", progs["call_split"])]
    variants += [(label_, hand_step(fn)) for label_, fn in hand_jits]
    for _ in range(WARMUP):
        for _, fn in variants:
            fn()
    steps = max(STEPS, math.ceil(BLOCK_SECONDS / statistics.median(_time(exe_step, 3))))
    times = {label_: [] for label_, _ in variants}
    for _ in range(ROUNDS):
        for label_, fn in variants:
            times[label_] += _time(fn, steps)
    med = {label_: statistics.median(t) for label_, t in times.items()}

    binds = []
    for _ in range(5):
        t0 = time.perf_counter()
        sym.simple_bind(mx.cpu(), grad_req=_grad_req(sym), data=shape)
        binds.append(time.perf_counter() - t0)

    print(f"\n== {name}  (batch {batch}, {len(exe.arg_dict)} arguments, "
          f"{len(exe.aux_dict)} aux states; {ROUNDS}x{steps} timed steps per variant)")
    t_exe = med["executor"]
    for label_, t in med.items():
        ratio = "" if label_ == "executor" else f"   executor speed = {t / t_exe:5.3f} x this" \
            + ("  (target >= 0.95)" if label_ == "hand" else "")
        print(f"  step  {label_:36s} {t * 1e3:8.3f} ms{ratio}")
    print(f"  bind  first {first_bind * 1e3:7.2f} ms (first step incl. compile "
          f"{first_step:.2f} s); second simple_bind median {statistics.median(binds) * 1e3:.2f} "
          f"ms, min {min(binds) * 1e3:.2f} ms  (target <= 5 ms)")
    hand_c = hand_jits[0][1].lower(params, aux, data, label).compile()
    hand_temp, _ = _memory(hand_c)
    hand_flops = _flops(hand_c)
    fused_temp, _ = _memory(progs["fused"])
    print(f"  temp  executor (one program) {fused_temp:,} B;  hand {hand_temp:,} B;  "
          f"ratio {fused_temp / max(hand_temp, 1):.2f}  (target <= 1.1)")
    tr_temp, _ = _memory(progs["train"])
    bw_temp, _ = _memory(progs["backward"])
    resid = progs["resid"]
    print(f"  temp  two programs: fwd {tr_temp:,} B, bwd {bw_temp:,} B, residuals between them "
          f"{resid:,} B;  (max(fwd, bwd) + residuals) / hand = "
          f"{(max(tr_temp, bw_temp) + resid) / max(hand_temp, 1):.2f}")
    fused_flops = _flops(progs["fused"])
    split_flops = _flops(progs["train"]) + _flops(progs["backward"])
    print(f"  FLOPs executor one program {fused_flops:,.0f}, two programs {split_flops:,.0f};  "
          f"hand {hand_flops:,.0f};  ratios {fused_flops / hand_flops:.3f}, "
          f"{split_flops / hand_flops:.3f}")


def main():
    print(f"jax {jax.__version__} on {jax.devices()[0].platform}; {ROUNDS} rounds of "
          f"interleaved blocks of at least {STEPS} steps and {BLOCK_SECONDS} s per variant, "
          f"after {WARMUP} warm-up steps")
    t0 = time.perf_counter()
    for name, make_symbol, hand in NETS:
        bench(name, make_symbol, hand)
    print(f"\ntotal {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()

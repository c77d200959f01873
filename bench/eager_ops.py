"""Eager NDArray overhead against plain jax.numpy, and overlap of work on two devices.

    python bench/eager_ops.py            # all three parts
    python bench/eager_ops.py new-shapes # only the first-call costs on new shapes

First prints the cost of an operator's first call on a shape it has not seen, against
the same jax.numpy function on shapes it has not seen: both compile per new shape (jax.numpy
functions are themselves jitted), so symjax_mx's one jitted function per (operator,
static parameters) costs about the same; running the operator's compute op by op instead
was measured slower (each primitive compiles on its own: clip 3.2x). Creation (zeros,
full) and ``x[:] = numpy array`` on a new shape compile nothing: they fill or convert on
the host and transfer, where jnp.zeros / jnp.full compile a program per shape.
Then the executor's forward and backward, 'write' and 'add', on new shapes (a
conformance-test pattern) against the same with jax.vjp (``executor``), and MXNet's
binary-operator check on new shapes with small programs compiled fast against XLA's
default compile options (``symjax_mx.compile_options``). Then prints, in one
run, the per-operation time of small eager operations done with
symjax_mx and with plain jax.numpy doing the same work, and their ratio (target: within
1.3x on ``c = c + b``). Then prints the wall time of two independent large computations
on cpu(0) and cpu(1) issued back to back against each one alone, with how long issuing
took and how many cores each used: issuing returns long before the work is done, and
work on two devices overlaps where cores are free (on a GPU and the host, or devices
with cores of their own), taking about as long as the longer one instead of the sum.
"""
import os
import statistics
import sys
import time
import timeit

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=2").strip()

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

import symjax_mx as mx  # noqa: E402
from symjax_mx import compile_options  # noqa: E402


def per_op_seconds(step, number=20000, repeat=7):
    """Median seconds per call of ``step`` (after a warm-up call)."""
    step()
    return statistics.median(timeit.repeat(step, number=number, repeat=repeat)) / number


def small_ops():
    state = {"c": mx.nd.ones((2, 3)), "b": mx.nd.ones((2, 3)), "a": mx.nd.ones((2, 3)),
             "jc": jnp.ones((2, 3), jnp.float32), "jb": jnp.ones((2, 3), jnp.float32),
             "ja": jnp.ones((2, 3), jnp.float32)}

    def mx_add():
        state["c"] = state["c"] + state["b"]

    def jax_add():
        state["jc"] = state["jc"] + state["jb"]

    def mx_iadd():
        a = state["a"]
        a += 1

    def jax_iadd():
        state["ja"] = state["ja"] + 1

    def mx_setitem():
        state["a"][0:1] = 2

    def jax_setitem():
        state["ja"] = state["ja"].at[0:1].set(2)

    def mx_ones():
        mx.nd.ones((2, 3))

    def jax_ones():
        jnp.ones((2, 3), jnp.float32)

    cases = [("c = c + b", mx_add, jax_add), ("a += 1", mx_iadd, jax_iadd),
             ("a[0:1] = 2", mx_setitem, jax_setitem), ("mx.nd.ones((2,3))", mx_ones, jax_ones)]
    print(f"{'operation':<20}{'symjax_mx':>12}{'jax.numpy':>12}{'ratio':>8}")
    ratios = {}
    for name, ours, reference in cases:
        t_ours, t_ref = per_op_seconds(ours), per_op_seconds(reference)
        ratios[name] = t_ours / t_ref
        print(f"{name:<20}{t_ours * 1e6:>10.2f}us{t_ref * 1e6:>10.2f}us{ratios[name]:>7.2f}x")
    mx.nd.waitall()
    return ratios


NEW_SHAPE_CASES = [
    ("broadcast_add", lambda x: mx.nd.broadcast_add(x, x), lambda x: jnp.add(x, x)),
    ("sum(axis=1)", lambda x: mx.nd.sum(x, axis=1), lambda x: jnp.sum(x, axis=1)),
    ("softmax", lambda x: mx.nd.softmax(x), lambda x: jax.nn.softmax(x, axis=-1)),
    ("transpose", lambda x: mx.nd.transpose(x), lambda x: jnp.transpose(x)),
    ("relu", lambda x: mx.nd.relu(x), lambda x: jnp.maximum(x, 0)),
    ("clip", lambda x: mx.nd.clip(x, -0.5, 0.5), lambda x: jnp.clip(x, -0.5, 0.5)),
    ("log_softmax", lambda x: mx.nd.log_softmax(x), lambda x: jax.nn.log_softmax(x, axis=-1)),
    ("zeros", lambda x: mx.nd.zeros(x.shape + (2,)),
     lambda x: jnp.zeros(x.shape + (2,), jnp.float32)),
    ("full(0.5)", lambda x: mx.nd.full(x.shape + (3,), 0.5),
     lambda x: jnp.full(x.shape + (3,), 0.5, jnp.float32)),
    ("x[:] = numpy", lambda x: _assigned(x), lambda x: jnp.asarray(np.ones(x.shape, np.float32))),
]


def _assigned(x):
    x[:] = np.ones(x.shape, np.float32)
    return x


def new_shapes(count=12):
    """Seconds of the first call of each operator on ``count`` shapes it has not seen, with
    symjax_mx and with jax.numpy; the two sides use different shapes (neither warms the
    other's primitives) and alternate, shape by shape."""
    print(f"first call on a new shape ({count} shapes per operator, medians):")
    print(f"{'operator':<16}{'symjax_mx':>12}{'jax.numpy':>12}{'ratio':>8}")
    ratios = []
    for index, (name, ours, reference) in enumerate(NEW_SHAPE_CASES):
        t_ours, t_ref = [], []
        for n in range(count):
            shape_ours, shape_ref = (3 + n, 5 + 2 * index), (3 + n, 6 + 2 * index)
            x = mx.nd.ones(shape_ours)
            start = time.perf_counter()
            ours(x).wait_to_read()
            t_ours.append(time.perf_counter() - start)
            jx = jnp.ones(shape_ref, jnp.float32)
            start = time.perf_counter()
            reference(jx).block_until_ready()
            t_ref.append(time.perf_counter() - start)
        median_ours, median_ref = statistics.median(t_ours), statistics.median(t_ref)
        ratios.append(median_ours / median_ref)
        print(f"{name:<16}{median_ours * 1e3:>10.2f}ms{median_ref * 1e3:>10.2f}ms"
              f"{ratios[-1]:>7.2f}x")
    overall = statistics.median(ratios)
    print(f"median ratio over operators: {overall:.2f}x of plain jax.numpy (target: <= 1x)")
    return overall


def executor_new_shapes(count=8):
    """Seconds per new shape of a batch_dot executor's training forward and backward, once
    with grad_req 'write' and once with 'add' (how MXNet's operator tests check
    gradients), against the same work in plain JAX op by op (jax.vjp, then adding the
    previous gradients)."""
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    out = mx.sym.batch_dot(a, b, transpose_b=True)

    def ours(shape_a, shape_b, head):
        for req in ("write", "add"):
            exe = out.simple_bind(mx.cpu(), a=shape_a, b=shape_b, grad_req=req)
            exe.forward(is_train=True, a=np.ones(shape_a, np.float32),
                        b=np.ones(shape_b, np.float32))
            exe.backward([mx.nd.array(head)])
            exe.grad_dict["a"].wait_to_read()

    def reference(shape_a, shape_b, head):
        previous = jnp.zeros(shape_a, jnp.float32)
        for req in ("write", "add"):
            _, vjp = jax.vjp(lambda x, y: jnp.matmul(x, jnp.swapaxes(y, 1, 2)),
                             jnp.asarray(np.ones(shape_a, np.float32)),
                             jnp.asarray(np.ones(shape_b, np.float32)))
            grad_a, _ = vjp(jnp.asarray(head))
            if req == "add":
                grad_a = previous + grad_a
            grad_a.block_until_ready()

    t_ours, t_ref = [], []
    for n in range(count):
        for timings, fn, k in ((t_ours, ours, 5), (t_ref, reference, 6)):
            shape_a, shape_b = (2, 3 + n, k), (2, 4 + n, k)
            head = np.ones((2, 3 + n, 4 + n), np.float32)
            start = time.perf_counter()
            fn(shape_a, shape_b, head)
            timings.append(time.perf_counter() - start)
    median_ours, median_ref = statistics.median(t_ours), statistics.median(t_ref)
    print(f"\nexecutor forward + backward, 'write' and 'add', on {count} new shapes (medians):")
    print(f"  symjax_mx {median_ours * 1e3:.1f} ms, plain JAX op by op {median_ref * 1e3:.1f} ms: "
          f"{median_ours / median_ref:.2f}x")
    return median_ours / median_ref


def binary_op_checks(count=12):
    """CPU seconds per new shape of MXNet's binary-operator check (test_operator's
    check_binary_op_forward / _backward: bind, training forward; bind with gradients,
    forward, backward) on ``a % b`` in float64, with small programs compiled with
    ``compile_options.FAST_COMPILE`` against XLA's default options, shape by shape
    alternating (CPU time, since the machine is shared)."""
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    out = mx.sym.cast(a, dtype="float64") % mx.sym.cast(b, dtype="float64")
    fast = compile_options.FAST_COMPILE

    def check(shape):
        x, y = np.random.uniform(1, 2, shape), np.random.uniform(1, 2, shape)
        exe = out.bind(mx.cpu(), args={"a": mx.nd.array(x), "b": mx.nd.array(y)})
        exe.forward(is_train=True)
        exe.outputs[0].wait_to_read()
        grads = [mx.nd.empty(shape), mx.nd.empty(shape)]
        exe = out.bind(mx.cpu(), args={"a": mx.nd.array(x), "b": mx.nd.array(y)},
                       args_grad=grads)
        exe.forward(is_train=True)
        exe.backward([mx.nd.ones(shape)])
        grads[1].wait_to_read()

    times = {"fast": [], "default": []}
    for n in range(count):
        for name, options, k in (("fast", fast, 3), ("default", None, 4)):
            compile_options.FAST_COMPILE = options
            start = time.process_time()
            check((2, 5 + n, k))
            times[name].append(time.process_time() - start)
    compile_options.FAST_COMPILE = fast
    median_fast, median_default = (statistics.median(times[k]) for k in ("fast", "default"))
    print(f"\nbinary-op check (bind + forward, bind + forward + backward) on {count} new "
          f"shapes, CPU medians:\n  fast compile options {median_fast * 1e3:.1f} ms, XLA "
          f"defaults {median_default * 1e3:.1f} ms: {median_fast / median_default:.2f}x")
    return median_fast / median_default


def overlap():
    size, steps = 1 << 20, 20

    def work(ctx):
        x = mx.nd.ones((size,), ctx=ctx)
        for _ in range(steps):
            x = mx.nd.sin(x) * 1.0001 + 0.5
        return x

    def timed(contexts):
        """(seconds until all work is issued, seconds until it is done, CPU seconds)."""
        cpu, start = time.process_time(), time.perf_counter()
        results = [work(ctx) for ctx in contexts]
        issued = time.perf_counter() - start
        for r in results:
            r.wait_to_read()
        return issued, time.perf_counter() - start, time.process_time() - cpu

    for ctx in (mx.cpu(0), mx.cpu(1)):
        timed([ctx])  # compile and warm up
    alone = [min((timed([ctx]) for _ in range(3)), key=lambda t: t[1])
             for ctx in (mx.cpu(0), mx.cpu(1))]
    both = min((timed([mx.cpu(0), mx.cpu(1)]) for _ in range(3)), key=lambda t: t[1])
    total_alone = alone[0][1] + alone[1][1]
    print(f"\ntwo independent computations, {steps * 3} ops over {size} floats on each device:")
    for ctx, (issued, done, cpu) in zip(("cpu(0)", "cpu(1)"), alone):
        print(f"  {ctx} alone: issued in {issued * 1e3:.1f} ms, done in {done * 1e3:.1f} ms, "
              f"using {cpu / done:.1f} cores")
    print(f"  both, issued back to back: issued in {both[0] * 1e3:.1f} ms, done in "
          f"{both[1] * 1e3:.1f} ms = {both[1] / total_alone:.2f}x of the sum of the two alone, "
          f"{both[1] / max(a[1] for a in alone):.2f}x of the longer one")
    print(f"  (this machine has {os.cpu_count()} cores; a computation that already keeps them "
          f"all busy leaves nothing for the other device to overlap with)")


if __name__ == "__main__":
    print(f"jax {jax.__version__}, devices: {jax.devices()}\n")
    new_shapes()
    executor_new_shapes()
    binary_op_checks()
    if sys.argv[1:] == ["new-shapes"]:
        sys.exit(0)
    print()
    ratios = small_ops()
    verdict = "meets" if ratios["c = c + b"] <= 1.3 else "MISSES"
    print(f"\nc = c + b: {ratios['c = c + b']:.2f}x of plain JAX ({verdict} the 1.3x target)")
    overlap()
    sys.exit(0)

"""KVStore benchmark on 4 forced host devices (``device`` kvstore).

Printed, in one run:

* push+pull of one key holding N float32 per device (1K, 1M, 16M), four devices pushing
  and pulling, against the limit for this design: a jitted ``psum`` (shard_map over the
  same four devices) of the same per-device arrays, assembled into one sharded array and
  waited on. Ratio = t_psum / t_kvstore (target >= 0.8).
* 1000 keys of 1K float32, four devices: pushed and pulled as one list (packed into one
  collective) against the same keys one push and one pull call each (target >= 10x).

Times are medians over rounds that interleave the two variants, each waiting on all
outputs. Run: ``python bench/kvstore.py`` (about a minute on 2 CPU cores).
"""
import os

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                           + " --xla_force_host_platform_device_count=4")

import statistics  # noqa: E402
import time  # noqa: E402

import jax  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P  # noqa: E402

import symjax_mx as mx  # noqa: E402

DEVICES = [mx.cpu(i) for i in range(4)]


def wait(arrays):
    for a in arrays:
        a.wait_to_read()


def timed(fn, rounds):
    fn()  # compile
    return [_once(fn) for _ in range(rounds)]


def _once(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(fns, rounds):
    """Median seconds of each fn, run alternately ``rounds`` times after a warm-up."""
    for fn in fns:
        fn()
    samples = [[] for _ in fns]
    for _ in range(rounds):
        for fn, s in zip(fns, samples):
            s.append(_once(fn))
    return [statistics.median(s) for s in samples]


def one_key(size, rounds):
    kv = mx.kv.create("device")
    kv.init(0, mx.nd.zeros((size,)))
    values = [mx.nd.ones((size,), d) for d in DEVICES]
    outs = [mx.nd.zeros((size,), d) for d in DEVICES]

    def kvstore():
        kv.push(0, values)
        kv.pull(0, out=outs)
        wait(outs)

    devices = [d.jax_device for d in DEVICES]
    mesh = Mesh(np.array(devices), ("d",))
    sharding = NamedSharding(mesh, P("d"))
    psum = jax.jit(jax.shard_map(lambda x: jax.lax.psum(x, "d"), mesh=mesh,
                                 in_specs=P("d"), out_specs=P("d")))
    buffers = [v.asjax() for v in values]

    def direct():
        stacked = jax.make_array_from_single_device_arrays((4 * size,), sharding, buffers)
        psum(stacked).block_until_ready()

    return interleaved([kvstore, direct], rounds)


def many_keys(count, size, rounds):
    kv = mx.kv.create("device")
    keys = list(range(count))
    kv.init(keys, [mx.nd.zeros((size,))] * count)
    values = [[mx.nd.ones((size,), d) for d in DEVICES] for _ in keys]
    outs = [[mx.nd.zeros((size,), d) for d in DEVICES] for _ in keys]

    def as_list():
        kv.push(keys, values)
        kv.pull(keys, out=outs)
        wait(outs[-1])

    def one_call_each():
        for k in keys:
            kv.push(k, values[k])
            kv.pull(k, out=outs[k])
        wait(outs[-1])

    return interleaved([as_list, one_call_each], rounds)


def main():
    print(f"devices: {[str(d) for d in DEVICES]}, jax {jax.__version__}")
    print(f"{'push+pull, one key':24s} {'kvstore':>10s} {'psum':>10s} {'ratio':>7s}")
    for label, size, rounds in (("1K", 1 << 10, 200), ("1M", 1 << 20, 30),
                                ("16M", 1 << 24, 7)):
        t_kv, t_psum = one_key(size, rounds)
        print(f"{label + ' float32/device':24s} {t_kv * 1e3:8.3f}ms {t_psum * 1e3:8.3f}ms "
              f"{t_psum / t_kv:6.2f}x")
    t_list, t_each = many_keys(1000, 1 << 10, 5)
    print(f"1000 keys x 1K float32: as one list {t_list * 1e3:.1f} ms, one call each "
          f"{t_each * 1e3:.1f} ms: list is {t_each / t_list:.1f}x faster")


if __name__ == "__main__":
    main()

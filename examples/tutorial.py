"""The NDArray part of MXNet's Python overview tutorial, run on symjax_mx.

    python examples/tutorial.py

Arrays go to mx.gpu(i) when JAX sees GPUs, otherwise to mx.cpu(i). With a single
host CPU device every mx.cpu(i) is placed on that device; to get several, start with
XLA_FLAGS=--xla_force_host_platform_device_count=4.
"""
import os
import pickle
import shutil
import tempfile

import jax
import numpy as np

import symjax_mx as mx

NUM_GPUS = mx.context.num_gpus()
NUM_CPUS = len(jax.devices("cpu"))


def device(i):
    """The tutorial's device i: gpu(i) if there are GPUs, else cpu(i).

    Ids wrap around the devices that exist (gpu(2) on a 2-GPU machine is gpu(0));
    on a single host CPU device every cpu(i) is valid and maps onto it.
    """
    if NUM_GPUS:
        return mx.gpu(i % NUM_GPUS)
    return mx.cpu(i if NUM_CPUS == 1 else i % NUM_CPUS)


def heading(title):
    print(f"\n== {title} ==")


def show(label, array):
    print(f"{label}:\n{array.asnumpy()}")


def creation():
    heading("Creation and initialization")
    print(f"devices: {NUM_GPUS} GPU(s), {NUM_CPUS} host CPU device(s)")
    a = mx.nd.empty((2, 3))              # a 2-by-3 matrix on the default context
    b = mx.nd.empty((2, 3), device(0))   # on device 0
    c = mx.nd.empty((2, 3), device(2))   # on device 2
    print("a.context:", a.context, " b.context:", b.context)
    print("c.shape:", c.shape)
    print("c.context:", c.context)

    a = mx.nd.zeros((2, 3))
    b = mx.nd.ones((2, 3))
    b[:] = 2
    show("zeros", a)
    show("ones, then b[:] = 2", b)

    heading("Copying between devices")
    a = mx.nd.ones((2, 3))
    b = mx.nd.zeros((2, 3), device(1))
    a.copyto(b)
    print(f"a.copyto(b) with b on {b.context}:")
    print(b)

    heading("To and from NumPy")
    b = a.asnumpy()
    print("type(a.asnumpy()):", type(b))
    print(b)
    rng = np.random.RandomState(0)
    a = mx.nd.empty((2, 3))
    a[:] = rng.uniform(-0.1, 0.1, a.shape)
    show("a[:] = uniform(-0.1, 0.1) with seed 0", a)


def elementwise():
    heading("Element-wise operations")
    a = mx.nd.ones((2, 3)) * 2
    b = mx.nd.ones((2, 3)) * 4
    show("b", b)
    show("c = a + b", a + b)
    show("d = a * b", a * b)

    heading("Computing on one device")
    a = mx.nd.ones((2, 3)) * 2
    b = mx.nd.ones((2, 3), device(1)) * 3
    c = a.copyto(device(1)) * b
    show(f"c = a.copyto({device(1)}) * b", c)
    print("c.context:", c.context)
    try:
        a * b
    except mx.base.MXNetError as err:
        print(f"a * b without the copy raises MXNetError: {err}")
    else:
        print(f"a * b without the copy: no error, {a.context} and {b.context} are one device here")


def save_and_load(tmp):
    heading("Pickle")
    a = mx.nd.ones((2, 3)) * 2
    b = pickle.loads(pickle.dumps(a))
    show("pickle round trip", b)

    heading("mx.nd.save / mx.nd.load")
    fname = os.path.join(tmp, "mydata.bin")
    a = mx.nd.ones((2, 3)) * 2
    b = mx.nd.ones((2, 3)) * 3
    mx.nd.save(fname, [a, b])
    c = mx.nd.load(fname)
    print(f"saved a list to {fname}")
    show("c[0]", c[0])
    show("c[1]", c[1])
    mx.nd.save(fname, {"a": a, "b": b})
    c = mx.nd.load(fname)
    print("saved a dict; loaded keys:", sorted(c))
    show("c['a']", c["a"])
    show("c['b']", c["b"])

    heading("Remote storage through fsspec")
    try:
        import fsspec  # noqa: F401  (optional: pip install symjax_mx[remote])
    except ImportError:
        print("fsspec is not installed; skipped (pip install symjax_mx[remote])")
        return
    url = "memory://tutorial/mydata.bin"
    mx.nd.save(url, [a, b])
    c = mx.nd.load(url)
    show(f"loaded from {url}, c[1]", c[1])


def parallel():
    heading("Automatic parallelization")
    a = mx.nd.ones((2, 3))
    b = a
    c = a.copyto(device(1))
    a += 1   # a and b are the same array: b *= 3 must run after a += 1
    b *= 3
    c *= 3   # independent of both: may run alongside them
    mx.nd.waitall()
    show("a (= b)", a)
    show("c", c)


def main():
    tmp = tempfile.mkdtemp()
    try:
        creation()
        elementwise()
        save_and_load(tmp)
        parallel()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("\ntutorial finished")


if __name__ == "__main__":
    main()

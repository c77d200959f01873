"""Importing and using symjax_mx leaves the user's own JAX code unchanged (no x64 mode)."""
import json
import os
import subprocess
import sys

import numpy as np

import symjax_mx as mx

_PLAIN_JAX = """
import json, sys
import numpy as np
if sys.argv[1] == "used":
    import symjax_mx as mx
    a = mx.nd.array(np.arange(4), dtype="int64") * 3
    b = mx.nd.array([0.1, 0.2], dtype="float64") + 1
    m = mx.mod.Module(mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2))
    m.bind(data_shapes=[("data", (1, 3))], for_training=False)
    m.init_params()
    m.forward(mx.io.DataBatch([mx.nd.ones((1, 3))]))
    assert a.dtype == np.int64 and b.dtype == np.float64, (a.dtype, b.dtype)
    m.get_outputs()[0].asnumpy(), a.asnumpy(), b.asnumpy()
import jax, jax.numpy as jnp
print(json.dumps({
    "x64": bool(jax.config.jax_enable_x64),
    "arange": str(jnp.arange(3).dtype),
    "array": str(jnp.array(1.0).dtype),
    "asarray_f64": str(jnp.asarray(np.ones(2)).dtype),
    "asarray_i64": str(jnp.asarray(np.arange(2)).dtype),
    "normal": np.asarray(jax.random.normal(jax.random.PRNGKey(0), (3,))).tolist(),
    "jit": str(jax.jit(lambda x: x * 2.0)(np.arange(3)).dtype),
    "sum": str(jnp.sum(np.ones(3, np.float64)).dtype),
}))
"""


def _plain_jax_results(mode):
    env = {k: v for k, v in os.environ.items() if k != "JAX_ENABLE_X64"}
    out = subprocess.run([sys.executable, "-c", _PLAIN_JAX, mode], env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_plain_jax_results_are_the_same_with_and_without_symjax_mx():
    without = _plain_jax_results("none")
    assert without["x64"] is False and without["arange"] == "int32"  # the check can fail
    assert _plain_jax_results("used") == without


def test_float64_and_int64_ndarrays_stay_exact():
    big = 2 ** 53 + 1
    ints = mx.nd.array(np.array([big, -big]), dtype="int64")
    assert ints.dtype == np.int64
    assert (ints + 1).asnumpy().tolist() == [big + 1, -big + 1]
    assert mx.nd.sum(ints).asnumpy().tolist() == [0]
    fine = 1.0 + 2.0 ** -40
    floats = mx.nd.array([fine], dtype="float64")
    assert (floats * 2).asnumpy().tolist() == [2 * fine]
    assert mx.nd.arange(0, 3, dtype="int64").dtype == np.int64
    assert mx.nd.ones((2,), dtype="float64")[0:1].asnumpy().dtype == np.float64
    assert mx.nd.zeros((2,)).dtype == np.float32  # float32 stays MXNet's default


def test_symbols_compute_float64_exactly():
    data = mx.sym.Variable("data")
    executor = (data * 2).bind(mx.cpu(), {"data": mx.nd.array([1 + 2.0 ** -40], dtype="float64")})
    assert executor.forward()[0].asnumpy().tolist() == [2 + 2.0 ** -39]

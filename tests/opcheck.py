"""Operator test helpers shared by the test files: run a registry operator on NumPy
inputs, compare its JAX gradient with central finite differences in float64, and make and
compare small NDArrays."""
import jax
import jax.numpy as jnp
import numpy as np

import symjax_mx as mx
from symjax_mx.ops import get_op


def nd_array(values, dtype="float32"):
    """An NDArray of ``values`` (read as float32) in ``dtype``."""
    return mx.nd.array(np.array(values, dtype=np.float32)).astype(dtype)


def assert_close(array, expected, rtol=1e-5, atol=1e-6):
    """``array`` (an NDArray) equals ``expected`` within the tolerances, compared in float64."""
    np.testing.assert_allclose(array.asnumpy().astype(np.float64), expected, rtol=rtol,
                               atol=atol)


def forward(name, inputs, params=None, aux=(), is_train=False, rng=None):
    """(outputs, new_aux) of operator ``name`` as NumPy arrays."""
    op = get_op(name)
    parsed = op.parse_params(params or {})
    outputs, new_aux = op.compute([jnp.asarray(x) for x in inputs], [jnp.asarray(a) for a in aux],
                                  parsed, is_train, rng)
    return [np.asarray(o) for o in outputs], [np.asarray(a) for a in new_aux]


def check_gradient(name, inputs, params=None, aux=(), wrt=None, is_train=False, rng=None,
                   eps=1e-6, rtol=1e-4, atol=1e-6, seed=0):
    """Assert the operator's gradient (through ``jax.vjp`` of its compute) matches central
    finite differences of ``sum(outputs * random heads)``, all in float64.

    ``wrt`` lists the input positions to check (default: every input).
    """
    op = get_op(name)
    parsed = op.parse_params(params or {})
    wrt = list(range(len(inputs))) if wrt is None else list(wrt)
    # integer inputs not differentiated (lengths, indices) keep their dtype
    xs = [np.asarray(x) if i not in wrt and np.asarray(x).dtype.kind in "iu"
          else np.asarray(x, np.float64) for i, x in enumerate(inputs)]
    aux = [jnp.asarray(a, jnp.float64) for a in aux]

    def outputs(*args):
        return op.compute(list(args), aux, parsed, is_train, rng)[0]

    rs = np.random.default_rng(seed)
    heads = [rs.uniform(-1, 1, np.shape(o)) for o in outputs(*xs)]

    def objective(*args):
        return sum(jnp.sum(o * h) for o, h in zip(outputs(*args), heads))

    analytic = jax.grad(objective, argnums=tuple(wrt))(*[jnp.asarray(x) for x in xs])
    for position, grad in zip(wrt, analytic):
        numeric = np.zeros_like(xs[position])
        flat = numeric.reshape(-1)
        for i in range(flat.size):
            plus = [x.copy() for x in xs]
            minus = [x.copy() for x in xs]
            plus[position].reshape(-1)[i] += eps
            minus[position].reshape(-1)[i] -= eps
            flat[i] = (float(objective(*plus)) - float(objective(*minus))) / (2 * eps)
        np.testing.assert_allclose(np.asarray(grad), numeric, rtol=rtol, atol=atol,
                                   err_msg=f"{name}: gradient of input {position}")

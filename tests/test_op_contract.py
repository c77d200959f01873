"""Every registry operator, checked the same way (samples in op_samples.py):

- forward: ``mx.nd.<op>`` runs, and its outputs have the shapes and dtypes the
  operator's own shape and dtype rules infer;
- mx.nd / mx.sym agreement: a bound ``mx.sym.<op>`` computes the same outputs;
- gradient under ``jax.jit``: ``jit(vjp)`` of the compute matches a central finite
  difference along a random direction (float64), unless the operator is declared
  non-differentiable (an operator whose output shape depends on its input values runs
  through a hybridized block and is differentiated eagerly); a straight-through
  estimator's gradient is the head gradient itself. Pooling with kernel != stride and LRN once failed only here.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import list_ops
from op_samples import SAMPLES, Sample

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

# Operators that run subgraphs (_foreach) are made only by mx.sym.contrib's control flow,
# never called with arrays alone: tests/test_control_flow.py checks them.
OPS = sorted((op for op in list_ops() if not op.subgraphs), key=lambda op: op.name)


def _function(front, name):
    namespace = front._internal if name.startswith("_") else front
    return getattr(namespace, name)


def _sample(op):
    sample = SAMPLES.get(op.name, Sample())
    params = op.parse_params(sample.params)
    names = op.arg_names(params)
    rs = np.random.default_rng(0)
    shapes = sample.inputs if sample.inputs is not None else [(2, 3)] * len(names)
    values = [s if isinstance(s, np.ndarray) else rs.uniform(0.2, 0.9, s) for s in shapes]
    return sample, params, names, values


def test_every_operator_has_a_sample_or_the_default_fits():
    missing = [op.name for op in OPS if op.name not in SAMPLES
               and any(spec.required for spec in op.params.values())]
    assert not missing, f"operators with required parameters and no sample: {missing}"


def _nd_outputs(op, sample, values):
    arrays = [mx.nd.array(v, dtype=v.dtype) for v in values]
    result = _function(mx.nd, op.name)(*arrays, **sample.params)
    return [o.asnumpy() for o in (result if isinstance(result, list) else [result])]


def _sym_outputs(op, sample, params, names, values):
    variables = [mx.sym.Variable(name) for name in names]
    symbol = _function(mx.sym, op.name)(*variables, **sample.params)
    n_inputs = len(op.input_names(params))
    args = {n: mx.nd.array(v, dtype=v.dtype) for n, v in zip(names[:n_inputs], values)}
    aux = {n: mx.nd.array(v, dtype=v.dtype) for n, v in zip(names[n_inputs:], values[n_inputs:])}
    by_arg = [dict(zip(names, symbol.list_arguments() + symbol.list_auxiliary_states()))]
    executor = symbol.bind(mx.cpu(), {by_arg[0][n]: a for n, a in args.items()},
                           grad_req="null", aux_states=[aux[n] for n in names[n_inputs:]])
    return [o.asnumpy() for o in executor.forward(is_train=False)]


def _hybridized_outputs(op, sample, params, names, values):
    """The outputs of the symbol run as a hybridized SymbolBlock (an operator whose output
    shape depends on values cannot be bound to an executor, as in MXNet)."""
    variables = [mx.sym.Variable(name) for name in names]
    block = mx.gluon.SymbolBlock(_function(mx.sym, op.name)(*variables, **sample.params),
                                 variables)
    block.hybridize()
    result = block(*[mx.nd.array(v, dtype=v.dtype) for v in values])
    return [o.asnumpy() for o in (result if isinstance(result, list) else [result])]


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_forward_follows_rules_and_nd_agrees_with_sym(op):
    sample, params, names, values = _sample(op)
    outputs = _nd_outputs(op, sample, values)
    _, shapes = op.infer_shape(params, [v.shape for v in values])
    _, dtypes = op.infer_type(params, [v.dtype.type for v in values])
    if op.dynamic_shape:  # the output shape is known only from the input values
        assert shapes == [None] * len(outputs)
    else:
        assert [o.shape for o in outputs] == [tuple(s) for s in shapes]
    assert [o.dtype for o in outputs] == [np.dtype(d) for d in dtypes]
    if not outputs:  # an in-place operator such as reset_arrays: imperative only
        with pytest.raises(mx.MXNetError, match="has no outputs"):
            _sym_outputs(op, sample, params, names, values)
        return
    symbolic = (_hybridized_outputs if op.dynamic_shape else _sym_outputs)(
        op, sample, params, names, values)
    assert [o.shape for o in symbolic] == [o.shape for o in outputs]
    if not op.random:
        for ours, theirs in zip(outputs, symbolic):
            np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("op", OPS, ids=lambda op: op.name)
def test_gradient_under_jit_matches_finite_differences(op):
    sample, params, names, values = _sample(op)
    n_inputs = len(op.input_names(params))
    floats = [i for i in range(n_inputs) if np.issubdtype(values[i].dtype, np.floating)]
    wrt = list(sample.wrt) if sample.wrt is not None else floats
    if not op.differentiable or not wrt:
        assert not op.differentiable or not floats, f"{op.name}: no input to differentiate"
        return
    rng = jax.random.PRNGKey(0) if op.random else None
    aux = [jnp.asarray(v) for v in values[n_inputs:]]

    def outputs(*xs):
        inputs = [jnp.asarray(v) for v in values[:n_inputs]]
        for i, x in zip(wrt, xs):
            inputs[i] = x
        return op.compute(inputs, aux, params, True, rng)[0]

    primal = [jnp.asarray(values[i]) for i in wrt]
    rs = np.random.default_rng(1)
    heads = [jnp.asarray(rs.uniform(-1, 1, o.shape), o.dtype)
             for o in (outputs(*primal) if op.dynamic_shape
                       else jax.eval_shape(outputs, *primal))]
    direction = [jnp.asarray(rs.uniform(-1, 1, p.shape)) for p in primal]
    eps = 1e-6

    # one compiled program: the vjp, and the objective on both sides of the primal (run
    # eagerly where the output shape depends on input values)
    @(lambda fn: fn if op.dynamic_shape else jax.jit(fn))
    def check(primal, heads, direction):
        _, vjp = jax.vjp(outputs, *primal)
        plain = vjp(tuple(heads))
        if op.loss:  # its gradient is not the forward's derivative: compare jit and eager
            return plain, None, None

        def objective(xs):
            return sum(jnp.sum(o * h) for o, h in zip(outputs(*xs), heads))
        plus = objective([p + eps * d for p, d in zip(primal, direction)])
        minus = objective([p - eps * d for p, d in zip(primal, direction)])
        return plain, plus, minus

    grads, plus, minus = check(primal, heads, direction)
    if sample.passes_gradient:
        np.testing.assert_array_equal(np.asarray(grads[0]), np.asarray(heads[0]))
        return
    if op.loss:
        _, eager_vjp = jax.vjp(outputs, *primal)
        for jitted, plain in zip(grads, eager_vjp(tuple(heads))):
            np.testing.assert_allclose(np.asarray(jitted), np.asarray(plain), rtol=1e-6)
        return
    analytic = sum(float(jnp.sum(g * d)) for g, d in zip(grads, direction))
    numeric = float(plus - minus) / (2 * eps)
    assert abs(analytic - numeric) <= 1e-5 + 1e-4 * abs(numeric), (op.name, analytic, numeric)

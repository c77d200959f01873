"""Programs and samplers that need not compile per case do not: an executor bound without
gradients reuses the inference program of one bound with them, and random draws compile
over a flat counter yet give the values of a draw of their own shape."""
import jax
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops.random import flat_draw
from program_checks import compiles


def test_bind_without_gradients_reuses_the_inference_program():
    out = mx.sym.tanh(mx.sym.Variable("a") * 3 + 1, name="shared_infer")
    value = np.random.RandomState(0).normal(size=(3, 7))
    trained = out.simple_bind(mx.cpu(), a=(3, 7), grad_req="write")
    expected = trained.forward(is_train=False, a=value)[0].asnumpy()
    frozen = out.simple_bind(mx.cpu(), a=(3, 7), grad_req="null")
    results = []
    assert compiles(lambda: results.append(frozen.forward(is_train=False, a=value)[0]))[0] == 0
    np.testing.assert_array_equal(results[0].asnumpy(), expected)


@pytest.mark.parametrize("sample, args", [
    (jax.random.uniform, ()), (jax.random.normal, ()), (jax.random.bits, ()),
    (jax.random.randint, (2, 9)),
])
def test_flat_draws_equal_draws_of_the_shape(sample, args):
    key = jax.random.key(7)
    shape = (2, 3, 4, 5)
    np.testing.assert_array_equal(flat_draw(sample, key, shape, *args),
                                  sample(key, shape, *args))


def test_training_forward_without_gradients_reuses_inference_only_where_they_agree():
    x = mx.sym.Variable("a")
    value = np.random.RandomState(1).normal(size=(4, 6))
    plain = mx.sym.relu(x * 2, name="trains_as_infers").simple_bind(mx.cpu(), a=(4, 6),
                                                                  grad_req="null")
    expected = plain.forward(is_train=False, a=value)[0].asnumpy()
    results = []
    assert compiles(lambda: results.append(plain.forward(is_train=True, a=value)[0]))[0] == 0
    np.testing.assert_array_equal(results[0].asnumpy(), expected)
    dropped = mx.sym.Dropout(x, p=0.5, name="trains_differently").simple_bind(
        mx.cpu(), a=(4, 6), grad_req="null")
    inferred = dropped.forward(is_train=False, a=value)[0].asnumpy()
    np.testing.assert_allclose(inferred, value, rtol=1e-6)
    trained = dropped.forward(is_train=True, a=value)[0].asnumpy()
    assert (trained == 0).any() and not (inferred == 0).any()

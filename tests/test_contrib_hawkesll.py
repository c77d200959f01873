"""mx.nd.contrib.hawkesll / mx.sym.contrib.hawkesll: values, gradients, shapes and types
read from MXNet 1.9.1 (2026-12-07)."""
import numpy as np
import pytest

import symjax_mx as mx

nd = mx.nd
NAMES = ("lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time")


def _inputs():
    return dict(
        lda=nd.array([[1.5, 2.0, 3.0]] * 2), alpha=nd.array([0.2, 0.3, 0.4]),
        beta=nd.array([2.0, 1.0, 3.0]), state=nd.array([[0.5, 0.0, 1.0], [0.0, 2.0, 0.0]]),
        lags=nd.array([[0.6, 0.7, 0.8, 0.9, 0.3, 0.2, 0.5], [0.1, 0.2, 0.3, 0.4, 0.2, 0.1, 0.2]]),
        marks=nd.array([[0, 1, 2, 1, 0, 2, 1], [1, 2, 0, 0, 0, 2, 2]]).astype("int32"),
        valid_length=nd.array([5, 7]), max_time=nd.array([6.0, 3.0]))


def test_log_likelihood_state_and_gradients_are_mxnets():
    mu, alpha, beta = nd.array([1.5, 2.0, 3.0]), nd.array([0.2, 0.3, 0.4]), nd.array([2.0, 1, 3])
    given = _inputs()
    for array in (mu, alpha, beta, given["state"]):
        array.attach_grad()
    with mx.autograd.record():
        loglike, state = nd.contrib.hawkesll(mu.tile((2, 1)), alpha, beta, *[
            given[name] for name in NAMES[3:]])
    loglike.backward(nd.array([1.0, 0.5]))
    np.testing.assert_allclose(loglike.asnumpy(), [-37.51706, -16.11966], rtol=1e-6)
    np.testing.assert_allclose(state.asnumpy(), [[4.5400523e-03, 5.8882341e-02, 8.3090426e-06],
                                                 [5.3869113e-02, 1.5459734e-01, 1.7509289e-02]],
                               rtol=1e-5)
    np.testing.assert_allclose(mu.grad.asnumpy(), [-5.2975826, -6.31671, -6.7013807], rtol=1e-5)
    np.testing.assert_allclose(alpha.grad.asnumpy(), [-2.9866538, -2.9190848, -3.2308798],
                               rtol=1e-5)
    np.testing.assert_allclose(beta.grad.asnumpy(), [0.00342081, -0.04897259, -0.00534296],
                               rtol=1e-5)
    # MXNet's backward leaves the state's gradient zero; here it is the derivative
    eps, direction = 1e-3, np.array([[1.0, -1.0, 0.5], [0.0, 2.0, -1.0]], np.float32)
    shifted = [nd.contrib.hawkesll(mu.tile((2, 1)), alpha, beta, given["state"] + sign * eps *
                                   nd.array(direction), *[given[n] for n in NAMES[4:]])[0]
               for sign in (1, -1)]
    numeric = ((shifted[0] - shifted[1]).asnumpy() * [1.0, 0.5]).sum() / (2 * eps)
    np.testing.assert_allclose((given["state"].grad.asnumpy() * direction).sum(), numeric,
                               rtol=1e-2)


def test_one_process_matches_mxnets_test_value():
    # MXNet's test_hawkesll_forward_single_mark
    loglike, _ = nd.contrib.hawkesll(
        nd.array([[1.5]]), nd.array([0.2]), nd.array([1.0]), nd.zeros((1, 1)),
        nd.array([[6, 7, 8, 3, 2, 1, 7]]), nd.zeros((1, 7)).astype("int32"), nd.array([7]),
        nd.array([100.0]))
    np.testing.assert_allclose(loglike.asscalar(), -148.4815, rtol=1e-6)


def test_bound_symbol_gives_the_same_values():
    given = _inputs()
    sym = mx.sym.contrib.hawkesll(*[mx.sym.var(name) for name in NAMES])
    assert sym.list_outputs() == ["hawkesll0_output", "hawkesll0_out_state"]
    shapes = {name: given[name].shape for name in NAMES}
    assert sym.infer_shape(**shapes)[1] == [(2,), (2, 3)]
    assert sym.infer_type(lda=np.float32)[1] == [np.float32, np.float32]
    outputs = sym.bind(mx.cpu(), given).forward()
    np.testing.assert_allclose(outputs[0].asnumpy(), [-37.51706, -16.11966], rtol=1e-6)


@pytest.mark.parametrize("name, shape, message", [
    ("alpha", (4,), "alpha must have shape (3,)"),
    ("lags", (2, 7, 1), "lags must have 2 dimension"),
    ("valid_length", (3,), "valid_length must have shape (2,)"),
])
def test_inconsistent_shapes_are_errors_naming_the_input(name, shape, message):
    given = _inputs()
    given[name] = nd.zeros(shape)
    with pytest.raises(mx.MXNetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nd.contrib.hawkesll(*[given[n] for n in NAMES]).wait_to_read()


def test_marks_must_be_int32():
    given = _inputs()
    given["marks"] = given["marks"].astype("float32")
    with pytest.raises(mx.MXNetError, match="marks must be int32"):
        nd.contrib.hawkesll(*[given[n] for n in NAMES])

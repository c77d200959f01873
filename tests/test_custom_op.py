"""Operators written in Python (mx.operator): forward, MXNet-style backward as the
gradient inside compiled code, auxiliary states, several outputs, and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op

created = []


class Scaled(mx.operator.CustomOp):
    def __init__(self, scale):
        self.scale = scale

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * in_data[0] * self.scale)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        # a deliberately non-autodiff gradient, so the test can tell it was used
        self.assign(in_grad[0], req[0], out_grad[0] * 100 + in_data[0] * 0)


@mx.operator.register("test_scaled_square")
class ScaledProp(mx.operator.CustomOpProp):
    def __init__(self, scale="1"):
        super().__init__(need_top_grad=True)
        self.scale = float(scale)  # MXNet passes every keyword argument as a string

    def create_operator(self, ctx, in_shapes, in_dtypes):
        created.append((ctx, in_shapes, in_dtypes))
        return Scaled(self.scale)


class SplitSum(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        x, y = in_data
        self.assign(out_data[0], req[0], x + y)
        self.assign(out_data[1], req[1], mx.nd.sum(x * y, axis=1))
        aux[0][:] = aux[0] + 1  # counts training calls
        if not is_train:
            aux[0][:] = aux[0] - 1

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x, y = in_data
        row = out_grad[1].reshape((-1, 1))
        self.assign(in_grad[0], req[0], out_grad[0] + row * y)
        self.assign(in_grad[1], req[1], out_grad[0] + row * x)


@mx.operator.register("test_split_sum")
class SplitSumProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ["lhs", "rhs"]

    def list_outputs(self):
        return ["sum", "dot"]

    def list_auxiliary_states(self):
        return ["calls"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], [in_shape[0][0]]], [[1]]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return SplitSum()


def test_forward_passes_string_params_and_creates_once_per_signature():
    created.clear()
    x = mx.nd.array([1.0, 2.0])
    y = mx.nd.Custom(x, op_type="test_scaled_square", scale=3)
    assert y.asnumpy().tolist() == [3, 12] and y.context == mx.cpu(0)
    mx.nd.Custom(mx.nd.array([5.0, 6.0]), op_type="test_scaled_square", scale=3).wait_to_read()
    assert created == [(mx.cpu(0), [[2]], [np.float32])]


def test_user_backward_is_the_gradient_inside_jit():
    op = get_op("Custom")
    params = op.parse_params({"op_type": "test_scaled_square", "scale": 2})

    @jax.jit
    def grad(x):
        out, vjp = jax.vjp(lambda a: op.compute([a], [], params, True, None)[0][0], x)
        return out, vjp(jnp.full_like(out, 0.5))[0]
    out, g = grad(jnp.array([1.0, 2.0], jnp.float32))
    assert np.asarray(out).tolist() == [2, 8] and np.asarray(g).tolist() == [50, 50]


def test_several_inputs_outputs_and_aux_states():
    x, y = mx.nd.array([[1, 2], [3, 4]]), mx.nd.array([[1, 1], [2, 2]])
    calls = mx.nd.zeros((1,))
    total, dot = mx.nd.Custom(x, y, calls, op_type="test_split_sum")
    assert total.asnumpy().tolist() == [[2, 3], [5, 6]] and dot.asnumpy().tolist() == [3, 14]
    op = get_op("Custom")
    params = op.parse_params({"op_type": "test_split_sum"})
    assert op.input_names(params) == ("lhs", "rhs") and op.aux_names(params) == ("calls",)
    assert op.output_names(params) == ("sum", "dot")
    assert op.infer_shape(params, [(2, 2), (2, 2), None]) == ([(2, 2), (2, 2), (1,)],
                                                              [(2, 2), (2,)])
    mx.nd.ndarray.invoke(op, (x, y, calls), params, is_train=True)
    assert calls.asnumpy().tolist() == [1]

    def loss(a, b):
        (s, d), _ = op.compute([a, b], [jnp.zeros(1)], params, True, None)
        return jnp.sum(s * 2) + jnp.sum(d * 3)
    ga, gb = jax.grad(loss, argnums=(0, 1))(x.asjax(), y.asjax())
    np.testing.assert_allclose(np.asarray(ga), 2 + 3 * y.asnumpy())
    np.testing.assert_allclose(np.asarray(gb), 2 + 3 * x.asnumpy())


def test_unknown_op_type_lists_the_registered_ones():
    with pytest.raises(mx.MXNetError, match=r"Cannot find custom operator 'nope'; registered: "
                                            r".*test_scaled_square"):
        mx.nd.Custom(mx.nd.ones((2,)), op_type="nope")
    with pytest.raises(mx.MXNetError, match="operator Custom: required parameter op_type"):
        mx.nd.Custom(mx.nd.ones((2,)))


def test_an_error_in_user_code_names_the_operator():
    class Broken(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            raise ValueError("user forward exploded")

    @mx.operator.register("test_broken")
    class BrokenProp(mx.operator.CustomOpProp):
        def create_operator(self, ctx, in_shapes, in_dtypes):
            return Broken()

    with pytest.raises(mx.MXNetError, match="(?s)operator Custom failed.*user forward exploded"):
        mx.nd.Custom(mx.nd.ones((2,)), op_type="test_broken").wait_to_read()


class CholeskyOfProduct(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        # potrf fails inside its kernel (the product is singular); MXNet's engine carries
        # the failure to what it is written into, so the Custom op fails
        out_data[0][:] = mx.nd.linalg.potrf(mx.nd.dot(in_data[0], in_data[1]))


@mx.operator.register("test_cholesky_of_product")
class CholeskyOfProductProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ["a", "b"]

    def infer_shape(self, in_shape):
        return in_shape, [(in_shape[0][0], in_shape[1][1])]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return CholeskyOfProduct()


def test_a_kernel_failure_inside_forward_fails_the_custom_output():
    """test_operator's test_custom_op_exc: the Custom call fails with the kernel's error,
    which is not left pending for a later waitall."""
    with pytest.raises(mx.MXNetError, match="(?s)operator Custom failed.*potrf failed"):
        mx.nd.Custom(mx.nd.zeros((2, 1)), mx.nd.zeros((1, 2)),
                     op_type="test_cholesky_of_product").wait_to_read()
    mx.nd.waitall()


class MarksAux(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        aux[0][:] = 7
        self.assign(out_data[0], req[0], in_data[0] * 2)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * aux[0])  # 7s only if forward's aux


@mx.operator.register("test_marks_aux")
class MarksAuxProp(mx.operator.CustomOpProp):
    def list_auxiliary_states(self):
        return ["mark"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0]], [in_shape[0]]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return MarksAux()


def test_backward_sees_the_aux_states_forward_wrote():
    """As in MXNet, where forward writes aux in place, backward reads what it wrote."""
    out = mx.sym.Custom(mx.sym.Variable("data"), mx.sym.Variable("mark"), op_type="test_marks_aux")
    grad = mx.nd.zeros((2, 3))
    exe = out.bind(mx.cpu(), {"data": mx.nd.ones((2, 3))}, args_grad={"data": grad},
                   aux_states={"mark": mx.nd.zeros((2, 3))})
    exe.forward(is_train=True)
    exe.backward([mx.nd.ones((2, 3))])
    assert (grad.asnumpy() == 7).all()


class _Double(mx.operator.NumpyOp):
    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0] * 2

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = out_grad[0] * 2


def test_numpy_op_runs_in_a_bound_symbol_and_its_default_backward_writes_ones():
    x = mx.nd.array([1, 2, 3])
    for op_class, output, grad in ((_Double, [2, 4, 6], [2, 2, 2]),
                                   (mx.operator.NumpyOp, [1, 2, 3], [1, 1, 1])):
        with pytest.warns(UserWarning, match="deprecated"):
            op = op_class()
        symbol = op.get_symbol(mx.sym.Variable("X"), name="numpy_op")
        assert symbol.list_arguments() == ["X"]
        dx = mx.nd.zeros(3)
        executor = symbol.bind(mx.cpu(), args=[x], args_grad={"X": dx})
        np.testing.assert_array_equal(executor.forward(is_train=True)[0].asnumpy(), output)
        executor.backward(mx.nd.ones(3))
        np.testing.assert_array_equal(dx.asnumpy(), grad)


class WeightedLogistic(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], mx.nd.divide(1, (1 + mx.nd.exp(-in_data[0]))))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        out, label = out_data[0], in_data[1]
        in_grad[0][:] = ((out - 1) * label + out * (1 - label) * 0.1) / out.shape[1]


@mx.operator.register("test_weighted_logistic")
class WeightedLogisticProp(mx.operator.CustomOpProp):
    """numpy-ops/weighted_logistic_regression.py's prop: a loss (no top gradient) whose
    infer_shape returns two lists and reads only the data shape."""

    def __init__(self):
        super().__init__(need_top_grad=False)

    def list_arguments(self):
        return ["data", "label"]

    def infer_shape(self, in_shape):
        shape = in_shape[0]
        return [shape, shape], [shape]

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return WeightedLogistic()


def test_label_shape_comes_from_infer_shape_and_a_loss_needs_no_out_grad():
    out = mx.sym.Custom(mx.sym.Variable("data"), op_type="test_weighted_logistic", name="wlr")
    assert out.infer_shape(data=(4, 5)) == ([(4, 5), (4, 5)], [(4, 5)], [])
    exe = out.simple_bind(mx.cpu(), data=(4, 5))
    exe.arg_dict["data"][:] = 1
    exe.arg_dict["wlr_label"][:] = np.vstack([np.ones((2, 5)), np.zeros((2, 5))])
    np.testing.assert_allclose(exe.forward(is_train=True)[0].asnumpy(), 0.7310586, rtol=1e-6)
    exe.backward()  # MXNet 1.9.1 needs no head gradient when need_top_grad is False
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy()[:, 0],  # MXNet 1.9.1
                               [-0.05378828, -0.05378828, 0.01462117, 0.01462117], rtol=1e-5)


def test_infer_shape_sees_unknown_shapes_as_empty_lists_and_its_errors_are_mxnet_errors():
    seen = []

    @mx.operator.register("test_sees_unknown")
    class SeesUnknownProp(mx.operator.CustomOpProp):
        def list_arguments(self):
            return ["data", "label"]

        def infer_shape(self, in_shape):
            seen.append(in_shape)
            return [in_shape[0], [in_shape[0][0]]], [in_shape[0]], []

    out = mx.sym.Custom(mx.sym.Variable("data"), op_type="test_sees_unknown", name="c")
    assert out.infer_shape(data=(2, 3)) == ([(2, 3), (2,)], [(2, 3)], [])
    assert seen[0] == [[2, 3], []]  # as MXNet 1.9.1 passes them
    with pytest.raises(mx.MXNetError, match="Error in test_sees_unknown.infer_shape: IndexError"):
        out.infer_shape(c_label=(2,))


class _Square(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * in_data[0])


@mx.operator.register("test_csr_square")
class CsrSquareProp(mx.operator.CustomOpProp):
    """numpy-ops/custom_sparse_sqr.py's storage rule: csr in, csr out."""

    def infer_storage_type(self, in_stype):
        return in_stype, ["csr" if in_stype[0] == "csr" else "default"], []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _Square()


@mx.operator.register("test_dense_square")
class DenseSquareProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _Square()


def test_output_storage_type_comes_from_infer_storage_type():
    dense = mx.nd.array([[0, 2, 0], [3, 0, 0]])
    csr = dense.tostype("csr")
    out = mx.nd.Custom(csr, op_type="test_csr_square")
    assert out.stype == "csr" and out.asnumpy().tolist() == [[0, 4, 0], [9, 0, 0]]
    assert mx.nd.Custom(dense, op_type="test_csr_square").stype == "default"
    prop = mx.operator.CustomOpProp()  # MXNet 1.9.1's defaults
    assert prop.infer_storage_type(["default"]) == (["default"], ["default"], [])
    assert prop.infer_storage_type_backward(["default"], ["default"], ["default"], ["default"],
                                            []) == (["default"],) * 4 + ([],)
    with pytest.raises(mx.MXNetError, match="test_dense_square.infer_storage_type: "
                                            "AssertionError: Default infer_storage_type"):
        mx.nd.Custom(csr, op_type="test_dense_square").wait_to_read()


class _SquarePlusX(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] * in_data[0])

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], 2 * in_data[0] + 1)  # ignores out_grad


def _square_prop(need_top_grad):
    class Prop(mx.operator.CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=need_top_grad)

        def list_arguments(self):
            return ["data"]

        def infer_shape(self, in_shape):
            return in_shape, [in_shape[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return _SquarePlusX()
    return Prop


mx.operator.register("test_square_loss")(_square_prop(False))
mx.operator.register("test_square_needs_top")(_square_prop(True))


def test_custom_head_without_top_grad_needs_no_out_grad():
    """A Custom operator with need_top_grad=False is a loss: backward() takes no out_grad
    (bayesian-methods' DistilledSGLD ends its student net in such a NumpyOp); with
    need_top_grad=True it is MXNet's error. As on MXNet 1.9.1."""
    for op_type, works in (("test_square_loss", True), ("test_square_needs_top", False)):
        exe = mx.sym.Custom(mx.sym.Variable("x"), op_type=op_type).simple_bind(mx.cpu(), x=(3,))
        exe.arg_dict["x"][:] = mx.nd.array([1, 2, 3])
        exe.forward(is_train=True)
        if works:
            exe.backward()
            assert exe.grad_dict["x"].asnumpy().tolist() == [3, 5, 7]
        else:
            with pytest.raises(mx.base.MXNetError, match="needs an out_grad"):
                exe.backward()


class _TripleNDArrayOp(mx.operator.NDArrayOp):
    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0] * 3

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = out_grad[0] * 3 + in_data[0]


def test_ndarray_op_writes_ndarrays_in_a_bound_symbol():
    with pytest.warns(UserWarning, match="NDArrayOp has been deprecated"):
        op = _TripleNDArrayOp()
    symbol = op(data=mx.sym.Variable("x"), name="sc")
    assert symbol.list_arguments() == ["x"] and symbol.list_outputs() == ["sc_output"]
    exe = symbol.simple_bind(mx.cpu(), x=(2, 2))
    exe.arg_dict["x"][:] = np.array([[1, 2], [3, 4]])
    assert exe.forward(is_train=True)[0].asnumpy().tolist() == [[3, 6], [9, 12]]  # MXNet 1.9.1
    exe.backward(mx.nd.ones((2, 2)))
    assert exe.grad_dict["x"].asnumpy().tolist() == [[4, 5], [6, 7]]


class Gibbs(mx.operator.CustomOp):
    """NDArray calls as MXNet's RBM example makes them: gemm, sigmoid, random draws."""

    def forward(self, is_train, req, in_data, out_data, aux):
        x, w = in_data
        prob = mx.nd.linalg.gemm2(x, w).sigmoid()
        sample = mx.nd.random.uniform(shape=prob.shape) < prob
        self.assign(out_data[0], req[0], sample * prob)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], mx.nd.dot(out_grad[0], in_data[1].T))
        self.assign(in_grad[1], req[1], mx.nd.dot(in_data[0].T, out_grad[0]))


@mx.operator.register("test_gibbs")
class GibbsProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ["data", "weight"]

    def infer_shape(self, in_shape):
        return in_shape, [[in_shape[0][0], in_shape[1][1]]], []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return Gibbs()


_QUEUED_BEHIND = """
import sys
import symjax_mx as mx
sys.path.insert(0, {tests!r})
import test_custom_op  # registers test_gibbs
a = mx.nd.ones((1200, 1200)) / 1200
slow = mx.nd.dot(mx.nd.dot(mx.nd.dot(a, a), a), a)  # the operator's input comes late
x, w = slow[0:4, 0:6], slow[0:6, 0:3]
y = mx.nd.Custom(x, w, op_type="test_gibbs")
for _ in range(100):  # queued behind the operator before its Python runs
    y = y + 1
exe = mx.sym.Custom(mx.sym.var("x"), mx.sym.var("w"), op_type="test_gibbs").simple_bind(
    mx.cpu(), x=(4, 6), w=(6, 3))
for _ in range(5):
    exe.arg_dict["x"][:] = mx.nd.dot(mx.nd.dot(a, a), a)[0:4, 0:6]
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((4, 3)))
    for _ in range(50):
        exe.arg_dict["w"][:] = exe.arg_dict["w"] + 0
print(y.asnumpy().min() >= 100, exe.grad_dict["w"].asnumpy().shape)
"""


def test_programs_queued_behind_a_custom_operator_do_not_deadlock_its_python():
    # XLA's CPU client runs at most 32 programs at once: a caller that queued that many
    # behind a program whose callback had not run yet left the callback's own NDArray
    # calls waiting forever (binary_rbm_module.py hung after a few batches)
    import os
    import subprocess
    import sys
    tests = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(tests))
    proc = subprocess.run([sys.executable, "-c", _QUEUED_BEHIND.format(tests=tests)], env=env,
                          capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "True (6, 3)"


def test_random_draws_in_a_custom_operator_follow_the_seed_on_any_thread():
    # the operator's Python runs on one of XLA's threads when its input is not ready yet;
    # with a random key per thread its draws ignored the seed and repeated every call
    a = mx.nd.ones((600, 600)) / 600
    x, w = mx.nd.ones((4, 6)), mx.nd.ones((6, 3)) * 0.1

    def draw(slow):
        data = x + mx.nd.dot(mx.nd.dot(a, a), a)[0:4, 0:6] * 0 if slow else x
        return mx.nd.Custom(data, w, op_type="test_gibbs").asnumpy()

    for slow in (False, True):
        mx.random.seed(1)
        first, second = draw(slow), draw(slow)
        mx.random.seed(2)
        other = draw(slow)
        mx.random.seed(1)
        again = draw(slow)
        assert np.array_equal(first, again)
        assert not np.array_equal(first, second) and not np.array_equal(first, other)


def test_random_keys_are_the_split_chain_of_the_seed():
    from symjax_mx import random_state
    mx.random.seed(5)
    keys = [random_state.next_key() for _ in range(3)]
    key = jax.random.key(5)
    for got in keys:
        key, sub = jax.random.split(key)
        assert np.array_equal(jax.random.key_data(got), jax.random.key_data(sub))


def test_a_custom_operator_compiles_nothing_after_its_first_steps():
    # its Python's NDArray calls (on XLA's thread) reuse their programs every step
    compiled, counting = [], [True]

    def count(event, duration, **_):
        if counting[0] and event == "/jax/core/compile/backend_compile_duration":
            compiled.append(event)  # from any thread

    jax.monitoring.register_event_duration_secs_listener(count)
    exe = mx.sym.Custom(mx.sym.var("x"), mx.sym.var("w"), op_type="test_gibbs").simple_bind(
        mx.cpu(), x=(8, 5), w=(5, 4))
    exe.arg_dict["x"][:] = np.random.rand(8, 5)
    exe.arg_dict["w"][:] = np.random.rand(5, 4)

    head = mx.nd.ones((8, 4))

    def step():
        exe.forward(is_train=True)
        exe.backward(head)
        return exe.grad_dict["w"].asnumpy()

    for _ in range(2):
        step()
    before = len(compiled)
    for _ in range(3):
        grad = step()
    counting[0] = False
    assert len(compiled) == before
    expected = exe.arg_dict["x"].asnumpy().T @ np.ones((8, 4))
    assert np.allclose(grad, expected, rtol=1e-5)

"""The Executor: bind / simple_bind, forward, backward, grad_req, aux updates, stable
handles, compile caching, the test_utils checks, and the bad inputs."""
import ctypes

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import test_utils as tu
from symjax_mx.base import NDArrayHandle, py_str


def mlp(hidden=4, classes=3):
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=hidden, name="fc1")
    act = mx.sym.Activation(fc1, act_type="tanh", name="act")
    fc2 = mx.sym.FullyConnected(act, num_hidden=classes, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def test_tutorial_bind():
    A, B = mx.symbol.Variable("A"), mx.symbol.Variable("B")
    c_exec = (A * B).bind(ctx=mx.cpu(), args={"A": mx.nd.ones(3) * 4, "B": mx.nd.ones(3) * 2})
    c_exec.forward()
    assert c_exec.outputs[0].asnumpy().tolist() == [8, 8, 8]


def test_simple_bind_allocates_and_handles_stay_valid():
    exe = mlp().simple_bind(mx.cpu(), data=(5, 6))
    assert exe.arg_dict["fc1_weight"].shape == (4, 6) and exe.grad_dict["fc2_bias"].shape == (3,)
    assert [a.shape for a in exe.arg_arrays][-1] == (5,)
    out = exe.outputs[0]
    exe.arg_dict["data"][:] = np.random.rand(5, 6)
    exe.arg_dict["fc1_weight"][:] = np.random.rand(4, 6)
    exe.forward()
    first = out.asnumpy().copy()
    assert exe.outputs[0] is out and np.allclose(first.sum(axis=1), 1)
    exe.arg_dict["fc2_bias"][:] = np.array([5, 0, 0])  # writing an argument changes the next run
    exe.forward(data=np.random.rand(5, 6))
    assert exe.outputs[0] is out and not np.allclose(out.asnumpy(), first)


def test_softmax_output_gradient_and_grad_reqs():
    sym = mlp()
    np.random.seed(0)
    values = {"data": np.random.rand(5, 6), "fc1_weight": np.random.rand(4, 6) - 0.5,
              "fc1_bias": np.zeros(4), "fc2_weight": np.random.rand(3, 4) - 0.5,
              "fc2_bias": np.zeros(3), "softmax_label": np.array([0, 1, 2, 0, 1])}
    exe = sym.simple_bind(mx.cpu(), grad_req={"fc1_weight": "write", "fc2_weight": "add"},
                          data=(5, 6))
    assert set(exe.grad_dict) == {"fc1_weight", "fc2_weight"}
    for name, value in values.items():
        exe.arg_dict[name][:] = value
    exe.forward(is_train=True)
    exe.backward()
    probs = exe.outputs[0].asnumpy()
    hidden = np.tanh(values["data"] @ values["fc1_weight"].T)
    onehot = np.eye(3)[values["softmax_label"]]
    np.testing.assert_allclose(exe.grad_dict["fc2_weight"].asnumpy(), (probs - onehot).T @ hidden,
                               rtol=1e-4, atol=1e-5)
    once = exe.grad_dict["fc2_weight"].asnumpy()
    exe.forward(is_train=True)
    exe.backward()  # 'add' accumulates
    np.testing.assert_allclose(exe.grad_dict["fc2_weight"].asnumpy(), 2 * once, rtol=1e-5)


def test_batchnorm_aux_updates_only_on_training_forward():
    sym = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, name="bn")
    exe = sym.simple_bind(mx.cpu(), data=(4, 2))
    exe.arg_dict["data"][:] = np.array([[1, 2], [3, 4], [5, 6], [7, 8]])
    exe.arg_dict["bn_gamma"][:] = 1
    exe.aux_dict["bn_moving_var"][:] = 1
    exe.forward(is_train=False)
    assert exe.aux_dict["bn_moving_mean"].asnumpy().tolist() == [0, 0]
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((4, 2)))
    np.testing.assert_allclose(exe.aux_dict["bn_moving_mean"].asnumpy(), [0.4, 0.5], rtol=1e-5)


def test_second_bind_of_the_same_graph_compiles_nothing():
    sym = mlp(hidden=7)
    first = sym.simple_bind(mx.cpu(), data=(3, 5))
    first.forward(is_train=True)
    first.backward()
    sizes = (first._compiled._train._cache_size(), first._compiled._backward._cache_size())
    second = mx.sym.load_json(sym.tojson()).simple_bind(mx.cpu(), data=(3, 5))
    second.forward(is_train=True)
    second.backward()
    assert second._compiled is first._compiled
    assert (second._compiled._train._cache_size(), second._compiled._backward._cache_size()) == sizes


def test_repeated_binds_fill_their_arrays_without_compiling_fillers():
    # each bind allocates every shape twice (argument and gradient); the third used to
    # compile a filler per shape (100-300 ms for a ResNet)
    from symjax_mx.ndarray import creation
    data = mx.sym.var("data")
    bn = mx.sym.BatchNorm(mx.sym.FullyConnected(data, num_hidden=9, name="fc"), name="bn")
    sym = mx.sym.Group([bn, mx.sym.BlockGrad(data)])
    fillers = creation._filler.cache_info().misses
    shared = None
    for i in range(6):
        exe = sym.simple_bind(mx.cpu(), data=(4, 11), type_dict={"fc_weight": "float64"},
                              grad_req={"data": "null", "fc_weight": "write",
                                        "fc_bias": "add", "bn_gamma": "write",
                                        "bn_beta": "write"},
                              shared_exec=shared if i % 2 else None)
        assert list(exe.arg_dict) == sym.list_arguments()
        assert list(exe.grad_dict) == ["fc_weight", "fc_bias", "bn_gamma", "bn_beta"]
        assert list(exe.aux_dict) == sym.list_auxiliary_states()
        assert exe.arg_dict["fc_weight"].dtype == np.float64
        assert exe.grad_dict["fc_weight"].shape == (9, 11)
        for array in [*exe.arg_dict.values(), *exe.grad_dict.values(), *exe.aux_dict.values()]:
            assert not array.asnumpy().any()
        if i % 2:  # a shared executor's arrays that fit are reused
            assert exe.arg_dict["fc_bias"] is shared.arg_dict["fc_bias"]
            assert exe.grad_dict["bn_gamma"] is shared.grad_dict["bn_gamma"]
        shared = exe
    assert creation._filler.cache_info().misses == fillers


def test_a_bind_fills_its_arrays_only_where_they_are_read(monkeypatch):
    """simple_bind's arrays hold zeros, computed when first read: arguments the user sets
    and gradients a backward writes are never filled (the fills took 2.7 of a small
    ResNet bind's 6.2 ms); a gradient that accumulates, and a view written in part, start
    from the zeros."""
    from symjax_mx.ndarray import creation
    filled = []
    fill = creation._filled
    monkeypatch.setattr(creation, "_filled", lambda *args: filled.append(args[1]) or fill(*args))
    sym = mlp(hidden=7)
    exe = sym.simple_bind(mx.cpu(), data=(3, 5), grad_req={
        "data": "null", "fc1_weight": "write", "fc1_bias": "write", "fc2_weight": "write",
        "fc2_bias": "add", "softmax_label": "null"})
    assert filled == []
    rng = np.random.RandomState(0)
    for name, array in exe.arg_dict.items():
        array[:] = rng.uniform(0, 1, array.shape) if name != "softmax_label" else [0, 1, 2]
    exe.forward(is_train=True)
    exe.backward()
    mx.nd.waitall()
    assert filled == [(3,)]  # only the accumulating fc2_bias gradient read its zeros
    reference = sym.simple_bind(mx.cpu(), data=(3, 5), grad_req="write")
    for name, array in exe.arg_dict.items():
        reference.arg_dict[name][:] = array.asnumpy()
    reference.forward(is_train=True)
    reference.backward()
    for name, grad in exe.grad_dict.items():
        np.testing.assert_allclose(grad.asnumpy(), reference.grad_dict[name].asnumpy(),
                                   rtol=1e-6)
    other = sym.simple_bind(mx.cpu(), data=(3, 5))
    other.arg_dict["fc1_weight"][1:2] = 5
    expected = np.zeros((7, 5), np.float32)
    expected[1] = 5
    np.testing.assert_array_equal(other.arg_dict["fc1_weight"].asnumpy(), expected)
    assert not other.grad_dict["fc2_weight"].asnumpy().any()
    assert other.aux_dict == {} and other.arg_dict["fc1_bias"].dtype == np.float32


def test_simple_bind_infers_dtypes_once_and_the_executor_keeps_them(monkeypatch):
    from symjax_mx.lowering import executor
    from symjax_mx.symbol import inference
    data = mx.sym.var("data")
    out = mx.sym.Cast(mx.sym.FullyConnected(data, num_hidden=3, name="fc"), dtype="float16")
    out = mx.sym.Group([out, mx.sym.Cast(data, dtype="int32")])
    kinds = []

    def counted(solve):
        def run(graph, kind, *args, **kwargs):
            kinds.append(kind)
            return solve(graph, kind, *args, **kwargs)
        return run
    monkeypatch.setattr(inference, "solve", counted(inference.solve))
    monkeypatch.setattr(executor, "solve", counted(executor.solve))
    exe = out.simple_bind(mx.cpu(), data=(2, 4), type_dict={"data": "float64"})
    assert kinds.count("dtype") == 1
    assert exe.arg_dict["fc_weight"].dtype == np.float64
    assert [o.dtype for o in exe.outputs] == [np.float16, np.int32]
    exe.arg_dict["data"][:] = 1.5
    exe.forward()
    assert [o.dtype for o in exe.outputs] == [np.float16, np.int32]
    np.testing.assert_array_equal(exe.outputs[1].asnumpy(), np.ones((2, 4)))


def test_check_numeric_gradient_on_networks():
    np.random.seed(1)
    data = mx.sym.var("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=2, pad=(1, 1), name="conv")
    pool = mx.sym.Pooling(mx.sym.Activation(conv, act_type="tanh"), kernel=(2, 2),
                          stride=(2, 2), pool_type="avg")
    net = mx.sym.FullyConnected(mx.sym.Flatten(pool), num_hidden=3, name="fc")
    shapes = dict(zip(net.list_arguments(), net.infer_shape(data=(2, 1, 4, 4))[0]))
    location = {n: np.random.uniform(-1, 1, s) for n, s in shapes.items()}
    tu.check_numeric_gradient(net, location, numeric_eps=1e-4, rtol=1e-3)
    x, y = mx.sym.var("x"), mx.sym.var("y")
    tu.check_numeric_gradient(mx.sym.sum(x * y + mx.sym.exp(x), axis=1),
                              {"x": np.random.rand(2, 3), "y": np.random.rand(2, 3)})


def test_check_symbolic_forward_and_backward():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
    tu.check_symbolic_forward(x * y, [a, b], [a * b])
    tu.check_symbolic_backward(x * y, {"x": a, "y": b}, [np.ones((1, 2))], {"x": b, "y": a})
    with pytest.raises(AssertionError, match="computed grad x"):
        tu.check_symbolic_backward(x * y, {"x": a, "y": b}, [np.ones((1, 2))], {"x": a})


def test_eval_reshape_copy_params_monitor_and_debug_str():
    x = mx.sym.var("x")
    assert (x * 2).eval(mx.cpu(), x=mx.nd.ones(2))[0].asnumpy().tolist() == [2, 2]
    exe = mlp().simple_bind(mx.cpu(), data=(5, 6))
    exe.copy_params_from({"fc1_weight": mx.nd.ones((4, 6))}, allow_extra_params=True)
    assert exe.arg_dict["fc1_weight"].asnumpy().sum() == 24
    with pytest.raises(ValueError, match='Find name "nope" that is not in the arguments'):
        exe.copy_params_from({"nope": mx.nd.ones(1)})  # MXNet 1.9.1's error
    with pytest.raises(ValueError, match="Find name nope that is not in the auxiliary states"):
        exe.copy_params_from({}, {"nope": mx.nd.ones(1)})
    with pytest.raises(mx.MXNetError, match="'data' grows from \\(5, 6\\) to \\(8, 6\\); pass "
                       "allow_up_sizing=True"):
        exe.reshape(data=(8, 6), softmax_label=(8,))
    with pytest.raises(mx.MXNetError, match="'softmax_label', which was not given, changes"):
        exe.reshape(data=(8, 6), allow_up_sizing=True)
    bigger = exe.reshape(data=(8, 6), allow_up_sizing=True, partial_shaping=True)
    assert bigger.arg_dict["fc1_weight"] is exe.arg_dict["fc1_weight"]
    assert bigger.arg_dict["data"].shape == (8, 6) and bigger.outputs[0].shape == (8, 3)
    seen = []
    exe.set_monitor_callback(lambda name, handle: seen.append(
        (py_str(name), mx.nd.NDArray(ctypes.cast(handle, NDArrayHandle)).shape)))
    exe.forward()
    assert ("fc1_output", (5, 4)) in seen and ("softmax_output", (5, 3)) in seen
    assert "Op:FullyConnected, Name=fc1" in exe.debug_str()


def test_bad_inputs_raise_and_the_executor_stays_usable():
    sym = mlp()
    with pytest.raises(mx.MXNetError, match=r"missing arguments \['fc1_bias', 'softmax_label'\]"):
        sym.bind(mx.cpu(), {"data": mx.nd.ones((2, 3)), "fc1_weight": mx.nd.ones((4, 3)),
                            "fc2_weight": mx.nd.ones((3, 4)), "fc2_bias": mx.nd.ones(3)})
    args = {"data": mx.nd.ones((2, 3)), "fc1_weight": mx.nd.ones((4, 5)),
            "fc1_bias": mx.nd.ones(4), "fc2_weight": mx.nd.ones((3, 4)),
            "fc2_bias": mx.nd.ones(3), "softmax_label": mx.nd.ones(2)}
    with pytest.raises(mx.MXNetError, match=r"input weight has shape \(4, 5\), but data of "
                                            r"shape \(2, 3\) needs \(4, 3\)"):
        sym.bind(mx.cpu(), args)
    args["fc1_weight"] = mx.nd.ones((4, 3), ctx=mx.cpu(1))
    with pytest.raises(mx.MXNetError, match=r"'fc1_weight' is on cpu\(1\), but the executor is "
                                            r"bound to cpu\(0\)"):
        sym.bind(mx.cpu(), args)
    with pytest.raises(mx.MXNetError, match="unknown grad_req 'sometimes'"):
        sym.simple_bind(mx.cpu(), grad_req="sometimes", data=(2, 3))
    with pytest.raises(mx.MXNetError, match=r"cannot infer the shapes of \['data'"):
        sym.simple_bind(mx.cpu())
    exe = sym.simple_bind(mx.cpu(), data=(2, 3))
    x = mx.sym.var("x")
    plain = (x * 2).simple_bind(mx.cpu(), x=(2,))
    plain.forward(is_train=True)
    with pytest.raises(mx.MXNetError, match="output '_mulscalar.*_output' is not a loss, so it "
                                            "needs an out_grad"):
        plain.backward()
    plain.backward(mx.nd.ones(2))  # still usable
    assert plain.grad_dict["x"].asnumpy().tolist() == [2, 2]
    exe.forward(is_train=True)
    exe.backward()
    assert exe.grad_dict["fc1_weight"].shape == (4, 3)


def test_a_group2ctx_value_that_is_not_a_context_is_refused():
    net = mx.sym.var("a") * 2
    with pytest.raises(mx.MXNetError, match=r"group 'dev1' maps to 'cpu1', not a Context"):
        net.simple_bind(mx.cpu(0), group2ctx={"dev1": "cpu1"}, a=(2,))
    exe = net.simple_bind(mx.cpu(0), group2ctx={"dev1": mx.cpu(0)}, a=(2,))  # one device: fine
    assert exe.forward()[0].shape == (2,)


def test_heads_with_a_zero_gradient_need_no_out_grad_and_ignore_one_given():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    args = {"a": mx.nd.ones((2, 3)), "b": mx.nd.zeros((2, 3))}
    for head in (a == b, mx.sym.shape_array(a), mx.sym.BlockGrad(a)):
        grad = mx.nd.ones((2, 3))
        executor = head.bind(mx.cpu(), args, args_grad={"a": grad}, grad_req={"a": "write"})
        executor.forward(is_train=True)
        executor.backward()                        # no out_grad needed
        executor.backward([mx.nd.ones((7,))])      # a mis-shaped one is ignored, as in MXNet
        assert not grad.asnumpy().any()


def test_extra_out_grads_and_argument_dict_entries_are_ignored():
    x = mx.sym.Variable("x")
    y = mx.sym.LeakyReLU(x, act_type="leaky")
    grad = mx.nd.zeros((2,))
    executor = y.bind(mx.cpu(), {"x": mx.nd.array([1, -1]), "unused": None},
                      args_grad={"x": grad, "unused": None})
    executor.forward(is_train=True)
    executor.backward([mx.nd.ones((2,)), mx.nd.ones((5,))])
    np.testing.assert_allclose(grad.asnumpy(), [1, 0.25])


def test_module_input_grads_are_none_for_a_null_grad_req():
    data = mx.sym.Variable("data")
    module = mx.mod.Module(mx.sym.FullyConnected(data, num_hidden=2), label_names=None)
    module.bind(data_shapes=[("data", (1, 3))], inputs_need_grad=True,
                grad_req={"data": "null", "fullyconnected0_weight": "write",
                          "fullyconnected0_bias": "write"})
    module.init_params()
    module.forward(mx.io.DataBatch([mx.nd.ones((1, 3))]), is_train=True)
    module.backward([mx.nd.ones((1, 2))])
    assert module.get_input_grads() == [None]


def test_debug_str_reports_the_planned_memory_of_forward_and_backward():
    data = mx.sym.Variable("data")
    square = data * data

    def planned(symbol, **kwargs):
        text = symbol.simple_bind(mx.cpu(), data=(10, 3, 256, 256), **kwargs).debug_str()
        return int(text.rsplit("Total ", 1)[1].split(" MB")[0])
    assert planned(square) == 22   # MXNet 1.9.1 prints 22: the output and two input grads
    assert planned(square, grad_req="null") == 7
    assert planned(mx.sym.stop_gradient(square)) == 7  # no gradient flows


def test_simple_bind_takes_the_variables_declared_dtypes():
    x = mx.sym.Variable("x", dtype=np.int32)
    executor = mx.sym.Cast(x, dtype=np.float16).simple_bind(mx.cpu(), x=(2, 2))
    assert executor.arg_arrays[0].dtype == np.int32
    assert executor.outputs[0].dtype == np.float16
    executor.forward(is_train=True)
    executor.backward(mx.nd.ones((2, 2), dtype=np.float16))
    assert executor.grad_arrays[0].dtype == np.int32  # JAX differentiates no integers: zero


@pytest.mark.parametrize("grad_req", ["write", "add"])
def test_an_int64_argument_read_by_a_cast_gets_int64_gradients(grad_req):
    """As MXNet 1.9.1's Cast passes them (its gradient is the head gradient converted
    back); the training pass casts as inference does, also where float64 rounds."""
    x, y = mx.sym.Variable("x", dtype=np.int64), mx.sym.Variable("y")
    cast = mx.sym.Cast(x, dtype="float32")
    both = mx.sym.Group([mx.sym.MakeLoss(mx.sym.sum(cast * y)), mx.sym.BlockGrad(cast)])
    executor = both.simple_bind(mx.cpu(), x=(3,), y=(3,), grad_req=grad_req)
    big = 2 ** 60 + 2 ** 36 + 1  # float32(float64(big)) != float32(big)
    values = np.array([big, -3, 4], np.int64)
    executor.arg_dict["x"][:] = mx.nd.array(values, dtype=np.int64)
    executor.arg_dict["y"][:] = [5, 6, 7]
    for _ in range(2):  # the second step writes over, or adds to, the first's gradients
        executor.forward(is_train=True)
        executor.backward()
    np.testing.assert_array_equal(executor.outputs[1].asnumpy(), values.astype(np.float32))
    steps = 2 if grad_req == "add" else 1
    assert executor.grad_dict["x"].dtype == np.int64
    np.testing.assert_array_equal(executor.grad_dict["x"].asnumpy(), [5 * steps, 6 * steps,
                                                                      7 * steps])
    np.testing.assert_array_equal(executor.grad_dict["y"].asnumpy(),
                                  steps * values.astype(np.float32))


@pytest.mark.parametrize("grad_req", ["write", "add"])
def test_a_boolean_argument_read_by_a_cast_gets_boolean_gradients(grad_req):
    """MXNet 1.9.1: the head gradient converted to bool (nonzero: True); 'add' adds."""
    x, y = mx.sym.Variable("x", dtype=np.bool_), mx.sym.Variable("y")
    loss = mx.sym.MakeLoss(mx.sym.sum(mx.sym.Cast(x, dtype="float32") * y))
    executor = loss.simple_bind(mx.cpu(), x=(3,), y=(3,), grad_req=grad_req)
    executor.arg_dict["x"][:] = mx.nd.array([1, 0, 1]).astype("bool")
    executor.arg_dict["y"][:] = [5, 6, 0]
    for _ in range(2):
        executor.forward(is_train=True)
        executor.backward()
    assert executor.grad_dict["x"].dtype == np.bool_
    np.testing.assert_array_equal(executor.grad_dict["x"].asnumpy(), [True, True, False])
    steps = 2 if grad_req == "add" else 1
    np.testing.assert_array_equal(executor.grad_dict["y"].asnumpy(), [steps, 0, steps])


def test_int64_indices_get_int64_zero_gradients():
    a, i = mx.sym.Variable("a"), mx.sym.Variable("i", dtype=np.int64)
    loss = mx.sym.MakeLoss(mx.sym.sum(mx.sym.take(a, i)))
    executor = loss.simple_bind(mx.cpu(), a=(4,), i=(3,))
    executor.arg_dict["a"][:] = [1, 2, 3, 4]
    executor.arg_dict["i"][:] = [0, 2, 2]
    executor.forward(is_train=True)
    executor.backward()
    assert executor.grad_dict["i"].dtype == np.int64
    np.testing.assert_array_equal(executor.grad_dict["i"].asnumpy(), [0, 0, 0])
    np.testing.assert_array_equal(executor.grad_dict["a"].asnumpy(), [1, 0, 2, 0])


def test_simple_bind_ignores_keywords_that_are_not_shapes():
    data = mx.sym.Variable("a")
    executor = mx.sym.take(data, mx.sym.Variable("i"), axis=0).simple_bind(
        mx.cpu(), a=(3, 2), i=(2,), axis=0, mode="clip")
    assert executor.outputs[0].shape == (2, 2)


def test_backward_with_is_train_false_differentiates_the_inference_pass():
    """MXNet's backward(is_train=False) after forward(is_train=False): Dropout passes
    the gradient through unchanged; a plain backward() differentiates a training pass."""
    data = mx.sym.Variable("data")
    exe = mx.sym.Dropout(data, p=0.5).simple_bind(mx.cpu(), data=(4, 50))
    exe.arg_arrays[0][:] = 1
    exe.forward(is_train=False)
    exe.backward([mx.nd.ones((4, 50))], is_train=False)
    assert (exe.grad_arrays[0].asnumpy() == 1).all()
    exe.forward(is_train=False)
    exe.backward([mx.nd.ones((4, 50))])
    assert set(np.unique(exe.grad_arrays[0].asnumpy())) == {0, 2}


def test_dropout_of_everything_is_nan_as_in_mxnet():
    exe = mx.sym.Dropout(mx.sym.Variable("data"), p=1.0, mode="always").simple_bind(
        mx.cpu(), data=(2, 3))
    exe.arg_arrays[0][:] = 1
    exe.forward(is_train=True)
    exe.backward([mx.nd.ones((2, 3))])
    assert np.isnan(exe.outputs[0].asnumpy()).all()
    assert np.isnan(exe.grad_arrays[0].asnumpy()).all()
    assert (mx.nd.Dropout(mx.nd.ones((2, 3)), p=1.0).asnumpy() == 1).all()  # not training


def test_creation_nodes_with_minus_one_sizes_take_them_from_inference():
    mixed = mx.sym.ones(shape=[2, -1]) + mx.sym.transpose(mx.sym.ones(shape=[3, -1]))
    unknown = mx.sym.ones(shape=[2, 3]) + mx.sym.transpose(mx.sym.ones(shape=[-1, -1]))
    for symbol in (mixed, unknown):
        out = symbol.bind(mx.cpu(), args={}).forward()[0]
        np.testing.assert_array_equal(out.asnumpy(), np.full((2, 3), 2.0))


def test_monitor_all_sees_variable_inputs_under_their_own_names():
    data = mx.sym.Variable("data", shape=(2, 3))
    for symbol, expected in (
            (mx.sym.FullyConnected(data, num_hidden=2, name="fc"),
             ["data", "fc_data", "fc_weight", "fc_weight", "fc_bias", "fc_bias", "fc_output"]),
            (mx.sym.Activation(data, act_type="relu", name="act"),
             ["data", "act_input0", "act_output"])):
        names = []
        executor = symbol.simple_bind(mx.cpu(), grad_req="null")
        executor.set_monitor_callback(lambda name, handle: names.append(py_str(name)),
                                      monitor_all=True)
        executor.forward()
        assert names == expected


@pytest.mark.parametrize("source, target", [("int32", "float32"), ("float32", "int32"),
                                            ("int32", "int32"), ("float16", "int32")])
def test_cast_gradient_crosses_integer_dtypes_as_in_mxnet(source, target):
    """Cast's gradient is the head gradient cast back to the input dtype, integers too."""
    y = mx.sym.Cast(mx.sym.Variable("x", dtype=source), dtype=target)
    exe = y.simple_bind(mx.cpu(), x=(3, 4))
    values = np.random.RandomState(0).uniform(-10, 10, size=(3, 4))
    exe.arg_arrays[0][:] = values
    exe.forward(is_train=True)
    exe.backward(mx.nd.array(values, dtype=target))
    assert exe.outputs[0].dtype == np.dtype(target)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(),
                                  values.astype(source).astype(target))
    assert exe.grad_arrays[0].dtype == np.dtype(source)
    np.testing.assert_array_equal(exe.grad_arrays[0].asnumpy(),
                                  values.astype(target).astype(source))


def test_an_operator_with_a_scalar_output_binds_outside_numpy_shape_semantics():
    """Outside mx.np_shape() mx.nd.zeros(()) is an error (a 0-d shape is unknown there), but
    the executor allocates its own output buffers whatever their shape, as MXNet does."""
    with pytest.raises(mx.MXNetError, match="unknown outside mx.np_shape"):
        mx.nd.zeros(())
    a, b = mx.sym.var("a"), mx.sym.var("b")
    exe = mx.sym.contrib.allclose(a, b).simple_bind(mx.cpu(), a=(2, 3), b=(2, 3))
    assert exe.outputs[0].shape == ()
    exe.forward(a=mx.nd.ones((2, 3)), b=mx.nd.ones((2, 3)))
    assert exe.outputs[0].asscalar() == 1
    exe.forward(a=mx.nd.ones((2, 3)), b=mx.nd.zeros((2, 3)))
    assert exe.outputs[0].asscalar() == 0


def test_small_training_pass_read_before_backward_compiles_one_program():
    """Outputs read between forward(is_train=True) and backward come from the program that
    runs the pass and its backward (small graphs, where compiling costs more than running):
    one compile, the same dropout mask in both runs, and MXNet's gradients."""
    x = mx.sym.Variable("x")
    net = mx.sym.Dropout(x, p=0.5) * mx.sym.Variable("w")
    shape = (5, 17)  # a shape no other test compiles
    grads = {"x": mx.nd.zeros(shape), "w": mx.nd.zeros(shape)}
    exe = net.bind(mx.cpu(), {"x": mx.nd.ones(shape), "w": mx.nd.full(shape, 3)},
                   args_grad=grads)

    def train():
        exe.forward(is_train=True)
        out = exe.outputs[0].asnumpy()
        exe.backward(mx.nd.ones(shape))
        return out
    out = train()
    programs = exe._compiled
    assert programs.train_backward._cache_size() == 1
    assert programs._train._cache_size() == programs._backward._cache_size() == 0
    mask = out != 0
    assert 0 < mask.sum() < mask.size and set(np.unique(out)) == {0.0, 6.0}
    np.testing.assert_array_equal(grads["x"].asnumpy(), mask * 6.0)  # w / (1 - p)
    np.testing.assert_array_equal(grads["w"].asnumpy(), mask * 2.0)


@pytest.mark.parametrize("is_train", [False, True])
def test_forward_writes_one_into_a_fix_gamma_gamma(is_train):
    """As MXNet 1.9.1's BatchNorm forward; gamma's gradient stays 0."""
    net = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=True, name="bn")
    exe = net.simple_bind(mx.cpu(), data=(2, 3, 2, 2))
    exe.arg_dict["data"][:] = np.arange(24).reshape(2, 3, 2, 2)
    exe.arg_dict["bn_gamma"][:] = 2
    exe.forward(is_train=is_train)
    assert exe.arg_dict["bn_gamma"].asnumpy().tolist() == [1.0] * 3
    if is_train:
        exe.backward(mx.nd.ones((2, 3, 2, 2)))
        assert exe.grad_dict["bn_gamma"].asnumpy().tolist() == [0.0] * 3
    free = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, name="bn").simple_bind(
        mx.cpu(), data=(2, 3, 2, 2))
    free.arg_dict["bn_gamma"][:] = 2
    free.forward(is_train=is_train)
    assert free.arg_dict["bn_gamma"].asnumpy().tolist() == [2.0] * 3


def test_fix_gamma_ones_keep_a_float64_gamma_float64():
    """test_operator's test_batchnorm_training binds float64 arrays (check_numeric_gradient)."""
    net = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=True, name="bn")
    exe = net.simple_bind(mx.cpu(), data=(2, 3), type_dict={"data": "float64"})
    exe.arg_dict["bn_gamma"][:] = 2
    out = exe.forward(is_train=True, data=np.arange(6.0).reshape(2, 3))[0]
    assert exe.arg_dict["bn_gamma"].dtype == np.float64
    assert exe.arg_dict["bn_gamma"].asnumpy().tolist() == [1.0] * 3
    assert out.dtype == np.float64

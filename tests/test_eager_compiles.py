"""Calls on shapes never seen before compile no more XLA programs than they need:
creation and whole-array assignment from numpy compile none, 'write' and 'add' gradients
share one backward program. Results stay those of the compiled paths."""
import numpy as np
import pytest

import symjax_mx as mx
from program_checks import compiles
from symjax_mx.ops import get_op, list_ops


def test_creation_on_a_new_shape_compiles_nothing():
    count, arrays = compiles(lambda: [mx.nd.zeros((7, 13)), mx.nd.ones((13, 7), dtype="int8"),
                                      mx.nd.full((3, 11), 2.5, dtype="float64")])
    assert count == 0
    assert arrays[0].shape == (7, 13) and arrays[0].dtype == np.float32
    assert not arrays[0].asnumpy().any()
    assert arrays[1].dtype == np.int8 and (arrays[1].asnumpy() == 1).all()
    assert arrays[2].dtype == np.float64 and (arrays[2].asnumpy() == 2.5).all()


@pytest.mark.parametrize("value, dtype", [
    (300, "uint8"), (-1, "uint8"), (-2.7, "int32"), (0.1, "float16"), (1e10, "float16"),
    (float("nan"), "float32"), (float("nan"), "int32"), (True, "float32"), (3.5, "bool"),
    (2 ** 40, "int32"), (np.float32(0.3), "float64")])
def test_host_fills_equal_compiled_fills(value, dtype):
    """The first fills of a shape are made on the host, later ones by a compiled filler:
    the same bits either way (integers truncate and wrap as in MXNet)."""
    shape = (3, 5 + len(dtype))
    fills = [mx.nd.full(shape, value, dtype=dtype).asnumpy() for _ in range(6)]
    assert fills[0].dtype == np.dtype(dtype)
    for fill in fills[1:]:
        assert fill.tobytes() == fills[0].tobytes()


def test_whole_array_assignment_from_numpy_compiles_nothing():
    target = mx.nd.zeros((5, 9), dtype="int32")
    source = np.arange(45, dtype=np.float64).reshape(5, 9) * 1.5
    count, _ = compiles(lambda: target.__setitem__(slice(None), source))
    assert count == 0
    np.testing.assert_array_equal(target.asnumpy(), source.astype(np.int32))
    view = target[1:3]
    view[:] = np.full((2, 9), 7.0)  # a view still writes through to its base
    assert (target.asnumpy()[1:3] == 7).all() and (target.asnumpy()[0] == source[0] // 1).all()


def test_write_and_add_gradients_share_one_backward_program():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    out = mx.sym.batch_dot(a, b, transpose_b=True)
    rs = np.random.RandomState(0)
    a_value, b_value = rs.normal(size=(2, 3, 5)), rs.normal(size=(2, 4, 5))
    head = mx.nd.array(rs.normal(size=(2, 3, 4)))
    write = out.simple_bind(mx.cpu(), a=(2, 3, 5), b=(2, 4, 5), grad_req="write")
    write.forward(is_train=True, a=a_value, b=b_value)
    write.backward([head])
    add = out.simple_bind(mx.cpu(), a=(2, 3, 5), b=(2, 4, 5), grad_req="add")
    add.grad_dict["a"][:] = np.ones((2, 3, 5))

    def step():
        add.forward(is_train=True, a=a_value, b=b_value)
        add.backward([head])
    count, _ = compiles(step)
    assert count == 0
    np.testing.assert_array_equal(add.grad_dict["a"].asnumpy(),
                                  write.grad_dict["a"].asnumpy() + np.float32(1))
    np.testing.assert_array_equal(add.grad_dict["b"].asnumpy(), write.grad_dict["b"].asnumpy())


def _product_executor(shape, grad_req, rs):
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    args = {"a": mx.nd.array(rs.normal(size=shape)), "b": mx.nd.array(rs.normal(size=shape))}
    grads = {"a": mx.nd.ones(shape), "b": mx.nd.ones(shape)}
    return (a * b + a).bind(mx.cpu(), args, args_grad=grads, grad_req=grad_req), args, grads


def test_training_forward_then_backward_is_one_program():
    """A training forward whose outputs are not read before backward runs with it."""
    rs = np.random.RandomState(1)
    exe, args, grads = _product_executor((3, 17), "write", rs)
    head = rs.normal(size=(3, 17)).astype(np.float32)

    def step():
        exe.forward(is_train=True)
        exe.backward([mx.nd.array(head)])
    count, _ = compiles(step)
    assert count == 1
    a, b = args["a"].asnumpy(), args["b"].asnumpy()
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), a * b + a, rtol=1e-6)
    np.testing.assert_allclose(grads["a"].asnumpy(), head * (b + 1), rtol=1e-6)
    np.testing.assert_allclose(grads["b"].asnumpy(), head * a, rtol=1e-6)
    exe.forward(is_train=True)  # outputs read first: the forward keeps its residuals
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), a * b + a, rtol=1e-6)
    exe.backward([mx.nd.array(2 * head)])
    np.testing.assert_allclose(grads["b"].asnumpy(), 2 * head * a, rtol=1e-6)


def test_binds_differing_in_null_requests_share_programs():
    """Arguments bound with a gradient array are differentiated whatever their request;
    a 'null' one's array is left alone."""
    rs = np.random.RandomState(2)
    shape, head = (2, 19), mx.nd.ones((2, 19))
    first, _, _ = _product_executor(shape, {"a": "write", "b": "write"}, rs)
    first.forward(is_train=True)
    first.backward([head])
    exe, args, grads = _product_executor(shape, {"a": "null", "b": "add"}, rs)

    def step():
        exe.forward(is_train=True)
        exe.backward([head])
    count, _ = compiles(step)
    assert count == 0
    assert (grads["a"].asnumpy() == 1).all()
    np.testing.assert_allclose(grads["b"].asnumpy(), 1 + args["a"].asnumpy(), rtol=1e-6)


def test_small_programs_compile_with_fast_options():
    from symjax_mx import compile_options
    from symjax_mx.ndarray import _invoke
    fast = compile_options.FAST_COMPILE
    assert compile_options.for_shapes([(3, 4), (compile_options.SMALL_ELEMENTS,)]) == fast
    assert compile_options.for_shapes([(3, 4), (compile_options.SMALL_ELEMENTS + 1,)]) is None
    assert compile_options.for_shapes([(3, 4), None]) is None
    # small arrays that carry much work (an MLP's layers) keep XLA's optimisations
    assert compile_options.for_shapes([(3, 4)], compile_options.SMALL_MULTIPLY_ADDS) == fast
    assert compile_options.for_shapes([(3, 4)], compile_options.SMALL_MULTIPLY_ADDS + 1) is None
    op = get_op("broadcast_to")
    small, big = op.parse_params({"shape": (6, 7)}), op.parse_params({"shape": (70000, 7)})
    x = mx.nd.ones((1, 7))
    assert compile_options.SMALL_ELEMENTS < 70000 * 7  # the large output below
    np.testing.assert_array_equal(mx.nd.broadcast_to(x, shape=(6, 7)).asnumpy(), np.ones((6, 7)))
    assert mx.nd.broadcast_to(x, shape=(70000, 7)).asnumpy().sum() == 70000 * 7
    assert _invoke.compiled(op, small)[0]._small == {((1, 7),): True}
    assert _invoke.compiled(op, big)[0]._small == {((1, 7),): False}  # a large output


def test_convolutions_compile_outside_library_fusions():
    """Programs leave convolutions out of XLA's YNNPACK fusions (they run on XLA's own CPU
    kernels, bench/conv_library.py), keep dot products in them, and give the same values."""
    import jax
    from symjax_mx import compile_options, x64
    if compile_options.with_library_choice(None) != compile_options.LIBRARY_CHOICE:
        pytest.skip("this jaxlib has no YNNPACK fusion option")
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(mx.sym.Convolution(data, kernel=(3, 3), num_filter=4,
                                                   name="conv"), num_hidden=3, name="fc")
    rng = np.random.RandomState(0)
    args = {"data": rng.randn(2, 3, 6, 6), "conv_weight": rng.randn(4, 3, 3, 3),
            "conv_bias": rng.randn(4), "fc_weight": rng.randn(3, 64), "fc_bias": rng.randn(3)}
    exe = net.bind(mx.cpu(), {k: mx.nd.array(v) for k, v in args.items()})
    out = exe.forward()[0].asnumpy()
    x = args["data"].astype(np.float32)
    w = args["conv_weight"].astype(np.float32)
    conv = np.zeros((2, 4, 4, 4), np.float32)
    for i in range(4):
        for j in range(4):
            conv[:, :, i, j] = np.einsum("ncij,ocij->no", x[:, :, i:i + 3, j:j + 3], w)
    conv += args["conv_bias"].astype(np.float32)[:, None, None]
    expected = conv.reshape(2, -1) @ args["fc_weight"].T.astype(np.float32) + args["fc_bias"]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)

    def conv_then_dot(x, w, m):
        y = jax.lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                         dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return y.reshape(2, -1) @ m
    program = x64.jit(conv_then_dot).lower(np.ones((2, 6, 6, 3), np.float32),
                                           np.ones((3, 3, 3, 4), np.float32),
                                           np.ones((64, 3), np.float32)).compile().as_text()
    fusions = [line for line in program.splitlines() if "__ynn_fusion" in line]
    convolutions = [line for line in program.splitlines() if " convolution(" in line]
    assert convolutions and not any("convolution" in line for line in fusions)
    assert fusions  # the dot product


def test_programs_run_each_dot_product_alone_in_the_library():
    """Every program runs each dot product as a YNNPACK fusion of its own, the element-wise
    work around it outside (a fused bias ran a large product 2.5-3x slower; a constant
    operand gave NaN: test_compiled_programs.py)."""
    import re

    import jax.numpy as jnp
    from symjax_mx import compile_options, x64
    if compile_options.with_library_choice(None) != compile_options.LIBRARY_CHOICE:
        pytest.skip("this jaxlib has no YNNPACK fusion option")
    program = x64.jit(lambda x, w, b: jnp.clip(x @ w + b, 0, 6)).lower(
        np.ones((98, 320), np.float32), np.ones((320, 64), np.float32),
        np.ones(64, np.float32)).compile().as_text()
    (fused,) = re.findall(r"fusion\(.*calls=(%[\w.]+).*__ynn_fusion", program)
    body = program.split(f"{fused} ")[1].split("\n}")[0]
    assert " dot(" in body and not re.search(r" (add|clamp|maximum|minimum)\(", body)
    np.testing.assert_allclose(
        x64.jit(lambda x: jnp.clip(x @ np.eye(64, dtype=np.float32) - 1, 0, 6))(
            np.full((98, 64), 3, np.float32)), 2)


def test_multiply_adds_counts_dense_layers_and_convolutions():
    """The multiply-adds that decide a graph's compile options (``for_shapes``)."""
    from symjax_mx.lowering.programs import multiply_adds
    mlp = mx.sym.FullyConnected(mx.sym.Variable("x"), num_hidden=128, name="fc")
    shapes = dict(zip(mlp.list_arguments(), mlp.infer_shape(x=(128, 784))[0]))
    entry_shapes = {(id(mlp.graph.heads[0][0]), 0): (128, 128)}
    assert multiply_adds(mlp.graph, shapes, entry_shapes) == 128 * 784 * 128
    assert multiply_adds(mlp.graph, shapes, {}) == 0
    conv = mx.sym.Convolution(mx.sym.Variable("data"), kernel=(3, 3), num_filter=8, name="c")
    shapes = dict(zip(conv.list_arguments(), conv.infer_shape(data=(2, 3, 6, 6))[0]))
    entry_shapes = {(id(conv.graph.heads[0][0]), 0): (2, 8, 4, 4)}
    assert multiply_adds(conv.graph, shapes, entry_shapes) == 8 * 3 * 3 * 3 * 2 * 4 * 4


def test_convolutional_inference_programs_leave_reductions_out_of_the_library():
    """A convolutional network's channels-last inference program compiles with
    ``INFERENCE`` (dot products alone in YNNPACK, reductions outside), its other programs
    with the library choice of every program."""
    from symjax_mx import compile_options
    assert compile_options.for_inference(None) == compile_options.INFERENCE
    assert compile_options.for_inference(compile_options.FAST_COMPILE) == {
        **compile_options.FAST_COMPILE, **compile_options.INFERENCE}
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=64, name="c")
    net = mx.sym.Pooling(net, global_pool=True, kernel=(1, 1), pool_type="avg")
    net = mx.sym.FullyConnected(net, num_hidden=2, name="f")
    exe = net.simple_bind(mx.cpu(), grad_req="null", data=(2, 3, 8, 8))
    assert not compile_options.INFERENCE.keys() & (  # it takes every program's choice
        exe.programs._infer.compiler_options or {}).keys()
    assert compile_options.INFERENCE.items() <= \
        exe.programs._infer_prepared.compiler_options.items()
    for array in exe.arg_dict.values():
        array[:] = 1
    np.testing.assert_allclose(exe.forward(is_train=False)[0].asnumpy(), 1 + 64 * (27 + 1))


def test_programs_called_inside_a_trace_drop_their_compile_options():
    import jax
    from symjax_mx import compile_options, x64
    double = x64.jit(lambda x: 2 * x, compiler_options=compile_options.FAST_COMPILE)
    assert float(double(np.float32(3))) == 6
    value, grad = jax.value_and_grad(lambda x: double(x) ** 2)(np.float32(3))
    assert (float(value), float(grad)) == (36, 24)


def test_cached_programs_are_bounded(monkeypatch):
    """Binds on ever new shapes keep only the most recently used graph programs (each
    compiled program holds memory maps, of which a process has a limited number)."""
    from symjax_mx.lowering import programs
    monkeypatch.setattr(programs, "_MAX_PROGRAMS", 4)
    out = mx.sym.Variable("a") * 2
    for n in range(6):
        exe = out.bind(mx.cpu(), {"a": mx.nd.ones((n + 1, 23))})
        assert exe.forward()[0].asnumpy().sum() == 2 * (n + 1) * 23
    assert len(programs._PROGRAMS) <= 4
    again = out.bind(mx.cpu(), {"a": mx.nd.ones((6, 23))})  # the latest is still cached
    count, _ = compiles(lambda: again.forward()[0].asnumpy())
    assert count == 0


def test_random_draws_compile_with_fast_options_only_when_tiny():
    # unoptimised, a (100, 784) uniform draw ran 5x slower (binary_rbm_module.py)
    from symjax_mx import compile_options
    from symjax_mx.ndarray import _invoke
    op = get_op("_random_uniform")
    assert compile_options.SMALL_RANDOM_ELEMENTS < 100 * 784 < compile_options.SMALL_ELEMENTS
    for shape in ((2, 3), (100, 784)):
        draw = mx.nd.random.uniform(shape=shape).asnumpy()
        assert draw.shape == shape and 0 <= draw.min() and draw.max() < 1
    smalls = {dict(key[1])["shape"]: list(fn._draw._small.values())  # (4096,), (131072,)
              for key, fn in _invoke._COMPILED.items()
              if isinstance(key, tuple) and key[0] is op
              and dict(key[1]).get("shape") in ((2, 3), (100, 784))}
    assert smalls == {(2, 3): [True], (100, 784): [False]}


@pytest.mark.parametrize("name", sorted(op.name for op in list_ops() if op.prefix_draws))
def test_draws_of_new_shapes_reuse_a_power_of_two_draw_and_keep_its_values(name):
    """A draw's values are those of the operator drawing its own shape (run op by op)."""
    from symjax_mx import random as mx_random, x64
    from symjax_mx.ndarray import _invoke
    from symjax_mx.ndarray.ndarray import invoke
    op = get_op(name)
    base = {"low": -3, "high": 9} if name == "_random_randint" else {}
    draws = set()
    for shape in ((5, 7), (6, 6), (3, 11), (1, 2, 3)):  # all within one 4096-element draw
        params = op.parse_params({**base, "shape": shape})
        mx.random.seed(11)
        got = invoke(op, (), params).asnumpy()
        mx.random.seed(11)
        with x64.scope():
            (expected,), _ = op.compute([], [], params, False, mx_random.next_key())
        # the same numbers, up to the last bit of a transcendental function (normal, gamma)
        np.testing.assert_allclose(got, np.asarray(expected), rtol=1e-6, atol=0)
        draws.add(id(_invoke.compiled(op, params)[0]._draw))
    assert len(draws) == 1


def test_a_mid_sized_program_compiles_fast_for_its_first_calls_then_with_xla_defaults(
        monkeypatch):
    import jax
    from symjax_mx import compile_options
    levels = []  # the LLVM optimisation level of each inference program run
    original = jax.jit

    def recording(fn, **kwargs):
        jitted = original(fn, **kwargs)
        if getattr(fn, "__name__", None) != "infer":
            return jitted
        level = (kwargs.get("compiler_options") or {}).get("xla_backend_optimization_level")

        def call(*args, **kw):
            levels.append(level)
            return jitted(*args, **kw)
        return call
    monkeypatch.setattr(jax, "jit", recording)
    hidden = mx.sym.relu(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=200))
    net = mx.sym.FullyConnected(hidden, num_hidden=10)  # 3.9M multiply-adds
    exe = net.simple_bind(mx.cpu(), grad_req="null", data=(64, 301))
    for name, arr in exe.arg_dict.items():
        arr[:] = np.random.default_rng(len(name)).uniform(-1, 1, arr.shape)
    early = compile_options.EARLY_CALLS
    runs = [compiles(lambda: exe.forward()[0].asnumpy()) for _ in range(early + 2)]
    assert [count for count, _ in runs] == [1] + [0] * (early - 1) + [1, 0]
    assert levels == [0] * early + [None, None]  # fast first, then XLA's defaults
    for _, out in runs[1:]:
        np.testing.assert_allclose(out, runs[0][1], rtol=1e-6, atol=1e-6)

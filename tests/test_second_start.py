"""Training programs get a second starting kernel on the CPU (``symjax_mx.second_start``):
callers see the program's own results, and the added kernel reads no donated input."""
import re

import jax
import jax.numpy as jnp
import numpy as np

import symjax_mx as mx
from symjax_mx import x64
from symjax_mx.second_start import with_second_start


def _starting_kernels(compiled):
    """The instructions of a compiled program's entry computation that compute from its
    parameters and constants alone."""
    text = compiled.as_text()
    entry = text[text.index("\nENTRY"):].split("\n")[2:]
    sources, kernels = set(), []
    for line in entry:
        match = re.match(r"\s*%(\S+) = \S+ ([\w-]+)\(([^)]*)\)", line)
        if match is None:
            continue
        name, opcode, operands = match.groups()
        if opcode in ("parameter", "constant"):
            sources.add(name)
        elif all(o.strip().lstrip("%") in sources for o in operands.split(",") if o.strip()):
            kernels.append(line.strip())
    return kernels


def test_the_marker_sums_the_smallest_input_that_is_not_donated():
    fn = with_second_start(lambda big, small, donated: big * 2, donate_argnums=(2,))
    big, small, donated = jnp.ones((4, 5)), jnp.arange(3.0), jnp.zeros(1)
    result, marker = fn(big, small, donated)
    np.testing.assert_array_equal(result, np.full((4, 5), 2.0))
    assert float(marker) == 3.0  # the sum of `small`; the smaller `donated` is never read


def test_no_marker_without_a_numeric_input_to_read():
    fn = with_second_start(lambda flags, donated: donated + 1, donate_argnums=1)
    result, marker = fn(jnp.array([True, False]), jnp.ones(2))
    assert marker is None
    np.testing.assert_array_equal(result, [2.0, 2.0])


def test_a_jit_with_a_second_start_returns_the_function_result_only():
    program = x64.jit(lambda w, x: {"out": w * x, "sum": x.sum()}, donate_argnums=(0,),
                      second_start=True)
    x = jnp.arange(4.0)
    result = program(jnp.ones((3, 4)), x)
    assert set(result) == {"out", "sum"}
    np.testing.assert_array_equal(result["out"], np.tile(np.arange(4.0), (3, 1)))
    # the compiled program returns one value more: the marker, the sum of x (w is donated)
    _, marker = program.jitted(jnp.ones((3, 4)), x)
    assert float(marker) == 6.0


def test_the_executor_training_program_starts_with_two_independent_kernels():
    """The MLP's forward+backward program: besides the first layer's product, a kernel that
    reads only an input starts it."""
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.relu(net), num_hidden=4,
                                                     name="fc2"), name="softmax")
    exe = net.simple_bind(mx.cpu(), data=(64, 20))
    for name, array in exe.arg_dict.items():
        array[:] = np.random.default_rng(0).uniform(-1, 1, array.shape)
    exe.arg_dict["softmax_label"][:] = np.arange(64) % 4
    exe.forward(is_train=True)
    exe.backward()
    outputs = exe.outputs[0].asnumpy()
    programs = exe.programs
    args = {n: a.asjax() for n, a in exe.arg_dict.items()}
    diff = {n: args.pop(n) for n in programs.diff_names}
    compiled = programs.train_with_grads.lower(diff, args, {}, None).compile()
    starting = [line for line in _starting_kernels(compiled) if "reduce" in line]
    assert starting, _starting_kernels(compiled)  # besides the first layer's product
    # and the executor's results are its own: probabilities of each row
    np.testing.assert_allclose(outputs.sum(axis=1), np.ones(64), rtol=1e-5)
    assert exe.grad_dict["fc1_weight"].shape == (16, 20)
    assert jax.tree_util.tree_structure(programs.train_with_grads(diff, args, {}, None)) == \
        jax.tree_util.tree_structure(([0], {}, {n: 0 for n in programs.diff_names}))

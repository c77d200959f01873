"""What a new user meets first: compile log lines, JAX interop, the several-devices hint."""
import logging

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import compile_log


def _softmax_net(hidden):
    data = mx.sym.Variable("data")
    return mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=hidden, name="fc"),
                                name="softmax")


def test_a_slow_compile_logs_one_info_line_naming_the_program_and_shapes(monkeypatch, caplog):
    monkeypatch.setattr(compile_log, "THRESHOLD_S", 0.0)
    executor = _softmax_net(7).simple_bind(mx.cpu(), data=(3, 5))
    with caplog.at_level(logging.INFO, logger="symjax_mx"):
        executor.forward()
        executor.forward()  # compiled already: no line
    lines = [r.getMessage() for r in caplog.records if r.name == "symjax_mx"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("compiling the program of softmax_output for shapes data (3, 5), "
                               "fc_weight (7, 5)")
    assert lines[0].endswith(" s") and " took " in lines[0]


def test_fast_compiles_and_plain_jax_compiles_are_not_logged(caplog):
    executor = _softmax_net(6).simple_bind(mx.cpu(), data=(2, 5))
    with caplog.at_level(logging.INFO, logger="symjax_mx"):
        executor.forward()  # a tiny program compiles well under a second
        jax.jit(lambda x: x * 3)(np.ones(4))
    assert not [r for r in caplog.records if r.name == "symjax_mx"]


def test_fit_says_it_is_compiling_before_the_first_batch(caplog):
    train = mx.io.NDArrayIter(np.ones((8, 5), np.float32), np.zeros(8, np.float32),
                              batch_size=4)
    module = mx.mod.Module(_softmax_net(4))
    with caplog.at_level(logging.INFO, logger="symjax_mx"):
        module.fit(train, num_epoch=1, optimizer="sgd")
    lines = [r.getMessage() for r in caplog.records if r.name == "symjax_mx"]
    assert lines[0] == "compiling the training step for data (4, 5) (the next batch waits for it)"


def test_jax_numpy_functions_take_ndarrays_without_a_copy():
    a = mx.nd.array([[1, 2], [3, 4]])
    as_jax = jnp.asarray(a)
    assert as_jax.unsafe_buffer_pointer() == a.asjax().unsafe_buffer_pointer()
    np.testing.assert_array_equal(jnp.ones((2, 2)) + a, [[2, 3], [4, 5]])
    np.testing.assert_array_equal(jnp.concatenate([a[1], a[0]]), [3, 4, 1, 2])
    np.testing.assert_array_equal(jnp.einsum("ij->i", a), [3, 7])
    assert jnp.stack([a, a]).shape == (2, 2, 2)


def test_contexts_on_one_device_run_there_and_repeats_among_several_name_the_fix():
    module = mx.mod.Module(_softmax_net(2), context=[mx.cpu(0), mx.cpu(0)])
    module.bind([("data", (4, 5))], [("softmax_label", (4,))])
    module.init_params()
    module.forward(mx.io.DataBatch([mx.nd.ones((4, 5))], [mx.nd.zeros((4,))]), is_train=False)
    assert module.get_outputs()[0].shape == (4, 2)
    module = mx.mod.Module(_softmax_net(2), context=[mx.cpu(0), mx.cpu(1), mx.cpu(0)])
    with pytest.raises(mx.MXNetError, match="name the same device twice .*"
                       "XLA_FLAGS=--xla_force_host_platform_device_count=N"):
        module.bind([("data", (6, 5))], [("softmax_label", (6,))])
    with pytest.raises(mx.MXNetError, match="cpu.99. does not exist.*XLA_FLAGS="):
        mx.nd.zeros((1,), mx.cpu(99))


def test_a_debug_log_shows_no_jax_internals(tmp_path):
    """MXNet scripts call logging.basicConfig(level=logging.DEBUG) (gluon/mnist does): JAX's
    per-compile DEBUG records and its TPU INFO line stay out of it; the user can still turn
    them on through the 'jax' logger."""
    import os
    import subprocess
    import sys
    script = ("import logging\nlogging.basicConfig(level=logging.DEBUG)\n"
              "import symjax_mx as mx\n"
              "print((mx.nd.ones((2, 3)) * 2).sum().asscalar())\n"
              "logging.warning('MARK')\n"
              "logging.getLogger('jax').setLevel(logging.DEBUG)\n"
              "print((mx.nd.ones((3, 2)) + 5).asnumpy().sum())\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["12.0", "36.0"]
    before, _, after = run.stderr.partition("MARK")
    assert "jax" not in before and "DEBUG:jax._src" in after

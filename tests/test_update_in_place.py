"""Trainer.step updates weights and optimizer states in place (their buffers are donated
to the update's program), reuses the memory of the gradients it replaces, and leaves every
other holder of those buffers its value."""
import os
import subprocess
import sys

import jax
import numpy as np

import symjax_mx as mx
from symjax_mx import autograd, gluon

from program_checks import program_calls

nn = gluon.nn
UNITS = 512  # a 512x512 float32 weight: 1 MiB, large enough for its gradient to be reused


def _setup():
    mx.random.seed(0)
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(UNITS, in_units=UNITS, activation="relu"),
                nn.Dense(4, in_units=UNITS))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1,
                                                         "momentum": 0.9})
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.uniform(-1, 1, (8, UNITS)))
    y = mx.nd.array(rng.randint(0, 4, 8))
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()

    def step(before_step=None):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        if before_step is not None:
            before_step()
        trainer.step(8)
    return net, trainer, step


def test_a_step_takes_over_the_buffers_of_weights_states_and_replaced_gradients(monkeypatch):
    net, trainer, step = _setup()
    step()
    step()
    calls = program_calls(monkeypatch)
    step()
    (_, weights, states, _, spent), = [args for name, args in calls if name == "joined"]
    assert len(weights) == 4 and len(jax.tree_util.tree_leaves(states)) == 4  # momentum
    assert [x.shape for x in spent] == [(UNITS, UNITS)]  # the one gradient of 1 MiB
    for value in weights + jax.tree_util.tree_leaves(states) + spent:
        assert value.is_deleted()  # donated: the program wrote its results there


def test_the_in_place_step_computes_what_a_copying_step_does():
    results = []
    for copy_first in (False, True):
        net, trainer, step = _setup()
        held = []

        def hold():  # holding every weight's buffer makes the step copy them all first
            held[:] = [p.data().asjax() for p in net.collect_params().values()]
        for _ in range(3):
            step(hold if copy_first else None)
        results.append([p.data().asnumpy() for p in net.collect_params().values()])
    for in_place, copied in zip(*results):
        np.testing.assert_allclose(in_place, copied, rtol=1e-6, atol=1e-7)


def test_arrays_sharing_a_weight_or_a_gradient_keep_their_values():
    net, trainer, step = _setup()
    step()
    mx.nd.waitall()
    weight, grad = net[0].weight.data(), net[0].weight.grad()
    weight_alias = mx.nd.NDArray(weight.asjax())  # the same buffer as the weight
    old_grad = grad.asjax()  # the buffer the next backward's gradient replaces
    weight_value, grad_value = weight_alias.asnumpy(), np.asarray(old_grad).copy()
    step()
    np.testing.assert_array_equal(weight_alias.asnumpy(), weight_value)
    np.testing.assert_array_equal(np.asarray(old_grad), grad_value)
    assert not np.array_equal(weight.asnumpy(), weight_value)


def test_an_update_after_a_gradient_read_donates_too_and_keeps_aliases():
    net, trainer, step = _setup()
    step()
    weight = net[0].weight.data()
    alias = mx.nd.NDArray(weight.asjax())
    value = alias.asnumpy()
    step(before_step=lambda: net[0].weight.grad().asnumpy())  # runs the backward alone
    np.testing.assert_array_equal(alias.asnumpy(), value)
    assert not np.array_equal(weight.asnumpy(), value)


_TWO_CONTEXTS_ONE_DEVICE = """
import numpy as np
import symjax_mx as mx
from symjax_mx import autograd, gluon
x = gluon.Parameter("x", shape=(10,))
x.initialize(ctx=[mx.cpu(0), mx.cpu(1)], init="zeros")
trainer = gluon.Trainer([x], "sgd", {"learning_rate": 1.0, "momentum": 0.5},
                        update_on_kvstore=False)  # each context updates its own copy
for expected in (-1.0, -2.5):  # the gradients 0 and 1 of the contexts, summed
    with autograd.record():
        for i, w in enumerate(x.list_data()):
            (i * w).backward()
    trainer.allreduce_grads()
    trainer.update(1)
    for w in x.list_data():
        np.testing.assert_array_equal(w.asnumpy(), np.full(10, expected, np.float32))
print("ok")
"""


def test_a_parameter_on_two_contexts_of_one_device_updates_both():
    # with JAX's one host device (not this suite's four), cpu(0) and cpu(1) are one device
    # and buffers of the two contexts can be two jax arrays over one memory: neither may
    # be donated while the other holds it
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    run = subprocess.run([sys.executable, "-c", _TWO_CONTEXTS_ONE_DEVICE], env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr[-2000:]


def test_a_value_set_into_a_parameter_keeps_its_own():
    net, trainer, step = _setup()
    step()
    value = mx.nd.ones((UNITS, UNITS))
    net[0].weight.set_data(value)
    step()
    step()
    np.testing.assert_array_equal(value.asnumpy(), np.ones((UNITS, UNITS), np.float32))
    assert not np.array_equal(net[0].weight.data().asnumpy(), value.asnumpy())

"""A Gluon training step as one program: ``backward()`` waits, and ``Trainer.step`` runs it
inside the update's program; reads, ``waitall`` and Python operators run it at once."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd, gluon
from symjax_mx.gluon import _fused_update
from symjax_mx.ndarray import deferred

from program_checks import program_calls

nn = gluon.nn


def _net():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(8, activation="relu"), nn.BatchNorm(), nn.Dense(3))
    net.initialize(mx.init.Xavier(rnd_type="gaussian", magnitude=1.0))
    net.hybridize()
    return net


def _train(steps, joined, read=None):
    """Weights, gradients, losses and BatchNorm statistics after ``steps`` steps."""
    mx.random.seed(3)
    net = _net()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1,
                                                         "momentum": 0.9})
    rng = np.random.RandomState(0)
    losses = []
    with pytest.MonkeyPatch.context() as patch:
        if not joined:
            patch.setattr(_fused_update, "_backward_call", lambda grads: None)
        for _ in range(steps):
            x = mx.nd.array(rng.uniform(-1, 1, (6, 5)))
            y = mx.nd.array(rng.randint(0, 3, 6))
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            if read is not None:
                read(net)
            trainer.step(6)
            losses.append(loss.asnumpy())
    params = net.collect_params().values()
    return ([p.data().asnumpy() for p in params],
            [p.grad().asnumpy() for p in params if p.grad_req != "null"], losses)


def _assert_same(a, b):
    for left, right in zip(a, b):
        for x, y in zip(left, right):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


def test_backward_and_update_run_as_one_program_with_the_same_results(monkeypatch):
    separate = _train(3, joined=False)
    calls = program_calls(monkeypatch)
    joined = _train(3, joined=True)
    names = [name for name, _ in calls]
    assert names.count("joined") == 3
    assert "run" not in names and "apply" not in names  # neither ran on its own
    _assert_same(joined, separate)  # BatchNorm's running statistics are parameters too


def test_reading_a_gradient_before_step_runs_the_backward_then():
    seen = []
    joined = _train(2, joined=True,
                    read=lambda net: seen.append(net[0].weight.grad().asnumpy().copy()))
    separate = _train(2, joined=False)
    _assert_same(joined, separate)
    assert len(seen) == 2 and np.abs(seen[1]).sum() > 0


def test_backward_waits_until_read_or_waitall():
    x = mx.nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert deferred.pending((x.grad._buffer,))
    mx.nd.waitall()
    assert not deferred.pending((x.grad._buffer,))
    np.testing.assert_array_equal(x.grad.asnumpy(), [2.0, 4.0, 6.0])
    np.testing.assert_array_equal(y.asnumpy(), [14.0])


def test_accumulated_gradients_join_the_last_backward():
    net = nn.Dense(2, in_units=3, prefix="acc_")
    net.initialize(mx.init.Constant(0.5))
    for param in net.collect_params().values():
        param.grad_req = "add"
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 1.0})
    x = mx.nd.array([[1.0, 2.0, 3.0]])
    for _ in range(2):
        with autograd.record():
            loss = net(x).sum()
        loss.backward()
    trainer.step(1)
    np.testing.assert_allclose(net.weight.grad().asnumpy(), [[2.0, 4.0, 6.0]] * 2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), 0.5 - np.array([[2.0, 4.0, 6.0]] * 2))
    np.testing.assert_allclose(net.bias.data().asnumpy(), [-2.0, -2.0])


def test_a_python_operator_runs_its_backward_at_backward():
    calls = []

    class Twice(autograd.Function):
        def forward(self, x):
            return x * 2

        def backward(self, dy):
            calls.append(1)
            return dy * 2

    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = Twice()(x).sum()
    y.backward()
    assert not deferred.pending((x.grad._buffer,))
    mx.nd.waitall()
    assert calls == [1]
    np.testing.assert_array_equal(x.grad.asnumpy(), [2.0, 2.0])



def _two_passes_then_step(joined):
    """Two recorded passes (the first's backward never read), then one step; and two
    Trainers over disjoint parameters stepping from one backward."""
    mx.random.seed(5)
    net = _net()
    params = net.collect_params()
    first = gluon.Trainer({k: v for k, v in params.items() if "dense0" in k}, "sgd",
                          {"learning_rate": 0.1})
    rest = gluon.Trainer({k: v for k, v in params.items() if "dense0" not in k}, "sgd",
                         {"learning_rate": 0.1, "momentum": 0.9})
    rng = np.random.RandomState(1)
    with pytest.MonkeyPatch.context() as patch:
        if not joined:
            patch.setattr(_fused_update, "_backward_call", lambda grads: None)
        for _ in range(2):
            for _ in range(2):
                x = mx.nd.array(rng.uniform(-1, 1, (4, 5)))
                with autograd.record():
                    loss = (net(x) ** 2).sum()
                loss.backward()
            first.step(4)
            rest.step(4)
    return [p.data().asnumpy() for p in params.values()]


def test_an_unread_backward_and_two_trainers_give_the_separate_programs_results():
    for a, b in zip(_two_passes_then_step(True), _two_passes_then_step(False)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _alternate(joined):
    """Weights after steps rotating between the whole network's loss and two losses of
    its first layer alone (which leave the other parameters' gradients stale; their
    backward programs take the same arguments)."""
    mx.random.seed(3)
    net = _net()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    rng = np.random.RandomState(0)
    with pytest.MonkeyPatch.context() as patch:
        if not joined:
            patch.setattr(_fused_update, "_backward_call", lambda grads: None)
        for step in range(6):
            x = mx.nd.array(rng.uniform(-1, 1, (6, 5)))
            with autograd.record():
                if step % 3 == 0:
                    loss = loss_fn(net(x), mx.nd.array(rng.randint(0, 3, 6)))
                else:
                    hidden = net[0](x)
                    loss = (hidden * hidden if step % 3 == 1 else hidden.exp()).sum()
            loss.backward()
            trainer.step(6, ignore_stale_grad=True)
    return [p.data().asnumpy() for p in net.collect_params().values()]


def test_a_trainer_alternating_two_structures_joins_each_with_its_own_program(monkeypatch):
    """Each step's joined program is the one of its own backward (the last step's is
    checked first, and not taken when the backward or its gradients differ)."""
    separate = _alternate(joined=False)
    calls = program_calls(monkeypatch)
    joined = _alternate(joined=True)
    assert [name for name, _ in calls].count("joined") == 6
    for a, b in zip(joined, separate):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

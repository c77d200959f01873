"""mx.autograd: recording, backward and grad, errors, views and in-place writes, train mode,
higher-order gradients, Function, get_symbol, and one compile per recorded structure.
Expected values are MXNet 1.9.1's (checked with /tmp/mxref) or closed forms."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import autograd as ag
from symjax_mx.base import MXNetError
from symjax_mx.contrib import autograd as contrib_ag


def _var(values, grad_req="write"):
    x = mx.nd.array(values)
    x.attach_grad(grad_req)
    return x


def test_scopes_set_and_restore_recording_and_training():
    assert not ag.is_recording() and not ag.is_training()
    with ag.record():
        assert ag.is_recording() and ag.is_training()
        with ag.predict_mode():
            assert ag.is_recording() and not ag.is_training()
        with ag.pause():
            assert not ag.is_recording() and not ag.is_training()
        assert ag.is_recording() and ag.is_training()
    with ag.record(train_mode=False):
        assert ag.is_recording() and not ag.is_training()
        with ag.train_mode():
            assert ag.is_training()
    assert not ag.is_recording() and not ag.is_training()
    assert ag.set_recording(True) is False
    assert ag.set_training(True) is False
    assert ag.set_recording(False) is True and ag.set_training(False) is True


def test_backward_writes_gradients_of_attached_variables():
    x, w = _var([[1.0, 2.0], [3.0, 4.0]]), _var([0.5, -1.0])
    with ag.record():
        y = mx.nd.exp(x) * w + x / 2
    y.backward()
    xv = x.asnumpy()
    np.testing.assert_allclose(x.grad.asnumpy(), np.exp(xv) * [0.5, -1.0] + 0.5, rtol=1e-6)
    np.testing.assert_allclose(w.grad.asnumpy(), np.exp(xv).sum(0), rtol=1e-6)
    assert x._fresh_grad and y.grad is None


def test_head_gradients_and_multiple_heads():
    x = mx.nd.ones((3, 5))
    dx = mx.nd.zeros_like(x)
    ag.mark_variables([x], [dx])
    with ag.record():
        a, b, c = mx.nd.split(x, axis=0, num_outputs=3, squeeze_axis=True)
        ag.backward([a, b, c], [None, mx.nd.array([1, 2, 3, 4, 5]), mx.nd.array([5, 4, 3, 2, 1])])
    np.testing.assert_array_equal(dx.asnumpy(), [[1] * 5, [1, 2, 3, 4, 5], [5, 4, 3, 2, 1]])
    x2 = _var([1.0, 2.0])
    with ag.record():
        y = x2 * 3
    y.backward(out_grad=mx.nd.array([10.0, 100.0]))
    np.testing.assert_array_equal(x2.grad.asnumpy(), [30.0, 300.0])


def test_grad_req_add_accumulates_and_null_is_skipped():
    x, frozen = _var([1.0, 2.0], "add"), _var([3.0, 4.0], "null")
    for _ in range(3):
        with ag.record():
            y = x * frozen
        y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [9.0, 12.0])
    assert frozen.grad is None
    with ag.record():
        z = frozen * 2
    with pytest.raises(MXNetError, match="no inputs in computation graph that require"):
        z.backward()


def test_reattaching_gives_a_new_buffer_and_graph_keeps_the_old():
    x = _var([1.0, 2.0])
    with ag.record():
        y = x * x
    old = x.grad
    x.attach_grad()
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 0.0])
    np.testing.assert_array_equal(old.asnumpy(), [2.0, 4.0])


def test_errors_name_the_problem_and_arrays_stay_usable():
    x = _var([1.0, 2.0])
    with pytest.raises(MXNetError, match="not in a computational graph"):
        mx.nd.ones((2,)).backward()
    plain = mx.nd.ones((2,))
    with ag.record():
        y = plain * x
    with pytest.raises(MXNetError, match="1-th variable because it does not require gradient"):
        ag.grad(y, [plain])
    with pytest.raises(MXNetError, match=r"head gradient 0 has shape \(3,\).*\(2,\)"):
        y.backward(mx.nd.ones((3,)))
    with pytest.raises(MXNetError, match="head gradient 0 has dtype float64.*float32"):
        y.backward(mx.nd.ones((2,), dtype="float64"))
    y.backward(retain_graph=True)           # still usable after the refused call
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [1.0, 1.0])
    with pytest.raises(MXNetError, match="retain_graph=True"):
        y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [1.0, 2.0])


def test_in_place_writes_of_recorded_arrays_are_refused_while_recording():
    x = _var([1.0, 2.0])
    with ag.record():
        y = x * 2
        with pytest.raises(MXNetError, match="already in a computational graph"):
            y += 1
        with pytest.raises(MXNetError, match="already in a computational graph"):
            x[:] = 0
        with pytest.raises(MXNetError, match="already in a computational graph"):
            mx.nd.relu(y, out=y)
    y += 1                                   # outside record it is allowed
    np.testing.assert_array_equal(y.asnumpy(), [3.0, 5.0])


def test_constants_join_the_graph_until_a_backward_frees_it():
    x = _var([1.0, 2.0])
    plain, kept = mx.nd.ones((2,)), mx.nd.ones((2,))
    with ag.record():
        y = plain * x
        z = kept * x
        with pytest.raises(MXNetError, match="already in a computational graph"):
            plain[:] = 3
    y.backward()
    z.backward(retain_graph=True)
    with ag.record():
        plain[:] = 3                         # its graph is freed
        y[:] = 3                             # so is the head's
        with pytest.raises(MXNetError, match="already in a computational graph"):
            kept[:] = 3                      # its graph was retained
        with pytest.raises(MXNetError, match="already in a computational graph"):
            x[:] = 3                         # a variable stays on the tape
    assert plain.grad is None


def test_assigning_a_recorded_array_into_part_of_an_array_is_refused():
    x = _var([1.0, 2.0])
    target, plain = mx.nd.zeros((2, 3)), mx.nd.ones((2,))
    with ag.record():
        with pytest.raises(MXNetError, match="Inplace operations"):
            target[1, 1:3] = x * 3
        with pytest.raises(MXNetError, match="Inplace operations"):
            plain *= x
        with pytest.raises(MXNetError, match="Inplace operations"):
            mx.nd.elemwise_mul(plain, x, out=plain)
        plain *= 2                           # nothing recorded: a plain in-place write
        target[0, 0:2] = 5                   # an unrecorded value is a plain write
    np.testing.assert_array_equal(target.asnumpy(), [[5, 5, 0], [0, 0, 0]])
    row = mx.nd.zeros((2, 2))[1]
    with ag.record():
        row[:] = x * 3                       # the whole of a view
        total = (row * row).sum()
    total.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [18.0, 36.0])


def test_full_assignment_into_a_plain_array_is_recorded():
    x, out = _var([1.0, 2.0]), mx.nd.zeros((2,))
    with ag.record():
        out[:] = x * 3
    out.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [3.0, 3.0])


def test_slices_and_reshapes_of_recorded_arrays_record_how_they_read():
    x = _var([1.0, 2.0, 3.0, 4.0])
    with ag.record():
        z = (x[1:3] * x[1:3]).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 4.0, 6.0, 0.0])
    m = _var(np.arange(6.0).reshape(2, 3))
    with ag.record():
        r = m.reshape((3, 2))[1] * 2
    r.backward()
    np.testing.assert_array_equal(m.grad.asnumpy(), [[0, 0, 2], [2, 0, 0]])


def test_detach_shares_memory_and_stops_gradients():
    x, y = _var([1.0, 1.0]), _var([2.0, 2.0])
    with ag.record():
        d = (x + 2).detach()
        z = d * y
    z.backward()
    assert not x._fresh_grad and y._fresh_grad
    np.testing.assert_array_equal(y.grad.asnumpy(), [3.0, 3.0])
    view = y.detach()
    view[:] = 7
    np.testing.assert_array_equal(y.asnumpy(), [7.0, 7.0])


def test_a_variable_written_after_recording_is_read_at_backward_as_in_mxnet():
    x = _var([1.0, 1.0])
    with ag.record():
        y = x * x
    x[:] = 5
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [10.0, 10.0])


def test_backward_reuses_recorded_results_instead_of_recomputing_them():
    data = mx.nd.array(np.ones((4, 3)))
    w1, w2 = _var(np.full((5, 3), 0.1)), _var(np.full((2, 5), 0.2))
    with ag.record():
        out = mx.nd.FullyConnected(mx.nd.FullyConnected(data, w1, no_bias=True, num_hidden=5),
                                   w2, no_bias=True, num_hidden=2)
    out.backward(retain_graph=True)
    np.testing.assert_allclose(w2.grad.asnumpy(), np.full((2, 5), 1.2), rtol=1e-6)
    np.testing.assert_allclose(w1.grad.asnumpy(), np.full((5, 3), 1.6), rtol=1e-6)
    order, position, entries = ag._collect([out])
    plan, leaves, values, keys, scalars, known, _ = ag._plan_for(order, position, entries)
    program = plan.program((1, 2)).lower(values, keys, scalars, known, [None], [None, None])
    # gradients of w2, of the hidden layer and of w1; the hidden layer's forward is reused
    assert program.compile().as_text().count(" dot(") == 3


def test_train_mode_drives_dropout_and_backward_reuses_its_mask():
    x = _var(np.ones((10, 10)))
    with ag.record():
        y = mx.nd.Dropout(x, p=0.5)
        assert y.asnumpy().max() == 2 and y.asnumpy().min() == 0
        y.backward()
        np.testing.assert_array_equal(x.grad.asnumpy(), y.asnumpy())
        with ag.predict_mode():
            np.testing.assert_array_equal(mx.nd.Dropout(x, p=0.5).asnumpy(), x.asnumpy())
    with ag.train_mode():
        assert mx.nd.Dropout(x, p=0.5).asnumpy().min() == 0


def test_batchnorm_updates_running_stats_in_each_training_backward():
    data = _var(np.arange(8.0).reshape(4, 2))
    gamma, beta = mx.nd.ones((2,)), mx.nd.zeros((2,))
    mean, var = mx.nd.zeros((2,)), mx.nd.ones((2,))
    with ag.record(train_mode=False):
        square = mx.nd.BatchNorm(data, gamma, beta, mean, var) ** 2
    square.backward()
    np.testing.assert_array_equal(mean.asnumpy(), [0.0, 0.0])
    with ag.record():
        square = mx.nd.BatchNorm(data, gamma, beta, mean, var, momentum=0.5) ** 2
    np.testing.assert_array_equal(mean.asnumpy(), [0.0, 0.0])   # MXNet: not in the forward
    square.backward(retain_graph=True)
    np.testing.assert_allclose(mean.asnumpy(), [1.5, 2.0])
    assert np.abs(data.grad.asnumpy()).max() < 1e-3   # normalised output: |out|^2 is fixed
    square.backward()
    np.testing.assert_allclose(mean.asnumpy(), [2.25, 3.0])


def test_grad_returns_new_arrays_and_differentiates_again():
    x = _var([0.3, -1.2, 2.0])
    with ag.record():
        y = mx.nd.sin(x)
        head = mx.nd.array([1.0, 2.0, 3.0])
        dy = ag.grad(y, x, head_grads=head, create_graph=True, retain_graph=True)[0]
        d2y = ag.grad(dy, x, create_graph=True, retain_graph=True)[0]
    xv = x.asnumpy()
    np.testing.assert_allclose(dy.asnumpy(), np.cos(xv) * [1, 2, 3], rtol=1e-6)
    np.testing.assert_allclose(d2y.asnumpy(), -np.sin(xv) * [1, 2, 3], rtol=1e-6)
    np.testing.assert_array_equal(x.grad.asnumpy(), [0.0, 0.0, 0.0])   # grad writes no buffer
    d2y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), -np.cos(xv) * [1, 2, 3], rtol=1e-6)


def test_grad_needs_variables_the_heads_reach_and_frees_the_graph():
    x, unused = _var([1.0, 2.0]), _var([[5.0]])
    with ag.record():
        y = x * 4
    with pytest.raises(MXNetError, match="2-th variable because it is unreachable"):
        ag.grad(y, [x, unused])
    dx, dx_again = ag.grad(y, [x, x])
    np.testing.assert_array_equal(dx.asnumpy(), [4.0, 4.0])
    np.testing.assert_array_equal(dx_again.asnumpy(), [4.0, 4.0])
    with pytest.raises(MXNetError, match="not in a computational graph"):
        y.backward()                          # grad freed the graph (retain_graph=False)


def test_gradient_recorded_outside_record_with_create_graph():
    x = _var([1.0])
    with ag.record():
        z = mx.nd.elemwise_add(mx.nd.exp(x), x)
    dx, = ag.grad(z, [x], create_graph=True)
    assert abs(dx.asscalar() - (np.e + 1)) < 1e-6
    dx.backward()
    assert abs(x.grad.asscalar() - np.e) < 1e-6


def test_a_second_order_loop_compiles_once():
    x = _var([0.5, 1.0])
    traces = []
    for _ in range(3):
        with ag.record():
            dy = ag.grad(mx.nd.tanh(x) * x, [x], create_graph=True)[0]
        dy.backward()
        traces.append(ag._Plan.traces)
    assert traces[0] == traces[1] == traces[2]
    t = np.tanh(x.asnumpy())   # d2/dx2 (x tanh x) = 2 sech^2 x - 2 x tanh x sech^2 x
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * (1 - t * t) * (1 - x.asnumpy() * t),
                               rtol=1e-5)


def test_function_runs_the_users_backward():
    class Scaled(ag.Function):
        def forward(self, x, y):
            self.save_for_backward(x, y)
            return x * y, x + y

        def backward(self, dm, dn):
            x, y = self.saved_tensors
            return dm * y * 10 + dn, dm * x + dn

    x, y = _var([1.0, 2.0]), _var([3.0, 4.0])
    with ag.record():
        m, n = Scaled()(x, y)
        total = m * 2 + n
    np.testing.assert_array_equal(m.asnumpy(), [3.0, 8.0])
    total.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [61.0, 81.0])
    np.testing.assert_array_equal(y.grad.asnumpy(), [3.0, 5.0])
    f = Scaled()
    f(x, y)
    with pytest.raises(AssertionError, match="only be called once"):
        f(x, y)


def test_get_symbol_is_the_recorded_graph():
    x, z = _var([1.0]), _var([2.0])
    with ag.record():
        y = x * x + 2 * z - 1
    symbol = ag.get_symbol(y)
    assert len(symbol.list_arguments()) == 2
    assert [op for op in symbol.tojson().split('"op": ')[1:] if not op.startswith('"null"')]


def test_a_training_loop_compiles_its_gradient_program_once():
    w, b = _var(np.full((3, 4), 0.1)), _var(np.zeros(3))
    data, label = mx.nd.array(np.arange(8.0).reshape(2, 4)), mx.nd.array([0, 2])
    losses, traces = [], []
    for _ in range(4):
        with ag.record():
            out = mx.nd.FullyConnected(data, w, b, num_hidden=3)
            loss = -mx.nd.pick(mx.nd.log_softmax(out), label, axis=1)
        loss.backward()
        w -= 0.05 * w.grad
        b -= 0.05 * b.grad
        losses.append(float(loss.asnumpy().sum()))
        traces.append(ag._Plan.traces)
    assert traces[1] == traces[0] and traces[3] == traces[0]
    assert losses[3] < losses[0]


def test_contrib_train_section_records_and_trains():
    x = mx.nd.array([1.0, 2.0])
    grads, out = contrib_ag.grad_and_loss(lambda a: a * a)(x)
    np.testing.assert_array_equal(grads[0].asnumpy(), [2.0, 4.0])
    with contrib_ag.train_section():
        assert ag.is_recording() and ag.is_training()
        with contrib_ag.test_section():
            assert not ag.is_recording() and not ag.is_training()


def test_attached_gradients_keep_the_array_dtype():
    data = mx.nd.arange(16, dtype="float64").reshape((4, 4))
    data.attach_grad()
    assert data.grad.dtype == np.float64
    with mx.autograd.record():
        parts = mx.nd.split(data, axis=0, num_outputs=2)
    parts[0].backward()
    assert data.grad.dtype == np.float64
    np.testing.assert_array_equal(data.grad.asnumpy()[:2], 1)


def _count_imperative_runs(monkeypatch):
    from symjax_mx.ndarray import _invoke
    calls = []
    original = _invoke.run

    def counting(op, *args, **kwargs):
        calls.append(op.name)
        return original(op, *args, **kwargs)
    monkeypatch.setattr(_invoke, "run", counting)
    return calls


def test_recorded_forward_runs_inside_the_backward_program(monkeypatch):
    x, w = _var(np.arange(6.0).reshape(2, 3)), _var(np.full((4, 3), 0.5))
    calls = _count_imperative_runs(monkeypatch)
    with ag.record():
        hidden = mx.nd.relu(mx.nd.FullyConnected(x, w, no_bias=True, num_hidden=4))
        loss = (hidden * hidden).sum()
    assert loss.shape == (1,) and hidden.dtype == np.float32
    loss.backward()
    assert calls == []  # nothing ran one operator at a time
    expected = np.maximum(np.arange(6.0).reshape(2, 3) @ np.full((3, 4), 0.5), 0)
    np.testing.assert_allclose(hidden.asnumpy(), expected)
    np.testing.assert_allclose(loss.asnumpy(), [(expected ** 2).sum()])
    np.testing.assert_allclose(w.grad.asnumpy(), (2 * expected).T @ np.arange(6.0).reshape(2, 3))
    assert calls == []  # the backward filled the recorded results in


def test_a_recorded_result_read_before_backward_is_computed_then_and_reused():
    x = _var([1.0, -2.0, 3.0])
    with ag.record():
        y = mx.nd.relu(x) * 3
        np.testing.assert_array_equal(y.asnumpy(), [3.0, 0.0, 9.0])
        z = (y * y).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [18.0, 0.0, 54.0])


def test_recorded_results_stay_readable_and_writable_after_their_graph_is_freed():
    x = _var([1.0, 2.0, 3.0, 4.0])
    with ag.record():
        y = x * 2
        side = y + 1            # not reached by the backward: computed when read
        tail = y[1:3]           # a view of a recorded result
        loss = y.sum()
    loss.backward()
    np.testing.assert_array_equal(side.asnumpy(), [3.0, 5.0, 7.0, 9.0])
    np.testing.assert_array_equal(tail.asnumpy(), [4.0, 6.0])
    tail[:] = 0
    np.testing.assert_array_equal(y.asnumpy(), [2.0, 0.0, 0.0, 8.0])
    y += 1
    np.testing.assert_array_equal(y.asnumpy(), [3.0, 1.0, 1.0, 9.0])


def test_a_bad_recorded_call_fails_at_the_call():
    x = _var(np.ones((2, 3)))
    with ag.record():
        with pytest.raises(mx.base.MXNetError, match=r"weight has shape \(4, 5\), but data "
                                                     r"of shape \(2, 3\) needs \(4, 3\)"):
            mx.nd.FullyConnected(x, mx.nd.ones((4, 5)), no_bias=True, num_hidden=4)


def test_a_recorded_result_keeps_its_value_when_a_variable_is_written_before_backward():
    x = _var([1.0, 2.0])
    with ag.record():
        y = x * x
    x[:] = 5
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [1.0, 4.0])  # computed from x at the call
    np.testing.assert_array_equal(x.grad.asnumpy(), [10.0, 10.0])  # MXNet reads x at backward


def test_a_new_scalar_operand_reuses_the_backward_program():
    """A loop that records ``x - s`` with a new Python scalar each step (lstm_crf's
    log_sum_exp subtracts ``max(v).asscalar()``) compiles its backward once, and each
    backward uses its own scalar."""
    x = _var([1.0, 2.0, 3.0])
    traces = []
    for step, scalar in enumerate([0.5, 2.5, -1.0]):
        with ag.record():
            y = ((x - scalar) * (x - scalar)).sum() * (step + 1.5)
        y.backward()
        np.testing.assert_allclose(x.grad.asnumpy(),
                                   2 * (np.array([1.0, 2.0, 3.0]) - scalar) * (step + 1.5),
                                   rtol=1e-6)
        traces.append(ag._Plan.traces)
    assert traces[0] == traces[1] == traces[2]


def test_second_order_gradient_takes_each_recording_scalar():
    x = _var([2.0])
    for scalar in (1.0, 3.0):
        with ag.record():
            y = (x - scalar) * (x - scalar) * (x - scalar)  # y'' = 6 (x - scalar)
            dx = ag.grad(y, [x], create_graph=True)[0]
        dx.backward()
        np.testing.assert_allclose(dx.asnumpy(), [3 * (2.0 - scalar) ** 2], rtol=1e-6)
        np.testing.assert_allclose(x.grad.asnumpy(), [6 * (2.0 - scalar)], rtol=1e-6)


def test_backward_of_one_loss_per_device_runs_each_devices_graph():
    """Data-parallel Gluon code: ``autograd.backward(losses)`` with one loss per device
    (MXNet computes each device's gradients); graphs that cross devices are refused."""
    devices = [mx.cpu(0), mx.cpu(1)]
    weights = [mx.nd.array([[1., 2.], [3., 4.]], ctx=c) for c in devices]
    for w in weights:
        w.attach_grad()
    data = [mx.nd.array([[1., 1.]], ctx=devices[0]), mx.nd.array([[2., 0.]], ctx=devices[1])]
    with ag.record():
        losses = [(mx.nd.dot(x, w) ** 2).sum() for x, w in zip(data, weights)]
    ag.backward(losses, [mx.nd.ones((1,), ctx=c) * 2 for c in devices])
    for x, w in zip(data, weights):
        x, w_np = x.asnumpy(), w.asnumpy()
        expected = 2 * x.T @ (2 * (x @ w_np))  # d/dw of 2 * sum((x w)^2)
        np.testing.assert_allclose(w.grad.asnumpy(), expected)
        assert w.grad.context == w.context
    with ag.record():
        shared = (weights[0] * 2).sum()
        crossing = shared.copyto(devices[1]) + (weights[1] * 3).sum()
    with pytest.raises(MXNetError, match="several devices and their recorded graphs share"):
        ag.backward([shared, crossing])

""".states files: MXNet 1.9.1's optimizer-state pickles load here and ours use MXNet's
form, and loading never runs code from the file."""
import os
import pickle
import pickletools

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError
from symjax_mx.ndarray import states

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "states")


def _module():
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=3,
                                                     name="fc"), name="softmax")
    mod = mx.mod.Module(net)
    mod.bind(data_shapes=[("data", (4, 2))], label_shapes=[("softmax_label", (4,))])
    mod.init_params()
    mod.init_optimizer(optimizer="sgd",
                       optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    return mod


def test_module_loads_states_written_by_mxnet():
    mod = _module()
    mod.load_optimizer_states(os.path.join(GOLDEN, "mxnet_sgd.states"))
    expected = np.load(os.path.join(GOLDEN, "mxnet_sgd_expected.npz"))
    names = mod._param_names  # MXNet keys the states by parameter index
    for index, value in expected.items():
        got = np.asarray(mod._opt_states[names[int(index)]])
        np.testing.assert_allclose(got, value, rtol=1e-6)
    assert np.abs(expected["0"]).sum() > 0


def test_written_states_use_mxnet_globals_and_round_trip(tmp_path):
    mod = _module()
    mod.forward_backward(mx.io.DataBatch([mx.nd.ones((4, 2))], [mx.nd.array([0, 1, 2, 1])]))
    mod.update()
    fname = str(tmp_path / "m.states")
    mod.save_optimizer_states(fname)
    data = open(fname, "rb").read()
    globals_ = {arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"}
    assert globals_ == {"mxnet.ndarray.ndarray NDArray", "builtins bytearray"}
    before = {n: np.asarray(s) for n, s in mod._opt_states.items()}
    other = _module()
    other.load_optimizer_states(fname)
    for name, value in before.items():
        np.testing.assert_array_equal(np.asarray(other._opt_states[name]), value)


def test_states_tree_round_trip_keeps_types_and_sharing():
    shared = {1: 2}
    tree = {0: (mx.nd.array([1.5, 2.5], dtype="float64"), None), "w": [7, 2.5, "x", True],
            "big": 2**40, "a": shared, "b": shared}
    back = states.loads(states.dumps(tree))
    assert back[0][0].dtype == np.float64 and back[0][1] is None
    np.testing.assert_array_equal(back[0][0].asnumpy(), [1.5, 2.5])
    assert back["w"] == [7, 2.5, "x", True] and back["big"] == 2**40
    assert back["a"] is back["b"]


class _Boom:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_crafted_states_payload_does_not_execute(monkeypatch):
    payload = pickle.dumps({0: _Boom()})  # plain pickle.loads would run os.system
    calls = []
    monkeypatch.setattr(os, "system", lambda *a: calls.append(a))
    with pytest.raises(MXNetError, match="refusing to load global"):
        states.loads(payload)
    assert calls == []
    with pytest.raises(MXNetError, match="not a valid"):
        states.loads(b"\x80\x03garbage")
    updater = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(MXNetError, match="refusing"):
        updater.set_states(payload)


def test_dumped_optimizer_comes_back_as_a_registered_optimizer():
    opt = mx.optimizer.SGD(momentum=0.5,
                           lr_scheduler=mx.lr_scheduler.FactorScheduler(step=2, base_lr=0.3))
    opt.num_update = 4
    data = states.dumps(({}, opt))
    assert b"mxnet.optimizer\nSGD" in data
    _, back = states.loads(data, mx.optimizer.updater._state_class)
    assert type(back) is mx.optimizer.SGD and back.num_update == 4 and back.momentum == 0.5
    assert isinstance(back.lr_scheduler, mx.lr_scheduler.FactorScheduler)
    assert back.lr_scheduler.base_lr == 0.3
    with pytest.raises(MXNetError, match="refusing"):
        states.loads(data)  # without a resolver no class is built

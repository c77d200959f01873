"""Gluon files against MXNet 1.9.1's (fixtures from tests/golden/gluon/make_golden.py):
save_parameters / load_parameters, export / SymbolBlock.imports, both ways."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.gluon import SymbolBlock, nn

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "gluon")


def build():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation="relu", in_units=3), nn.BatchNorm(in_channels=4),
                nn.Dense(2, in_units=4))
    return net


@pytest.fixture(scope="module")
def io():
    data = np.load(os.path.join(GOLDEN, "mlp_io.npz"))
    return mx.nd.array(data["x"]), data["y"]


def test_load_parameters_written_by_mxnet(io):
    x, y = io
    net = build()
    net.load_parameters(os.path.join(GOLDEN, "mlp.params"))
    np.testing.assert_allclose(net(x).asnumpy(), y, rtol=1e-5, atol=1e-6)


def test_imports_mxnet_export(io):
    x, y = io
    block = SymbolBlock.imports(os.path.join(GOLDEN, "mlp-symbol.json"), ["data"],
                                os.path.join(GOLDEN, "mlp-0000.params"))
    np.testing.assert_allclose(block(x).asnumpy(), y, rtol=1e-5, atol=1e-6)
    names = sorted(block.collect_params().keys())
    assert "hybridsequential0_batchnorm0_running_mean" in names
    assert block.collect_params()["hybridsequential0_batchnorm0_running_var"].grad_req == "null"


def test_save_load_round_trip_and_export(io, tmp_path):
    x, y = io
    net = build()
    net.load_parameters(os.path.join(GOLDEN, "mlp.params"))
    net.save_parameters(str(tmp_path / "again.params"))
    with open(os.path.join(GOLDEN, "mlp.params"), "rb") as a, \
            open(tmp_path / "again.params", "rb") as b:
        assert a.read() == b.read()  # byte-identical to MXNet's file
    other = build()
    other.load_parameters(str(tmp_path / "again.params"))
    np.testing.assert_allclose(other(x).asnumpy(), y, rtol=1e-5, atol=1e-6)
    with pytest.raises(RuntimeError, match="hybridize"):
        other.export(str(tmp_path / "net"))
    other.hybridize()
    np.testing.assert_allclose(other(x).asnumpy(), y, rtol=1e-5, atol=1e-6)
    assert other.export(str(tmp_path / "net"), epoch=3) is None  # as MXNet 1.9.1's
    sym_file, params_file = str(tmp_path / "net-symbol.json"), str(tmp_path / "net-0003.params")
    loaded = mx.nd.load(params_file)
    assert f"aux:{other.prefix}batchnorm0_running_mean" in loaded
    assert f"arg:{other.prefix}dense0_weight" in loaded
    block = SymbolBlock.imports(sym_file, "data", params_file)
    np.testing.assert_allclose(block(x).asnumpy(), y, rtol=1e-5, atol=1e-6)


def test_load_parameters_missing_and_extra_names(tmp_path):
    path = os.path.join(GOLDEN, "mlp.params")
    bigger = build()
    with bigger.name_scope():
        bigger.add(nn.Dense(1, in_units=2))
    with pytest.raises(AssertionError, match=r"Parameter '3.weight' is missing in file"):
        bigger.load_parameters(path)
    bigger.load_parameters(path, allow_missing=True)
    assert bigger[3].weight._data is None
    smaller = nn.HybridSequential()
    with smaller.name_scope():
        smaller.add(nn.Dense(4, activation="relu", in_units=3))
    with pytest.raises(ValueError, match=r"Parameter '1.gamma' loaded from file .* is not "
                                         "present"):
        smaller.load_parameters(path)
    smaller.load_parameters(path, ignore_extra=True)
    assert smaller[0].weight.data().shape == (4, 3)


def test_parameter_dict_save_load_with_prefix(tmp_path):
    net = build()
    net.initialize()
    path = str(tmp_path / "p.params")
    net.collect_params().save(path, strip_prefix=net.prefix)
    assert sorted(mx.nd.load(path))[0] == "batchnorm0_beta"
    other = build()  # another counter, so another prefix
    other.collect_params().load(path, restore_prefix=other.prefix)
    for a, b in zip(net.collect_params().values(), other.collect_params().values()):
        np.testing.assert_array_equal(a.data().asnumpy(), b.data().asnumpy())
    with pytest.raises(AssertionError, match="is missing in file"):
        build().collect_params().load(path)
    # a file without dotted names is loaded by full parameter name, stripping the prefix
    legacy = build()
    legacy.initialize()
    legacy.collect_params().save(path, strip_prefix=legacy.prefix)
    fresh = nn.HybridSequential(prefix=legacy.prefix)
    with fresh.name_scope():
        fresh.add(nn.Dense(4, activation="relu", in_units=3), nn.BatchNorm(in_channels=4),
                  nn.Dense(2, in_units=4))
    fresh.load_parameters(path)
    assert fresh[0].weight.data().shape == (4, 3)


def test_block_save_load_restores_names_and_traced_graph(tmp_path):
    def make():
        net = nn.HybridSequential()
        net.add(nn.Dense(3, in_units=4), nn.Dense(2, in_units=3))
        return net

    net = make()
    net.initialize()
    net.hybridize()
    x = mx.nd.ones((2, 4))
    expected = net(x).asnumpy()
    net.save(str(tmp_path / "m"))
    other = make()  # created later: its blocks have other names
    assert other[0].name != net[0].name
    other.load(str(tmp_path / "m"))
    assert other[0].name == net[0].name and other._cached_graph
    np.testing.assert_allclose(other(x).asnumpy(), expected, rtol=1e-6)
    with pytest.raises(ValueError, match="no block"):
        nn.Dense(2).load(str(tmp_path / "m"))


def test_resnet_exported_here_runs_in_mxnet(tmp_path):
    """make_resnet_golden.py exported a small ResNet from symjax_mx and ran the files in
    MXNet 1.9.1 (``y_mxnet``): the same build exports the same graph today, and both the
    imported files and the built net loading them give MXNet's outputs."""
    import importlib.util
    import json
    spec = importlib.util.spec_from_file_location(
        "make_resnet_golden", os.path.join(GOLDEN, "make_resnet_golden.py"))
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    io = np.load(os.path.join(GOLDEN, "resnet_io.npz"))
    x = mx.nd.array(io["x"])
    prefix = os.path.join(GOLDEN, "resnet")

    net = golden.build(mx.gluon)
    net.initialize()
    net.hybridize()
    net(x)
    net.export(str(tmp_path / "again"))
    with open(prefix + "-symbol.json") as committed, open(tmp_path / "again-symbol.json") as now:
        assert json.load(now) == json.load(committed)

    net.collect_params().load(prefix + "-0000.params")
    np.testing.assert_allclose(net(x).asnumpy(), io["y_mxnet"], rtol=1e-5, atol=1e-6)
    block = SymbolBlock.imports(prefix + "-symbol.json", ["data"], prefix + "-0000.params")
    np.testing.assert_allclose(block(x).asnumpy(), io["y_mxnet"], rtol=1e-5, atol=1e-6)

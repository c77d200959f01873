"""gluon.model_zoo.vision against MXNet 1.9.1 (tests/golden/model_zoo, made by
make_golden.py there): MXNet's .params files load and give its outputs, the parameter
structure is MXNet's, and the local model store's offline behaviour."""
import json
import os
import shutil

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError
from symjax_mx.gluon.model_zoo import model_store, vision

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "model_zoo")


@pytest.mark.parametrize("name", ["mobilenet0.25", "mobilenetv2_0.25"])
def test_mxnet_parameters_load_and_give_mxnet_outputs(name):
    io = np.load(os.path.join(GOLDEN, f"{name}_io.npz"))
    net = vision.get_model(name, classes=10)
    net.load_parameters(os.path.join(GOLDEN, f"{name}.params"))
    np.testing.assert_allclose(net(mx.nd.array(io["x"])).asnumpy(), io["out"], rtol=1e-4,
                               atol=1e-5)


def test_parameter_structure_is_mxnets():
    with open(os.path.join(GOLDEN, "parameter_keys.json")) as f:
        expected = json.load(f)
    for name, keys in expected.items():
        assert sorted(vision.get_model(name)._collect_params_with_prefix()) == keys, name


def test_get_model_knows_mxnets_names():
    for name in ("resnet152_v2", "vgg19_bn", "densenet201", "squeezenet1.1", "mobilenet0.75",
                 "mobilenetv2_0.5", "inceptionv3", "alexnet"):
        assert isinstance(vision.get_model(name), mx.gluon.HybridBlock)
    assert isinstance(vision.get_model("ResNet18_V1"), vision.ResNetV1)
    with pytest.raises(ValueError, match="resnet18_v1"):
        vision.get_model("resnet19")


def test_pretrained_reads_the_local_store_and_names_a_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_HOME", str(tmp_path))
    path = tmp_path / "models" / "mobilenet0.25-9f83e440.params"
    with pytest.raises(MXNetError, match=str(path)):
        vision.get_model("mobilenet0.25", pretrained=True)
    path.parent.mkdir()
    shutil.copy(os.path.join(GOLDEN, "mobilenet0.25.params"), path)
    assert model_store.get_model_file("mobilenet0.25") == str(path)
    net = vision.get_model("mobilenet0.25", pretrained=True, classes=10)
    io = np.load(os.path.join(GOLDEN, "mobilenet0.25_io.npz"))
    np.testing.assert_allclose(net(mx.nd.array(io["x"])).asnumpy(), io["out"], rtol=1e-4,
                               atol=1e-5)
    model_store.purge()
    assert not path.exists()


def _export_generator():
    """make_export_golden.py as a module: its cell builders take ``mx`` (no mxnet import)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "_model_zoo_make_export_golden", os.path.join(GOLDEN, "make_export_golden.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _exported_golden(kind):
    """MXNet 1.9.1's graph ``kind`` from exported_symbols.json.gz."""
    import gzip
    with gzip.open(os.path.join(GOLDEN, "exported_symbols.json.gz"), "rt") as f:
        return json.load(f)[kind]


@pytest.mark.parametrize("name, prefix, size", [("resnet18_v1", "resnetv10_", 32),
                                                 ("alexnet", "alexnet0_", 224)])
def test_export_writes_mxnets_symbol_file(name, prefix, size, tmp_path):
    """The exported graph is MXNet 1.9.1's, field for field: node order, attributes
    (Dropout's cudnn_off), the versions of the auxiliary states BatchNorm writes, and
    node_row_ptr counting the outputs MXNet keeps hidden (make_export_golden.py)."""
    expected = _exported_golden(name)
    net = vision.get_model(name, prefix=prefix)  # a first model's name, as in the file
    net.initialize()
    net.hybridize()
    net(mx.nd.ones((1, 3, size, size)))
    net.export(str(tmp_path / name))
    with open(tmp_path / f"{name}-symbol.json") as f:
        assert json.load(f) == expected


@pytest.mark.parametrize("kind", ["LSTMCell", "GRUCell", "RNNCell"])
def test_unrolled_gluon_cells_are_mxnets_graph(kind):
    """Node for node (operators such as sigmoid for the gates, names, attributes), as
    make_export_golden.py read them from MXNet 1.9.1."""
    assert _export_generator().unrolled_graph(mx, kind) == _exported_golden(kind)


@pytest.mark.parametrize("kind", ["rnn.LSTMCell", "rnn.GRUCell", "rnn.RNNCell", "rnn.stack",
                                  "rnn.bidirectional"])
def test_unrolled_legacy_rnn_cells_are_mxnets_graph(kind):
    """mx.rnn's graphs leave sums, products and the cell output's activation unnamed
    (``_plus0``, ``activation0``) and compute GRU's ``1 - z`` as a scalar operator, as
    MXNet 1.9.1's do (make_export_golden.py)."""
    assert _export_generator().unrolled_graph(mx, kind) == _exported_golden(kind)

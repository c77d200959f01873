"""Bad files give MXNetError naming the node and field, loading costs stay linear, failures
inside compiled programs name the operator and node, and atomic saves clean up."""
import errno
import json
import os
import subprocess
import sys
import tempfile

import jax
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.symbol import graph as graph_module

MLP = {"nodes": [{"op": "null", "name": "data", "inputs": []},
                 {"op": "null", "name": "fc1_weight", "inputs": []},
                 {"op": "null", "name": "fc1_bias", "inputs": []},
                 {"op": "FullyConnected", "name": "fc1", "attrs": {"num_hidden": "4"},
                  "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]}],
       "arg_nodes": [0, 1, 2], "heads": [[3, 0, 0]]}


def _mlp_with(change):
    graph = json.loads(json.dumps(MLP))
    change(graph)
    return json.dumps(graph)


def _set(node, field, value):
    def change(graph):
        graph["nodes"][node][field] = value
    return change


def _set_attr(node, key, value):
    def change(graph):
        graph["nodes"][node].setdefault("attrs", {})[key] = value
    return change


@pytest.mark.parametrize("change, message", [
    (_set(3, "inputs", 5), r"node 'fc1': 'inputs' must be a list, got int 5"),
    (_set(3, "op", ["FullyConnected"]), r"node 'fc1': 'op' must be a string, got list"),
    (_set(0, "name", True), r"the name of node 0 must be a string, got bool True"),
    (_set(3, "inputs", [[3, 0, 0]]), r"input 0 of node 'fc1' refers to node 3, but only "
                                     r"nodes 0 to 2 precede it"),
    (_set(3, "inputs", [[0, -1, 0]]), r"refers to output -1"),
    (_set(3, "attrs", [1]), r"node 'fc1': 'attrs' must be an object, got list"),
    (_set_attr(3, "num_hidden", ["4"]), r"attribute 'num_hidden' must be a string"),
    (_set_attr(1, "__shape__", "(("), r"node 'fc1_weight': invalid __shape__"),
    (_set_attr(1, "__shape__", "-3"), r"invalid __shape__ '-3': dimensions must be >= 0"),
    (_set_attr(1, "__dtype__", "9"), r"invalid __dtype__ '9': known type flags are 0"),
    (_set_attr(1, "__dtype__", "float"), r"node 'fc1_weight': invalid __dtype__"),
    (_set_attr(1, "__lr_mult__", "fast"), r"node 'fc1_weight': invalid __lr_mult__"),
    (_set_attr(1, "__init__", "(" * 100_000), r"has 100000 characters, more than the limit"),
    (_set_attr(3, "num_hidden", "(" * 5000), r"node 'fc1': operator FullyConnected: invalid "
                                             r"value for parameter num_hidden"),
    (_set(3, "op", "NoSuchOp"), r"node 'fc1': .*NoSuchOp"),
    (lambda g: g.update(heads=[[9, 0, 0]]), r"head 0 refers to node 9"),
    (lambda g: g.update(heads=[]), r"'heads' is empty"),
    (lambda g: g.update(arg_nodes="all"), r"'arg_nodes' must be a list of node indices"),
])
def test_malformed_symbol_json_names_node_and_field(change, message):
    with pytest.raises(mx.MXNetError, match=message):
        mx.sym.load_json(_mlp_with(change))


def test_a_declared_shape_and_dtype_are_parsed_like_operator_parameters():
    text = _mlp_with(lambda g: g["nodes"][0].update(attrs={"__shape__": "5",
                                                           "__dtype__": "1"}))
    symbol = mx.sym.load_json(text)
    assert symbol.infer_shape()[0][0] == (5,)
    assert symbol.infer_type()[0][0] == np.float64


def test_bad_variable_attributes_made_in_python_fail_inference_by_name():
    weird = mx.sym.var("w", attr={"__shape__": "(("})
    with pytest.raises(mx.MXNetError, match=r"infer_shape: variable 'w': invalid __shape__"):
        (weird * 2).infer_shape()


def test_files_that_are_not_json_text_raise_mxneterror(tmp_path):
    path = tmp_path / "bad-symbol.json"
    path.write_bytes(mx.sym.var("x").tojson().encode() + b"\xff\xfe")
    with pytest.raises(mx.MXNetError, match=r"bad-symbol.json.*not UTF-8"):
        mx.sym.load(str(path))
    path.write_text('{"nodes": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(mx.MXNetError, match="nested too deeply"):
        mx.sym.load(str(path))


def test_inference_errors_name_the_variables_of_the_failing_node():
    fc = mx.sym.FullyConnected(mx.sym.var("data"), mx.sym.var("fc1_weight", shape=(5, 7)),
                               num_hidden=4, name="fc1")
    with pytest.raises(mx.MXNetError, match=r"weight = variable 'fc1_weight' \(5, 7\)"):
        fc.infer_shape(data=(2, 3))


def _chained_adds(count):
    nodes, previous = [{"op": "null", "name": "x", "inputs": []}], 0
    for i in range(count):
        nodes.append({"op": "null", "name": f"v{i}", "inputs": []})
        nodes.append({"op": "elemwise_add", "name": f"add{i}",
                      "inputs": [[previous, 0, 0], [len(nodes) - 1, 0, 0]]})
        previous = len(nodes) - 1
    return json.dumps({"nodes": nodes, "heads": [[previous, 0, 0]]})


def test_loading_and_listing_arguments_walk_the_graph_once(monkeypatch):
    walks = []
    original = graph_module._topological
    monkeypatch.setattr(graph_module, "_topological",
                        lambda entries: walks.append(1) or original(entries))
    symbol = mx.sym.load_json(_chained_adds(300))
    assert len(symbol.list_arguments()) == 301
    assert len(symbol.list_auxiliary_states()) == 0
    assert len(walks) == 1
    duplicate = mx.sym.load_json(_chained_adds(3).replace('"v2"', '"v0"'))
    assert duplicate.list_arguments() == ["x", "v0", "v1", "v0"]
    with pytest.raises(mx.MXNetError, match=r"share the names \['v0'\]"):
        duplicate.simple_bind(mx.cpu(), x=(2,))


def test_params_entries_reach_the_device_in_one_transfer(monkeypatch):
    arrays = [np.full((2,), i, np.float32) for i in range(300)] + [np.zeros((0,), np.float32)] * 300
    payload = mx.nd.file_format.encode(arrays)
    transfers = []
    original = jax.device_put
    monkeypatch.setattr(jax, "device_put",
                        lambda x, *a, **k: transfers.append(1) or original(x, *a, **k))
    loaded = mx.nd.load_frombuffer(payload)
    assert len(transfers) == 2  # the non-empty arrays, and one buffer for the empty ones
    assert [a.asnumpy().tolist() for a in loaded[:300]] == [[i, i] for i in range(300)]
    assert all(a.shape == (0,) for a in loaded[300:])


class _Failing(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        raise ValueError("the user's forward failed")


@mx.operator.register("test_hardening_failing")
class _FailingProp(mx.operator.CustomOpProp):
    def list_arguments(self):
        return ["data"]

    def infer_shape(self, in_shape):
        return in_shape, in_shape, []

    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _Failing()


def _failing_net():
    custom = mx.sym.Custom(mx.sym.var("data"), op_type="test_hardening_failing", name="mycustom")
    fc = mx.sym.FullyConnected(custom, num_hidden=2, name="fc")
    return mx.sym.SoftmaxOutput(fc, name="softmax")


EXPECTED = (r"^ValueError: the user's forward failed \(in operator Custom "
            r"\('test_hardening_failing'\) at node 'mycustom'\)")


def test_a_failing_custom_operator_in_an_executor_names_its_node():
    executor = _failing_net().simple_bind(mx.cpu(), data=(2, 3), grad_req="null")
    executor.forward()  # asynchronous, as in MXNet: the error surfaces when the output is read
    with pytest.raises(mx.MXNetError, match=EXPECTED) as caught:
        executor.outputs[0].asnumpy()
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_failing_custom_operator_in_a_module_step_names_its_node():
    module = mx.mod.Module(_failing_net())
    data = mx.io.NDArrayIter(np.ones((4, 3), np.float32), np.zeros((4,), np.float32),
                             batch_size=4)
    with pytest.raises(mx.MXNetError, match=EXPECTED):
        module.fit(data, num_epoch=1, optimizer="sgd")


def test_an_interrupted_save_leaves_no_temporary_file(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = tmp_path / f".model.params.{dead.stdout.strip()}.abcd1234.tmp"
    live = tmp_path / f".model.params.{os.getppid()}.abcd1234.tmp"
    other = tmp_path / f".other.params.{dead.stdout.strip()}.abcd1234.tmp"
    for path in (stale, live, other):
        path.write_bytes(b"half written")
    mx.nd.save(str(tmp_path / "model.params"), [mx.nd.ones((2,))])
    assert sorted(os.listdir(tmp_path)) == sorted(["model.params", live.name, other.name])


@pytest.mark.parametrize("where, error", [
    ("os.fsync", OSError(errno.ENOSPC, "No space left on device")),
    ("tempfile.mkstemp", PermissionError(errno.EACCES, "Permission denied",
                                         "/somewhere/.model.params.1.x.tmp")),
])
def test_failed_saves_name_the_target(tmp_path, monkeypatch, where, error):
    module, name = where.split(".")

    def fail(*args, **kwargs):
        raise error
    monkeypatch.setattr({"os": os, "tempfile": tempfile}[module], name, fail)
    target = str(tmp_path / "model.params")
    with pytest.raises(type(error)) as caught:
        mx.nd.save(target, [mx.nd.ones((2,))])
    assert caught.value.filename == target
    assert str(caught.value).startswith(f"[Errno {error.errno}] cannot save {target!r}: ")
    assert os.listdir(tmp_path) == []

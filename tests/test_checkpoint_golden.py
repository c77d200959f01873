"""Checkpoints (``prefix-symbol.json`` + ``prefix-0003.params``) against MXNet 1.9.1.

tests/golden/checkpoint/ holds two checkpoints that real MXNet trained and saved with
``Module.save_checkpoint`` (see make_golden.py there): ``mlp`` (FullyConnected, BatchNorm,
relu, FullyConnected, SoftmaxOutput) and ``convnet`` (Convolution, BatchNorm with
fix_gamma=False, relu, max Pooling, Flatten, FullyConnected, SoftmaxOutput), each with
non-trivial BatchNorm moving statistics, and ``<net>.npz``: MXNet's ``Module.predict`` on a
fixed input, and one training-mode ``forward_backward`` (output, parameter and input gradients,
auxiliary states after it).  Here the same files are loaded with ``mx.model.load_checkpoint``
and ``mx.mod.Module.load`` and must compute the same; saving them again must give MXNet's bytes
exactly; damaged or mismatched checkpoints must fail clearly.

The other direction (a checkpoint written by symjax_mx loads and computes the same in MXNet)
needs mxnet and so is checked by hand with tests/golden/checkpoint/check_with_mxnet.py.  It was
verified this way (both nets printed ``OK``, predict and forward_backward)::

    /tmp/venv/bin/python -c "import sys; sys.path.insert(0, 'tests'); \\
        import test_checkpoint_golden as t; t.write_for_mxnet('/tmp/ckpt_ours')"
    /tmp/mxref/bin/python tests/golden/checkpoint/check_with_mxnet.py /tmp/ckpt_ours/mlp 3 \\
        /tmp/ckpt_ours/mlp.npz
    /tmp/mxref/bin/python tests/golden/checkpoint/check_with_mxnet.py \\
        /tmp/ckpt_ours/convnet 3 /tmp/ckpt_ours/convnet.npz

``write_for_mxnet`` trains each net with symjax_mx's Module (so every value and the JSON are
symjax_mx's own), saves it (``Module.save_checkpoint`` for mlp, ``mx.model.save_checkpoint``
for convnet) and records what symjax_mx computes from the saved checkpoint;
``test_write_for_mxnet`` keeps that helper working.

Known differences from MXNet 1.9.1 that these tests deliberately do not pin:
* ``Module.load`` of a checkpoint holding an extra parameter: MXNet's ``bind`` raises
  ``ValueError('Find name "..." that is not in the arguments')``; symjax_mx ignores it.
* Missing files / folders raise an error that is both ``FileNotFoundError`` and
  ``MXNetError`` here (MXNet: ``MXNetError``).
"""
import importlib.util
import json
import os
from pathlib import Path

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError
from symjax_mx.ndarray import file_format as _format

HERE = Path(__file__).parent
GOLDEN = HERE / "golden" / "checkpoint"
_spec = importlib.util.spec_from_file_location("checkpoint_make_golden",
                                               GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

NETS = sorted(make_golden.NETS)
EPOCH = make_golden.EPOCH
# float32 against float32 from MXNet (oneDNN on CPU); the worst difference seen when this was
# written was below 3e-7 absolute
RTOL, ATOL = 1e-5, 1e-6
_CACHE = {}


def golden(net):
    if net not in _CACHE:
        with np.load(GOLDEN / f"{net}.npz") as z:
            _CACHE[net] = dict(z)
    return _CACHE[net]


def shape(net):
    return make_golden.NETS[net][0]


def prefix(net):
    return str(GOLDEN / net)


def params_file(prefix_, epoch=EPOCH):
    return f"{prefix_}-{epoch:04d}.params"


def close(got, want, what):
    got = got.asnumpy() if isinstance(got, mx.nd.NDArray) else np.asarray(got)
    assert got.shape == want.shape, (what, got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=what)


def batch(data, label=None):
    return mx.io.DataBatch(data=[mx.nd.array(data)],
                           label=None if label is None else [mx.nd.array(label)])


def graph(json_text):
    """The JSON graph without what carries no meaning: NodeEntry versions (MXNet bumps them
    on mutated aux inputs) and node_row_ptr (MXNet counts hidden outputs there)."""
    g = json.loads(json_text)
    nodes = [dict(n, inputs=[e[:2] for e in n["inputs"]]) for n in g["nodes"]]
    return {"nodes": nodes, "arg_nodes": g["arg_nodes"], "heads": [h[:2] for h in g["heads"]],
            "attrs": g.get("attrs")}


def inference_module(net, how):
    """A module bound for inference on the golden checkpoint, loaded one of two ways."""
    if how == "Module.load":
        mod = mx.mod.Module.load(prefix(net), EPOCH, context=mx.cpu())
        mod.bind(data_shapes=[("data", shape(net))], for_training=False)
    else:
        sym, arg_params, aux_params = mx.model.load_checkpoint(prefix(net), EPOCH)
        mod = mx.mod.Module(sym, context=mx.cpu())
        mod.bind(data_shapes=[("data", shape(net))], for_training=False)
        mod.set_params(arg_params, aux_params)
    return mod


def training_module(net, how):
    data_shape = shape(net)
    kwargs = dict(data_shapes=[("data", data_shape)],
                  label_shapes=[("softmax_label", data_shape[:1])],
                  for_training=True, inputs_need_grad=True)
    if how == "Module.load":
        mod = mx.mod.Module.load(prefix(net), EPOCH, context=mx.cpu())
        mod.bind(**kwargs)
    else:
        sym, arg_params, aux_params = mx.model.load_checkpoint(prefix(net), EPOCH)
        mod = mx.mod.Module(sym, context=mx.cpu())
        mod.bind(**kwargs)
        mod.set_params(arg_params, aux_params)
    return mod


# --- 1. MXNet's checkpoints load and predict the same -----------------------------------------

@pytest.mark.parametrize("net", NETS)
def test_load_checkpoint_contents(net):
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix(net), EPOCH)
    raw = mx.nd.load(params_file(prefix(net)))
    assert list(raw) == [f"arg:{k}" for k in arg_params] + [f"aux:{k}" for k in aux_params]
    inputs = ("data", "softmax_label")
    assert list(arg_params) == [n for n in sym.list_arguments() if n not in inputs]
    assert list(aux_params) == sym.list_auxiliary_states() == ["bn1_moving_mean",
                                                               "bn1_moving_var"]
    assert sym.list_outputs() == ["softmax_output"]
    for key, value in raw.items():
        kind, name = key.split(":")
        loaded = (arg_params if kind == "arg" else aux_params)[name]
        assert loaded.dtype == np.float32 and loaded.context == mx.cpu()
        np.testing.assert_array_equal(loaded.asnumpy(), value.asnumpy())
    # the training moved the BatchNorm statistics far from their initial zeros / ones
    assert np.abs(aux_params["bn1_moving_mean"].asnumpy()).max() > 0.1
    assert np.abs(aux_params["bn1_moving_var"].asnumpy() - 1).max() > 0.1


@pytest.mark.parametrize("how", ["Module.load", "load_checkpoint"])
@pytest.mark.parametrize("net", NETS)
def test_predict_matches_mxnet(net, how):
    g = golden(net)
    mod = inference_module(net, how)
    it = mx.io.NDArrayIter(g["predict_data"], batch_size=shape(net)[0])
    close(mod.predict(it), g["predict"], f"{net} predict ({how})")
    # score agrees with MXNet's predictions (the accuracy of their argmax)
    labels = (np.arange(len(g["predict_data"])) % 3).astype(np.float32)
    it = mx.io.NDArrayIter(g["predict_data"], labels, batch_size=shape(net)[0])
    [(name, acc)] = mod.score(it, "acc")
    assert name == "accuracy"
    assert acc == pytest.approx(np.mean(g["predict"].argmax(axis=1) == labels))


# --- 2. a training forward + backward gives MXNet's outputs and gradients ---------------------

@pytest.mark.parametrize("how", ["Module.load", "load_checkpoint"])
@pytest.mark.parametrize("net", NETS)
def test_forward_backward_matches_mxnet(net, how):
    g = golden(net)
    mod = training_module(net, how)
    mod.forward_backward(batch(g["fb_data"], g["fb_label"]))
    close(mod.get_outputs()[0], g["fb_out"], f"{net} training output")
    close(mod.get_input_grads()[0], g["input_grad"], f"{net} input gradient")
    grads = {k[len("grad/"):] for k in g if k.startswith("grad/")}
    assert grads == set(mod._param_names)
    for name in sorted(grads):
        close(mod._exec.grad_dict[name], g[f"grad/{name}"], f"{net} gradient of {name}")
    for name in mod._aux_names:
        close(mod._exec.aux_dict[name], g[f"aux_after/{name}"], f"{net} {name} after forward")
    if net == "mlp":  # BatchNorm's default fix_gamma=True: gamma gets no gradient
        assert not mod._exec.grad_dict["bn1_gamma"].asnumpy().any()


# --- 3. saving again reproduces MXNet's files -------------------------------------------------

def _assert_same_checkpoint(saved_prefix, net):
    """``saved_prefix`` holds the golden checkpoint of ``net`` again: same graph, the very
    same .params bytes, and it loads back to the same arrays."""
    with open(f"{saved_prefix}-symbol.json") as f, open(f"{prefix(net)}-symbol.json") as g:
        assert graph(f.read()) == graph(g.read())
    with open(params_file(saved_prefix), "rb") as f, open(params_file(prefix(net)), "rb") as g:
        assert f.read() == g.read()
    sym, arg_params, aux_params = mx.model.load_checkpoint(saved_prefix, EPOCH)
    ref_sym, ref_args, ref_aux = mx.model.load_checkpoint(prefix(net), EPOCH)
    assert sym.list_arguments() == ref_sym.list_arguments()
    assert sym.list_outputs() == ref_sym.list_outputs()
    assert sym.list_auxiliary_states() == ref_sym.list_auxiliary_states()
    for mine, ref in ((arg_params, ref_args), (aux_params, ref_aux)):
        assert list(mine) == list(ref)
        for name in ref:
            np.testing.assert_array_equal(mine[name].asnumpy(), ref[name].asnumpy())


@pytest.mark.parametrize("net", NETS)
def test_model_save_checkpoint_round_trip(net, tmp_path):
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix(net), EPOCH)
    out = str(tmp_path / net)
    mx.model.save_checkpoint(out, EPOCH, sym, arg_params, aux_params)
    assert sorted(os.listdir(tmp_path)) == sorted([f"{net}-symbol.json", f"{net}-0003.params"])
    _assert_same_checkpoint(out, net)
    # save_params / load_params / nd.save of the same dict: the same bytes again
    mx.model.save_params(str(tmp_path / "p.params"), arg_params, aux_params)
    both = {f"arg:{k}": v for k, v in arg_params.items()}
    both.update({f"aux:{k}": v for k, v in aux_params.items()})
    mx.nd.save(str(tmp_path / "nd.params"), both)
    golden_bytes = Path(params_file(prefix(net))).read_bytes()
    assert (tmp_path / "p.params").read_bytes() == golden_bytes
    assert (tmp_path / "nd.params").read_bytes() == golden_bytes
    args, auxs = mx.model.load_params(prefix(net), EPOCH)
    assert list(args) == list(arg_params) and list(auxs) == list(aux_params)


@pytest.mark.parametrize("net", NETS)
def test_module_save_checkpoint_round_trip(net, tmp_path):
    g = golden(net)
    mod = inference_module(net, "Module.load")
    mod.predict(mx.io.NDArrayIter(g["predict_data"], batch_size=shape(net)[0]))
    out = str(tmp_path / net)
    mod.save_checkpoint(out, EPOCH)  # inference leaves every parameter as loaded
    _assert_same_checkpoint(out, net)
    # and the saved checkpoint runs the same
    again = mx.mod.Module.load(out, EPOCH, context=mx.cpu())
    again.bind(data_shapes=[("data", shape(net))], for_training=False)
    close(again.predict(mx.io.NDArrayIter(g["predict_data"], batch_size=shape(net)[0])),
          g["predict"], f"{net} predict after a round trip")


def test_module_save_checkpoint_after_training(tmp_path):
    """A trained module's checkpoint holds its current parameters and moving statistics."""
    g = golden("mlp")
    mod = training_module("mlp", "Module.load")
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                          "momentum": 0.9})
    mod.forward_backward(batch(g["fb_data"], g["fb_label"]))
    mod.update()
    out = str(tmp_path / "trained")
    mod.save_checkpoint(out, 7, save_optimizer_states=True)
    assert sorted(os.listdir(tmp_path)) == ["trained-0007.params", "trained-0007.states",
                                            "trained-symbol.json"]
    arg_params, aux_params = mx.model.load_params(out, 7)
    for name in mod._param_names:
        np.testing.assert_array_equal(arg_params[name].asnumpy(),
                                      mod._exec.arg_dict[name].asnumpy())
    for name in mod._aux_names:
        close(aux_params[name], g[f"aux_after/{name}"], name)
    _, ref_args, _ = mx.model.load_checkpoint(prefix("mlp"), EPOCH)
    assert not np.array_equal(arg_params["fc2_weight"].asnumpy(),
                              ref_args["fc2_weight"].asnumpy())
    # the saved file is exactly nd.save of the same dict
    both = {f"arg:{k}": v for k, v in arg_params.items()}
    both.update({f"aux:{k}": v for k, v in aux_params.items()})
    mx.nd.save(str(tmp_path / "nd.params"), both)
    assert (tmp_path / "nd.params").read_bytes() == Path(params_file(out, 7)).read_bytes()
    # and Module.load with the optimizer states resumes from it
    again = mx.mod.Module.load(out, 7, load_optimizer_states=True, context=mx.cpu())
    again.bind(data_shapes=[("data", shape("mlp"))],
               label_shapes=[("softmax_label", shape("mlp")[:1])])
    again.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1,
                                                            "momentum": 0.9})
    for name in mod._param_names:
        np.testing.assert_array_equal(np.asarray(again._opt_states[name]),
                                      np.asarray(mod._opt_states[name]))


# --- 4. bad input ----------------------------------------------------------------------------

def _bound(net="mlp"):
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix(net), EPOCH)
    mod = mx.mod.Module(sym, context=mx.cpu())
    mod.bind(data_shapes=[("data", shape(net))], for_training=False)
    return mod, arg_params, aux_params


def test_missing_parameter():
    mod, arg_params, aux_params = _bound()
    missing = {k: v for k, v in arg_params.items() if k != "fc2_weight"}
    with pytest.raises(MXNetError, match="fc2_weight"):
        mod.init_params(arg_params=missing, aux_params=aux_params)
    with pytest.raises(MXNetError, match="fc2_weight"):
        mod.set_params(missing, aux_params)
    no_var = {"bn1_moving_mean": aux_params["bn1_moving_mean"]}
    with pytest.raises(MXNetError, match="bn1_moving_var"):
        mod.set_params(arg_params, no_var)
    # allow_missing=True: the initializer fills what is missing (as in MXNet 1.9.1: a weight
    # gets the Constant, a moving variance is initialised to ones by its name), the rest is
    # copied from the given dicts
    mod.init_params(mx.init.Constant(0.25), arg_params=missing, aux_params=no_var,
                    allow_missing=True, force_init=True)
    args, auxs = mod.get_params()
    np.testing.assert_array_equal(args["fc2_weight"].asnumpy(), np.full((3, 8), 0.25))
    np.testing.assert_array_equal(mod._exec.arg_dict["fc2_weight"].asnumpy(),
                                  np.full((3, 8), 0.25))
    np.testing.assert_array_equal(auxs["bn1_moving_var"].asnumpy(), np.ones(8))
    for name, value in missing.items():
        np.testing.assert_array_equal(mod._exec.arg_dict[name].asnumpy(), value.asnumpy())
    np.testing.assert_array_equal(mod._exec.aux_dict["bn1_moving_mean"].asnumpy(),
                                  aux_params["bn1_moving_mean"].asnumpy())


def test_extra_parameter():
    """MXNet 1.9.1 ignores given parameters the network lacks (a feature extractor cut
    from a full checkpoint takes all of its parameters), except in set_params with
    allow_missing=True and allow_extra=False, which raises its ValueError."""
    g = golden("mlp")
    mod, arg_params, aux_params = _bound()
    extra = dict(arg_params, bogus_weight=mx.nd.ones((2, 2)))
    extra_aux = dict(aux_params, bogus_moving_mean=mx.nd.zeros((2,)))
    predict = mx.io.NDArrayIter(g["predict_data"], batch_size=4)
    mod.init_params(arg_params=extra, aux_params=extra_aux, force_init=True)
    mod.set_params(extra, extra_aux)
    assert "bogus_weight" not in mod.get_params()[0]
    close(mod.predict(predict), g["predict"], "predict with extra parameters")
    with pytest.raises(ValueError, match='Find name "bogus_weight" that is not in the '
                                         'arguments'):
        mod.set_params(extra, aux_params, allow_missing=True)
    with pytest.raises(ValueError, match="Find name bogus_moving_mean that is not in the "
                                         "auxiliary states"):
        mod.set_params(arg_params, extra_aux, allow_missing=True)
    mod.set_params(extra, extra_aux, allow_missing=True, allow_extra=True)
    close(mod.predict(predict), g["predict"], "predict with allow_extra")


def test_wrong_shape_parameter():
    mod, arg_params, aux_params = _bound()
    wrong = dict(arg_params, fc2_weight=mx.nd.ones((8, 3)))
    with pytest.raises(MXNetError, match="fc2_weight"):
        mod.set_params(wrong, aux_params)


def _damaged(tmp_path, data, name="bad"):
    out = tmp_path / name
    (tmp_path / f"{name}-symbol.json").write_bytes(Path(f"{prefix('mlp')}-symbol.json")
                                                   .read_bytes())
    Path(params_file(out)).write_bytes(data)
    return str(out)


@pytest.mark.parametrize("cut", [0, 4, 20, 100, 500, -1])
def test_truncated_params_file(tmp_path, cut):
    data = Path(params_file(prefix("mlp"))).read_bytes()
    out = _damaged(tmp_path, data[:cut])
    with pytest.raises(MXNetError, match=r"(invalid|truncated) NDArray file"):
        mx.model.load_checkpoint(out, EPOCH)
    with pytest.raises(MXNetError, match=r"(invalid|truncated) NDArray file"):
        mx.mod.Module.load(out, EPOCH)


def test_corrupt_params_file(tmp_path):
    data = Path(params_file(prefix("mlp"))).read_bytes()
    with pytest.raises(MXNetError, match="expected magic 0x112"):
        mx.model.load_checkpoint(_damaged(tmp_path, b"\0" * 8 + data[8:], "magic"), EPOCH)
    with pytest.raises(MXNetError, match="3 bytes of trailing data"):
        mx.model.load_checkpoint(_damaged(tmp_path, data + b"\1\2\3", "tail"), EPOCH)
    # unnamed arrays, or names without 'arg:' / 'aux:', are not a parameter file
    mx.nd.save(str(tmp_path / "x.params"), [mx.nd.ones((2,))])
    with pytest.raises(MXNetError, match="unnamed"):
        mx.model.load_checkpoint(_damaged(tmp_path, (tmp_path / "x.params").read_bytes(),
                                          "list"), EPOCH)
    mx.nd.save(str(tmp_path / "y.params"), {"fc1_weight": mx.nd.ones((2,))})
    with pytest.raises(MXNetError, match="fc1_weight"):
        mx.model.load_checkpoint(_damaged(tmp_path, (tmp_path / "y.params").read_bytes(),
                                          "prefixless"), EPOCH)


def test_corrupt_symbol_file(tmp_path):
    out = _damaged(tmp_path, Path(params_file(prefix("mlp"))).read_bytes())
    text = Path(f"{prefix('mlp')}-symbol.json").read_text()
    Path(f"{out}-symbol.json").write_text(text[:len(text) // 2])
    with pytest.raises(MXNetError, match="invalid symbol JSON"):
        mx.model.load_checkpoint(out, EPOCH)


def test_missing_files(tmp_path):
    with pytest.raises((MXNetError, OSError), match="nothing-symbol.json"):
        mx.model.load_checkpoint(str(tmp_path / "nothing"), EPOCH)
    out = _damaged(tmp_path, b"")
    os.remove(params_file(out))
    with pytest.raises((MXNetError, OSError), match="0003.params"):
        mx.model.load_checkpoint(out, EPOCH)
    with pytest.raises((MXNetError, OSError), match="0003.params"):
        mx.mod.Module.load(out, EPOCH)


def test_failed_save_leaves_nothing(tmp_path, monkeypatch):
    sym, arg_params, aux_params = mx.model.load_checkpoint(prefix("mlp"), EPOCH)
    # into a folder that does not exist: an error, and nothing is created
    with pytest.raises((MXNetError, OSError), match="folder .*no' does not exist"):
        mx.model.save_checkpoint(str(tmp_path / "no" / "net"), EPOCH, sym, arg_params,
                                 aux_params)
    mod = inference_module("mlp", "Module.load")
    with pytest.raises((MXNetError, OSError), match="folder .*no' does not exist"):
        mod.save_checkpoint(str(tmp_path / "no" / "net"), EPOCH)
    assert os.listdir(tmp_path) == []
    # a write that fails part way leaves an earlier checkpoint as it was, and no stray file
    out = str(tmp_path / "net")
    mx.model.save_checkpoint(out, EPOCH, sym, arg_params, aux_params)
    before = {p: (tmp_path / p).read_bytes() for p in os.listdir(tmp_path)}

    def disk_full(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(_format.os, "fsync", disk_full)
    changed = dict(arg_params, fc2_bias=mx.nd.ones((3,)))
    with pytest.raises(OSError, match="No space"):
        mx.model.save_checkpoint(out, EPOCH, sym, changed, aux_params)
    with pytest.raises(OSError, match="No space"):
        mx.model.save_params(params_file(out), changed, aux_params)
    with pytest.raises(OSError, match="No space"):
        mod.save_checkpoint(out, EPOCH)
    monkeypatch.undo()
    assert {p: (tmp_path / p).read_bytes() for p in os.listdir(tmp_path)} == before


# --- the helper behind the MXNet-side check --------------------------------------------------

def write_for_mxnet(out_dir):
    """Train each golden net with symjax_mx, save its checkpoint into ``out_dir`` and write
    ``<net>.npz`` with what symjax_mx computes from it, for check_with_mxnet.py."""
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for net in NETS:
        data_shape, classes = make_golden.NETS[net]
        rng = np.random.RandomState(1234 + len(net))
        mx.random.seed(7)
        mod = mx.mod.Module(make_golden.build(mx, net), context=mx.cpu())
        mod.bind(data_shapes=[("data", data_shape)],
                 label_shapes=[("softmax_label", data_shape[:1])])
        mod.init_params(mx.init.Xavier(magnitude=2.0))
        mod.init_optimizer(optimizer="sgd",
                           optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
        for _ in range(4):
            mod.forward_backward(batch(*make_golden.draw(rng, data_shape, classes, 0.6)))
            mod.update()
        out = os.path.join(out_dir, net)
        if net == "mlp":
            mod.save_checkpoint(out, EPOCH)
        else:
            mx.model.save_checkpoint(out, EPOCH, mod.symbol, *mod.get_params())
        arg_params, aux_params = mod.get_params()
        result = {"batch_size": np.array(data_shape[0])}
        result.update({f"arg/{k}": v.asnumpy() for k, v in arg_params.items()})
        result.update({f"aux/{k}": v.asnumpy() for k, v in aux_params.items()})

        pmod = mx.mod.Module.load(out, EPOCH, context=mx.cpu())
        pmod.bind(data_shapes=[("data", data_shape)], for_training=False)
        predict_data, _ = make_golden.draw(rng, (2 * data_shape[0],) + data_shape[1:],
                                           classes, 0.4)
        result["predict_data"] = predict_data
        result["predict"] = pmod.predict(
            mx.io.NDArrayIter(predict_data, batch_size=data_shape[0])).asnumpy()

        tmod = mx.mod.Module.load(out, EPOCH, context=mx.cpu())
        tmod.bind(data_shapes=[("data", data_shape)],
                  label_shapes=[("softmax_label", data_shape[:1])], inputs_need_grad=True)
        fb_data, _ = make_golden.draw(rng, data_shape, classes, 0.2)
        fb_label = (np.arange(data_shape[0]) % classes).astype(np.float32)
        tmod.forward_backward(batch(fb_data, fb_label))
        result.update(fb_data=fb_data, fb_label=fb_label,
                      fb_out=tmod.get_outputs()[0].asnumpy(),
                      input_grad=tmod.get_input_grads()[0].asnumpy())
        result.update({f"grad/{k}": tmod._exec.grad_dict[k].asnumpy()
                       for k in tmod._param_names})
        result.update({f"aux_after/{k}": tmod._exec.aux_dict[k].asnumpy()
                       for k in tmod._aux_names})
        np.savez(os.path.join(out_dir, f"{net}.npz"), **result)
        written.append((out, result))
    return written


def test_write_for_mxnet(tmp_path):
    for out, result in write_for_mxnet(str(tmp_path)):
        net = os.path.basename(out)
        assert sorted(p for p in os.listdir(tmp_path) if p.startswith(net)) == sorted(
            [f"{net}-symbol.json", f"{net}-0003.params", f"{net}.npz"])
        sym, arg_params, aux_params = mx.model.load_checkpoint(out, EPOCH)
        ref = mx.sym.load(f"{prefix(net)}-symbol.json")
        assert sym.list_arguments() == ref.list_arguments()
        assert sym.list_auxiliary_states() == ref.list_auxiliary_states()
        for kind, params in (("arg", arg_params), ("aux", aux_params)):
            for name, value in params.items():
                np.testing.assert_array_equal(value.asnumpy(), result[f"{kind}/{name}"])
        # training moved the statistics, and the prediction is not trivially uniform
        assert np.abs(aux_params["bn1_moving_mean"].asnumpy()).max() > 0.1
        assert result["predict"].std() > 1e-3
        with np.load(os.path.join(tmp_path, f"{net}.npz")) as z:
            assert set(z) == set(result)

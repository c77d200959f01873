"""How symjax_mx's compiled programs are formulated for XLA: the inference rewrites keep
the outputs, and the programs avoid the backend formulations known to be slow."""
import re

import jax

import symjax_mx as mx
from symjax_mx import x64


def _bound(symbol, shape):
    mod = mx.mod.Module(symbol, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", shape)], for_training=False)
    return mod


def _infer_hlo(mod):
    """The optimized HLO text of a bound Module's inference program (compiled, not run)."""
    ex = mod._exec_group.execs[0]
    args = {n: jax.ShapeDtypeStruct(a.shape, a.dtype) for n, a in ex.arg_dict.items()}
    aux = {n: jax.ShapeDtypeStruct(a.shape, a.dtype) for n, a in ex.aux_dict.items()}
    with x64.scope():
        return ex._compiled.infer.jitted.lower(args, aux, None, False).compile().as_text()


def test_stacked_fully_connected_layers_are_not_fused_into_one_library_call():
    # VGG's classifier: XLA's CPU backend fused pooling and both wide products into one
    # YNNPACK subgraph that recomputed the first product per tile of the second (minutes)
    x = mx.sym.Pooling(mx.sym.var("data"), kernel=(2, 2), stride=(2, 2), pool_type="max")
    for i in range(2):
        x = mx.sym.Activation(mx.sym.FullyConnected(x, num_hidden=4096, name=f"fc{i}"),
                              act_type="relu")
    hlo = _infer_hlo(_bound(x, (2, 512, 4, 4)))
    assert hlo.count(" dot(") == 2
    assert max(body.count(" dot(") for body in re.split(r"\n\n", hlo)) == 1

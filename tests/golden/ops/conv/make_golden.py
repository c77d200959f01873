"""Write golden.npz: outputs (and some gradients) of MXNet 1.9.1's dense and convolution
operators on small seeded inputs. Run with the real MXNet: ``/tmp/mxref/bin/python
make_golden.py``.

Each case ``name`` stores ``name/in0``, ``name/in1``..., ``name/out`` and, where a head
gradient is given, ``name/head`` and ``name/grad0`` (the gradient of the first input).
The params live in CASES below, which the tests import. Cases marked native run with
oneDNN disabled (MXNet's own kernels), since oneDNN rejects them on CPU.
"""
import os
import subprocess
import sys

import numpy as np

CASES = {
    "fc_flatten": (dict(op="FullyConnected", num_hidden=4), [(2, 3, 2), (4, 6), (4,)]),
    "fc_last_axis": (dict(op="FullyConnected", num_hidden=3, flatten=False, no_bias=True),
                     [(2, 2, 5), (3, 5)]),
    "conv2d_group": (dict(op="Convolution", kernel=(3, 3), num_filter=6, num_group=2,
                          stride=(2, 1), pad=(1, 2), dilate=(1, 2)),
                     [(2, 4, 7, 6), (6, 2, 3, 3), (6,)]),
    "conv2d_depthwise": (dict(op="Convolution", kernel=(3, 3), num_filter=4, num_group=4,
                              stride=(2, 2), pad=(1, 1)),
                         [(2, 4, 7, 6), (4, 1, 3, 3), (4,)]),
    "conv2d_depthwise_x2": (dict(op="Convolution", kernel=(3, 2), num_filter=6, num_group=3,
                                 pad=(2, 0), dilate=(2, 1), no_bias=True),
                            [(1, 3, 6, 5), (6, 1, 3, 2)]),
    "conv1d_depthwise": (dict(op="Convolution", kernel=(5,), num_filter=2, num_group=2,
                              pad=(2,)), [(2, 2, 9), (2, 1, 5), (2,)]),
    "conv1d": (dict(op="Convolution", kernel=(3,), num_filter=4, stride=(2,), pad=(1,),
                    no_bias=True), [(2, 3, 9), (4, 3, 3)]),
    "conv3d": (dict(op="Convolution", kernel=(2, 3, 2), num_filter=3, pad=(1, 0, 1)),
               [(1, 2, 5, 4, 4), (3, 2, 2, 3, 2), (3,)]),
    "deconv2d_adj": (dict(op="Deconvolution", kernel=(3, 3), num_filter=6, num_group=2,
                          stride=(2, 2), pad=(1, 1), adj=(1, 0), no_bias=False),
                     [(2, 4, 3, 3), (4, 3, 3, 3), (6,)]),
    "deconv1d_dilate": (dict(op="Deconvolution", kernel=(3,), num_filter=2, stride=(2,),
                             dilate=(2,), pad=(1,)), [(1, 2, 5), (2, 2, 3)]),
    "deconv2d_target": (dict(op="Deconvolution", kernel=(3, 3), num_filter=3, stride=(2, 2),
                             target_shape=(8, 7), native=True), [(1, 2, 4, 4), (2, 3, 3, 3)]),
    "deconv2d_target_stride3": (dict(op="Deconvolution", kernel=(4, 4), num_filter=2,
                                     stride=(3, 3), target_shape=(9, 8), native=True),
                                [(1, 1, 3, 3), (1, 2, 4, 4)]),
    "pool_max_full": (dict(op="Pooling", kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                           pooling_convention="full", grad=True), [(2, 3, 7, 6)]),
    "pool_avg_full_nopad": (dict(op="Pooling", pool_type="avg", kernel=(3, 3), stride=(2, 2),
                                 pad=(1, 1), pooling_convention="full",
                                 count_include_pad=False), [(2, 2, 6, 7)]),
    "pool_avg_valid_pad": (dict(op="Pooling", pool_type="avg", kernel=(3, 2), stride=(2, 2),
                                pad=(1, 1)), [(1, 2, 7, 6)]),
    "pool_avg_global": (dict(op="Pooling", pool_type="avg", global_pool=True, kernel=(2, 2)),
                        [(2, 3, 5, 4)]),
    "pool_max_global": (dict(op="Pooling", global_pool=True), [(2, 3, 5, 4)]),
    "pool_sum_global_1d": (dict(op="Pooling", pool_type="sum", global_pool=True), [(2, 3, 5)]),
    "pool_lp2": (dict(op="Pooling", pool_type="lp", p_value=2, kernel=(2, 2)), [(1, 2, 4, 5)]),
    "pool_lp3": (dict(op="Pooling", pool_type="lp", p_value=3, kernel=(2, 2), stride=(2, 2)),
                 [(1, 2, 4, 4)]),
    "pool_sum_1d": (dict(op="Pooling", pool_type="sum", kernel=(3,), stride=(2,), pad=(1,)),
                    [(2, 2, 8)]),
    "pool_max_3d": (dict(op="Pooling", kernel=(2, 2, 2), stride=(2, 2, 2), grad=True),
                    [(1, 2, 4, 4, 5)]),
    "pool_avg_nhwc": (dict(op="Pooling", pool_type="avg", kernel=(2, 2), stride=(2, 2),
                           layout="NHWC"), [(2, 4, 5, 3)]),
    "pool_max_ties_tiles": (dict(op="Pooling", kernel=(2, 2), stride=(2, 2), grad=True,
                                 ties=True), [(2, 2, 4, 6)]),
    "pool_max_ties_overlap": (dict(op="Pooling", kernel=(3, 3), stride=(1, 1), pad=(1, 1),
                                   grad=True, ties=True), [(1, 2, 5, 5)]),
    "pool_max_ties_stem": (dict(op="Pooling", kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                grad=True, ties=True), [(2, 2, 9, 8)]),
    "pool_max_ties_1d": (dict(op="Pooling", kernel=(4,), stride=(3,), pad=(2,),
                              pooling_convention="full", grad=True, ties=True), [(2, 2, 11)]),
    "pool_max_ties_3d": (dict(op="Pooling", kernel=(2, 3, 2), stride=(1, 2, 2), grad=True,
                              ties=True), [(1, 2, 3, 7, 5)]),
    "pool_max_ties_nhwc": (dict(op="Pooling", kernel=(3, 2), stride=(2, 1), layout="NHWC",
                                grad=True, ties=True, native=True), [(2, 7, 5, 3)]),
    "pool_max_gaps": (dict(op="Pooling", kernel=(2, 2), stride=(3, 3), grad=True),
                      [(1, 2, 8, 7)]),
    "upsample_nearest_concat": (dict(op="UpSampling", scale=2, sample_type="nearest"),
                                [(1, 2, 3, 2), (1, 1, 6, 4), (1, 3, 3, 2)]),
    "upsample_nearest_sum": (dict(op="UpSampling", scale=3, sample_type="nearest",
                                  multi_input_mode="sum"), [(2, 2, 2, 2), (2, 2, 3, 3)]),
    "upsample_bilinear2": (dict(op="UpSampling", scale=2, sample_type="bilinear",
                                num_filter=2), [(1, 2, 3, 3), (2, 1, 4, 4)]),
    "upsample_bilinear3": (dict(op="UpSampling", scale=3, sample_type="bilinear",
                                num_filter=3), [(1, 3, 2, 2), (3, 1, 5, 5)]),
    "embedding": (dict(op="Embedding", input_dim=5, output_dim=3, indices=True),
                  [(2, 4), (5, 3)]),
}
_EXTRA = ("op", "native", "grad", "ties", "indices")


def params_of(name):
    """The operator name and its MXNet params for case ``name``."""
    spec = CASES[name][0]
    return spec["op"], {k: v for k, v in spec.items() if k not in _EXTRA}


def inputs_of(name):
    """The case's seeded float32 inputs (indices for Embedding, small integers for ties)."""
    spec, shapes = CASES[name]
    rs = np.random.default_rng(sum(map(ord, name)))
    arrays = []
    for i, shape in enumerate(shapes):
        if spec.get("indices") and i == 0:
            arrays.append(np.array([[0, 4, 7, -1], [2.7, 1.2, -0.6, 3]], np.float32))
        elif spec.get("ties"):
            arrays.append(rs.integers(0, 3, shape).astype(np.float32))
        else:
            arrays.append(rs.uniform(-1, 1, shape).astype(np.float32))
    return arrays


def _run(names, path):
    import mxnet as mx
    out = {}
    for name in names:
        op, params = params_of(name)
        xs = [mx.nd.array(x) for x in inputs_of(name)]
        xs[0].attach_grad()
        with mx.autograd.record():
            y = getattr(mx.nd, op)(*xs, **params)
        out[f"{name}/out"] = y.asnumpy()
        if CASES[name][0].get("grad"):
            head = np.random.default_rng(1).uniform(-1, 1, y.shape).astype(np.float32)
            y.backward(mx.nd.array(head))
            out[f"{name}/head"] = head
            out[f"{name}/grad0"] = xs[0].grad.asnumpy()
    np.savez_compressed(path, **out)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    native = [n for n, (spec, _) in CASES.items() if spec.get("native")]
    if sys.argv[1:] == ["--native"]:
        _run(native, os.path.join(here, "native.npz"))
        return
    env = dict(os.environ, MXNET_MKLDNN_ENABLED="0", MXNET_STORAGE_FALLBACK_LOG_VERBOSE="0")
    subprocess.run([sys.executable, __file__, "--native"], env=env, check=True)
    _run([n for n in CASES if n not in native], os.path.join(here, "default.npz"))
    merged = dict(np.load(os.path.join(here, "default.npz")))
    merged.update(np.load(os.path.join(here, "native.npz")))
    for part in ("default.npz", "native.npz"):
        os.remove(os.path.join(here, part))
    np.savez_compressed(os.path.join(here, "golden.npz"), **merged)


if __name__ == "__main__":
    main()

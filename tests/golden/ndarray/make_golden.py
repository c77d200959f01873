"""Golden NDArray files written by real MXNet 1.9.1, for tests/test_format.py.

Regenerate (needs a Python with mxnet 1.9.1; symjax_mx itself never imports mxnet)::

    /tmp/mxref/bin/python tests/golden/ndarray/make_golden.py

``golden_arrays()`` is numpy-only, so the tests import it without mxnet.  Files written here:

* ``list.params``   -- ``mx.nd.save(f, [arrays...])``
* ``dict.params``   -- ``mx.nd.save(f, {name: array})``
* ``single.params`` -- ``mx.nd.save(f, one_ndarray)`` (MXNet writes a list of one)
* ``legacy_v1.params`` -- hand-built here with struct in the older V1 layout (magic 0xF993FAC8,
  no storage-type field), dict form; MXNet 1.9.1 loads it (checked below) and it must decode to
  exactly ``golden_arrays()``.
* ``scalar_v2.params`` -- ``mx.nd.save(f, [mx.nd.array(3.0)])``: MXNet 1.9.1 writes a 0-d array
  as ndim 0 followed by device, type flag and one float32; note that MXNet 1.9.1 itself can NOT
  load this file back (outside np-shape mode it reads V2 ndim 0 as "unknown shape" and stops
  after the shape), so this is checked only as "saves without error" here.
* ``np_shape_v3.params`` -- ``[mx.nd.array(3.0), mx.nd.array([1.5, 2.5]), zeros (2, 0)]`` saved
  under ``mx.util.set_np_shape(True)``: MXNet writes the V3 layout (magic 0xF993FACA, i32 ndim).
  It loads back only in np-shape mode (checked below).
* ``sparse_csr.params`` / ``sparse_rsp.params`` -- CSR and row_sparse arrays made by
  ``tostype`` and saved by MXNet (whose files then record an empty storage shape).

Every dtype MXNet 1.9.1 supports (float32, float64, float16, uint8, int8, int32, int64, bool) can
be created with ``mx.nd.array(np_array, dtype=...)``, so none is left out.
"""
import collections
import os
import struct

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

V1_MAGIC = 0xF993FAC8
TYPE_FLAG = {"float32": 0, "float64": 1, "float16": 2, "uint8": 3, "int32": 4, "int8": 5,
             "int64": 6, "bool": 7}


def golden_arrays():
    """name -> small deterministic numpy array, in file order."""
    g = collections.OrderedDict()
    g["float32"] = np.array([[1.5, -2.25, 3.0], [0.0, 1e-3, -7.5]], dtype=np.float32)
    g["float64"] = np.array([1.0 / 3.0, -2.5e300, np.inf, np.nan], dtype=np.float64)
    g["float16"] = np.array([0.5, -1.0, 65504.0, 6e-5], dtype=np.float16)
    g["uint8"] = np.array([0, 1, 127, 255], dtype=np.uint8)
    g["int8"] = np.array([-128, -1, 0, 127], dtype=np.int8)
    g["int32"] = np.array([[-2**31, -1], [0, 2**31 - 1]], dtype=np.int32)
    g["int64"] = np.array([-2**63, 0, 2**53 + 1, 2**63 - 1], dtype=np.int64)
    g["bool"] = np.array([True, False, True], dtype=np.bool_)
    g["empty"] = np.zeros((0,), dtype=np.float32)
    g["empty_2x0"] = np.zeros((2, 0), dtype=np.int32)
    g["one"] = np.array([42.0], dtype=np.float32)
    g["float32_3d"] = np.arange(8, dtype=np.float32).reshape(2, 2, 2) - 3.5
    return g


def v1_file(arrays, names):
    """An NDArray file in the V1 layout (u32 ndim, i64 dims, no storage type), built by hand."""
    out = [struct.pack("<QQQ", 0x112, 0, len(arrays))]
    for a in arrays:
        out.append(struct.pack("<II", V1_MAGIC, a.ndim))
        out.append(struct.pack(f"<{a.ndim}q", *a.shape))
        out.append(struct.pack("<iii", 1, 0, TYPE_FLAG[a.dtype.name]))
        out.append(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes())
    out.append(struct.pack("<Q", len(names)))
    for n in names:
        raw = n.encode("utf-8")
        out.append(struct.pack("<Q", len(raw)) + raw)
    return b"".join(out)


def _assert_same(got, want, what):
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want, err_msg=what)


def main():
    import mxnet as mx

    g = golden_arrays()
    nds = collections.OrderedDict((k, mx.nd.array(v, dtype=v.dtype)) for k, v in g.items())
    for k, v in g.items():
        _assert_same(nds[k].asnumpy(), v, f"mx.nd.array {k}")

    def path(name):
        return os.path.join(HERE, name)

    mx.nd.save(path("list.params"), list(nds.values()))
    mx.nd.save(path("dict.params"), dict(nds))
    mx.nd.save(path("single.params"), nds["float32"])
    with open(path("legacy_v1.params"), "wb") as f:
        f.write(v1_file(list(g.values()), list(g.keys())))
    mx.nd.save(path("scalar_v2.params"), [mx.nd.array(3.0)])
    with mx.util.np_shape(True):
        mx.nd.save(path("np_shape_v3.params"),
                   [mx.nd.array(3.0), mx.nd.array([1.5, 2.5]), mx.nd.zeros((2, 0))])
    csr = mx.nd.array([[0, 1.5, 0], [2.0, 0, 0]]).tostype("csr")
    mx.nd.save(path("sparse_csr.params"), [csr])
    rsp = mx.nd.array([[0, 0], [1.5, 2], [0, 0]]).tostype("row_sparse")
    mx.nd.save(path("sparse_rsp.params"), [rsp])

    # Everything real MXNet can read back must hold the golden values.
    loaded = mx.nd.load(path("list.params"))
    for (k, v), nd in zip(g.items(), loaded):
        _assert_same(nd.asnumpy(), v, f"list.params {k}")
    for name in ("dict.params", "legacy_v1.params"):
        loaded = mx.nd.load(path(name))
        assert list(loaded) == list(g), (name, list(loaded))
        for k, v in g.items():
            _assert_same(loaded[k].asnumpy(), v, f"{name} {k}")
    (single,) = mx.nd.load(path("single.params"))
    _assert_same(single.asnumpy(), g["float32"], "single.params")
    with mx.util.np_shape(True):
        v3 = mx.nd.load(path("np_shape_v3.params"))
        assert [a.shape for a in v3] == [(), (2,), (2, 0)], [a.shape for a in v3]
        assert float(v3[0].asnumpy()) == 3.0
    assert mx.nd.load(path("sparse_csr.params"))[0].stype == "csr"
    assert mx.nd.load(path("sparse_rsp.params"))[0].indices.asnumpy().tolist() == [1]

    for name in sorted(os.listdir(HERE)):
        if name.endswith(".params"):
            size = os.path.getsize(path(name))
            assert size < 10_000, (name, size)
            print(f"wrote {name} ({size} bytes)")


if __name__ == "__main__":
    main()

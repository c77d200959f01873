"""Sparse storage: CSRNDArray / RowSparseNDArray, storage inference, sparse files,
sparse gradients and the sparse test helpers, checked against MXNet 1.9.1's behaviour."""
import json
import os
import pickle

import numpy as np
import pytest
import scipy.sparse as spsp

import symjax_mx as mx
from symjax_mx.base import MXNetError
from symjax_mx.ndarray.sparse import CSRNDArray, RowSparseNDArray
from symjax_mx.ndarray.storage import output_stypes
from symjax_mx.ops import get_op
from symjax_mx.test_utils import check_numeric_gradient, rand_ndarray, rand_sparse_ndarray

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "sparse")
DENSE = np.array([[0, 1, 0], [2, 0, 3]], np.float32)


def _np(array):
    return array.asnumpy().tolist()


# --- creation and components -----------------------------------------------------------

def test_tostype_derives_nonzeros_and_nonzero_rows():
    csr = mx.nd.array(DENSE).tostype("csr")
    assert isinstance(csr, CSRNDArray) and csr.stype == "csr"
    assert _np(csr.data) == [1, 2, 3] and _np(csr.indices) == [1, 0, 2]
    assert _np(csr.indptr) == [0, 1, 3] and csr.indices.dtype == np.int64
    rsp = mx.nd.array([[0, 0], [1, 0], [0, 0]]).tostype("row_sparse")
    assert _np(rsp.indices) == [1] and _np(rsp.data) == [[1, 0]]
    assert rsp._num_aux == 1 and csr._num_aux == 2
    assert _np(rsp.tostype("default")) == [[0, 0], [1, 0], [0, 0]]
    with pytest.raises(ValueError, match="2-D"):
        mx.nd.array([1, 2]).tostype("csr")
    with pytest.raises(ValueError, match="csr to row_sparse"):
        csr.tostype("row_sparse")


def test_csr_matrix_forms():
    given = mx.nd.sparse.csr_matrix(([1.0, 0.0, 3.0], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 3))
    assert _np(given.data) == [1, 0, 3]  # explicit zeros stay stored
    assert _np(given) == [[1, 0, 0], [0, 0, 0], [0, 3, 0]]
    inferred = mx.nd.sparse.csr_matrix(([1.0], [4], [0, 0, 1]), dtype="float64")
    assert inferred.shape == (2, 5) and inferred.dtype == np.float64
    coo = mx.nd.sparse.csr_matrix(([5.0, 6.0], ([1, 0], [2, 1])), shape=(2, 3))
    assert _np(coo.indptr) == [0, 1, 2] and _np(coo.indices) == [1, 2]
    non_canonical = spsp.csr_matrix((np.array([1.0, 2, 3]), np.array([2, 0, 2]),
                                     np.array([0, 3])), shape=(1, 3))
    from_scipy = mx.nd.array(non_canonical)
    assert isinstance(from_scipy, CSRNDArray)
    assert _np(from_scipy.indices) == [0, 2] and _np(from_scipy.data) == [2, 4]
    assert from_scipy.dtype == np.float64
    empty = mx.nd.sparse.csr_matrix((2, 4), ctx=mx.cpu(1), dtype="int32")
    assert empty.context == mx.cpu(1) and empty.dtype == np.int32 and _np(empty.indptr) == [0, 0, 0]
    from_dense = mx.nd.sparse.csr_matrix(np.ones((2, 2), np.float64))
    assert from_dense.dtype == np.float64 and mx.nd.sparse.csr_matrix([[1, 0]]).dtype == np.float32
    with pytest.raises(ValueError):
        mx.nd.sparse.csr_matrix((2, 2), shape=(3, 2))
    with pytest.raises(ValueError):
        mx.nd.sparse.csr_matrix(mx.nd.ones((2, 2)), shape=(3, 2))


def test_row_sparse_array_forms():
    rsp = mx.nd.sparse.row_sparse_array(([[1, 2], [0, 0]], [1, 3]), shape=(4, 2))
    assert _np(rsp.indices) == [1, 3] and _np(rsp.data) == [[1, 2], [0, 0]]
    assert mx.nd.sparse.row_sparse_array(([[1.0]], [6])).shape == (7, 1)
    zeros = mx.nd.sparse.row_sparse_array((np.int64(3), np.int32(2, )), dtype="int32")
    assert zeros.shape == (3, 2) and zeros.data.shape == (0, 2) and zeros.dtype == np.int32
    copy = mx.nd.sparse.row_sparse_array(rsp, dtype="float64", ctx=mx.cpu(1))
    assert copy.dtype == np.float64 and copy.context == mx.cpu(1) and _np(copy.indices) == [1, 3]
    assert mx.Context.default_ctx == mx.current_context()
    with pytest.raises(ValueError):
        mx.nd.sparse.row_sparse_array((2, 2), shape=(3, 2))
    with pytest.raises(ValueError):
        mx.nd.sparse.zeros("invalid", (2, 2))


def test_zeros_empty_and_array_take_storage_types():
    for stype, cls in (("csr", CSRNDArray), ("row_sparse", RowSparseNDArray)):
        for make in (mx.nd.zeros, mx.nd.empty):
            array = make((2, 3), stype=stype)
            assert isinstance(array, cls) and _np(array) == [[0] * 3] * 2
    assert mx.nd.zeros((2,), stype="default").stype == "default"
    assert isinstance(mx.nd.sparse.array(mx.nd.zeros((2, 2), stype="csr")), CSRNDArray)


def test_check_format_finds_invalid_components():
    mx.nd.sparse.csr_matrix(([7, 8, 9], [0, 2, 1], [0, 2, 2, 3]), shape=(3, 4)).check_format()
    for indices, indptr in (([0, 2, 1], [0, 5, 2, 3]), ([2, 1, 1], [0, 2, 2, 3]),
                            ([1, 2, 1], [0, 2, 2, 4]), ([0, 2, 1], [0, -2, 2, 3])):
        bad = mx.nd.sparse.csr_matrix(([7, 8, 9], indices, indptr), shape=(3, 4))
        with pytest.raises(mx.MXNetError, match="check_format"):
            bad.check_format()
    for indices in ([1, 4], [1, 0], [1, -2]):
        bad = mx.nd.sparse.row_sparse_array(([[1, 2], [3, 4]], indices), shape=(3, 2))
        with pytest.raises(mx.MXNetError):
            bad.check_format()


def test_csr_rows_scipy_copy_astype_and_unsupported():
    csr = mx.nd.array(DENSE).tostype("csr")
    assert _np(csr[1]) == [[2, 0, 3]] and csr[0:1].stype == "csr" and _np(csr[-1]) == [[2, 0, 3]]
    assert csr[:] is csr
    assert (csr.asscipy().toarray() == DENSE).all()
    target = mx.nd.zeros((2, 3), stype="csr", dtype="float64")
    csr.copyto(target)
    assert target.dtype == np.float64 and _np(target.indices) == [1, 0, 2]
    assert csr.astype("int32").dtype == np.int32 and csr.astype("float32", copy=False) is csr
    with pytest.raises(TypeError):
        csr.copyto(mx.nd.zeros((2, 3), stype="row_sparse"))
    with pytest.raises(mx.MXNetError):
        mx.nd.zeros((2, 2), stype="row_sparse").reshape((4,))
    restored = pickle.loads(pickle.dumps(csr))
    assert isinstance(restored, CSRNDArray) and _np(restored) == DENSE.tolist()


def test_setitem_assigns_whole_array():
    rsp = mx.nd.zeros((2, 2), stype="row_sparse")
    rsp[:] = 2
    assert _np(rsp) == [[2, 2], [2, 2]]
    csr = mx.nd.zeros((2, 2), stype="csr")
    csr[:] = np.eye(2)
    assert _np(csr.indices) == [0, 1]
    with pytest.raises(ValueError):
        csr[:] = 1


# --- storage inference ------------------------------------------------------------------

def test_storage_rules_match_mxnet():
    """Every (operator, params, input storage) MXNet 1.9.1 ran, with its result storage
    (tests/golden/sparse/make_stypes.py)."""
    with open(os.path.join(GOLDEN, "stypes.json")) as f:
        rows = json.load(f)
    checked = 0
    for name, params, stypes, shapes, want in rows:
        if name == "_grad_add":  # an MXNet-internal operator we do not have
            continue
        op = get_op(name)
        got = output_stypes(op.name, op.parse_params(params), stypes,
                            [tuple(s) for s in shapes], 1)
        assert (got or ["default"])[0] == want, (name, params, stypes, shapes)
        checked += 1
    assert checked > 500


def test_results_keep_structure_like_mxnet_kernels():
    rsp = mx.nd.sparse.row_sparse_array(([[1.0, 2], [0, 0]], [0, 2]), shape=(4, 2))
    assert (rsp * 2).stype == "row_sparse" and _np((rsp * 2).indices) == [0, 2]
    assert _np((rsp + rsp).indices) == [0, 2]
    assert (rsp + 1).stype == "default" and (rsp == 1).stype == "row_sparse"
    retained = mx.nd.sparse.retain(rsp, mx.nd.array([2, 3]))
    assert _np(retained.indices) == [2, 3] and _np(retained) == [[0, 0], [0, 0], [0, 0], [0, 0]]
    csr = mx.nd.array(DENSE).tostype("csr")
    assert (csr * mx.nd.array(DENSE)).stype == "csr" and (csr + mx.nd.array(DENSE)).stype == "default"
    csr *= 2
    assert csr.stype == "csr" and _np(csr) == (DENSE * 2).tolist()


def test_sparse_operators():
    csr = mx.nd.array(DENSE).tostype("csr")
    out = mx.nd.dot(csr, mx.nd.ones((2, 2)), transpose_a=True)
    assert out.stype == "row_sparse" and _np(out) == [[2, 2], [1, 1], [3, 3]]
    assert mx.nd.dot(mx.nd.ones((1, 2)), csr).stype == "csr"
    assert mx.nd.dot(csr, mx.nd.ones((3, 1)), forward_stype="row_sparse").stype == "row_sparse"
    rsp = mx.nd.array(DENSE).tostype("row_sparse")
    total = mx.nd.sparse.add_n(rsp, rsp, rsp)
    assert total.stype == "row_sparse" and _np(total) == (3 * DENSE).tolist()
    squares = mx.nd._internal._square_sum(rsp, axis=1, keepdims=True)
    assert squares.stype == "row_sparse" and _np(squares) == [[1], [13]]
    assert _np(mx.nd.contrib.getnnz(csr, axis=1)) == [1, 2]
    assert _np(mx.nd.sparse.slice(csr, begin=(1, 0), end=(2, 2))) == [[2, 0]]
    assert mx.nd.contrib.quadratic(csr, a=1, b=1, c=0).stype == "csr"


# --- files -----------------------------------------------------------------------------

def test_load_mxnet_written_sparse_file_and_save_it_identically(tmp_path):
    path = os.path.join(GOLDEN, "sparse_arrays.params")
    loaded = mx.nd.load(path)
    csr, rsp, empty = loaded["csr"], loaded["rsp"], loaded["empty"]
    assert isinstance(csr, CSRNDArray) and _np(csr.data) == [1.5, 0, -2]
    assert _np(csr.indptr) == [0, 2, 2, 3] and _np(csr.indices) == [0, 2, 1]
    assert rsp.dtype == np.float64 and _np(rsp.indices) == [1, 3] and rsp.shape == (5, 2)
    assert empty.stype == "row_sparse" and empty.dtype == np.int32 and empty.data.shape == (0, 3)
    assert loaded["dense"].stype == "default"
    mx.nd.save(str(tmp_path / "again.params"), loaded)
    with open(path, "rb") as a, open(tmp_path / "again.params", "rb") as b:
        assert a.read() == b.read()


# --- autograd and executors ------------------------------------------------------------

def test_attach_grad_storage_types_and_sparse_dot_gradient():
    for array_stype in ("default", "csr", "row_sparse"):
        x = mx.nd.zeros((1, 1), stype=array_stype)
        x.attach_grad()
        assert x.grad.stype == array_stype and x.detach().stype == array_stype
        x.attach_grad(stype="row_sparse")
        assert x.grad.stype == "row_sparse"
    lhs = mx.nd.array([[1, 0, 0], [0, 0, 2]]).tostype("csr")
    weight = mx.nd.ones((3, 2))
    weight.attach_grad(stype="row_sparse")
    with mx.autograd.record():
        out = mx.nd.dot(lhs, weight)
    out.backward()
    assert weight.grad.stype == "row_sparse"
    assert _np(weight.grad) == [[1, 1], [0, 0], [2, 2]] and _np(weight.grad.indices) == [0, 2]


def test_executor_storage_types():
    lhs, rhs = mx.sym.var("lhs", stype="row_sparse"), mx.sym.var("rhs", stype="row_sparse")
    rsp = mx.nd.array(DENSE).tostype("row_sparse")
    grads = {"lhs": mx.nd.zeros((2, 3), stype="row_sparse"), "rhs": mx.nd.zeros((2, 3))}
    exe = mx.sym.sparse.elemwise_add(lhs, rhs).bind(mx.cpu(), {"lhs": rsp, "rhs": rsp},
                                                     args_grad=grads)
    assert exe.forward(is_train=True)[0].stype == "row_sparse"
    exe.backward(mx.nd.ones((2, 3)))
    assert grads["lhs"].stype == "row_sparse" and _np(grads["lhs"]) == [[1] * 3] * 2
    embed = mx.sym.sparse.Embedding(mx.sym.var("data"), mx.sym.var("w", stype="row_sparse"),
                                    input_dim=5, output_dim=2, sparse_grad=True)
    exe = embed.simple_bind(mx.cpu(), data=(3,))
    assert exe.arg_dict["w"].stype == "row_sparse" and exe.grad_dict["w"].stype == "row_sparse"
    exe.arg_dict["data"][:] = np.array([1, 1, 4])
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((3, 2)))
    assert _np(exe.grad_dict["w"].indices) == [1, 4]


# --- test helpers ----------------------------------------------------------------------

def test_rand_sparse_ndarray_forms():
    rsp, (values, indices) = rand_sparse_ndarray((6, 2), "row_sparse", density=1)
    assert isinstance(rsp, RowSparseNDArray) and list(indices) == list(range(6))
    assert np.allclose(rsp.data.asnumpy(), values)
    csr, (indptr, col, data) = rand_sparse_ndarray((4, 8), "csr", density=0.5,
                                                   distribution="powerlaw")
    assert isinstance(csr, CSRNDArray) and indptr.asnumpy()[-1] == len(col) == len(data) == 16
    assert rand_ndarray((3, 3), "csr", density=0).data.shape == (0,)


def test_kvstore_row_sparse_pull():
    kv = mx.kv.create()
    kv.init("e", mx.nd.ones((4, 2)).tostype("row_sparse"))
    outs = [mx.nd.zeros((4, 2), stype="row_sparse"),
            mx.nd.zeros((4, 2), ctx=mx.cpu(1), stype="row_sparse")]
    kv.row_sparse_pull("e", out=outs, row_ids=[mx.nd.array([[3, 1]]), mx.nd.array([0, 0])])
    assert _np(outs[0].indices) == [1, 3] and _np(outs[0]) == [[0, 0], [1, 1], [0, 0], [1, 1]]
    assert outs[1].context == mx.cpu(1) and _np(outs[1]) == [[1, 1], [0, 0], [0, 0], [0, 0]]
    with pytest.raises(mx.MXNetError, match="row_ids"):
        kv.row_sparse_pull("e", out=outs[0])
    with pytest.raises(mx.MXNetError, match="expects row_sparse outputs, got default"):
        kv.row_sparse_pull("e", out=mx.nd.zeros((4, 2)), row_ids=mx.nd.array([1]))
    kv.init("dense", mx.nd.ones((4, 2)))
    with pytest.raises(mx.MXNetError, match="'dense' holds a default value"):
        kv.row_sparse_pull("dense", out=outs[0], row_ids=mx.nd.array([1]))


def test_batchnorm_with_fixed_gamma_refuses_sparse_inputs():
    """MXNet 1.9.1's BatchNorm has no sparse kernel with fix_gamma=True (MXNet issue
    11647): a sparse input is refused, imperatively and at bind; fix_gamma=False falls
    back to dense."""
    x = mx.nd.array(np.random.default_rng(0).uniform(size=(2, 3)))
    params = [mx.nd.ones(3), mx.nd.zeros(3), mx.nd.zeros(3), mx.nd.ones(3)]
    for data, gamma in ((x.tostype("row_sparse"), params[0]),
                        (x, params[0].tostype("row_sparse"))):
        with pytest.raises(MXNetError, match="fix_gamma=True is not supported for sparse"):
            mx.nd.BatchNorm(data, gamma, *params[1:])
    out = mx.nd.BatchNorm(x.tostype("row_sparse"), *params, fix_gamma=False)
    assert out.stype == "default"
    np.testing.assert_allclose(out.asnumpy(),
                               mx.nd.BatchNorm(x, *params, fix_gamma=False).asnumpy())
    sym = mx.sym.BatchNorm(mx.sym.var("data", stype="row_sparse"), fix_gamma=True, name="bn")
    with pytest.raises(MXNetError, match="fix_gamma=True is not supported for sparse"):
        sym.bind(mx.cpu(), args={"data": x.tostype("row_sparse"), "bn_gamma": params[0],
                                 "bn_beta": params[1]},
                 aux_states={"bn_moving_mean": params[2], "bn_moving_var": params[3]})
    # check_numeric_gradient binds the arguments in their given storage types, as MXNet's
    location = [x.tostype("row_sparse"), params[0], params[1]]
    with pytest.raises(MXNetError, match="fix_gamma=True is not supported for sparse"):
        check_numeric_gradient(sym, location, params[2:])
    check_numeric_gradient(mx.sym.BatchNorm(mx.sym.var("data", stype="row_sparse"),
                                            fix_gamma=False, name="bn"),
                           location, params[2:], numeric_eps=1e-3, rtol=0.16, atol=1e-2)

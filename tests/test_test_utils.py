"""mx.test_utils: the helpers our own tests and MXNet users' tests rely on."""
import gzip
import os
import struct

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import test_utils as tu


def test_tolerances_follow_the_dtype():
    a32 = np.array([1.0, 2.0], np.float32)
    assert tu.almost_equal(a32, a32 + 5e-4)  # float32: atol 1e-3
    assert not tu.almost_equal(a32.astype(np.float64), a32.astype(np.float64) + 5e-4)
    assert not tu.almost_equal(np.array([1, 2]), np.array([1, 3]))
    assert tu.almost_equal(mx.nd.array([1, 2]), np.array([1, 2.0001], np.float32))


def test_assert_almost_equal_names_the_worst_element():
    with pytest.raises(AssertionError, match=r"x and y differ beyond rtol=1e-05, atol=1e-20 in 1 "
                                             r"of 2 elements; worst at \(1,\): x=2\.0, y=2\.1"):
        tu.assert_almost_equal(np.array([1.0, 2.0]), np.array([1.0, 2.1]), names=("x", "y"))
    tu.assert_almost_equal(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]), equal_nan=True)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(np.array([np.nan]), np.array([np.nan]))
    with pytest.raises(AssertionError, match=r"shapes differ: a \(2,\), b \(1,\)"):
        tu.assert_almost_equal(np.ones(2), np.ones(1), use_broadcast=False)
    tu.assert_almost_equal(np.ones((2, 2)), np.ones(2))  # broadcasting is allowed by default


def test_float16_arrays_compare_by_their_values():
    half = np.array([1.0, 2.0, np.nan], np.float16)
    tu.assert_almost_equal(mx.nd.array(half, dtype="float16"), half + np.float16(1e-3),
                           rtol=0, atol=2e-3, equal_nan=True)
    assert not tu.almost_equal(half[:2], half[:2] + np.float16(1e-2), rtol=0, atol=5e-3)
    with pytest.raises(AssertionError, match=r"worst at \(1,\): a=2\.0, b=2\.001953125 "):
        tu.assert_almost_equal(half[:2], half[:2] + np.float16(1e-3), rtol=0, atol=1e-4)


def test_same_and_reldiff():
    assert tu.same(mx.nd.array([1, 2]), np.array([1, 2], np.float32))
    assert not tu.same(np.array([1, 2]), np.array([1, 3]))
    assert tu.reldiff(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0
    assert tu.reldiff(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_random_inputs():
    np.random.seed(0)
    shape = tu.rand_shape_nd(3, dim=4)
    assert len(shape) == 3 and all(1 <= d <= 4 for d in shape)
    assert all(1 <= d <= 5 for d in tu.rand_shape_2d(5, 5))
    assert len(tu.rand_shape_3d()) == 3
    x = tu.rand_ndarray((2, 3), dtype="float64", ctx=mx.cpu(1))
    assert x.shape == (2, 3) and x.dtype == np.float64 and x.context == mx.cpu(1)
    assert tu.rand_ndarray((2, 2), stype="csr", density=1).stype == "csr"


def test_default_context_can_be_set():
    assert tu.default_context() == mx.cpu(0)
    tu.set_default_context(mx.cpu(1))
    try:
        assert mx.nd.zeros((1,)).context == mx.cpu(1)
    finally:
        tu.set_default_context(mx.cpu(0))


def test_assert_exception():
    tu.assert_exception(mx.nd.zeros, mx.MXNetError, (2, -1))
    with pytest.raises(AssertionError, match="did not raise"):
        tu.assert_exception(mx.nd.zeros, mx.MXNetError, (2, 1))


def test_environment_sets_and_restores_variables():
    import os
    os.environ.pop("SYMJAX_TEST_ENV", None)
    with mx.test_utils.environment("SYMJAX_TEST_ENV", "1"):
        assert os.environ["SYMJAX_TEST_ENV"] == "1"
        with mx.test_utils.environment({"SYMJAX_TEST_ENV": None}):
            assert "SYMJAX_TEST_ENV" not in os.environ
        assert os.environ["SYMJAX_TEST_ENV"] == "1"
    assert "SYMJAX_TEST_ENV" not in os.environ


def test_compare_optimizer_tells_equal_from_different_optimizers():
    from symjax_mx.test_utils import compare_ndarray_tuple, compare_optimizer
    compare_optimizer(mx.optimizer.SGD(momentum=0.9), mx.optimizer.SGD(momentum=0.9), (3, 2),
                      np.float32)
    compare_optimizer(mx.optimizer.Adam(), mx.optimizer.Adam(), [(2,), (3,)], np.float32,
                      ntensors=2)
    with pytest.raises(AssertionError):
        compare_optimizer(mx.optimizer.SGD(learning_rate=0.1), mx.optimizer.SGD(learning_rate=0.2),
                          (3, 2), np.float32)
    compare_ndarray_tuple(None, (mx.nd.ones((1,)),))
    with pytest.raises(AssertionError):
        compare_ndarray_tuple((mx.nd.ones((2,)),), (mx.nd.zeros((2,)),))


def test_check_symbolic_dtype_asnumpy_keeps_each_input_dtype():
    data, lengths = mx.sym.Variable("data"), mx.sym.Variable("lengths")
    masked = mx.sym.SequenceMask(data, lengths, use_sequence_length=True, value=-1)
    x = np.arange(6, dtype=np.float64).reshape(3, 2, 1)
    ints = np.array([1, 3], dtype=np.int32)
    out = mx.test_utils.check_symbolic_forward(
        masked, [x, ints], [np.where([[[0], [0]], [[1], [0]], [[1], [0]]], -1, x)],
        dtype="asnumpy")
    assert out[0].dtype == np.float64
    mx.test_utils.check_symbolic_backward(masked, [x, ints], [np.ones((3, 2, 1))],
                                          {"data": [[[1], [1]], [[0], [1]], [[0], [1]]]},
                                          dtype="asnumpy")


def test_backward_without_a_forward_differentiates_at_the_current_arguments():
    data = mx.sym.Variable("data")
    grad = mx.nd.zeros((2, 2))
    executor = mx.sym.repeat(data, repeats=2, axis=0).bind(
        mx.cpu(), [mx.nd.ones((2, 2))], args_grad=[grad])
    executor.backward(mx.nd.array(np.arange(8).reshape(4, 2)))
    np.testing.assert_array_equal(grad.asnumpy(), [[2, 4], [10, 12]])


def test_check_numeric_gradient_takes_none_for_its_tolerances():
    x = mx.sym.Variable("x")
    mx.test_utils.check_numeric_gradient(x * x, [np.array([0.5, 2.0])], numeric_eps=None,
                                         rtol=None, atol=None, dtype=np.float64)


def test_check_numeric_gradient_skips_grad_nodes_with_a_null_request():
    data, rois = mx.sym.Variable("data"), mx.sym.Variable("rois")
    pooled = mx.sym.contrib.ROIAlign(data, rois, pooled_size=(2, 2), spatial_scale=1.0)
    mx.test_utils.check_numeric_gradient(
        pooled, [np.random.rand(1, 1, 4, 4), np.array([[0, 0.5, 0.5, 2.5, 2.5]])],
        grad_nodes={"data": "write", "rois": "null"}, numeric_eps=1e-4, rtol=1e-1, atol=1e-4)


@pytest.mark.parametrize("global_stats", [False, True])
def test_check_numeric_gradient_with_aux_states_on_one_executor(global_stats):
    """Every perturbation runs on one executor whose aux states are reset first (as in
    MXNet's numeric_grad), so BatchNorm's moving statistics cannot drift between them;
    a wrong gradient still fails."""
    data = mx.sym.Variable("data")
    bn = mx.sym.BatchNorm_v1(data, fix_gamma=False, use_global_stats=global_stats)
    rs = np.random.RandomState(0)
    location = [rs.normal(0, 1, (3, 2)), np.array([1.0, 2.0]), np.array([0.5, -1.0])]
    aux = [mx.nd.array([0.1, -0.2]), mx.nd.array([0.5, 2.0])]
    mx.test_utils.check_numeric_gradient(bn, location, aux, numeric_eps=1e-3, rtol=5e-2,
                                         atol=1e-3)
    with pytest.raises(AssertionError):  # BlockGrad's zero gradient is not x's
        mx.test_utils.check_numeric_gradient(mx.sym.BlockGrad(data) * data, [location[0]])


def test_check_numeric_gradient_checks_only_the_requested_nodes():
    data, lengths = mx.sym.Variable("X"), mx.sym.Variable("L")
    masked = mx.sym.SequenceMask(data, sequence_length=lengths, use_sequence_length=True)
    location = [np.random.uniform(-1, 1, (3, 2)), np.array([1.0, 2.0])]
    # L's gradient is defined as zero while its finite difference is not: not checked
    tu.check_numeric_gradient(masked, location, grad_nodes={"X": "null"})
    tu.check_numeric_gradient(masked, location, grad_nodes={"X": "write"})
    with pytest.raises(AssertionError, match="grad L"):
        tu.check_numeric_gradient(masked, location)


def _write_idx(folder, prefix, images, labels, compress):
    opener, suffix = (gzip.open, ".gz") if compress else (open, "")
    with opener(folder / f"{prefix}-images-idx3-ubyte{suffix}", "wb") as f:
        f.write(struct.pack(">IIII", 2051, len(images), 28, 28) + images.tobytes())
    with opener(folder / f"{prefix}-labels-idx1-ubyte{suffix}", "wb") as f:
        f.write(struct.pack(">II", 2049, len(labels)) + labels.tobytes())


def test_mnist_helpers_read_the_files_in_data(tmp_path, monkeypatch):
    """get_mnist_iterator and get_mnist, as MXNet's examples call them (example/gluon/
    image_classification.py imports get_mnist_iterator): files already there are read,
    not downloaded."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, (6, 28, 28)).astype(np.uint8)
    labels = np.arange(6, dtype=np.uint8)
    for prefix in ("train", "t10k"):
        _write_idx(tmp_path / "data", prefix, images, labels, compress=False)
        _write_idx(tmp_path, prefix, images, labels, compress=True)
    train, val = tu.get_mnist_iterator(batch_size=2, input_shape=(1, 28, 28))
    assert train.provide_data[0].shape == (2, 1, 28, 28)
    assert sorted(sum((b.label[0].asnumpy().tolist() for b in train), [])) == list(range(6))
    first = val.next()
    ids = first.label[0].asnumpy().astype(int)
    np.testing.assert_array_equal(first.data[0].asnumpy()[:, 0],
                                  images[ids].astype(np.float32) / 256)
    flat, _ = tu.get_mnist_iterator(batch_size=3, input_shape=(784,))
    assert flat.provide_data[0].shape == (3, 784)
    mnist = tu.get_mnist()
    assert mnist["train_label"].dtype == np.int8 and mnist["test_label"].tolist() == list(
        range(6))
    np.testing.assert_array_equal(mnist["train_data"],
                                  images.reshape(6, 1, 28, 28).astype(np.float32) / 255)


def test_download_keeps_an_existing_file_and_names_the_target(tmp_path, monkeypatch):
    fetched = []

    def fetch(url, path, overwrite, retries):
        fetched.append((url, path))
        with open(path, "w") as f:
            f.write("new")

    monkeypatch.setattr("symjax_mx.test_utils_data._fetch", fetch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old.txt").write_text("old")
    assert tu.download("http://host/x/old.txt") == "old.txt" and fetched == []
    assert tu.download("http://host/x/old.txt", overwrite=True) == "old.txt"
    assert (tmp_path / "old.txt").read_text() == "new"
    assert tu.download("http://host/y.bin", dirname="sub") == os.path.join("sub", "y.bin")
    assert fetched[-1] == ("http://host/y.bin", os.path.join("sub", "y.bin"))
    assert tu.download_model("no-such-model") == (None, 0)
    assert tu.download_model("imagenet1k-resnet-18", dst_dir="models") == (
        os.path.join("models", "imagenet1k-resnet-18"), 0)
    assert fetched[-1] == ("http://data.mxnet.io/models/imagenet/resnet/18-layers/"
                           "resnet-18-0000.params",
                           os.path.join("models", "imagenet1k-resnet-18-0000.params"))
    assert list(tu.list_gpus()) == []


def _write_gz_idx(path, magic_dims, payload):
    import gzip
    import struct
    with gzip.open(path, "wb") as out:
        out.write(struct.pack(">" + "I" * len(magic_dims), *magic_dims) + payload.tobytes())


def test_download_keeps_files_in_place_and_get_mnist_reads_them(tmp_path, monkeypatch):
    """mx.test_utils.download / get_mnist (super_resolution and other examples import
    them); an existing file is not fetched again."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.bin").write_bytes(b"x")
    assert tu.download("http://nowhere.invalid/f.bin", dirname="d") == "d/f.bin"
    assert tu.download("http://nowhere.invalid/g/f.bin", fname="d/f.bin") == "d/f.bin"
    labels = np.array([3, 1], np.uint8)
    images = np.arange(2 * 28 * 28).astype(np.uint8)
    for prefix in ("train", "t10k"):
        _write_gz_idx(f"{prefix}-labels-idx1-ubyte.gz", (2049, 2), labels)
        _write_gz_idx(f"{prefix}-images-idx3-ubyte.gz", (2051, 2, 28, 28), images)
    mnist = tu.get_mnist()
    assert mnist["train_label"].dtype == np.int8 and mnist["test_label"].tolist() == [3, 1]
    assert mnist["train_data"].shape == (2, 1, 28, 28) and mnist["train_data"].dtype == np.float32
    np.testing.assert_allclose(mnist["test_data"].ravel(), images / 255.0, rtol=1e-6)


def test_collapse_sum_like_reduces_broadcast_axes():
    a = np.ones((2, 3, 4))
    assert tu.collapse_sum_like(a, (3, 1)).tolist() == [[8.0]] * 3
    assert tu.collapse_sum_like(a, (0, 4)).shape == (0, 4)
    with pytest.raises(ValueError, match="does not broadcast"):
        tu.collapse_sum_like(a, (2, 4))
    assert tu.is_op_runnable() and not tu.has_tvm_ops()


def test_random_arrays_of_empty_shape_is_0d():
    value = tu.random_arrays(())
    assert isinstance(value, np.ndarray) and value.shape == () and value.dtype == np.float32


def test_check_gluon_hybridize_consistency():
    def build(prefix=None):
        net = mx.gluon.nn.Dense(3, in_units=4, prefix=prefix)
        return net

    data = [mx.np.ones((2, 4))]
    tu.check_gluon_hybridize_consistency(build, data)

    with pytest.raises(AssertionError):  # a reference the block does not match
        tu.check_gluon_hybridize_consistency(build, data, numpy_func=lambda x: x[:, :3] + 1)

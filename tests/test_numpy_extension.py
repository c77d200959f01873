"""mx.npx's operators, contexts and files, with MXNet 1.9.1's results (read from it,
2026-12-07)."""
import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import np, npx


@pytest.fixture(autouse=True)
def numpy_semantics():
    npx.set_np()
    yield
    npx.reset_np()


X3 = onp.arange(24, dtype="float32").reshape(2, 3, 4)


@pytest.mark.parametrize("newshape, shape", [((-2, -1), (2, 12)), ((-1, -4), (2, 3, 4)),
                                              ((-5, -2), (6, 4)), ((-6, 1, 2, -4), (1, 2, 3, 4))])
def test_reshape_takes_npx_special_values(newshape, shape):
    out = npx.reshape(np.array(X3), newshape)
    assert isinstance(out, np.ndarray) and out.shape == shape
    onp.testing.assert_array_equal(out.asnumpy().ravel(), X3.ravel())


def test_operators_return_numpy_arrays_with_mxnets_values():
    f = np.array([[0.5, 1.5, 2.5], [-0.5, -1.5, 4.0]])
    index = np.array([2, 0, 1])
    results = {
        "one_hot": (npx.one_hot(index, 3), onp.eye(3)[[2, 0, 1]]),
        "pick": (npx.pick(f, np.array([0, 2]), axis=1), [0.5, 4.0]),
        "sequence_mask": (npx.sequence_mask(np.ones((3, 2)), np.array([1, 3]),
                                            use_sequence_length=True, value=-1),
                          [[1, 1], [-1, 1], [-1, 1]]),
        "batch_dot": (npx.batch_dot(np.array(X3), np.array(X3), transpose_b=True),
                      X3 @ X3.transpose(0, 2, 1)),
        "topk": (npx.topk(f, k=2), [[2, 1], [2, 0]]),
        "gather_nd": (npx.gather_nd(f, np.array([[1, 0], [2, 1]])), [4.0, 1.5]),
        "batch_flatten": (npx.batch_flatten(np.array(X3)), X3.reshape(2, 12)),
        "fully_connected": (npx.fully_connected(f, np.ones((2, 3)), np.zeros((2,)),
                                                num_hidden=2), [[4.5, 4.5], [2, 2]]),
        "slice": (npx.slice(np.array(X3), begin=(0, 1), end=(2, 3)), X3[0:2, 1:3]),
        "nonzero": (npx.nonzero(np.array([[0, 1], [2, 0]])), [[0, 1], [1, 0]]),
        "cast": (npx.cast(f, dtype="int32"), [[0, 1, 2], [0, -1, 4]]),
    }
    for name, (got, want) in results.items():
        assert isinstance(got, np.ndarray), name
        onp.testing.assert_allclose(got.asnumpy(), want, rtol=1e-6, err_msg=name)
    assert npx.nonzero(np.array([[0, 1], [2, 0]])).dtype == onp.int64


def test_contexts_and_files(tmp_path):
    assert npx.cpu() == mx.cpu() and npx.current_context() == mx.cpu()
    assert npx.num_gpus() == mx.context.num_gpus()
    path = str(tmp_path / "arrays.params")
    npx.save(path, {"a": np.array([[1.0, 2.0]])})
    loaded = npx.load(path)
    assert isinstance(loaded["a"], np.ndarray) and loaded["a"].asnumpy().tolist() == [[1, 2]]
    npx.save(path, [np.array([3.0])])
    assert [a.asnumpy().tolist() for a in npx.load(path)] == [[3.0]]


def test_reshape_refuses_skipping_a_size_one_axis_by_name():
    with pytest.raises(NotImplementedError, match=r"-3 \(skipping a size-1 axis\)"):
        npx.reshape(np.ones((2, 1, 3)), (-2, -3, -2))


def test_detection_and_arange_like_wrappers_give_numpy_arrays():
    anchors = np.array([[[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95],
                         [0.15, 0.3, 0.62, 0.91], [0.55, 0.2, 0.9, 0.88]]])
    cls_probs = np.array([[[0.0] * 4, [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]]])
    out = npx.multibox_detection(cls_probs, np.zeros((1, 16)), anchors, nms_threshold=0.5)
    assert isinstance(out, np.ndarray)
    onp.testing.assert_allclose(out.asnumpy()[0, :, :2], [[0, 0.9], [1, 0.9], [-1, 0.8],
                                                          [-1, 0.7]], rtol=1e-6)
    counted = npx.arange_like(np.ones((2, 3)), start=1, step=2, axis=0)
    assert isinstance(counted, np.ndarray) and counted.asnumpy().tolist() == [1.0, 3.0]


def test_legacy_arrays_share_memory_with_their_numpy_view():
    legacy = mx.nd.array([1.0, 2.0])
    legacy.attach_grad()
    with mx.autograd.record():
        view = legacy.as_np_ndarray()
        total = (view * view).sum()
    total.backward()
    assert isinstance(view, np.ndarray) and type(legacy) is mx.nd.NDArray
    assert legacy.grad.asnumpy().tolist() == [2.0, 4.0]
    view[0] = 7
    assert legacy.asnumpy().tolist() == [7.0, 2.0]
    assert legacy.as_nd_ndarray() is legacy
    back = view.as_nd_ndarray()
    assert type(back) is mx.nd.NDArray and back.asnumpy().tolist() == [7.0, 2.0]


def test_npx_random_extensions():
    mx.random.seed(0)
    draws = npx.random.bernoulli(prob=0.3, size=(20000,))
    assert isinstance(draws, np.ndarray) and draws.dtype == onp.float32
    assert abs(float(draws.mean()) - 0.3) < 0.02
    assert npx.random.bernoulli(logit=np.array([100.0, -100.0])).asnumpy().tolist() == [1, 0]
    with pytest.raises(ValueError, match="exactly one"):
        npx.random.bernoulli()
    assert npx.random.uniform_n(np.zeros(3), np.ones(3), batch_shape=(2,)).shape == (2, 3)
    assert npx.random.normal_n(0, 1, batch_shape=(2, 4)).shape == (2, 4)


def test_np_random_array_parameters_broadcast_to_size():
    mx.random.seed(0)
    assert np.random.uniform(np.zeros(3), np.ones(3), size=(2, 3)).shape == (2, 3)
    assert np.random.normal(np.zeros((2, 1)), np.ones(3)).shape == (2, 3)
    low = np.array([0.0, 10.0])
    draws = np.random.uniform(low, low + 1, size=(5000, 2)).asnumpy()
    assert (draws[:, 1] >= 10).all() and abs(draws[:, 0].mean() - 0.5) < 0.03


def test_npx_image_operators_give_numpy_arrays():
    img = np.arange(4 * 6 * 3).reshape(4, 6, 3).astype("float32")
    resized = npx.image.resize(img, (3, 2))
    assert isinstance(resized, np.ndarray) and resized.shape == (2, 3, 3)
    assert resized.asnumpy()[0, 0].tolist() == [10.5, 11.5, 12.5]  # MXNet 1.9.1's values
    tensor = npx.image.to_tensor(img)
    assert isinstance(tensor, np.ndarray) and tensor.shape == (3, 4, 6)
    onp.testing.assert_allclose(npx.image.normalize(tensor, 0.5, 2.0).asnumpy(),
                                (tensor.asnumpy() - 0.5) / 2.0, rtol=1e-6)


def test_constraint_check_passes_true_and_raises_the_message():
    scale = np.array([1.0, 2.0])
    ok = npx.constraint_check(scale > 0, "Scale should be larger than zero")
    assert isinstance(ok, np.ndarray) and ok.shape == () and ok.dtype == onp.bool_
    assert bool(ok)
    onp.testing.assert_array_equal((scale * ok).asnumpy(), [1.0, 2.0])
    with pytest.raises(ValueError, match="Scale should be larger than zero"):
        npx.constraint_check(scale > 1, "Scale should be larger than zero")
    with pytest.raises(ValueError, match="Constraint violated"):
        npx.constraint_check(scale > 1)
    with pytest.raises(mx.MXNetError, match="boolean"):
        npx.constraint_check(scale, "not a condition")

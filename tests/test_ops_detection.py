"""Detection, region and column operators against values MXNet 1.9.1 computes (the
expected arrays below were printed by MXNet 1.9.1 for the same inputs)."""
import os

import numpy as np
import pytest

import symjax_mx as mx

_IMAGE = mx.nd.array(np.arange(40).reshape(2, 1, 4, 5))
_ROIS = mx.nd.array([[1, 0.6, 0.4, 3.2, 2.7], [0, 1.0, 0.0, 4.0, 3.0]])


def test_roi_pooling_takes_the_max_of_integer_bins():
    out = mx.nd.ROIPooling(_IMAGE, _ROIS, pooled_size=(2, 2), spatial_scale=1.0)
    np.testing.assert_array_equal(out.asnumpy(), [[[[27, 28], [37, 38]]], [[[7, 9], [17, 19]]]])


@pytest.mark.parametrize("params, expected", [
    ({}, [[[[26.125, 27.425], [31.875, 33.175]]], [[[5.5, 7.0], [13.0, 14.5]]]]),
    ({"sample_ratio": 2, "aligned": True},
     [[[[23.125, 24.425], [28.875, 30.175]]], [[[2.8125, 4.3125], [10.0, 11.5]]]]),
])
def test_roi_align_averages_bilinear_samples(params, expected):
    out = mx.nd.contrib.ROIAlign(_IMAGE, _ROIS, pooled_size=(2, 2), spatial_scale=1.0, **params)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5)


def test_psroi_pooling_reads_one_channel_group_per_bin():
    data = mx.nd.array(np.arange(160).reshape(1, 8, 4, 5))
    out = mx.nd.contrib.PSROIPooling(data, _ROIS[1:], spatial_scale=1.0, output_dim=2,
                                     pooled_size=2)
    np.testing.assert_array_equal(out.asnumpy(),
                                  [[[[4, 26], [54, 76]], [[84, 106], [134, 156]]]])


def test_roi_gradients_reach_the_data_only():
    data, rois = _IMAGE.copy(), _ROIS.copy()
    data.attach_grad()
    rois.attach_grad()
    with mx.autograd.record():
        out = mx.nd.contrib.ROIAlign(data, rois, pooled_size=(2, 2), spatial_scale=1.0)
    out.backward()
    assert data.grad.asnumpy().sum() == pytest.approx(8.0)  # each output averages weights 1
    assert not rois.grad.asnumpy().any()


def test_multibox_prior_matches_mxnet():
    anchors = mx.contrib.nd.MultiBoxPrior(mx.nd.zeros((1, 3, 4, 6)), sizes=[0.75, 0.5, 0.25],
                                          ratios=[20, 2, 0.5])
    assert anchors.shape == (1, 4 * 6 * 5, 4)
    np.testing.assert_allclose(   # printed by MXNet 1.9.1 for the same call
        anchors.reshape((4, 6, 5, 4)).asnumpy()[2, 3, :2],
        [[-0.53470063, 0.54114747, 1.70136738, 0.70885253],
         [-0.16202265, 0.56909829, 1.32868934, 0.68090171]], rtol=1e-5)


_BOXES = [[0, 0.5, 0.1, 0.1, 0.2, 0.2], [1, 0.4, 0.1, 0.1, 0.2, 0.2],
          [0, 0.3, 0.1, 0.1, 0.14, 0.14], [2, 0.6, 0.5, 0.5, 0.7, 0.8]]


@pytest.mark.parametrize("params, expected", [
    ({"force_suppress": True, "overlap_thresh": 0.5},
     [_BOXES[3], _BOXES[0], _BOXES[2], [-1] * 6]),
    ({"force_suppress": False, "overlap_thresh": 0.1},
     [_BOXES[3], _BOXES[0], _BOXES[1], [-1] * 6]),
    ({"force_suppress": True, "overlap_thresh": 0.5, "topk": 1},
     [_BOXES[3], [-1] * 6, [-1] * 6, [-1] * 6]),
])
def test_box_nms_keeps_the_best_boxes_first(params, expected):
    out = mx.contrib.nd.box_nms(mx.nd.array(_BOXES), id_index=0, **params)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)


def test_box_nms_gradient_flows_to_the_kept_rows():
    data = mx.nd.array(_BOXES)
    data.attach_grad()
    with mx.autograd.record():
        out = mx.contrib.nd.box_nms(data, id_index=0, force_suppress=True)
    head = mx.nd.array(np.arange(24).reshape(4, 6))
    out.backward(head)
    expected = head.asnumpy()[[1, 3, 2, 0]]
    expected[1] = 0  # the suppressed box
    np.testing.assert_array_equal(data.grad.asnumpy(), expected)


def test_bipartite_matching_is_greedy_by_score():
    scores = mx.nd.array([[0.5, 0.6], [0.1, 0.2], [0.3, 0.4]])
    rows, cols = mx.nd.contrib.bipartite_matching(scores, threshold=1e-12)
    np.testing.assert_array_equal(rows.asnumpy(), [1, -1, 0])
    np.testing.assert_array_equal(cols.asnumpy(), [2, 0])
    rows, cols = mx.nd.contrib.bipartite_matching(scores, threshold=100, is_ascend=True)
    np.testing.assert_array_equal(rows.asnumpy(), [-1, 0, 1])
    np.testing.assert_array_equal(cols.asnumpy(), [1, 2])


def test_im2col_times_weights_is_a_convolution_and_col2im_its_adjoint():
    rs = np.random.RandomState(0)
    data, weight = mx.nd.array(rs.rand(2, 3, 7, 6)), mx.nd.array(rs.rand(4, 3, 3, 3))
    window = {"kernel": (3, 3), "stride": (2, 1), "dilate": (1, 2), "pad": (1, 1)}
    cols = mx.nd.im2col(data, **window)
    conv = mx.nd.Convolution(data, weight, num_filter=4, no_bias=True, **window)
    by_cols = np.einsum("fk,nkl->nfl", weight.asnumpy().reshape(4, -1), cols.asnumpy())
    np.testing.assert_allclose(by_cols.reshape(conv.shape), conv.asnumpy(), rtol=1e-5)
    image = mx.nd.col2im(mx.nd.ones_like(cols), output_size=(7, 6), **window)
    counts = mx.nd.col2im(cols, output_size=(7, 6), **window) / data
    np.testing.assert_allclose(counts.asnumpy(), image.asnumpy(), rtol=1e-4)


def _deformable(op, offset, **extra):
    data = mx.nd.array(np.arange(25.0).reshape(1, 1, 5, 5) + 1)
    weight = np.zeros((1, 1, 3, 3))
    weight[0, 0, 1, 1] = 1  # the center tap only
    inputs = [data, offset] + list(extra.values()) + [mx.nd.array(weight)]
    return op(*inputs, kernel=(3, 3), pad=(1, 1), num_filter=1, no_bias=True).asnumpy()[0, 0]


@pytest.mark.parametrize("value, plain, modulated", [
    (0.5, [6.5, 7.5, 8.5, 9.5, 10.0], [6.5, 7.5, 8.5, 9.5, 5.0]),   # MXNet's CPU kernels
    (-0.5, [0.0, 6.5, 7.5, 8.5, 9.5], [3.0, 6.5, 7.5, 8.5, 9.5]),
])
def test_deformable_convolutions_sample_at_offsets(value, plain, modulated):
    offset = np.zeros((1, 18, 5, 5))
    offset[0, 9] = value  # x offset of the center tap
    got = _deformable(mx.nd.contrib.DeformableConvolution, mx.nd.array(offset))
    np.testing.assert_allclose(got[1], plain)
    got = _deformable(mx.nd.contrib.ModulatedDeformableConvolution, mx.nd.array(offset),
                      mask=mx.nd.ones((1, 9, 5, 5)))
    np.testing.assert_allclose(got[1], modulated)


def test_int8_quantize_and_dequantize_match_mxnet():
    data = mx.nd.array([[0.1392, 0.5928], [0.6027, -0.8579]])
    q, low, high = mx.nd.contrib.quantize(data, mx.nd.array([0.0]), mx.nd.array([1.0]),
                                          out_type="int8")
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q.asnumpy(), [[18, 75], [77, -109]])
    assert (low.asscalar(), high.asscalar()) == (-1.0, 1.0)
    back = mx.nd.contrib.dequantize(q, low, high)
    np.testing.assert_allclose(back.asnumpy(), [[0.14173228, 0.5905512], [0.6062992, -0.8582677]],
                               rtol=1e-6)


@pytest.mark.parametrize("offset, lower, packed", [   # packed: as MXNet 1.9.1 orders them
    (-1, True, [4, 8, 9, 12, 13, 14]),
    (0, True, [0, 4, 5, 8, 9, 10, 12, 13, 14, 15]),
    (0, False, [0, 1, 5, 2, 6, 10, 3, 7, 11, 15]),
    (1, True, [1, 2, 6, 3, 7, 11]),
])
def test_triangles_pack_in_mxnet_order_and_round_trip(offset, lower, packed):
    a = np.arange(32.0).reshape(2, 4, 4)
    vectors = mx.nd.linalg.extracttrian(mx.nd.array(a), offset=offset, lower=lower)
    np.testing.assert_array_equal(vectors.asnumpy()[0], packed)
    back = mx.nd.linalg.maketrian(vectors, offset=offset, lower=lower).asnumpy()
    expected = np.tril(a, offset) if offset < 0 or (offset == 0 and lower) else np.triu(a, offset)
    np.testing.assert_array_equal(back, expected)


def test_index_copy_replaces_rows_and_splits_the_gradient():
    old, new = mx.nd.zeros((5, 3)), mx.nd.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    old.attach_grad()
    new.attach_grad()
    with mx.autograd.record():
        out = mx.nd.contrib.index_copy(old, mx.nd.array([0, 4, 2], dtype="int64"), new)
    out.backward()
    np.testing.assert_array_equal(out.asnumpy(), [[1, 2, 3], [0, 0, 0], [7, 8, 9], [0, 0, 0],
                                                  [4, 5, 6]])
    np.testing.assert_array_equal(old.grad.asnumpy()[:, 0], [0, 1, 0, 1, 0])
    np.testing.assert_array_equal(new.grad.asnumpy(), np.ones((3, 3)))


def test_bilinear_resize_aligns_corners_by_default():
    image = mx.nd.array(np.array([64, 32, 32, 64, 50, 100], np.float32).reshape(1, 1, 3, 2))
    expected = {False: [64.0, 56.0, 40.0, 32.0, 56.0, 52.0, 44.0, 40.0, 40.0, 44.0, 52.0, 56.0,
                        36.5, 45.625, 63.875, 73.0, 45.5, 56.875, 79.625, 91.0, 50.0, 62.5,
                        87.5, 100.0],
                True: [64.0, 53.333, 42.667, 32.0, 51.2, 49.067, 46.933, 44.8, 38.4, 44.8, 51.2,
                       57.6, 35.6, 47.467, 59.333, 71.2, 42.8, 57.067, 71.333, 85.6, 50.0,
                       66.667, 83.333, 100.0]}
    for align, values in expected.items():
        out = mx.nd.contrib.BilinearResize2D(image, height=6, width=4, align_corners=align)
        np.testing.assert_allclose(out.asnumpy().ravel(), values, atol=1e-3)


@pytest.mark.parametrize("params, size", [
    ({"scale_height": 0.5, "scale_width": 2.0}, (3, 12)),
    ({"scale_height": 0.5, "scale_width": 2.0, "mode": "odd_scale"}, (4, 12)),
    ({"mode": "to_even_up"}, (8, 6)), ({"mode": "to_odd_down"}, (7, 5)),
])
def test_bilinear_resize_modes_choose_the_size(params, size):
    out = mx.nd.contrib.BilinearResize2D(mx.nd.ones((1, 2, 7, 6)), **params)
    assert out.shape == (1, 2) + size
    np.testing.assert_allclose(out.asnumpy(), 1, rtol=1e-6)


def test_rotated_roi_align_samples_the_rotated_region():
    rois = mx.nd.array([[1, 2.0, 1.5, 3.0, 2.0, 30.0], [0, 1.0, 2.0, 2.0, 3.0, 90.0]])
    out = mx.nd.contrib.RROIAlign(_IMAGE, rois, pooled_size=(2, 2), spatial_scale=1.0)
    np.testing.assert_allclose(out.asnumpy().ravel(),   # printed by MXNet 1.9.1
                               [28.31042, 25.85946, 33.14054, 30.68958, 12.8125, 7.8125, 14.25,
                                9.25], rtol=1e-5)


def test_multibox_target_matches_mxnet():
    anchors = mx.nd.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]).reshape((1, -1, 4))
    cls_pred = mx.nd.array(list(range(10))).reshape((1, -1, 2))
    label = mx.nd.array([1, 0.1, 0.1, 0.5, 0.6]).reshape((1, -1, 5))
    loc, mask, cls = mx.nd.contrib.MultiBoxTarget(anchors, label, cls_pred, overlap_threshold=0.5,
                                                  negative_mining_ratio=3,
                                                  negative_mining_thresh=0.4)
    np.testing.assert_allclose(loc.asnumpy(), [[5.0, 2.5000005, 3.4657357, 4.581454, 0, 0, 0, 0]],
                               rtol=1e-5)
    np.testing.assert_array_equal(mask.asnumpy(), [[1, 1, 1, 1, 0, 0, 0, 0]])
    np.testing.assert_array_equal(cls.asnumpy(), [[2, 0]])
    no_labels = mx.nd.full((1, 1, 5), -1)
    _, mask, cls = mx.nd.contrib.MultiBoxTarget(anchors, no_labels, cls_pred)
    assert not mask.asnumpy().any() and (cls.asnumpy() == -1).all()


_MULTIBOX = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops",
                                 "multibox_detection.npz"))
_MULTIBOX_SETTINGS = [{}, {"threshold": 0.3}, {"nms_topk": 5},
                      {"force_suppress": True, "nms_threshold": 0.2}, {"clip": False},
                      {"nms_threshold": 0.05, "threshold": 0.2, "nms_topk": 8},
                      {"nms_threshold": 0, "threshold": 0.25}]


@pytest.mark.parametrize("index", range(len(_MULTIBOX_SETTINGS)))
def test_multibox_detection_is_mxnets(index):
    """Sorting (ties in anchor order), NMS per class or forced, the rows past nms_topk,
    and no NMS at all for nms_threshold 0, as tests/golden/ops/make_multibox_detection.py
    read them from MXNet 1.9.1."""
    out = mx.nd.contrib.MultiBoxDetection(
        mx.nd.array(_MULTIBOX["cls_prob"]), mx.nd.array(_MULTIBOX["loc_pred"]),
        mx.nd.array(_MULTIBOX["anchors"]), **_MULTIBOX_SETTINGS[index])
    np.testing.assert_allclose(out.asnumpy(), _MULTIBOX[f"out{index}"], atol=2e-6)


def test_multibox_detection_checks_its_shapes():
    with pytest.raises(mx.MXNetError, match="num_anchors"):
        mx.nd.contrib.MultiBoxDetection(mx.nd.ones((1, 3, 4)), mx.nd.ones((1, 12)),
                                        mx.nd.ones((1, 4, 4)))
    sym = mx.sym.contrib.MultiBoxDetection(mx.sym.var("c"), mx.sym.var("l"), mx.sym.var("a"))
    assert sym.infer_shape(c=(2, 3, 5), l=(2, 20), a=(1, 5, 4))[1] == [(2, 5, 6)]


def test_arange_like_counts_in_the_inputs_shape():
    ints = mx.nd.ones((2, 3), dtype="int32")
    out = mx.nd.contrib.arange_like(ints)
    assert out.dtype == np.int32 and out.asnumpy().tolist() == [[0, 1, 2], [3, 4, 5]]
    np.testing.assert_array_equal(mx.nd.contrib.arange_like(mx.nd.ones((2, 3)), repeat=2)
                                  .asnumpy(), [[0, 0, 1], [1, 2, 2]])
    np.testing.assert_array_equal(mx.nd.contrib.arange_like(
        mx.nd.ones((2, 3)), axis=-1, start=2.5, step=0.5).asnumpy(), [2.5, 3.0, 3.5])
    sym = mx.sym.contrib.arange_like(mx.sym.var("x"), axis=1)
    assert sym.infer_shape(x=(2, 5))[1] == [(5,)]
    x = mx.nd.ones((2, 3))
    x.attach_grad()
    with mx.autograd.record():
        y = (mx.nd.contrib.arange_like(x) * x).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 1, 2], [3, 4, 5]])
    with pytest.raises(mx.MXNetError, match="axis 2"):
        mx.nd.contrib.arange_like(x, axis=2)

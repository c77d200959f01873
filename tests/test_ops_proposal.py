"""contrib.Proposal / contrib.MultiProposal against MXNet 1.9.1 (golden/ops/proposal.npz,
written by golden/ops/make_proposal.py)."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.base import MXNetError

G = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "proposal.npz"))
PARAMS = dict(feature_stride=8, scales=(2, 4), ratios=(0.5, 1, 2), rpn_pre_nms_top_n=60,
              rpn_post_nms_top_n=20, threshold=0.5, rpn_min_size=6, output_score=True)


def _inputs(images=slice(None)):
    return [mx.nd.array(G[name][images]) for name in ("cls_prob", "bbox_pred", "im_info")]


@pytest.mark.parametrize("iou_loss", [False, True])
def test_multi_proposal_matches_mxnet(iou_loss):
    rois, scores = mx.nd.contrib.MultiProposal(*_inputs(), iou_loss=iou_loss, **PARAMS)
    np.testing.assert_allclose(rois.asnumpy(), G[f"multi_rois_{iou_loss}"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(scores.asnumpy(), G[f"multi_scores_{iou_loss}"], rtol=1e-6)


def test_proposal_of_one_image_keeps_all_boxes_before_nms_when_pre_nms_top_n_is_0():
    rois, scores = mx.nd.contrib.Proposal(*_inputs(slice(1, 2)),
                                          **dict(PARAMS, rpn_pre_nms_top_n=0))
    np.testing.assert_allclose(rois.asnumpy(), G["single_rois"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(scores.asnumpy(), G["single_scores"], rtol=1e-6)


def test_kept_boxes_repeat_when_fewer_survive_than_rows_asked_for():
    rois, scores = mx.nd.contrib.MultiProposal(
        *_inputs(), **dict(PARAMS, rpn_pre_nms_top_n=8, rpn_post_nms_top_n=12))
    np.testing.assert_allclose(rois.asnumpy(), G["cyclic_rois"], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(scores.asnumpy(), G["cyclic_scores"], rtol=1e-6)


def test_symbol_shapes_hidden_score_and_zero_gradient():
    sym = mx.sym.contrib.MultiProposal(mx.sym.var("c"), mx.sym.var("b"), mx.sym.var("i"),
                                       **dict(PARAMS, output_score=False))
    assert sym.list_outputs() == [sym.name + "_output"]
    args, outs, _ = sym.infer_shape(c=G["cls_prob"].shape)
    assert args == [G["cls_prob"].shape, G["bbox_pred"].shape, G["im_info"].shape]
    assert outs == [(40, 5)]
    values = [G[n] for n in ("cls_prob", "bbox_pred", "im_info")]
    mx.test_utils.check_symbolic_backward(sym, values, [np.ones((40, 5))],
                                          [np.zeros_like(v) for v in values])


def test_proposal_refuses_a_batch():
    with pytest.raises(MXNetError, match="batch size 1"):
        mx.nd.contrib.Proposal(*_inputs(), **PARAMS).asnumpy()

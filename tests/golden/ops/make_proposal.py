"""Writes proposal.npz: MXNet 1.9.1 outputs of contrib.Proposal and contrib.MultiProposal on
a small feature map. Run with real MXNet: /tmp/mxref/bin/python make_proposal.py"""
import os

import mxnet as mx
import numpy as np

rs = np.random.RandomState(0)
batch, anchors, height, width = 2, 6, 6, 7
cls_prob = rs.uniform(0, 1, (batch, 2 * anchors, height, width)).astype(np.float32)
bbox_pred = rs.uniform(-0.3, 0.3, (batch, 4 * anchors, height, width)).astype(np.float32)
im_info = np.array([[40, 50, 1.0], [48, 30, 0.8]], np.float32)
params = dict(feature_stride=8, scales=(2, 4), ratios=(0.5, 1, 2), rpn_pre_nms_top_n=60,
              rpn_post_nms_top_n=20, threshold=0.5, rpn_min_size=6, output_score=True)
out = {"cls_prob": cls_prob, "bbox_pred": bbox_pred, "im_info": im_info}
for iou_loss in (False, True):
    rois, scores = mx.nd.contrib.MultiProposal(mx.nd.array(cls_prob), mx.nd.array(bbox_pred),
                                               mx.nd.array(im_info), iou_loss=iou_loss, **params)
    out[f"multi_rois_{iou_loss}"], out[f"multi_scores_{iou_loss}"] = rois.asnumpy(), scores.asnumpy()
rois, scores = mx.nd.contrib.Proposal(mx.nd.array(cls_prob[1:]), mx.nd.array(bbox_pred[1:]),
                                      mx.nd.array(im_info[1:]), **dict(params, rpn_pre_nms_top_n=0))
out["single_rois"], out["single_scores"] = rois.asnumpy(), scores.asnumpy()
# fewer boxes survive than rows asked for: the kept ones repeat
rois, scores = mx.nd.contrib.MultiProposal(mx.nd.array(cls_prob), mx.nd.array(bbox_pred),
                                           mx.nd.array(im_info), **dict(params, rpn_pre_nms_top_n=8,
                                                                        rpn_post_nms_top_n=12))
out["cyclic_rois"], out["cyclic_scores"] = rois.asnumpy(), scores.asnumpy()
np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "proposal.npz"), **out)

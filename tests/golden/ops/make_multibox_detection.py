"""Writes multibox_detection.npz: MXNet 1.9.1's contrib MultiBoxDetection on random
anchors, class probabilities (with a tie) and offsets, under several settings. Run with
real MXNet: /tmp/mxref/bin/python make_multibox_detection.py"""
import os

import mxnet as mx
import numpy as np

SETTINGS = [{}, {"threshold": 0.3}, {"nms_topk": 5},
            {"force_suppress": True, "nms_threshold": 0.2}, {"clip": False},
            {"nms_threshold": 0.05, "threshold": 0.2, "nms_topk": 8},
            {"nms_threshold": 0, "threshold": 0.25}]

rs = np.random.RandomState(0)
A, C, B = 20, 4, 2
corners = rs.rand(1, A, 2, 2)
anchors = np.concatenate([corners.min(axis=2), corners.max(axis=2)], axis=-1)
cls_prob = rs.rand(B, C, A)
cls_prob /= cls_prob.sum(axis=1, keepdims=True)
cls_prob[0, 1, 3] = cls_prob[0, 2, 3]  # a tie between two classes
loc_pred = rs.randn(B, A * 4) * 0.3
out = {"anchors": anchors, "cls_prob": cls_prob, "loc_pred": loc_pred}
for i, setting in enumerate(SETTINGS):
    out[f"out{i}"] = mx.nd.contrib.MultiBoxDetection(
        mx.nd.array(cls_prob), mx.nd.array(loc_pred), mx.nd.array(anchors), **setting).asnumpy()
np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "multibox_detection.npz"),
         **out)

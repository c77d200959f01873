"""Region proposal operators of ``mx.nd.contrib``: Proposal (one image) and MultiProposal
(a batch), Faster R-CNN's RPN proposal layer with MXNet 1.9.1's semantics
(src/operator/contrib/proposal.cc, multi_proposal.cc).

Per image: anchors shifted over the feature map are moved by the predicted deltas and
clipped to the image; anchors on the padded part of the map (beyond im_info's size) and
boxes smaller than ``rpn_min_size * scale`` (which MXNet also widens by half that size)
score -1; the ``rpn_pre_nms_top_n`` best (stable sort) go through greedy non-maximum
suppression, which keeps at most ``rpn_post_nms_top_n`` boxes; the output repeats the kept
boxes cyclically to fill ``rpn_post_nms_top_n`` rows. The gradient is zero, as on MXNet.
"""
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_TILE = 128  # boxes suppressed together in one step of the greedy NMS


def _base_anchors(stride, ratios, scales):
    """(len(ratios) * len(scales), 4) anchors around the first cell, ratios outermost."""
    size = float(stride) * stride
    center = 0.5 * (stride - 1)
    anchors = []
    for ratio in ratios:
        for scale in scales:
            w = np.floor(np.sqrt(np.floor(np.float32(size / ratio))) + 0.5) * scale
            h = np.floor(w / scale * ratio + 0.5) * scale
            anchors.append([center - 0.5 * (w - 1), center - 0.5 * (h - 1),
                            center + 0.5 * (w - 1), center + 0.5 * (h - 1)])
    return np.array(anchors, np.float32)


def _decode(scores, deltas, im_info, params):
    """(boxes (H*W*A, 4), scores (H*W*A,)) of one image, ordered (y, x, anchor)."""
    stride = params["feature_stride"]
    num_anchors, height, width = scores.shape[0] // 2, scores.shape[1], scores.shape[2]
    base = _base_anchors(stride, params["ratios"], params["scales"])
    if base.shape[0] != num_anchors:
        raise MXNetError(f"Proposal: cls_prob has {num_anchors} anchors per cell (channels / 2) "
                         f"but scales x ratios make {base.shape[0]}")
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    shift = np.stack([xs, ys, xs, ys], -1)[:, :, None, :] * np.float32(stride)
    anchors = jnp.asarray((base + shift).reshape(-1, 4), jnp.float32)
    fg = jnp.transpose(scores[num_anchors:], (1, 2, 0)).reshape(-1)
    d = jnp.transpose(deltas.reshape(num_anchors, 4, height, width), (2, 3, 0, 1)).reshape(-1, 4)
    im_h, im_w, im_scale = im_info[0], im_info[1], im_info[2]
    x1, y1, x2, y2 = anchors[:, 0], anchors[:, 1], anchors[:, 2], anchors[:, 3]
    if params["iou_loss"]:
        boxes = anchors + d
    else:
        w, h = x2 - x1 + 1, y2 - y1 + 1
        cx, cy = x1 + 0.5 * (w - 1), y1 + 0.5 * (h - 1)
        pcx, pcy = d[:, 0] * w + cx, d[:, 1] * h + cy
        pw, ph = jnp.exp(d[:, 2]) * w, jnp.exp(d[:, 3]) * h
        boxes = jnp.stack([pcx - 0.5 * (pw - 1), pcy - 0.5 * (ph - 1),
                           pcx + 0.5 * (pw - 1), pcy + 0.5 * (ph - 1)], -1)
    boxes = jnp.clip(boxes, 0, jnp.stack([im_w, im_h, im_w, im_h]) - 1)
    real_h = jnp.floor(im_h / stride).astype(jnp.int32)
    real_w = jnp.floor(im_w / stride).astype(jnp.int32)
    padded = ((ys[:, :, None] >= real_h) | (xs[:, :, None] >= real_w))
    padded = jnp.broadcast_to(padded, (height, width, num_anchors)).reshape(-1)
    fg = jnp.where(padded, -1.0, fg)
    min_size = params["rpn_min_size"] * im_scale
    small = ((boxes[:, 2] - boxes[:, 0] + 1 < min_size)
             | (boxes[:, 3] - boxes[:, 1] + 1 < min_size))
    boxes = jnp.where(small[:, None], boxes + jnp.array([-0.5, -0.5, 0.5, 0.5]) * min_size,
                      boxes)
    return boxes, jnp.where(small, -1.0, fg).astype(jnp.float32)


def _overlaps(a, b, threshold):
    """(len(a), len(b)) bool: IoU (MXNet's +1 pixel convention) above ``threshold``."""
    area_a = (a[:, 2] - a[:, 0] + 1) * (a[:, 3] - a[:, 1] + 1)
    area_b = (b[:, 2] - b[:, 0] + 1) * (b[:, 3] - b[:, 1] + 1)
    w = jnp.maximum(0.0, jnp.minimum(a[:, None, 2], b[:, 2])
                    - jnp.maximum(a[:, None, 0], b[:, 0]) + 1)
    h = jnp.maximum(0.0, jnp.minimum(a[:, None, 3], b[:, 3])
                    - jnp.maximum(a[:, None, 1], b[:, 1]) + 1)
    inter = w * h
    return inter / (area_a[:, None] + area_b - inter) > threshold


def _greedy_nms(boxes, threshold, limit):
    """(indices (limit,), count): the first ``limit`` boxes greedy NMS keeps from score-sorted
    ``boxes`` (count of them valid). Tiles of boxes are checked against the boxes kept so far
    and then among themselves by iterating the greedy rule to its fixed point."""
    num = boxes.shape[0]
    tiles = -(-num // _TILE)
    padded = jnp.pad(boxes, ((0, tiles * _TILE - num), (0, 0)))
    exists = jnp.arange(tiles * _TILE) < num
    later = jnp.arange(_TILE)[:, None] < jnp.arange(_TILE)[None, :]

    def tile_step(state):
        tile, kept_boxes, kept_index, count = state
        box = lax.dynamic_slice_in_dim(padded, tile * _TILE, _TILE)
        hit = _overlaps(box, kept_boxes, threshold) & (jnp.arange(limit) < count)
        alive = lax.dynamic_slice_in_dim(exists, tile * _TILE, _TILE) & ~hit.any(1)
        inside = _overlaps(box, box, threshold) & later

        def settle(carry):
            keep, _ = carry
            new = alive & ~(keep[:, None] & inside).any(0)
            return new, (new != keep).any()
        keep, _ = lax.while_loop(lambda c: c[1], settle, (alive, jnp.array(True)))
        slot = jnp.where(keep, count + jnp.cumsum(keep, dtype=jnp.int32) - 1, limit)
        kept_boxes = kept_boxes.at[slot].set(box, mode="drop")
        kept_index = kept_index.at[slot].set(tile * _TILE + jnp.arange(_TILE, dtype=jnp.int32),
                                          mode="drop")
        return tile + 1, kept_boxes, kept_index, count + keep.sum(dtype=jnp.int32)

    state = (jnp.int32(0), jnp.zeros((limit, 4), boxes.dtype), jnp.zeros(limit, jnp.int32),
             jnp.int32(0))
    _, _, kept_index, count = lax.while_loop(
        lambda s: (s[0] < tiles) & (s[3] < limit), tile_step, state)
    return kept_index, jnp.minimum(count, limit)


def _propose_one(scores, deltas, im_info, params):
    """(rois (post, 4), scores (post,)) of one image."""
    boxes, fg = _decode(scores, deltas, im_info, params)
    total = fg.shape[0]
    pre = params["rpn_pre_nms_top_n"]
    pre = min(pre if pre > 0 else total, total)
    post = params["rpn_post_nms_top_n"]
    order = jnp.argsort(-fg, stable=True)[:pre]
    boxes, fg = boxes[order], fg[order]
    kept, count = _greedy_nms(boxes, params["threshold"], min(post, pre))
    rows = jnp.arange(post, dtype=jnp.int32)
    pick = kept[jnp.where(rows < count, rows, rows % count)]
    return boxes[pick], fg[pick]


def _multi_proposal(inputs, aux, params, is_train, rng):
    cls_prob, bbox_pred, im_info = (lax.stop_gradient(x).astype(jnp.float32) for x in inputs)
    rois, scores = lax.map(lambda xs: _propose_one(*xs, params), (cls_prob, bbox_pred, im_info))
    batch, post = rois.shape[0], rois.shape[1]
    index = jnp.broadcast_to(jnp.arange(batch, dtype=jnp.float32)[:, None, None], (batch, post, 1))
    dtype = inputs[0].dtype
    outputs = (jnp.concatenate([index, rois], -1).reshape(-1, 5).astype(dtype),
               scores.reshape(-1, 1).astype(dtype))
    return (outputs if params["output_score"] else outputs[:1]), aux


def _proposal(inputs, aux, params, is_train, rng):
    if inputs[0].shape[0] != 1:
        raise MXNetError(f"Proposal: takes one image (batch size 1), got cls_prob of shape "
                         f"{tuple(inputs[0].shape)}; MultiProposal takes a batch")
    return _multi_proposal(inputs, aux, params, is_train, rng)


def _shape_rule(batched):
    def rule(op, params, shapes):
        cls_prob = shapes[0]
        outputs = op.num_outputs(params)
        if cls_prob is None:
            return shapes, [None] * outputs
        if len(cls_prob) != 4:
            raise MXNetError(f"{op.name}: cls_prob must be 4-D (batch, 2 * anchors, height, "
                             f"width), got {tuple(cls_prob)}")
        batch = cls_prob[0]
        expected = [tuple(cls_prob), (batch, cls_prob[1] * 2, cls_prob[2], cls_prob[3]), (batch, 3)]
        for name, shape, want in zip(op.input_names(params), shapes, expected):
            if shape is not None and tuple(shape) != want:
                raise MXNetError(f"{op.name}: {name} must have shape {want} for cls_prob of shape "
                                 f"{tuple(cls_prob)}, got {tuple(shape)}")
        rows = params["rpn_post_nms_top_n"] * (batch if batched else 1)
        return expected, [(rows, 5), (rows, 1)][:outputs]
    return rule


_PARAMS = (
    Param("rpn_pre_nms_top_n", P.integer, default=6000,
          doc="boxes kept (best scores first) before NMS; <= 0: all"),
    Param("rpn_post_nms_top_n", P.integer, default=300, doc="boxes kept after NMS, per image"),
    Param("threshold", P.number, default=0.7, doc="NMS suppresses above this IoU"),
    Param("rpn_min_size", P.integer, default=16, doc="minimum box height and width, in pixels of "
                                                     "the unscaled image"),
    Param("scales", P.floats, default=(4.0, 8.0, 16.0, 32.0), doc="anchor scales"),
    Param("ratios", P.floats, default=(0.5, 1.0, 2.0), doc="anchor aspect ratios"),
    Param("feature_stride", P.integer, default=16, doc="image pixels per feature-map cell"),
    Param("output_score", P.boolean, default=False, doc="also output the box scores"),
    Param("iou_loss", P.boolean, default=False, doc="deltas move the corners (IoU loss) "
                                                    "instead of center and size"))

for _name, _compute, _batched in (("_contrib_Proposal", _proposal, False),
                                  ("_contrib_MultiProposal", _multi_proposal, True)):
    register(_name, _compute, params=_PARAMS,
             inputs=("cls_prob", "bbox_pred", "im_info"),
             outputs=lambda p: ("output", "score") if p["output_score"] else ("output",),
             shape_rule=_shape_rule(_batched), differentiable=False,
             dtype_rule=lambda op, params, dtypes: (
                 [dtypes[0]] * 3 if dtypes[0] is not None else dtypes,
                 [dtypes[0]] * op.num_outputs(params)),
             doc="RPN region proposals: rows (image index, x1, y1, x2, y2), "
                 + ("rpn_post_nms_top_n per image of the batch." if _batched
                    else "rpn_post_nms_top_n of the one image."))

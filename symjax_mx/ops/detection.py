"""Object-detection operators of ``mx.nd.contrib``: MultiBoxPrior (SSD anchors), box_nms
(non-maximum suppression) and bipartite_matching, with MXNet 1.9.1's semantics
(src/operator/contrib/multibox_prior.cc, bounding_box-inl.h).
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .boxes import _box_decode
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute

_FORMAT = P.choice("corner", "center")


# --- MultiBoxPrior -----------------------------------------------------------------------

def _prior_count(params):
    return len(params["sizes"]) + len(params["ratios"]) - 1


def _multibox_prior(data, sizes, ratios, clip, steps, offsets):
    height, width = data.shape[2], data.shape[3]
    step_y, step_x = steps
    if step_y <= 0 or step_x <= 0:
        step_y, step_x = 1.0 / height, 1.0 / width
    f32 = np.float32
    # (half width, half height) of each anchor at a location: the sizes at the first
    # ratio, then the other ratios at the first size
    shapes = [(s, ratios[0]) for s in sizes] + [(sizes[0], r) for r in ratios[1:]]
    half = np.array([(f32(s) * height / width * np.sqrt(f32(r)) / 2, f32(s) / np.sqrt(f32(r)) / 2)
                     for s, r in shapes], f32)
    cy = (jnp.arange(height, dtype=jnp.float32) + f32(offsets[0])) * f32(step_y)
    cx = (jnp.arange(width, dtype=jnp.float32) + f32(offsets[1])) * f32(step_x)
    cy, cx = cy[:, None, None], cx[None, :, None]                 # (H, 1, 1), (1, W, 1)
    boxes = jnp.stack(jnp.broadcast_arrays(cx - half[:, 0], cy - half[:, 1],
                                           cx + half[:, 0], cy + half[:, 1]), -1)
    if clip:
        boxes = jnp.clip(boxes, 0, 1)
    return boxes.reshape(1, -1, 4).astype(data.dtype)


def _multibox_prior_shape(data, params):
    if len(data) != 4:
        raise MXNetError(f"MultiBoxPrior: data must be 4-D (batch, channel, y, x), got {data}")
    return (1, data[2] * data[3] * _prior_count(params), 4)


def _check_prior(op, params):
    if not params["sizes"] or not params["ratios"]:
        raise MXNetError("MultiBoxPrior: sizes and ratios need at least one value each")
    if len(params["steps"]) != 2 or len(params["offsets"]) != 2:
        raise MXNetError("MultiBoxPrior: steps and offsets take two values, (y, x)")
    if not all(0 <= o <= 1 for o in params["offsets"]):
        raise MXNetError(f"MultiBoxPrior: offsets must lie in [0, 1], got {params['offsets']}")


register("_contrib_MultiBoxPrior", simple_compute(_multibox_prior),
         aliases=("MultiBoxPrior",), shape_rule=output_shape_rule(_multibox_prior_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]), check=_check_prior,
         params=(Param("sizes", P.floats, default=(1.0,), doc="anchor sizes"),
                 Param("ratios", P.floats, default=(1.0,), doc="anchor aspect ratios"),
                 Param("clip", P.boolean, default=False, doc="clip the boxes to [0, 1]"),
                 Param("steps", P.floats, default=(-1.0, -1.0),
                       doc="(y, x) step between anchor centers; -1: 1 / the feature size"),
                 Param("offsets", P.floats, default=(0.5, 0.5),
                       doc="(y, x) offset of the first anchor center, in steps")),
         doc="SSD prior boxes (xmin, ymin, xmax, ymax) for every location of the (N, C, H, W) "
             "feature map: shape (1, H * W * (len(sizes) + len(ratios) - 1), 4).")


# --- box_nms ---------------------------------------------------------------------------

def _to_corners(coords, fmt):
    if fmt == "corner":
        return coords
    x, y, w, h = jnp.moveaxis(coords, -1, 0)
    return jnp.stack([x - w / 2, y - h / 2, x + w / 2, y + h / 2], -1)


def _convert(coords, in_format, out_format):
    if in_format == out_format:
        return coords
    if out_format == "corner":
        return _to_corners(coords, "center")
    x0, y0, x1, y1 = jnp.moveaxis(coords, -1, 0)
    return jnp.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1)


def _nms_one(boxes, params):
    """Non-maximum suppression of one (N, W) set of boxes."""
    num = boxes.shape[0]
    start, score_index, id_index = params["coord_start"], params["score_index"], params["id_index"]
    topk = num if params["topk"] < 0 else min(num, params["topk"])
    scores = boxes[:, score_index]
    valid = scores > params["valid_thresh"]
    if id_index >= 0:
        valid &= boxes[:, id_index] != params["background_id"]
    order = jnp.argsort(jnp.where(valid, -scores, jnp.inf), stable=True)
    ranked = boxes[order]
    alive = valid[order] & (jnp.arange(num) < topk)
    corners = lax.stop_gradient(_to_corners(ranked[:, start:start + 4], params["in_format"]))
    x0, y0, x1, y1 = (c for c in jnp.moveaxis(corners, -1, 0))
    area = jnp.where((x1 >= x0) & (y1 >= y0), (x1 - x0) * (y1 - y0), 0)
    inter = (jnp.maximum(0, jnp.minimum(x1[:, None], x1) - jnp.maximum(x0[:, None], x0))
             * jnp.maximum(0, jnp.minimum(y1[:, None], y1) - jnp.maximum(y0[:, None], y0)))
    overlap = inter / (area[:, None] + area - inter) > params["overlap_thresh"]
    if id_index >= 0 and not params["force_suppress"]:
        classes = lax.stop_gradient(ranked[:, id_index])
        overlap &= classes[:, None] == classes
    later = jnp.arange(num)[None, :] > jnp.arange(num)[:, None]
    suppresses = overlap & later

    def step(ref, keep):
        return keep & ~(keep[ref] & suppresses[ref])
    keep = lax.fori_loop(0, topk, step, alive)
    coords = _convert(ranked[:, start:start + 4], params["in_format"], params["out_format"])
    ranked = ranked.at[:, start:start + 4].set(coords)
    target = jnp.where(keep, jnp.cumsum(keep) - 1, num)
    return jnp.full_like(boxes, -1).at[target].set(ranked, mode="drop")


def _box_nms(data, **params):
    if data.size == 0:
        return data
    flat = data.reshape((-1,) + data.shape[-2:])
    return jax.vmap(lambda b: _nms_one(b, params))(flat).reshape(data.shape)


def _box_nms_shape(data, params):
    width = data[-1] if data else 0
    needed = max(params["coord_start"] + 4, params["score_index"] + 1, params["id_index"] + 1)
    if len(data) < 2 or width < needed:
        raise MXNetError(f"box_nms: data must be (..., num_boxes, width) with width >= "
                         f"{needed} for these indices, got shape {data}")
    return tuple(data)


register("_contrib_box_nms", simple_compute(_box_nms),
         aliases=("_contrib_box_non_maximum_suppression",),
         shape_rule=output_shape_rule(_box_nms_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("overlap_thresh", P.number, default=0.5,
                       doc="suppress a box whose IoU with a kept one is above this"),
                 Param("valid_thresh", P.number, default=0.0,
                       doc="boxes scoring at most this are dropped first"),
                 Param("topk", P.integer, default=-1,
                       doc="keep only the topk highest scores before suppression; -1: all"),
                 Param("coord_start", P.integer, default=2, doc="index of the first coordinate"),
                 Param("score_index", P.integer, default=1, doc="index of the score"),
                 Param("id_index", P.integer, default=-1, doc="index of the class id; -1: none"),
                 Param("background_id", P.integer, default=-1,
                       doc="class id of the background, dropped first"),
                 Param("force_suppress", P.boolean, default=False,
                       doc="suppress across classes too"),
                 Param("in_format", _FORMAT, default="corner", doc="encoding of the input"),
                 Param("out_format", _FORMAT, default="corner", doc="encoding of the output")),
         doc="Non-maximum suppression per batch item: the kept boxes by descending score, "
             "then rows of -1. The gradient flows to the kept input rows.")


# --- bipartite_matching ------------------------------------------------------------------

def _match_one(scores, threshold, is_ascend, topk):
    rows, cols = scores.shape
    flat = scores.reshape(-1)
    order = jnp.argsort(flat if is_ascend else -flat, stable=True)

    def step(j, state):
        row_of, col_of, count, done = state
        index = order[j].astype(jnp.int32)
        r, c = index // cols, index % cols
        free = (row_of[r] < 0) & (col_of[c] < 0) & ~done
        good = flat[index] < threshold if is_ascend else flat[index] > threshold
        take = free & good
        row_of = jnp.where(take, row_of.at[r].set(c), row_of)
        col_of = jnp.where(take, col_of.at[c].set(r), col_of)
        count = count + take
        done = done | (free & ~good) | (take & (topk > 0) & (count > topk))
        return row_of, col_of, count, done

    state = (jnp.full(rows, -1, jnp.int32), jnp.full(cols, -1, jnp.int32), 0, False)
    row_of, col_of, _, _ = lax.fori_loop(0, rows * cols, step, state)
    return row_of, col_of


def _bipartite_matching(inputs, aux, params, is_train, rng):
    (data,) = inputs
    scores = lax.stop_gradient(data)
    flat = scores.reshape((-1,) + scores.shape[-2:])
    rows, cols = jax.vmap(lambda s: _match_one(s, params["threshold"], params["is_ascend"],
                                               params["topk"]))(flat)
    return (rows.reshape(data.shape[:-1]).astype(data.dtype),
            cols.reshape(data.shape[:-2] + data.shape[-1:]).astype(data.dtype)), aux


def _bipartite_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None, None]
    if len(data) < 2:
        raise MXNetError(f"bipartite_matching: data must be at least 2-D (rows, cols), got "
                         f"{tuple(data)}")
    return shapes, [tuple(data[:-1]), tuple(data[:-2]) + (data[-1],)]


register("_contrib_bipartite_matching", _bipartite_matching, aliases=("bipartite_matching",),
         shape_rule=_bipartite_shape_rule, differentiable=False,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0], dtypes[0]]),
         outputs=("row_match", "col_match"),
         params=(Param("is_ascend", P.boolean, default=False,
                       doc="match the lowest scores first"),
                 Param("threshold", P.number, required=True,
                       doc="stop at the first score not above (ascending: below) this"),
                 Param("topk", P.integer, default=-1, doc="most matches; -1: no limit")),
         doc="Greedy bipartite matching of a (..., rows, cols) score matrix: the column matched "
             "to each row and the row matched to each column, -1 where none.")


# --- MultiBoxTarget ----------------------------------------------------------------------

def _corner_iou(a, b):
    """(len(a), len(b)) IoU of corner boxes."""
    def overlap(low, high):
        return jnp.maximum(0, jnp.minimum(a[:, None, high], b[:, high])
                           - jnp.maximum(a[:, None, low], b[:, low]))
    width, height = overlap(0, 2), overlap(1, 3)
    inter = width * height
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area_a[:, None] + area_b - inter)


def _match_anchors(iou, valid_gt, threshold):
    """(positive, matched gt, its IoU) per anchor: first each ground truth greedily takes its
    best free anchor, then every other anchor whose best IoU exceeds ``threshold``."""
    num_anchors, num_labels = iou.shape
    iou = jnp.where(valid_gt, iou, -1.0)

    def greedy(_, state):
        positive, gt_of, gt_done = state
        free = jnp.where(positive[:, None] | gt_done[None, :], -1.0, iou)
        best = jnp.argmax(free).astype(jnp.int32)
        anchor, gt = best // num_labels, best % num_labels
        take = free.reshape(-1)[best] > 1e-6
        return (positive.at[anchor].set(positive[anchor] | take),
                gt_of.at[anchor].set(jnp.where(take, gt, gt_of[anchor])),
                gt_done.at[gt].set(gt_done[gt] | take))

    state = (jnp.zeros(num_anchors, bool), jnp.full(num_anchors, -1, jnp.int32),
             jnp.zeros(num_labels, bool))
    positive, gt_of, _ = lax.fori_loop(0, num_labels, greedy, state)
    best_gt = jnp.argmax(iou, axis=1).astype(jnp.int32)
    gt_of = jnp.where(positive, gt_of, best_gt)
    best_iou = jnp.take_along_axis(iou, gt_of[:, None], axis=1)[:, 0]
    if threshold > 0:
        positive = positive | (best_iou > threshold)
    return positive, gt_of, best_iou


def _loc_targets(anchors, boxes, variances):
    aw, ah = anchors[:, 2] - anchors[:, 0], anchors[:, 3] - anchors[:, 1]
    ax, ay = (anchors[:, 0] + anchors[:, 2]) / 2, (anchors[:, 1] + anchors[:, 3]) / 2
    gw, gh = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    gx, gy = (boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2
    vx, vy, vw, vh = variances
    return jnp.stack([(gx - ax) / aw / vx, (gy - ay) / ah / vy,
                      jnp.log(gw / aw) / vw, jnp.log(gh / ah) / vh], axis=1)


def _multibox_target_one(anchors, labels, cls_pred, params):
    num_anchors = anchors.shape[0]
    valid_gt = jnp.cumprod(labels[:, 0] != -1).astype(bool)
    iou = _corner_iou(anchors, labels[:, 1:5])
    positive, gt_of, best_iou = _match_anchors(iou, valid_gt, params["overlap_threshold"])
    num_positive = positive.sum()
    ratio = params["negative_mining_ratio"]
    if ratio > 0:
        wanted = jnp.minimum((num_positive * ratio).astype(jnp.int32), num_anchors - num_positive)
        probs = jax.nn.softmax(cls_pred, axis=0)[0]      # background probability per anchor
        candidate = ~positive & (best_iou < params["negative_mining_thresh"])
        order = jnp.argsort(jnp.where(candidate, probs, jnp.inf), stable=True)
        rank = jnp.zeros(num_anchors, jnp.int32).at[order].set(
            jnp.arange(num_anchors, dtype=jnp.int32))
        negative = candidate & (rank < wanted)
    else:
        negative = ~positive
    has_gt = valid_gt.any()
    positive, negative = positive & has_gt, negative & has_gt
    matched = labels[gt_of]
    cls_target = jnp.where(positive, matched[:, 0] + 1,
                           jnp.where(negative, 0, params["ignore_label"]))
    loc = jnp.where(positive[:, None],
                    _loc_targets(anchors, matched[:, 1:5], params["variances"]), 0)
    mask = jnp.broadcast_to(positive[:, None], loc.shape)
    return loc.reshape(-1), mask.reshape(-1), cls_target


def _multibox_target(inputs, aux, params, is_train, rng):
    anchors, labels, cls_pred = (lax.stop_gradient(x) for x in inputs)
    loc, mask, cls = jax.vmap(lambda l, c: _multibox_target_one(anchors[0], l, c, params))(
        labels, cls_pred)
    dtype = inputs[0].dtype
    return (loc.astype(dtype), mask.astype(dtype), cls.astype(dtype)), aux


def _multibox_target_shape_rule(op, params, shapes):
    anchors, labels, cls_pred = shapes
    if anchors is None or labels is None:
        return shapes, [None, None, None]
    if len(anchors) != 3 or anchors[-1] != 4 or len(labels) != 3 or labels[-1] < 5:
        raise MXNetError(f"MultiBoxTarget: anchor must be (1, num_anchors, 4) and label "
                         f"(batch, num_labels, >= 5), got {tuple(anchors)} and {tuple(labels)}")
    batch, num_anchors = labels[0], anchors[1]
    if len(params["variances"]) != 4:
        raise MXNetError(f"MultiBoxTarget: variances takes 4 values, got {params['variances']}")
    return shapes, [(batch, num_anchors * 4), (batch, num_anchors * 4), (batch, num_anchors)]


register("_contrib_MultiBoxTarget", _multibox_target, aliases=("MultiBoxTarget",),
         inputs=("anchor", "label", "cls_pred"),
         outputs=("loc_target", "loc_mask", "cls_target"),
         shape_rule=_multibox_target_shape_rule, differentiable=False,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]] * 3),
         params=(Param("overlap_threshold", P.number, default=0.5,
                       doc="anchors above this IoU with a ground truth are positive"),
                 Param("ignore_label", P.number, default=-1.0,
                       doc="class target of ignored anchors"),
                 Param("negative_mining_ratio", P.number, default=-1.0,
                       doc="negatives per positive (hardest first); <= 0: all are negatives"),
                 Param("negative_mining_thresh", P.number, default=0.5,
                       doc="negatives have a best IoU below this"),
                 Param("minimum_negative_samples", P.integer, default=0,
                       doc="accepted; MXNet's CPU kernel does not use it"),
                 Param("variances", P.floats, default=(0.1, 0.1, 0.2, 0.2),
                       doc="divisors of the (x, y, w, h) regression targets")),
         doc="SSD training targets: per anchor the box regression target and mask, and the "
             "class target (0 background, class + 1 positive, ignore_label otherwise).")


def _decode_boxes(anchors, loc, clip, variances):
    """Corner boxes from SSD's center-size offsets ``loc`` of corner ``anchors`` (box_decode's
    computation), clipped to [0, 1] with ``clip``."""
    boxes = _box_decode(loc, anchors, *variances, clip=-1, format="corner")
    return jnp.clip(boxes, 0, 1) if clip else boxes


def _multibox_detection_one(cls_prob, loc, anchors, params):
    """(num_anchors, 6) rows [class, score, xmin, ymin, xmax, ymax] of one batch item, as
    MXNet's CPU kernel: the valid detections by descending score (ties in anchor order),
    greedy NMS marking suppressed ones class -1; rows past ``nms_topk`` hold the valid
    detections in anchor order with class -1, and rows past the valid ones are -1."""
    num = anchors.shape[0]
    foreground = cls_prob[1:]
    if foreground.shape[0]:
        score, cls = foreground.max(axis=0), foreground.argmax(axis=0)
    else:  # no class but the background: nothing is detected
        score, cls = jnp.full((num,), -1, cls_prob.dtype), jnp.zeros((num,), jnp.int32)
    valid = (score >= params["threshold"]) & (foreground.shape[0] > 0)
    boxes = _decode_boxes(anchors, loc.reshape(num, 4), params["clip"], params["variances"])
    rows = jnp.concatenate([jnp.where(valid, cls, -1)[:, None].astype(boxes.dtype),
                            score[:, None], boxes], axis=1)
    valid_count = valid.sum()
    position = jnp.arange(num)
    compacted = jnp.where((position < valid_count)[:, None],
                          rows[jnp.argsort(~valid, stable=True)], -1)
    if not 0 < params["nms_threshold"] <= 1:  # MXNet then neither sorts nor suppresses
        return compacted
    topk = params["nms_topk"]
    kept = valid_count if topk <= 0 else jnp.minimum(valid_count, topk)
    order = jnp.argsort(jnp.where(valid, -score, jnp.inf), stable=True)
    out = jnp.where((position < kept)[:, None], rows[order], compacted.at[:, 0].set(
        jnp.where(position < valid_count, -1, compacted[:, 0])))
    corners = out[:, 2:]
    area = (corners[:, 2] - corners[:, 0]) * (corners[:, 3] - corners[:, 1])

    def suppress(i, ids):
        box = corners[i]
        inter = (jnp.maximum(0, jnp.minimum(box[2], corners[:, 2])
                             - jnp.maximum(box[0], corners[:, 0]))
                 * jnp.maximum(0, jnp.minimum(box[3], corners[:, 3])
                               - jnp.maximum(box[1], corners[:, 1])))
        union = area[i] + area - inter
        iou = jnp.where(union <= 0, 0, inter / jnp.where(union <= 0, 1, union))
        same = params["force_suppress"] | (ids == ids[i])
        hit = (ids[i] >= 0) & (position > i) & (ids >= 0) & same & (iou >= params["nms_threshold"])
        return jnp.where(hit, -1, ids)
    steps = num if topk <= 0 else min(num, topk)
    ids = lax.fori_loop(0, steps, suppress, out[:, 0])
    return out.at[:, 0].set(ids)


def _multibox_detection(inputs, aux, params, is_train, rng):
    cls_prob, loc_pred, anchors = (lax.stop_gradient(x) for x in inputs)
    out = jax.vmap(lambda c, l: _multibox_detection_one(c, l, anchors[0], params))(
        cls_prob, loc_pred)
    return (out.astype(cls_prob.dtype),), aux


def _multibox_detection_shape_rule(op, params, shapes):
    cls_prob, loc_pred, anchors = shapes
    if cls_prob is None or anchors is None:
        return shapes, [None]
    if len(cls_prob) != 3 or len(anchors) != 3 or anchors[-1] != 4 \
            or anchors[1] != cls_prob[2] or (loc_pred is not None and tuple(loc_pred) != (
                cls_prob[0], cls_prob[2] * 4)):
        raise MXNetError(f"MultiBoxDetection: cls_prob must be (batch, num_classes, "
                         f"num_anchors), loc_pred (batch, num_anchors * 4) and anchor "
                         f"(1, num_anchors, 4), got {cls_prob}, {loc_pred} and {anchors}")
    if len(params["variances"]) != 4:
        raise MXNetError(f"MultiBoxDetection: variances takes 4 values, got "
                         f"{params['variances']}")
    return shapes, [(cls_prob[0], cls_prob[2], 6)]


register("_contrib_MultiBoxDetection", _multibox_detection, aliases=("MultiBoxDetection",),
         inputs=("cls_prob", "loc_pred", "anchor"), shape_rule=_multibox_detection_shape_rule,
         differentiable=False, dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("clip", P.boolean, default=True, doc="clip the boxes to [0, 1]"),
                 Param("threshold", P.number, default=0.01,
                       doc="detections scoring below this are dropped"),
                 Param("background_id", P.integer, default=0,
                       doc="accepted; MXNet's CPU kernel takes class 0 as the background"),
                 Param("nms_threshold", P.number, default=0.5,
                       doc="suppress a detection whose IoU with a kept one is at least this"),
                 Param("force_suppress", P.boolean, default=False,
                       doc="suppress across classes too"),
                 Param("variances", P.floats, default=(0.1, 0.1, 0.2, 0.2),
                       doc="multipliers of the (x, y, w, h) offsets"),
                 Param("nms_topk", P.integer, default=-1,
                       doc="keep only this many best detections before suppression; -1: all")),
         doc="SSD detections per anchor: [class, score, xmin, ymin, xmax, ymax] rows by "
             "descending score after non-maximum suppression (class -1: none).")

"""Bounding-box operators of ``mx.nd.contrib``: box_iou, box_encode and box_decode
(MXNet 1.9.1's src/operator/contrib/bounding_box semantics).

Boxes are 4-vectors, 'corner' (xmin, ymin, xmax, ymax) or 'center' (x, y, width, height).
"""
import jax.numpy as jnp

from ..base import MXNetError
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute

_FORMAT = P.choice("corner", "center")


def _corners(boxes, fmt):
    if fmt == "corner":
        return jnp.moveaxis(boxes, -1, 0)
    x, y, w, h = jnp.moveaxis(boxes, -1, 0)
    return x - w / 2, y - h / 2, x + w / 2, y + h / 2


def _box_iou(lhs, rhs, format):
    lshape, rshape = lhs.shape[:-1], rhs.shape[:-1]
    al, at, ar, ab = (c.reshape(-1, 1) for c in _corners(lhs.reshape(-1, 4), format))
    bl, bt, br, bb = (c.reshape(1, -1) for c in _corners(rhs.reshape(-1, 4), format))
    width = jnp.maximum(0, jnp.minimum(ar, br) - jnp.maximum(al, bl))
    height = jnp.maximum(0, jnp.minimum(ab, bb) - jnp.maximum(at, bt))
    intersect = width * height
    union = (jnp.maximum(0, ar - al) * jnp.maximum(0, ab - at)
             + jnp.maximum(0, br - bl) * jnp.maximum(0, bb - bt) - intersect)
    iou = jnp.where(intersect > 0, intersect / jnp.where(intersect > 0, union, 1), 0)
    return iou.reshape(lshape + rshape).astype(lhs.dtype)


def _last_axis_4(name, *shapes):
    for shape in shapes:
        if not shape or shape[-1] != 4:
            raise MXNetError(f"{name}: boxes need a last axis of size 4, got shape "
                             f"{tuple(shape)}")


def _box_iou_shape(lhs, rhs, params):
    _last_axis_4("box_iou", lhs, rhs)
    return tuple(lhs[:-1]) + tuple(rhs[:-1])


register("_contrib_box_iou", simple_compute(_box_iou), aliases=("box_iou",),
         inputs=("lhs", "rhs"), shape_rule=output_shape_rule(_box_iou_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("format", _FORMAT, default="corner", doc="box encoding"),),
         doc="Intersection over union of every lhs box with every rhs box: shape "
             "lhs.shape[:-1] + rhs.shape[:-1].")


def _center_sizes(boxes):
    xmin, ymin, xmax, ymax = jnp.moveaxis(boxes, -1, 0)
    w, h = xmax - xmin, ymax - ymin
    return xmin + w * 0.5, ymin + h * 0.5, w, h


def _box_encode(inputs, aux, params, is_train, rng):
    samples, matches, anchors, refs, means, stds = inputs
    index = matches.astype(jnp.int32)
    matched = jnp.take_along_axis(refs, index[..., None], axis=1)
    rx, ry, rw, rh = _center_sizes(matched)
    ax, ay, aw, ah = _center_sizes(anchors)
    encoded = jnp.stack([(rx - ax) / aw, (ry - ay) / ah, jnp.log(rw / aw), jnp.log(rh / ah)],
                        axis=-1)
    valid = (samples > 0.5)[..., None]
    targets = jnp.where(valid, (encoded - means) / stds, 0).astype(anchors.dtype)
    masks = jnp.broadcast_to(valid, targets.shape).astype(anchors.dtype)
    return (targets, masks), aux


def _box_encode_shape_rule(op, params, shapes):
    samples, matches, anchors, refs, means, stds = shapes
    if anchors is None:
        return shapes, [None, None]
    _last_axis_4("box_encode", anchors)
    return shapes, [tuple(anchors), tuple(anchors)]


register("_contrib_box_encode", _box_encode, aliases=("box_encode",),
         inputs=("samples", "matches", "anchors", "refs", "means", "stds"),
         outputs=("targets", "masks"), shape_rule=_box_encode_shape_rule,
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[2], dtypes[2]]),
         differentiable=False,
         doc="Regression targets (dx, dy, log dw, log dh), normalized by means and stds, of "
             "the matched refs (corner boxes) against the anchors, where samples > 0.5; and "
             "the 0/1 masks of those positions.")


def _box_decode(data, anchors, std0, std1, std2, std3, clip, format):
    if format == "corner":
        ax, ay, aw, ah = _center_sizes(anchors)
    else:
        ax, ay, aw, ah = jnp.moveaxis(anchors, -1, 0)
    dx, dy, dw, dh = jnp.moveaxis(data, -1, 0)
    ox, oy = dx * std0 * aw + ax, dy * std1 * ah + ay
    dw, dh = dw * std2, dh * std3
    if clip > 0:
        dw, dh = jnp.minimum(dw, clip), jnp.minimum(dh, clip)
    ow, oh = jnp.exp(dw) * aw * 0.5, jnp.exp(dh) * ah * 0.5
    return jnp.stack([ox - ow, oy - oh, ox + ow, oy + oh], axis=-1).astype(data.dtype)


def _box_decode_shape(data, anchors, params):
    if len(data) != 3 or len(anchors) < 3:
        raise MXNetError(f"box_decode: data must be (batch, boxes, 4) and anchors at least "
                         f"3-D, got {tuple(data)} and {tuple(anchors)}")
    _last_axis_4("box_decode", data, anchors)
    return tuple(data)


register("_contrib_box_decode", simple_compute(_box_decode), aliases=("box_decode",),
         inputs=("data", "anchors"), shape_rule=output_shape_rule(_box_decode_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=tuple(Param(f"std{i}", P.number, default=1.0,
                            doc=f"scale of the {i + 1}th encoded value") for i in range(4))
         + (Param("clip", P.number, default=-1.0,
                  doc="if > 0, the largest log width / height change"),
            Param("format", _FORMAT, default="center", doc="encoding of the anchors")),
         doc="Corner boxes decoded from regression outputs (dx, dy, dw, dh) against anchors.")

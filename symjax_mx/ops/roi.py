"""Region-of-interest pooling: ROIPooling, ``contrib.ROIAlign`` and ``contrib.PSROIPooling``
(MXNet 1.9.1's src/operator/roi_pooling.cc, contrib/roi_align.cc, contrib/psroi_pooling.cc).

``rois`` is (R, 5): batch index, then (x1, y1, x2, y2) in image coordinates, scaled to the
feature map by ``spatial_scale``. The pooled bins of a region are rectangles, so each
operator is separable: per region, a (bins, H) weight along y and a (bins, W) weight along
x, contracted with the region's feature map. The regions get no gradient, as in MXNet.
"""
import jax.numpy as jnp
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, output_shape_rule, register, simple_compute


def _round_half_away(x):
    """C's round(): halves away from zero."""
    return jnp.sign(x) * jnp.floor(jnp.abs(x) + 0.5)


def _regions(data, rois):
    """(feature map of each region (R, C, H, W), its box columns after the batch index,
    valid (R,)), regions without gradient; (R, 4) regions all read batch item 0."""
    rois = lax.stop_gradient(rois)
    if rois.shape[1] != 4:
        batch, boxes = rois[:, 0].astype(jnp.int32), rois[:, 1:]
    else:
        batch, boxes = jnp.zeros(rois.shape[0], jnp.int32), rois
    valid = (batch >= 0) & (batch < data.shape[0])
    return data[jnp.clip(batch, 0, data.shape[0] - 1)], boxes, valid


def _bin_mask(start, end, size):
    """(R, bins, size) mask of the positions in [start, end) per region and bin."""
    index = jnp.arange(size)
    return (index >= start[..., None]) & (index < end[..., None])


def _check_rois(name, data, rois):
    if len(data) != 4:
        raise MXNetError(f"{name}: data must be 4-D (batch, channel, height, width), got {data}")
    if len(rois) != 2 or rois[1] not in (4, 5):
        raise MXNetError(f"{name}: rois must be (num_rois, 5) [batch_index, x1, y1, x2, y2], "
                         f"got {rois}")


# --- ROIPooling ----------------------------------------------------------------------------

def _integer_bins(start, length, bins, size):
    """[floor(i * length / bins), ceil((i + 1) * length / bins)) + start, clipped."""
    step = length[:, None] / bins
    index = jnp.arange(bins)
    lo = jnp.clip(jnp.floor(index * step) + start[:, None], 0, size)
    hi = jnp.clip(jnp.ceil((index + 1) * step) + start[:, None], 0, size)
    return _bin_mask(lo, hi, size)


def _roi_pooling(data, rois, pooled_size, spatial_scale):
    feat, boxes, valid = _regions(data, rois)
    x1, y1, x2, y2 = (_round_half_away(boxes[:, i] * spatial_scale) for i in range(4))
    (ph, pw), (height, width) = pooled_size, data.shape[2:]
    rows = _integer_bins(y1, jnp.maximum(y2 - y1 + 1, 1), ph, height)    # (R, PH, H)
    cols = _integer_bins(x1, jnp.maximum(x2 - x1 + 1, 1), pw, width)     # (R, PW, W)
    low = jnp.asarray(-jnp.inf, data.dtype)
    by_col = jnp.max(jnp.where(cols[:, None, None], feat[:, :, :, None, :], low), axis=-1)
    pooled = jnp.max(jnp.where(rows[:, None, :, :, None], by_col[:, :, None], low), axis=3)
    empty = ~(rows.any(-1)[:, :, None] & cols.any(-1)[:, None, :])       # (R, PH, PW)
    keep = ~empty[:, None] & valid[:, None, None, None]
    return jnp.where(keep, pooled, 0).astype(data.dtype)


def _roi_pooling_shape(data, rois, params):
    _check_rois("ROIPooling", data, rois)
    return (rois[0], data[1]) + tuple(params["pooled_size"])


register("ROIPooling", simple_compute(_roi_pooling), inputs=("data", "rois"),
         shape_rule=output_shape_rule(_roi_pooling_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("pooled_size", P.shape, required=True, doc="(height, width) of the output"),
                 Param("spatial_scale", P.number, required=True,
                       doc="feature map size / image size")),
         doc="Max pooling of each region into a pooled_size grid of integer bins: "
             "(num_rois, channels) + pooled_size.")


# --- ROIAlign ------------------------------------------------------------------------------

def _interpolation_weights(pos, size):
    """(..., size) bilinear weights of positions ``pos`` on a grid of ``size`` points;
    zero beyond [-1, size]."""
    inside = (pos >= -1.0) & (pos <= size)
    pos = jnp.maximum(pos, 0)
    low = jnp.floor(pos)
    at_end = low >= size - 1
    low = jnp.where(at_end, size - 1, low)
    frac = jnp.where(at_end, 0, pos - low)
    index = jnp.arange(size)
    weights = ((index == low[..., None]) * (1 - frac[..., None])
               + (index == low[..., None] + 1) * frac[..., None])
    return jnp.where(inside[..., None], weights, 0)


def _align_weights(start, extent, bins, grid, size, dtype):
    """(R, bins, size): the mean bilinear weights of ``grid`` (per region) sample points in
    each bin."""
    bin_size = extent / bins
    steps = jnp.max(grid)

    def add(i, total):
        pos = (start[:, None] + jnp.arange(bins) * bin_size[:, None]
               + (i + 0.5) * (bin_size / grid)[:, None])
        weights = _interpolation_weights(pos, size)
        return total + jnp.where((i < grid)[:, None, None], weights, 0)
    total = lax.fori_loop(0, steps, add, jnp.zeros((start.shape[0], bins, size), dtype))
    return total / jnp.maximum(grid, 1)[:, None, None]


def _roi_align(data, rois, pooled_size, spatial_scale, sample_ratio, position_sensitive,
               aligned):
    feat, boxes, valid = _regions(data, rois)
    work = jnp.float32 if data.dtype == jnp.float16 else data.dtype
    boxes = boxes.astype(work) * spatial_scale - (0.5 if aligned else 0.0)
    x1, y1, x2, y2 = (boxes[:, i] for i in range(4))
    roi_w, roi_h = x2 - x1, y2 - y1
    if not aligned:
        roi_w, roi_h = jnp.maximum(roi_w, 1.0), jnp.maximum(roi_h, 1.0)
    (ph, pw), (height, width) = pooled_size, data.shape[2:]
    if sample_ratio > 0:
        grid_h = grid_w = jnp.full(rois.shape[0], sample_ratio, jnp.int32)
    else:
        grid_h = jnp.ceil(roi_h / ph).astype(jnp.int32)
        grid_w = jnp.ceil(roi_w / pw).astype(jnp.int32)
    rows = _align_weights(y1, roi_h, ph, grid_h, height, work)     # (R, PH, H)
    cols = _align_weights(x1, roi_w, pw, grid_w, width, work)      # (R, PW, W)
    rows = lax.stop_gradient(jnp.where(valid[:, None, None], rows, 0)).astype(data.dtype)
    cols = lax.stop_gradient(cols).astype(data.dtype)
    if position_sensitive:
        feat = feat.reshape(feat.shape[:1] + (-1, ph, pw) + feat.shape[2:])
        return jnp.einsum("rph,rqw,rcpqhw->rcpq", rows, cols, feat)
    return jnp.einsum("rph,rqw,rchw->rcpq", rows, cols, feat)


def _roi_align_shape(data, rois, params):
    _check_rois("ROIAlign", data, rois)
    ph, pw = params["pooled_size"]
    channels = data[1]
    if params["position_sensitive"]:
        if channels % (ph * pw):
            raise MXNetError(f"ROIAlign: position_sensitive needs channels ({channels}) "
                             f"divisible by the pooled size {ph} x {pw}")
        channels //= ph * pw
    return (rois[0], channels, ph, pw)


register("_contrib_ROIAlign", simple_compute(_roi_align), aliases=("ROIAlign",),
         inputs=("data", "rois"), shape_rule=output_shape_rule(_roi_align_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("pooled_size", P.shape, required=True, doc="(height, width) of the output"),
                 Param("spatial_scale", P.number, required=True,
                       doc="feature map size / image size"),
                 Param("sample_ratio", P.integer, default=-1,
                       doc="sample points per bin side; <= 0: ceil(region size / pooled size)"),
                 Param("position_sensitive", P.boolean, default=False,
                       doc="each bin reads its own group of channels"),
                 Param("aligned", P.boolean, default=False,
                       doc="shift the regions by half a pixel (continuous coordinates)")),
         doc="Average of bilinear samples in each bin of each region (Mask R-CNN's RoIAlign).")


# --- PSROIPooling --------------------------------------------------------------------------

def _psroi_pooling(data, rois, spatial_scale, output_dim, pooled_size, group_size):
    group = group_size or pooled_size
    feat, boxes, valid = _regions(data, rois)
    boxes = _round_half_away(boxes)
    x1, y1 = boxes[:, 0] * spatial_scale, boxes[:, 1] * spatial_scale
    x2, y2 = (boxes[:, 2] + 1) * spatial_scale, (boxes[:, 3] + 1) * spatial_scale
    height, width = data.shape[2:]

    def bins(start, end, size):
        step = jnp.maximum(end - start, 0.1)[:, None] / pooled_size
        index = jnp.arange(pooled_size)
        lo = jnp.clip(jnp.floor(index * step + start[:, None]), 0, size)
        hi = jnp.clip(jnp.ceil((index + 1) * step + start[:, None]), 0, size)
        mask = _bin_mask(lo, hi, size)
        return mask / jnp.maximum(hi - lo, 1)[..., None]
    rows = bins(y1, y2, height)
    cols = bins(x1, x2, width)
    rows = lax.stop_gradient(jnp.where(valid[:, None, None], rows, 0)).astype(data.dtype)
    cols = lax.stop_gradient(cols).astype(data.dtype)
    cell = jnp.clip(jnp.arange(pooled_size) * group // pooled_size, 0, group - 1)
    feat = feat.reshape((feat.shape[0], output_dim, group, group) + feat.shape[2:])
    feat = feat[:, :, cell][:, :, :, cell]                    # (R, D, PH, PW, H, W)
    return jnp.einsum("rph,rqw,rcpqhw->rcpq", rows, cols, feat)


def _psroi_shape(data, rois, params):
    _check_rois("PSROIPooling", data, rois)
    group = params["group_size"] or params["pooled_size"]
    if data[1] != params["output_dim"] * group * group:
        raise MXNetError(f"PSROIPooling: data needs output_dim * group_size ** 2 = "
                         f"{params['output_dim'] * group * group} channels, got {data[1]}")
    size = params["pooled_size"]
    return (rois[0], params["output_dim"], size, size)


register("_contrib_PSROIPooling", simple_compute(_psroi_pooling), aliases=("PSROIPooling",),
         inputs=("data", "rois"), shape_rule=output_shape_rule(_psroi_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
         params=(Param("spatial_scale", P.number, required=True,
                       doc="feature map size / image size"),
                 Param("output_dim", P.integer, required=True, doc="output channels"),
                 Param("pooled_size", P.integer, required=True, doc="output height and width"),
                 Param("group_size", P.integer, default=0,
                       doc="position-sensitive groups per side; 0: pooled_size")),
         doc="Position-sensitive average pooling of each region (R-FCN): bin (i, j) of output "
             "channel d averages input channel (d * group + i') * group + j'.")


# --- RROIAlign -----------------------------------------------------------------------------

def _rroi_align(data, rois, pooled_size, spatial_scale, sampling_ratio):
    feat, boxes, valid = _regions(data, rois)
    work = jnp.float32 if data.dtype == jnp.float16 else data.dtype
    boxes = boxes.astype(work)
    cx, cy = boxes[:, 0] * spatial_scale, boxes[:, 1] * spatial_scale
    roi_w = jnp.maximum(boxes[:, 2] * spatial_scale, 1.0)
    roi_h = jnp.maximum(boxes[:, 3] * spatial_scale, 1.0)
    theta = boxes[:, 4] * (jnp.pi / 180.0)
    (ph, pw), (height, width) = pooled_size, data.shape[2:]
    if sampling_ratio > 0:
        grid_h = grid_w = jnp.full(rois.shape[0], sampling_ratio, jnp.int32)
    else:
        grid_h = jnp.ceil(roi_h / ph).astype(jnp.int32)
        grid_w = jnp.ceil(roi_w / pw).astype(jnp.int32)
    bin_h, bin_w = roi_h / ph, roi_w / pw
    cos, sin = (f(theta)[:, None, None] for f in (jnp.cos, jnp.sin))
    feat = feat.astype(work)

    def sample(iy, ix, total):
        yy = (-roi_h / 2)[:, None, None] + jnp.arange(ph)[None, :, None] * bin_h[:, None, None] \
            + ((iy + 0.5) * bin_h / grid_h)[:, None, None]
        xx = (-roi_w / 2)[:, None, None] + jnp.arange(pw)[None, None, :] * bin_w[:, None, None] \
            + ((ix + 0.5) * bin_w / grid_w)[:, None, None]
        x = xx * cos + yy * sin + cx[:, None, None]
        y = yy * cos - xx * sin + cy[:, None, None]
        rows = _interpolation_weights(y, height)                    # (R, PH, PW, H)
        cols = _interpolation_weights(x, width)                     # (R, PH, PW, W)
        value = jnp.einsum("rpqh,rchw,rpqw->rcpq", rows, feat, cols)
        used = (iy < grid_h) & (ix < grid_w)
        return total + jnp.where(used[:, None, None, None], value, 0)

    def row(iy, total):
        return lax.fori_loop(0, jnp.max(grid_w), lambda ix, t: sample(iy, ix, t), total)
    total = lax.fori_loop(0, jnp.max(grid_h), row,
                          jnp.zeros((rois.shape[0], data.shape[1], ph, pw), work))
    count = jnp.maximum(grid_h * grid_w, 1).astype(work)[:, None, None, None]
    return jnp.where(valid[:, None, None, None], total / count, 0).astype(data.dtype)


def _rroi_align_shape(data, rois, params):
    if len(data) != 4 or len(rois) != 2 or rois[1] != 6:
        raise MXNetError(f"RROIAlign: data must be 4-D and rois (num_rois, 6) [batch_index, "
                         f"center_x, center_y, width, height, degrees], got {data} and {rois}")
    return (rois[0], data[1]) + tuple(params["pooled_size"])


register("_contrib_RROIAlign", simple_compute(_rroi_align), aliases=("RROIAlign",),
         inputs=("data", "rois"), shape_rule=output_shape_rule(_rroi_align_shape),
         dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]), differentiable=False,
         params=(Param("pooled_size", P.shape, required=True, doc="(height, width) of the output"),
                 Param("spatial_scale", P.number, required=True,
                       doc="feature map size / image size"),
                 Param("sampling_ratio", P.integer, default=-1,
                       doc="sample points per bin side; <= 0: ceil(region size / pooled size)")),
         doc="ROIAlign over rotated regions (center, size, angle in degrees, counterclockwise).")

"""Spatial transformer networks: GridGenerator, BilinearSampler, SpatialTransformer.

MXNet 1.9.1 semantics: grids hold normalized coordinates in [-1, 1], channel 0 the x
(width) coordinate and channel 1 the y (height) coordinate; -1 and 1 are the centres of
the first and last pixels. BilinearSampler reads the four pixels around each source
point and counts a pixel outside the image as zero. Gradients, to the data and to the
grid, are the autodiff of that interpolation (MXNet's hand-written backward computes
the same).
"""
import jax.numpy as jnp

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_TARGET_SHAPE = Param("target_shape", P.shape, default=(0, 0),
                      doc="(height, width) of the output grid")


def _affine_grid(theta, height, width):
    """(N, 2, height, width) grid: each (2, 3) affine map of theta applied to the target's
    normalized pixel coordinates."""
    xs = jnp.linspace(-1.0, 1.0, width, dtype=theta.dtype) if width > 1 else \
        jnp.full((1,), -1.0, theta.dtype)
    ys = jnp.linspace(-1.0, 1.0, height, dtype=theta.dtype) if height > 1 else \
        jnp.full((1,), -1.0, theta.dtype)
    x, y = jnp.meshgrid(xs, ys)
    points = jnp.stack([x.ravel(), y.ravel(), jnp.ones(height * width, theta.dtype)])
    grid = jnp.einsum("nij,jk->nik", theta.reshape(-1, 2, 3), points)
    return grid.reshape(-1, 2, height, width)


def _warp_grid(flow):
    """Pixel offsets (N, 2, H, W) added to each pixel's own coordinates, normalized."""
    _, _, height, width = flow.shape
    y, x = jnp.meshgrid(jnp.arange(height, dtype=flow.dtype),
                        jnp.arange(width, dtype=flow.dtype), indexing="ij")
    gx = (flow[:, 0] + x) / ((width - 1) / 2.0) - 1
    gy = (flow[:, 1] + y) / ((height - 1) / 2.0) - 1
    return jnp.stack([gx, gy], axis=1)


def _grid_generator(inputs, aux, params, is_train, rng):
    (data,) = inputs
    if params["transform_type"] == "affine":
        return (_affine_grid(data, *params["target_shape"]),), aux
    return (_warp_grid(data),), aux


def _grid_generator_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    if params["transform_type"] == "affine":
        if len(data) != 2 or data[1] != 6:
            raise MXNetError(f"GridGenerator: affine data must have shape (batch, 6), got "
                             f"{tuple(data)}")
        height, width = params["target_shape"]
        if height < 1 or width < 1:
            raise MXNetError(f"GridGenerator: affine needs target_shape (height, width) > 0, "
                             f"got {params['target_shape']}")
        return shapes, [(data[0], 2, height, width)]
    if len(data) != 4 or data[1] != 2:
        raise MXNetError(f"GridGenerator: warp data must have shape (batch, 2, height, width),"
                         f" got {tuple(data)}")
    return shapes, [tuple(data)]


register("GridGenerator", _grid_generator, shape_rule=_grid_generator_shape_rule,
         params=(Param("transform_type", P.choice("affine", "warp"), required=True,
                       doc="'affine': data is (N, 6) affine maps; 'warp': data is an (N, 2, H, "
                           "W) optical flow"),
                 _TARGET_SHAPE),
         doc="A sampling grid (N, 2, H, W) of normalized (x, y) source coordinates, from "
             "affine transforms or from an optical flow.")


def bilinear_sample(data, grid):
    """Sample data (N, C, H, W) at grid (N, 2, Ho, Wo); pixels outside the image are 0."""
    n, c, height, width = data.shape
    out_h, out_w = grid.shape[2:]
    x = (grid[:, 0].reshape(n, -1) + 1) * (width - 1) / 2
    y = (grid[:, 1].reshape(n, -1) + 1) * (height - 1) / 2
    x0, y0 = jnp.floor(x), jnp.floor(y)
    flat = data.reshape(n, c, height * width)
    result = 0
    for dy in (0, 1):
        for dx in (0, 1):
            xi, yi = x0 + dx, y0 + dy
            weight = (1 - jnp.abs(x - xi)) * (1 - jnp.abs(y - yi))
            inside = (xi >= 0) & (xi <= width - 1) & (yi >= 0) & (yi <= height - 1)
            index = (jnp.clip(yi, 0, height - 1) * width
                     + jnp.clip(xi, 0, width - 1)).astype(jnp.int32)
            picked = jnp.take_along_axis(flat, jnp.broadcast_to(index[:, None], (n, c,
                                                                              index.shape[1])),
                                         axis=2)
            result = result + picked * jnp.where(inside, weight, 0).astype(data.dtype)[:, None]
    return result.reshape(n, c, out_h, out_w)


def _sampler_shape_rule(op, params, shapes):
    data, grid = shapes
    if data is None or grid is None:
        return shapes, [None]
    if len(data) != 4 or len(grid) != 4 or grid[1] != 2 or grid[0] != data[0]:
        raise MXNetError(f"BilinearSampler: data must be (N, C, H, W) and grid (N, 2, Ho, Wo) "
                         f"with the same N, got data {tuple(data)} and grid {tuple(grid)}")
    return shapes, [(data[0], data[1], grid[2], grid[3])]


_CUDNN_OFF = Param("cudnn_off", P.optional(P.boolean), default=None,
                   doc="ignored: whether to avoid cuDNN")

register("BilinearSampler",
         lambda inputs, aux, params, is_train, rng: ((bilinear_sample(*inputs),), aux),
         inputs=("data", "grid"), shape_rule=_sampler_shape_rule, params=(_CUDNN_OFF,),
         doc="Bilinear samples of data (N, C, H, W) at the normalized (x, y) points of grid "
             "(N, 2, Ho, Wo); pixels outside the image count as 0.")


def _spatial_transformer(inputs, aux, params, is_train, rng):
    data, loc = inputs
    grid = _affine_grid(loc, *params["target_shape"])
    return (bilinear_sample(data, grid),), aux


def _transformer_shape_rule(op, params, shapes):
    data, loc = shapes
    if data is None:
        return shapes, [None]
    if len(data) != 4:
        raise MXNetError(f"SpatialTransformer: data must be (N, C, H, W), got {tuple(data)}")
    if loc is not None and (len(loc) != 2 or loc[1] != 6 or loc[0] != data[0]):
        raise MXNetError(f"SpatialTransformer: loc must be (N, 6) with the data's N, got "
                         f"{tuple(loc)}")
    height, width = params["target_shape"]
    if height < 1 or width < 1:
        raise MXNetError(f"SpatialTransformer: target_shape must be positive, got "
                         f"{params['target_shape']}")
    return [data, (data[0], 6)], [(data[0], data[1], height, width)]


register("SpatialTransformer", _spatial_transformer, inputs=("data", "loc"),
         shape_rule=_transformer_shape_rule,
         params=(_TARGET_SHAPE,
                 Param("transform_type", P.choice("affine"), required=True,
                       doc="the transform: 'affine'"),
                 Param("sampler_type", P.choice("bilinear"), required=True,
                       doc="the sampler: 'bilinear'"),
                 _CUDNN_OFF),
         doc="Data warped by the affine transform loc (N, 6) onto a target_shape grid, "
             "sampled bilinearly (GridGenerator then BilinearSampler).")

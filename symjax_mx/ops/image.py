"""``mx.nd.image`` operators: normalize."""
import jax.numpy as jnp

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register


def _per_channel(values, channels, name):
    if len(values) not in (1, channels) and len(values) < channels:
        raise MXNetError(f"image.normalize: {name} needs 1 or {channels} values, got {values}")
    return list(values[:channels]) if len(values) >= channels else list(values) * channels


def _normalize(inputs, aux, params, is_train, rng):
    (data,) = inputs
    axis = 0 if data.ndim == 3 else 1
    channels = data.shape[axis]
    shape = (channels,) + (1,) * (data.ndim - axis - 1)
    mean = jnp.asarray(_per_channel(params["mean"], channels, "mean"), data.dtype).reshape(shape)
    std = jnp.asarray(_per_channel(params["std"], channels, "std"), data.dtype).reshape(shape)
    return ((data - mean) / std,), aux


def _normalize_shape_rule(op, params, shapes):
    (data,) = shapes
    if data is None:
        return shapes, [None]
    if len(data) not in (3, 4):
        raise MXNetError(f"image.normalize: data must be (C, H, W) or (N, C, H, W), got "
                         f"{tuple(data)}")
    channels = data[0 if len(data) == 3 else 1]
    _per_channel(params["mean"], channels, "mean")
    _per_channel(params["std"], channels, "std")
    return shapes, [tuple(data)]


def _floats(value):
    value = P._literal(value)
    values = value if isinstance(value, (tuple, list)) else (value,)
    return tuple(float(v) for v in values)


register("_image_normalize", _normalize, shape_rule=_normalize_shape_rule,
         params=(Param("mean", _floats, default=(0.0, 0.0, 0.0, 0.0),
                       doc="per-channel means (one value: all channels)"),
                 Param("std", _floats, default=(1.0, 1.0, 1.0, 1.0),
                       doc="per-channel standard deviations (one value: all channels)")),
         doc="(data - mean) / std per channel of a (C, H, W) or (N, C, H, W) image tensor.")

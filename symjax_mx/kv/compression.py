"""2-bit gradient compression, MXNet's ``KVStore.set_gradient_compression``.

Each pushed gradient is added to its sender's residual and quantized to ``-t``, ``0`` or
``+t`` (``t`` the threshold): ``+t`` where the sum is at least ``t``, ``-t`` where it is at
most ``-t``; the residual keeps the sum minus the quantized value, for the next push. The
store then reduces the quantized (MXNet: the dequantized) values. A sender is one
position in a push's device list (``device`` stores quantize each device's value, as
MXNet's CommDevice does) or the worker itself (``dist_*sync`` stores quantize the sum of
the worker's devices, once per worker, as MXNet's KVStoreDist does). The collectives carry
the quantized values as float32: the numbers are MXNet's, the 16x smaller messages are not.
"""
import functools

import jax.numpy as jnp
import numpy as np

from .. import x64
from ..base import MXNetError

__all__ = ["TwoBit", "parse_params"]


def parse_params(compression_params):
    """The threshold (float32) of MXNet's ``{'type': '2bit', 'threshold': t}``, checked as
    MXNet checks it: values are read from their strings, unknown keys are ignored,
    ``threshold`` defaults to 0.5 and must be positive, ``type`` must be ``2bit``."""
    if not isinstance(compression_params, dict):
        raise MXNetError(f"set_gradient_compression: compression_params must be a dict, got "
                         f"{type(compression_params).__name__}")
    params = {str(k): str(v) for k, v in compression_params.items()}
    if "type" not in params:
        raise MXNetError("Required parameter type of string is not presented")
    text = params.get("threshold", "0.5")
    try:
        threshold = np.float32(float(text))
    except ValueError:
        raise MXNetError(f"Invalid Parameter format for threshold expect float but "
                         f"value='{text}'") from None
    if not threshold > 0:
        raise MXNetError(f"Check failed: params.threshold > 0 ({threshold:g} vs. 0) : "
                         f"threshold must be greater than 0")
    if params["type"] != "2bit":
        raise MXNetError(f"Unknown type for gradient compression {params['type']}")
    return threshold


@functools.partial(x64.jit, static_argnums=(3, 4))
def _quantize(values, residuals, threshold, slots, packed):
    """(the quantized values, packed into one flat buffer when ``packed``; the new
    residuals): ``values[i]`` adds to ``residuals[slots[i]]`` (a key pushed twice in one
    call sees its first push's remainder)."""
    residuals = list(residuals)
    quantized = []
    for value, slot in zip(values, slots):
        total = residuals[slot] + value
        zero = jnp.zeros((), total.dtype)
        q = jnp.where(total >= threshold, threshold,
                      jnp.where(total <= -threshold, -threshold, zero))
        residuals[slot] = total - q
        quantized.append(q)
    if packed:
        return jnp.concatenate([q.reshape(-1) for q in quantized]), residuals
    return quantized[0], residuals


class TwoBit:
    """The threshold and the residual of each (key, sender)."""

    def __init__(self, threshold):
        self.threshold = threshold
        self._residuals = {}  # (key, sender) -> float32 jax array on the sender's device

    @x64.x64
    def quantize(self, values, keys, sender, packed):
        """``values`` (one float32 array per key of ``keys``, all on one device) quantized,
        as one flat buffer when ``packed`` (``collectives.pack``'s layout); the residuals
        of (key, ``sender``) keep the remainders."""
        device = next(iter(values[0].devices()))
        shapes = dict(zip(keys, (v.shape for v in values)))
        distinct = list(shapes)
        residuals = [self._residual(key, sender, shapes[key], device) for key in distinct]
        slots = tuple(distinct.index(key) for key in keys)
        quantized, residuals = _quantize(values, residuals, self.threshold, slots, packed)
        for key, residual in zip(distinct, residuals):
            self._residuals[(key, sender)] = residual
        return quantized

    def _residual(self, key, sender, shape, device):
        residual = self._residuals.get((key, sender))
        if residual is None:
            return jnp.zeros(shape, jnp.float32, device=device)
        if next(iter(residual.devices())) != device:  # the sender pushes from elsewhere now
            return x64.device_put(residual, device)
        return residual

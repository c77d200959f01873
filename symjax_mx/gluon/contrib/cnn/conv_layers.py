"""Deformable convolutions (v1, Dai 2017; modulated v2, Zhu 2018) as Gluon blocks: a
plain convolution learns the sampling offsets (and, modulated, the masks) that the
registry's deformable convolution operators then use."""
from ...block import HybridBlock
from ...nn import Activation
from ...nn.conv_layers import window_tuple, weight_shape


class DeformableConvolution(HybridBlock):
    """2-D deformable convolution: ``channels`` outputs; the offsets come from a
    convolution with the same window (initialised to zero: a plain convolution at first).
    Parameters: ``offset_weight``, ``offset_bias``, ``deformable_conv_weight``,
    ``deformable_conv_bias``, as MXNet names them."""

    _op_name = "DeformableConvolution"
    _fields_per_tap = 2  # offset channels per kernel tap and deformable group

    def __init__(self, channels, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups=1, num_deformable_group=1, layout="NCHW",
                 use_bias=True, in_channels=0, activation=None, weight_initializer=None,
                 bias_initializer="zeros", offset_weight_initializer="zeros",
                 offset_bias_initializer="zeros", offset_use_bias=True, prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        if layout not in ("NCHW", "NHWC"):
            raise AssertionError("Only supports 'NCHW' and 'NHWC' layout for now")
        kernel = window_tuple(kernel_size, 2)
        window = {"kernel": kernel, "stride": window_tuple(strides, 2), "dilate": window_tuple(dilation, 2),
                  "pad": window_tuple(padding, 2), "num_group": groups, "layout": layout}
        self._split = 2 * kernel[0] * kernel[1] * num_deformable_group
        offset_channels = self._fields_per_tap * kernel[0] * kernel[1] * num_deformable_group
        self._kwargs_offset = dict(window, num_filter=offset_channels,
                                   no_bias=not offset_use_bias)
        self._kwargs_conv = dict(window, num_filter=channels, no_bias=not use_bias,
                                 num_deformable_group=num_deformable_group)
        with self.name_scope():
            self.offset_weight = self.params.get(
                "offset_weight", init=offset_weight_initializer, allow_deferred_init=True,
                shape=weight_shape("Convolution", layout, offset_channels, in_channels,
                                    groups, kernel))
            self.offset_bias = self.params.get(
                "offset_bias", shape=(offset_channels,), init=offset_bias_initializer,
                allow_deferred_init=True) if offset_use_bias else None
            self.deformable_conv_weight = self.params.get(
                "deformable_conv_weight", init=weight_initializer, allow_deferred_init=True,
                shape=weight_shape("Convolution", layout, channels, in_channels, groups,
                                    kernel))
            self.deformable_conv_bias = self.params.get(
                "deformable_conv_bias", shape=(channels,), init=bias_initializer,
                allow_deferred_init=True) if use_bias else None
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def _alias(self):
        return "deformable_conv"

    def _sampling(self, F, offset):
        """The deformable operator's inputs after ``data``: the offsets (and masks)."""
        return {"offset": offset}

    def hybrid_forward(self, F, x, offset_weight, deformable_conv_weight, offset_bias=None,
                       deformable_conv_bias=None):
        offset_inputs = [x, offset_weight] + ([] if offset_bias is None else [offset_bias])
        offset = F.Convolution(*offset_inputs, **self._kwargs_offset)
        bias = {} if deformable_conv_bias is None else {"bias": deformable_conv_bias}
        out = getattr(F.contrib, self._op_name)(data=x, weight=deformable_conv_weight, name="fwd",
                                                **self._sampling(F, offset), **bias,
                                                **self._kwargs_conv)
        return self.act(out) if self.act is not None else out


class ModulatedDeformableConvolution(DeformableConvolution):
    """2-D modulated deformable convolution: the offset convolution also gives each
    sampling point a mask, ``2 * sigmoid(...)``."""

    _op_name = "ModulatedDeformableConvolution"
    _fields_per_tap = 3

    def _alias(self):
        return "modulated_deformable_conv"

    def _sampling(self, F, offset):
        mask = F.slice_axis(offset, axis=1, begin=self._split, end=None)
        return {"offset": F.slice_axis(offset, axis=1, begin=0, end=self._split),
                "mask": F.sigmoid(mask) * 2}

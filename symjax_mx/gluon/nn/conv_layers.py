"""Gluon convolution, transposed convolution, pooling and padding layers."""
from numbers import Number

from ..block import HybridBlock
from .activations import Activation

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose",
           "Conv3DTranspose", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
           "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
           "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D", "ReflectionPad2D"]


def window_tuple(value, n):
    """``value`` as an n-tuple: a number is repeated n times."""
    return (value,) * n if isinstance(value, Number) else tuple(value)


def weight_shape(op_name, layout, channels, in_channels, groups, kernel):
    """The weight's shape (0 for the unknown input channels), as MXNet's partial shape
    inference gives it."""
    if op_name == "Deconvolution":
        return (in_channels, channels // groups) + tuple(kernel)
    if layout.find("C") == 1:
        return (channels, in_channels // groups) + tuple(kernel)
    return (channels,) + tuple(kernel) + (in_channels // groups,)


class _Conv(HybridBlock):
    """N-d convolution (``op_name`` Convolution) or transposed convolution
    (Deconvolution); ``in_channels`` 0 is inferred at the first forward."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", op_name="Convolution", adj=None, prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            n = len(kernel_size)
            self._op_name = op_name
            self._kwargs = {"kernel": kernel_size, "stride": window_tuple(strides, n),
                            "dilate": window_tuple(dilation, n), "pad": window_tuple(padding, n),
                            "num_filter": channels, "num_group": groups,
                            "no_bias": not use_bias, "layout": layout}
            if adj is not None:
                self._kwargs["adj"] = adj
            shape = weight_shape(op_name, layout, channels, in_channels, groups, kernel_size)
            self.weight = self.params.get("weight", shape=shape, init=weight_initializer,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            self.act = Activation(activation, prefix=activation + "_") if activation else None

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        if bias is None:
            out = op(x, weight, name="fwd", **self._kwargs)
        else:
            out = op(x, weight, bias, name="fwd", **self._kwargs)
        return self.act(out) if self.act is not None else out

    def _alias(self):
        return "conv"

    def __repr__(self):  # MXNet's: the settings that are not their defaults
        shape, kwargs, n = self.weight.shape, self._kwargs, len(self._kwargs["kernel"])
        text = (f"{type(self).__name__}({shape[1] if shape[1] else None} -> {shape[0]}, "
                f"kernel_size={kwargs['kernel']}, stride={kwargs['stride']}")
        if kwargs["pad"] != (0,) * n:
            text += f", padding={kwargs['pad']}"
        if kwargs["dilate"] != (1,) * n:
            text += f", dilation={kwargs['dilate']}"
        if kwargs["num_group"] != 1:
            text += f", groups={kwargs['num_group']}"
        if self.bias is None:
            text += ", bias=False"
        if self.act is not None:
            text += f", {self.act!r}"
        return text + ")"


def _conv_class(name, n, layout, transpose):
    def check(kernel_size):
        kernel_size = window_tuple(kernel_size, n)
        if len(kernel_size) != n:
            raise AssertionError(f"kernel_size must be a number or a list of {n} ints")
        return kernel_size

    if transpose:
        def __init__(self, channels, kernel_size, strides=(1,) * n, padding=(0,) * n,
                     output_padding=(0,) * n, dilation=(1,) * n, groups=1, layout=layout,
                     activation=None, use_bias=True, weight_initializer=None,
                     bias_initializer="zeros", in_channels=0, **kwargs):
            self.outpad = window_tuple(output_padding, n)
            _Conv.__init__(self, channels, check(kernel_size), strides, padding, dilation,
                           groups, layout, in_channels, activation, use_bias,
                           weight_initializer, bias_initializer, op_name="Deconvolution",
                           adj=self.outpad, **kwargs)
    else:
        def __init__(self, channels, kernel_size, strides=(1,) * n, padding=(0,) * n,
                     dilation=(1,) * n, groups=1, layout=layout, activation=None,
                     use_bias=True, weight_initializer=None, bias_initializer="zeros",
                     in_channels=0, **kwargs):
            _Conv.__init__(self, channels, check(kernel_size), strides, padding, dilation,
                           groups, layout, in_channels, activation, use_bias,
                           weight_initializer, bias_initializer, **kwargs)

    kind = "transposed convolution" if transpose else "convolution"
    return type(name, (_Conv,), {"__init__": __init__,
                                 "__doc__": f"{n}-d {kind} over layout {layout}."})


Conv1D = _conv_class("Conv1D", 1, "NCW", False)
Conv2D = _conv_class("Conv2D", 2, "NCHW", False)
Conv3D = _conv_class("Conv3D", 3, "NCDHW", False)
Conv1DTranspose = _conv_class("Conv1DTranspose", 1, "NCW", True)
Conv2DTranspose = _conv_class("Conv2DTranspose", 2, "NCHW", True)
Conv3DTranspose = _conv_class("Conv3DTranspose", 3, "NCDHW", True)


class _Pooling(HybridBlock):
    """MXNet's Pooling operator with the layer's arguments."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type,
                 layout, count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        n = len(pool_size)
        strides = pool_size if strides is None else strides
        self._kwargs = {"kernel": pool_size, "stride": window_tuple(strides, n),
                        "pad": window_tuple(padding, n), "global_pool": global_pool,
                        "pool_type": pool_type, "layout": layout,
                        "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self._kwargs['kernel']}, "
                f"stride={self._kwargs['stride']}, padding={self._kwargs['pad']}, "
                f"ceil_mode={self._kwargs['pooling_convention'] == 'full'}, "
                f"global_pool={self._kwargs['global_pool']}, "
                f"pool_type={self._kwargs['pool_type']}, layout={self._kwargs['layout']})")


def _pool_class(name, n, layout, pool_type):
    if pool_type == "max":
        def __init__(self, pool_size=(2,) * n, strides=None, padding=0, layout=layout,
                     ceil_mode=False, **kwargs):
            _Pooling.__init__(self, window_tuple(pool_size, n), strides, padding, ceil_mode, False,
                              "max", layout, **kwargs)
    else:
        def __init__(self, pool_size=(2,) * n, strides=None, padding=0, ceil_mode=False,
                     layout=layout, count_include_pad=True, **kwargs):
            _Pooling.__init__(self, window_tuple(pool_size, n), strides, padding, ceil_mode, False,
                              "avg", layout, count_include_pad, **kwargs)
    return type(name, (_Pooling,), {"__init__": __init__,
                                    "__doc__": f"{n}-d {pool_type} pooling."})


def _global_pool_class(name, n, layout, pool_type):
    def __init__(self, layout=layout, **kwargs):
        _Pooling.__init__(self, (1,) * n, None, 0, True, True, pool_type, layout, **kwargs)
    return type(name, (_Pooling,), {"__init__": __init__,
                                    "__doc__": f"{n}-d global {pool_type} pooling."})


MaxPool1D = _pool_class("MaxPool1D", 1, "NCW", "max")
MaxPool2D = _pool_class("MaxPool2D", 2, "NCHW", "max")
MaxPool3D = _pool_class("MaxPool3D", 3, "NCDHW", "max")
AvgPool1D = _pool_class("AvgPool1D", 1, "NCW", "avg")
AvgPool2D = _pool_class("AvgPool2D", 2, "NCHW", "avg")
AvgPool3D = _pool_class("AvgPool3D", 3, "NCDHW", "avg")
GlobalMaxPool1D = _global_pool_class("GlobalMaxPool1D", 1, "NCW", "max")
GlobalMaxPool2D = _global_pool_class("GlobalMaxPool2D", 2, "NCHW", "max")
GlobalMaxPool3D = _global_pool_class("GlobalMaxPool3D", 3, "NCDHW", "max")
GlobalAvgPool1D = _global_pool_class("GlobalAvgPool1D", 1, "NCW", "avg")
GlobalAvgPool2D = _global_pool_class("GlobalAvgPool2D", 2, "NCHW", "avg")
GlobalAvgPool3D = _global_pool_class("GlobalAvgPool3D", 3, "NCDHW", "avg")


class ReflectionPad2D(HybridBlock):
    """Pads the two spatial axes of NCHW data by reflection."""

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, Number):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        if len(padding) != 8:
            raise AssertionError("padding must be an int or a tuple of 8 ints")
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)

"""Convolutional recurrent cells of MXNet 1.9.1's ``gluon.contrib.rnn``: Conv1D/2D/3D
RNN, LSTM and GRU cells (the dense cells' gate arithmetic with convolutions for the
projections)."""
from numbers import Number

from ....base import MXNetError
from ....rnn.rnn_cell import gru_step, lstm_step
from ...rnn import HybridRecurrentCell

__all__ = [f"Conv{d}D{kind}Cell" for kind in ("RNN", "LSTM", "GRU") for d in (1, 2, 3)]


def _conv_out_size(sizes, kernels, paddings, dilations):
    """The spatial sizes after a stride-1 convolution (0 stays unknown)."""
    return tuple(x + 2 * p - d * (k - 1) if x else 0
                 for x, k, p, d in zip(sizes, kernels, paddings, dilations))


def _tuple(spec, dims, what):
    if isinstance(spec, Number):
        return (int(spec),) * dims
    if len(spec) != dims:
        raise MXNetError(f"For {dims}D convolution, {what} can only be either int or "
                         f"list/tuple of length {dims}, got {spec}")
    return tuple(spec)


class _BaseConvRNNCell(HybridRecurrentCell):
    """Shared set-up: the weights of ``gates * hidden_channels`` filters, the state shape
    (the i2h convolution's output for ``input_shape``) and the two convolutions."""
    _gates = 1
    _num_states = 1

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad,
                 i2h_dilate, h2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, dims, conv_layout, activation,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._hidden_channels = hidden_channels
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        self._i2h_kernel = _tuple(i2h_kernel, dims, "i2h_kernel")
        self._i2h_pad = _tuple(i2h_pad, dims, "i2h_pad")
        self._i2h_dilate = _tuple(i2h_dilate, dims, "i2h_dilate")
        self._h2h_kernel = _tuple(h2h_kernel, dims, "h2h_kernel")
        self._h2h_dilate = _tuple(h2h_dilate, dims, "h2h_dilate")
        if any(k % 2 == 0 for k in self._h2h_kernel):
            raise MXNetError(f"Only support odd number, get h2h_kernel= {h2h_kernel}")
        self._stride = (1,) * dims
        self._h2h_pad = tuple(d * (k - 1) // 2 for d, k in zip(self._h2h_dilate,
                                                              self._h2h_kernel))
        self._channel_axis = conv_layout.find("C")
        channels_first = self._channel_axis == 1
        in_channels = input_shape[0 if channels_first else -1]
        spatial = input_shape[1:] if channels_first else input_shape[:-1]
        out_size = _conv_out_size(spatial, self._i2h_kernel, self._i2h_pad, self._i2h_dilate)
        filters = hidden_channels * self._gates
        if channels_first:
            i2h_shape = (filters, in_channels) + self._i2h_kernel
            h2h_shape = (filters, hidden_channels) + self._h2h_kernel
            self._state_shape = (hidden_channels,) + out_size
        else:
            i2h_shape = (filters,) + self._i2h_kernel + (in_channels,)
            h2h_shape = (filters,) + self._h2h_kernel + (hidden_channels,)
            self._state_shape = out_size + (hidden_channels,)
        for name, shape, init in (("i2h_weight", i2h_shape, i2h_weight_initializer),
                                  ("h2h_weight", h2h_shape, h2h_weight_initializer),
                                  ("i2h_bias", (filters,), i2h_bias_initializer),
                                  ("h2h_bias", (filters,), h2h_bias_initializer)):
            setattr(self, name, self.params.get(name, shape=shape, init=init,
                                                allow_deferred_init=True))

    def __repr__(self):
        shape = self.i2h_weight.shape
        in_channels = shape[1 if self._channel_axis == 1 else -1]
        return (f"{type(self).__name__}({in_channels if in_channels else None} -> "
                f"{shape[0]}, {self._activation}, {self._conv_layout})")

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size,) + self._state_shape, "__layout__": self._conv_layout}
                for _ in range(self._num_states)]

    def _conv_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        """(step name, input convolution, recurrent convolution)."""
        name = f"t{self._counter}_"
        filters = self._hidden_channels * self._gates
        i2h = F.Convolution(data=inputs, num_filter=filters, kernel=self._i2h_kernel,
                            stride=self._stride, pad=self._i2h_pad, dilate=self._i2h_dilate,
                            weight=i2h_weight, bias=i2h_bias, layout=self._conv_layout,
                            name=f"{name}i2h")
        h2h = F.Convolution(data=states[0], num_filter=filters, kernel=self._h2h_kernel,
                            dilate=self._h2h_dilate, pad=self._h2h_pad, stride=self._stride,
                            weight=h2h_weight, bias=h2h_bias, layout=self._conv_layout,
                            name=f"{name}h2h")
        return name, i2h, h2h


class _ConvRNNCell(_BaseConvRNNCell):
    def _alias(self):
        return "conv_rnn"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                            i2h_bias, h2h_bias)
        output = self._get_activation(F, F.elemwise_add(i2h, h2h), self._activation,
                                      name=f"{name}out")
        return output, [output]


class _ConvLSTMCell(_BaseConvRNNCell):
    _gates = 4
    _num_states = 2

    def _alias(self):
        return "conv_lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                            i2h_bias, h2h_bias)
        next_h, next_c = lstm_step(F, i2h, h2h, states[1], name, self._activation,
                                   axis=self._channel_axis)
        return next_h, [next_h, next_c]


class _ConvGRUCell(_BaseConvRNNCell):
    _gates = 3

    def _alias(self):
        return "conv_gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight,
                                            i2h_bias, h2h_bias)
        next_h = gru_step(F, i2h, h2h, states[0], name, self._activation,
                          axis=self._channel_axis)
        return next_h, [next_h]


_LAYOUTS = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


def _conv_cell(base, dims):
    """The public ``Conv{dims}D...Cell`` class over ``base`` with MXNet's defaults."""
    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel,
                 i2h_pad=(0,) * dims, i2h_dilate=(1,) * dims, h2h_dilate=(1,) * dims,
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 conv_layout=_LAYOUTS[dims], activation="tanh", prefix=None, params=None):
        base.__init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad,
                      i2h_dilate, h2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                      i2h_bias_initializer, h2h_bias_initializer, dims, conv_layout,
                      activation, prefix, params)
    kind = base.__name__[5:-4]
    name = f"Conv{dims}D{kind}Cell"
    return type(name, (base,), {"__init__": __init__, "__module__": __name__,
                                "__doc__": f"{dims}D convolutional {kind} cell."})


Conv1DRNNCell, Conv2DRNNCell, Conv3DRNNCell = (_conv_cell(_ConvRNNCell, d) for d in (1, 2, 3))
Conv1DLSTMCell, Conv2DLSTMCell, Conv3DLSTMCell = (_conv_cell(_ConvLSTMCell, d)
                                                  for d in (1, 2, 3))
Conv1DGRUCell, Conv2DGRUCell, Conv3DGRUCell = (_conv_cell(_ConvGRUCell, d) for d in (1, 2, 3))

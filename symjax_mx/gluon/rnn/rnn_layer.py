"""Gluon's fused recurrent layers RNN, LSTM and GRU: one registry ``RNN`` operator over
all layers and directions, fed by the per-layer weights ``l0_i2h_weight`` ... joined with
``_rnn_param_concat`` in MXNet's packed order, so files move between MXNet and here."""
import re

from ... import ndarray, symbol
from ...base import MXNetError
from ...ndarray import NDArray
from ...symbol import Symbol
from ..block import HybridBlock
from . import modifier_cells, rnn_cell

__all__ = ["RNN", "LSTM", "GRU"]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}
_PARAM_NAME = re.compile(r"(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z")


class _RNNLayer(HybridBlock):
    """The fused layer of ``mode`` (rnn_relu, rnn_tanh, lstm, gru)."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False, **kwargs):
        super().__init__(**kwargs)
        if layout not in ("TNC", "NTC"):
            raise MXNetError(f"Invalid layout {layout}; must be one of ['TNC' or 'NTC']")
        if use_sequence_length:
            raise MXNetError("use_sequence_length is not supported (MXNet's CPU build does not "
                             "support it either); pad the sequences instead")
        self._hidden_size = hidden_size
        self._projection_size = projection_size or None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._initializers = {"i2h_weight": i2h_weight_initializer,
                              "h2h_weight": h2h_weight_initializer,
                              "i2h_bias": i2h_bias_initializer,
                              "h2h_bias": h2h_bias_initializer,
                              "h2r_weight": h2r_weight_initializer}
        self._clip = (lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan)
        self._dtype = dtype
        self._gates = _GATES[mode]
        self.skip_states = None
        rows, out = self._gates * hidden_size, self._projection_size or hidden_size
        width = input_size
        for i in range(num_layers):
            for d in "lr"[:self._dir]:
                shapes = [("i2h_weight", (rows, width)), ("h2h_weight", (rows, out)),
                          ("i2h_bias", (rows,)), ("h2h_bias", (rows,))]
                if self._projection_size:
                    shapes.append(("h2r_weight", (self._projection_size, hidden_size)))
                for kind, shape in shapes:
                    name = f"{d}{i}_{kind}"
                    setattr(self, name, self.params.get(
                        name, shape=shape, init=self._initializers[kind],
                        allow_deferred_init=True, dtype=dtype))
            width = out * self._dir

    def __repr__(self):
        shape = self.l0_i2h_weight.shape
        text = (f"{type(self).__name__}({shape[1] if shape[1] else None} -> "
                f"{shape[0] // self._gates}, {self._layout}")
        if self._num_layers != 1:
            text += f", num_layers={self._num_layers}"
        if self._dropout != 0:
            text += f", dropout={self._dropout}"
        if self._dir == 2:
            text += ", bidirectional"
        return text + ")"

    def _collect_params_with_prefix(self, prefix=""):
        """MXNet's structural names for the layer's files (``_unfused.0.l_cell.i2h_weight``
        when bidirectional, else ``_unfused.0.i2h_weight``)."""
        if prefix:
            prefix += "."
        matches = {key: _PARAM_NAME.match(key) for key in self._reg_params}
        bidirectional = any(m.group(1) == "r" for m in matches.values())
        result = {}
        for key, value in self._reg_params.items():
            d, layer, group, kind = matches[key].groups()
            cell = f"{d}_cell." if bidirectional else ""
            result[f"{prefix}_unfused.{layer}.{cell}{group}_{kind}"] = value
        for name, child in self._children.items():
            result.update(child._collect_params_with_prefix(prefix + name))
        return result

    def state_info(self, batch_size=0):
        out = self._projection_size or self._hidden_size
        shapes = [out] + ([self._hidden_size] if self._mode == "lstm" else [])
        return [{"shape": (self._num_layers * self._dir, batch_size, size),
                 "__layout__": "LNC", "dtype": self._dtype} for size in shapes]

    def infer_shape(self, inputs, *args):
        """Fill each layer's input width from ``inputs`` (rank 3, features last)."""
        if len(inputs.shape) != 3:
            raise MXNetError("Input data should be rank-3 tensor of dim [sequence length, "
                             f"batch size, input size], got shape {inputs.shape}")
        width = inputs.shape[2]
        for i in range(self._num_layers):
            for d in "lr"[:self._dir]:
                getattr(self, f"{d}{i}_i2h_weight").shape = (self._gates * self._hidden_size,
                                                             width)
            width = (self._projection_size or self._hidden_size) * self._dir

    def _unfuse(self):
        """The same network as a HybridSequentialRNNCell of cells sharing these weights."""
        if self._projection_size:
            raise MXNetError("_unfuse does not support projection layer yet!")
        if self._clip[0] is not None or self._clip[1] is not None:
            raise MXNetError("_unfuse does not support state clipping yet!")
        cell_type = {"rnn_relu": rnn_cell.RNNCell, "rnn_tanh": rnn_cell.RNNCell,
                     "lstm": rnn_cell.LSTMCell, "gru": rnn_cell.GRUCell}[self._mode]
        extra = {"activation": self._mode[4:]} if self._mode.startswith("rnn_") else {}
        inits = {f"{k}_initializer": v for k, v in self._initializers.items()
                 if k != "h2r_weight"}
        stack = rnn_cell.HybridSequentialRNNCell(prefix=self.prefix, params=self.params)
        with stack.name_scope():
            width = self._input_size
            for i in range(self._num_layers):
                def make(d, i=i, width=width):
                    return cell_type(self._hidden_size, prefix=f"{d}{i}_", input_size=width,
                                     **extra, **inits)
                if self._dir == 2:
                    stack.add(modifier_cells.BidirectionalCell(make("l"), make("r")))
                else:
                    stack.add(make("l"))
                if self._dropout > 0 and i != self._num_layers - 1:
                    stack.add(modifier_cells.DropoutCell(self._dropout))
                width = self._hidden_size * self._dir
        return stack

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states made by ``func`` (``mx.nd.zeros`` by default)."""
        return [func(name=f"{self.prefix}h0_{i}", **dict(info, **kwargs))
                for i, info in enumerate(self.state_info(batch_size))]

    def __call__(self, inputs, states=None, sequence_length=None, **kwargs):
        self.skip_states = states is None
        if states is None:
            if isinstance(inputs, NDArray):
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
            else:
                states = self.begin_state(0, func=symbol.zeros)
        if isinstance(states, (NDArray, Symbol)):
            states = [states]
        return super().__call__(inputs, states)

    def hybrid_forward(self, F, inputs, states, **kwargs):
        if F is ndarray:
            batch_size = inputs.shape[self._layout.find("N")]
            for state, info in zip(states, self.state_info(batch_size)):
                if state.shape != info["shape"]:
                    raise ValueError(f"Invalid recurrent state shape. Expecting "
                                     f"{info['shape']}, got {state.shape}.")
        out = self._forward_kernel(F, inputs, states, **kwargs)
        return out[0] if self.skip_states else out

    def _packed_names(self):
        """The parameter names in the RNN operator's packed order."""
        groups = ("i2h", "h2h", "h2r") if self._projection_size else ("i2h", "h2h")
        return ([f"{d}{i}_{g}_weight" for i in range(self._num_layers)
                 for d in "lr"[:self._dir] for g in groups]
                + [f"{d}{i}_{g}_bias" for i in range(self._num_layers)
                   for d in "lr"[:self._dir] for g in ("i2h", "h2h")])

    def _forward_kernel(self, F, inputs, states, **kwargs):
        if self._layout == "NTC":
            inputs = F.swapaxes(inputs, 0, 1)
        params = F._internal._rnn_param_concat(
            *[kwargs[name].reshape(-1) for name in self._packed_names()], dim=0)
        clip_min, clip_max, clip_nan = self._clip
        rnn = F.RNN(inputs, params, *states, state_size=self._hidden_size,
                    projection_size=self._projection_size, num_layers=self._num_layers,
                    bidirectional=self._dir == 2, p=self._dropout, state_outputs=True,
                    mode=self._mode, lstm_state_clip_min=clip_min,
                    lstm_state_clip_max=clip_max, lstm_state_clip_nan=clip_nan)
        outputs, states = rnn[0], [rnn[1], rnn[2]] if self._mode == "lstm" else [rnn[1]]
        if self._layout == "NTC":
            outputs = F.swapaxes(outputs, 0, 1)
        return outputs, states


class RNN(_RNNLayer):
    """A multi-layer Elman RNN with ``tanh`` or ``relu`` non-linearity."""

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0,
                 bidirectional=False, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", input_size=0, dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "rnn_" + activation, None, None, None, None,
                         False, dtype, **kwargs)


class LSTM(_RNNLayer):
    """A multi-layer LSTM; ``projection_size`` makes it an LSTMP (output and recurrent
    state projected to that many units)."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0,
                 bidirectional=False, input_size=0, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", projection_size=None,
                 h2r_weight_initializer=None, state_clip_min=None, state_clip_max=None,
                 state_clip_nan=False, dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "lstm", projection_size,
                         h2r_weight_initializer, state_clip_min, state_clip_max,
                         state_clip_nan, dtype, **kwargs)


class GRU(_RNNLayer):
    """A multi-layer GRU (cuDNN's variant: reset gate after the recurrent projection)."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0,
                 bidirectional=False, input_size=0, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                         h2h_bias_initializer, "gru", None, None, None, None, False, dtype,
                         **kwargs)

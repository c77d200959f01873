"""Gluon's recurrent cells: a cell maps (inputs, states) of one time step to (output, new
states) with ``mx.nd`` or ``mx.sym`` alike, and ``unroll`` applies it over a sequence.
The gate arithmetic is ``mx.rnn``'s (one definition for both APIs); names follow MXNet
1.9.1 (``<prefix>t<step>_out``, ``<prefix>i2h_weight``) so parameter files interchange."""
from ... import ndarray, symbol
from ...base import MXNetError
from ...ndarray import NDArray
from ...rnn.rnn_cell import (activate, gru_step, lstm_step, normalize_sequence,
                             sequence_namespace)
from ...symbol import Symbol
from ..block import Block, HybridBlock
from ..nn import LeakyReLU

__all__ = ["RecurrentCell", "HybridRecurrentCell", "RNNCell", "LSTMCell", "GRUCell",
           "SequentialRNNCell", "HybridSequentialRNNCell"]

TENSORS = (Symbol, NDArray)


def format_sequence(length, inputs, layout, merge, in_layout=None):
    """(inputs merged or split as ``merge`` asks, time axis, F, batch size (0 for
    symbols))."""
    F = sequence_namespace(inputs) if inputs is not None else symbol
    batch_size = 0
    if F is ndarray:
        batch_size = (inputs.shape[layout.find("N")] if isinstance(inputs, NDArray)
                      else inputs[0].shape[0])
    inputs, axis = normalize_sequence(length, inputs, layout, merge, in_layout)
    return inputs, axis, F, batch_size


def begin_state_for(cell, F, begin_state, inputs, batch_size):
    """``begin_state``, or the cell's zero states for ``inputs``."""
    if begin_state is not None:
        return begin_state
    if F is ndarray:
        first = inputs if isinstance(inputs, NDArray) else inputs[0]
        with first.context:
            return cell.begin_state(func=F.zeros, batch_size=batch_size)
    return cell.begin_state(func=F.zeros, batch_size=batch_size)


def mask_sequence(F, data, length, valid_length, time_axis, merge):
    """``data`` (one tensor or a list of steps) with the steps past ``valid_length`` zeroed."""
    if not isinstance(data, TENSORS):
        data = F.stack(*data, axis=time_axis)
    out = F.SequenceMask(data, sequence_length=valid_length, use_sequence_length=True,
                         axis=time_axis)
    if merge:
        return out
    out = F.split(out, num_outputs=length, axis=time_axis, squeeze_axis=True)
    return [out] if isinstance(out, NDArray) else list(out)


def last_valid_states(F, step_states, valid_length):
    """Per state, its value at each sequence's last valid step."""
    return [F.SequenceLast(F.stack(*steps, axis=0), sequence_length=valid_length,
                           use_sequence_length=True, axis=0)
            for steps in zip(*step_states)]


def cells_state_info(cells, batch_size):
    return sum((c.state_info(batch_size) for c in cells), [])


def cells_begin_state(cells, **kwargs):
    return sum((c.begin_state(**kwargs) for c in cells), [])


class RecurrentCell(Block):
    """The base of recurrent cells: ``state_info``, ``begin_state``, ``unroll``; a call
    advances one time step."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self):
        """Restart the step counters before another unroll."""
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            cell.reset()

    def state_info(self, batch_size=0):
        """One dict per state: its shape and layout."""
        raise NotImplementedError()

    def _check_unmodified(self):
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. ZoneoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states made by ``func`` (``mx.nd.zeros``, ``mx.sym.zeros``,
        ``mx.sym.var`` ...), one per state; ``kwargs`` go to ``func``."""
        self._check_unmodified()
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info or {}, **kwargs)
            states.append(func(name=f"{self._prefix}begin_state_{self._init_counter}",
                               **info))
        return states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        """Apply the cell ``length`` steps: (outputs, final states). Outputs are one tensor
        if ``merge_outputs`` (None: as the inputs came), else a list. With
        ``valid_length`` (N,), steps past each sequence's length give zero outputs and the
        states are those of its last valid step."""
        self.reset()
        inputs, axis, F, batch_size = format_sequence(length, inputs, layout, False)
        states = begin_state_for(self, F, begin_state, inputs, batch_size)
        outputs, step_states = [], []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            step_states.append(states)
        if valid_length is not None:
            states = last_valid_states(F, step_states, valid_length)
            outputs = mask_sequence(F, outputs, length, valid_length, axis, True)
        outputs, _, _, _ = format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        if isinstance(activation, LeakyReLU):
            return F.LeakyReLU(inputs, act_type="leaky", slope=activation._alpha, **kwargs)
        return activate(F, inputs, activation, functional=True, **kwargs)

    def forward(self, inputs, states):
        """One time step: (output, new states)."""
        self._counter += 1
        return super().forward(inputs, states)


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell that can be hybridized."""

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


def _mapping(weight):
    """MXNet's ``in -> out`` of a cell: the i2h weight's columns and rows (for LSTM and GRU
    cells, all their gates' rows)."""
    shape = weight.shape
    return f"{shape[1] if shape[1] else None} -> {shape[0]}"


class _GatedCell(HybridRecurrentCell):
    """A cell with MXNet's four weights i2h/h2h weight/bias of ``gates * hidden_size``
    rows and one (or, for LSTM, two) state(s) of ``hidden_size``."""
    _gates = 1
    _num_states = 1

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        rows = self._gates * hidden_size
        for name, shape, init in (("i2h_weight", (rows, input_size), i2h_weight_initializer),
                                  ("h2h_weight", (rows, hidden_size), h2h_weight_initializer),
                                  ("i2h_bias", (rows,), i2h_bias_initializer),
                                  ("h2h_bias", (rows,), h2h_bias_initializer)):
            setattr(self, name, self.params.get(name, shape=shape, init=init,
                                                allow_deferred_init=True))

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, self._hidden_size), "__layout__": "NC"}
                for _ in range(self._num_states)]

    def _project(self, F, inputs, prev_h, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        """(step name, input projection, recurrent projection)."""
        name = f"t{self._counter}_"
        rows = self._gates * self._hidden_size
        i2h = F.FullyConnected(data=inputs, weight=i2h_weight, bias=i2h_bias, num_hidden=rows,
                               name=f"{name}i2h")
        h2h = F.FullyConnected(data=prev_h, weight=h2h_weight, bias=h2h_bias, num_hidden=rows,
                               name=f"{name}h2h")
        return name, i2h, h2h

    def __repr__(self):
        return f"{type(self).__name__}({_mapping(self.i2h_weight)})"


class RNNCell(_GatedCell):
    """Elman cell: ``h' = activation(x W + b + h U + c)``."""

    def __init__(self, hidden_size, activation="tanh", i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", input_size=0, prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params)
        self._activation = activation

    def _alias(self):
        return "rnn"

    def __repr__(self):
        return f"{type(self).__name__}({_mapping(self.i2h_weight)}, {self._activation})"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._project(F, inputs, states[0], i2h_weight, h2h_weight,
                                       i2h_bias, h2h_bias)
        output = self._get_activation(F, F.elemwise_add(i2h, h2h, name=f"{name}plus0"),
                                      self._activation, name=f"{name}out")
        return output, [output]


class LSTMCell(_GatedCell):
    """LSTM cell; gates i, f, c, o stacked in that order; states (h, c)."""
    _gates = 4
    _num_states = 2

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", input_size=0,
                 prefix=None, params=None, activation="tanh", recurrent_activation="sigmoid"):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def _alias(self):
        return "lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._project(F, inputs, states[0], i2h_weight, h2h_weight,
                                       i2h_bias, h2h_bias)
        next_h, next_c = lstm_step(F, i2h, h2h, states[1], name, self._activation,
                                   self._recurrent_activation, axis=None, functional=True)
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    """GRU cell (gates r, z, n), with the reset gate applied after the recurrent
    projection as in cuDNN."""
    _gates = 3

    def _alias(self):
        return "gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        name, i2h, h2h = self._project(F, inputs, states[0], i2h_weight, h2h_weight,
                                       i2h_bias, h2h_bias)
        next_h = gru_step(F, i2h, h2h, states[0], name, axis=None)
        return next_h, [next_h]


class _StackMixin:
    """Cells stacked: each cell's output is the next one's input."""

    def __repr__(self):
        lines = "\n".join(f"({i}): " + repr(m).replace("\n", "\n  ")
                          for i, m in self._children.items())
        return f"{type(self).__name__}(\n{lines}\n)"

    def add(self, cell):
        """Append ``cell`` to the stack."""
        self.register_child(cell)

    def state_info(self, batch_size=0):
        return cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        self._check_unmodified()
        return cells_begin_state(self._children.values(), **kwargs)

    def __call__(self, inputs, states):
        self._counter += 1
        next_states, p = [], 0
        for cell in self._children.values():
            n = len(cell.state_info())
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states += state
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, batch_size = format_sequence(length, inputs, layout, None)
        begin_state = begin_state_for(self, F, begin_state, inputs, batch_size)
        last = len(self._children) - 1
        next_states, p = [], 0
        for i, cell in enumerate(self._children.values()):
            n = len(cell.state_info())
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=begin_state[p:p + n],
                                         layout=layout,
                                         merge_outputs=None if i < last else merge_outputs,
                                         valid_length=valid_length)
            p += n
            next_states += states
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self):
        return len(self._children)


class SequentialRNNCell(_StackMixin, RecurrentCell):
    """A stack of recurrent cells."""

    def hybrid_forward(self, *args, **kwargs):
        raise NotImplementedError


class HybridSequentialRNNCell(_StackMixin, HybridRecurrentCell):
    """A stack of hybridizable recurrent cells."""

    def hybrid_forward(self, F, inputs, states):
        return self(inputs, states)

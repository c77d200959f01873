"""MXNet's symbolic recurrent cells (``mx.rnn``): a cell maps (inputs, states) to
(output, new states) by adding Symbol nodes, and ``unroll`` applies it over a sequence.

Names follow MXNet 1.9.1 exactly (``<prefix>t<step>_...``, ``<prefix>i2h_weight``), so
checkpoints written by MXNet's cells load into these and back.
"""
import warnings

from .. import ndarray, symbol
from ..base import MXNetError
from ..initializer import FusedRNN, LSTMBias
from ..ndarray import NDArray
from ..symbol import Symbol

__all__ = ["RNNParams", "BaseRNNCell", "RNNCell", "LSTMCell", "GRUCell", "FusedRNNCell",
           "SequentialRNNCell", "DropoutCell", "ModifierCell", "ZoneoutCell", "ResidualCell",
           "BidirectionalCell"]


class RNNParams:
    """The weight variables of one or more cells, created once by name (prefix + name)."""

    def __init__(self, prefix=""):
        self._prefix = prefix
        self._params = {}

    def get(self, name, **kwargs):
        """The variable ``prefix + name``, created with ``kwargs`` on first use."""
        name = self._prefix + name
        if name not in self._params:
            self._params[name] = symbol.Variable(name, **kwargs)
        return self._params[name]


def sequence_namespace(inputs):
    """``mx.sym`` or ``mx.nd``: the API of ``inputs`` (one array or symbol, or a list)."""
    first = inputs if isinstance(inputs, (Symbol, NDArray)) else inputs[0]
    return symbol if isinstance(first, Symbol) else ndarray


def normalize_sequence(length, inputs, layout, merge, in_layout=None, concat=False):
    """(inputs as one Symbol / NDArray with a time axis if ``merge``, else a list of
    ``length`` steps; the time axis of ``layout``). ``merge`` None keeps what was given;
    ``concat`` merges steps by expand_dims and Concat (mx.rnn's graph) instead of stack
    (Gluon's)."""
    if inputs is None:
        raise MXNetError("unroll: inputs is None; create the input variables outside unroll")
    F = sequence_namespace(inputs)
    axis = layout.find("T")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, (Symbol, NDArray)):
        if merge is False:
            if isinstance(inputs, Symbol) and len(inputs.list_outputs()) != 1:
                raise MXNetError("unroll doesn't allow grouped symbol as input. Please convert "
                                 "to list with list(inputs) first or let unroll handle "
                                 "splitting.")
            steps = length if isinstance(inputs, Symbol) else inputs.shape[in_axis]
            if length is not None and steps != length:
                raise MXNetError(f"unroll: inputs have {steps} steps on axis {in_axis}, "
                                 f"length is {length}")
            inputs = F.split(inputs, axis=in_axis, num_outputs=steps, squeeze_axis=1)
            inputs = [inputs] if isinstance(inputs, NDArray) else list(inputs)
    else:
        if length is not None and len(inputs) != length:
            raise MXNetError(f"unroll: {len(inputs)} inputs for length {length}")
        if merge is True:
            inputs = F.Concat(*[F.expand_dims(x, axis=axis) for x in inputs], dim=axis) \
                if concat else F.stack(*inputs, axis=axis)
            in_axis = axis
    if isinstance(inputs, (Symbol, NDArray)) and axis != in_axis:
        inputs = F.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis


_OPERATOR_ACTIVATIONS = ("tanh", "relu", "sigmoid", "softsign")


def activate(F, inputs, activation, functional=False, **kwargs):
    """``activation`` (an act_type name, or a function of an array) applied to ``inputs``;
    with ``functional`` the names that are operators too run as those operators (``tanh``
    not ``Activation``), as MXNet's Gluon cells record them."""
    if isinstance(activation, str):
        if functional and activation in _OPERATOR_ACTIVATIONS:
            return getattr(F, activation)(inputs, **kwargs)
        return F.Activation(inputs, act_type=activation, **kwargs)
    return activation(inputs, **kwargs)


def _slices(F, data, count, axis, name):
    """``data`` split in ``count`` along ``axis``; None: SliceChannel's default axis (1),
    not recorded in the graph."""
    if axis is None:
        return F.SliceChannel(data, num_outputs=count, name=name)
    return F.SliceChannel(data, num_outputs=count, axis=axis, name=name)


def lstm_step(F, i2h, h2h, prev_c, name, activation="tanh", recurrent_activation="sigmoid",
              axis=1, functional=False, legacy=False):
    """(next_h, next_c) of one LSTM step from the input and recurrent projections (gates
    i, f, c, o stacked in that order on ``axis``); nodes are named ``name + ...``, and the
    gates' activations are operators with ``functional`` (see ``activate``). With
    ``legacy`` the graph is mx.rnn's: its sums, products and the last activation unnamed
    (``_plus0``, ``_mul0``, ``activation0``)."""
    def label(suffix):
        return None if legacy else f"{name}{suffix}"

    gates = _slices(F, F._internal._plus(i2h, h2h, name=label("plus0")), 4, axis,
                    f"{name}slice")
    in_gate = activate(F, gates[0], recurrent_activation, functional, name=f"{name}i")
    forget_gate = activate(F, gates[1], recurrent_activation, functional, name=f"{name}f")
    in_transform = activate(F, gates[2], activation, functional, name=f"{name}c")
    out_gate = activate(F, gates[3], recurrent_activation, functional, name=f"{name}o")
    next_c = F._internal._plus(F._internal._mul(forget_gate, prev_c, name=label("mul0")),
                               F._internal._mul(in_gate, in_transform, name=label("mul1")),
                               name=f"{name}state")
    next_h = F._internal._mul(out_gate, activate(F, next_c, activation,
                                                 name=label("activation0")),
                              name=f"{name}out")
    return next_h, next_c


def gru_step(F, i2h, h2h, prev_h, name, activation="tanh", axis=1, legacy=False):
    """next_h of one GRU step from the input and recurrent projections (gates r, z, n
    stacked on ``axis``), with the candidate ``activation(x W_n + r * (h U_n))`` as cuDNN
    and MXNet compute it. With ``legacy`` the graph is mx.rnn's: gates named
    ``name + "_r_act"`` and so on, sums and products unnamed, ``1 - z`` a scalar
    operator."""
    def label(suffix):
        return None if legacy else f"{name}{suffix}"
    gate = f"{name}_" if legacy else name

    i2h_r, i2h_z, i2h_n = _slices(F, i2h, 3, axis, f"{gate}i2h_slice")
    h2h_r, h2h_z, h2h_n = _slices(F, h2h, 3, axis, f"{gate}h2h_slice")
    reset = F.Activation(F._internal._plus(i2h_r, h2h_r, name=label("plus0")),
                         act_type="sigmoid", name=f"{gate}r_act")
    update = F.Activation(F._internal._plus(i2h_z, h2h_z, name=label("plus1")),
                          act_type="sigmoid", name=f"{gate}z_act")
    candidate = activate(F, F._internal._plus(i2h_n, F._internal._mul(reset, h2h_n,
                                                                      name=label("mul0")),
                                              name=label("plus2")),
                         activation, name=f"{gate}h_act")
    if legacy:
        keep_new = 1.0 - update
    else:
        keep_new = F.elemwise_sub(F.ones_like(update, name=f"{name}ones_like0"), update,
                                  name=f"{name}minus0")
    return F._internal._plus(F._internal._mul(keep_new, candidate, name=label("mul1")),
                             F._internal._mul(update, prev_h, name=label("mul20")),
                             name=f"{name}out")


def cells_state_info(cells):
    return sum((c.state_info for c in cells), [])


def cells_begin_state(cells, **kwargs):
    return sum((c.begin_state(**kwargs) for c in cells), [])


class BaseRNNCell:
    """A recurrent cell: subclasses define ``__call__``, ``state_info`` and (for weight
    (un)packing) ``_gate_names``."""

    def __init__(self, prefix="", params=None):
        if params is None:
            params = RNNParams(prefix)
            self._own_params = True
        else:
            self._own_params = False
        self._prefix = prefix
        self._params = params
        self._modified = False
        self.reset()

    def reset(self):
        """Restart the step counters before a new unroll."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, "_cells", []):
            cell.reset()

    def __call__(self, inputs, states):
        """(output, new states) for one step."""
        raise NotImplementedError()

    @property
    def params(self):
        """The cell's RNNParams (the cell no longer owns them once shared)."""
        self._own_params = False
        return self._params

    @property
    def state_info(self):
        """One dict per state: its shape (0 = batch, inferred) and layout."""
        raise NotImplementedError()

    @property
    def state_shape(self):
        return [info["shape"] for info in self.state_info]

    @property
    def _gate_names(self):
        return ()

    def begin_state(self, func=symbol.zeros, **kwargs):
        """Initial states made by ``func`` (``mx.sym.zeros`` by default), one per state."""
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. DropoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        states = []
        for info in self.state_info:
            self._init_counter += 1
            if info is not None:
                kwargs.update(info)
            states.append(func(name=f"{self._prefix}begin_state_{self._init_counter}",
                               **kwargs))
        return states

    def unpack_weights(self, args):
        """``args`` with each gate-stacked i2h/h2h weight and bias split per gate."""
        args = args.copy()
        if not self._gate_names:
            return args
        h = self._num_hidden
        for group in ("i2h", "h2h"):
            for kind in ("weight", "bias"):
                stacked = args.pop(f"{self._prefix}{group}_{kind}")
                for j, gate in enumerate(self._gate_names):
                    args[f"{self._prefix}{group}{gate}_{kind}"] = \
                        stacked[j * h:(j + 1) * h].copy()
        return args

    def pack_weights(self, args):
        """The inverse of ``unpack_weights``."""
        from ..ndarray import concatenate
        args = args.copy()
        if not self._gate_names:
            return args
        for group in ("i2h", "h2h"):
            for kind in ("weight", "bias"):
                parts = [args.pop(f"{self._prefix}{group}{gate}_{kind}")
                         for gate in self._gate_names]
                args[f"{self._prefix}{group}_{kind}"] = concatenate(parts)
        return args

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        """Apply the cell ``length`` steps: (outputs, final states); outputs are one Symbol
        if ``merge_outputs`` (or the inputs were one and it is None), else a list."""
        self.reset()
        inputs, _ = normalize_sequence(length, inputs, layout, False, concat=True)
        states = self.begin_state() if begin_state is None else begin_state
        outputs = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
        outputs, _ = normalize_sequence(length, outputs, layout, merge_outputs, concat=True)
        return outputs, states

    def _get_activation(self, inputs, activation, **kwargs):
        """``activation`` (an act_type name or a symbol function) applied to ``inputs``."""
        return activate(symbol, inputs, activation, **kwargs)


def _step_name(cell):
    cell._counter += 1
    return f"{cell._prefix}t{cell._counter}_"


class RNNCell(BaseRNNCell):
    """Elman cell: ``h = activation(x W + b + h U + c)``."""

    def __init__(self, num_hidden, activation="tanh", prefix="rnn_", params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._activation = activation
        self._iW, self._iB = self.params.get("i2h_weight"), self.params.get("i2h_bias")
        self._hW, self._hB = self.params.get("h2h_weight"), self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ("",)

    def __call__(self, inputs, states):
        name = _step_name(self)
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden, name=f"{name}i2h")
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden, name=f"{name}h2h")
        output = self._get_activation(i2h + h2h, self._activation, name=f"{name}out")
        return output, [output]


class LSTMCell(BaseRNNCell):
    """LSTM cell; gates i, f, c, o stacked in that order; ``forget_bias`` initialises the
    forget gate's bias."""

    def __init__(self, num_hidden, prefix="lstm_", params=None, forget_bias=1.0):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW, self._hW = self.params.get("i2h_weight"), self.params.get("h2h_weight")
        self._iB = self.params.get("i2h_bias", init=LSTMBias(forget_bias=forget_bias))
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"},
                {"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs, states):
        name = _step_name(self)
        hidden = self._num_hidden
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=hidden * 4, name=f"{name}i2h")
        h2h = symbol.FullyConnected(data=states[0], weight=self._hW, bias=self._hB,
                                    num_hidden=hidden * 4, name=f"{name}h2h")
        next_h, next_c = lstm_step(symbol, i2h, h2h, states[1], name, axis=None,
                                   legacy=True)
        return next_h, [next_h, next_c]


class GRUCell(BaseRNNCell):
    """GRU cell (gates r, z, o), with MXNet's candidate ``tanh(x W + r * (h U))``."""

    def __init__(self, num_hidden, prefix="gru_", params=None):
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW, self._iB = self.params.get("i2h_weight"), self.params.get("i2h_bias")
        self._hW, self._hB = self.params.get("h2h_weight"), self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}]

    @property
    def _gate_names(self):
        return ["_r", "_z", "_o"]

    def __call__(self, inputs, states):
        name = _step_name(self)
        prev = states[0]
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB,
                                    num_hidden=self._num_hidden * 3, name=f"{name}_i2h")
        h2h = symbol.FullyConnected(data=prev, weight=self._hW, bias=self._hB,
                                    num_hidden=self._num_hidden * 3, name=f"{name}_h2h")
        next_h = gru_step(symbol, i2h, h2h, prev, name, axis=None, legacy=True)
        return next_h, [next_h]


class SequentialRNNCell(BaseRNNCell):
    """Cells stacked: each cell's output is the next one's input."""

    def __init__(self, params=None):
        super().__init__(prefix="", params=params)
        self._override_cell_params = params is not None
        self._cells = []

    def add(self, cell):
        """Append ``cell`` to the stack."""
        self._cells.append(cell)
        if self._override_cell_params:
            if not cell._own_params:
                raise MXNetError("Either specify params for SequentialRNNCell or child cells, "
                                 "not both.")
            cell.params._params.update(self.params._params)
        self.params._params.update(cell.params._params)

    @property
    def state_info(self):
        return cells_state_info(self._cells)

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells (e.g. ZoneoutCell) the base cell "
                             "cannot be called directly. Call the modifier cell instead.")
        return cells_begin_state(self._cells, **kwargs)

    def unpack_weights(self, args):
        for cell in self._cells:
            args = cell.unpack_weights(args)
        return args

    def pack_weights(self, args):
        for cell in self._cells:
            args = cell.pack_weights(args)
        return args

    def __call__(self, inputs, states):
        self._counter += 1
        next_states, p = [], 0
        for cell in self._cells:
            if isinstance(cell, BidirectionalCell):
                raise MXNetError("a BidirectionalCell cannot be stepped; use unroll")
            n = len(cell.state_info)
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states += state
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        begin_state = self.begin_state() if begin_state is None else begin_state
        next_states, p = [], 0
        last = len(self._cells) - 1
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            inputs, states = cell.unroll(length, inputs=inputs,
                                         begin_state=begin_state[p:p + n], layout=layout,
                                         merge_outputs=None if i < last else merge_outputs)
            p += n
            next_states += states
        return inputs, next_states


class DropoutCell(BaseRNNCell):
    """Dropout on the inputs; no states."""

    def __init__(self, dropout, prefix="dropout_", params=None):
        super().__init__(prefix, params)
        if not isinstance(dropout, (int, float)):
            raise MXNetError(f"DropoutCell: dropout must be a number, got {dropout!r}")
        self.dropout = dropout

    @property
    def state_info(self):
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, _ = normalize_sequence(length, inputs, layout, merge_outputs, concat=True)
        if isinstance(inputs, Symbol):
            return self(inputs, [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """A cell wrapping ``base_cell`` to change its behaviour; the base cell is then only
    reachable through the wrapper."""

    def __init__(self, base_cell):
        super().__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self):
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self):
        return self.base_cell.state_info

    def begin_state(self, init_sym=symbol.zeros, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells the base cell cannot be called "
                             "directly. Call the modifier cell instead.")
        self.base_cell._modified = False
        begin = self.base_cell.begin_state(init_sym, **kwargs)
        self.base_cell._modified = True
        return begin

    def unpack_weights(self, args):
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args):
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError


class ZoneoutCell(ModifierCell):
    """Zoneout: in training, each output / state unit keeps its previous value with
    probability ``zoneout_outputs`` / ``zoneout_states``."""

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if isinstance(base_cell, FusedRNNCell):
            raise MXNetError("FusedRNNCell doesn't support zoneout. Please unfuse first.")
        if isinstance(base_cell, BidirectionalCell):
            raise MXNetError("BidirectionalCell doesn't support zoneout since it doesn't "
                             "support step. Please add ZoneoutCell to the cells underneath "
                             "instead.")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self):
        super().reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        next_output, next_states = self.base_cell(inputs, states)

        def keep_new(p, like):
            return symbol.Dropout(symbol.ones_like(like), p=p)
        prev = self.prev_output if self.prev_output is not None else symbol.zeros((0, 0))
        output = next_output
        if self.zoneout_outputs != 0.:
            output = symbol.where(keep_new(self.zoneout_outputs, next_output), next_output,
                                  prev)
        if self.zoneout_states != 0.:
            next_states = [symbol.where(keep_new(self.zoneout_states, new), new, old)
                           for new, old in zip(next_states, states)]
        self.prev_output = output
        return output, next_states


class ResidualCell(ModifierCell):
    """Adds the cell's input to its output."""

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(output, inputs, name=f"{output.name}_plus_residual")
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        self.base_cell._modified = False
        outputs, states = self.base_cell.unroll(length, inputs=inputs, begin_state=begin_state,
                                                layout=layout, merge_outputs=merge_outputs)
        self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, Symbol)
        inputs, _ = normalize_sequence(length, inputs, layout, merge_outputs, concat=True)
        if merge_outputs:
            return symbol.elemwise_add(outputs, inputs,
                                       name=f"{outputs.name}_plus_residual"), states
        return [symbol.elemwise_add(o, i, name=f"{o.name}_plus_residual")
                for o, i in zip(outputs, inputs)], states


class BidirectionalCell(BaseRNNCell):
    """Runs ``l_cell`` forward and ``r_cell`` backward over the sequence and concatenates
    their outputs; it can only be unrolled."""

    def __init__(self, l_cell, r_cell, params=None, output_prefix="bi_"):
        super().__init__("", params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        if self._override_cell_params:
            if not (l_cell._own_params and r_cell._own_params):
                raise MXNetError("Either specify params for BidirectionalCell or child cells, "
                                 "not both.")
            l_cell.params._params.update(self.params._params)
            r_cell.params._params.update(self.params._params)
        self.params._params.update(l_cell.params._params)
        self.params._params.update(r_cell.params._params)
        self._cells = [l_cell, r_cell]

    def unpack_weights(self, args):
        for cell in self._cells:
            args = cell.unpack_weights(args)
        return args

    def pack_weights(self, args):
        for cell in self._cells:
            args = cell.pack_weights(args)
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    @property
    def state_info(self):
        return cells_state_info(self._cells)

    def begin_state(self, **kwargs):
        if self._modified:
            raise MXNetError("After applying modifier cells the base cell cannot be called "
                             "directly. Call the modifier cell instead.")
        return cells_begin_state(self._cells, **kwargs)

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, axis = normalize_sequence(length, inputs, layout, False, concat=True)
        states = self.begin_state() if begin_state is None else begin_state
        l_cell, r_cell = self._cells
        n_left = len(l_cell.state_info)
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=states[:n_left],
                                            layout=layout, merge_outputs=merge_outputs)
        r_outputs, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)),
                                            begin_state=states[n_left:], layout=layout,
                                            merge_outputs=merge_outputs)
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, Symbol) and isinstance(r_outputs, Symbol)
            if not merge_outputs:
                if isinstance(l_outputs, Symbol):
                    l_outputs = list(symbol.SliceChannel(l_outputs, axis=axis,
                                                         num_outputs=length, squeeze_axis=1))
                if isinstance(r_outputs, Symbol):
                    r_outputs = list(symbol.SliceChannel(r_outputs, axis=axis,
                                                         num_outputs=length, squeeze_axis=1))
        if merge_outputs:
            l_outputs, r_outputs = [l_outputs], [symbol.reverse(r_outputs, axis=axis)]
        else:
            r_outputs = list(reversed(r_outputs))
        prefix = self._output_prefix
        outputs = [symbol.Concat(l_o, r_o, dim=1 + merge_outputs,
                                 name=f"{prefix}out" if merge_outputs else f"{prefix}t{i}")
                   for i, (l_o, r_o) in enumerate(zip(l_outputs, r_outputs))]
        if merge_outputs:
            outputs = outputs[0]
        return outputs, l_states + r_states


class FusedRNNCell(BaseRNNCell):
    """The fused ``RNN`` operator as a cell: one packed ``<prefix>parameters`` variable;
    it can only be unrolled (``unfuse()`` gives the equivalent stack of cells)."""

    def __init__(self, num_hidden, num_layers=1, mode="lstm", bidirectional=False,
                 dropout=0., get_next_state=False, forget_bias=1.0, prefix=None, params=None):
        prefix = f"{mode}_" if prefix is None else prefix
        super().__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._directions = ["l", "r"] if bidirectional else ["l"]
        self._parameter = self.params.get("parameters", init=FusedRNN(
            None, num_hidden, num_layers, mode, bidirectional, forget_bias))

    @property
    def state_info(self):
        shape = ((self._bidirectional + 1) * self._num_layers, 0, self._num_hidden)
        return [{"shape": shape, "__layout__": "LNC"}
                for _ in range(2 if self._mode == "lstm" else 1)]

    @property
    def _gate_names(self):
        return {"rnn_relu": [""], "rnn_tanh": [""], "lstm": ["_i", "_f", "_c", "_o"],
                "gru": ["_r", "_z", "_o"]}[self._mode]

    def _slices(self, arr, input_size):
        """name -> view of the packed ``arr`` for each per-gate weight and bias."""
        from ..ops.rnn import rnn_param_layout
        hidden, gates = self._num_hidden, self._gate_names
        views, offset = {}, 0
        for layer, d, kind, shape in rnn_param_layout(
                self._mode, self._num_layers, self._bidirectional, input_size, hidden):
            group, what = kind.split("_")
            for gate in gates:
                part = (hidden,) + shape[1:]
                size = hidden * (shape[1] if len(shape) == 2 else 1)
                name = f"{self._prefix}{d}{layer}_{group}{gate}_{what}"
                views[name] = arr[offset:offset + size].reshape(part)
                offset += size
        if offset != arr.size:
            raise MXNetError(f"FusedRNNCell: a packed parameter of {arr.size} values does not "
                             f"fit {self._num_layers} {self._mode} layers of {hidden} units "
                             f"with input size {input_size}")
        return views

    def _input_size(self, total):
        """The input size that makes the packed parameter ``total`` values long."""
        b, m, h = len(self._directions), len(self._gate_names), self._num_hidden
        return total // b // h // m - (self._num_layers - 1) * (h + b * h + 2) - h - 2

    def unpack_weights(self, args):
        args = args.copy()
        arr = args.pop(self._parameter.name)
        for name, view in self._slices(arr, self._input_size(arr.size)).items():
            args[name] = view.copy()
        return args

    def pack_weights(self, args):
        from ..ndarray import zeros
        from ..ops.rnn import rnn_param_size
        args = args.copy()
        first = args[f"{self._prefix}l0_i2h{self._gate_names[0]}_weight"]
        input_size = first.shape[1]
        total = rnn_param_size(self._mode, self._num_layers, self._bidirectional, input_size,
                               self._num_hidden)
        arr = zeros((total,), ctx=first.context, dtype=first.dtype)
        for name, view in self._slices(arr, input_size).items():
            view[:] = args.pop(name)
        args[self._parameter.name] = arr
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("FusedRNNCell cannot be stepped. Please use unroll")

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, axis = normalize_sequence(length, inputs, layout, True, concat=True)
        if axis == 1:
            warnings.warn("NTC layout detected. Consider using TNC for FusedRNNCell for faster "
                          "speed", stacklevel=2)
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        elif axis != 0:
            raise MXNetError(f"FusedRNNCell: unsupported layout {layout!r}")
        states = self.begin_state() if begin_state is None else begin_state
        named = {"state": states[0]}
        if self._mode == "lstm":
            named["state_cell"] = states[1]
        rnn = symbol.RNN(data=inputs, parameters=self._parameter, state_size=self._num_hidden,
                         num_layers=self._num_layers, bidirectional=self._bidirectional,
                         p=self._dropout, state_outputs=self._get_next_state, mode=self._mode,
                         name=self._prefix + "rnn", **named)
        if not self._get_next_state:
            outputs, states = rnn, []
        else:
            outputs = rnn[0]
            states = [rnn[1], rnn[2]] if self._mode == "lstm" else [rnn[1]]
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = normalize_sequence(length, outputs, layout, merge_outputs, concat=True)
        return outputs, states

    def unfuse(self):
        """The equivalent SequentialRNNCell of unfused cells (same parameter names after
        ``unpack_weights``)."""
        hidden, prefix = self._num_hidden, self._prefix
        make = {"rnn_relu": lambda p: RNNCell(hidden, activation="relu", prefix=p),
                "rnn_tanh": lambda p: RNNCell(hidden, activation="tanh", prefix=p),
                "lstm": lambda p: LSTMCell(hidden, prefix=p),
                "gru": lambda p: GRUCell(hidden, prefix=p)}[self._mode]
        stack = SequentialRNNCell()
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(make(f"{prefix}l{i}_"), make(f"{prefix}r{i}_"),
                                            output_prefix=f"{prefix}bi_l{i}_"))
            else:
                stack.add(make(f"{prefix}l{i}_"))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout, prefix=f"{prefix}_dropout{i}_"))
        return stack

"""``mx.gluon.rnn``: recurrent cells and the fused RNN, LSTM and GRU layers."""
from .modifier_cells import *  # noqa: F401,F403
from .modifier_cells import __all__ as _modifier_all
from .rnn_cell import *  # noqa: F401,F403
from .rnn_cell import __all__ as _cell_all
from .rnn_layer import *  # noqa: F401,F403
from .rnn_layer import __all__ as _layer_all

__all__ = _cell_all + _modifier_all + _layer_all

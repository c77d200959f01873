"""mx.rnn: symbolic recurrent cells, their checkpoints and bucketed sentence data."""
from . import io, rnn, rnn_cell
from .conv_rnn_cell import BaseConvRNNCell, ConvGRUCell, ConvLSTMCell, ConvRNNCell
from .io import BucketSentenceIter, encode_sentences
from .rnn import do_rnn_checkpoint, load_rnn_checkpoint, save_rnn_checkpoint
from .rnn_cell import (BaseRNNCell, BidirectionalCell, DropoutCell, FusedRNNCell, GRUCell,
                       LSTMCell, ModifierCell, ResidualCell, RNNCell, RNNParams,
                       SequentialRNNCell, ZoneoutCell)

__all__ = ["io", "rnn", "rnn_cell", "BaseConvRNNCell", "ConvGRUCell", "ConvLSTMCell",
           "ConvRNNCell", "BucketSentenceIter", "encode_sentences", "do_rnn_checkpoint",
           "load_rnn_checkpoint", "save_rnn_checkpoint", "BaseRNNCell", "BidirectionalCell",
           "DropoutCell", "FusedRNNCell", "GRUCell", "LSTMCell", "ModifierCell",
           "ResidualCell", "RNNCell", "RNNParams", "SequentialRNNCell", "ZoneoutCell"]

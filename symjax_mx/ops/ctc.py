"""CTCLoss (``mx.nd.ctc_loss``, ``mx.nd.contrib.ctc_loss``): connectionist temporal
classification loss of unnormalized activations (T, N, alphabet) against padded labels.

MXNet 1.9.1 semantics: with ``blank_label='first'`` the blank is class 0, labels use
1..alphabet-1 and are padded with 0; with 'last' the blank is the last class and labels
are padded with -1. Without ``use_label_lengths`` a label ends at its first padding
value. The gradient is the loss' derivative (softmax minus the alignment posterior).
"""
import jax.numpy as jnp
import optax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register


def _inputs(params):
    names = ["data", "label"]
    if params["use_data_lengths"]:
        names.append("data_lengths")
    if params["use_label_lengths"]:
        names.append("label_lengths")
    return tuple(names)


def _ctc(inputs, aux, params, is_train, rng):
    data, label, *lengths = inputs
    steps, batch, classes = data.shape
    first = params["blank_label"] == "first"
    label = label.astype(jnp.int32)
    if params["use_data_lengths"]:
        data_lengths = lengths.pop(0).astype(jnp.int32)
    else:
        data_lengths = jnp.full((batch,), steps, jnp.int32)
    if params["use_label_lengths"]:
        label_lengths = lengths.pop(0).astype(jnp.int32)
    else:  # a label ends at its first padding value
        padding = label == (0 if first else -1)
        label_lengths = jnp.where(padding.any(axis=1), jnp.argmax(padding, axis=1),
                                  label.shape[1])
    positions = jnp.arange(label.shape[1])
    logit_paddings = (jnp.arange(steps)[None] >= data_lengths[:, None]).astype(data.dtype)
    # steps past a sequence's length are never read (MXNet leaves them out: NaN there
    # reaches neither the loss nor the gradient)
    logits = jnp.where(logit_paddings.T[:, :, None] > 0, 0, data).transpose(1, 0, 2)
    label_paddings = (positions[None] >= label_lengths[:, None]).astype(data.dtype)
    labels = jnp.where(label_paddings > 0, 0, label)
    loss = optax.ctc_loss(logits, logit_paddings, labels, label_paddings,
                          blank_id=0 if first else classes - 1)
    return (loss.astype(data.dtype),), aux


def _ctc_shape_rule(op, params, shapes):
    data, label = shapes[0], shapes[1]
    if data is None:
        return shapes, [None]
    if len(data) != 3:
        raise MXNetError(f"CTCLoss: data must be 3-D (sequence, batch, alphabet), got "
                         f"{tuple(data)}")
    if label is not None and (len(label) != 2 or label[0] != data[1]):
        raise MXNetError(f"CTCLoss: label must be (batch, max_label_length) with batch "
                         f"{data[1]}, got {tuple(label)}")
    shapes = [tuple(data), label] + [(data[1],)] * (len(shapes) - 2)
    return shapes, [(data[1],)]


def _ctc_dtype_rule(op, params, dtypes):
    return dtypes, [dtypes[0]]


register("CTCLoss", _ctc, aliases=("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"),
         inputs=_inputs, shape_rule=_ctc_shape_rule, dtype_rule=_ctc_dtype_rule,
         params=(Param("use_data_lengths", P.boolean, default=False,
                       doc="take each sequence's length from the data_lengths input"),
                 Param("use_label_lengths", P.boolean, default=False,
                       doc="take each label's length from the label_lengths input"),
                 Param("blank_label", P.choice("first", "last"), default="first",
                       doc="whether the blank is the first or the last class")),
         doc="Connectionist temporal classification loss per batch element, from "
             "unnormalized activations (sequence, batch, alphabet) and padded labels.")

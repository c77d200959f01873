"""The fused recurrent layer ``RNN`` (rnn_relu, rnn_tanh, lstm, gru; stacked layers;
bidirectional) with MXNet 1.9.1's packed parameter vector, so weights exported from
MXNet load unchanged.

The packed layout (``rnn_param_layout``): first every weight matrix, layer by layer and
within a layer direction by direction (left-to-right, then right-to-left): the input
weights ``(gates * state_size, input_size)`` then the recurrent weights
``(gates * state_size, state_size)``; then every bias in the same order, input bias then
recurrent bias, each ``(gates * state_size,)``. Gates are stacked in MXNet's order: LSTM
i, f, c, o; GRU r, z, n. A GRU's candidate is ``tanh(x W_n + b_n + r * (h U_n + c_n))``.
An LSTM with ``projection_size`` P (LSTMP) projects its output ``h`` to P units by a third
weight ``h2r_weight`` ``(P, state_size)`` after each direction's recurrent weight; its
recurrent weights are then ``(4 * state_size, P)`` and the next layer's input is
``directions * P`` wide.

Each layer is one ``lax.scan`` over time running both directions at once (a leading
direction axis), its input projection computed for all time steps before the scan.
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..base import MXNetError
from .matrix import _concat_inputs, _concat_shape_rule
from .random import flat_draw
from .registry import Param, ParamParsers as P, register

_PRECISION = lax.Precision.HIGHEST
GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def rnn_param_layout(mode, num_layers, bidirectional, input_size, state_size,
                     projection_size=None):
    """[(layer, direction, kind, shape)] in packed order; kind is i2h_weight, h2h_weight,
    h2r_weight (with a projection), i2h_bias or h2h_bias and direction 'l' or 'r'."""
    gates = GATES[mode] * state_size
    out = projection_size or state_size
    directions = ("l", "r") if bidirectional else ("l",)
    weights, biases = [], []
    for layer in range(num_layers):
        width = input_size if layer == 0 else len(directions) * out
        for d in directions:
            weights += [(layer, d, "i2h_weight", (gates, width)),
                        (layer, d, "h2h_weight", (gates, out))]
            if projection_size:
                weights.append((layer, d, "h2r_weight", (projection_size, state_size)))
            biases += [(layer, d, "i2h_bias", (gates,)), (layer, d, "h2h_bias", (gates,))]
    return weights + biases


def rnn_param_size(mode, num_layers, bidirectional, input_size, state_size,
                   projection_size=None):
    """The length of the packed parameter vector."""
    total = 0
    for *_, shape in rnn_param_layout(mode, num_layers, bidirectional, input_size,
                                      state_size, projection_size):
        size = 1
        for d in shape:
            size *= d
        total += size
    return total


def _inputs(params):
    names = ["data", "parameters", "state"]
    if params["mode"] == "lstm":
        names.append("state_cell")
    if params["use_sequence_length"]:
        names.append("sequence_length")
    return tuple(names)


def _outputs(params):
    if not params["state_outputs"]:
        return ("output",)
    names = ("output", "state_output", "statecell_output")  # MXNet's output names
    return names if params["mode"] == "lstm" else names[:2]


def _check(op, params):
    if params["projection_size"] is not None and params["mode"] != "lstm":
        raise MXNetError(f"RNN: projection_size applies to mode='lstm' only, not "
                         f"{params['mode']!r}")
    if params["use_sequence_length"]:
        raise MXNetError("RNN: use_sequence_length is not supported (MXNet's CPU build does "
                         "not support it either); pad the sequences instead")
    if params["mode"] != "lstm" and (params["lstm_state_clip_min"] is not None
                                     or params["lstm_state_clip_max"] is not None):
        raise MXNetError(f"RNN: lstm_state_clip_min/max apply to mode='lstm' only, not "
                         f"{params['mode']!r}")


def _fill(shapes, names, name, want, data):
    """Fill input ``name``'s shape with ``want``; a known shape must agree with it where
    its sizes are known (a 0 marks an unknown size, as in a begin state)."""
    i = names.index(name)
    known = shapes[i]
    if known is None or (len(known) == len(want)
                         and all(k in (0, w) for k, w in zip(known, want))):
        shapes[i] = want
    else:
        raise MXNetError(f"RNN: {name} has shape {tuple(shapes[i])}, but data of shape "
                         f"{tuple(data)} needs {want}")


def _shape_rule(op, params, shapes):
    shapes = list(shapes)
    names = op.arg_names(params)
    data = shapes[0]
    n_out = op.num_outputs(params)
    if data is None:
        return shapes, [None] * n_out
    if len(data) != 3:
        raise MXNetError(f"RNN: data must be (sequence, batch, input) (layout TNC), got "
                         f"{tuple(data)}")
    steps, batch, width = data
    hidden, layers = params["state_size"], params["num_layers"]
    directions = 2 if params["bidirectional"] else 1
    projection = params["projection_size"]
    size = rnn_param_size(params["mode"], layers, params["bidirectional"], width, hidden,
                          projection)
    _fill(shapes, names, "parameters", (size,), data)
    out = projection or hidden
    state, cell = (layers * directions, batch, out), (layers * directions, batch, hidden)
    _fill(shapes, names, "state", state, data)
    if params["mode"] == "lstm":
        _fill(shapes, names, "state_cell", cell, data)
    return shapes, [(steps, batch, directions * out), state, cell][:n_out]


def _unpack(flat, params, width):
    """{(layer, direction, kind): array} sliced out of the packed parameter vector."""
    layout = rnn_param_layout(params["mode"], params["num_layers"], params["bidirectional"],
                              width, params["state_size"], params["projection_size"])
    sizes = [shape[0] * (shape[1] if len(shape) == 2 else 1) for *_, shape in layout]
    # one split (its gradient one concatenation), not a slice per piece (a padded
    # full-length gradient per piece, summed)
    parts = jnp.split(flat, np.cumsum(sizes)[:-1].tolist())
    return {(layer, d, kind): part.reshape(shape)
            for (layer, d, kind, shape), part in zip(layout, parts)}


def _matmul_t(x, weight):
    """``x @ weight.T`` over x's last axis, per direction: x (..., D, N, K), weight
    (D, M, K)."""
    return jnp.einsum("...dnk,dmk->...dnm", x, weight, precision=_PRECISION)


def _cell(mode, clip):
    """step(h, c, x_projected, h2h_weight, h2h_bias, h2r_weight) -> (h, c) for ``mode``,
    all directions of a layer at once (leading direction axis); h2r_weight is None without
    a projection."""
    def step(h, c, px, weight, bias, projection):
        ph = _matmul_t(h, weight) + bias[:, None]
        if mode == "rnn_relu":
            return jax.nn.relu(px + ph), c
        if mode == "rnn_tanh":
            return jnp.tanh(px + ph), c
        if mode == "lstm":
            i, f, g, o = jnp.split(px + ph, 4, axis=-1)
            c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
            if clip is not None:
                c = jnp.clip(c, *clip)
            h = jax.nn.sigmoid(o) * jnp.tanh(c)
            return (h if projection is None else _matmul_t(h, projection)), c
        xr, xz, xn = jnp.split(px, 3, axis=-1)
        hr, hz, hn = jnp.split(ph, 3, axis=-1)
        r, z = jax.nn.sigmoid(xr + hr), jax.nn.sigmoid(xz + hz)
        n = jnp.tanh(xn + r * hn)
        return (1 - z) * n + z * h, c
    return step


def _rnn(inputs, aux, params, is_train, rng):
    data, flat, h0 = inputs[0], inputs[1], inputs[2]
    mode = params["mode"]
    c0 = inputs[3] if mode == "lstm" else h0
    clip = None
    if params["lstm_state_clip_min"] is not None or params["lstm_state_clip_max"] is not None:
        clip = (params["lstm_state_clip_min"], params["lstm_state_clip_max"])
    step = _cell(mode, clip)
    pieces = _unpack(flat, params, data.shape[2])
    directions = ("l", "r") if params["bidirectional"] else ("l",)
    n_dir = len(directions)
    x, hs, cs = data, [], []
    for layer in range(params["num_layers"]):
        def get(kind, layer=layer):  # (directions, ...) stacked
            return jnp.stack([pieces[(layer, d, kind)] for d in directions]).astype(data.dtype)
        w_h, b_h = get("h2h_weight"), get("h2h_bias")
        w_r = get("h2r_weight") if params["projection_size"] else None
        # (T, D, N, width): the right-to-left direction reads the sequence reversed
        seqs = jnp.stack([x if d == "l" else jnp.flip(x, 0) for d in directions], axis=1)
        projected = _matmul_t(seqs, get("i2h_weight")) + get("i2h_bias")[:, None]
        span = slice(layer * n_dir, (layer + 1) * n_dir)

        def scan_step(carry, px, w_h=w_h, b_h=b_h, w_r=w_r):
            h, c = step(carry[0], carry[1], px, w_h, b_h, w_r)
            return (h, c), h
        (h_last, c_last), ys = lax.scan(scan_step, (h0[span], c0[span]), projected)
        outs = [ys[:, k] if d == "l" else jnp.flip(ys[:, k], 0)
                for k, d in enumerate(directions)]
        hs.append(h_last)
        cs.append(c_last)
        x = outs[0] if n_dir == 1 else jnp.concatenate(outs, axis=-1)
        p = params["p"]
        if is_train and p > 0 and layer < params["num_layers"] - 1:
            rng, key = jax.random.split(rng)
            keep = flat_draw(lambda k, shape: jax.random.bernoulli(k, 1 - p, shape), key, x.shape)
            x = x * keep.astype(x.dtype) / (1 - p)
    outputs = (x,)
    if params["state_outputs"]:
        outputs += (jnp.concatenate(hs),)
        if mode == "lstm":
            outputs += (jnp.concatenate(cs),)
    return outputs, aux


register("RNN", _rnn, inputs=_inputs, outputs=_outputs, random=True, check=_check,
         shape_rule=_shape_rule,
         params=(Param("state_size", P.integer_at_least(1), required=True,
                       doc="hidden units of each layer and direction"),
                 Param("num_layers", P.integer_at_least(1), required=True,
                       doc="stacked layers"),
                 Param("mode", P.choice(*GATES), required=True,
                       doc="rnn_relu, rnn_tanh, lstm or gru"),
                 Param("bidirectional", P.boolean, default=False,
                       doc="also run each layer right to left and concatenate"),
                 Param("p", P.number, default=0.0,
                       doc="dropout between layers, in training"),
                 Param("state_outputs", P.boolean, default=False,
                       doc="also output the final states"),
                 Param("projection_size", P.optional(P.integer),
                       doc="LSTM only: project each output to this many units (LSTMP)"),
                 Param("lstm_state_clip_min", P.optional(P.number),
                       doc="clip the LSTM cell state from below"),
                 Param("lstm_state_clip_max", P.optional(P.number),
                       doc="clip the LSTM cell state from above"),
                 Param("lstm_state_clip_nan", P.boolean, default=False,
                       doc="accepted; clipping maps NaN as jnp.clip does"),
                 Param("use_sequence_length", P.boolean, default=False,
                       doc="not supported")),
         doc="A fused multi-layer recurrent network over data of layout TNC (sequence, "
             "batch, input) with MXNet's packed parameter vector; outputs (T, N, "
             "directions * state_size) and, with state_outputs, the final states.")


def _param_concat_input_from_output(op, params, shapes, out_shapes):
    """The inputs whose size along ``dim`` is unknown (-1) completed from the output's, the
    rest shared equally among them (they are the first layer's input weights of each
    direction), as MXNet infers the weights of a Gluon RNN layer whose input width is
    deferred."""
    out, dim = out_shapes[0], params["dim"]
    if out is None or any(s is None for s in shapes):
        return shapes
    unknown = [i for i, s in enumerate(shapes) if -1 in s]
    if not unknown or any(list(shapes[i]).count(-1) != 1 or shapes[i][dim] != -1
                          for i in unknown):
        return shapes
    rest = out[dim] - sum(s[dim] for i, s in enumerate(shapes) if i not in unknown)
    if rest % len(unknown) == 0:
        for i in unknown:
            shapes[i] = shapes[i][:dim] + (rest // len(unknown),) + shapes[i][dim + 1:]
    return shapes


# Gluon's RNN layers export their flattened weights joined by this Concat variant.
register("_rnn_param_concat", lambda inputs, aux, params, is_train, rng: (
            (jnp.concatenate(inputs, axis=params["dim"]),), aux),
         inputs=_concat_inputs, shape_rule=_concat_shape_rule,
         shape_from_outputs=_param_concat_input_from_output,
         params=(Param("num_args", P.integer, required=True, doc="number of inputs"),
                 Param("dim", P.integer, default=1, doc="axis to join along")),
         doc="Concat as Gluon's RNN layers write it when they export their parameters.")

"""Multi-head attention matmuls of ``mx.nd.contrib`` with MXNet's interleaved layouts.

Sequences are (length, batch, features). Self-attention packs each head's query, key and
value projections together: (L, B, heads * 3 * D). Encoder-decoder attention packs keys
and values: (L, B, heads * 2 * D). Attention scores are (B * heads, L_query, L_key);
queries are divided by sqrt(D) first.
"""
import jax.numpy as jnp
from jax import lax

from ..base import MXNetError
from .registry import Param, ParamParsers as P, register

_HEADS = Param("heads", P.integer_at_least(1), required=True, doc="number of attention heads")


def _per_head(packed, heads, parts, part):
    """(B * heads, L, D): projection ``part`` of ``parts`` per head from (L, B, heads*parts*D)."""
    length, batch, _ = packed.shape
    x = packed.reshape(length, batch, heads, parts, -1)[:, :, :, part, :]
    return x.transpose(1, 2, 0, 3).reshape(batch * heads, length, -1)


def _scores(queries, keys):
    scaled = queries / jnp.sqrt(jnp.asarray(queries.shape[-1], queries.dtype))
    return jnp.einsum("bqd,bkd->bqk", scaled, keys, precision=lax.Precision.HIGHEST)


def _weighted(attention, values, heads, length, batch):
    out = jnp.einsum("bqk,bkd->bqd", attention, values, precision=lax.Precision.HIGHEST)
    return out.reshape(batch, heads, length, -1).transpose(2, 0, 1, 3).reshape(length, batch, -1)


def _check(name, shape, heads, parts):
    if len(shape) != 3 or shape[2] % (heads * parts):
        raise MXNetError(f"{name}: input must be (length, batch, heads * {parts} * head_dim) "
                         f"with heads={heads}, got {tuple(shape)}")


def _selfatt_qk(inputs, aux, params, is_train, rng):
    (qkv,) = inputs
    heads = params["heads"]
    return (_scores(_per_head(qkv, heads, 3, 0), _per_head(qkv, heads, 3, 1)),), aux


def _selfatt_qk_shape(op, params, shapes):
    (qkv,) = shapes
    if qkv is None:
        return shapes, [None]
    _check(op.name, qkv, params["heads"], 3)
    return shapes, [(qkv[1] * params["heads"], qkv[0], qkv[0])]


def _selfatt_valatt(inputs, aux, params, is_train, rng):
    qkv, attention = inputs
    heads = params["heads"]
    return (_weighted(attention, _per_head(qkv, heads, 3, 2), heads, qkv.shape[0],
                      qkv.shape[1]),), aux


def _selfatt_valatt_shape(op, params, shapes):
    qkv = shapes[0]
    if qkv is None:
        return shapes, [None]
    _check(op.name, qkv, params["heads"], 3)
    length, batch, width = qkv
    return [qkv, (batch * params["heads"], length, length)], [(length, batch, width // 3)]


def _encdec_qk(inputs, aux, params, is_train, rng):
    queries, keys_values = inputs
    heads = params["heads"]
    return (_scores(_per_head(queries, heads, 1, 0), _per_head(keys_values, heads, 2, 0)),), aux


def _encdec_qk_shape(op, params, shapes):
    queries, keys_values = shapes
    if queries is None or keys_values is None:
        return shapes, [None]
    _check(op.name, queries, params["heads"], 1)
    _check(op.name, keys_values, params["heads"], 2)
    return shapes, [(queries[1] * params["heads"], queries[0], keys_values[0])]


def _encdec_valatt(inputs, aux, params, is_train, rng):
    keys_values, attention = inputs
    heads = params["heads"]
    batch = keys_values.shape[1]
    return (_weighted(attention, _per_head(keys_values, heads, 2, 1), heads,
                      attention.shape[1], batch),), aux


def _encdec_valatt_shape(op, params, shapes):
    keys_values, attention = shapes
    if keys_values is None or attention is None:
        return shapes, [None]
    _check(op.name, keys_values, params["heads"], 2)
    return shapes, [(attention[1], keys_values[1], keys_values[2] // 2)]


for _name, _compute, _rule, _inputs, _doc in (
        ("interleaved_matmul_selfatt_qk", _selfatt_qk, _selfatt_qk_shape,
         ("queries_keys_values",), "Scaled query-key scores of self-attention."),
        ("interleaved_matmul_selfatt_valatt", _selfatt_valatt, _selfatt_valatt_shape,
         ("queries_keys_values", "attention"),
         "Self-attention output: attention weights applied to the values, (L, B, E)."),
        ("interleaved_matmul_encdec_qk", _encdec_qk, _encdec_qk_shape,
         ("queries", "keys_values"), "Scaled query-key scores of encoder-decoder attention."),
        ("interleaved_matmul_encdec_valatt", _encdec_valatt, _encdec_valatt_shape,
         ("keys_values", "attention"),
         "Encoder-decoder attention output: weights applied to the values, (Lq, B, E).")):
    register(f"_contrib_{_name}", _compute, aliases=(_name,), inputs=_inputs,
             shape_rule=_rule, dtype_rule=lambda op, params, dtypes: (dtypes, [dtypes[0]]),
             params=(_HEADS,), doc=_doc)

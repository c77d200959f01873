"""Imperative execution: run a registry operator now, compiled once per signature.

Each (operator, static parameters) pair gets one ``jax.jit`` function; JAX caches
it per input shape and dtype. Traced parameters (scalars) are runtime arguments.
Shape and dtype rules run while tracing, so a bad call fails with the operator's own
message and a good call pays nothing for them.
"""
import jax

from ..base import MXNetError

_COMPILED = {}


def _check_rules(op, params, datas):
    op.infer_shape(params, [tuple(d.shape) for d in datas])
    op.infer_type(params, [d.dtype.type for d in datas])


def _compile(op, static_params):
    def run(datas, traced_params):
        params = {**static_params, **traced_params}
        _check_rules(op, params, datas)
        outputs, _ = op.compute(datas, [], params, False, None)
        return outputs
    run.__name__ = op.name
    return jax.jit(run)


def compiled(op, params):
    """The jitted function for ``op`` with these parsed params, and its traced params."""
    traced = {k: v for k, v in params.items() if op.params[k].traced}
    key = (op, tuple(v for k, v in params.items() if k not in traced))
    fn = _COMPILED.get(key)
    if fn is None:
        static = {k: v for k, v in params.items() if k not in traced}
        fn = _COMPILED[key] = _compile(op, static)
    return fn, traced


def run(op, params, datas):
    """The operator's outputs (a tuple of jax arrays) for input jax arrays."""
    fn, traced = compiled(op, params)
    try:
        return fn(datas, traced)
    except MXNetError:
        raise
    except (TypeError, ValueError) as err:
        raise MXNetError(f"operator {op.name} failed: {err}") from None

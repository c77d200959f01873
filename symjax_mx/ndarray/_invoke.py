"""Imperative execution: run a registry operator now, compiled once per signature.

Each (operator, static parameters, NumPy shape semantics on or off) gets one ``jax.jit``
function; JAX caches it per input shape and dtype. Traced parameters (scalars) are runtime
arguments.
Shape and dtype rules run while tracing, so a bad call fails with the operator's own
message and a good call pays nothing for them. A call whose inputs and outputs are all
small (random draws: tiny) runs a second jitted function compiled with
``compile_options.FAST_COMPILE``. A random draw of a new shape reuses the program of a
flat power-of-two size (``_PrefixDraw``).
"""
import math

import jax

from .. import compile_options, x64, profiler
from ..base import MXNetError
from ..util import is_np_shape

_COMPILED = {}
_AVALS = {}  # (jitted function, input shapes and dtypes, traced types, keyed) -> output avals


def _check_rules(op, params, datas):
    op.infer_shape(params, [tuple(d.shape) for d in datas])
    op.infer_type(params, [d.dtype.type for d in datas])


def _compile(op, static_params, traced_names, is_train, num_inputs):
    def run(traced_values, rng, *datas):
        params = {**static_params, **dict(zip(traced_names, traced_values))}
        _check_rules(op, params, datas)
        split = len(datas) if num_inputs is None else num_inputs
        outputs, new_aux = op.compute(list(datas[:split]), list(datas[split:]), params,
                                      is_train, rng)
        return tuple(outputs), tuple(new_aux)
    run.__name__ = op.name
    if op.dynamic_shape:
        return x64.x64(run)
    small = compile_options.SMALL_RANDOM_ELEMENTS if op.random else compile_options.SMALL_ELEMENTS
    return _Jitted(run, small, op.host_callback)


class _Jitted:
    """An operator's jitted function, called with ``(traced values, rng, *datas)``: in
    XLA's default compile options, or in the fast ones for inputs and outputs that are all
    small: at most ``small_elements`` each (decided once per input shapes)."""

    __slots__ = ("jitted", "_default", "_fast", "_small", "_small_elements")

    def __init__(self, run, small_elements=compile_options.SMALL_ELEMENTS, blocks=False):
        self._default = x64.jit(run, blocks=blocks)
        self._fast = x64.jit(run, compiler_options=compile_options.FAST_COMPILE, blocks=blocks)
        self.jitted = self._default.jitted  # for jax.eval_shape
        self._small = {}  # input shapes -> whether the call is small
        self._small_elements = small_elements

    def __call__(self, traced, rng, *datas):
        shapes = tuple(d.shape for d in datas)
        small = self._small.get(shapes)
        if small is None:
            small = self._small[shapes] = self._is_small(traced, rng, datas)
        return (self._fast if small else self._default)(traced, rng, *datas)

    def _is_small(self, traced, rng, datas):
        if compile_options.for_shapes(d.shape for d in datas) is None:
            return False
        specs = [jax.ShapeDtypeStruct(d.shape, d.dtype) for d in datas]
        outputs = jax.tree_util.tree_leaves(x64.x64(jax.eval_shape)(self.jitted, traced, rng,
                                                                    *specs))
        return all(math.prod(o.shape) <= self._small_elements for o in outputs)

    def _cache_size(self):
        """How many programs both variants compiled."""
        return self._default._cache_size() + self._fast._cache_size()


# Draws of at most this many elements are cut from a power-of-two draw; at most twice the
# elements are drawn, and larger draws take longer than compiling their own program
_MAX_PREFIX_DRAW = 1 << 24


def _draw_size(op, params):
    """The flat size ``op`` draws for ``params`` whose draw is cut from a larger one, or
    None where it draws its own shape."""
    if not op.prefix_draws:
        return None
    shape = params["shape"]
    count = math.prod(shape)
    if not shape or min(shape) <= 0 or count > _MAX_PREFIX_DRAW:
        return None  # unknown or bad shapes fail in the operator's own rules
    size = max(compile_options.SMALL_RANDOM_ELEMENTS, 1 << (count - 1).bit_length())
    return None if shape == (size,) else size


class _PrefixDraw:
    """A random operator's draw of ``shape``: the first elements of its draw of a flat
    power-of-two size, reshaped (the same values, see ``Operator.prefix_draws``). Each new
    shape compiles only the cut: a draw's own compile took 0.2-0.35 s, and initializing
    ResNet-50 drew 21 shapes."""

    __slots__ = ("_draw", "_shape")

    def __init__(self, draw, shape):
        self._draw, self._shape = draw, shape

    def __call__(self, traced, rng):
        (flat,), aux = self._draw(traced, rng)
        return (_cut(flat, self._shape),), aux

    def jitted(self, traced, rng):
        """The abstract form, for ``jax.eval_shape``."""
        (flat,), aux = self._draw.jitted(traced, rng)
        return (_first_elements(flat, self._shape),), aux

    def _cache_size(self):
        """How many programs the draw and the cuts (of every shape) compiled."""
        return self._draw._cache_size() + _cut._cache_size()


def _first_elements(flat, shape):
    return flat[:math.prod(shape)].reshape(shape)


_cut = x64.jit(_first_elements, static_argnums=(1,),
               compiler_options=compile_options.FAST_COMPILE)


def compiled(op, params, is_train=False, num_inputs=None):
    """The jitted function for ``op`` with these parsed params, and its traced values.

    ``num_inputs`` splits the arrays passed into inputs and auxiliary states (default:
    all are inputs).
    """
    if not params and not is_train and num_inputs is None:
        key, traced = op, ()
    else:
        traced_names = op.traced_params
        traced = tuple(v for k, v in params.items() if k in traced_names)
        # the shape rules of creation and random operators read NumPy shape semantics
        key = (op, tuple((k, v) for k, v in params.items() if k not in traced_names), is_train,
               num_inputs, is_np_shape())
    fn = _COMPILED.get(key)
    if fn is None:
        static = {k: v for k, v in params.items() if k not in traced_names}
        traced_names = tuple(k for k in params if k in traced_names)
        size = _draw_size(op, params)
        if size is None:
            fn = _compile(op, static, traced_names, is_train, num_inputs)
        else:
            fn = _PrefixDraw(compiled(op, {**params, "shape": (size,)}, is_train)[0],
                             params["shape"])
        _COMPILED[key] = fn
    return fn, traced


def run(op, params, datas, is_train=False, rng=None, num_inputs=None):
    """(outputs, new aux states) of the operator: tuples of jax arrays."""
    fn, traced = compiled(op, params, is_train, num_inputs)
    started = profiler.operator_started()
    try:
        results = fn(traced, rng, *datas)
    except MXNetError:
        raise
    except Exception as err:  # tracing errors and XLA runtime errors share no public base
        raise MXNetError(f"operator {op.name} failed: {err}") from None
    if started is not None:
        profiler.operator_finished(op.name, started)
    return results


def output_avals(op, params, datas, is_train=False, rng=None, num_inputs=None):
    """The shapes and dtypes (``jax.ShapeDtypeStruct``) of the operator's outputs for
    inputs ``datas`` (anything with ``shape`` and ``dtype``), without running it."""
    fn, traced = compiled(op, params, is_train, num_inputs)
    key = (fn, tuple((d.shape, d.dtype) for d in datas), tuple(map(type, traced)),
           rng is None)
    avals = _AVALS.get(key)
    if avals is None:
        specs = [jax.ShapeDtypeStruct(d.shape, d.dtype) for d in datas]
        try:
            avals = _AVALS[key] = jax.eval_shape(fn.jitted, traced, rng, *specs)[0]
        except MXNetError:
            raise
        except Exception as err:  # tracing errors share no public base
            raise MXNetError(f"operator {op.name} failed: {err}") from None
    return avals

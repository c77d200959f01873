"""MXNet's public test helpers: tolerant comparisons, random inputs, default contexts.

(``check_numeric_gradient``, ``check_symbolic_forward`` and ``check_symbolic_backward``
work on Symbols and arrive here with the Symbol and Executor.)
"""
import numpy as np

from . import context
from .ndarray import NDArray, array

__all__ = ["default_context", "set_default_context", "default_rtols", "default_atols",
           "almost_equal", "assert_almost_equal", "same", "reldiff", "random_arrays",
           "rand_ndarray", "rand_shape_2d", "rand_shape_3d", "rand_shape_nd", "assert_exception"]


def default_context():
    """The context tests run on: the current default context."""
    return context.current_context()


def set_default_context(ctx):
    """Make ``ctx`` the default context (outside any ``with ctx:`` block)."""
    context._current.value = ctx


def default_rtols():
    """Default relative tolerance per dtype."""
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-5}


def default_atols():
    """Default absolute tolerance per dtype."""
    return {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-20}


def _host(value):
    return value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)


def _tolerances(a, b, rtol, atol):
    """The given tolerances, else the loosest defaults of the two dtypes (0 for integers)."""
    if rtol is None:
        rtol = max(default_rtols().get(a.dtype, 0), default_rtols().get(b.dtype, 0))
    if atol is None:
        atol = max(default_atols().get(a.dtype, 0), default_atols().get(b.dtype, 0))
    return rtol, atol


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True):
    """Whether two arrays (NDArray or numpy) agree within the tolerances."""
    a, b = _host(a), _host(b)
    if not use_broadcast and a.shape != b.shape:
        return False
    rtol, atol = _tolerances(a, b, rtol, atol)
    return bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Raise AssertionError, naming the arrays and the worst element, unless a ≈ b."""
    a, b = _host(a), _host(b)
    if not use_broadcast and a.shape != b.shape:
        raise AssertionError(f"shapes differ: {names[0]} {a.shape}, {names[1]} {b.shape}")
    rtol, atol = _tolerances(a, b, rtol, atol)
    if np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan):
        return
    a64, b64 = np.broadcast_arrays(a.astype(np.float64), b.astype(np.float64))
    excess = np.abs(a64 - b64) / (atol + rtol * np.abs(b64))
    if equal_nan:
        excess = np.where(np.isnan(a64) & np.isnan(b64), 0, excess)
    excess = np.where(np.isnan(excess), np.inf, excess)
    worst = np.unravel_index(np.argmax(excess), excess.shape)
    failing = np.argwhere(excess > 1)[:mismatches[0]]
    lines = [f"  {tuple(int(i) for i in at)}: {names[0]}={float(a64[tuple(at)])!r}, "
             f"{names[1]}={float(b64[tuple(at)])!r}" for at in failing]
    raise AssertionError(
        f"{names[0]} and {names[1]} differ beyond rtol={rtol:g}, atol={atol:g} in "
        f"{int((excess > 1).sum())} of {excess.size} elements; worst at "
        f"{tuple(int(i) for i in worst)}: {names[0]}={float(a64[worst])!r}, "
        f"{names[1]}={float(b64[worst])!r} "
        f"(error {excess[worst]:g}x the tolerance)\n" + "\n".join(lines))


def same(a, b):
    """Whether two arrays are exactly equal."""
    return bool(np.array_equal(_host(a), _host(b)))


def reldiff(a, b):
    """sum|a - b| / (sum|a| + sum|b|): 0 for identical arrays."""
    a, b = _host(a).astype(np.float64), _host(b).astype(np.float64)
    diff = np.sum(np.abs(a - b))
    return 0.0 if diff == 0 else float(diff / (np.sum(np.abs(a)) + np.sum(np.abs(b))))


def random_arrays(*shapes):
    """Standard-normal float32 numpy arrays of the given shapes (one array if one shape)."""
    arrays = [np.random.randn(*shape).astype(np.float32) for shape in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def rand_ndarray(shape, stype="default", density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A dense NDArray of standard-normal values (sparse storage types do not exist here)."""
    if stype != "default":
        raise ValueError(f"storage type {stype!r} is not supported; only 'default'")
    values = random_arrays(tuple(shape))
    if modifier_func is not None:
        values = modifier_func(values)
    return array(values, ctx=ctx, dtype=dtype)


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False):
    """A random 2-d shape with sides up to dim0, dim1."""
    return rand_shape_nd(2, (dim0, dim1), allow_zero_size)


def rand_shape_3d(dim0=10, dim1=10, dim2=10, allow_zero_size=False):
    """A random 3-d shape with sides up to dim0, dim1, dim2."""
    return rand_shape_nd(3, (dim0, dim1, dim2), allow_zero_size)


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False):
    """A random ``num_dim``-d shape with each side up to ``dim`` (an int or one per axis)."""
    low = 0 if allow_zero_size else 1
    return tuple(int(d) for d in np.random.randint(low, np.asarray(dim) + 1, size=num_dim))


def assert_exception(f, exception_type, *args, **kwargs):
    """Assert that ``f(*args, **kwargs)`` raises ``exception_type``."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError(f"{getattr(f, '__name__', f)} did not raise {exception_type.__name__}")

"""MXNet's public test helpers: tolerant comparisons, random inputs, default contexts,
forward / backward / numeric-gradient checks of Symbols, environment scopes, and the
statistical checks of random generators."""
import contextlib
import os
import sys

import numpy as np

from . import context
from .ndarray import NDArray, array, waitall
from .ndarray.random import uniform as random_uniform
from .util import use_np

# As in MXNet, the module has no __all__: ``from mxnet.test_utils import *`` brings every
# public name, including the modules MXNet's test_utils imports, which tests use unimported.
# pylint: disable=unused-import,wrong-import-order
import errno  # noqa: E402,F401
import json  # noqa: E402,F401
import logging  # noqa: E402,F401
import numbers  # noqa: E402,F401
import platform  # noqa: E402,F401
import time  # noqa: E402,F401
import traceback  # noqa: E402,F401
from collections import OrderedDict  # noqa: E402,F401
from contextlib import contextmanager  # noqa: E402,F401

import numpy.random as rnd  # noqa: E402,F401
import numpy.testing as npt  # noqa: E402,F401

import symjax_mx as mx  # noqa: E402,F401  (the package, as MXNet's test_utils exports it)

from .context import Context, current_context  # noqa: E402,F401
from .runtime import Features  # noqa: E402,F401
from .symbol import Symbol  # noqa: E402,F401
from .util import getenv, setenv  # noqa: E402,F401
from .test_utils_sparse import (assign_each, assign_each2, create_sparse_array,  # noqa: E402,F401
                                create_sparse_array_zd, rand_sparse_ndarray,
                                shuffle_csr_column_indices)
from .test_utils_data import (download, download_model, get_bz2_data,  # noqa: E402,F401
                              get_cifar10, get_mnist, get_mnist_iterator, get_mnist_pkl,
                              get_mnist_ubyte, get_zip_data, list_gpus)
from .test_utils_numpy import (check_gluon_hybridize_consistency,  # noqa: E402,F401
                               collapse_sum_like, has_tvm_ops, is_op_runnable)
from .io import DataIter  # noqa: E402


class DummyIter(DataIter):
    """An endless iterator that returns the first batch of ``real_iter`` every time (MXNet's,
    for speed tests)."""

    def __init__(self, real_iter):
        super().__init__(real_iter.batch_size)
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.the_batch = next(real_iter)

    def next(self):
        """The first batch of the real iterator; never raises StopIteration."""
        return self.the_batch


def default_context():
    """The context tests run on: the current default context."""
    return context.current_context()


def set_default_context(ctx):
    """Make ``ctx`` the default context (outside any ``with ctx:`` block)."""
    context._current.value = ctx


def default_dtype():
    """The dtype of test inputs unless a test asks for another: float32."""
    return np.float32


def effective_dtype(dat):
    """The dtype ``dat``'s values were computed in, for choosing tolerances: its own (no
    device here trims float32 to TF32)."""
    return np.dtype(dat.dtype)


def get_atol(atol=None):
    """``atol``, or MXNet's default absolute tolerance 1e-20."""
    return 1e-20 if atol is None else atol


def get_rtol(rtol=None):
    """``rtol``, or MXNet's default relative tolerance 1e-5."""
    return 1e-5 if rtol is None else rtol


def default_rtols():
    """Default relative tolerance per dtype."""
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-5}


def default_atols():
    """Default absolute tolerance per dtype."""
    return {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-20}


def _host(value):
    return value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)


def _compared(value):
    """A host array to compare: float16 widened to float32 (exact), where numpy's element
    arithmetic is many times faster."""
    value = _host(value)
    return value.astype(np.float32) if value.dtype == np.float16 else value


def _placed_copy(value, ctx, dtype):
    """An NDArray copy of ``value`` in ``dtype``; ``"asnumpy"`` keeps the value's own dtype."""
    value = _host(value)
    return array(value, ctx=ctx, dtype=value.dtype if dtype == "asnumpy" else dtype)


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
    return bool(np.allclose(_compared(a), _compared(b), rtol=rtol, atol=atol,
                            equal_nan=equal_nan))


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Raise AssertionError, naming the arrays and the worst element, unless a ≈ b."""
    a, b = _host(a), _host(b)
    if not use_broadcast and a.shape != b.shape:
        raise AssertionError(f"shapes differ: {names[0]} {a.shape}, {names[1]} {b.shape}")
    rtol, atol = _tolerances(a, b, rtol, atol)
    if np.allclose(_compared(a), _compared(b), rtol=rtol, atol=atol, equal_nan=equal_nan):
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
    arrays = [np.asarray(np.random.randn(*shape), dtype=np.float32) for shape in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes, low=0.0, high=1.0, dtype=np.float32):
    """One numpy array per shape, uniform in [low, high)."""
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def rand_ndarray(shape, stype="default", density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A random NDArray: standard-normal values when dense, else rand_sparse_ndarray's."""
    if stype != "default":
        return rand_sparse_ndarray(shape, stype, density=density, modifier_func=modifier_func,
                                   dtype=dtype, shuffle_csr_indices=shuffle_csr_indices,
                                   distribution=distribution, ctx=ctx)[0]
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


def _location(sym, location, dtype, ctx):
    """Argument name -> NDArray from a dict or a list in ``list_arguments()`` order."""
    names = sym.list_arguments()
    if not isinstance(location, dict):
        location = dict(zip(names, location))
    ctx = ctx or default_context()
    return {name: _input(value, ctx, dtype) for name, value in location.items()}


def _input(value, ctx, dtype):
    """An argument array: a copy of a sparse NDArray keeps its storage type."""
    if getattr(value, "stype", "default") != "default":
        return value.astype(value.dtype if dtype == "asnumpy" else dtype).copyto(ctx)
    return _placed_copy(value, ctx, dtype)


def _aux(sym, aux_states, dtype, ctx):
    if aux_states is None:
        return None
    if not isinstance(aux_states, dict):
        aux_states = dict(zip(sym.list_auxiliary_states(), aux_states))
    ctx = ctx or default_context()
    return {name: _placed_copy(value, ctx, dtype) for name, value in aux_states.items()}


def _by_output(sym, expected):
    return [expected[name] for name in sym.list_outputs()] if isinstance(expected, dict) \
        else list(expected)


def check_symbolic_forward(sym, location, expected, rtol=1e-4, atol=None, aux_states=None,
                           ctx=None, equal_nan=False, dtype=np.float32):
    """Assert the outputs of ``sym`` at ``location`` equal ``expected``; return the
    executor's outputs."""
    executor = sym.bind(ctx or default_context(), _location(sym, location, dtype, ctx),
                        grad_req="null", aux_states=_aux(sym, aux_states, dtype, ctx))
    outputs = executor.forward(is_train=False)
    for name, out, want in zip(sym.list_outputs(), outputs, _by_output(sym, expected)):
        assert_almost_equal(out.asnumpy(), want, rtol, atol,
                            ("computed " + name, "expected " + name), equal_nan=equal_nan)
    return outputs


def check_symbolic_backward(sym, location, out_grads, expected, rtol=1e-5, atol=None,
                            aux_states=None, grad_req="write", ctx=None, grad_stypes=None,
                            equal_nan=False, dtype=np.float32):
    """Assert the gradients of ``sym`` at ``location`` for ``out_grads`` equal ``expected``
    (a dict by argument name, or a list in argument order); return the gradient arrays
    (of storage ``grad_stypes[name]`` where given) by name."""
    args = _location(sym, location, dtype, ctx)
    names = sym.list_arguments()
    expected = expected if isinstance(expected, dict) else dict(zip(names, expected))
    grad_stypes = grad_stypes or {}
    grads = {name: mx.nd.zeros(args[name].shape, ctx=ctx, dtype=args[name].dtype,
                               stype=grad_stypes.get(name) or "default") for name in expected}
    executor = sym.bind(ctx or default_context(), args, args_grad=grads, grad_req=grad_req,
                        aux_states=_aux(sym, aux_states, dtype, ctx))
    executor.forward(is_train=True)
    if out_grads is not None and not isinstance(out_grads, dict):
        out_grads = [_placed_copy(g, ctx, dtype) for g in out_grads]
    elif isinstance(out_grads, dict):
        out_grads = [_placed_copy(out_grads[n], ctx, dtype) for n in sym.list_outputs()]
    executor.backward(out_grads)
    for name, want in expected.items():
        assert_almost_equal(grads[name].asnumpy(), want, rtol, atol,
                            ("computed grad " + name, "expected grad " + name), equal_nan=equal_nan)
    return grads


def check_numeric_gradient(sym, location, aux_states=None, numeric_eps=1e-3, rtol=1e-2,
                           atol=None, grad_nodes=None, use_forward_train=True, ctx=None,
                           grad_stype_dict=None, dtype=np.float32):
    """Assert the executor's gradients of ``sum(outputs * random projections)`` match
    central finite differences (computed in float64 on the same graph). A None step is
    MXNet's default for ``dtype``; a None rtol is 1e-2."""
    if numeric_eps is None:
        numeric_eps = default_numeric_eps()[np.dtype(dtype)]
    rtol = 1e-2 if rtol is None else rtol
    located = _location(sym, location, np.float64, ctx)
    args = {n: _host(v).astype(np.float64) for n, v in located.items()}
    if isinstance(grad_nodes, dict):  # name -> grad_req; 'null' ones are not checked
        grad_nodes = [name for name, req in grad_nodes.items() if req != "null"]
    names = [n for n in sym.list_arguments() if n in args] if grad_nodes is None else grad_nodes
    aux = _aux(sym, aux_states, np.float64, ctx)
    ctx = ctx or default_context()
    shapes = sym.infer_shape(**{n: a.shape for n, a in args.items()})[1]
    projections = [np.random.uniform(-1, 1, shape) for shape in shapes]

    # one executor evaluates every perturbation: its arguments are overwritten, its aux
    # states reset to their first values before each forward (as MXNet's numeric_grad does)
    evaluator = sym.bind(ctx, {n: array(v, ctx=ctx, dtype=np.float64) for n, v in args.items()},
                         grad_req="null", aux_states=None if aux is None else
                         {n: a.copy() for n, a in aux.items()})
    aux_values = {n: a.asnumpy() for n, a in (aux or {}).items()}

    def objective(name, value, train):
        evaluator.arg_dict[name][:] = value
        for aux_name, aux_value in aux_values.items():
            evaluator.aux_dict[aux_name][:] = aux_value
        outputs = evaluator.forward(is_train=train)
        return sum(float(np.sum(o.asnumpy() * p)) for o, p in zip(outputs, projections))

    grads = {n: array(np.zeros(args[n].shape), ctx=ctx, dtype=np.float64) for n in names}
    # the symbolic gradients are taken with the arguments in their given storage types
    executor = sym.bind(ctx, {n: array(v, ctx=ctx, dtype=np.float64).tostype(located[n].stype)
                              for n, v in args.items()}, args_grad=grads, aux_states=aux)
    executor.forward(is_train=use_forward_train)
    executor.backward([array(p, ctx=ctx, dtype=np.float64) for p in projections])
    for name in names:
        numeric = np.zeros_like(args[name])
        flat = numeric.reshape(-1)
        for i in range(flat.size):
            plus, minus = args[name].copy(), args[name].copy()
            plus.reshape(-1)[i] += numeric_eps / 2
            minus.reshape(-1)[i] -= numeric_eps / 2
            flat[i] = (objective(name, plus, use_forward_train)
                       - objective(name, minus, use_forward_train)) / numeric_eps
        evaluator.arg_dict[name][:] = args[name]
        assert_almost_equal(grads[name].asnumpy(), numeric, rtol, atol if atol is not None
                            else 1e-4, ("symbolic grad " + name, "numeric grad " + name))


def random_sample(population, k):
    """``k`` elements drawn from ``population`` without replacement (numpy's global RNG)."""
    population_copy = list(population)
    np.random.shuffle(population_copy)
    return population_copy[0:k]


def np_reduce(dat, axis, keepdims, numpy_reduce_func):
    """``numpy_reduce_func`` applied over each axis of ``axis`` (an int, a sequence or None)
    one at a time, the reduced axes kept as size 1 when ``keepdims``."""
    axes = [axis] if isinstance(axis, int) else \
        (list(axis) if axis is not None else list(range(dat.ndim)))
    result = dat
    for i in sorted(axes, reverse=True):
        result = numpy_reduce_func(result, axis=i)
    if keepdims:
        shape = list(dat.shape)
        for i in axes:
            shape[i] = 1
        result = result.reshape(tuple(shape))
    return result


def same_array(array1, array2):
    """Whether two NDArrays share memory: a write through one is seen by the other."""
    array1[:] += 1
    if not same(array1.asnumpy(), array2.asnumpy()):
        array1[:] -= 1
        return False
    array1[:] -= 1
    return same(array1.asnumpy(), array2.asnumpy())


def retry(n):
    """Decorator: rerun a stochastic test up to ``n`` times while it raises AssertionError."""
    if n <= 0:
        raise ValueError(f"retry needs a positive count, got {n}")

    def decorate(f):
        def wrapper(*args, **kwargs):
            for i in range(n):
                try:
                    f(*args, **kwargs)
                    return
                except AssertionError:
                    if i == n - 1:
                        raise
                    waitall()
        return wrapper
    return decorate


@contextlib.contextmanager
def environment(*args):
    """Scope (or decorator) setting environment variables: ``environment(name, value)`` or
    ``environment({name: value, ...})``; a None value unsets. The previous values come back
    on exit, also after an exception."""
    if len(args) == 1 and isinstance(args[0], dict):
        settings = args[0]
    elif len(args) == 2:
        settings = {args[0]: args[1]}
    else:
        raise TypeError("environment() takes one dict, or an env var name and its value")
    snapshot = {name: os.environ.get(name) for name in settings}

    def apply(values):
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

    apply(settings)
    try:
        yield
    finally:
        waitall()
        apply(snapshot)


@contextlib.contextmanager
def discard_stderr():
    """Scope in which whatever is written to stderr, by Python (sys.stderr) or by native
    code (file descriptor 2), is discarded."""
    sys.stderr.flush()
    saved = os.dup(2)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def gen_buckets_probs_with_ppf(ppf, nbuckets):
    """``nbuckets`` equally likely (low, high) buckets from a quantile function, and their
    probabilities."""
    if nbuckets <= 0:
        raise ValueError(f"nbuckets must be positive, got {nbuckets}")
    probs = [1.0 / nbuckets] * nbuckets
    buckets = [(ppf(i / float(nbuckets)), ppf((i + 1) / float(nbuckets)))
               for i in range(nbuckets)]
    return buckets, probs


def mean_check(generator, mu, sigma, nsamples=1000000):
    """Whether the mean of ``generator(nsamples)`` is within 3 standard errors of ``mu``."""
    mean = np.array(generator(nsamples)).mean()
    bound = 3 * sigma / np.sqrt(nsamples)
    return bool(mu - bound < mean < mu + bound)


def var_check(generator, sigma, nsamples=1000000):
    """Whether the sample variance of ``generator(nsamples)`` is within 3 standard errors of
    ``sigma ** 2``."""
    var = np.array(generator(nsamples)).var(ddof=1)
    bound = 3 * np.sqrt(2 * sigma ** 4 / (nsamples - 1))
    return bool(sigma ** 2 - bound < var < sigma ** 2 + bound)


def chi_square_check(generator, buckets, probs, nsamples=1000000):
    """Chi-square test of ``generator(nsamples)`` against ``probs`` over ``buckets`` (ranges
    (low, high) for a continuous distribution, values for a discrete one).

    Returns (p value, observed frequencies, expected frequencies)."""
    import scipy.stats  # only the statistical checks need scipy
    if len(probs) != len(buckets):
        raise ValueError(f"{len(buckets)} buckets but {len(probs)} probabilities")
    samples = np.asarray(generator(nsamples))
    expected = nsamples * np.array(probs, dtype=np.float64)
    observed = np.zeros(len(buckets), dtype=np.int64)
    if isinstance(buckets[0], (list, tuple)):
        edges = np.array([edge for bucket in buckets for edge in bucket], dtype=np.float32)
        if np.any(np.diff(edges) < 0):
            raise ValueError(f"buckets must be ascending and disjoint: {buckets}")
        ids = np.searchsorted(edges, samples, side="right") // 2
        for i in range(len(buckets)):
            observed[i] = (ids == i).sum()
    else:
        for i, value in enumerate(buckets):
            observed[i] = (samples == value).sum()
    # scipy requires both totals to agree; samples outside every bucket are not counted
    _, p = scipy.stats.chisquare(f_obs=observed, f_exp=expected * observed.sum() / expected.sum())
    return p, observed, expected


def verify_generator(generator, buckets, probs, nsamples=1000000, nrepeat=5, success_rate=0.2,
                     alpha=0.05):
    """Run ``chi_square_check`` ``nrepeat`` times; raise AssertionError unless at least
    ``success_rate`` of the runs have p > ``alpha``. Returns the p values."""
    results = [chi_square_check(generator, buckets, probs, nsamples) for _ in range(nrepeat)]
    p_values = [p for p, _, _ in results]
    if (np.array(p_values) > alpha).sum() < nrepeat * success_rate:
        raise AssertionError(
            f"Generator test fails, Chi-square p={p_values}, "
            f"obs_freq={[r[1] for r in results]}, expected_freq={[r[2] for r in results]}."
            f"\nbuckets={buckets}, probs={probs}")
    return p_values


def check_consistency(sym, ctx_list, scale=1.0, grad_req="write", arg_params=None,
                      aux_params=None, rtol=None, atol=None, raise_on_err=True,
                      ground_truth=None, equal_nan=False, use_uniform=False, rand_type=np.float64):
    """Assert that ``sym`` (or one symbol per entry) gives the same outputs and gradients
    under every ``simple_bind`` configuration of ``ctx_list`` (dicts of ctx, input shapes and
    type_dict), compared with the most precise one; return that one's results by name."""
    if len(ctx_list) < 2:
        raise ValueError("check_consistency needs at least two configurations")
    symbols = list(sym) if isinstance(sym, (list, tuple)) else [sym] * len(ctx_list)
    output_names, arg_names = symbols[0].list_outputs(), symbols[0].list_arguments()
    executors = []
    for s, config in zip(symbols, ctx_list):
        if s.list_arguments() != arg_names or s.list_outputs() != output_names:
            raise AssertionError(f"symbols differ: {s.list_arguments()} -> {s.list_outputs()} "
                                 f"and {arg_names} -> {output_names}")
        executors.append(s.simple_bind(grad_req=grad_req, **config))
    arg_params = {} if arg_params is None else arg_params
    aux_params = {} if aux_params is None else aux_params
    for name, arr in sorted(executors[0].arg_dict.items()):
        if name not in arg_params:
            values = (np.random.uniform(-0.92 * scale, 0.92 * scale, arr.shape) if use_uniform
                      else np.random.normal(size=arr.shape, scale=scale))
            arg_params[name] = values.astype(rand_type)
    for name in executors[0].aux_dict:
        aux_params.setdefault(name, 0)
    for exe in executors:
        for name, arr in exe.arg_dict.items():
            arr[:] = arg_params[name]
        for name, arr in exe.aux_dict.items():
            arr[:] = aux_params[name]
        if grad_req == "add":
            for arr in exe.grad_arrays:
                if arr is not None:
                    arr[:] = 0
    dtypes = [np.dtype(exe.outputs[0].dtype) for exe in executors]
    truth_index = int(np.argmax(dtypes))
    truth = ground_truth
    if truth is None:
        truth = dict(executors[truth_index].output_dict)
        if grad_req != "null":
            truth.update(executors[truth_index].grad_dict)

    def compare(name, arr, i):
        try:
            assert_almost_equal(arr, truth[name], rtol=rtol, atol=atol, equal_nan=equal_nan,
                                names=(f"{name} of configuration {i}",
                                       f"{name} of configuration {truth_index}"))
        except AssertionError:
            if raise_on_err:
                raise
    for exe in executors:
        exe.forward(is_train=False)
    for i, exe in enumerate(executors):
        if i != truth_index:
            for name, arr in zip(output_names, exe.outputs):
                compare(name, arr, i)
    if grad_req == "null":
        return truth
    for exe in executors:
        exe.forward(is_train=True)
    # head gradients: the first executor's outputs, in the least precise dtype of any
    least = [min((exe.outputs[k].dtype for exe in executors), key=lambda d: np.dtype(d).itemsize)
             for k in range(len(output_names))]
    heads = [out.asnumpy().astype(dtype) for out, dtype in zip(executors[0].outputs, least)]
    for exe in executors:
        exe.backward([array(h, ctx=out.context, dtype=out.dtype)
                      for h, out in zip(heads, exe.outputs)])
    for i, exe in enumerate(executors):
        if i == truth_index:
            continue
        for name, arr in zip(output_names + arg_names, exe.outputs + exe.grad_arrays):
            if truth.get(name) is None:
                if arr is not None:
                    raise AssertionError(f"{name} has a gradient in configuration {i} only")
                continue
            compare(name, arr, i)
    return truth


def default_numeric_eps():
    """Finite-difference step per dtype (powers of two, exact as input deltas)."""
    return {np.dtype(np.float16): 1.0 / 2**6, np.dtype(np.float32): 1.0 / 2**9,
            np.dtype(np.float64): 1.0 / 2**14}


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True):
    """``assert_almost_equal`` with numpy.testing's default tolerances, NaNs equal."""
    assert_almost_equal(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_almost_equal_ignore_nan(a, b, rtol=None, atol=None, names=("a", "b")):
    """assert_almost_equal where a NaN in either array matches anything."""
    a, b = np.copy(_host(a)), np.copy(_host(b))
    nan = np.logical_or(np.isnan(a), np.isnan(b))
    a[nan], b[nan] = 0, 0
    assert_almost_equal(a, b, rtol, atol, names)


def is_aarch64_run():
    """Whether this is an ARM64 machine."""
    return platform.machine() == "aarch64"


def compare_ndarray_tuple(t1, t2, rtol=None, atol=None):
    """Assert that two optimizer states (NDArrays, nested tuples of them, or None) are almost
    equal; nothing is compared where either is None."""
    if t1 is None or t2 is None:
        return
    if isinstance(t1, tuple):
        for s1, s2 in zip(t1, t2):
            compare_ndarray_tuple(s1, s2, rtol, atol)
    else:
        assert_almost_equal(t1, t2, rtol=rtol, atol=atol)


def compare_optimizer(opt1, opt2, shape, dtype, w_stype="default", g_stype="default",
                      rtol=1e-4, atol=1e-5, compare_states=True, ntensors=1):
    """Assert that one update by ``opt1`` and by ``opt2`` from the same random weights and
    gradients gives almost equal weights (and states). ``opt2`` gets the weight and the
    gradient in storage ``w_stype`` / ``g_stype`` (a sparse weight stores every row, a
    sparse gradient a random share), ``opt1`` their dense copies. ``shape`` a list of
    shapes updates ``ntensors`` dense weights: one at a time with ``opt1``, all in one call
    with ``opt2``."""
    import copy

    def uniform(s):
        return random_uniform(shape=s, ctx=default_context(), dtype=dtype)

    def pair(stype, density):
        """(the array opt2 updates with, the dense copy opt1 gets)."""
        if stype == "default":
            value = uniform(shape)
            return value, value.copyto(default_context())
        if stype not in ("row_sparse", "csr"):
            raise ValueError(f"compare_optimizer: unknown storage type {stype!r}")
        value = rand_ndarray(shape, stype, density=density, dtype=dtype)
        return value, value.copyto(default_context()).tostype("default")

    if not isinstance(shape, list):
        assert ntensors == 1
        w2, w1 = pair(w_stype, 1)
        g2, g1 = pair(g_stype, None)
        state1 = opt1.create_state_multi_precision(0, w1)
        state2 = opt2.create_state_multi_precision(0, w2)
        if compare_states:
            compare_ndarray_tuple(state1, state2)
        opt1.update_multi_precision(0, w1, g1, state1)
        opt2.update_multi_precision(0, w2, g2, state2)
        if compare_states:
            compare_ndarray_tuple(state1, state2, rtol=rtol, atol=atol)
        assert_almost_equal(w1, w2, rtol=rtol, atol=atol)
        return
    w1, g1 = [], []
    for s in shape:
        w1.append(uniform(s))
        g1.append(uniform(s))
    w1, g1 = tuple(w1), tuple(g1)
    w2, g2 = copy.deepcopy(w1), copy.deepcopy(g1)
    state2 = [opt2.create_state_multi_precision(0, w2[i]) for i in range(ntensors)]
    opt2.update_multi_precision(list(range(ntensors)), w2, g2, state2)
    for i in range(ntensors):
        state1 = opt1.create_state_multi_precision(i, w1[i])
        opt1.update_multi_precision(i, w1[i], g1[i], state1)
        if compare_states:
            compare_ndarray_tuple(state1, state2[i], rtol, atol)
        compare_ndarray_tuple(w1[i], w2[i], rtol, atol)

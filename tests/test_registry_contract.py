"""The registry contract operators build on: auxiliary states, training mode, random
keys and placement of operators without inputs (tested with throwaway operators)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ndarray.ndarray import invoke
from symjax_mx.ops.registry import _REGISTRY, Param, ParamParsers as P, register


@pytest.fixture
def temporary_ops():
    names = []

    def add(name, compute, **rules):
        names.append(name)
        return register(name, compute, **rules)
    yield add
    for name in names:
        del _REGISTRY[name]


def test_aux_states_update_only_on_training_calls(temporary_ops):
    def running_mean(inputs, aux, params, is_train, rng):
        (data,), (mean,) = inputs, aux
        new_mean = 0.5 * mean + 0.5 * data.mean(axis=0) if is_train else mean
        return (data - new_mean,), [new_mean]

    seen = []

    def shapes(op, params, shapes):
        seen.append(op.arg_names(params))
        return [shapes[0], shapes[0][1:]], [shapes[0]]

    op = temporary_ops("_test_running_mean", running_mean, aux=("moving_mean",),
                       shape_rule=shapes)
    data, mean = mx.nd.array([[2, 4], [4, 8]]), mx.nd.zeros((2,))
    invoke(op, (data, mean), {})
    assert mean.asnumpy().tolist() == [0, 0]
    out = invoke(op, (data, mean), {}, is_train=True)
    assert mean.asnumpy().tolist() == [1.5, 3] and out.asnumpy().tolist() == [[0.5, 1], [2.5, 5]]
    assert seen[0] == ("data", "moving_mean")  # rules see inputs, then aux states
    assert getattr(mx.nd, "_test_running_mean", None) is None  # only import-time ops


def test_random_operators_get_fresh_reproducible_keys(temporary_ops):
    op = temporary_ops("_test_uniform", lambda inputs, aux, params, is_train, rng: (
        (jax.random.uniform(rng, params["shape"], jnp.float32),), aux),
        inputs=(), random=True, shape_rule=lambda op, p, s: (s, [p["shape"]]),
        dtype_rule=lambda op, p, d: (d, [np.float32]),
        params=(Param("shape", P.shape, default=(2,)),))
    mx.random.seed(7)
    first, second = invoke(op, (), {"shape": (3,)}), invoke(op, (), {"shape": (3,)})
    mx.random.seed(7)
    again = invoke(op, (), {"shape": (3,)}, ctx=mx.cpu(2))
    assert first.asnumpy().tolist() != second.asnumpy().tolist()
    assert again.asnumpy().tolist() == first.asnumpy().tolist()
    assert again.context == mx.cpu(2) and again.asjax().devices() == {jax.devices()[2]}


def test_each_signature_compiles_once():
    from symjax_mx.ndarray import _invoke
    from symjax_mx.ops import get_op
    plus = get_op("_plus_scalar")
    a, b = mx.nd.ones((3, 7, 11)), mx.nd.ones((11, 7, 3))  # shapes no other test uses
    fn, _ = _invoke.compiled(plus, {"scalar": 1.0})
    before = fn._cache_size()
    for value in (1.0, 2.5, -7.0):  # scalars are runtime values: no new compile
        a + value
    assert fn._cache_size() == before + 1
    b + 1.0  # a new shape compiles once more
    assert fn._cache_size() == before + 2
    summed, _ = _invoke.compiled(get_op("sum"), get_op("sum").parse_params({"axis": 2}))
    before = summed._cache_size()
    mx.nd.sum(a, axis=2)
    mx.nd.sum(a, axis=2)
    assert summed._cache_size() == before + 1


def test_operator_functions_have_schema_signatures_and_docs():
    import inspect
    conv = inspect.signature(mx.nd.Convolution).parameters
    assert list(conv)[:3] == ["data", "weight", "bias"]
    assert conv["kernel"].kind is inspect.Parameter.KEYWORD_ONLY
    assert conv["kernel"].default is inspect.Parameter.empty  # required
    assert conv["num_group"].default == 1 and "out" in conv and "ctx" in conv
    assert "*data" in str(inspect.signature(mx.sym.Concat))
    assert "attr" in inspect.signature(mx.sym.FullyConnected).parameters
    doc = mx.nd.Convolution.__doc__
    assert "kernel : Shape(tuple), required" in doc
    assert "num_group : int (>= 1), optional, default=1" in doc
    assert "Number of channel groups." in doc and doc.endswith("The output of this function.")
    assert "out : Symbol" in mx.sym.topk.__doc__
    assert "{'both', 'indices', 'mask', 'value'}" in mx.nd.topk.__doc__


def test_every_operator_family_module_is_imported():
    import pkgutil
    import sys

    import symjax_mx.ops as ops
    families = [m.name for m in pkgutil.iter_modules(ops.__path__)
                if m.name not in ("registry", "describe", "methods")]
    assert {"spatial", "lapack", "layout", "conv"} <= set(families)
    assert all(f"symjax_mx.ops.{name}" in sys.modules for name in families)
    assert ops.get_op("GridGenerator") and ops.get_op("_linalg_gemm")  # not listed by hand


def test_linalg_and_contrib_names_live_in_submodules():
    import importlib
    assert mx.nd.linalg.gemm2.__name__ == "gemm2" and mx.sym.linalg.potrf.__name__ == "potrf"
    assert importlib.import_module("symjax_mx.ndarray.linalg") is mx.nd.linalg
    assert hasattr(mx.nd, "linalg_gemm2") and hasattr(mx.nd._internal, "_linalg_gemm2")


def test_operator_arguments_describe_the_schema_as_mxnet_does():
    from symjax_mx.operator import get_all_registered_operators, get_operator_arguments
    names = get_all_registered_operators()
    assert "Activation" in names and "linalg_gemm2" in names and names == sorted(names)
    args = get_operator_arguments("Activation")
    assert args.narg == 2 and args.names == ["data", "act_type"]
    assert args.types == ["NDArray-or-Symbol",
                          "{'relu', 'sigmoid', 'softrelu', 'softsign', 'tanh'}, required"]
    assert get_operator_arguments("Convolution").names[:4] == ["data", "weight", "bias", "kernel"]
    with pytest.raises(mx.MXNetError, match="unknown operator"):
        get_operator_arguments("NoSuchOperator")

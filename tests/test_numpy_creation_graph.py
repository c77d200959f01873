"""mx.np creation functions as graph nodes (mx.sym.np.zeros/ones/full/identity/eye, the
_npi_* operators), inside hybridized blocks, and classic/NumPy symbol types of a block's
outputs."""
import json

import numpy as onp
import pytest

import symjax_mx as mx
from symjax_mx import np
from symjax_mx.gluon import HybridBlock
from symjax_mx.test_utils import use_np


def _nodes(sym):
    return [(n["op"], n["name"], n.get("attrs")) for n in json.loads(sym.tojson())["nodes"]]


def test_sym_np_creation_json_matches_mxnet():
    # op names, node names and attributes read from MXNet 1.9.1's tojson()
    with mx.name.NameManager():
        assert _nodes(mx.sym.np.zeros((2, 3))) == [
            ("_npi_zeros", "zeros0", {"ctx": "cpu(0)", "dtype": "float32", "shape": "(2, 3)"})]
        assert _nodes(mx.sym.np.ones((2, 0, 2), dtype="bool")) == [
            ("_npi_ones", "ones0", {"ctx": "cpu(0)", "dtype": "bool", "shape": "(2, 0, 2)"})]
        assert _nodes(mx.sym.np.full((2,), True)) == [
            ("_full", "full0", {"ctx": "cpu(0)", "dtype": "bool", "shape": "(2,)", "value": "1"})]
        assert _nodes(mx.sym.np.identity(3)) == [
            ("_npi_identity", "identity0",
             {"ctx": "cpu(0)", "dtype": "float32", "shape": "(3, 3)"})]
        assert _nodes(mx.sym.np.eye(3, k=1)) == [
            ("_npi_eye", "eye0",
             {"M": "None", "N": "3", "ctx": "cpu(0)", "dtype": "float32", "k": "1"})]
    assert type(mx.sym.np.zeros((2,))) is mx.sym.np._Symbol


def test_creation_shapes_follow_shape_semantics():
    with mx.np_shape(True):
        assert mx.sym.np.zeros(()).infer_shape()[1] == [()]
        assert mx.sym.np.identity(0).infer_shape()[1] == [(0, 0)]
        assert mx.sym.np.eye(3, 2).infer_shape()[1] == [(3, 2)]
        assert mx.sym.zeros((2, 0)).infer_shape()[1] == [(2, 0)]
    # outside NumPy shape semantics () and 0 sizes are unknown, as on MXNet
    assert mx.sym.np.zeros(()).infer_shape() == (None, None, None)
    assert mx.sym.np.identity(3, dtype="int32").infer_type()[1] == [onp.int32]


def test_sym_np_identity_rejects_bad_n():
    with pytest.raises(TypeError):
        mx.sym.np.identity(2.0)
    with pytest.raises(ValueError):
        mx.sym.np.identity(-1)


@pytest.mark.parametrize("shape,dtype", [((), None), ((2, 0, 2), "int8"), ((2, 3), "float16")])
def test_creation_in_hybridized_numpy_block(shape, dtype):
    @use_np
    class Block(HybridBlock):
        def hybrid_forward(self, F, x):
            return x + F.np.zeros(shape, dtype), x * F.np.ones(shape, dtype), F.np.zeros(())

    x = np.array(onp.arange(onp.prod(shape)).reshape(shape), dtype=dtype or "float32")
    block = Block()
    block.hybridize()
    plus, times, scalar = block(x)
    for out in (plus, times, scalar):
        assert type(out) is np.ndarray
    assert plus.dtype == x.dtype and plus.shape == shape
    onp.testing.assert_array_equal(plus.asnumpy(), x.asnumpy())
    onp.testing.assert_array_equal(times.asnumpy(), x.asnumpy())
    assert scalar.shape == () and scalar.dtype == onp.float32


def test_identity_and_eye_in_hybridized_block():
    @use_np
    class Block(HybridBlock):
        def hybrid_forward(self, F, x):
            return x * F.np.identity(3, "int32"), F.np.eye(2, 3, 1), F.np.identity(0)

    block = Block()
    block.hybridize()
    masked, eye, empty = block(np.ones((3, 3), dtype="int32"))
    onp.testing.assert_array_equal(masked.asnumpy(), onp.eye(3, dtype="int32"))
    onp.testing.assert_array_equal(eye.asnumpy(), onp.eye(2, 3, 1, dtype="float32"))
    assert empty.shape == (0, 0) and empty.dtype == onp.float32


def test_classic_outputs_from_numpy_inputs():
    class Classic(HybridBlock):
        def hybrid_forward(self, F, x):
            return x.as_nd_ndarray() + x.as_nd_ndarray(), x.as_nd_ndarray() * 3

    block = Classic()
    for hybridize in (False, True):
        if hybridize:
            block.hybridize()
        twice, thrice = block(np.ones((2, 3)))
        assert type(twice) is mx.nd.NDArray and type(thrice) is mx.nd.NDArray
        onp.testing.assert_array_equal(thrice.asnumpy(), onp.full((2, 3), 3.0))


@pytest.mark.parametrize("hybridize", [False, True])
def test_mixed_classic_and_numpy_outputs_are_a_type_error(hybridize):
    @use_np
    class Mixed(HybridBlock):
        def hybrid_forward(self, F, x):
            return x.as_nd_ndarray() + x.as_nd_ndarray(), F.np.multiply(x, x)

    block = Mixed()
    if hybridize:
        block.hybridize()
    with pytest.raises(TypeError):
        block(np.ones((2, 3)))


def test_symbol_as_nd_ndarray_is_itself():
    sym = mx.sym.var("x")
    assert sym.as_nd_ndarray() is sym
    assert type(sym.as_np_ndarray().as_nd_ndarray()) is mx.sym.Symbol


def test_operators_on_numpy_symbols_give_numpy_symbols_outside_numpy_mode():
    # types read from MXNet 1.9.1 without npx.set_np()
    x = mx.sym.var("x").as_np_ndarray()
    for out in (x * 2, x + x, mx.sym.np.exp(x), x.reshape((2,)), x[0]):
        assert type(out) is mx.sym.np._Symbol
    assert type(mx.sym.relu(x.as_nd_ndarray())) is mx.sym.Symbol


@pytest.mark.parametrize("hybridize", [False, True])
def test_a_block_returning_numpy_symbols_gives_numpy_arrays_outside_numpy_mode(hybridize):
    class Doubled(HybridBlock):
        def hybrid_forward(self, F, x):
            return x.as_np_ndarray() * 2

    block = Doubled()
    if hybridize:
        block.hybridize()
    out = block(mx.nd.array([1.0, 2.0]))
    assert type(out) is np.ndarray and out.asnumpy().tolist() == [2.0, 4.0]


def test_symbol_creation_refuses_fortran_order():
    for make in (lambda: mx.sym.np.zeros((2,), order="F"),
                 lambda: mx.sym.np.ones((2,), order="F"),
                 lambda: mx.sym.np.full((2,), 1.0, order="F")):
        with pytest.raises(NotImplementedError, match=r"only order='C' is supported, got 'F'"):
            make()

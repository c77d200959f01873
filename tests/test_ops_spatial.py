"""GridGenerator, BilinearSampler and SpatialTransformer against MXNet 1.9.1 (outputs and
gradients from tests/golden/ops/make_spatial.py)."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from opcheck import check_gradient

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "spatial.npz"))


def _recorded_gradients(fn, arrays, head):
    """Outputs and input gradients of fn through a bound symbol."""
    names = [f"x{i}" for i in range(len(arrays))]
    symbol = fn(*[mx.sym.Variable(n) for n in names])
    args = {n: mx.nd.array(a) for n, a in zip(names, arrays)}
    grads = {n: mx.nd.zeros(a.shape) for n, a in zip(names, arrays)}
    executor = symbol.bind(mx.cpu(), args, args_grad=grads)
    out = executor.forward(is_train=True)[0].asnumpy()
    executor.backward([mx.nd.array(head)])
    return out, [grads[n].asnumpy() for n in names]


def test_grid_generator_matches_mxnet():
    affine = mx.nd.GridGenerator(mx.nd.array(GOLDEN["theta"]), transform_type="affine",
                                 target_shape=(3, 4))
    np.testing.assert_allclose(affine.asnumpy(), GOLDEN["affine"], rtol=1e-5, atol=1e-6)
    warp = mx.nd.GridGenerator(mx.nd.array(GOLDEN["flow"]), transform_type="warp")
    np.testing.assert_allclose(warp.asnumpy(), GOLDEN["warp"], rtol=1e-5, atol=1e-6)


def test_bilinear_sampler_matches_mxnet_outside_points_included():
    out, (ddata, dgrid) = _recorded_gradients(mx.sym.BilinearSampler,
                                              [GOLDEN["data"], GOLDEN["grid"]], GOLDEN["head"])
    np.testing.assert_allclose(out, GOLDEN["sampled"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ddata, GOLDEN["sampled_ddata"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dgrid, GOLDEN["sampled_dgrid"], rtol=1e-4, atol=1e-5)


def test_spatial_transformer_matches_mxnet():
    def transformer(data, loc):
        return mx.sym.SpatialTransformer(data, loc, target_shape=(3, 3),
                                         transform_type="affine", sampler_type="bilinear")
    out, (ddata, dloc) = _recorded_gradients(transformer, [GOLDEN["data"], GOLDEN["theta"]],
                                             GOLDEN["head_st"])
    np.testing.assert_allclose(out, GOLDEN["st"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ddata, GOLDEN["st_ddata"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dloc, GOLDEN["st_dloc"], rtol=1e-4, atol=1e-5)


def test_sampler_gradient_matches_finite_differences():
    grid = np.random.default_rng(0).uniform(-0.9, 0.9, (1, 2, 2, 2))  # away from pixel edges
    check_gradient("BilinearSampler", [GOLDEN["data"].astype(np.float64), grid])


def test_bad_shapes_name_the_operator():
    with pytest.raises(mx.MXNetError, match="GridGenerator: affine data must have shape"):
        mx.nd.GridGenerator(mx.nd.ones((2, 5)), transform_type="affine", target_shape=(2, 2))
    with pytest.raises(mx.MXNetError, match="BilinearSampler: data must be"):
        mx.nd.BilinearSampler(mx.nd.ones((1, 2, 3, 3)), mx.nd.ones((2, 2, 3, 3)))
    with pytest.raises(mx.MXNetError, match="SpatialTransformer: loc must be"):
        mx.nd.SpatialTransformer(mx.nd.ones((1, 2, 3, 3)), mx.nd.ones((1, 4)),
                                 target_shape=(2, 2), transform_type="affine",
                                 sampler_type="bilinear")

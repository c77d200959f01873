"""Gluon losses against MXNet 1.9.1 (values and gradients; fixtures from
tests/golden/gluon/make_loss_golden.py), eager and hybridized."""
import os

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.gluon import loss as gloss

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "gluon", "losses.npz"))

LOSSES = {
    "l2": lambda: gloss.L2Loss(weight=0.7),
    "l1": lambda: gloss.L1Loss(weight=2.0),
    "sbce": gloss.SigmoidBCELoss,
    "sbce_prob": lambda: gloss.SigmoidBCELoss(from_sigmoid=True),
    "sce": gloss.SoftmaxCELoss,
    "sce_dense": lambda: gloss.SoftmaxCELoss(sparse_label=False, weight=0.5),
    "kl": lambda: gloss.KLDivLoss(from_logits=False),
    "huber": lambda: gloss.HuberLoss(rho=0.5),
    "hinge": gloss.HingeLoss,
    "sqhinge": lambda: gloss.SquaredHingeLoss(margin=2),
    "logistic": gloss.LogisticLoss,
    "logistic_bin": lambda: gloss.LogisticLoss(label_format="binary"),
    "triplet": lambda: gloss.TripletLoss(margin=0.5),
    "poisson": gloss.PoissonNLLLoss,
    "poisson_full": lambda: gloss.PoissonNLLLoss(from_logits=False, compute_full=True),
    "cosine": lambda: gloss.CosineEmbeddingLoss(margin=0.1),
    "sdml": gloss.SDMLLoss,
}


def inputs(name):
    count = sum(1 for key in GOLDEN.files if key.startswith(f"{name}_in"))
    return [mx.nd.array(GOLDEN[f"{name}_in{i}"]) for i in range(count)]


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_mxnet(name):
    arrays = inputs(name)
    arrays[0].attach_grad()
    with mx.autograd.record():
        value = LOSSES[name]()(*arrays)
    value.backward()
    np.testing.assert_allclose(value.asnumpy(), GOLDEN[f"{name}_out"], rtol=1e-4, atol=1e-6)
    if f"{name}_grad" in GOLDEN.files:
        np.testing.assert_allclose(arrays[0].grad.asnumpy(), GOLDEN[f"{name}_grad"],
                                   rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", ["l2", "sce", "huber", "sbce"])
def test_hybridized_loss_matches_mxnet(name):
    loss = LOSSES[name]()
    loss.hybridize()
    np.testing.assert_allclose(loss(*inputs(name)).asnumpy(), GOLDEN[f"{name}_out"],
                               rtol=1e-4, atol=1e-6)


def test_loss_weight_must_be_a_number():
    with pytest.raises(AssertionError, match="weight must be a number"):
        gloss.L1Loss(weight="2")(mx.nd.ones((2, 1)), mx.nd.ones((2, 1)))
    with pytest.raises(ValueError, match="label_format can only be signed or binary"):
        gloss.LogisticLoss(label_format="other")


def test_builtin_loss_runs_compiled_and_user_losses_run_eagerly():
    pred = mx.nd.array([[1.0, 2.0, 0.5], [0.1, 0.2, 3.0]])
    label = mx.nd.array([1, 2])
    loss_fn = gloss.SoftmaxCrossEntropyLoss()
    logp = pred.asnumpy() - np.log(np.exp(pred.asnumpy()).sum(1, keepdims=True))
    expected = -logp[[0, 1], [1, 2]]
    np.testing.assert_allclose(loss_fn(pred, label).asnumpy(), expected, rtol=1e-6)
    weight = mx.nd.array([[2.0], [0.0]])
    np.testing.assert_allclose(loss_fn(pred, label, weight).asnumpy(), expected * [2, 0],
                               rtol=1e-6)
    pred.attach_grad()
    with mx.autograd.record():
        out = loss_fn(pred, label)
    out.backward()
    softmax = np.exp(logp)
    np.testing.assert_allclose(pred.grad.asnumpy(), softmax - np.eye(3)[[1, 2]], rtol=1e-5)

    calls = []

    class Mine(gloss.L1Loss):
        def hybrid_forward(self, F, p, lab, sample_weight=None):
            calls.append(F)
            return super().hybrid_forward(F, p, lab, sample_weight)

    mine = Mine()
    mine(pred, pred)
    mine(pred, pred)
    assert calls == [mx.nd, mx.nd]

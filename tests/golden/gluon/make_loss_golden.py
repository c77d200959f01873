"""Writes losses.npz for tests/test_gluon_loss.py: every Gluon loss of MXNet 1.9.1 on fixed
inputs (with weight and sample_weight), and the gradient of its sum w.r.t. the prediction.
Run with real MXNet: /tmp/mxref/bin/python tests/golden/gluon/make_loss_golden.py"""
import os

import mxnet as mx
import numpy as np
from mxnet.gluon import loss as gloss

HERE = os.path.dirname(os.path.abspath(__file__))


def cases():
    rng = np.random.RandomState(0)
    pred = rng.randn(4, 3).astype(np.float32)
    prob = rng.rand(4, 3).astype(np.float32) * 0.8 + 0.1
    target = rng.randn(4, 3).astype(np.float32)
    binary = (rng.rand(4, 3) > 0.5).astype(np.float32)
    signed = binary * 2 - 1
    index = np.array([0, 2, 1, 2], np.float32)
    sample_weight = np.array([[1.], [0.5], [2.], [0.]], np.float32)
    dist = np.exp(target) / np.exp(target).sum(1, keepdims=True)
    return {
        "l2": (gloss.L2Loss(weight=0.7), [pred, target, sample_weight]),
        "l1": (gloss.L1Loss(weight=2.0), [pred, target, sample_weight]),
        "sbce": (gloss.SigmoidBCELoss(), [pred, binary, sample_weight]),
        "sbce_prob": (gloss.SigmoidBCELoss(from_sigmoid=True), [prob, binary]),
        "sce": (gloss.SoftmaxCELoss(), [pred, index, sample_weight]),
        "sce_dense": (gloss.SoftmaxCELoss(sparse_label=False, weight=0.5), [pred, dist]),
        "kl": (gloss.KLDivLoss(from_logits=False), [pred, dist]),
        "huber": (gloss.HuberLoss(rho=0.5), [pred, target, sample_weight]),
        "hinge": (gloss.HingeLoss(), [pred, signed]),
        "sqhinge": (gloss.SquaredHingeLoss(margin=2), [pred, signed]),
        "logistic": (gloss.LogisticLoss(), [pred, signed]),
        "logistic_bin": (gloss.LogisticLoss(label_format="binary"), [pred, binary]),
        "triplet": (gloss.TripletLoss(margin=0.5), [pred, target, prob]),
        "poisson": (gloss.PoissonNLLLoss(), [pred, np.abs(target)]),
        "poisson_full": (gloss.PoissonNLLLoss(from_logits=False, compute_full=True),
                         [prob, np.abs(target) + 1]),
        "cosine": (gloss.CosineEmbeddingLoss(margin=0.1), [pred, target, signed[:, 0]]),
        "sdml": (gloss.SDMLLoss(), [pred, target]),
    }


if __name__ == "__main__":
    out = {}
    for name, (loss, inputs) in cases().items():
        arrays = [mx.nd.array(x) for x in inputs]
        for i, x in enumerate(inputs):
            out[f"{name}_in{i}"] = x
        if name == "poisson_full":  # MXNet's compute_full writes in place: no recording
            out[f"{name}_out"] = loss(*arrays).asnumpy()
            continue
        arrays[0].attach_grad()
        with mx.autograd.record():
            value = loss(*arrays)
        value.backward()
        out[f"{name}_out"] = value.asnumpy()
        out[f"{name}_grad"] = arrays[0].grad.asnumpy()
    np.savez(os.path.join(HERE, "losses.npz"), **out)

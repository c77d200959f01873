"""BatchNorm folded into the convolution before it, for channels-last inference programs.

An inference BatchNorm normalizes with its moving statistics: per channel it is
``(y - mean) * s + beta`` with ``s = gamma * rsqrt(var + eps)``, an affine map. After a
convolution ``y = conv(x, w) + b`` whose output nothing else reads, the two are one
convolution with weight ``w * s`` (per output channel) and bias ``(b - mean) * s + beta``:
the same values up to rounding. The folded weight and bias are computed once per set of
arrays (a weight, gamma, beta or statistic set again is folded again), like the transposed
weights of ``channels_last.PreparedWeights``; the program then runs the convolution with
a bias and no BatchNorm, and XLA fuses the bias (and the activation after it) into one
loop over the convolution's output.
"""
from typing import NamedTuple

import jax.numpy as jnp
import numpy as np
from jax import lax

from .. import x64
from ..ops.conv import is_pointwise

_OIHW_TO_HWIO = (2, 3, 1, 0)
_KEY = "@bn_folded_"  # folded arrays are passed under "<conv name>@bn_folded_weight" etc.


class Fold(NamedTuple):
    """A 2-D NCHW Convolution node whose only reader is an inference BatchNorm node."""
    conv: object
    bn: object

    def names(self):
        """The variables the fold reads: weight, bias (or None), gamma, beta, mean, var."""
        conv_inputs = [source.name for source, _ in self.conv.inputs]
        bias = None if self.conv.params["no_bias"] else conv_inputs[2]
        return (conv_inputs[1], bias) + tuple(source.name for source, _ in self.bn.inputs[1:])

    def keys(self):
        """The names the folded weight and bias are passed under."""
        return self.conv.name + _KEY + "weight", self.conv.name + _KEY + "bias"


def folds(nodes, heads, foldable_conv):
    """The Folds of a graph: convolutions accepted by ``foldable_conv`` read by one
    BatchNorm only (over axis 1, without mean and var outputs, all of its inputs
    variables), whose output is not a head, with variable weight and bias."""
    readers = {}
    for node in nodes:
        for source, index in node.inputs:
            readers.setdefault(id(source), []).append((node, index))
    outputs = {id(source) for source, _ in heads}
    found = []
    for node in nodes:
        if node.op is None or node.op.name != "BatchNorm":
            continue
        conv, index = node.inputs[0]
        params = node.params
        if (conv.op is None or not foldable_conv(conv) or id(conv) in outputs
                or readers[id(conv)] != [(node, 0)] or params["axis"] not in (1, -3)
                or params["output_mean_var"]
                or any(s.op is not None for s, _ in conv.inputs[1:] + node.inputs[1:])):
            continue
        found.append(Fold(conv, node))
    return tuple(found)


class FoldedWeights:
    """The folded weights and biases of ``folds`` for an inference program, each computed
    once per set of arrays it reads. A convolution wider than 1x1 gets its folded weight
    as XLA convolves channels-last, (kh, kw, I, O); a 1x1 one as stored, (O, I, 1, 1).
    Weights whose dtype differs from the BatchNorm's (float16 data) are not folded."""

    def __init__(self, found):
        self.folds = found
        self._reads = [(fold, fold.names(), fold.keys()) for fold in found]
        # conv name -> (the arrays read, (folded weight, folded bias), or None: not folded)
        self._copies = {}
        self._fold = {
            pointwise: x64.jit(lambda w, b, g, beta, m, v, eps, fix_gamma, p=pointwise:
                               _fold(w, b, g, beta, m, v, eps, fix_gamma, p),
                               static_argnums=(6, 7))
            for pointwise in (False, True)}

    def __call__(self, args, aux):
        """The folded arrays by key (``Fold.keys``), for the folds whose dtypes allow."""
        found = {}
        for fold, names, keys in self._reads:
            arrays = tuple(None if n is None else args[n] if n in args else aux[n]
                           for n in names)
            cached = self._copies.get(fold.conv.name)
            if cached is None or any(a is not b for a, b in zip(cached[0], arrays)):
                cached = self._copies[fold.conv.name] = (arrays, self._folded(fold, arrays))
            if cached[1] is not None:
                found.update(zip(keys, cached[1]))
        return found

    def _folded(self, fold, arrays):
        weight, _, gamma, _, mean, _ = arrays
        if not (weight.dtype == gamma.dtype == mean.dtype
                and weight.dtype in (np.float32, np.float64)):
            return None
        params = fold.bn.params
        return self._fold[is_pointwise(fold.conv.params)](
            *arrays, float(params["eps"]), bool(params["fix_gamma"]))


def _fold(weight, bias, gamma, beta, mean, var, eps, fix_gamma, pointwise):
    if fix_gamma:
        gamma = jnp.ones_like(gamma)
    scale = gamma * lax.rsqrt(var + eps)
    folded = weight * scale.reshape((-1,) + (1,) * (weight.ndim - 1))
    shift = beta - mean * scale if bias is None else (bias - mean) * scale + beta
    return (folded if pointwise else folded.transpose(_OIHW_TO_HWIO)), shift

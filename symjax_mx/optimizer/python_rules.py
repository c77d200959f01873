"""The optimizers MXNet 1.9.1 writes in Python NDArray code rather than on a fused update
operator: SGLD, DCASGD and GroupAdaGrad (mx.optimizer.contrib). Their gradient clipping
is Python's: on whenever ``clip_gradient`` is not None."""
import itertools
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..ndarray import random as nd_random
from ..random_state import next_key
from .optimizer import Optimizer, register

__all__ = ["SGLD", "DCASGD", "GroupAdaGrad"]


def _clip(grad, limit):
    return grad if limit is None else jnp.clip(grad, -limit, limit)


def _langevin(weight, grad, noise, lr, wd, rescale_grad, clip_gradient):
    """weight - lr / 2 * (clip(rescale_grad * grad) + wd * weight) + noise."""
    grad = _clip(grad * rescale_grad, clip_gradient)
    return weight + (-lr / 2 * (grad + wd * weight) + noise)


_langevin_jit = jax.jit(_langevin, static_argnums=6)


@register
class SGLD(Optimizer):
    """Stochastic Gradient Langevin Dynamics: half a gradient step plus Gaussian noise of
    variance lr. ``update`` draws the noise from ``mx.random`` as MXNet does (one
    ``mx.random.normal(0, sqrt(lr), weight.shape)`` per update); the pure ``step`` draws it
    from a key of its own, folded with the update count."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._noise_seed = None  # drawn from mx.random when ``step`` is first traced
        self._streams = itertools.count()

    def step(self, weight, grad, state, lr, wd, t):
        if self._noise_seed is None:
            with jax.ensure_compile_time_eval():
                self._noise_seed = int(jax.random.randint(next_key(), (), 0, 2 ** 31 - 1))
        # a stream per traced parameter, and a key per update count within it
        key = jax.random.fold_in(jax.random.key(self._noise_seed), next(self._streams))
        key = jax.random.fold_in(key, jnp.asarray(t).astype(jnp.uint32))
        noise = jax.random.normal(key, weight.shape, weight.dtype) * jnp.sqrt(lr)
        return _langevin(weight, grad, noise, lr, wd, self.rescale_grad,
                         self.clip_gradient), None

    def update(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            for args in zip(index, weight, grad, state):
                self.update(*args)
            return
        weight._check_context(grad, "SGLD update")
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        noise = nd_random.normal(0, math.sqrt(lr), shape=weight.shape, dtype=weight.dtype,
                                 ctx=weight.context)
        weight._write(_langevin_jit(weight.asjax(), grad.asjax(), noise.asjax(), lr, wd,
                                    self.rescale_grad, self.clip_gradient))

    def __getstate__(self):
        state = super().__getstate__()
        del state["_streams"]
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._streams = itertools.count()


@register
class DCASGD(Optimizer):
    """Delay-compensated asynchronous SGD; state (momentum or None, previous weight)::

        g = clip(rescale_grad * grad)
        mom = momentum * mom - lr * (g + wd * weight + lamda * g**2 * (weight - previous))
        previous = weight;  weight += mom
    """

    _hyper = Optimizer._hyper + ("momentum", "lamda")

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lamda = lamda
        self.weight_previous = {}

    def init_state(self, weight):
        mom = None if self.momentum == 0.0 else jnp.zeros_like(weight)
        return mom, jnp.array(weight, copy=True)

    def step(self, weight, grad, state, lr, wd, t):
        mom, previous = state
        grad = _clip(grad * self.rescale_grad, self.clip_gradient)
        delta = -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous))
        if mom is not None:
            delta = self.momentum * mom + delta
        new_weight = (weight + delta).astype(weight.dtype)
        return new_weight, (None if mom is None else delta.astype(mom.dtype), weight)


@register
class GroupAdaGrad(Optimizer):
    """AdaGrad with one history entry per row of a 2-D weight (mx.optimizer.contrib)::

        g = clip(rescale_grad * grad);  history += mean(g**2, axis=1, keepdims=True)
        weight -= lr * g / sqrt(history + eps)

    Weight decay is not supported (``wd`` must be 0)."""

    _hyper = Optimizer._hyper + ("float_stable_eps",)

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def init_state(self, weight):
        if weight.ndim != 2:
            raise AssertionError(f"GroupAdaGrad needs a 2-D weight, got shape {weight.shape}")
        return jnp.zeros((weight.shape[0], 1), np.float32)

    def step(self, weight, grad, state, lr, wd, t):
        grad = _clip(grad * self.rescale_grad, self.clip_gradient)
        history = state + jnp.mean(grad * grad, axis=1, keepdims=True)
        return weight - lr * grad / jnp.sqrt(history + self.float_stable_eps), history

    def _get_wds(self, indices):
        wds = super()._get_wds(indices)
        if any(wd != 0 for wd in wds):
            raise AssertionError("Weight decay is not supported for GroupAdaGrad")
        return wds

"""The optimizers MXNet 1.9.1 writes in Python around its operators: SGLD, DCASGD, LARS,
LBSGD and GroupAdaGrad (mx.optimizer.contrib). The gradient clipping of SGLD, DCASGD and
GroupAdaGrad is Python's: on whenever ``clip_gradient`` is not None."""
import itertools
import logging
import math

import jax
import jax.numpy as jnp
import numpy as np

from ..ndarray import random as nd_random
from ..ops import optimizer_update as kernels
from ..random_state import next_key
from .optimizer import Optimizer, register

__all__ = ["SGLD", "DCASGD", "LARS", "LBSGD", "GroupAdaGrad"]


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
class LARS(Optimizer):
    """SGD with layer-wise adaptive rate scaling: each parameter's learning rate is scaled
    by ``eta * ||w|| / (||g|| * rescale_grad + wd * ||w|| + eps)`` (1 if a norm is 0), except
    for parameters whose names end in gamma, beta or bias; with ``momentum_correction`` the
    momentum is scaled by the ratio of this learning rate to the previous one. ``update``
    finds the names through ``param_idx2name``; the pure ``step`` (which sees no name)
    scales every parameter. Weight decay applies only to names ending in ``_weight``. With
    multi_precision the norms are those of the float32 master copy (MXNet takes the float16
    weight's: the rates differ in the fourth digit)."""

    _hyper = Optimizer._hyper + ("momentum", "eta", "eps", "momentum_correction")
    _master_first = False
    _decayed_suffixes = ("_weight",)
    _NO_LARS = ("gamma", "beta", "bias")

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.eta = eta
        self.eps = eps
        self.last_lr = None
        self.cur_lr = None
        self._lars_off = False

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def _get_lrs(self, indices):
        """MXNet's learning rates, remembering the previous base rate for the momentum
        correction."""
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        self.last_lr = lr if self.cur_lr is None else self.cur_lr
        self.cur_lr = lr
        return super()._get_lrs(indices)

    def _effective_momentum(self):
        if self.momentum > 0 and self.momentum_correction and self.last_lr:
            return self.momentum * (self.cur_lr / self.last_lr)
        return self.momentum

    def trace_key(self):
        return super().trace_key() + (self._lars_off, self._effective_momentum())

    def update(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            for args in zip(index, weight, grad, state):
                self.update(*args)
            return
        name = self.idx2name.get(index, str(index))
        self._lars_off = name.endswith(self._NO_LARS)
        try:
            super().update(index, weight, grad, state)
        finally:
            self._lars_off = False

    def step(self, weight, grad, state, lr, wd, t):
        if not self._lars_off:
            w_norm = jnp.sqrt(jnp.sum(jnp.square(weight.astype(jnp.float32))))
            g_sum_sq = jnp.sum(jnp.square(grad.astype(jnp.float32)))
            scaled = lr * self.eta * w_norm / (jnp.sqrt(g_sum_sq) * self.rescale_grad
                                               + wd * w_norm + self.eps)
            lr = jnp.where((w_norm > 0) & (g_sum_sq > 0), scaled, lr)
        return kernels.sgd_step(weight, grad, state, lr, self._effective_momentum(), wd,
                                self.rescale_grad, self.clip_gradient)


@register
class LBSGD(Optimizer):
    """Large-batch SGD: the gradients of ``batch_scale`` updates are averaged and applied
    as one SGD (momentum) step at every ``batch_scale``-th update (the others leave the
    weight as it is), with the learning rate scaled by a warmup multiplier that grows
    from 1 to ``batch_scale`` over ``warmup_epochs * updates_per_epoch`` updates
    ('linear', 'power2' or 'sqrt'; any other strategy: 1), or with 'lars' by
    ``sqrt(|w|^2 / (|g|^2 + wd * |w|^2 + 1e-18))`` clipped to [0.01, 100]. The update
    count starts at ``begin_epoch * updates_per_epoch``. State: the momentum (or None),
    plus the gradient sum when ``batch_scale`` > 1 (MXNet keeps that sum on the optimizer,
    and its first one also counts the latest gradient instead of the first)."""

    _hyper = Optimizer._hyper + ("momentum", "warmup_strategy", "warmup_epochs",
                                 "batch_scale", "updates_per_epoch", "init_updates")
    _master_first = False

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy="linear",
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                 num_epochs=60, **kwargs):
        super().__init__(multi_precision=multi_precision, **kwargs)
        logging.info("Running Large-Batch SGD Algorithm")
        logging.info("(Batch_scale=%f, warmup_epochs=%d, warmup_strategy=%s, "
                     "updates_per_epoch=%d)", batch_scale, warmup_epochs, warmup_strategy,
                     updates_per_epoch)
        self.momentum = momentum
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs

    def init_state(self, weight):
        momentum = None if self.momentum == 0.0 else jnp.zeros_like(weight)
        if self.batch_scale == 1:
            return momentum
        return momentum, jnp.zeros_like(weight)

    def _warmup_multiplier(self, updates):
        warmup = self.warmup_epochs * self.updates_per_epoch
        most = float(self.batch_scale)
        if warmup <= 1:
            return jnp.where(updates >= warmup, most, 1.0)
        fraction = updates.astype(jnp.float32) / warmup
        grow = {"linear": fraction, "power2": fraction * fraction,
                "sqrt": jnp.sqrt(fraction)}.get(self.warmup_strategy)
        during = 1.0 if grow is None else 1.0 + (most - 1) * grow
        return jnp.where(updates >= warmup, most, during)

    def step(self, weight, grad, state, lr, wd, t):
        updates = self.init_updates + jnp.asarray(t)
        momentum, total = (state, None) if self.batch_scale == 1 else state
        if total is not None:
            total = total + grad
            grad = total / self.batch_scale
        if self.warmup_strategy == "lars":
            w_sq = jnp.sum(jnp.square(weight.astype(jnp.float32)))
            g_sq = jnp.sum(jnp.square(grad.astype(jnp.float32)))
            scale = jnp.clip(jnp.sqrt(w_sq / (g_sq + wd * w_sq + 1e-18)), 0.01, 100)
        else:
            scale = self._warmup_multiplier(updates)
        new_weight, new_momentum = kernels.sgd_step(
            weight, grad, momentum, lr * scale, self.momentum, wd, self.rescale_grad,
            self.clip_gradient)
        if total is None:
            return new_weight, new_momentum
        applied = updates % self.batch_scale == 0
        if new_momentum is not None:
            new_momentum = jnp.where(applied, new_momentum, momentum)
        return jnp.where(applied, new_weight, weight), (
            new_momentum, jnp.where(applied, jnp.zeros_like(total), total))


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

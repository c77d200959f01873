"""mx.lr_scheduler: MXNet 1.9.1's learning-rate schedules.

A scheduler is called on the host with the optimizer's ``num_update`` and, like MXNet's,
Factor and MultiFactor schedules keep state between calls (so a resumed run that jumps
ahead catches up). ``as_optax_schedule()`` gives the same schedule as a pure function of
the update number for use inside jitted code (an extension; MXNet has none), computed in
float64 in JAX's 64-bit mode (``x64.scope()``) and in float32 without it.
"""
import logging
import math

import jax.numpy as jnp

__all__ = ["LRScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler",
           "CosineScheduler"]


class LRScheduler:
    """Base class: ``scheduler(num_update)`` returns the learning rate for that update.

    ``warmup_steps`` updates first ramp from ``warmup_begin_lr`` to ``base_lr``
    (``warmup_mode='linear'``) or stay at ``warmup_begin_lr`` (``'constant'``).
    """

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        self.base_lr = base_lr
        if not isinstance(warmup_steps, int):
            raise AssertionError("warmup_steps must be an int")
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if self.warmup_begin_lr > self.warmup_final_lr:
            raise ValueError("Base lr has to be higher than warmup_begin_lr")
        if self.warmup_steps < 0:
            raise ValueError("Warmup steps has to be positive or 0")
        if warmup_mode not in ("linear", "constant"):
            raise ValueError("Supports only linear and constant modes of warmup")
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        """The learning rate during warmup (``num_update < warmup_steps``)."""
        if num_update >= self.warmup_steps:
            raise AssertionError(f"update {num_update} is past the {self.warmup_steps} "
                                 "warmup steps")
        if self.warmup_mode == "constant":
            return self.warmup_begin_lr
        increase = ((self.warmup_final_lr - self.warmup_begin_lr)
                    * float(num_update) / float(self.warmup_steps))
        return self.warmup_begin_lr + increase

    def __call__(self, num_update):
        """The learning rate for ``num_update`` (the most updates any weight has had)."""
        raise NotImplementedError("must override this")

    def as_optax_schedule(self):
        """A pure function ``num_update -> lr`` (traceable) equal to calling this scheduler
        with non-decreasing update numbers from its current state."""
        raise NotImplementedError(
            f"{type(self).__name__} has no pure form; pass the learning rate (a float or an "
            "optax schedule) explicitly")

    def _with_warmup(self, num_update, lr):
        """``lr`` after warmup, the warmup rate before (traceable)."""
        if self.warmup_steps == 0:
            return lr
        if self.warmup_mode == "constant":
            warm = jnp.asarray(self.warmup_begin_lr, float)
        else:
            warm = self.warmup_begin_lr + ((self.warmup_final_lr - self.warmup_begin_lr)
                                           * num_update / float(self.warmup_steps))
        return jnp.where(num_update < self.warmup_steps, warm, lr)


class FactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` every ``step`` updates, down to ``stop_factor_lr``."""

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:  # a loop, to catch up after a resume
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info("Update[%d]: now learning rate arrived at %0.5e, will not "
                             "change in the future", num_update, self.base_lr)
            else:
                logging.info("Update[%d]: Change learning rate to %0.5e", num_update,
                             self.base_lr)
        return self.base_lr

    def as_optax_schedule(self):
        base, count, step, factor, stop = (self.base_lr, self.count, self.step, self.factor,
                                           self.stop_factor_lr)

        def schedule(num_update):
            num_update = jnp.asarray(num_update, float)
            k = jnp.maximum(jnp.ceil((num_update - count) / step) - 1, 0)
            lr = jnp.where(k > 0, jnp.maximum(base * jnp.power(factor, k), stop), base)
            return self._with_warmup(num_update, lr)
        return schedule


class MultiFactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` once each update number in the list ``step`` is passed."""

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not (isinstance(step, list) and len(step) >= 1):
            raise AssertionError("step must be a non-empty list of update numbers")
        for i, s in enumerate(step):
            if i != 0 and step[i] <= step[i - 1]:
                raise ValueError("Schedule step must be an increasing integer list")
            if s < 1:
                raise ValueError("Schedule step must be greater or equal than 1 round")
        if factor > 1.0:
            raise ValueError("Factor must be no more than 1 to make lr reduce")
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind < len(self.step) and num_update > self.step[self.cur_step_ind]:
            self.count = self.step[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
            logging.info("Update[%d]: Change learning rate to %0.5e", num_update, self.base_lr)
        return self.base_lr

    def as_optax_schedule(self):
        base, factor = self.base_lr, self.factor
        steps = jnp.asarray(self.step[self.cur_step_ind:] or [0], float)
        none_left = self.cur_step_ind >= len(self.step)

        def schedule(num_update):
            num_update = jnp.asarray(num_update, float)
            k = 0 if none_left else jnp.sum(num_update > steps)
            return self._with_warmup(num_update, base * jnp.power(factor, k))
        return schedule


class _AnnealScheduler(LRScheduler):
    """``final_lr + (base_lr - final_lr) * shape(n / max_steps)`` after warmup, with ``n``
    the updates since warmup and ``max_steps = max_update - warmup_steps``; constant after
    ``max_update``."""

    def __init__(self, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                 warmup_mode):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(max_update, int):
            raise AssertionError("max_update must be an int")
        if max_update < 1:
            raise ValueError("maximum number of updates must be strictly positive")
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def _shape(self, progress, xp):
        """The annealing curve at ``progress`` in [0, 1], computed with module ``xp``."""
        raise NotImplementedError

    def _annealed(self, num_update, xp):
        progress = (num_update - self.warmup_steps) / float(self.max_steps)
        return self.final_lr + (self.base_lr_orig - self.final_lr) * self._shape(progress, xp)

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            self.base_lr = self._annealed(num_update, math)
        return self.base_lr

    def as_optax_schedule(self):
        def schedule(num_update):
            num_update = jnp.minimum(jnp.asarray(num_update, float), self.max_update)
            return self._with_warmup(num_update, self._annealed(num_update, jnp))
        return schedule


class PolyScheduler(_AnnealScheduler):
    """Polynomial decay: the shape is ``(1 - progress) ** pwr``."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)
        self.power = pwr

    def _shape(self, progress, xp):
        return (1 - progress) ** self.power


class CosineScheduler(_AnnealScheduler):
    """Cosine decay: the shape is ``(1 + cos(pi * progress)) / 2``."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)

    def _shape(self, progress, xp):
        return (1 + xp.cos(math.pi * progress)) / 2

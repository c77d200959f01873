"""MXNet 1.9.1's optimizers, each a pure JAX update rule (``init_state`` and ``step``) on
the ``Optimizer`` host API, registered by class name for ``mx.optimizer.create``."""
import jax.numpy as jnp

from ..ops import optimizer_update as kernels
from ..ops.optimizer_update import scalars_like as _cast
from .optimizer import Optimizer, _power, register

__all__ = ["AdaDelta", "AdaGrad", "Adam", "AdamW", "Adamax", "FTML", "Ftrl", "LAMB", "NAG",
           "Nadam", "RMSProp", "SGD", "Signum", "ccSGD"]


@register
class SGD(Optimizer):
    """SGD with momentum and weight decay (MXNet's sgd_update / sgd_mom_update)::

        state = momentum * state - lr * wd * weight - lr * clip(rescale_grad * grad)
        weight = weight + state          # without momentum: weight - lr * (...)

    With a row_sparse gradient and ``lazy_update`` only the rows it stores are updated.
    """

    _hyper = Optimizer._hyper + ("momentum",)
    _master_first = False

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def _updates_lazily(self, weight, grad):
        return self.lazy_update

    def step(self, weight, grad, state, lr, wd, t):
        return kernels.sgd_step(weight, grad, state, lr, self.momentum, wd, self.rescale_grad,
                                self.clip_gradient)


@register
class ccSGD(SGD):  # noqa: N801 (MXNet's name)
    """[DEPRECATED] Same as SGD."""


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient (MXNet's nag_mom_update)::

        g = clip(rescale_grad * grad)
        new_weight = weight + momentum**2 * state - (1 + momentum) * lr * (g + wd * weight)
        state = momentum * state - lr * (g + wd * new_weight)
    """

    _hyper = Optimizer._hyper + ("momentum",)
    _master_first = False

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        if state is None:
            return kernels.sgd_update(weight, grad, lr, wd, self.rescale_grad,
                                      self.clip_gradient), None
        return kernels.nag_mom_update(weight, grad, state, lr, self.momentum, wd,
                                      self.rescale_grad, self.clip_gradient)


@register
class Signum(Optimizer):
    """Signum (MXNet's signum_update; signsgd_update when momentum is 0)::

        state = momentum * state - (1 - momentum) * (wd * weight + clip(rescale_grad * grad))
        weight = (1 - lr * wd_lh) * weight + lr * sign(state)
    """

    _hyper = Optimizer._hyper + ("momentum", "wd_lh")

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def init_state(self, weight):
        return None if self.momentum == 0.0 else jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        if state is None:
            return kernels.signsgd_update(weight, grad, lr, wd), None
        return kernels.signum_update(weight, grad, state, lr, self.momentum, wd,
                                     self.rescale_grad, self.clip_gradient, self.wd_lh)


@register
class Adam(Optimizer):
    """Adam (MXNet's adam_update), bias correction folded into the learning rate::

        g = clip(rescale_grad * grad + wd * weight)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        weight -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + epsilon)

    With a row_sparse gradient and ``lazy_update`` only the rows it stores are updated.
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def _updates_lazily(self, weight, grad):
        return self.lazy_update

    def step(self, weight, grad, state, lr, wd, t):
        lr = lr * (jnp.sqrt(1 - _power(self.beta2, t)) / (1 - _power(self.beta1, t)))
        weight, mean, var = kernels.adam_update(weight, grad, *state, lr, self.beta1,
                                                self.beta2, self.epsilon, wd,
                                                self.rescale_grad, self.clip_gradient)
        return weight, (mean, var)


@register
class AdamW(Optimizer):
    """AdamW with decoupled weight decay. MXNet 1.9.1 has no AdamW optimizer (only the
    contrib adamw_update kernel); this follows MXNet 2's AdamW (its fused step)::

        g = clip(rescale_grad * grad)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        eta = lr * sqrt(1 - beta2**t) / (1 - beta1**t)     # eta = lr if not correct_bias
        weight -= eta * (m / (sqrt(v) + epsilon) + wd * weight)
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "correct_bias")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 correct_bias=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.correct_bias = correct_bias

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        if self.correct_bias:
            lr = lr * (jnp.sqrt(1 - _power(self.beta2, t)) / (1 - _power(self.beta1, t)))
        lr, wd, rescale, beta1, beta2, eps = _cast(weight, lr, wd, self.rescale_grad,
                                                   self.beta1, self.beta2, self.epsilon)
        grad = self._clip(rescale * grad)
        mean = beta1 * state[0] + (1 - beta1) * grad
        var = beta2 * state[1] + (1 - beta2) * grad * grad
        return weight - lr * (mean / (jnp.sqrt(var) + eps) + wd * weight), (mean, var)


@register
class Adamax(Optimizer):
    """AdaMax::

        g = clip(rescale_grad * grad + wd * weight)
        m = beta1 * m + (1 - beta1) * g;  u = max(beta2 * u, |g|)
        weight -= lr / (1 - beta1**t) * m / u
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2")

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr = lr / (1 - _power(self.beta1, t))
        lr, wd, rescale, beta1, beta2, rest1 = _cast(weight, lr, wd, self.rescale_grad,
                                                     self.beta1, self.beta2, 1 - self.beta1)
        grad = self._clip(grad * rescale + wd * weight)
        mean = beta1 * state[0] + rest1 * grad
        u = jnp.maximum(beta2 * state[1], jnp.abs(grad))
        return weight - lr * mean / u, (mean, u)


@register
class Nadam(Optimizer):
    """Nesterov Adam. The momentum schedule product is kept per parameter, as the third
    state entry (MXNet keeps one product on the optimizer, advanced by every parameter's
    update; the two agree for a single parameter)."""

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "schedule_decay")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight), jnp.ones((1,), float)

    def step(self, weight, grad, state, lr, wd, t):
        momentum_t = self.beta1 * (1 - 0.5 * _power(0.96, t * self.schedule_decay))
        momentum_t_1 = self.beta1 * (1 - 0.5 * _power(0.96, (t + 1) * self.schedule_decay))
        m_schedule = state[2] * momentum_t
        m_schedule_next = m_schedule[0] * momentum_t_1
        (lr, wd, rescale, beta1, beta2, rest1, rest2, eps, rest_t, mom_t_1, g_scale, m_scale,
         v_scale) = _cast(weight, lr, wd, self.rescale_grad, self.beta1, self.beta2,
                          1 - self.beta1, 1 - self.beta2, self.epsilon, 1 - momentum_t,
                          momentum_t_1, 1 - m_schedule[0], 1 - m_schedule_next,
                          1 - _power(self.beta2, t))
        grad = self._clip(grad * rescale + wd * weight)
        mean = beta1 * state[0] + rest1 * grad
        var = beta2 * state[1] + rest2 * grad * grad
        m_bar = rest_t * (grad / g_scale) + mom_t_1 * (mean / m_scale)
        new_weight = weight - lr * m_bar / (jnp.sqrt(var / v_scale) + eps)
        return new_weight, (mean, var, m_schedule)


@register
class AdaGrad(Optimizer):
    """AdaGrad::

        g = clip(rescale_grad * grad);  history += g**2
        weight -= lr * (g / sqrt(history + eps) + wd * weight)
    """

    _hyper = Optimizer._hyper + ("float_stable_eps",)

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def init_state(self, weight):
        return jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        lr, wd, rescale, eps = _cast(weight, lr, wd, self.rescale_grad, self.float_stable_eps)
        grad = self._clip(grad * rescale)
        history = state + grad * grad
        div = grad / jnp.sqrt(history + eps)
        return weight + (div + weight * wd) * -lr, history


@register
class RMSProp(Optimizer):
    """RMSProp: Tieleman & Hinton (rmsprop_update), or Graves' centered version
    (rmspropalex_update) with ``centered=True``::

        g = clip(rescale_grad * grad + wd * weight)
        n = (1 - gamma1) * g**2 + gamma1 * n
        weight -= lr * g / sqrt(n + epsilon)                        # not centered
        mean_g = (1 - gamma1) * g + gamma1 * mean_g                 # centered
        delta = gamma2 * delta - lr * g / sqrt(n - mean_g**2 + epsilon);  weight += delta

    then weights are clipped to [-clip_weights, clip_weights] if clip_weights is set.
    """

    _hyper = Optimizer._hyper + ("gamma1", "gamma2", "epsilon", "centered", "clip_weights")

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8,
                 centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def init_state(self, weight):
        return tuple(jnp.zeros_like(weight) for _ in range(3 if self.centered else 1))

    def step(self, weight, grad, state, lr, wd, t):
        common = (wd, self.rescale_grad, self.clip_gradient, self.clip_weights)
        if self.centered:
            weight, *state = kernels.rmspropalex_update(weight, grad, *state, lr, self.gamma1,
                                                        self.gamma2, self.epsilon, *common)
        else:
            weight, *state = kernels.rmsprop_update(weight, grad, *state, lr, self.gamma1,
                                                    self.epsilon, *common)
        return weight, tuple(state)


@register
class AdaDelta(Optimizer):
    """AdaDelta (no learning rate)::

        g = clip(rescale_grad * grad)
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        weight -= delta + wd * weight
    """

    _hyper = Optimizer._hyper + ("rho", "epsilon")

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        wd, rescale, rho, rest, eps = _cast(weight, wd, self.rescale_grad, self.rho,
                                            1 - self.rho, self.epsilon)
        grad = self._clip(grad * rescale)
        acc_g = rho * state[0] + rest * grad * grad
        delta = jnp.sqrt(state[1] + eps) / jnp.sqrt(acc_g + eps) * grad
        acc_delta = rho * state[1] + rest * delta * delta
        return weight - (delta + wd * weight), (acc_g, acc_delta)


@register
class Ftrl(Optimizer):
    """FTRL-proximal (MXNet's ftrl_update)::

        g = clip(rescale_grad * grad)
        z += g - (sqrt(n + g**2) - sqrt(n)) * weight / lr;  n += g**2
        weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (|z| > lamda1)

    A row_sparse weight with a row_sparse gradient is updated only in the gradient's rows.
    """

    _hyper = Optimizer._hyper + ("lamda1", "beta")

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def _updates_lazily(self, weight, grad):
        return weight.stype == "row_sparse"  # MXNet's sparse ftrl_update: all row_sparse

    def step(self, weight, grad, state, lr, wd, t):
        weight, z, n = kernels.ftrl_update(weight, grad, *state, lr, self.lamda1, self.beta,
                                           wd, self.rescale_grad, self.clip_gradient)
        return weight, (z, n)


@register
class FTML(Optimizer):
    """FTML (MXNet's ftml_update); state (d, v, z)::

        g = clip(rescale_grad * grad + wd * weight)
        v = beta2 * v + (1 - beta2) * g**2
        d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * weight;  weight = -z / d_t
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon")

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        weight, *state = kernels.ftml_update(weight, grad, *state, lr, self.beta1, self.beta2,
                                             self.epsilon, t, wd, self.rescale_grad,
                                             self.clip_gradient)
        return weight, tuple(state)


@register
class LAMB(Optimizer):
    """LAMB (MXNet's lamb_update_phase1 / phase2)::

        g = clip(rescale_grad * grad)
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        r = m_hat / (sqrt(v_hat) + epsilon) + wd * weight   # m, v if not bias_correction
        r1 = ||weight|| bounded to [lower_bound, upper_bound];  r2 = ||r||
        weight -= lr * (r1 / r2 if r1 > 0 and r2 > 0 else 1) * r
    """

    _hyper = Optimizer._hyper + ("beta1", "beta2", "epsilon", "lower_bound", "upper_bound",
                                 "bias_correction")

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction

    def init_state(self, weight):
        return jnp.zeros_like(weight), jnp.zeros_like(weight)

    def step(self, weight, grad, state, lr, wd, t):
        r, mean, var = kernels.lamb_update_phase1(weight, grad, *state, self.beta1, self.beta2,
                                                  self.epsilon, t, self.bias_correction, wd,
                                                  self.rescale_grad, self.clip_gradient)
        r1, r2 = jnp.linalg.norm(weight.ravel()), jnp.linalg.norm(r.ravel())
        # MXNet's optimizer passes a bound to the kernel only when it is truthy
        weight = kernels.lamb_update_phase2(weight, r, r1, r2, lr, self.lower_bound or -1.0,
                                            self.upper_bound or -1.0)
        return weight, (mean, var)

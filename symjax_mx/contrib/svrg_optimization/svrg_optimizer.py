"""The optimizers of SVRGModule (MXNet's contrib.svrg_optimization.svrg_optimizer):
``_SVRGOptimizer`` updates the parameters with a default optimizer and the keys whose
name holds "full" (full gradients accumulated in a KVStore) with ``_AssignmentOptimizer``."""
from ... import optimizer as opt

__all__ = ["_AssignmentOptimizer", "_SVRGOptimizer"]

# The keyword arguments of mx.optimizer.Optimizer, which _SVRGOptimizer keeps for itself.
_BASE_PARAMS = ("rescale_grad", "param_idx2name", "wd", "clip_gradient", "learning_rate",
                "lr_scheduler", "sym", "begin_num_update", "multi_precision", "param_dict")


@opt.register
class _AssignmentOptimizer(opt.Optimizer):
    """Sets each weight to its gradient (as pushed, not rescaled): the sum of the full
    gradients pushed to a KVStore."""

    def step(self, weight, grad, state, lr, wd, t):
        return grad.astype(weight.dtype), state


@opt.register
class _SVRGOptimizer(opt.Optimizer):
    """Updates keys named with "full" by ``_AssignmentOptimizer``, every other one by
    ``default_optimizer`` (a name, created with all of ``kwargs``, or an Optimizer)."""

    def __init__(self, default_optimizer, **kwargs):
        super().__init__(**{key: value for key, value in kwargs.items()
                            if key in _BASE_PARAMS})
        if isinstance(default_optimizer, str):
            self.default_opt = opt.create(default_optimizer, **kwargs)
        elif isinstance(default_optimizer, opt.Optimizer):
            self.default_opt = default_optimizer
        else:
            raise TypeError(f"_SVRGOptimizer: default_optimizer must be an optimizer name or "
                            f"an mx.optimizer.Optimizer, got {type(default_optimizer).__name__}")
        self.aux_opt = opt.create(_AssignmentOptimizer.__name__)

    def _for_index(self, index):
        """The optimizer of the key ``index`` (a parameter index or name)."""
        if index in self.idx2name.values():
            name = index
        elif index in self.idx2name:
            name = self.idx2name[index]
        else:
            raise KeyError(f"_SVRGOptimizer: key {index!r} is not in param_idx2name")
        return self.aux_opt if "full" in name else self.default_opt

    def create_state(self, index, weight):
        return self._for_index(index).create_state(index, weight)

    def update(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            for args in zip(index, weight, grad, state):
                self.update(*args)
            return
        self._for_index(index).update(index, weight, grad, state)

    # A Module's compiled step updates its own parameters only, never "full" keys: the
    # default optimizer's.

    def init_state(self, weight):
        return self.default_opt.init_state(weight)

    def init_state_multi_precision(self, weight):
        return self.default_opt.init_state_multi_precision(weight)

    def step(self, weight, grad, state, lr, wd, t):
        return self.default_opt.step(weight, grad, state, lr, wd, t)

    def step_multi_precision(self, weight, grad, state, lr, wd, t):
        return self.default_opt.step_multi_precision(weight, grad, state, lr, wd, t)

    def trace_key(self):
        return (type(self),) + self.default_opt.trace_key()

    def step_inputs(self, indices):
        return self.default_opt.step_inputs(indices)

"""Weight initializers (``mx.init`` / ``mx.initializer``) with MXNet 1.9.1's semantics.

An initializer is called as ``init(InitDesc(name, attrs), arr)`` and fills ``arr`` in
place, keeping its dtype and context. Random initializers draw through
``mx.nd.random`` with ``out=arr``, so ``mx.random.seed`` makes them reproducible.
"""
import json
import logging
import re
import warnings
from math import sqrt

import numpy as np

from .ndarray import NDArray, load
from .ndarray import random as _random
from .registry import Registry

__all__ = ["InitDesc", "Initializer", "register", "alias", "create", "Load", "Mixed", "Zero",
           "One", "Constant", "Uniform", "Normal", "Orthogonal", "Xavier", "MSRAPrelu",
           "Bilinear", "LSTMBias", "FusedRNN"]


class InitDesc(str):
    """A variable's name (this string) with its attributes and the global initializer."""

    def __new__(cls, name, attrs=None, global_init=None):
        desc = super().__new__(cls, name)
        desc.attrs = attrs or {}
        desc.global_init = global_init
        return desc


def _assign(arr, value):
    """``arr[:] = value``; an NDArray value is copied to ``arr``'s context first."""
    if isinstance(value, NDArray):
        value = value.as_in_context(arr.context)
    arr[:] = value


def _mean_norm(arr):
    """MXNet's default verbose statistic: norm(arr) / sqrt(arr.size)."""
    return str(np.float32(np.linalg.norm(arr.asnumpy()) / sqrt(arr.size)))


# Name suffix -> method, in MXNet's order of checks.
_PATTERNS = (("weight", "_init_weight"), ("bias", "_init_bias"), ("gamma", "_init_gamma"),
             ("beta", "_init_beta"), ("min", "_init_zero"), ("max", "_init_one"),
             ("weight_quantize", "_init_quantized_weight"),
             ("bias_quantize", "_init_quantized_bias"))
_LEGACY_PATTERNS = (("bias", "_init_bias"), ("gamma", "_init_gamma"), ("beta", "_init_beta"),
                    ("weight", "_init_weight"), ("moving_mean", "_init_zero"),
                    ("moving_var", "_init_one"), ("moving_inv_var", "_init_zero"),
                    ("moving_avg", "_init_zero"), ("min", "_init_zero"), ("max", "_init_one"))


class Initializer:
    """Base class: dispatches on the variable's ``__init__`` attribute, else its name."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log a statistic (``print_func(arr)``, default norm/sqrt(size)) of each array set."""
        self._verbose = verbose
        self._print_func = print_func or _mean_norm
        return self

    def _verbose_print(self, desc, init, arr):
        if self._verbose and self._print_func:
            logging.info("Initialized %s as %s: %s", desc, init, self._print_func(arr))

    def dumps(self):
        """The JSON form ``'["name", {kwargs}]'`` that ``create`` reads back."""
        return json.dumps([type(self).__name__.lower(), self._kwargs])

    def __call__(self, desc, arr):
        """Initialize ``arr`` in place for the variable described by ``desc``."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get("__init__", "")
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        for suffix, method in _PATTERNS:
            if desc.endswith(suffix):
                getattr(self, method)(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    def _legacy_init(self, name, arr):
        """The deprecated ``init(name, arr)`` call with a plain string name."""
        warnings.warn("Calling initializer with init(str, NDArray) has been deprecated.please "
                      "use init(mx.init.InitDesc(...), NDArray) instead.",
                      DeprecationWarning, stacklevel=3)
        if not isinstance(name, str):
            raise TypeError("name must be string")
        if not isinstance(arr, NDArray):
            raise TypeError("arr must be NDArray")
        if name.startswith("upsampling"):
            self._init_bilinear(name, arr)
        elif name.startswith("stn_loc") and name.endswith("weight"):
            self._init_zero(name, arr)
        elif name.startswith("stn_loc") and name.endswith("bias"):
            self._init_loc_bias(name, arr)
        else:
            method = next((m for s, m in _LEGACY_PATTERNS if name.endswith(s)), "_init_default")
            getattr(self, method)(name, arr)

    def _init_bilinear(self, _, arr):
        shape = arr.shape
        f = np.ceil(shape[3] / 2.)
        c = (2 * f - 1 - f % 2) / (2. * f)
        kernel = np.outer(1 - abs(np.arange(shape[2]) / f - c),
                          1 - abs(np.arange(shape[3]) / f - c))
        arr[:] = np.broadcast_to(kernel, shape).astype(np.float32)

    def _init_loc_bias(self, name, arr):
        if arr.shape[0] != 6:
            raise ValueError(f"{name}: an stn_loc bias needs 6 elements, got shape {arr.shape}")
        arr[:] = np.array([1.0, 0, 0, 0, 1.0, 0])

    def _init_zero(self, _, arr):
        arr[:] = 0.0

    def _init_one(self, _, arr):
        arr[:] = 1.0

    def _init_bias(self, _, arr):
        arr[:] = 0.0

    def _init_quantized_bias(self, _, arr):
        arr[:] = 0

    def _init_gamma(self, _, arr):
        arr[:] = 1.0

    def _init_beta(self, _, arr):
        arr[:] = 0.0

    def _init_weight(self, name, arr):
        raise NotImplementedError("Must override it")

    def _init_quantized_weight(self, _, arr):
        arr[:] = np.int8(_random.randint(-127, 127, dtype="int32").asscalar())

    def _init_default(self, name, _):
        raise ValueError(
            f"Unknown initialization pattern for {name}. Default initialization is now limited "
            f'to "weight", "bias", "gamma" (1.0), and "beta" (0.0).Please use '
            f"mx.sym.Variable(init=mx.init.*) to set initialization pattern")

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and self._kwargs == other._kwargs


_REGISTRY = Registry(Initializer, "initializer")
register = _REGISTRY.register
alias = _REGISTRY.alias


def create(*args, **kwargs):
    """An initializer from an instance, a registered name (+ constructor arguments), a dict
    ``{"initializer": name, ...}``, or the JSON form ``'["name", {...}]'`` / ``'{...}'``."""
    if args:
        name, args = args[0], args[1:]
    else:
        name = kwargs.pop("initializer")
    if isinstance(name, Initializer):
        if args or kwargs:
            raise ValueError("initializer is already an instance. Additional arguments are "
                             "invalid")
        return name
    if isinstance(name, dict):
        return create(**name)
    if not isinstance(name, str):
        raise TypeError("initializer must be of string type")
    if name.startswith(("[", "{")):
        if args or kwargs:
            raise ValueError("a JSON initializer takes no additional arguments")
        spec = json.loads(name)
        return create(**spec) if isinstance(spec, dict) else create(spec[0], **spec[1])
    klass = _REGISTRY.get(name)
    if klass is None:
        raise ValueError(f"{name.lower()} is not registered. Please register with "
                         f"initializer.register first; available initializers: "
                         f"{_REGISTRY.names()}")
    return klass(*args, **kwargs)


class Load:
    """Initialize from a dict name -> NDArray (or a file saved by ``mx.nd.save``); an
    ``arg:`` / ``aux:`` prefix is dropped; other names go to ``default_init``."""

    def __init__(self, param, default_init=None, verbose=False):
        if isinstance(param, str):
            param = load(param)
        if not isinstance(param, dict):
            raise TypeError(f"Load needs a dict of name -> NDArray, got {type(param).__name__}")
        self.param = {(k[4:] if k.startswith(("arg:", "aux:")) else k): v
                      for k, v in param.items()}
        self.default_init = default_init
        self.verbose = verbose

    def __call__(self, name, arr):
        if name in self.param:
            loaded = self.param[name]
            if arr.shape != loaded.shape:
                raise ValueError(f"Parameter {name} cannot be initialized from loading. Shape "
                                 f"mismatch, target {arr.shape} vs loaded {loaded.shape}")
            _assign(arr, loaded)
            if self.verbose:
                logging.info("Initialized %s by loading", name)
        else:
            if self.default_init is None:
                raise ValueError(f"Cannot Initialize {name}. Not found in loaded param and no "
                                 f"default Initializer is provided.")
            self.default_init(name, arr)
            if self.verbose:
                logging.info("Initialized %s by default", name)


class Mixed:
    """Initialize each parameter with the initializer of the first regex that matches its name."""

    def __init__(self, patterns, initializers):
        if len(patterns) != len(initializers):
            raise ValueError(f"Mixed needs as many initializers as patterns, got "
                             f"{len(initializers)} for {len(patterns)}")
        self.map = [(re.compile(p), init) for p, init in zip(patterns, initializers)]

    def __call__(self, name, arr):
        for prog, init in self.map:
            if prog.match(name):
                init(name, arr)
                return
        raise ValueError(f'Parameter name {name} did not match any pattern. Consider add a ".*" '
                         f"pattern at the and with default Initializer.")


@register
@alias("zeros")
class Zero(Initializer):
    """Weights set to 0."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 0


@register
@alias("ones")
class One(Initializer):
    """Weights set to 1."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, _, arr):
        arr[:] = 1


@register
class Constant(Initializer):
    """Weights set to ``value``: a scalar, or an array of the parameter's shape."""

    def __init__(self, value):
        # the kwargs hold the JSON form (an array as nested lists), as MXNet's dumps leaves it
        plain = value if np.isscalar(value) else (
            value.asnumpy() if isinstance(value, NDArray) else np.asarray(value)).tolist()
        super().__init__(value=plain)
        self.value = value

    def _init_weight(self, _, arr):
        _assign(arr, self.value)


@register
class Uniform(Initializer):
    """Weights drawn uniformly from [-scale, scale)."""

    def __init__(self, scale=0.07):
        super().__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _random.uniform(-self.scale, self.scale, arr.shape, out=arr)


@register
class Normal(Initializer):
    """Weights drawn from N(0, sigma^2)."""

    def __init__(self, sigma=0.01):
        super().__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _random.normal(0, self.sigma, arr.shape, out=arr)


@register
class Orthogonal(Initializer):
    """Weights set to ``scale`` times an orthogonal matrix (Saxe et al., 2013): the SVD
    factor of a random (shape[0], prod(shape[1:])) matrix."""

    def __init__(self, scale=1.414, rand_type="uniform"):
        super().__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        shape = (arr.shape[0], int(np.prod(arr.shape[1:])))
        if self.rand_type == "uniform":
            tmp = _random.uniform(-1.0, 1.0, shape=shape).asnumpy()
        elif self.rand_type == "normal":
            tmp = _random.normal(0.0, 1.0, shape=shape).asnumpy()
        else:
            raise ValueError(f"Orthogonal: unknown rand_type {self.rand_type!r}; use 'uniform' "
                             f"or 'normal'")
        u, _, v = np.linalg.svd(tmp, full_matrices=False)
        res = u if u.shape == tmp.shape else v
        arr[:] = self.scale * res.reshape(arr.shape)


@register
class Xavier(Initializer):
    """Weights drawn with scale sqrt(magnitude / factor), factor the average of fan_in and
    fan_out ("avg"), fan_in ("in") or fan_out ("out"); uniform in [-scale, scale) or
    gaussian with deviation scale."""

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        super().__init__(rnd_type=rnd_type, factor_type=factor_type, magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = arr.shape
        if len(shape) < 2:
            raise ValueError(f"Xavier initializer cannot be applied to vector {name}. It requires "
                             f"at least 2D.")
        hw_scale = np.prod(shape[2:]) if len(shape) > 2 else 1.
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        factors = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}
        if self.factor_type not in factors:
            raise ValueError("Incorrect factor type")
        scale = np.sqrt(self.magnitude / factors[self.factor_type])
        if self.rnd_type == "uniform":
            _random.uniform(-scale, scale, arr.shape, out=arr)
        elif self.rnd_type == "gaussian":
            _random.normal(0, scale, arr.shape, out=arr)
        else:
            raise ValueError("Unknown random type")


@register
class MSRAPrelu(Xavier):
    """He et al. (2015) initialization: gaussian Xavier with magnitude 2 / (1 + slope^2)."""

    def __init__(self, factor_type="avg", slope=0.25):
        super().__init__("gaussian", factor_type, 2. / (1 + slope ** 2))
        self._kwargs = {"factor_type": factor_type, "slope": slope}


@register
class Bilinear(Initializer):
    """Bilinear upsampling kernels (for Deconvolution weights)."""

    def __init__(self):
        super().__init__()

    def _init_weight(self, name, arr):
        self._init_bilinear(name, arr)


@register
class LSTMBias(Initializer):
    """LSTM biases: 0, except ``forget_bias`` for the forget gate (the second quarter)."""

    def __init__(self, forget_bias=1.0):
        super().__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        arr[:] = 0.0
        num_hidden = int(arr.shape[0] / 4)
        arr[num_hidden:2 * num_hidden] = self.forget_bias


@register
class FusedRNN(Initializer):
    """The packed parameter vector of a fused ``RNN`` operator: each per-gate weight and
    bias initialised by ``init`` (the global initializer if None) as if unfused; an LSTM's
    forget-gate biases are ``forget_bias``."""

    def __init__(self, init, num_hidden, num_layers, mode, bidirectional=False,
                 forget_bias=1.0):
        if isinstance(init, str):
            init = create(init)
        super().__init__(init=init.dumps() if init is not None else None,
                         num_hidden=num_hidden, num_layers=num_layers, mode=mode,
                         bidirectional=bidirectional, forget_bias=forget_bias)
        self._init = init
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._forget_bias = forget_bias

    def _init_weight(self, desc, arr):
        from .ndarray import zeros
        from .ops.rnn import GATES, rnn_param_layout, rnn_param_size
        init = self._init or desc.global_init
        hidden, gates = self._num_hidden, GATES[self._mode]
        directions = 2 if self._bidirectional else 1
        rest = (self._num_layers - 1) * (hidden + directions * hidden + 2)
        input_size = arr.size // directions // hidden // gates - rest - hidden - 2
        if rnn_param_size(self._mode, self._num_layers, self._bidirectional, input_size,
                          hidden) != arr.size:
            raise ValueError(f"FusedRNN: {desc} has {arr.size} values, which is no "
                             f"{self._num_layers}-layer {self._mode} of {hidden} units")
        names = {"lstm": "ifco", "gru": "rzo"}.get(self._mode, " ")
        pieces = []
        for layer, d, kind, shape in rnn_param_layout(
                self._mode, self._num_layers, self._bidirectional, input_size, hidden):
            group, what = kind.split("_")
            for gate in names:
                suffix = "" if gate == " " else f"_{gate}"
                name = f"{d}{layer}_{group}{suffix}_{what}"
                piece = zeros((hidden,) + shape[1:], arr.context, arr.dtype)
                if self._mode == "lstm" and name.endswith("_f_bias"):
                    piece[:] = self._forget_bias
                else:
                    init(InitDesc(name, global_init=desc.global_init), piece)
                pieces.append(piece.asnumpy().reshape(-1))
        arr[:] = np.concatenate(pieces)

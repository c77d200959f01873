"""The operator registry: each operator is declared once and serves mx.nd and mx.sym.

An `Operator` carries everything both front ends need: its names, input / auxiliary /
output names, a typed parameter schema that also parses MXNet's string forms (graph
JSON stores every attribute as a string), shape and dtype rules, and a pure JAX
compute function.

The contract every operator follows:

- ``compute(inputs, aux, params, is_train, rng) -> (outputs, new_aux)``: lists of jax
  arrays in, a tuple of outputs and a list of new auxiliary states out (return ``aux``
  unchanged when nothing is updated). ``is_train`` is a Python bool; ``rng`` is a JAX
  PRNG key for operators registered with ``random=True``, else None. Where MXNet's
  gradient is not the autodiff of the forward (loss layers, BlockGrad), the compute
  function says so itself with ``jax.custom_vjp`` / ``lax.stop_gradient``.
- ``shape_rule(op, params, shapes) -> (shapes, out_shapes)`` and
  ``dtype_rule(op, params, dtypes) -> (dtypes, out_dtypes)``: ``shapes`` lists the
  inputs followed by the auxiliary states (``op.arg_names(params)`` order), None where
  unknown. A rule fills in what it can deduce (a weight's shape from the data's), leaves
  None where it cannot, and raises MXNetError naming the operator, the input and the
  shapes when they are inconsistent.
- ``shape_from_outputs(op, params, shapes, out_shapes) -> shapes``, optional: fills input
  shapes the forward rule could not from output shapes known downstream (MXNet infers an
  RNN's begin states from their consumers this way).
"""
import ast
import functools
import sys
import types
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..base import MXNetError, normalize_dtype

__all__ = ["Param", "Operator", "KernelCheckFailed", "register", "get_op", "list_ops", "output_shape_rule", "publish",
           "resolve_inputs", "split_call", "ParamParsers", "describe_parser"]


#: The longest string a number, shape or axes parameter is parsed from.
MAX_LITERAL_LENGTH = 4096


class ParamParsers:
    """Parsers from Python values or MXNet attribute strings to canonical, hashable values."""

    @staticmethod
    def _literal(value):
        if isinstance(value, str):
            text = value.strip()
            if text in ("None", ""):
                return None
            if len(text) > MAX_LITERAL_LENGTH:  # parsing costs time: refuse what no value needs
                raise ValueError(f"a value of {len(text)} characters is longer than the "
                                 f"{MAX_LITERAL_LENGTH} any parameter needs")
            try:
                return ast.literal_eval(text)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                raise ValueError(f"cannot parse {value[:100]!r}") from None
        return value

    @classmethod
    def literal(cls, value):
        """A Python literal (nested tuples of numbers, strings and None), as given or parsed
        from its text."""
        value = cls._literal(value)
        hash(value)
        return value

    @staticmethod
    def boolean(value):
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ValueError(f"expected a boolean, got {value!r}")
        if isinstance(value, (bool, int, np.bool_, np.integer)):
            return bool(value)
        raise ValueError(f"expected a boolean, got {value!r}")

    @classmethod
    def integer(cls, value):
        value = cls._literal(value)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"expected an integer, got {value!r}")
        return int(value)

    @classmethod
    def integer_at_least(cls, minimum):
        """An integer that must be >= ``minimum``."""
        def parse(value):
            value = cls.integer(value)
            if value < minimum:
                raise ValueError(f"expected an integer >= {minimum}, got {value}")
            return value
        parse.describe = f"int (>= {minimum})"
        return parse

    @classmethod
    def number(cls, value):
        value = cls._literal(value)
        if isinstance(value, (bool, np.bool_)):
            return float(value)
        if not isinstance(value, (int, float, np.integer, np.floating)):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            return float(value)
        except OverflowError:
            raise ValueError(f"{value!r} is too large for a float") from None

    @classmethod
    def shape(cls, value):
        value = cls._literal(value)
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
            value = tuple(value.tolist())  # MXNet accepts a 1-D integer numpy array
        if isinstance(value, (int, np.integer)):
            return (int(value),)
        if isinstance(value, np.ndarray) and value.ndim == 1:  # a shape held in numpy
            value = value.tolist()
        if not isinstance(value, (tuple, list)) or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
            raise ValueError(f"expected a shape (tuple of integers), got {value!r}")
        return tuple(int(v) for v in value)

    @classmethod
    def floats(cls, value):
        """A tuple of numbers (one number: a 1-tuple), as floats."""
        value = cls._literal(value)
        values = value if isinstance(value, (tuple, list)) else (value,)
        if not all(isinstance(v, (int, float, np.integer, np.floating))
                   and not isinstance(v, bool) for v in values):
            raise ValueError(f"expected a tuple of numbers, got {value!r}")
        return tuple(float(v) for v in values)

    @classmethod
    def axes(cls, value):
        """None (all axes) or a tuple of axes; MXNet writes an empty tuple for None."""
        value = cls._literal(value)
        if value is None:
            return None
        axes = cls.shape(value)
        return axes if axes else None

    @staticmethod
    def dtype(value):
        return np.dtype(normalize_dtype(value)).name

    @staticmethod
    def dtype_in(*names):
        """A dtype restricted to ``names``, as its name."""
        def parse(value):
            name = ParamParsers.dtype(value)
            if name not in names:
                raise ValueError(f"expected one of {list(names)}, got {name!r}")
            return name
        parse.describe = "{" + ", ".join(repr(n) for n in sorted(names)) + "}"
        return parse

    @staticmethod
    def context(value):
        """MXNet's ``ctx`` attribute: a context or its string form, kept as a string."""
        return value if isinstance(value, str) else str(value)

    @staticmethod
    def string(value):
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value

    @staticmethod
    def choice(*options):
        def parse(value):
            if value not in options:
                raise ValueError(f"expected one of {list(options)}, got {value!r}")
            return value
        parse.describe = "{" + ", ".join(repr(o) for o in sorted(options, key=str)) + "}"
        return parse

    @staticmethod
    def optional(parse):
        """``parse``, or None: an explicit None is a value (``sort(x, axis=None)`` flattens)."""
        def parse_optional(value):
            if value is None or (isinstance(value, str) and value.strip() == "None"):
                return None
            return parse(value)
        parse_optional.accepts_none = True
        parse_optional.describe = f"{describe_parser(parse)} or None"
        return parse_optional


_PARSER_TYPES = {"boolean": "boolean", "integer": "int", "number": "float",
                 "shape": "Shape(tuple)", "floats": "tuple of <float>",
                 "axes": "Shape(tuple) or None", "dtype": "dtype",
                 "context": "Context", "string": "string"}


def describe_parser(parse):
    """The type a parser accepts, as MXNet's operator docs write it ('Shape(tuple)')."""
    described = getattr(parse, "describe", None)
    return described or _PARSER_TYPES.get(getattr(parse, "__name__", ""), "value")


@dataclass(frozen=True)
class Param:
    """A typed operator parameter.

    ``traced`` marks numeric parameters (the scalar of ``_plus_scalar``) that imperative
    calls pass as runtime values, so a new value does not compile a new function.
    """

    name: str
    parse: Callable[[Any], Any]
    default: Any = None
    required: bool = False
    traced: bool = False
    doc: str = ""
    kernel_check: Callable = None  # value -> what it must be, or None: a check MXNet makes
                                   # in the kernel, so an imperative call fails lazily


class KernelCheckFailed(MXNetError):
    """A parameter value failed a check that MXNet makes inside the operator's kernel."""


def _shared_value_rule(kind, show):
    """A rule under which all inputs and outputs share one value (a shape or a dtype)."""
    def rule(op, params, values):
        known = [(i, v) for i, v in enumerate(values) if v is not None]
        outputs = op.num_outputs(params)
        if not known:
            return values, [None] * outputs
        first_index, first = known[0]
        for i, value in known[1:]:
            if value != first:
                names = op.arg_names(params)
                raise MXNetError(f"{op.name}: inputs must share one {kind}, but "
                                 f"{names[first_index]} is {show(first)} and {names[i]} is "
                                 f"{show(value)}")
        return [first] * len(values), [first] * outputs
    return rule


same_shape_rule = _shared_value_rule("shape", str)
same_dtype_rule = _shared_value_rule("dtype", lambda dtype: np.dtype(dtype).name)


@dataclass(eq=False)
class Operator:
    """One operator: schema, rules and JAX compute. Build through `register`."""

    name: str
    compute: Callable
    params: dict = field(default_factory=dict)
    inputs: Any = ("data",)              # tuple of names, or fn(params) -> tuple
    aux: Any = ()                        # auxiliary-state names, or fn(params) -> tuple
    outputs: Any = ("output",)           # output names, or fn(params) -> tuple
    shape_rule: Callable = same_shape_rule
    dtype_rule: Callable = same_dtype_rule
    shape_from_outputs: Callable = None  # fills input shapes from known output shapes
    random: bool = False                 # compute takes a PRNG key
    prefix_draws: bool = False           # random output of parameter ``shape``: the first
                                         # elements (row-major) of the draw over any larger
                                         # flat shape (JAX's threefry numbers elements)
    differentiable: bool = None          # has a gradient (default: unless random)
    loss: object = False                 # its gradient ignores the head gradient (a bool,
                                         # or a function of the params: Custom)
    open_params: bool = False            # keep unknown params, as strings (Custom)
    check: Callable = None               # check(op, params): constraints across params
    mutates_aux: bool = False            # aux states are mutable inputs (MXNet's
                                         # FMutateInputs): written on every call, not only
                                         # in training
    input_attrs: dict = field(default_factory=dict)  # attrs of auto-created input variables
    writes_ones: Callable = None         # writes_ones(params) -> positions of the inputs
                                         # MXNet's kernel sets to 1 on every call
                                         # (BatchNorm's gamma with fix_gamma)
    value_check: Callable = None         # value_check(params, host input values) -> the
                                         # exception a CPU kernel raises on these values,
                                         # or None: imperative calls only, read on the host
    needs_known_shapes: tuple = ()       # input positions whose shape must be fully known
                                         # before the shape rule says anything (MXNet's
                                         # shape_is_known checks): never probed
    casts: bool = False                  # a dtype conversion whose gradient is the head
                                         # gradient converted back, integers included
                                         # (MXNet's Cast; see lowering.graph)
    gradient_undefined: bool = False     # MXNet registers no gradient: binding for a
                                         # gradient that must pass through it is an error
    dynamic_shape: bool = False          # output shapes depend on input values: runs
                                         # outside jit, on concrete arrays
    partial_shape_rule: Callable = None  # shape rule for partly known input shapes (unknown
                                         # sizes -1), where MXNet's rule differs from what
                                         # probing the full rule would find
    host_callback: bool = False          # compute calls the user's Python on the host
                                         # (Custom, autograd.Function): a backward through
                                         # it runs when called, never deferred
    subgraphs: int = 0                   # subgraphs it runs (control flow), each a Graph
                                         # in params["subgraphs"] (JSON: node "subgraphs")
    aliases: tuple = ()
    doc: str = ""

    def __post_init__(self):
        if self.differentiable is None:
            self.differentiable = not self.random

    @functools.cached_property
    def traced_params(self):
        """Names of the parameters imperative calls pass as runtime values."""
        return frozenset(name for name, spec in self.params.items() if spec.traced)

    @functools.cached_property
    def _kernel_checks(self):
        """(name, check) of the parameters with a kernel check, in schema order."""
        return tuple((name, spec.kernel_check) for name, spec in self.params.items()
                     if spec.kernel_check is not None)

    def input_names(self, params):
        return tuple(self.inputs(params) if callable(self.inputs) else self.inputs)

    def aux_names(self, params):
        return tuple(self.aux(params) if callable(self.aux) else self.aux)

    def arg_names(self, params):
        """Inputs followed by auxiliary states: the order shape and dtype rules see."""
        return self.input_names(params) + self.aux_names(params)

    def is_loss(self, params):
        """Whether its gradient ignores the head gradient, so backward needs none."""
        return self.loss(params) if callable(self.loss) else self.loss

    def output_names(self, params):
        return self.outputs(params) if callable(self.outputs) else self.outputs

    def num_outputs(self, params):
        return len(self.output_names(params))

    def kernel_check_error(self, params):
        """The error of the first parameter that fails its kernel check, or None."""
        for name, check in self._kernel_checks:
            if params.get(name) is not None:
                requirement = check(params[name])
                if requirement is not None:
                    return KernelCheckFailed(
                        f"operator {self.name}: invalid value for parameter {name}: must be "
                        f"{requirement}, got {params[name]}")
        return None

    def parse_params(self, kwargs, defer_kernel_checks=False):
        """Validate and complete user or JSON parameters; errors name the operator.
        ``defer_kernel_checks`` leaves the kernel checks to the caller (imperative calls
        fail lazily there, as MXNet's kernels do)."""
        unknown = [k for k in kwargs if k not in self.params]
        if unknown and self.open_params:
            extra = {k: str(kwargs[k]) for k in unknown}
            return {**self.parse_params({k: v for k, v in kwargs.items() if k in self.params}),
                    **extra}
        if unknown and not self.params:
            # MXNet parses keywords only into an operator's parameter struct: one without
            # parameters (broadcast_maximum, sqrt, where) ignores them.
            kwargs = {}
        elif unknown:
            raise MXNetError(f"operator {self.name} has no parameter {unknown[0]!r}; "
                             f"its parameters are: {', '.join(self.params)}")
        parsed = {}
        for name, spec in self.params.items():
            if name in kwargs and (kwargs[name] is not None
                                   or getattr(spec.parse, "accepts_none", False)):
                try:
                    parsed[name] = spec.parse(kwargs[name])
                except (ValueError, TypeError) as err:
                    raise MXNetError(f"operator {self.name}: invalid value for parameter "
                                     f"{name}: {err}") from None
            elif spec.required:
                raise MXNetError(f"operator {self.name}: required parameter {name} is missing")
            else:
                parsed[name] = spec.default
        if self.check is not None:
            self.check(self, parsed)
        if not defer_kernel_checks:
            error = self.kernel_check_error(parsed)
            if error is not None:
                raise error
        return parsed

    def infer_shape(self, params, shapes, out_shapes=()):
        """(completed input+aux shapes, output shapes); None marks an unknown shape.
        ``out_shapes`` known from consumers complete the inputs where the operator can."""
        shapes, outs = self.shape_rule(self, params, list(shapes))
        if (self.shape_from_outputs is not None and None in shapes
                and any(s is not None for s in out_shapes)):
            shapes = self.shape_from_outputs(self, params, list(shapes), list(out_shapes))
            shapes, outs = self.shape_rule(self, params, shapes)
        return shapes, outs

    def infer_type(self, params, dtypes):
        """(completed input+aux dtypes, output dtypes); None marks an unknown dtype."""
        return self.dtype_rule(self, params, list(dtypes))


_REGISTRY = {}


def register(name, compute, *, params=(), aliases=(), **rules):
    """Declare an operator under its MXNet name and aliases; returns the Operator."""
    op = Operator(name=name, compute=compute, params={p.name: p for p in params},
                  aliases=tuple(aliases), **rules)
    for key in (name, *aliases):
        if key in _REGISTRY:
            raise ValueError(f"operator name {key!r} is registered twice")
        _REGISTRY[key] = op
    return op


def get_op(name):
    """The operator registered under a name or alias; MXNetError if there is none."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise MXNetError(f"unknown operator {name!r}") from None


def list_ops():
    """The primary operators, each once."""
    return list({id(op): op for op in _REGISTRY.values()}.values())


def split_call(op, args, kwargs, array_type):
    """(positional arrays, arrays by keyword, raw params) of a call such as
    ``mx.nd.FullyConnected(x, w, num_hidden=4)``: arrays come first, then parameters in
    schema order; either may be given by keyword."""
    positional = [a for a in args if isinstance(a, array_type)]
    extra = list(args[len(positional):])
    if any(isinstance(a, array_type) for a in extra):
        raise MXNetError(f"operator {op.name}: array inputs must come before parameters")
    if len(extra) > len(op.params):
        raise MXNetError(f"operator {op.name}: too many positional arguments")
    params = dict(zip(op.params, extra))
    named = {k: v for k, v in kwargs.items() if isinstance(v, array_type)}
    params.update({k: v for k, v in kwargs.items() if k not in named})
    return positional, named, params


def resolve_inputs(op, positional, named, raw_params, defer_kernel_checks=False):
    """(raw params, parsed params, input name -> array) for arrays given by position and by
    name; variadic operators get ``num_args`` from the number of arrays."""
    if "num_args" in op.params and "num_args" not in raw_params:
        raw_params = {**raw_params, "num_args": len(positional) + len(named)}
    params = op.parse_params(raw_params, defer_kernel_checks)
    arg_names = op.arg_names(params)
    for key in named:
        if key not in arg_names:
            raise MXNetError(f"operator {op.name} has no input named {key!r}; its inputs are "
                             f"{list(arg_names)}")
    if len(positional) > len(arg_names):
        raise MXNetError(f"operator {op.name} takes {len(arg_names)} inputs {list(arg_names)}, "
                         f"got {len(positional)}")
    return raw_params, params, dict(zip(arg_names, positional), **named)


def output_shape_rule(out_shape):
    """A shape rule for an operator that fills no input shape: its one output has shape
    ``out_shape(*input_shapes, params)`` once every input shape is known."""
    def rule(op, params, shapes):
        if any(shape is None for shape in shapes):
            return shapes, [None]
        return shapes, [out_shape(*(tuple(shape) for shape in shapes), params)]
    return rule


# operator-name prefix -> submodule of mx.nd / mx.sym holding the operator without it
SUBMODULE_PREFIXES = {"_linalg_": "linalg", "_contrib_": "contrib", "_image_": "image"}


def publish(make_function, namespace, module_name):
    """Put ``make_function(op, name)`` into ``namespace`` for every operator name and alias;
    names starting with ``_`` go into a ``<module_name>._internal`` module instead, and
    ``_linalg_gemm`` also into ``<module_name>.linalg`` as ``gemm`` (``_contrib_`` into
    ``contrib``)."""
    internal = types.ModuleType(module_name + "._internal",
                                "Operators whose MXNet names start with _.")
    # a submodule the front end already has (mx.nd.contrib's own functions) gets the
    # operators added; the others are made here
    submodules = {sub: namespace[sub] if isinstance(namespace.get(sub), types.ModuleType)
                  else types.ModuleType(f"{module_name}.{sub}", f"MXNet's {sub} operators.")
                  for sub in SUBMODULE_PREFIXES.values()}
    for op in list_ops():
        for name in (op.name, *op.aliases):
            if name.startswith("_"):
                setattr(internal, name, make_function(op, name))
                for prefix, sub in SUBMODULE_PREFIXES.items():
                    if name.startswith(prefix):
                        short = name[len(prefix):]
                        setattr(submodules[sub], short, make_function(op, short))
            elif name not in namespace:
                namespace[name] = make_function(op, name)
    namespace["_internal"] = internal
    for sub, module in submodules.items():
        namespace[sub] = module
        sys.modules[module.__name__] = module


def simple_compute(fn):
    """Adapt ``fn(*inputs, **params) -> output`` to the registry's compute signature."""
    def compute(inputs, aux, params, is_train, rng):
        return (fn(*inputs, **params),), aux
    compute.__name__ = getattr(fn, "__name__", "compute")
    return compute

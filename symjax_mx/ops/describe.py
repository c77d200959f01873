"""What ``help(mx.nd.<Op>)`` and ``inspect.signature`` show: an operator's signature and
docstring, built from its registry schema (inputs, parameters with types, defaults and
docs) for the mx.nd and mx.sym front ends."""
import collections
import inspect

from ..base import MXNetError
from .elemwise import UNARY
from .registry import describe_parser

__all__ = ["signature", "docstring", "OperatorArguments", "operator_arguments",
           "monitor_input_names"]

OperatorArguments = collections.namedtuple("OperatorArguments", ["narg", "names", "types"])

# front end -> (array type name, trailing keyword arguments with their docs)
_FRONTS = {
    "ndarray": ("NDArray", (
        ("out", "NDArray, optional", "The output NDArray to hold the result."),
        ("name", "string, optional", "Accepted as in MXNet; imperative results have no names."),
        ("ctx", "Context, optional", "Where an operator without array inputs puts its result."),
    )),
    "symbol": ("Symbol", (
        ("name", "string, optional", "Name of the resulting symbol."),
        ("attr", "dict of string to string, optional", "Attributes of the resulting symbol."),
    )),
}


def _input_names(op):
    """The operator's input names under its default parameters; None when they depend on a
    parameter that has no default (``num_args`` of Concat): the inputs are then variadic."""
    if not callable(op.inputs) and not callable(op.aux):
        return op.arg_names({})
    if "num_args" in op.params:
        return None
    defaults = {name: spec.default for name, spec in op.params.items()}
    try:
        return op.arg_names(defaults)
    except (KeyError, TypeError, ValueError, MXNetError):
        return None


def signature(op, front):
    """The ``inspect.Signature`` of ``mx.nd.<op>`` (front 'ndarray') or ``mx.sym.<op>``
    (front 'symbol'): inputs, then the parameters by keyword, then the front end's own."""
    names = _input_names(op)
    kind = inspect.Parameter
    if names is None:
        params = [kind("data", kind.VAR_POSITIONAL)]
    else:
        params = [kind(name, kind.POSITIONAL_OR_KEYWORD, default=None) for name in names]
    for name, spec in op.params.items():
        default = inspect.Parameter.empty if spec.required else spec.default
        params.append(kind(name, kind.KEYWORD_ONLY, default=default))
    params += [kind(name, kind.KEYWORD_ONLY, default=None) for name, _, _ in _FRONTS[front][1]
               if name not in op.params]
    return inspect.Signature(params)


def _param_type(spec):
    status = "required" if spec.required else f"optional, default={spec.default!r}"
    return f"{describe_parser(spec.parse)}, {status}"


def operator_arguments(op):
    """MXNet's OperatorArguments of an operator: its inputs, then its parameters, with their
    types ('NDArray-or-Symbol' for inputs)."""
    names = _input_names(op)
    inputs = ["data"] if names is None else list(names)
    params = list(op.params)
    types = ["NDArray-or-Symbol"] * len(inputs) + [_param_type(op.params[p]) for p in params]
    return OperatorArguments(len(inputs) + len(params), inputs + params, types)


def docstring(op, front):
    """MXNet-style docs: the operator's summary, then each input and parameter with its
    type, whether it is required or its default, and its description."""
    array, trailing = _FRONTS[front]
    names = _input_names(op)
    lines = [op.doc or f"The {op.name} operator.", "", "Parameters", "----------"]
    if names is None:
        lines += [f"data : {array}[]", "    The input arrays (variadic)."]
    else:
        for name in names:
            lines += [f"{name} : {array}", f"    Input {name}."]
    for name, spec in op.params.items():
        lines.append(f"{name} : {_param_type(spec)}")
        if spec.doc:
            lines.append(f"    {spec.doc[0].upper()}{spec.doc[1:]}.")
    for name, kind, doc in trailing:
        if name in op.params:
            continue
        lines += [f"{name} : {kind}", f"    {doc}"]
    outputs = op.outputs if not callable(op.outputs) else None
    many = front == "ndarray" and (outputs is None or len(outputs) > 1)
    lines += ["", "Returns", "-------",
              f"out : {array}" + (f" or list of {array}s" if many else ""),
              "    The output of this function."]
    return "\n".join(lines)


# MXNet's operators that do not list their inputs' names (Activation, SoftmaxActivation, the
# element-wise unary functions): monitors see their inputs as ``input0``, ``input1`` ...
_UNNAMED_INPUTS = {"Activation", "SoftmaxActivation"} | set(UNARY)


def monitor_input_names(op, params, num_inputs):
    """The names MXNet's monitors give an operator's inputs (``<node>_<name>``)."""
    if op.name in _UNNAMED_INPUTS:
        return [f"input{i}" for i in range(num_inputs)]
    return list(op.input_names(params) + op.aux_names(params))

"""Shape and dtype inference: the operators' rules applied forward and backward over the
graph until nothing changes, so weights get shapes from data and data from weights."""
import numpy as np

from ..base import MXNetError, normalize_dtype
from .validate import declared_dtype, declared_shape


def _variable_value(node, kind):
    """A shape or dtype a variable declares through its attributes (None if none)."""
    text = node.attrs.get(f"__{kind}__")
    if text is None:
        return None
    parse = declared_shape if kind == "shape" else declared_dtype
    return parse(text, f"infer_{kind}: variable {node.name!r}")


def given_values(graph, kind, args, kwargs):
    """Variable name -> the shape or dtype the caller gave."""
    arguments = [n.name for n in graph.arg_nodes]
    if len(args) > len(arguments):
        raise MXNetError(f"infer_{kind}: {len(args)} positional values for {len(arguments)} "
                         f"arguments {arguments}")
    given = {name: value for name, value in zip(arguments, args) if value is not None}
    inputs = [n.name for n in graph.variables]
    for name, value in kwargs.items():
        if name not in inputs:
            raise MXNetError(f"infer_{kind}: the symbol has no input named {name!r}; its "
                             f"inputs are {inputs}")
        given[name] = value
    if kind == "shape":  # a 0 marks an unknown size: such a shape is left to the rules
        shapes = {k: (tuple(int(d) for d in v) if not isinstance(v, int) else (v,))
                  for k, v in given.items()}
        return {k: v for k, v in shapes.items() if 0 not in v}
    return {k: normalize_dtype(v) for k, v in given.items()}


def _same(kind, a, b):
    return a == b if kind == "shape" else np.dtype(a) == np.dtype(b)


def solve(graph, kind, given):
    """(node list, entry -> value) with every shape or dtype the rules determine."""
    nodes = graph.nodes
    values = {}
    for node in nodes:
        if node.op is None:
            value = given.get(node.name, _variable_value(node, kind))
            if value is not None:
                values[(id(node), 0)] = value

    def settle(key, value, describe):
        if value is None:
            return False
        old = values.get(key)
        if old is None:
            values[key] = value
            return True
        if not _same(kind, old, value):
            raise MXNetError(f"infer_{kind}: inconsistent {kind}s for {describe()}: "
                             f"{old} and {value}")
        return False

    op_nodes = [n for n in nodes if n.op is not None]
    changed = True
    while changed:
        changed = False
        for node in op_nodes + op_nodes[::-1]:
            keys = [(id(n), i) for n, i in node.inputs]
            try:
                if kind == "shape":
                    known = () if node.op.shape_from_outputs is None else [
                        values.get((id(node), i))
                        for i in range(node.op.num_outputs(node.params))]
                    ins, outs = node.op.infer_shape(node.params, [values.get(k) for k in keys],
                                                    known)
                else:
                    ins, outs = node.op.infer_type(node.params, [values.get(k) for k in keys])
            except MXNetError as err:
                raise MXNetError(f"infer_{kind} failed at node {node.name!r} "
                                 f"({node.op.name}): {err}; its inputs: "
                                 f"{_inputs_described(node, values)}") from None
            names = node.op.arg_names(node.params)
            for j, (key, value) in enumerate(zip(keys, ins)):
                changed |= settle(key, value, lambda j=j: f"input {names[j]} of node "
                                                          f"{node.name!r} ({node.op.name})")
            for i, value in enumerate(outs):
                changed |= settle((id(node), i), value,
                                  lambda i=i: f"output {i} of node {node.name!r}")
    return nodes, values


def _inputs_described(node, values):
    """``role = source value`` for each input of ``node``, naming variables and nodes."""
    described = []
    for role, (source, index) in zip(node.op.arg_names(node.params), node.inputs):
        name = (f"variable {source.name!r}" if source.op is None
                else f"output {source.output_names()[index]!r}")
        value = values.get((id(source), index))
        described.append(f"{role} = {name}" + ("" if value is None else f" {value}"))
    return ", ".join(described)


def infer(graph, kind, args, kwargs, partial):
    """MXNet's infer_shape / infer_shape_partial / infer_type result for ``graph``."""
    _, values = solve(graph, kind, given_values(graph, kind, args, kwargs))
    arg_values = [values.get((id(n), 0)) for n in graph.arg_nodes]
    aux_values = [values.get((id(n), 0)) for n in graph.aux_nodes]
    out_values = [values.get((id(node), i)) for node, i in graph.heads]
    result = (arg_values, out_values, aux_values)
    if partial:
        return tuple([() if v is None else v for v in group] for group in result)
    if any(v is None for group in result for v in group):
        return None, None, None
    return result

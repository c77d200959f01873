"""Shape and dtype inference: the operators' rules applied forward and backward over the
graph until nothing changes, so weights get shapes from data and data from weights."""
import ast

import numpy as np

from ..base import MXNetError, normalize_dtype
from ..ndarray._format import TYPE_FLAGS


def _variable_value(node, kind, partial=False):
    """A shape or dtype a variable declares through its attributes (None if none); a
    shape with unknown (0) sizes only if ``partial``."""
    if kind == "shape":
        text = node.attrs.get("__shape__")
        shape = tuple(ast.literal_eval(text)) if text else None
        if partial:
            return shape if shape and 0 in shape else None
        return shape if shape and 0 not in shape else None  # 0 marks an unknown size
    flag = node.attrs.get("__dtype__")
    return TYPE_FLAGS[int(flag)].type if flag is not None else None


def given_values(symbol, kind, args, kwargs):
    """Variable name -> the shape or dtype the caller gave."""
    arguments = symbol.list_arguments()
    if len(args) > len(arguments):
        raise MXNetError(f"infer_{kind}: {len(args)} positional values for {len(arguments)} "
                         f"arguments {arguments}")
    given = {name: value for name, value in zip(arguments, args) if value is not None}
    inputs = symbol.list_inputs()
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


def solve(symbol, kind, given):
    """(node list, entry -> value) with every shape or dtype the rules determine."""
    nodes = symbol._nodes()
    values = {}
    # Partial shapes (a 0 marks an unknown size, as in MXNet) are hints: a rule sees them
    # where the full shape is unknown, and what it derives from them counts only where
    # it contains no 0 (an RNN's begin state (0, hidden) gives its weight's shape).
    hints = {}
    for node in nodes:
        if node.op is None:
            value = given.get(node.name, _variable_value(node, kind))
            if value is not None:
                values[(id(node), 0)] = value
            elif kind == "shape":
                hints[(id(node), 0)] = _variable_value(node, kind, partial=True)

    def settle(key, value, describe):
        if value is None:
            return False
        if kind == "shape" and 0 in value:
            if key in values or hints.get(key) == value:
                return False
            hints[key] = value
            return True
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
            outputs = [(id(node), i) for i in range(node.op.num_outputs(node.params))]
            known = [values.get(k) for k in keys]
            hinted = [v if v is not None else hints.get(k) for v, k in zip(known, keys)]
            try:
                results = [_rule(node, kind, known, values, outputs)]
            except MXNetError as err:
                raise MXNetError(f"infer_{kind} failed at node {node.name!r} "
                                 f"({node.op.name}): {err}") from None
            if hinted != known:
                try:
                    results.append(_rule(node, kind, hinted, values, outputs))
                except MXNetError:  # the hints do not fit this rule: go without them
                    pass
            names = node.op.arg_names(node.params)
            for ins, outs in results:
                for j, (key, value) in enumerate(zip(keys, ins)):
                    changed |= settle(key, value, lambda j=j: f"input {names[j]} of node "
                                                              f"{node.name!r} ({node.op.name})")
                for key, value in zip(outputs, outs):
                    changed |= settle(key, value,
                                      lambda key=key: f"output {key[1]} of node {node.name!r}")
    return nodes, values


def _rule(node, kind, inputs, values, outputs):
    """(input shapes or dtypes, output ones) by ``node``'s rule."""
    if kind == "shape":
        known = () if node.op.shape_from_outputs is None else [values.get(k) for k in outputs]
        return node.op.infer_shape(node.params, inputs, known)
    return node.op.infer_type(node.params, inputs)


def infer(symbol, kind, args, kwargs, partial):
    """MXNet's infer_shape / infer_shape_partial / infer_type result for ``symbol``."""
    nodes, values = solve(symbol, kind, given_values(symbol, kind, args, kwargs))
    aux = symbol._aux_ids(nodes)
    variables = [n for n in nodes if n.op is None]
    arg_values = [values.get((id(n), 0)) for n in variables if id(n) not in aux]
    aux_values = [values.get((id(n), 0)) for n in variables if id(n) in aux]
    out_values = [values.get((id(node), i)) for node, i in symbol._outputs]
    result = (arg_values, out_values, aux_values)
    if partial:
        return tuple([() if v is None else v for v in group] for group in result)
    if any(v is None for group in result for v in group):
        return None, None, None
    return result

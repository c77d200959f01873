"""Shape and dtype inference: the operators' rules applied forward and backward over the
graph until nothing changes, so weights get shapes from data and data from weights.

Shapes may be partly known: inside inference an unknown dimension is -1 and an unknown
shape None. Callers see MXNet's forms: without NumPy shape semantics an unknown dimension
is 0 and an unknown shape ``()``; with it, -1 and None. Operators' rules take only fully
known shapes; what a rule says about partly known ones is found by probing it (below).
"""
import numpy as np

from ..base import MXNetError, normalize_dtype
from ..ops.registry import same_shape_rule
from ..util import is_np_shape
from .validate import declared_dtype, declared_shape

_UNKNOWN = -1
# Probe values for unknown dimensions: large and distinct, so an output dimension equal to
# one of them in both probes is a copy of that unknown input dimension.
_PROBES = (1000003, 2000003)


def _from_user(shape):
    """A shape as the caller wrote it -> the internal form (None, or -1 for unknown sizes)."""
    if shape is None:
        return None
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)
    if is_np_shape():
        return tuple(_UNKNOWN if d < 0 else d for d in shape)
    if not shape:
        return None  # legacy: () is an unknown shape
    return tuple(_UNKNOWN if d == 0 else d for d in shape)


def _to_user(shape):
    """The internal form -> MXNet's: legacy () and 0 for unknown, NumPy shape None and -1."""
    if is_np_shape():
        return shape
    return () if shape is None else tuple(0 if d == _UNKNOWN else d for d in shape)


def _full(shape):
    return shape is not None and _UNKNOWN not in shape


def _partial(shape):
    return shape is not None and _UNKNOWN in shape


def _variable_value(node, kind):
    """A shape or dtype a variable declares through its attributes (None if none)."""
    text = node.attrs.get(f"__{kind}__")
    if text is None:
        return None
    where = f"infer_{kind}: variable {node.name!r}"
    if kind == "shape":
        return _from_user(declared_shape(text, where))
    return declared_dtype(text, where)


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
    if kind == "shape":
        shapes = {k: _from_user(v) for k, v in given.items()}
        return {k: v for k, v in shapes.items() if v is not None}
    return {k: normalize_dtype(v) for k, v in given.items()}


def _merge(kind, old, new):
    """What two findings about one entry say together; MXNetError if they contradict."""
    if old is None or new is None:
        return new if old is None else old
    if kind != "shape":
        if np.dtype(old) != np.dtype(new):
            raise ValueError
        return old
    if len(old) != len(new) or any(a != b and _UNKNOWN not in (a, b) for a, b in zip(old, new)):
        raise ValueError
    return tuple(b if a == _UNKNOWN else a for a, b in zip(old, new))


def _agree(a, b):
    """The dimensions two probes agree on (-1 elsewhere); None if they disagree on rank."""
    if a is None or b is None or len(a) != len(b):
        return None
    return tuple(x if x == y else _UNKNOWN for x, y in zip(a, b))


def _probe(op, params, in_shapes, out_shapes):
    """(input shapes, output shapes) the rule gives for partly known inputs: the rule runs
    twice with the unknown sizes replaced by probe values, and what both runs agree on is
    known. Unknown input sizes that an output copies are read from that output's known size.
    Each unknown size gets its own probe value; if the rule rejects that (it needs sizes to
    be equal), all get the same."""
    unknown = [(j, d) for j, s in enumerate(in_shapes) if s is not None
               for d, n in enumerate(s) if n == _UNKNOWN]

    def substitute(values):
        return [None if s is None else tuple(values.get((j, d), n) for d, n in enumerate(s))
                for j, s in enumerate(in_shapes)]

    for distinct in (True, False):
        probes = [{pos: base + (2 * k if distinct else 0) for k, pos in enumerate(unknown)}
                  for base in _PROBES]
        try:
            runs = [op.infer_shape(params, substitute(values)) for values in probes]
        except MXNetError:
            continue
        break
    else:
        return [None] * len(in_shapes), [None] * len(out_shapes)
    (ins_a, outs_a), (ins_b, outs_b) = runs
    ins = [_agree(a, b) for a, b in zip(ins_a, ins_b)]
    outs = [_agree(a, b) for a, b in zip(outs_a, outs_b)]
    found = {}
    for out_a, out_b, known in zip(outs_a, outs_b, out_shapes):
        if out_a is None or out_b is None or known is None or len(known) != len(out_a):
            continue
        for x, y, size in zip(out_a, out_b, known):
            copied = [pos for pos in unknown if probes[0][pos] == x and probes[1][pos] == y]
            if size != _UNKNOWN and x != y and copied:
                found.update((pos, size) for pos in copied)
    if found and (distinct or len(found) == len(unknown)):
        filled = substitute(found)
        try:
            checked_ins, checked_outs = op.infer_shape(params, filled) if not distinct \
                else (filled, outs)
            for check, known in zip(checked_outs, out_shapes):
                _merge("shape", known, check)
            ins = [_merge("shape", a, b) for a, b in zip(ins, checked_ins)]
        except (MXNetError, ValueError):
            pass  # the copy did not hold for every probe value: learn nothing from it
    return ins, outs


def _shape_step(node, in_shapes, out_shapes):
    """What the node's shape rule says about its inputs and outputs."""
    op, params = node.op, node.params
    full_outs = [s if _full(s) else None for s in out_shapes]
    known = () if op.shape_from_outputs is None else full_outs
    ins, outs = op.infer_shape(params, [s if _full(s) else None for s in in_shapes], known)
    findings = [(list(ins), list(outs))]
    if any(_partial(s) for s in in_shapes) and not any(
            _partial(in_shapes[j]) for j in op.needs_known_shapes):
        findings.append(_probe(op, params, in_shapes, out_shapes)
                        if op.partial_shape_rule is None
                        else op.partial_shape_rule(op, params, list(in_shapes)))
        if op.shape_from_outputs is not None and any(s is not None for s in full_outs):
            # partly known inputs completed from known outputs (Reshape, _rnn_param_concat)
            filled = op.shape_from_outputs(op, params, list(in_shapes), full_outs)
            findings.append((filled, [None] * len(out_shapes)))
    if op.shape_rule is same_shape_rule:  # one shape for all: merge every partial finding
        shared = None
        for shape in list(in_shapes) + list(out_shapes):
            try:
                shared = _merge("shape", shared, shape)
            except ValueError:
                raise MXNetError(f"{op.name}: inputs must share one shape, but got "
                                 f"{_to_user(shared)} and {_to_user(shape)}") from None
        findings.append(([shared] * len(in_shapes), [shared] * len(out_shapes)))
    return findings


def solve(graph, kind, given, partial=False):
    """(node list, entry -> value) with every shape or dtype the rules determine; with
    ``partial``, shapes may have unknown sizes (-1), else only fully known ones are kept."""
    nodes = graph.nodes
    values = {}
    for node in nodes:
        if node.op is None:
            value = given.get(node.name, _variable_value(node, kind))
            if value is not None:
                values[(id(node), 0)] = value

    def settle(key, value, describe):
        old = values.get(key)
        try:
            merged = _merge(kind, old, value)
        except ValueError:
            raise MXNetError(f"infer_{kind}: inconsistent {kind}s for {describe()}: "
                             f"{_to_user(old) if kind == 'shape' else old} and "
                             f"{_to_user(value) if kind == 'shape' else value}") from None
        if merged is None or merged == old:
            return False
        values[key] = merged
        return True

    op_nodes = [n for n in nodes if n.op is not None]
    seen = {}  # id(node) -> the input and output values its rule last ran on
    changed = True
    while changed:
        changed = False
        for node in op_nodes + op_nodes[::-1]:
            keys = [(id(n), i) for n, i in node.inputs]
            out_keys = [(id(node), i) for i in range(node.op.num_outputs(node.params))]
            in_values = [values.get(k) for k in keys]
            out_values = [values.get(k) for k in out_keys]
            if seen.get(id(node)) == (in_values, out_values):
                continue  # a rule run on the same values finds nothing new
            seen[id(node)] = (in_values, out_values)
            try:
                if kind == "shape":
                    findings = _shape_step(node, in_values, out_values)
                else:
                    findings = [node.op.infer_type(node.params, in_values)]
            except MXNetError as err:
                raise MXNetError(f"infer_{kind} failed at node {node.name!r} "
                                 f"({node.op.name}): {err}; its inputs: "
                                 f"{_inputs_described(node, values)}") from None
            names = node.op.arg_names(node.params)
            for ins, outs in findings:
                for j, (key, value) in enumerate(zip(keys, ins)):
                    changed |= settle(key, value, lambda j=j: f"input {names[j]} of node "
                                                              f"{node.name!r} ({node.op.name})")
                for i, (key, value) in enumerate(zip(out_keys, outs)):
                    changed |= settle(key, value,
                                      lambda i=i: f"output {i} of node {node.name!r}")
    if kind == "shape" and not partial:
        values = {k: v for k, v in values.items() if _full(v)}
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
    return infer_with_entries(graph, kind, args, kwargs, partial)[0]


def infer_with_entries(graph, kind, args, kwargs, partial):
    """(``infer``'s result, every entry's value found on the way)."""
    _, values = solve(graph, kind, given_values(graph, kind, args, kwargs), partial=True)
    return _user_result(graph, kind, values, partial), values


def _user_result(graph, kind, values, partial):
    """(argument, output, auxiliary) values from ``solve``'s, as MXNet's infer_* give them."""
    arg_values = [values.get((id(n), 0)) for n in graph.arg_nodes]
    aux_values = [values.get((id(n), 0)) for n in graph.aux_nodes]
    out_values = [values.get((id(node), i)) for node, i in graph.heads]
    result = (arg_values, out_values, aux_values)
    if kind == "shape":
        if partial:
            return tuple([_to_user(v) for v in group] for group in result)
        if any(not _full(v) for group in result for v in group):
            return None, None, None
        return result
    if partial:
        return tuple([None if v is None else v for v in group] for group in result)
    if any(v is None for group in result for v in group):
        return None, None, None
    return result

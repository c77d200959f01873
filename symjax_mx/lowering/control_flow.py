"""MXNet's control-flow operators over subgraphs: ``_foreach`` (a loop over axis 0).

A node of one of these operators holds its body as a Graph in ``params["subgraphs"]``
(``mx.sym.contrib.foreach`` builds it; JSON keeps it under the node's ``subgraphs``). The
node's inputs are the sliced data, the initial loop states and the values the body reads
from outside (``remain_locs`` says where each sits among the body's inputs). Shapes and
dtypes are inferred by running inference on the body; the node lowers to one
``lax.scan`` over the body's lowered graph, so its gradient is the scan's.
"""
import jax

from ..base import MXNetError
from ..ops.registry import Param, ParamParsers as P, register
from ..symbol.inference import solve
from .graph import LoweredGraph

__all__ = ["FOREACH"]


def _locations(params):
    return params["in_data_locs"], params["in_state_locs"], params["remain_locs"]


def _body(params):
    return params["subgraphs"][0]


def _body_inputs(body, params):
    """Input position of the node -> the name of the body's input it feeds."""
    names = [node.name for node in body.variables]
    return [names[loc] for locs in _locations(params) for loc in locs]


def _body_values(kind, params, values):
    """(body input name -> given value, the loop's length or None): what the node's inputs
    (``values``, None where unknown) tell the body; data inputs give one step's slice."""
    body = _body(params)
    names = _body_inputs(body, params)
    count = len(params["in_data_locs"])
    given, length = {}, None
    for j, (name, value) in enumerate(zip(names, values)):
        if value is None:
            continue
        if kind == "shape" and j < count:
            if not value:
                raise MXNetError(f"_foreach: data input {j} is a scalar; foreach slices its "
                                 f"inputs along axis 0")
            length = value[0]
            value = value[1:]
        given[name] = value
    return given, length


def _solved(kind, params, values):
    """(the body's solved values, its head values, the loop's length, body input names)."""
    body = _body(params)
    names = _body_inputs(body, params)
    given, length = _body_values(kind, params, values)
    states = params["in_state_locs"]
    first_state = len(params["in_data_locs"])
    outputs = params["num_out_data"]
    while True:  # a state's shape may come from what the body makes of it
        _, solved = solve(body, kind, given)
        heads = [solved.get((id(node), i)) for node, i in body.heads]
        found = {names[first_state + j]: heads[outputs + j] for j in range(len(states))
                 if names[first_state + j] not in given and heads[outputs + j] is not None}
        if not found:
            return solved, heads, length, names
        given.update(found)


def _loop_rule(kind):
    def rule(op, params, values):
        solved, heads, length, names = _solved(kind, params, values)
        body = _body(params)
        variables = {node.name: solved.get((id(node), 0)) for node in body.variables}
        count = len(params["in_data_locs"])
        ins = []
        for j, (name, value) in enumerate(zip(names, values)):
            found = variables.get(name)
            if kind == "shape" and j < count:
                found = None if found is None or length is None else (length,) + found
            ins.append(value if found is None else found)
        outputs = params["num_out_data"]
        outs = heads[outputs:]
        data_outs = heads[:outputs]
        if kind == "shape":
            data_outs = [None if s is None or length is None else (length,) + s
                         for s in data_outs]
        return ins, data_outs + outs
    return rule


def _foreach_compute(inputs, aux, params, is_train, rng):
    body = _body(params)
    names = _body_inputs(body, params)
    count, states = len(params["in_data_locs"]), len(params["in_state_locs"])
    data, state, remain = inputs[:count], inputs[count:count + states], inputs[count + states:]
    given = {name: tuple(x.shape[1:]) if j < count else tuple(x.shape)
             for j, (name, x) in enumerate(zip(names, inputs))}
    _, entry_shapes = solve(body, "shape", given)
    lowered = LoweredGraph(body, entry_shapes)
    outputs = params["num_out_data"]
    fixed = dict(zip(names[count + states:], remain))
    if not lowered.random:
        rng = None

    def step(carry, sliced):
        state, key = carry
        step_key = None
        if key is not None:
            key, step_key = jax.random.split(key)
        args = dict(fixed)
        args.update(zip(names[:count], sliced))
        args.update(zip(names[count:count + states], state))
        heads, _ = lowered(args, {}, step_key, is_train)
        return (list(heads[outputs:]), key), list(heads[:outputs])

    (final, _), stacked = jax.lax.scan(step, (list(state), rng), list(data))
    return list(stacked) + list(final), aux


def _int_list(value):
    return P.shape(value)


def _outputs(params):
    return tuple(f"output{i}" for i in range(params["num_outputs"]))


def _inputs(params):
    return tuple(f"data{i}" for i in range(1, params["num_args"]))


def _check(op, params):
    locations = sum(len(locs) for locs in _locations(params))
    if locations != params["num_args"] - 1:
        raise MXNetError(f"{op.name}: num_args {params['num_args']} does not match the "
                         f"{locations} input locations (plus the subgraph)")
    if params["num_out_data"] + len(params["in_state_locs"]) != params["num_outputs"]:
        raise MXNetError(f"{op.name}: num_outputs {params['num_outputs']} must be num_out_data "
                         f"{params['num_out_data']} plus {len(params['in_state_locs'])} states")


FOREACH = register(
    "_foreach", _foreach_compute,
    params=(Param("num_args", P.integer_at_least(1), required=True,
                  doc="the subgraph and the node's inputs"),
            Param("num_outputs", P.integer_at_least(0), required=True),
            Param("num_out_data", P.integer_at_least(0), required=True),
            Param("in_state_locs", _int_list, required=True),
            Param("in_data_locs", _int_list, required=True),
            Param("remain_locs", _int_list, required=True)),
    inputs=_inputs, outputs=_outputs, check=_check, subgraphs=1,
    random=True, differentiable=True,  # takes a key, which a body without random nodes ignores
    shape_rule=_loop_rule("shape"), dtype_rule=_loop_rule("dtype"),
    doc="Run a subgraph over axis 0 of its data inputs, carrying loop states.")

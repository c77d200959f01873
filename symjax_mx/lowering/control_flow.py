"""MXNet's control-flow operators over subgraphs: ``_foreach`` (a loop over axis 0),
``_while_loop`` and ``_cond``.

A node of one of these operators holds its subgraphs as Graphs in ``params["subgraphs"]``
(``mx.sym.contrib``'s control flow builds them; JSON keeps them under the node's
``subgraphs``). Its ``*_locs`` parameters say which node input feeds which subgraph
input. Shapes and dtypes are inferred by running inference on the subgraphs. A loop
lowers to one ``lax.scan`` over the lowered body, a branch to one ``lax.cond``, so their
gradients are JAX's; ``_while_loop`` scans ``max_iterations`` steps, each running the
body only while the condition holds.
"""
import jax
import jax.numpy as jnp

from ..base import MXNetError
from ..ops.registry import Param, ParamParsers as P, register
from ..symbol.inference import solve
from .graph import LoweredGraph

__all__ = ["FOREACH", "WHILE_LOOP", "COND"]


def _input_names(graph):
    return [node.name for node in graph.variables]


def _given(graph, locs, values):
    """Subgraph input name -> the value of the node input that feeds it (if known)."""
    return {name: values[loc] for name, loc in zip(_input_names(graph), locs)
            if values[loc] is not None}


def _solved(kind, graph, given):
    """(entry -> value, head values) of ``graph`` with its inputs ``given``."""
    _, solved = solve(graph, kind, given)
    return solved, [solved.get((id(node), i)) for node, i in graph.heads]


def _fill(values, graph, locs, solved):
    """``values`` of the node's inputs completed with what inference found for the
    subgraph inputs they feed."""
    for node, loc in zip(graph.variables, locs):
        if values[loc] is None:
            values[loc] = solved.get((id(node), 0))


def _evaluate(graph, args, rng, is_train):
    """The head values of ``graph`` run on ``args`` (input name -> array)."""
    _, entry_shapes = solve(graph, "shape", {k: tuple(v.shape) for k, v in args.items()})
    lowered = LoweredGraph(graph, entry_shapes)
    return lowered(args, {}, rng if lowered.random else None, is_train)[0]


def _split(key):
    if key is None:
        return None, None
    return tuple(jax.random.split(key))


def _truth(value):
    """A subgraph's condition (one element) as a scalar boolean."""
    return jnp.reshape(value, (-1,))[0] != 0


def _int_list(value):
    return P.shape(value)


def _outputs(params):
    return tuple(f"output{i}" for i in range(params["num_outputs"]))


def _register(name, compute, params, rule, subgraphs, check, doc):
    def inputs(params):
        return tuple(f"data{i}" for i in range(subgraphs, params["num_args"]))

    def checked(op, params):
        if params["num_args"] < subgraphs:
            raise MXNetError(f"{op.name}: num_args {params['num_args']} counts fewer than "
                             f"its {subgraphs} subgraphs")
        check(op, params)
    return register(
        name, compute, params=(Param("num_args", P.integer_at_least(0), required=True,
                                     doc="the subgraphs and the node's inputs"),
                               Param("num_outputs", P.integer_at_least(0), required=True),
                               *params),
        inputs=inputs, outputs=_outputs, check=checked, subgraphs=subgraphs,
        random=True, differentiable=True,  # takes a key, which bodies without random
        shape_rule=rule("shape"), dtype_rule=rule("dtype"), doc=doc)  # nodes ignore


# --- _foreach ----------------------------------------------------------------------------

def _foreach_locs(params):
    """The body's input position fed by each node input (data, states, the rest)."""
    return list(params["in_data_locs"]) + list(params["in_state_locs"]) + list(
        params["remain_locs"])


def _foreach_rule(kind):
    def rule(op, params, values):
        body = params["subgraphs"][0]
        names = _input_names(body)
        order = _foreach_locs(params)
        count, outputs = len(params["in_data_locs"]), params["num_out_data"]
        length, given = None, {}
        for j, (loc, value) in enumerate(zip(order, values)):
            if value is not None and kind == "shape" and j < count:
                if not value:
                    raise MXNetError(f"_foreach: data input {j} is a scalar; foreach slices "
                                     f"its inputs along axis 0")
                length, value = value[0], value[1:]
            if value is not None:
                given[names[loc]] = value
        states = [names[loc] for loc in params["in_state_locs"]]
        while True:  # a state's shape may come from what the body makes of it
            solved, heads = _solved(kind, body, given)
            found = {name: heads[outputs + j] for j, name in enumerate(states)
                     if name not in given and heads[outputs + j] is not None}
            if not found:
                break
            given.update(found)
        ins = list(values)
        for j, loc in enumerate(order):
            found = solved.get((id(body.variables[loc]), 0))
            if kind == "shape" and j < count:
                found = None if found is None or length is None else (length,) + found
            if ins[j] is None:
                ins[j] = found
        data_outs = heads[:outputs]
        if kind == "shape":
            data_outs = [None if s is None or length is None else (length,) + s
                         for s in data_outs]
        return ins, data_outs + heads[outputs:]
    return rule


def _foreach_compute(inputs, aux, params, is_train, rng):
    body = params["subgraphs"][0]
    names = _input_names(body)
    order = [names[loc] for loc in _foreach_locs(params)]
    count, states = len(params["in_data_locs"]), len(params["in_state_locs"])
    outputs = params["num_out_data"]
    fixed = dict(zip(order[count + states:], inputs[count + states:]))

    def step(carry, sliced):
        state, key = carry
        key, step_key = _split(key)
        args = {**fixed, **dict(zip(order[:count], sliced)),
                **dict(zip(order[count:count + states], state))}
        heads = _evaluate(body, args, step_key, is_train)
        return (list(heads[outputs:]), key), list(heads[:outputs])

    (final, _), stacked = jax.lax.scan(step, (list(inputs[count:count + states]), rng),
                                       list(inputs[:count]))
    return list(stacked) + list(final), aux


def _foreach_check(op, params):
    locations = len(_foreach_locs(params))
    if locations != params["num_args"] - 1:
        raise MXNetError(f"{op.name}: num_args {params['num_args']} does not match the "
                         f"{locations} input locations (plus the subgraph)")
    if params["num_out_data"] + len(params["in_state_locs"]) != params["num_outputs"]:
        raise MXNetError(f"{op.name}: num_outputs {params['num_outputs']} must be num_out_data "
                         f"{params['num_out_data']} plus {len(params['in_state_locs'])} states")


FOREACH = _register(
    "_foreach", _foreach_compute,
    (Param("num_out_data", P.integer_at_least(0), required=True),
     Param("in_state_locs", _int_list, required=True),
     Param("in_data_locs", _int_list, required=True),
     Param("remain_locs", _int_list, required=True)),
    _foreach_rule, 1, _foreach_check,
    "Run a subgraph over axis 0 of its data inputs, carrying loop states.")


# --- _while_loop -------------------------------------------------------------------------

def _loop_var_inputs(params):
    """The node input holding each loop variable's initial value."""
    return [params["func_input_locs"][loc] for loc in params["func_var_locs"]]


def _while_rule(kind):
    def rule(op, params, values):
        cond_graph, func_graph = params["subgraphs"]
        ins = list(values)
        var_inputs = _loop_var_inputs(params)
        outputs = params["num_out_data"]
        while True:  # a loop variable's shape may come from what the body makes of it
            solved, heads = _solved(kind, func_graph,
                                    _given(func_graph, params["func_input_locs"], ins))
            _fill(ins, func_graph, params["func_input_locs"], solved)
            found = False
            for j, loc in enumerate(var_inputs):
                if ins[loc] is None and heads[outputs + j] is not None:
                    ins[loc], found = heads[outputs + j], True
            if not found:
                break
        cond_solved, _ = _solved(kind, cond_graph,
                                 _given(cond_graph, params["cond_input_locs"], ins))
        _fill(ins, cond_graph, params["cond_input_locs"], cond_solved)
        data_outs = heads[:outputs]
        if kind == "shape":
            data_outs = [None if s is None else (params["max_iterations"],) + s
                         for s in data_outs]
        return ins, data_outs + [ins[loc] for loc in var_inputs]
    return rule


def _while_compute(inputs, aux, params, is_train, rng):
    cond_graph, func_graph = params["subgraphs"]
    var_inputs = _loop_var_inputs(params)
    var_of_input = {loc: j for j, loc in enumerate(var_inputs)}
    outputs = params["num_out_data"]

    def args(graph, locs, loop_vars):
        return {name: loop_vars[var_of_input[loc]] if loc in var_of_input else inputs[loc]
                for name, loc in zip(_input_names(graph), locs)}

    def body(loop_vars, key):
        heads = _evaluate(func_graph, args(func_graph, params["func_input_locs"], loop_vars),
                          key, is_train)
        return list(heads[:outputs]), list(heads[outputs:])

    start = [inputs[loc] for loc in var_inputs]
    out_avals = jax.eval_shape(lambda v, k: body(v, k)[0], start, rng)

    def skip(loop_vars, key):
        return [jnp.zeros(a.shape, a.dtype) for a in out_avals], list(loop_vars)

    def step(carry, _):
        loop_vars, running, key = carry
        key, step_key = _split(key)
        condition = _evaluate(cond_graph, args(cond_graph, params["cond_input_locs"],
                                                loop_vars), step_key, is_train)[0]
        running = running & _truth(condition)
        step_outputs, loop_vars = jax.lax.cond(running, body, skip, loop_vars, step_key)
        return (loop_vars, running, key), step_outputs

    (final, _, _), stacked = jax.lax.scan(step, (start, jnp.bool_(True), rng), None,
                                          length=params["max_iterations"])
    return list(stacked) + list(final), aux


def _while_check(op, params):
    if len(params["func_var_locs"]) + params["num_out_data"] != params["num_outputs"]:
        raise MXNetError(f"{op.name}: num_outputs {params['num_outputs']} must be num_out_data "
                         f"{params['num_out_data']} plus {len(params['func_var_locs'])} loop "
                         f"variables")
    inputs = params["num_args"] - 2
    if any(not 0 <= loc < inputs for loc in params["cond_input_locs"]
           + params["func_input_locs"]):
        raise MXNetError(f"{op.name}: an input location is outside the {inputs} inputs")


WHILE_LOOP = _register(
    "_while_loop", _while_compute,
    (Param("max_iterations", P.integer_at_least(0), required=True),
     Param("cond_input_locs", _int_list, required=True),
     Param("func_input_locs", _int_list, required=True),
     Param("func_var_locs", _int_list, required=True),
     Param("num_out_data", P.integer_at_least(0), required=True)),
    _while_rule, 2, _while_check,
    "Run a body subgraph while a condition subgraph holds, at most max_iterations times.")


# --- _cond -------------------------------------------------------------------------------

_BRANCH_LOCS = ("cond_input_locs", "then_input_locs", "else_input_locs")


def _cond_rule(kind):
    def rule(op, params, values):
        ins = list(values)
        heads = []
        for graph, key in zip(params["subgraphs"], _BRANCH_LOCS):
            solved, graph_heads = _solved(kind, graph, _given(graph, params[key], ins))
            _fill(ins, graph, params[key], solved)
            heads.append(graph_heads)
        outs = [then if then is not None else other for then, other in zip(*heads[1:])]
        return ins, outs
    return rule


def _cond_compute(inputs, aux, params, is_train, rng):
    pred_graph, then_graph, else_graph = params["subgraphs"]
    key, branch_key = _split(rng)

    def run(graph, locs):
        def branch(values, key):
            args = {name: values[loc] for name, loc in zip(_input_names(graph), locs)}
            return list(_evaluate(graph, args, key, is_train))
        return branch

    pred = _evaluate(pred_graph, {name: inputs[loc] for name, loc in zip(
        _input_names(pred_graph), params["cond_input_locs"])}, key, is_train)[0]
    outputs = jax.lax.cond(_truth(pred), run(then_graph, params["then_input_locs"]),
                           run(else_graph, params["else_input_locs"]), list(inputs),
                           branch_key)
    return outputs, aux


def _cond_check(op, params):
    inputs = params["num_args"] - 3
    if any(not 0 <= loc < inputs for key in _BRANCH_LOCS for loc in params[key]):
        raise MXNetError(f"{op.name}: an input location is outside the {inputs} inputs")


COND = _register(
    "_cond", _cond_compute,
    tuple(Param(key, _int_list, required=True) for key in _BRANCH_LOCS),
    _cond_rule, 3, _cond_check,
    "Run the then or the else subgraph, as the predicate subgraph's value says.")

"""Common-subexpression elimination, as MXNet's executor does at bind time
(``MXNET_ELIMINATE_COMMON_EXPR``, on by default): what ``Executor.get_optimized_symbol``
shows."""
import os

from ..ops import get_op
from .graph import Graph, Node

__all__ = ["eliminate_common_expr", "common_expr_enabled"]


def common_expr_enabled():
    """Whether this process asks for the elimination (read when an executor binds)."""
    return os.environ.get("MXNET_ELIMINATE_COMMON_EXPR", "1") != "0"


def eliminate_common_expr(graph):
    """``graph`` with the nodes that apply one operator with equal attributes to the same
    inputs merged into one; random and state-writing operators are never merged. Heads
    that become one entry get an ``_copy`` each after the first, as in MXNet."""
    replaced, seen = {}, {}

    def entry(e):
        return (replaced.get(id(e[0]), e[0]), e[1])

    for node in graph.nodes:
        if node.op is None:
            continue
        inputs = tuple(entry(e) for e in node.inputs)
        key = None
        if not (node.op.random or node.op.mutates_aux):
            key = (node.op.name, tuple(sorted(node.attrs.items())),
                   tuple((id(n), i) for n, i in inputs))
        if key is not None and key in seen:
            replaced[id(node)] = seen[key]
            continue
        if any(a is not b for a, b in zip(inputs, node.inputs)):
            new = Node(node.op, node.name, node.attrs, node.params, inputs)
            replaced[id(node)] = new
        if key is not None:
            seen[key] = replaced.get(id(node), node)
    heads, used = [], set()
    for head in graph.heads:
        head = entry(head)
        if (id(head[0]), head[1]) in used:
            copy = get_op("_copy")
            head = (Node(copy, f"{head[0].name}_copy{len(heads)}", {}, {}, [head]), 0)
        used.add((id(head[0]), head[1]))
        heads.append(head)
    return Graph(heads)

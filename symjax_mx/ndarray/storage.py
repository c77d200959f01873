"""MXNet 1.9.1's storage-type inference for imperative calls: the storage type of each
result of an operator, given its inputs' storage types.

An operator with a sparse kernel in MXNet keeps its sparse output where the kernel
would ('row_sparse' in, 'row_sparse' out for the zero-preserving unary functions);
everything else falls back to dense ('default'), as MXNet's storage fallback does.
The rules were checked against MXNet 1.9.1 (tests/golden/sparse_stypes.json).
"""
from ..base import MXNetError
from ..ops import custom

DEFAULT, RSP, CSR = "default", "row_sparse", "csr"

# f(0) == 0 and MXNet has a kernel for both sparse types
_ZERO_PRESERVING = frozenset((
    "abs", "arcsin", "arcsinh", "arctan", "arctanh", "cbrt", "ceil", "degrees", "expm1", "fix",
    "floor", "log1p", "negative", "radians", "relu", "rint", "round", "sign", "sin", "sinh",
    "sqrt", "square", "tan", "tanh", "trunc", "zeros_like", "BlockGrad", "make_loss", "Cast",
    "_copy"))

# x <op> scalar keeps the storage type where 0 <op> scalar is 0
_SCALAR_AT_ZERO = {
    "_plus_scalar": lambda s: 0 + s, "_minus_scalar": lambda s: 0 - s,
    "_mul_scalar": lambda s: 0, "_div_scalar": lambda s: 0,
    "_equal_scalar": lambda s: 0 == s, "_not_equal_scalar": lambda s: 0 != s,
    "_greater_scalar": lambda s: 0 > s, "_greater_equal_scalar": lambda s: 0 >= s,
    "_lesser_scalar": lambda s: 0 < s, "_lesser_equal_scalar": lambda s: 0 <= s,
}

# x <op> y where op(0, 0) == 0: two inputs of one sparse type keep it (the union of what
# they store); mixed with another type, the result is dense
_ADDITIVE = frozenset(("elemwise_add", "elemwise_sub", "_grad_add", "_maximum", "_minimum",
                       "_hypot"))
_MULTIPLICATIVE = frozenset(("elemwise_mul",))


def _binary(name, stypes, shapes):
    lhs, rhs = stypes
    same_shape = shapes[0] == shapes[1]
    if name in _ADDITIVE and same_shape:
        return lhs if lhs == rhs else DEFAULT
    if name in _MULTIPLICATIVE and same_shape:
        sparse = {lhs, rhs} - {DEFAULT}
        return sparse.pop() if len(sparse) == 1 else DEFAULT
    if name in ("broadcast_mul", "broadcast_div") and lhs == CSR and rhs == DEFAULT:
        return CSR
    return DEFAULT


def _dot(params, stypes):
    if params.get("forward_stype") is not None:
        return params["forward_stype"]
    lhs, rhs = stypes
    if lhs == CSR and rhs in (DEFAULT, RSP) and params.get("transpose_a") \
            and not params.get("transpose_b"):
        return RSP
    if lhs == DEFAULT and rhs == CSR and not params.get("transpose_a"):
        return CSR
    return DEFAULT


def _clip(params):
    low, high = params.get("a_min"), params.get("a_max")
    return (low is None or low <= 0) and (high is None or high >= 0)


def _keeps_csr(name, params, stypes):
    """Whether a csr-first call of slice / take / concat has a csr result."""
    if name == "slice":
        return all(step in (None, 1) for step in params.get("step") or ())
    if name == "take":
        return params.get("axis", 0) == 0
    return name == "Concat" and params.get("dim") == 0 and set(stypes) == {CSR}


def output_stypes(name, params, stypes, shapes, num_outputs):
    """The storage type of each of ``num_outputs`` results of operator ``name`` called on
    inputs of ``stypes`` / ``shapes``; None where every result is dense."""
    if name == "cast_storage":
        return [params["stype"]]
    if name == "Custom":  # the prop's infer_storage_type decides
        outputs = custom.output_stypes(params, stypes)
        return None if all(s == DEFAULT for s in outputs) else outputs
    if name == "dot" and len(stypes) == 2:
        stype = _dot(params, stypes)
        return None if stype == DEFAULT else [stype]
    if all(s == DEFAULT for s in stypes):
        return None
    if name == "BatchNorm" and params.get("fix_gamma"):
        raise MXNetError("BatchNorm: fix_gamma=True is not supported for sparse ndarrays "
                         f"(inputs {list(stypes)}); MXNet tracks this at issue #11647")
    stype = DEFAULT
    first = stypes[0]
    if name in _ZERO_PRESERVING and len(stypes) == 1:
        stype = first
    elif name == "clip" and _clip(params):
        stype = first
    elif name in _SCALAR_AT_ZERO and len(stypes) == 1:
        stype = first if _SCALAR_AT_ZERO[name](params["scalar"]) == 0 else DEFAULT
    elif len(stypes) == 2 and name != "dot" and (name in _ADDITIVE or name in _MULTIPLICATIVE
                                                 or name in ("broadcast_mul", "broadcast_div")):
        stype = _binary(name, stypes, shapes)
    elif name == "_contrib_quadratic" and params.get("c") == 0:
        stype = first
    elif name == "_sparse_retain" and first == RSP:
        stype = RSP
    elif name == "_square_sum" and first == RSP and params.get("keepdims") \
            and tuple(params.get("axis") or ()) in ((1,), (-1,)):
        stype = RSP
    elif name == "add_n" and set(stypes) == {RSP}:
        stype = first
    elif first == CSR and _keeps_csr(name, params, stypes):
        stype = CSR
    return [stype] + [DEFAULT] * (num_outputs - 1)


def graph_stypes(graph, variable_stypes, entry_shapes):
    """The storage type of each head of ``graph`` when its variables have
    ``variable_stypes`` (name -> stype; default dense), propagated node by node."""
    stypes = {}
    for node in graph.nodes:
        if node.op is None:
            stypes[(id(node), 0)] = variable_stypes.get(node.name, DEFAULT)
            continue
        keys = [(id(n), i) for n, i in node.inputs]
        count = node.op.num_outputs(node.params)
        outputs = output_stypes(node.op.name, node.params,
                                [stypes.get(k, DEFAULT) for k in keys],
                                [entry_shapes.get(k) for k in keys], count)
        for i in range(count):
            stypes[(id(node), i)] = DEFAULT if outputs is None else outputs[i]
    return [stypes.get((id(n), i), DEFAULT) for n, i in graph.heads]


def variable_stypes(graph, stype_dict=None):
    """name -> storage type of each variable of ``graph``: ``stype_dict``'s, else the
    variable's ``stype=`` attribute (MXNet's __storage_type__), else dense."""
    stypes = {}
    for node in graph.nodes:
        if node.op is None:
            stypes[node.name] = (stype_dict or {}).get(node.name) or attribute_stype(node.attrs)
    return stypes


def attribute_stype(attrs):
    """The storage type a variable's attributes (``__storage_type__``) give; dense if none."""
    stype = (attrs or {}).get("__storage_type__")
    return _STYPE_OF_ID.get(stype, stype) or DEFAULT


#: MXNet's storage type ids, as a variable's __storage_type__ attribute holds them
ID_OF_STYPE = {DEFAULT: 0, RSP: 1, CSR: 2}
_STYPE_OF_ID = {str(i): stype for stype, i in ID_OF_STYPE.items()}


def gradient_stypes(graph, stypes):
    """name -> storage type of each variable's gradient where MXNet's backward makes it
    sparse: the weight of an Embedding with sparse_grad, the rhs of dot(csr, rhs)."""
    grads = {}
    for node in graph.nodes:
        if node.op is None or len(node.inputs) < 2:
            continue
        (lhs, _), (rhs, _) = node.inputs[0], node.inputs[1]
        embedding = node.op.name == "_contrib_SparseEmbedding" or \
            node.op.name == "Embedding" and node.params.get("sparse_grad")
        if embedding and rhs.op is None:
            grads[rhs.name] = RSP
        elif node.op.name == "dot" and rhs.op is None and lhs.op is None \
                and stypes.get(lhs.name) == CSR and not node.params.get("transpose_a"):
            grads[rhs.name] = RSP
    return grads

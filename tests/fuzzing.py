"""Deterministic mutations of files MXNet 1.9.1 wrote (tests/golden/), and the loaders they
are fed to: shared by tests/test_fuzz_loaders.py and bench/fuzz_loaders.py.

``cases(kind, count, seed)`` yields ``(description, files)`` where ``files`` maps a file
name to its mutated bytes; ``LOADERS[kind](folder)`` loads such files from ``folder``.
A loader may succeed or raise MXNetError; anything else is a bug.
"""
import json
import os
import random
import re

import symjax_mx as mx

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

SYMBOL_SEEDS = ["symbol/mlp-symbol.json", "symbol/lenet-symbol.json",
                "symbol/slice_channel-symbol.json", "symbol/group2-symbol.json",
                "symbol/scalar_arith-symbol.json", "symbol/attr_scope-symbol.json",
                "symbol/old_slice_bn-symbol.json", "symbol/old_convnet-symbol.json",
                "symbol/lstm-symbol.json", "symbol/inception-symbol.json",
                "checkpoint/convnet-symbol.json"]
PARAMS_SEEDS = ["ndarray/dict.params", "ndarray/list.params", "ndarray/legacy_v1.params",
                "ndarray/np_shape_v3.params", "ndarray/scalar_v2.params",
                "ndarray/single.params", "ndarray/sparse_csr.params",
                "checkpoint/mlp-0003.params", "checkpoint/convnet-0003.params"]
CHECKPOINT_SEEDS = ["checkpoint/mlp", "checkpoint/convnet"]
EPOCH = 3

_WORDS = [0, 1, 2, 3, 7, 0x7F, 0x80, 0xFF, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
          2**32, 2**62, 2**63 - 1, 2**64 - 1, 0x112, 0xF993FAC8, 0xF993FAC9, 0xF993FACA]
_STRINGS = ["", "null", "true", "5", "-3", "((", "(", ")", "(0,)", "(-1,)", "(3, -2)",
            "(2**40,)", "(1e400,)", "[]", "None", "relu", "9" * 400, "(" * 5000,
            "x" * 100_000, "(" + "1," * 30_000 + ")", "\u00e9\u4e2d\U0001f600", "\x00",
            "__shape__", "nan", "inf", "((1,2),(3,4))", "{'a': 1}", "lambda: 0",
            "().__class__", "'" * 3, "1" * 5000]
_DEEP = "nested-lists-"
_KEYS = ["__shape__", "__dtype__", "__lr_mult__", "__init__", "__storage_type__",
         "num_hidden", "kernel", "act_type", "num_outputs", "shape", "axis", "dtype",
         "num_args", "no_bias", "scalar", "stride", "pad", "num_filter", "fix_gamma"]


def _read(relative):
    with open(os.path.join(GOLDEN, relative), "rb") as f:
        return f.read()


# --- byte-level mutations --------------------------------------------------------------


def _flip_bits(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def _set_bytes(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if data:
            data[rng.randrange(len(data))] = rng.choice([0, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    return bytes(data)


def _set_word(rng, data):
    if len(data) < 8:
        return data
    width = rng.choice([4, 8])
    at = rng.randrange(0, len(data) - width + 1) & ~3
    word = rng.choice(_WORDS) % (1 << (8 * width))
    return data[:at] + word.to_bytes(width, "little") + data[at + width:]


def _truncate(rng, data):
    return data[:rng.randrange(len(data) + 1)]


def _insert(rng, data):
    at = rng.randrange(len(data) + 1)
    return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 16))) + data[at:]


def _duplicate(rng, data):
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start:start + rng.randint(1, 64)]
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk * rng.randint(1, 50) + data[at:]


def _delete(rng, data):
    if not data:
        return data
    start = rng.randrange(len(data))
    return data[:start] + data[start + rng.randint(1, 32):]


BYTE_MUTATIONS = [_flip_bits, _set_bytes, _set_word, _truncate, _insert, _duplicate, _delete]


def mutate_bytes(rng, data):
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = rng.choice(BYTE_MUTATIONS)(rng, data)
    return data


# --- structural mutations of symbol JSON -----------------------------------------------


def _odd_value(rng):
    choice = rng.randrange(12)
    if choice == 0:
        return rng.choice([0, 1, -1, 2, 7, 2**31, 2**63, -2**70, 10**30])
    if choice == 1:
        return rng.choice([0.5, -1.5, 1e308, float("nan"), float("inf")])
    if choice == 2:
        return rng.choice(_STRINGS)
    if choice == 3:
        return rng.choice([None, True, False])
    if choice == 4:
        return []
    if choice == 5:
        return {}
    if choice == 6:
        return [rng.randrange(-3, 40), rng.randrange(-2, 4), 0]
    if choice == 7:
        return [[rng.randrange(-3, 40), 0, 0]] * rng.randint(1, 5)
    if choice == 8:  # deep nesting, spliced into the text by mutate_json
        return f"{_DEEP}{rng.choice([50, 2000, 100_000])}"
    if choice == 9:
        return {rng.choice(_KEYS): rng.choice(_STRINGS)}
    if choice == 10:
        return ["a", 1, None]
    return rng.choice(_STRINGS)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _paths(item, prefix + (i,))


def _replace(graph, path, value):
    if not path:
        return value
    target = graph
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return graph


def _delete_at(graph, path):
    if not path:
        return graph
    target = graph
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return graph


def mutate_graph(rng, graph):
    """One structural change to a parsed symbol JSON object (changed in place)."""
    choice = rng.randrange(7)
    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    if choice <= 2 or not isinstance(nodes, list) or not nodes:
        path = rng.choice(list(_paths(graph)))
        if rng.random() < 0.2:
            return _delete_at(graph, path)
        return _replace(graph, path, _odd_value(rng))
    node = rng.choice(nodes)
    if not isinstance(node, dict):
        return graph
    if choice == 3:  # an attribute with an odd key or value
        attrs = node.setdefault("attrs", {})
        if isinstance(attrs, dict):
            attrs[rng.choice(_KEYS + list(attrs))] = rng.choice(_STRINGS)
    elif choice == 4:  # an input pointing anywhere, a cycle included
        inputs = node.get("inputs")
        if isinstance(inputs, list) and inputs:
            inputs[rng.randrange(len(inputs))] = [rng.randrange(-2, len(nodes) + 2),
                                                  rng.randrange(-1, 3), 0]
    elif choice == 5:  # a node under another name, or another node's name
        other = rng.choice(nodes)
        if isinstance(other, dict):
            node["name"] = other.get("name") if rng.random() < 0.5 else rng.choice(_STRINGS)
    else:  # another operator
        node["op"] = rng.choice(["null", "FullyConnected", "Convolution", "Activation",
                                 "elemwise_add", "Concat", "SliceChannel", "BatchNorm",
                                 "_Plus", "NoSuchOp", "Custom", "Reshape", "softmax"])
    return graph


def mutate_json(rng, data):
    if rng.random() < 0.35:
        return mutate_bytes(rng, data)
    graph = json.loads(data)
    for _ in range(rng.choice([1, 1, 2, 3])):
        graph = mutate_graph(rng, graph)
    text = re.sub(f'"{_DEEP}(\\d+)"', lambda m: "[" * int(m[1]) + "]" * int(m[1]),
                  json.dumps(graph))
    if rng.random() < 0.1:  # not UTF-8
        return text.encode("latin-1", "replace") + b"\xff\xfe"
    return text.encode()


# --- cases -----------------------------------------------------------------------------


def cases(kind, count, seed=0):
    """``count`` mutated files of ``kind`` ('symbol', 'params' or 'checkpoint')."""
    rng = random.Random(f"{kind}-{seed}")
    for i in range(count):
        if kind == "symbol":
            source = rng.choice(SYMBOL_SEEDS)
            yield f"{i}: {source}", {"model-symbol.json": mutate_json(rng, _read(source))}
        elif kind == "params":
            source = rng.choice(PARAMS_SEEDS)
            yield f"{i}: {source}", {"model.params": mutate_bytes(rng, _read(source))}
        else:
            prefix = rng.choice(CHECKPOINT_SEEDS)
            symbol = _read(prefix + "-symbol.json")
            params = _read(f"{prefix}-{EPOCH:04d}.params")
            which = rng.randrange(3)
            if which != 1:
                symbol = mutate_json(rng, symbol)
            if which != 0:
                params = mutate_bytes(rng, params)
            yield f"{i}: {prefix} ({['symbol', 'params', 'both'][which]})", {
                "model-symbol.json": symbol, f"model-{EPOCH:04d}.params": params}


def _load_symbol(folder):
    symbol = mx.sym.load(os.path.join(folder, "model-symbol.json"))
    symbol.list_arguments()
    symbol.list_auxiliary_states()
    symbol.infer_shape_partial()
    symbol.infer_type()
    symbol.tojson()


def _load_params(folder):
    mx.nd.load(os.path.join(folder, "model.params"))


def _load_checkpoint(folder):
    # no data or label names: a mutation may rename 'data' (MXNet's Module then raises
    # ValueError, as ours does), and every argument is then a parameter
    module = mx.mod.Module.load(os.path.join(folder, "model"), EPOCH, data_names=(),
                                label_names=())
    module.symbol.infer_shape_partial()


LOADERS = {"symbol": _load_symbol, "params": _load_params, "checkpoint": _load_checkpoint}

"""``Block.save`` / ``Block.load``: a model's block structure (names, traced graphs of
hybridized blocks) as ``<prefix>-model.json`` beside its ``<prefix>-model.params``, in
MXNet 1.9.1's layout: each block is keyed by its lower-cased class name and its position in
a depth-first walk, and remembers its name and its children's names in the parent."""
import json

from .. import symbol


def _hybrid_state(block):
    """The traced graph of a HybridBlock, as MXNet records it ({} for a plain Block)."""
    if not hasattr(block, "_cached_graph"):
        return {}
    if not block._cached_graph:
        return {"hybridized": False}
    inputs, out = block._cached_graph
    return {"in_format": block._in_format, "out_format": block._out_format,
            "inputs": [sym.tojson() for sym in inputs], "symbol": out.tojson(),
            "hybridized": True}


def save(block, prefix):
    """Write ``prefix-model.json`` (structure) and ``prefix-model.params``."""
    index = [0]

    def describe(blk, structure):
        entry = {"orig_name": blk.name, **_hybrid_state(blk)}
        structure[type(blk).__name__.lower() + str(index[0])] = entry
        children = entry["children"] = {}
        for key, child in blk._children.items():
            index[0] += 1
            children[child.name] = key
            describe(child, entry)

    model = {}
    describe(block, model)
    with open(prefix + "-model.json", "w") as fp:
        json.dump(model, fp)
    block.save_parameters(prefix + "-model.params")


def load(block, prefix):
    """Restore names, children's keys and traced graphs from ``prefix-model.json`` onto a
    block built the same way, then load ``prefix-model.params``."""
    with open(prefix + "-model.json") as fp:
        model = json.load(fp)
    index = [0]

    def restore(blk, structure):
        key = type(blk).__name__.lower() + str(index[0])
        if key not in structure:
            raise ValueError(f"Block.load: the saved model has no block '{key}'; the model "
                             "must be built in the same order as when it was saved")
        entry = structure[key]
        blk._name = entry["orig_name"]
        if entry.get("hybridized"):
            blk._in_format = entry["in_format"]
            blk._out_format = entry["out_format"]
            blk._cached_graph = ([symbol.load_json(s) for s in entry["inputs"]],
                                 symbol.load_json(entry["symbol"]))
            blk._cached_op = None
            blk._active = True
        params = blk.params._params
        for name in list(params):
            param = params.pop(name)
            params[blk.name + "_" + name[len(blk.params.prefix):]] = param
        for child in blk._children.values():
            index[0] += 1
            restore(child, entry)
        saved_keys = entry["children"]
        for name in list(blk._children):
            child = blk._children.pop(name)
            blk._children[saved_keys[child.name]] = child

    restore(block, model)
    block.load_parameters(prefix + "-model.params")

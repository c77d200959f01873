"""Inference and training programs of graphs with 2-D NCHW convolutions computed channels-last (NHWC).

XLA's CPU backend convolves in NHWC: every NCHW convolution pays a transposition of its
input and of its output (and BatchNorm, pooling and the activations between two
convolutions then run on NCHW arrays). Here a value may be *stored* transposed to NHWC
while it still means the NCHW array the graph defines: convolutions, BatchNorm, pooling,
concatenation along the channels and element-wise operators compute on stored-NHWC
values directly (their layout or axis parameter moved to the last axis), and any other
operator, and every head, gets its NHWC inputs transposed back first. So a network
transposes its data once at the start and once where its features leave the image
layout (before Flatten or a FullyConnected). Results equal the NCHW evaluation up to
rounding. Training programs (``is_train`` True) run channels-last too, their gradients
then NHWC as well: LeNet's training step took 0.85x the CPU time of the NCHW program
(bench/conv_train.py).

Measured with bench/zoo_inference.py's networks (batch 2, 2 shared cores): ResNet-18 0.65x
and Inception-v3 0.73x the time of the NCHW program; most of ResNet-18's gain is the
weights transposed once (``PreparedWeights``) instead of on every call.
"""
from .. import x64
from ..ops.conv import is_pointwise
from . import pad_first
from .errors import node_scope

_TO_LAST, _TO_FIRST = (0, 2, 3, 1), (0, 3, 1, 2)
_OIHW_TO_HWIO, _HWIO_TO_OHWI = (2, 3, 1, 0), (3, 0, 1, 2)

# Operators applied element by element (with scalar parameters only): any layout serves.
_ELEMENTWISE = frozenset((
    "Activation", "relu", "sigmoid", "tanh", "softsign", "clip", "abs", "square", "sqrt",
    "exp", "log", "negative", "Cast", "identity", "_copy", "BlockGrad", "stop_gradient",
    "_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
    "_rdiv_scalar", "_maximum_scalar", "_minimum_scalar", "_power_scalar",
    "elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "add_n",
))
_LEAKY_KINDS = ("leaky", "elu", "selu", "gelu")  # not prelu (a per-channel slope input)


def applies(nodes):
    """Whether a graph has a 2-D convolution in NCHW layout (the rewrite's reason to be)."""
    return any(node.op is not None and node.op.name == "Convolution"
               and _nchw(node.params.get("layout")) and len(node.params["kernel"]) == 2
               for node in nodes)


def _nchw(layout):
    return layout in (None, "NCHW")


def channels_last_conv(node):
    """Whether ``node`` is a 2-D NCHW Convolution, which inference programs run NHWC."""
    return (node.op is not None and node.op.name == "Convolution"
            and _nchw(node.params.get("layout")) and len(node.params["kernel"]) == 2)


def prepared_weights(nodes, heads, skip=()):
    """Names of the variables read only as the weight of channels-last convolutions other
    than 1x1 ones: an inference program can take them already laid out as XLA convolves,
    (kh, kw, I, O). (A 1x1 convolution is a dot product with its (O, I, 1, 1) weight as
    it is, the (O, I) matrix.) Convolutions whose ids are in ``skip`` do not count."""
    readers = {}
    for node in nodes:
        for position, (source, _) in enumerate(node.inputs):
            if source.op is None:
                readers.setdefault(source.name, []).append(
                    position == 1 and channels_last_conv(node) and id(node) not in skip
                    and not is_pointwise(node.params))
    outputs = {source.name for source, _ in heads if source.op is None}
    return tuple(sorted(name for name, weights in readers.items()
                        if all(weights) and name not in outputs))


class PreparedWeights:
    """The (kh, kw, I, O) copies of convolution weights for inference programs, each made
    once per weight array: a weight set again (a new array) is transposed again. XLA
    would otherwise transpose every (O, I, kh, kw) weight on every call (half of
    ResNet-18's batch-2 inference time on the shared 2-core host)."""

    def __init__(self, names):
        self.names = names
        self._copies = {}  # name -> (the weight array, its transposed copy)
        self._transpose = x64.jit(lambda w: w.transpose(_OIHW_TO_HWIO))

    def __call__(self, args):
        """``args`` with the named weights replaced by their (kh, kw, I, O) copies."""
        args = dict(args)
        for name in self.names:
            weight = args[name]
            cached = self._copies.get(name)
            if cached is None or cached[0] is not weight:
                cached = self._copies[name] = (weight, self._transpose(weight))
            args[name] = cached[1]
        return args


def _rule(node, params, entries, is_last, is_train):
    """(params, entry index -> 'last' or 'first') to run ``node`` channels-last with, or
    None where it must see NCHW inputs. ``is_last[i]``: entry i is stored NHWC. A training
    Dropout draws its mask in NCHW, so that its random values do not depend on the layout."""
    name, four = node.op.name, [e.ndim == 4 for e in entries]
    if not any(is_last) and name != "Convolution":
        return None
    if name == "Convolution":
        if not (_nchw(params["layout"]) and len(params["kernel"]) == 2 and four[0]):
            return None
        return {**params, "layout": "NHWC"}, {0: "last", 1: "weight"}
    if name == "BatchNorm":
        if not (is_last[0] and params["axis"] in (1, -3)):
            return None
        return {**params, "axis": 3}, {0: "last"}
    if name == "Pooling":
        if not (is_last[0] and _nchw(params["layout"])):
            return None
        return {**params, "layout": "NHWC"}, {0: "last"}
    if name == "Concat":
        if not (all(four) and params["dim"] in (1, -3)):
            return None
        return {**params, "dim": 3}, {i: "last" for i in range(len(entries))}
    if (name == "Dropout" and params["mode"] == "training" and not is_train) or (
            name in _ELEMENTWISE) or (
            name == "LeakyReLU" and params["act_type"] in _LEAKY_KINDS):
        if not (all(four) and len({e.shape for e in entries}) == 1):
            return None
        return params, {i: "last" for i in range(len(entries))}
    return None


def _per_position(node):
    """Whether an inference ``node`` computes each position of its one data input on its
    own, whatever the layout (``pad_first``): a BatchNorm over the channels with variable
    parameters, a unary element-wise operator."""
    name, params = node.op.name, node.params
    if name == "BatchNorm":
        return (params["axis"] in (1, -3) and not params["output_mean_var"]
                and all(source.op is None for source, _ in node.inputs[1:]))
    return len(node.inputs) == 1 and (name in _ELEMENTWISE or (
        name == "LeakyReLU" and params["act_type"] in _LEAKY_KINDS))


def _as(value, stored_last, want):
    """``value`` (stored NHWC, or (kh, kw, I, O) for a weight, when ``stored_last``) in the
    layout ``want`` names."""
    if want == "weight":  # Convolution's NHWC weight is (O, kh, kw, I)
        return value.transpose(_HWIO_TO_OHWI if stored_last else _TO_LAST)
    if want == "last":
        return value if stored_last else value.transpose(_TO_LAST)
    return value.transpose(_TO_FIRST) if stored_last else value


def pooled_first(nodes, heads):
    """{id(convolution): pooling node} for each 1x1 unstrided NCHW Convolution read only by
    an average Pooling (a sum if the convolution has no bias) with windows as wide as their
    stride and no padding: both are linear per position, so pooling first gives the same
    values up to rounding with the convolution's work divided by the window size
    (DenseNet's transitions)."""
    readers = {}
    for node in nodes:
        for source, _ in node.inputs:
            readers.setdefault(id(source), []).append(node)
    outputs = {id(source) for source, _ in heads}
    found = {}
    for node in nodes:
        if node.op is None or node.op.name != "Pooling" or not node.inputs:
            continue
        conv, params = node.inputs[0][0], node.params
        if (conv.op is not None and channels_last_conv(conv) and is_pointwise(conv.params)
                and max(conv.params["stride"] or (1,)) == 1 and id(conv) not in outputs
                and readers[id(conv)] == [node] and (params["pool_type"] == "avg" or (
                    params["pool_type"] == "sum" and conv.params["no_bias"]))
                and not params["global_pool"] and _nchw(params["layout"])
                and len(params["kernel"]) == 2 and tuple(params["stride"]) == params["kernel"]
                and max(params["pad"] or (0,)) == 0):
            found[id(conv)] = node
    return found


def run(lowered, args, aux, rng, prepared=(), folds=(), is_train=False):
    """(heads, new aux) of ``lowered(args, aux, rng, is_train)`` (a ``LoweredGraph``)
    computed channels-last; the arguments named in ``prepared`` come as ``PreparedWeights``
    made them, and each of ``folds`` (``bn_fold.Fold``, inference only) whose folded arrays
    ``args`` holds is one convolution. Pooling before a 1x1 convolution and a depthwise
    convolution's padding before the 1x1 convolution feeding it (``pad_first``) are
    inference rewrites too."""
    values, last = {}, set()  # last: (id(node), output index) stored NHWC or (kh, kw, I, O)
    new_aux = dict(aux)
    folded = {id(node): fold for fold in folds if fold.keys()[0] in args
              for node in (fold.conv, fold.bn)}
    pools = {} if is_train else pooled_first(lowered.nodes, lowered.heads)
    chains = {} if is_train else pad_first.chains(lowered.nodes, lowered.heads,
                                                  channels_last_conv, _per_position)
    padded = set()  # id(depthwise convolution) whose 1x1 convolution padded its data
    deferred = {}  # id(pooling) -> (convolution, its params, entries, stored), pooled first
    for node in lowered.nodes:
        if node.op is None:
            values[id(node)] = (args[node.name] if node.name in args else aux[node.name],)
            if node.name in prepared:
                last.add((id(node), 0))
            continue
        fold, params = folded.get(id(node)), lowered.params[id(node)]
        if fold is not None and node is fold.bn:  # its convolution computed it
            values[id(node)] = values[id(fold.conv)]
            if (id(fold.conv), 0) in last:
                last.add((id(node), 0))
            continue
        target, split = node, node.num_inputs()
        if id(node) in deferred:  # pool the convolution's data, then convolve
            node, conv_params, conv_entries, conv_stored = deferred.pop(id(node))
            (pooled,), _, pooled_last = _apply(lowered, target, params, conv_entries[:1],
                                               conv_stored[:1], 1, rng, is_train)
            entries, stored = [pooled] + conv_entries[1:], [pooled_last] + conv_stored[1:]
            params, split = conv_params, len(entries)
        else:
            refs = [(id(n), i) for n, i in node.inputs]
            entries = [values[r[0]][r[1]] for r in refs]
            stored = [r in last for r in refs]
            pool = pools.get(id(node))
            if pool is not None and _whole_windows(entries[0], stored[0],
                                                   pool.params["kernel"]):
                deferred[id(pool)] = (node, params, entries, stored)
                continue
            chain = chains.get(id(node))
            if chain is not None:
                data = _as(entries[0], stored[0], "last")
                if node is chain.pointwise and pad_first.grows_little(data, chain.pad):
                    entries[0], stored[0] = pad_first.padded(data, chain.pad), True
                    padded.add(id(chain.depthwise))
                elif id(node) in padded:
                    entries[0], stored[0] = pad_first.border_zeroed(data, chain.pad), True
                    params = {**params, "pad": (0,) * len(chain.pad)}
        if fold is not None:  # the convolution with the folded weight and bias
            entries = [entries[0]] + [args[key] for key in fold.keys()]
            stored = [stored[0], not is_pointwise(params), False]
            split, params = 3, {**params, "no_bias": False}
        outputs, updated, stored_last = _apply(lowered, node, params, entries, stored, split,
                                               rng, is_train)
        values[id(target)] = tuple(outputs)
        if is_train:
            new_aux.update((state.name, value) for (state, _), value in
                           zip(node.inputs[split:], updated) if state.op is None)
        if stored_last:
            last.update((id(target), i) for i, o in enumerate(outputs) if o.ndim == 4)
    heads = [_as(values[id(n)][i], (id(n), i) in last, "first") for n, i in lowered.heads]
    return heads, new_aux


def _apply(lowered, node, params, entries, stored, split, rng, is_train):
    """(outputs, updated auxiliary states, whether the outputs are stored NHWC) of ``node``
    with ``params`` on ``entries`` (``stored[i]``: entry i is stored NHWC, or (kh, kw, I, O)
    for a weight)."""
    plan = _rule(node, params, entries[:split], stored[:split], is_train)
    if plan is None:
        wants = {}
    else:
        params, wants = plan
    inputs = [_as(e, s, wants.get(i, "first")) for i, (e, s) in enumerate(zip(entries, stored))]
    with node_scope(node):
        outputs, updated = node.op.compute(inputs[:split], inputs[split:], params, is_train,
                                           lowered.node_key(node, rng))
    return outputs, updated, plan is not None


def _whole_windows(value, stored_last, kernel):
    """Whether ``value`` is 4-D with spatial sizes that are multiples of ``kernel``."""
    sizes = value.shape[1:3] if stored_last else value.shape[2:]
    return value.ndim == 4 and all(n % k == 0 for n, k in zip(sizes, kernel))

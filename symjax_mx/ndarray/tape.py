"""The autograd tape: the recording state and the nodes NDArray operations append.

Under ``autograd.record()`` every registry operator applied to NDArrays appends a
`TapeNode` (operator, parsed params, input entries, train flag, and the PRNG key a
random operator drew) when one of its inputs is on the tape; each result remembers its
entry ``(node, output index)`` in ``NDArray._entry``. Leaves are attached variables
(with their gradient buffer and request) and captured constants: the NDArray itself,
read when the backward runs, since MXNet's saved inputs share memory with the array.
What a backward does with the tape lives in ``symjax_mx.autograd``.
"""
import threading

from ..base import MXNetError
from ..ops import get_op

__all__ = ["STATE", "TapeNode", "on_tape", "variable", "record", "record_view",
           "record_alias", "record_assign", "check_assignable", "check_in_place"]

NOT_IN_GRAPH = ("Cannot differentiate node because it is not in a computational graph. You "
                "need to set is_recording to true or use autograd.record() to save "
                "computational graphs for backward. If you want to differentiate the same "
                "graph twice, you need to pass retain_graph=True to backward.")

IN_GRAPH = ("Assigning to NDArrays that are already in a computational graph will cause "
            "undefined behavior when evaluating gradients. Please call backward first to "
            "clear the graph or do this outside of a record section. Also note that you "
            "cannot use inplace operations like +=, *=, relu(x, out=x), y[idx]=x, etc "
            "inside a record section.")

INPLACE = ("Inplace operations (+=, -=, x[:]=, etc) are not supported when recording with "
           "autograd.")


class _State(threading.local):
    """Per-thread flags, as MXNet keeps them: recording and training are independent."""
    recording = False
    training = False


STATE = _State()
BACKWARD = []  # mx.autograd installs its backward(heads, head_grads, retain_graph, train_mode)


def backward(heads, head_grads, retain_graph, train_mode):
    """mx.autograd.backward, for NDArray.backward (autograd sits above ndarray)."""
    if not BACKWARD:
        raise MXNetError("backward needs mx.autograd, which is not imported")
    BACKWARD[0](heads, head_grads, retain_graph, train_mode)


class TapeNode:
    """One recorded operation, or a leaf (``op`` is None): a variable or a constant."""

    __slots__ = ("op", "params", "traced", "params_key", "inputs", "is_train", "key", "array",
                 "value", "outputs", "grad", "grad_req", "fresh", "freed")

    def __init__(self, op=None, params=None, inputs=(), is_train=False, key=None, array=None,
                 value=None, outputs=None):
        self.op = op
        if params:
            self.params = params
            traced = op.traced_params
            # scalars an imperative call passes at run time: a program takes them as arguments
            self.traced = tuple((k, v) for k, v in params.items() if k in traced)
            self.params_key = (_hashable({k: v for k, v in params.items() if k not in traced}),
                               tuple(k for k, _ in self.traced))
        else:
            self.params, self.traced, self.params_key = {}, (), _NO_PARAMS_KEY
        self.inputs = tuple(inputs)   # (TapeNode, output index) entries
        self.is_train = is_train
        self.key = key                # the PRNG key a random operator used
        self.array = array            # a leaf's NDArray (its value is read at backward)
        self.value = value            # a leaf's fixed jax value (keys of random operators)
        self.outputs = outputs        # an operation's results (jax values), when recorded
        self.grad = None              # a variable's gradient buffer (None for 'null')
        self.grad_req = None          # a variable's request: 'write', 'add' or 'null'
        self.fresh = False            # gradient written since the flag was last reset
        self.freed = False            # a backward without retain_graph consumed it

    @property
    def is_variable(self):
        return self.grad_req is not None

    def leaf_value(self):
        return self.value if self.array is None else self.array._read()


_NO_PARAMS_KEY = ((), ())


def _hashable(params):
    items = tuple(params.items())
    try:
        hash(items)
        return items
    except TypeError:
        return repr(items)


def variable(array, grad, grad_req):
    """Make ``array`` a variable of the tape with gradient buffer ``grad``."""
    if grad_req not in ("write", "add", "null"):
        raise MXNetError(f"grad_req must be 'write', 'add' or 'null', got {grad_req!r}")
    node = TapeNode(array=array)
    node.grad, node.grad_req = grad, grad_req
    array._entry = (node, 0)


def on_tape(array):
    """Whether ``array`` is on a graph that no backward has freed."""
    entry = array._entry
    return entry is not None and not entry[0].freed


def _entry_of(array):
    """The array's entry; an array not on the tape joins it as a constant, as in MXNet (so
    writing into it while recording is an error until a backward frees the graph)."""
    if not on_tape(array):
        array._entry = (TapeNode(array=array), 0)
    return array._entry


def record(op, params, inputs, outputs, is_train, key=None, values=None):
    """Append a node for ``op`` when an input is on the tape; ``outputs`` get its entries.
    ``values`` are the operation's results, kept so that a backward need not recompute
    them."""
    live = [on_tape(x) for x in inputs]
    if True not in live:
        return
    entries = [x._entry if is_live else _entry_of(x) for x, is_live in zip(inputs, live)]
    node = TapeNode(op, params, entries, is_train, key,
                    outputs=None if values is None else tuple(values))
    for index, out in enumerate(outputs):
        out._entry = (node, index)


_RESHAPE = get_op("Reshape")
_NP_RESHAPE = get_op("_np_reshape")
_SLICE = get_op("slice")
_BROADCAST_TO = get_op("broadcast_to")


def _reshape(entry, shape):
    if 0 in shape:  # Reshape reads 0 as "keep this axis"; NumPy's reshape as a length
        return TapeNode(_NP_RESHAPE, _NP_RESHAPE.parse_params({"newshape": shape}), [entry]), 0
    return TapeNode(_RESHAPE, _RESHAPE.parse_params({"shape": shape}), [entry]), 0


def record_view(source, view, offset):
    """While recording, a view of a recorded array records how it reads ``source``: the
    span ``[offset, offset + view.size)`` of its flattened value, in the view's shape
    (MXNet's Reshape, and slice for a sub-span, which may be empty)."""
    if not STATE.recording or not on_tape(source):
        return
    entry = source._entry
    if view.size != source.size:
        if source.ndim != 1:
            entry = _reshape(entry, (-1,))
        params = {"begin": (offset,), "end": (offset + view.size,)}
        entry = TapeNode(_SLICE, _SLICE.parse_params(params), [entry]), 0
    if view.shape != (view.size,) or view.size == source.size:
        entry = _reshape(entry, view.shape)
    view._entry = entry


def record_alias(target, source):
    """While recording, ``target`` (a copy or a full overwrite) takes ``source``'s entry."""
    if STATE.recording:
        target._entry = source._entry


def record_assign(target, source, selection):
    """While recording, ``target[key] = source`` where ``selection`` is ``target[key]``
    (a recorded array, broadcast to the selection's shape, read in the target's);
    assigning it into part of the target is MXNet's in-place error."""
    if not STATE.recording or not on_tape(source):
        return
    if selection.size != target.size:
        raise MXNetError(INPLACE)
    entry, ndim = source._entry, selection.ndim
    # numpy broadcasting: leading axes of size 1 dropped or added
    shape = (1,) * (ndim - source.ndim) + source.shape[max(source.ndim - ndim, 0):]
    if shape != source.shape:
        entry = _reshape(entry, shape)
    if shape != selection.shape:
        params = _BROADCAST_TO.parse_params({"shape": selection.shape})
        entry = TapeNode(_BROADCAST_TO, params, [entry]), 0
    if selection.shape != target.shape:
        entry = _reshape(entry, target.shape)
    target._entry = entry


def check_assignable(array):
    """Writing into ``array`` while recording is an error while it is on a live graph."""
    if STATE.recording and on_tape(array):
        raise MXNetError(IN_GRAPH)


def check_in_place(inputs, targets):
    """An operation recorded while recording may not write into one of its inputs."""
    if STATE.recording and any(on_tape(x) for x in inputs) and any(
            t is x for t in targets for x in inputs):
        raise MXNetError(INPLACE)

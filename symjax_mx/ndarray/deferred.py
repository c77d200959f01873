"""Results of recorded operations, computed when first needed.

Under ``autograd.record()`` an operator whose inputs are on the tape does not run at
once: its outputs are `Deferred` values (shape and dtype known, from the operator's
rules). The backward that reaches them computes the forward and the gradients in one
program and fills them in; reading one before that (``asnumpy``, an unrecorded
operation, ...) runs its operator then, as an imperative call would have. A deferred
call computes from the values its inputs had when it was made; a backward fills it only
while no array on the tape has been written since (MXNet's backward reads a variable's
new value, which the recorded results must not see).

A backward may itself be deferred (`ProgramCall`): its gradients, updated auxiliary
states and the forward results it fills wait until read, or until the optimizer update
that consumes the gradients runs the backward inside its own program (one program per
training step). ``waitall`` runs the backward passes still waiting (`run_pending`).
"""
import threading
import weakref

import jax

__all__ = ["Deferred", "ProgramCall", "defer", "pending", "fillable", "values", "fill",
           "note_write", "run_pending"]

_writes = 0  # how many times an array on the tape has been written
_waiting_programs = weakref.WeakSet()  # ProgramCalls not run yet
_waiting_lock = threading.Lock()


class _Call:
    """One deferred operator call: a function of its inputs' values (jax arrays or
    `Deferred`), and the outputs it fills."""

    __slots__ = ("compute", "inputs", "outputs", "writes")

    def __init__(self, compute, inputs):
        self.compute = compute
        self.inputs = inputs
        self.outputs = ()
        self.writes = _writes

    def run(self):
        datas = [x.force() if type(x) is Deferred else x for x in self.inputs]
        fill(self.outputs, self.compute(datas))


class ProgramCall(_Call):
    """A deferred run of ``program`` (a jitted function) on ``args``: its outputs are the
    leaves of the program's result, in ``jax.tree_util.tree_leaves`` order. A larger
    program may call ``program`` inside itself and `fill` the outputs, and may reuse the
    memory of ``spent``: buffers that its outputs replace and nothing else reads."""

    __slots__ = ("program", "args", "spent", "__weakref__")

    def __init__(self, program, args, spent=()):
        super().__init__(None, ())
        self.program, self.args, self.spent = program, args, spent
        with _waiting_lock:
            _waiting_programs.add(self)

    def run(self):
        fill(self.outputs, jax.tree_util.tree_leaves(self.program(*self.args)))


def run_pending():
    """Run every deferred program whose outputs are still to be computed."""
    with _waiting_lock:
        calls = list(_waiting_programs)
    for call in calls:
        if pending(call.outputs):
            call.run()


class Deferred:
    """An operator output not computed yet; ``force()`` computes it (and its siblings)."""

    __slots__ = ("shape", "dtype", "value", "call")

    def __init__(self, shape, dtype, call):
        self.shape = shape
        self.dtype = dtype
        self.value = None
        self.call = call

    def force(self):
        if self.value is None:
            self.call.run()
        return self.value


def defer(compute, inputs, avals):
    """`Deferred` outputs of shapes and dtypes ``avals`` for ``compute(input values)``."""
    call = _Call(compute, inputs)
    call.outputs = tuple(Deferred(tuple(a.shape), a.dtype, call) for a in avals)
    return call.outputs


def pending(outputs):
    """Whether ``outputs`` (a recorded node's results) are still to be computed."""
    first = outputs[0] if outputs else None
    return type(first) is Deferred and first.value is None


def fillable(outputs):
    """Whether a backward may compute pending ``outputs``: no array on the tape has been
    written since their call was made."""
    return outputs[0].call.writes == _writes


def note_write():
    """An array on the tape was written."""
    global _writes
    _writes += 1


def values(outputs):
    """The computed values of ``outputs`` (jax arrays or filled `Deferred`)."""
    return tuple(v.value if type(v) is Deferred else v for v in outputs)


def fill(outputs, results):
    """Give the `Deferred` ``outputs`` of one call their values ``results``."""
    call = outputs[0].call if outputs else None
    if type(call) is ProgramCall:
        with _waiting_lock:
            _waiting_programs.discard(call)
    for out, value in zip(outputs, results):
        out.value = value
        out.call = None

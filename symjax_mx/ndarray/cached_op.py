"""mx.nd.CachedOp: a Symbol called like a function on NDArrays."""
from ..base import MXNetError
from .ndarray import NDArray, invoke


class CachedOp:
    """Runs ``sym`` on NDArrays given in ``sym.list_inputs()`` order, operator by operator
    (each compiled once per shape, and recorded under ``autograd.record()``)."""

    def __init__(self, sym, flags=()):
        self._symbol = sym
        self._input_names = sym.list_inputs()
        self.flags = dict(flags)

    def __call__(self, *args, out=None, default_ctx=None):
        del default_ctx  # the inputs' context is used, as MXNet does when there are inputs
        if len(args) != len(self._input_names) or not all(
                isinstance(a, NDArray) for a in args):
            raise MXNetError(f"CachedOp takes {len(self._input_names)} NDArrays "
                             f"{self._input_names}, got {len(args)} arguments")
        graph = self._symbol.graph
        values = dict(zip(self._input_names, args))
        results = {}
        for node in graph.nodes:
            if node.op is None:
                results[id(node)] = [values[node.name]]
                continue
            result = invoke(node.op, [results[id(n)][i] for n, i in node.inputs], node.params)
            results[id(node)] = list(result) if isinstance(result, (list, tuple)) else [result]
        outputs = [results[id(n)][i] for n, i in graph.heads]
        if out is not None:
            targets = out if isinstance(out, (list, tuple)) else [out]
            for target, value in zip(targets, outputs):
                target[:] = value
            return out
        return outputs[0] if len(outputs) == 1 else outputs

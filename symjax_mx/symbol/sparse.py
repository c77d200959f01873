"""mx.sym.sparse: the operators MXNet lists for sparse storage (the same registry operators
as mx.sym; storage types are decided when the graph runs on arrays)."""
from ..ops import get_op
from ..ops.sparse import SPARSE_NAMESPACE
from .register import op_function

for _public, _name in SPARSE_NAMESPACE.items():
    globals()[_public] = op_function(get_op(_name), _public)

"""MXNet's engine controls (mxnet.engine). Work is dispatched asynchronously by XLA, which
needs no bulking hint: the bulk size is remembered and returned, as MXNet's API does."""
import contextlib

_bulk_size = [15]  # MXNet's default MXNET_EXEC_BULK_EXEC_MAX_NODE_TRAIN


def set_bulk_size(size):
    """Set the number of operations bulked together; return the previous size."""
    previous = _bulk_size[0]
    _bulk_size[0] = int(size)
    return previous


@contextlib.contextmanager
def bulk(size):
    """Scope with bulk size ``size``; the previous size comes back on exit."""
    previous = set_bulk_size(size)
    try:
        yield
    finally:
        set_bulk_size(previous)

"""Errors pending on arrays, raised when a value is read (MXNet's engine exceptions).

An imperative call whose parameters fail a check that MXNet makes inside the kernel
does not raise: its outputs are placeholders carrying the error in a shared cell, and
so is every array computed from them. Reading any of them (``wait_to_read``,
``asnumpy``) raises its error and, as MXNet's engine does, clears every pending error;
``waitall`` raises the first pending error and clears them all.
"""
import weakref

import jax.numpy as jnp

# id(NDArray) -> (weak reference to it, cell); a cell is a one-item list [error or None].
# Keyed by identity: NDArray's == is elementwise.
_CELLS = {}
_UNREAD = []  # cells waitall has not cleared yet


def _lookup(array):
    entry = _CELLS.get(id(array))
    return entry[1] if entry is not None and entry[0]() is array else None


def _cell(array):
    cell = _lookup(array)
    if cell is None and array._base is not None:
        cell = _lookup(array._base)
    return cell if cell is not None and cell[0] is not None else None


def _set(array, cell):
    key = id(array)
    _CELLS[key] = (weakref.ref(array, lambda _: _CELLS.pop(key, None)), cell)


def cell_of(inputs, error=None):
    """The cell the outputs of a call carry: a new one for ``error``, else the first live
    cell among ``inputs``, else None."""
    if error is not None:
        cell = [error]
        _UNREAD.append(cell)
        return cell
    if not _CELLS:
        return None
    for array in inputs:
        cell = _cell(array)
        if cell is not None:
            return cell
    return None


def attach(arrays, cell):
    """Make ``arrays`` carry ``cell``."""
    for array in arrays:
        _set(array, cell)


def follow(source, target):
    """Make ``target``, a copy of ``source``, carry the error ``source`` carries."""
    cell = cell_of([source])
    if cell is not None:
        _set(target, cell)


def placeholders(op, params, inputs):
    """Zero outputs of the shapes and dtypes the operator's rules infer for ``inputs``."""
    _, shapes = op.infer_shape(params, [tuple(x.shape) for x in inputs])
    _, dtypes = op.infer_type(params, [x.dtype for x in inputs])
    return tuple(jnp.zeros(shape, dtype) for shape, dtype in zip(shapes, dtypes))


def _clear_all():
    """Clear every pending error; the first one, or None."""
    errors = [cell[0] for cell in _UNREAD if cell[0] is not None]
    for cell in _UNREAD:
        cell[0] = None
    _UNREAD.clear()
    return errors[0] if errors else None


def raise_pending(array):
    """Raise the error ``array`` carries. As with MXNet's engine, raising one error clears
    every pending one (reading an array that failed earlier then succeeds)."""
    if not _CELLS:
        return
    cell = _cell(array)
    if cell is not None:
        error = cell[0]
        _clear_all()
        raise error


def raise_first():
    """Raise the first error still pending on any array, and clear them all."""
    error = _clear_all() if _UNREAD else None
    if error is not None:
        raise error

"""MXNet's checkpoint files: ``prefix-symbol.json`` + ``prefix-%04d.params`` with 'arg:' and
'aux:' keys (published as ``mx.model``'s functions)."""
import logging

from . import ndarray as nd
from . import symbol as sym
from .base import MXNetError
from .context import cpu

__all__ = ["load_checkpoint", "load_params", "read_params", "save_checkpoint", "save_params"]


def save_params(fname, arg_params, aux_params):
    """Write parameters to ``fname`` as MXNet does: 'arg:<name>' and 'aux:<name>' keys."""
    arrays = {f"arg:{k}": v.as_in_context(cpu()) for k, v in arg_params.items()}
    arrays.update({f"aux:{k}": v.as_in_context(cpu()) for k, v in aux_params.items()})
    nd.save(fname, arrays)


def read_params(fname):
    """(arg_params, aux_params) from a file written by save_params."""
    loaded = nd.load(fname)
    if not isinstance(loaded, dict):
        raise MXNetError(f"{fname} holds unnamed arrays; parameter files name them "
                         f"'arg:<name>' and 'aux:<name>'")
    arg_params, aux_params = {}, {}
    for key, value in loaded.items():
        kind, _, name = key.partition(":")
        if kind == "arg":
            arg_params[name] = value
        elif kind == "aux":
            aux_params[name] = value
        else:
            raise MXNetError(f"{fname}: entry {key!r} is neither 'arg:<name>' nor 'aux:<name>'")
    return arg_params, aux_params


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """Write ``prefix-symbol.json`` (if ``symbol`` is given) and ``prefix-%04d.params``."""
    if symbol is not None:
        symbol.save(f"{prefix}-symbol.json")
    param_name = f"{prefix}-{epoch:04d}.params"
    save_params(param_name, arg_params, aux_params)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_params(prefix, epoch):
    """(arg_params, aux_params) from ``prefix-%04d.params``."""
    return read_params(f"{prefix}-{epoch:04d}.params")


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) saved by save_checkpoint."""
    symbol = sym.load(f"{prefix}-symbol.json")
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params

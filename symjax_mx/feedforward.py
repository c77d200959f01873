"""MXNet's legacy ``mx.model.FeedForward`` estimator, on top of ``mx.mod.Module``."""
import logging
import warnings

import numpy as np

from . import metric as metric_module
from . import model_files
from . import ndarray as nd
from .context import Context, cpu
from .initializer import Uniform
from .io import DataIter, NDArrayIter, ResizeIter
from .module import Module
from .symbol import Symbol

__all__ = ["FeedForward"]


class FeedForward:
    """A single-data, single-output network trained and run through a Module.

    ``kwargs`` are the optimizer's parameters (``learning_rate``, ``momentum`` ...).
    """

    def __init__(self, symbol, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
                 initializer=Uniform(0.01), numpy_batch_size=128, arg_params=None,
                 aux_params=None, allow_extra_params=False, begin_epoch=0, **kwargs):
        warnings.warn("mxnet.model.FeedForward has been deprecated. Please use "
                      "mxnet.mod.Module instead.", DeprecationWarning, stacklevel=2)
        if not isinstance(symbol, Symbol):
            raise TypeError(f"FeedForward: symbol must be a Symbol, got "
                            f"{type(symbol).__name__} (symbol generators are not supported)")
        self.symbol = symbol
        if allow_extra_params:
            arg_names = set(symbol.list_arguments())
            aux_names = set(symbol.list_auxiliary_states())
            arg_params = {k: v for k, v in (arg_params or {}).items() if k in arg_names}
            aux_params = {k: v for k, v in (aux_params or {}).items() if k in aux_names}
        self.arg_params = arg_params
        self.aux_params = aux_params
        self.allow_extra_params = allow_extra_params
        self.ctx = [cpu()] if ctx is None else [ctx] if isinstance(ctx, Context) else list(ctx)
        self.num_epoch = num_epoch
        self.epoch_size = epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer = optimizer
        self.initializer = initializer
        self.numpy_batch_size = numpy_batch_size
        self.begin_epoch = begin_epoch
        self._pred_module = None
        self._pred_key = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_pred_module"] = state["_pred_key"] = None
        return state

    # --- data ----------------------------------------------------------------------------

    def _init_iter(self, X, y, is_train):
        """``X`` as a DataIter: arrays are batched by ``numpy_batch_size`` (shuffled and
        rolled over for training; zero labels when ``y`` is None and not training)."""
        if isinstance(X, (np.ndarray, nd.NDArray)):
            if y is None:
                if is_train:
                    raise ValueError("y must be specified when X is numpy.ndarray")
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, nd.NDArray)):
                raise TypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise ValueError("The numbers of data points and labels not equal")
            if len(y.shape) == 2 and y.shape[1] == 1:
                y = y.reshape((y.shape[0],))
            if len(y.shape) != 1:
                raise ValueError("Label must be 1D or 2D (with 2nd dimension being 1)")
            batch_size = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return NDArrayIter(X, y, batch_size, shuffle=True,
                                   last_batch_handle="roll_over")
            return NDArrayIter(X, y, batch_size, shuffle=False)
        if not isinstance(X, DataIter):
            raise TypeError("X must be DataIter, NDArray or numpy.ndarray")
        return X

    def _init_eval_iter(self, eval_data):
        """``eval_data`` as a DataIter; a (data, label) pair is batched like training data."""
        if eval_data is None or isinstance(eval_data, DataIter):
            return eval_data
        if not (isinstance(eval_data, (tuple, list)) and len(eval_data) == 2):
            raise TypeError("Eval data must be DataIter, or NDArray/numpy.ndarray/list pair "
                            "(i.e. tuple/list of length 2)")
        data, label = eval_data
        if data is None:
            raise ValueError("Eval data is NONE")
        if label is None and isinstance(data, DataIter):
            return data
        data = np.array(data) if isinstance(data, list) else data
        label = np.array(label) if isinstance(label, list) else label
        return self._init_iter(data, label, is_train=True)

    # --- training ------------------------------------------------------------------------

    def fit(self, X, y=None, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", logger=None, work_load_list=None,
            monitor=None, eval_end_callback=None, eval_batch_end_callback=None):
        """Train for epochs ``begin_epoch`` .. ``num_epoch``-1, starting from ``arg_params``
        / ``aux_params`` where given and ``initializer`` elsewhere; afterwards
        ``arg_params`` and ``aux_params`` hold the trained parameters.

        Batch-end callbacks count batches from 1, as in MXNet's FeedForward. The Module
        logs the validation metrics each epoch, so ``eval_end_callback`` defaults to None
        rather than ``LogValidationMetricsCallback()``.
        """
        data = self._init_iter(X, y, is_train=True)
        data.reset()
        eval_data = self._init_eval_iter(eval_data)
        if self.epoch_size is not None:  # epochs of epoch_size batches, going on through data
            data = ResizeIter(data, self.epoch_size, reset_internal=False)
        mod = Module(self.symbol, data_names=[d[0] for d in data.provide_data],
                     label_names=[d[0] for d in data.provide_label],
                     logger=logger or logging, context=self.ctx, work_load_list=work_load_list)
        mod.fit(data, eval_data=eval_data, eval_metric=eval_metric,
                epoch_end_callback=epoch_end_callback,
                batch_end_callback=_counting_from_one(batch_end_callback), kvstore=kvstore,
                optimizer=self.optimizer, optimizer_params=self.kwargs,
                eval_end_callback=eval_end_callback,
                eval_batch_end_callback=eval_batch_end_callback, initializer=self.initializer,
                arg_params=self.arg_params, aux_params=self.aux_params, allow_missing=True,
                begin_epoch=self.begin_epoch, num_epoch=self.num_epoch, monitor=monitor)
        self.arg_params, self.aux_params = mod.get_params()

    # --- inference -----------------------------------------------------------------------

    def _predictor(self, data_iter):
        """A Module on the first context bound for inference on ``data_iter``'s data, with
        the current parameters. Arguments that are neither data nor parameters (labels)
        stay zero."""
        data_names = [d[0] for d in data_iter.provide_data]
        key = [(d[0], tuple(d[1])) for d in data_iter.provide_data]
        if self._pred_module is None or self._pred_key != key:
            inputs = [n for n in self.symbol.list_arguments()
                      if n not in data_names and n not in (self.arg_params or {})]
            label_names = [d[0] for d in data_iter.provide_label]
            label_names += [n for n in inputs if n not in label_names]
            mod = Module(self.symbol, data_names=data_names, label_names=label_names,
                         context=self.ctx[0])
            mod.bind(data_shapes=data_iter.provide_data, for_training=False)
            self._pred_module, self._pred_key = mod, key
        self._pred_module.set_params(self.arg_params or {}, self.aux_params or {},
                                     allow_extra=self.allow_extra_params)
        return self._pred_module

    def predict(self, X, num_batch=None, return_data=False, reset=True):
        """The outputs on ``X`` as numpy arrays (one array, or a list for several outputs),
        padding removed; with ``return_data`` also the data and labels: (outputs, data,
        label)."""
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        mod = self._predictor(X)
        outputs = [[] for _ in mod.output_names]
        data_list = [[] for _ in X.provide_data]
        label_list = [[] for _ in X.provide_label]
        for batch_outputs, _, batch in mod.iter_predict(X, num_batch=num_batch, reset=False):
            for out_list, out in zip(outputs, batch_outputs):
                out_list.append(out.asnumpy())
            if return_data:
                real_size = batch_outputs[0].shape[0]
                for arrays, x in ((data_list, batch.data), (label_list, batch.label or [])):
                    for j, value in enumerate(x):
                        arrays[j].append(value[0:real_size].asnumpy())
        outputs = _single([np.concatenate(x) for x in outputs])
        if not return_data:
            return outputs
        return (outputs, _single([np.concatenate(x) for x in data_list]),
                _single([np.concatenate(x) for x in label_list]))

    def score(self, X, eval_metric="acc", num_batch=None, batch_end_callback=None, reset=True):
        """The value of ``eval_metric`` over ``X`` (labels from the iterator)."""
        if not isinstance(eval_metric, metric_module.EvalMetric):
            eval_metric = metric_module.create(eval_metric)
        X = self._init_iter(X, None, is_train=False)
        self._predictor(X).score(X, eval_metric, num_batch=num_batch,
                                 batch_end_callback=batch_end_callback, reset=reset)
        return eval_metric.get()[1]

    # --- checkpoints ---------------------------------------------------------------------

    def save(self, prefix, epoch=None, remove_amp_cast=True):
        """Write ``prefix-symbol.json`` and ``prefix-%04d.params`` (epoch defaults to
        ``num_epoch``)."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise ValueError("FeedForward.save: give epoch (num_epoch is not set)")
        model_files.save_checkpoint(prefix, epoch, self.symbol, self.arg_params,
                                     self.aux_params)

    @staticmethod
    def load(prefix, epoch, ctx=None, **kwargs):
        """A FeedForward from a checkpoint, with ``begin_epoch=epoch``; ``kwargs`` go to
        the constructor."""
        symbol, arg_params, aux_params = model_files.load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params,
                           begin_epoch=epoch, **kwargs)

    @staticmethod
    def create(symbol, X, y=None, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
               initializer=Uniform(0.01), eval_data=None, eval_metric="acc",
               epoch_end_callback=None, batch_end_callback=None, kvstore="local", logger=None,
               work_load_list=None, eval_end_callback=None, eval_batch_end_callback=None,
               **kwargs):
        """A FeedForward built from these arguments and fitted on ``X`` (and ``y``)."""
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size,
                            optimizer=optimizer, initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric,
                  epoch_end_callback=epoch_end_callback, batch_end_callback=batch_end_callback,
                  kvstore=kvstore, logger=logger, work_load_list=work_load_list,
                  eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model


def _single(arrays):
    """One array alone, else the list."""
    return arrays[0] if len(arrays) == 1 else arrays


def _counting_from_one(callbacks):
    """``callbacks`` (one or a list) called with ``nbatch`` counted from 1."""
    if callbacks is None:
        return None
    callbacks = callbacks if isinstance(callbacks, list) else [callbacks]

    def call(param):
        param = param._replace(nbatch=param.nbatch + 1)
        for callback in callbacks:
            callback(param)
    return call

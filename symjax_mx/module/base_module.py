"""BaseModule: fit, score, predict and iter_predict, written once on the intermediate API
(bind, init_params, init_optimizer, forward, backward, update, update_metric, ...)."""
import logging
import time

import numpy as np

from .. import metric as metric_module
from .. import model_files
from .. import ndarray as nd
from ..base import MXNetError
from ..callback import BatchEndParam
from ..initializer import Uniform

__all__ = ["BaseModule"]


def _as_list(obj):
    return list(obj) if isinstance(obj, (list, tuple)) else [obj]


def _check_input_names(symbol, names, typename, throw):
    """Every name in ``names`` must be an argument of ``symbol``."""
    args = symbol.list_arguments()
    for name in names:
        if name in args:
            continue
        candidates = [a for a in args if not a.endswith(("_weight", "_bias", "_gamma", "_beta"))]
        message = (f"You created Module with Module(..., {typename}_names={list(names)}) but "
                   f"input with name {name!r} is not found in symbol.list_arguments(). Did you "
                   f"mean one of:\n\t" + "\n\t".join(candidates))
        if throw:
            raise ValueError(message)
        logging.warning(message)


class BaseModule:
    """The training loop and evaluation, on top of a subclass's intermediate API."""

    # Whether fit may queue batch i+1's step before the metric reads batch i's outputs
    # (the symbolic modules); otherwise fit calls forward_backward, update and
    # update_metric in MXNet's order.
    _pipelined_fit = False

    def __init__(self, logger=logging):
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None

    # --- high-level API ------------------------------------------------------------------

    def forward_backward(self, data_batch):
        """forward (training) then backward."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def _train_step(self, data_batch):
        """One training step on ``data_batch``: forward, backward, update."""
        self.forward_backward(data_batch)
        self.update()

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None,
              score_end_callback=None, reset=True, epoch=0, sparse_row_id_fn=None):
        """Evaluate ``eval_metric`` over ``eval_data``; returns its (name, value) list."""
        self._check_ready("score")
        if reset:
            eval_data.reset()
        if not isinstance(eval_metric, metric_module.EvalMetric):
            eval_metric = metric_module.create(eval_metric)
        eval_metric.reset()
        actual_num_batch = 0
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            self.update_metric(eval_metric, eval_batch.label)
            if batch_end_callback is not None:
                params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                       locals=locals())
                for callback in _as_list(batch_end_callback):
                    callback(params)
            actual_num_batch += 1
        if score_end_callback:
            params = BatchEndParam(epoch=epoch, nbatch=actual_num_batch,
                                   eval_metric=eval_metric, locals=locals())
            for callback in _as_list(score_end_callback):
                callback(params)
        return eval_metric.get_name_value()

    def iter_predict(self, eval_data, num_batch=None, reset=True, sparse_row_id_fn=None):
        """Yield (outputs without padding, batch index, batch) for each batch."""
        self._check_ready("iter_predict")
        if reset:
            eval_data.reset()
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            outputs = [out[0:out.shape[0] - pad] for out in self.get_outputs()]
            yield outputs, nbatch, eval_batch

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True,
                always_output_list=False, sparse_row_id_fn=None):
        """Outputs over ``eval_data`` (padding removed), concatenated over batches."""
        self._check_ready("predict")
        if isinstance(eval_data, (nd.NDArray, np.ndarray)):
            from ..io import NDArrayIter
            eval_data = NDArrayIter(eval_data, batch_size=self.data_shapes[0][1][0])
        outputs = [[out.copy() for out in batch_outputs] for batch_outputs, _, _ in
                   self.iter_predict(eval_data, num_batch, reset, sparse_row_id_fn)]
        if not outputs:
            return outputs
        if not merge_batches:
            return outputs
        num_outputs = len(outputs[0])
        for out in outputs:
            if len(out) != num_outputs:
                raise MXNetError("predict: batches have different numbers of outputs; use "
                                 "merge_batches=False")
        merged = [nd.concat(*[out[i] for out in outputs], dim=0) for i in range(num_outputs)]
        if num_outputs == 1 and not always_output_list:
            return merged[0]
        return merged

    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=Uniform(0.01), arg_params=None,
            aux_params=None, allow_missing=False, force_rebind=False, force_init=False,
            begin_epoch=0, num_epoch=None, validation_metric=None, monitor=None,
            sparse_row_id_fn=None):
        """Train on ``train_data`` for epochs begin_epoch .. num_epoch-1."""
        if num_epoch is None:
            raise MXNetError("fit: please specify number of epochs (num_epoch=)")
        self.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label,
                  for_training=True, force_rebind=force_rebind)
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(initializer=initializer, arg_params=arg_params,
                         aux_params=aux_params, allow_missing=allow_missing,
                         force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                            optimizer_params=optimizer_params)
        if validation_metric is None:
            validation_metric = eval_metric
        if not isinstance(eval_metric, metric_module.EvalMetric):
            eval_metric = metric_module.create(eval_metric)

        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            self._begin_epoch(epoch, train_data)
            batches = iter(train_data)
            data_batch = next(batches)
            # Without a monitor, batch i+1's step is queued before the host updates the
            # metric for batch i, so host work overlaps device work.
            ahead = monitor is None and self._pipelined_fit
            if ahead:
                self._train_step(data_batch)
            nbatch = 0
            while data_batch is not None:
                if ahead:
                    outputs, labels = self._output_snapshot(), data_batch.label
                else:
                    if monitor is not None:
                        monitor.tic()
                    self.forward_backward(data_batch)
                    self.update()
                    self.update_metric(eval_metric, data_batch.label)
                # as in MXNet, batch i is not read once the iterator moved to batch i+1
                next_data_batch = next(batches, None)
                if next_data_batch is not None:
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                    if ahead:
                        self._train_step(next_data_batch)
                if ahead:
                    self._update_metric_with(eval_metric, labels, outputs)
                elif monitor is not None:
                    monitor.toc_print()
                if next_data_batch is None:
                    if ahead:  # copies queued behind the last step, not after the wait
                        self.get_params()
                    eval_name_vals = eval_metric.get_global_name_value()
                if batch_end_callback is not None:
                    params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                           locals=locals())
                    for callback in _as_list(batch_end_callback):
                        callback(params)
                data_batch = next_data_batch
                nbatch += 1
            for name, val in eval_name_vals:
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)

            arg_params_, aux_params_ = self.get_params()
            self.set_params(arg_params_, aux_params_)
            if epoch_end_callback is not None:
                for callback in _as_list(epoch_end_callback):
                    callback(epoch, self.symbol, arg_params_, aux_params_)
            if eval_data:
                res = self.score(eval_data, validation_metric,
                                 score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()

    def _begin_epoch(self, epoch, train_data):
        """Work before each epoch of fit (SVRGModule computes its full gradients)."""

    def _output_snapshot(self):
        """The current outputs, kept as they are by later steps."""
        return [nd.NDArray(out.asjax(), out.context) for out in self.get_outputs()]

    def _update_metric_with(self, eval_metric, labels, outputs):
        eval_metric.update_dict(dict(zip(self.label_names, labels or [])),
                                dict(zip(self.output_names, outputs)))

    def _check_ready(self, what):
        if not (self.binded and self.params_initialized):
            raise MXNetError(f"{what}: call bind and init_params first")

    # --- symbol and parameters --------------------------------------------------------------

    @property
    def symbol(self):
        return self._symbol

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Prepare for the next batch (nothing to do for dense data)."""

    def save_params(self, fname):
        """Save the parameters to ``fname`` ('arg:' / 'aux:' keys)."""
        model_files.save_params(fname, *self.get_params())

    def load_params(self, fname):
        """Load parameters saved by save_params."""
        self.set_params(*model_files.read_params(fname))

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Set the parameters from name -> NDArray dicts."""
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init,
                         allow_extra=allow_extra)

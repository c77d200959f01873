"""`Estimator`: trains and evaluates a Gluon net on DataLoaders, calling event handlers
at the begin and end of training, epochs and batches."""
import copy
import logging
import sys
import warnings

from ....context import Context, cpu, gpu, num_gpus
from ....metric import Loss as LossMetric
from ...data import DataLoader
from ...loss import Loss
from ...trainer import Trainer
from .batch_processor import BatchProcessor
from .event_handler import (BatchBegin, BatchEnd, EpochBegin, EpochEnd, GradientUpdateHandler,
                            LoggingHandler, MetricHandler, StoppingHandler, TrainBegin,
                            TrainEnd, ValidationHandler, _check_event_handlers)
from .utils import _check_handler_metric_ref, _check_metrics, _suggest_metric_for_loss

__all__ = ["Estimator"]

_NOT_A_DATALOADER = ("Estimator only support input as Gluon DataLoader. Alternatively, you can "
                     "transform your DataIter or any NDArray into Gluon DataLoader. Refer to "
                     "gluon.data.{}")

_EVENTS = (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd)


class Estimator:
    """Trains ``net`` with ``loss`` (a ``gluon.loss.Loss``) and ``trainer`` on
    ``context``, and evaluates ``val_net`` (default ``net``) with ``val_loss`` (default
    ``loss``).

    Without ``train_metrics``, they are the metric the loss suggests (Accuracy for
    SoftmaxCrossEntropyLoss) and the mean loss; without ``val_metrics``, copies of the
    training metrics. Their names get the prefix 'training ' or 'validation '. Without
    ``trainer``, SGD with learning rate 0.001 (and a warning). ``net`` is initialized
    with ``initializer`` unless all its parameters already are. ``batch_processor``
    (default `BatchProcessor`) runs each batch.

    ``logger`` is a ``logging.Logger`` of this estimator and its handlers, writing INFO
    and above to sys.stdout; add handlers to it to log elsewhere too.
    """

    def __init__(self, net, loss, train_metrics=None, val_metrics=None, initializer=None,
                 trainer=None, context=None, val_net=None, val_loss=None,
                 batch_processor=None):
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = _check_metrics(train_metrics)
        self._val_metrics = _check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self.loss if val_loss is None else self._check_loss(val_loss)
        self.val_net = self.net if val_net is None else val_net

        self.logger = logging.Logger(name="Estimator", level=logging.INFO)
        self.logger.addHandler(logging.StreamHandler(sys.stdout))

        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        self.batch_processor = self._check_batch_processor(batch_processor)

    @staticmethod
    def _check_loss(loss):
        if not isinstance(loss, Loss):
            raise ValueError(f"loss must be a Loss, refer to gluon.loss.Loss:{loss}")
        return loss

    @staticmethod
    def _check_context(context):
        """``context`` as a list of Contexts (default: gpu(0) if there is a GPU, else
        cpu()); an unavailable GPU is an AssertionError."""
        available_gpus = [gpu(i) for i in range(num_gpus())]
        if not context:
            if len(available_gpus) > 1:
                warnings.warn("You have multiple GPUs, gpu(0) will be used by default.To "
                              "utilize all your GPUs, specify context as a list of gpus, "
                              "e.g. context=[mx.gpu(0), mx.gpu(1)] ")
            return [gpu(0)] if available_gpus else [cpu()]
        if isinstance(context, Context):
            context = [context]
        elif not (isinstance(context, list) and all(isinstance(c, Context) for c in context)):
            raise ValueError("context must be a Context or a list of Context, for example "
                             "mx.cpu() or [mx.gpu(0), mx.gpu(1)], refer to "
                             f"mxnet.Context:{context}")
        for ctx in context:
            assert ctx in available_gpus or str(ctx).startswith("cpu"), (
                "%s is not available, please make sure your context is in one of: mx.cpu(), %s"
                % (ctx, ", ".join(str(c) for c in available_gpus)))
        return context

    @staticmethod
    def _check_batch_processor(batch_processor):
        if batch_processor is None:
            return BatchProcessor()
        if not (callable(getattr(batch_processor, "fit_batch", None))
                and callable(getattr(batch_processor, "evaluate_batch", None))):
            raise ValueError("Customized Batch Processor must contain fit_batch() and "
                             "evaluate_batch() methods")
        return batch_processor

    def _initialize(self, initializer):
        """Initialize the parameters not initialized yet; warn when ``initializer`` is
        given for a fully initialized net."""
        if not self._is_initialized():
            if initializer:
                self.net.initialize(init=initializer, ctx=self.context)
            else:
                self.net.initialize(ctx=self.context)
        elif initializer:
            warnings.warn("Network already fully initialized, skipping initialization. You "
                          "don't need to pass initializer if you already initialized your net. "
                          "You can use net.initialize(init=your_initializer, "
                          "force_reinit=True)to force re-initialize.")

    def _check_trainer(self, trainer):
        if not trainer:
            warnings.warn("No trainer specified, default SGD optimizer with learning rate "
                          "0.001 is used.")
            return Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.001})
        if not isinstance(trainer, Trainer):
            raise ValueError(f"Trainer must be a Gluon Trainer instance, refer to "
                             f"gluon.Trainer:{trainer}")
        return trainer

    def _is_initialized(self):
        for param in self.net.collect_params().values():
            try:
                param.list_ctx()
            except RuntimeError:
                return False
        return True

    def _add_default_training_metrics(self):
        if not self._train_metrics:
            suggested = _suggest_metric_for_loss(self.loss)
            if suggested:
                self._train_metrics = [suggested]
            self._train_metrics.append(LossMetric(self.loss.name.rstrip("1234567890")))
        for metric in self._train_metrics:
            metric.name = "training " + metric.name

    def _add_validation_metrics(self):
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(metric) for metric in self._train_metrics]
        for metric in self._val_metrics:
            if "training" in metric.name:
                metric.name = metric.name.replace("training", "validation")
            else:
                metric.name = "validation " + metric.name

    @property
    def train_metrics(self):
        """The training metrics (a list), named 'training ...'."""
        return self._train_metrics

    @property
    def val_metrics(self):
        """The validation metrics (a list), named 'validation ...'."""
        return self._val_metrics

    def evaluate(self, val_data, batch_axis=0, event_handlers=None):
        """Run ``batch_processor.evaluate_batch`` on each batch of ``val_data`` (a
        DataLoader), as one epoch of ``event_handlers`` plus a default MetricHandler and
        LoggingHandler of the validation metrics (unless given)."""
        if not isinstance(val_data, DataLoader):
            raise ValueError(_NOT_A_DATALOADER.format("DataLoader"))
        for metric in self.val_metrics:
            metric.reset()
        handlers = self._prepare_default_validation_handlers(event_handlers)
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = \
            self._categorize_handlers(handlers)
        for handler in epoch_begin:
            handler.epoch_begin(self)
        for batch in val_data:
            for handler in batch_begin:
                handler.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(self, batch, batch_axis)
            for handler in batch_end:
                handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for handler in epoch_end:
            handler.epoch_end(self)

    def fit(self, train_data, val_data=None, epochs=None, event_handlers=None, batches=None,
            batch_axis=0):
        """Train on ``train_data`` (a DataLoader) for ``epochs`` epochs or ``batches``
        batches (exactly one of them), validating on ``val_data`` every epoch if given.

        Besides ``event_handlers``, a StoppingHandler, and unless given a
        GradientUpdateHandler, MetricHandler, LoggingHandler and (with ``val_data``)
        ValidationHandler are used; a handler's metrics must be the estimator's."""
        if not isinstance(train_data, DataLoader):
            raise ValueError(_NOT_A_DATALOADER.format("dataloader"))
        if (not epochs) == (not batches):
            raise ValueError("Fit only support exactly one type of iteration, train by number "
                             "of epochs or number of batches.Please specify one and only one "
                             "of: epochs or batches.")
        self.max_epoch = epochs
        self.max_batch = batches
        self.batch_axis = batch_axis

        handlers = self._prepare_default_handlers(val_data, event_handlers)
        train_begin, epoch_begin, batch_begin, batch_end, epoch_end, train_end = \
            self._categorize_handlers(handlers)
        for handler in train_begin:
            handler.train_begin(self)
        stop = False
        while not stop:
            for handler in epoch_begin:
                handler.epoch_begin(self)
            for batch in train_data:
                for handler in batch_begin:
                    handler.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(self, batch, batch_axis)
                # every handler sees the batch, even after one asked to stop
                if any([handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
                        for handler in batch_end]):
                    break
            stop = any([handler.epoch_end(self) for handler in epoch_end])
        for handler in train_end:
            handler.train_end(self)

    def _prepare_default_handlers(self, val_data, event_handlers):
        """``event_handlers`` plus the default ones fit adds, sorted by priority."""
        handlers = _check_event_handlers(event_handlers)
        defaults = [StoppingHandler(self.max_epoch, self.max_batch)]
        if not _has(handlers, GradientUpdateHandler):
            defaults.append(GradientUpdateHandler())
        if not _has(handlers, MetricHandler):
            defaults.append(MetricHandler(metrics=self.train_metrics))
        if not _has(handlers, ValidationHandler) and val_data:
            defaults.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if not _has(handlers, LoggingHandler):
            defaults.append(LoggingHandler(metrics=self.train_metrics))
        return self._merge_handlers(handlers, defaults, self.train_metrics + self.val_metrics)

    def _prepare_default_validation_handlers(self, event_handlers):
        """``event_handlers`` plus the default ones evaluate adds, sorted by priority."""
        handlers = _check_event_handlers(event_handlers)
        defaults = []
        if not _has(handlers, MetricHandler):
            defaults.append(MetricHandler(metrics=self.val_metrics))
        if not _has(handlers, LoggingHandler):
            defaults.append(LoggingHandler(metrics=self.val_metrics))
        return self._merge_handlers(handlers, defaults, self.val_metrics)

    @staticmethod
    def _merge_handlers(handlers, defaults, known_metrics):
        """The user's ``handlers`` then ``defaults``, sorted by priority; when both are
        present, every handler must refer only to ``known_metrics``."""
        merged = handlers + defaults
        if handlers and defaults:
            for handler in merged:
                _check_handler_metric_ref(handler, known_metrics)
        merged.sort(key=lambda handler: getattr(handler, "priority", 0))
        return merged

    @staticmethod
    def _categorize_handlers(event_handlers):
        """Six lists, the handlers of train begin, epoch begin, batch begin, batch end,
        epoch end and train end."""
        return tuple([h for h in event_handlers if isinstance(h, event)] for event in _EVENTS)


def _has(handlers, kind):
    return any(isinstance(handler, kind) for handler in handlers)

"""``mx.gluon.contrib.estimator``: the Estimator training loop, its event handlers and
batch processor."""
from . import batch_processor, estimator, event_handler, utils
from .batch_processor import BatchProcessor
from .estimator import Estimator
from .event_handler import (BatchBegin, BatchEnd, CheckpointHandler, EarlyStoppingHandler,
                            EpochBegin, EpochEnd, GradientUpdateHandler, LoggingHandler,
                            MetricHandler, StoppingHandler, TrainBegin, TrainEnd,
                            ValidationHandler)

__all__ = ["batch_processor", "estimator", "event_handler", "utils", "BatchProcessor",
           "Estimator", "BatchBegin", "BatchEnd", "CheckpointHandler", "EarlyStoppingHandler",
           "EpochBegin", "EpochEnd", "GradientUpdateHandler", "LoggingHandler", "MetricHandler",
           "StoppingHandler", "TrainBegin", "TrainEnd", "ValidationHandler"]

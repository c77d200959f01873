"""Checks the Estimator and its event handlers share: metric lists, the metrics a handler
refers to, and the metric a loss suggests."""
from ....metric import Accuracy, CompositeEvalMetric, EvalMetric
from ...loss import SoftmaxCrossEntropyLoss


def _listed(value, kind, error):
    """``value`` (None, one ``kind`` or an iterable of them) as a new list; anything else
    is ``ValueError(f"{error}: {value}")``."""
    if isinstance(value, kind):
        return [value]
    try:
        listed = list(value or [])
    except TypeError:
        listed = None
    if listed is None or not all(isinstance(item, kind) for item in listed):
        raise ValueError(f"{error}: {value}")
    return listed


def _check_metrics(metrics):
    """``metrics`` (None, a metric, a CompositeEvalMetric or a list of metrics) as a flat
    list; anything else is a ValueError."""
    if isinstance(metrics, CompositeEvalMetric):
        return [leaf for child in metrics.metrics for leaf in _check_metrics(child)]
    return _listed(metrics, EvalMetric, "metrics must be a Metric or a list of Metric, "
                   "refer to mxnet.metric.EvalMetric")


def _check_handler_metric_ref(handler, known_metrics):
    """Raise ValueError when an attribute of ``handler`` whose name mentions 'metric' holds
    a metric outside ``known_metrics`` (the estimator's training and validation metrics)."""
    for attribute in dir(handler):
        if "metric" not in attribute:
            continue
        reference = getattr(handler, attribute)
        if not reference:
            continue
        for metric in reference if isinstance(reference, list) else [reference]:
            _check_metric_known(handler, metric, known_metrics)


def _check_metric_known(handler, metric, known_metrics):
    if metric not in known_metrics:
        raise ValueError(
            f"Event handler {type(handler).__name__} refers to a metric instance {metric} "
            "outside of the known training and validation metrics. Please use the metrics "
            "from estimator.train_metrics and estimator.val_metrics instead.")


def _suggest_metric_for_loss(loss):
    """A fresh metric that suits ``loss`` (Accuracy for softmax cross entropy), or None."""
    if isinstance(loss, SoftmaxCrossEntropyLoss):
        return Accuracy()
    return None

"""``mx.contrib.tensorboard``: training curves in TensorBoard.

Needs the ``tensorboard`` extra (``pip install 'symjax_mx[tensorboard]'``, which installs
tensorboardX); ``tensorboard --logdir logs/`` then plots what the callback wrote.
"""
from ..base import MXNetError

__all__ = ["LogMetricsCallback"]


class LogMetricsCallback:
    """A batch-end or eval-end callback writing each metric as a TensorBoard scalar at the
    epoch's step, as MXNet's does::

        mod.fit(train, eval_data=val,
                batch_end_callback=mx.contrib.tensorboard.LogMetricsCallback("logs/train"),
                eval_end_callback=mx.contrib.tensorboard.LogMetricsCallback("logs/eval"))

    ``prefix`` is put before each metric's name (``prefix-accuracy``).
    """

    def __init__(self, logging_dir, prefix=None):
        try:
            from tensorboardX import SummaryWriter
        except ImportError:
            raise MXNetError("LogMetricsCallback needs tensorboardX: pip install "
                             "'symjax_mx[tensorboard]'") from None
        self.prefix = prefix
        self.summary_writer = SummaryWriter(logging_dir)

    def __call__(self, param):
        if param.eval_metric is None:
            return
        for name, value in param.eval_metric.get_name_value():
            if self.prefix is not None:
                name = f"{self.prefix}-{name}"
            self.summary_writer.add_scalar(name, value, global_step=param.epoch)
        self.summary_writer.flush()

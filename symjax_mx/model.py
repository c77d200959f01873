"""mx.model: MXNet's checkpoint files and the legacy ``FeedForward`` model."""
from .callback import BatchEndParam
from .feedforward import FeedForward
from .model_files import (load_checkpoint, load_params, read_params, save_checkpoint,
                          save_params)

__all__ = ["BatchEndParam", "FeedForward", "load_checkpoint", "load_params", "read_params",
           "save_checkpoint", "save_params"]

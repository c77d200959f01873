"""mx.contrib.text: counting tokens and indexing them in a Vocabulary."""
from . import utils, vocab

__all__ = ["utils", "vocab"]

"""mx.contrib.text: counting tokens, indexing them in a Vocabulary, and token embeddings."""
from . import embedding, utils, vocab

__all__ = ["embedding", "utils", "vocab"]

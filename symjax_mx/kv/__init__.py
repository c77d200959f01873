"""mx.kv: KVStore for sharing arrays across devices and worker processes."""
from .kvstore import KVStore, create

__all__ = ["KVStore", "create"]

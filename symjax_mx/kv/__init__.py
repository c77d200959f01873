"""mx.kv: KVStore for sharing arrays across devices and worker processes."""
from .base import KVStoreBase
from .kvstore import KVStore, create
from .placement import Placement

__all__ = ["KVStore", "KVStoreBase", "Placement", "create"]

"""mx.kv: KVStore for sharing arrays across devices and worker processes."""
from .base import KVStoreBase
from .kvstore import KVStore, create
from .placement import Placement
from .teststore import TestStore

__all__ = ["KVStore", "KVStoreBase", "Placement", "TestStore", "create"]

"""Operators: linalg (see the registry contract in registry.py)."""

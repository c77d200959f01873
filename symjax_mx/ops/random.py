"""Operators: random (see the registry contract in registry.py)."""

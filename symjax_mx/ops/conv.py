"""Operators: conv (see the registry contract in registry.py)."""

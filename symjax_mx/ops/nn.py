"""Operators: nn (see the registry contract in registry.py)."""

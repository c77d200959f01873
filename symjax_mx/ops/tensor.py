"""Operators: tensor (see the registry contract in registry.py)."""

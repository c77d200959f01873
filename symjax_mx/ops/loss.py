"""Operators: loss (see the registry contract in registry.py)."""

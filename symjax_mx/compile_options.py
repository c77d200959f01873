"""XLA compile options by program size: small programs compile fast.

XLA's CPU compiler spends most of a small program's compile in LLVM optimisation and
its fusion emitters (about 35 ms for one addition, 150 ms for a small gradient), while
running such a program takes microseconds whatever the options. Programs whose every
array holds at most :data:`SMALL_ELEMENTS` elements therefore compile with
:data:`FAST_COMPILE`: 2-4x faster compiles (``python bench/eager_ops.py new-shapes``
prints MXNet's binary-op check both ways). Larger ones keep XLA's defaults, whose code
runs up to 20x faster on large arrays. A graph's programs are judged by the arrays its
operators compute (its arguments, such as large weights, are only read by them, and the
dot products and convolutions that read them run library code either way); an eager
operator by its inputs and outputs. The options change how XLA generates code, never
what it computes.
"""
import math

__all__ = ["SMALL_ELEMENTS", "FAST_COMPILE", "for_shapes"]

SMALL_ELEMENTS = 1 << 18  # 1 MiB of float32
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


def for_shapes(shapes):
    """The ``compiler_options`` for ``jax.jit`` of a program whose arrays have ``shapes``;
    None (XLA's defaults) if any is large or unknown (None)."""
    for shape in shapes:
        if shape is None or math.prod(shape) > SMALL_ELEMENTS:
            return None
    return FAST_COMPILE

"""XLA compile options: small programs, and the first calls of mid-sized ones, compile
fast; convolutions run on XLA's own CPU kernels.

XLA's CPU compiler spends most of a small program's compile in LLVM optimisation and
its fusion emitters (about 35 ms for one addition, 150 ms for a small gradient), while
running such a program takes microseconds whatever the options. Programs whose every
array holds at most :data:`SMALL_ELEMENTS` elements therefore compile with
:data:`FAST_COMPILE`: 2-4x faster compiles (``python bench/eager_ops.py new-shapes``
prints MXNet's binary-op check both ways). Larger ones keep XLA's defaults, whose code
runs up to 20x faster on large arrays, and faster where small arrays carry much work: the
MLP of ``bench/executor.py`` (128x784 inputs) trained at 0.58x the speed of hand-written
JAX with the fast options, 0.87x without, so a graph whose dense layers and convolutions
do more than :data:`SMALL_MULTIPLY_ADDS` keeps the defaults. A graph's programs are judged
by the arrays its operators compute (its arguments, such as large weights, are only read
by them, and the dot products and convolutions that read them run library code either
way); an eager operator by its inputs and outputs. A graph too large for that but below
:data:`EARLY_MULTIPLY_ADDS` runs its first :data:`EARLY_CALLS` calls fast-compiled, and
compiles XLA's defaults when called again (:func:`early_options`). The options change how
XLA generates code, never what it computes.

Every program leaves convolutions out of XLA's YNNPACK library fusions, so that XLA's CPU
backend runs them on its Eigen kernels, and has YNNPACK run each dot product on its own,
the element-wise work around it outside (:data:`LIBRARY_CHOICE`); reductions stay in
YNNPACK's fusions. Measured on 2 cores:

* convolutions on Eigen (2026-12-06): LeNet's Gluon training step ran 1.9x faster
  (``python bench/gluon.py``: 0.83x MXNet's samples/s before, 1.70x after); ResNet-18,
  Inception-v3 and VGG-11 inference at batch 32 took 10-26% less time
  (``bench/zoo_inference.py``); single convolutions in ``bench/conv_library.py`` took
  0.36-1.23x the time, most below 0.9.
* dot products alone: a YNNPACK dot fusion takes in the element-wise work next to it, and
  with it ran MobileNet-1.0 inference at batch 2 2.7x slower (its depthwise multiply-adds),
  ResNet-50, DenseNet-121, Inception-v3 and SqueezeNet at batch 32 1.2-1.4x slower
  (2026-12-07). On an AMD EPYC with AVX-512 (2026-12-07), a (128, 4096) x (4096, 4096)
  product took 25 ms alone and 61-83 ms fused with its bias (and ReLU); the Gluon step of
  an MLP of such layers (``bench/gluon.py --nets wide``) ran at 0.63x hand-written JAX's
  speed fused and 1.12x alone, the 784-128-64-10 MLP's step program 3-4% faster alone.
  XLA's Eigen dot kernels, the other choice, ran products with few rows 1.5-20x slower
  than YNNPACK's (``python bench/mobilenet_pieces.py dots``: MobileNet-v2's (2, 1280) x
  (1280, 1000) classifier 3.9 ms, not 0.34 ms). A dot product alone also computes right
  where the fusion did not: XLA's YNNPACK dot fusion computed garbage (NaN) for a product
  with a constant operand (jaxlib 0.10.2: ``zeros((32, 512)) @ w``, an RNN cell's begin
  state from ``mx.sym.zeros`` feeding its h2h layer).
* reductions: training steps, whose BatchNorm statistics are reductions, ran 1.1-5x slower
  without YNNPACK's reduce fusions.

The inference programs of convolutional networks (channels-last, ``lowering/programs.py``)
leave reductions out of YNNPACK's fusions too (:func:`for_inference`): a reduction fusion
takes in the element-wise work feeding it (MobileNet-1.0's global pooling and depthwise
multiply-adds), and inference without took 0.84-0.92x the CPU time at batch 2
(MobileNet-1.0, ResNet-18 and -50, SqueezeNet-1.1), 0.95-0.99x at batch 32, MobileNet-v2's
and DenseNet-121's about the same (2026-12-07, ``bench/zoo_ab.py``). The options exist only
in newer jaxlibs; where a trial compile refuses them, programs compile without them.
"""
import math

import jax

__all__ = ["SMALL_ELEMENTS", "SMALL_RANDOM_ELEMENTS", "SMALL_MULTIPLY_ADDS", "FAST_COMPILE",
           "EARLY_CALLS", "EARLY_ELEMENTS", "EARLY_MULTIPLY_ADDS", "LIBRARY_CHOICE",
           "INFERENCE", "for_shapes", "early_options", "compiles_fast", "for_inference",
           "with_library_choice"]

SMALL_ELEMENTS = 1 << 18  # 1 MiB of float32
# A random draw does dozens of integer operations per element: unoptimised, a (100, 784)
# uniform draw ran 5x slower (3.2 ms, not 0.6 ms) and a normal one 9x, so only draws this
# small compile with FAST_COMPILE (binary_rbm_module.py's Gibbs sampling; 2026-12-06)
SMALL_RANDOM_ELEMENTS = 1 << 12
SMALL_MULTIPLY_ADDS = 1 << 20  # the MLP of bench/executor.py does 14M per forward
FAST_COMPILE = {"xla_backend_optimization_level": 0, "xla_cpu_use_fusion_emitters": False}


def for_shapes(shapes, multiply_adds=0):
    """The ``compiler_options`` for ``jax.jit`` of a program whose arrays have ``shapes``
    and whose dense layers and convolutions do ``multiply_adds``; None (XLA's defaults) if
    any array is large or unknown (None), or the layers do more than
    :data:`SMALL_MULTIPLY_ADDS`."""
    if multiply_adds > SMALL_MULTIPLY_ADDS:
        return None
    for shape in shapes:
        if shape is None or math.prod(shape) > SMALL_ELEMENTS:
            return None
    return FAST_COMPILE


# Programs too large for FAST_COMPILE but at most this large compile their first
# EARLY_CALLS calls with it: most programs of a test or a first look run a few times
# (MXNet's RNN checks run each once per grad_req, four in all), and a loop's later calls
# run XLA's defaults. The backward program of a 3-layer LSTM
# unrolled 5 steps (batch 32, 128 units) compiled in 0.20 s, not 1.25 s, and ran 2.4x
# slower; at 512 units, 2.8x slower (2026-12-07). Larger programs would run their first
# calls for seconds.
EARLY_CALLS = 4
EARLY_ELEMENTS = 1 << 24
EARLY_MULTIPLY_ADDS = 1 << 30


def early_options(shapes, multiply_adds=0):
    """The ``early_options`` of ``x64.jit`` for a program with ``shapes`` and
    ``multiply_adds`` (see ``for_shapes``): :data:`FAST_COMPILE` where ``for_shapes`` keeps
    XLA's defaults for a program no larger than :data:`EARLY_ELEMENTS` per array and
    :data:`EARLY_MULTIPLY_ADDS`; else None."""
    shapes = list(shapes)
    if for_shapes(shapes, multiply_adds) is not None or multiply_adds > EARLY_MULTIPLY_ADDS:
        return None
    for shape in shapes:
        if shape is None or math.prod(shape) > EARLY_ELEMENTS:
            return None
    return FAST_COMPILE


def compiles_fast(options):
    """Whether ``options`` are those of a small program (``for_shapes`` chose
    :data:`FAST_COMPILE`): one whose compile costs more than running it."""
    return options is not None and all(options.get(k) == v for k, v in FAST_COMPILE.items())


# XLA's default YNNPACK fusions are dot, individual convolution and reduce
_YNN_FUSIONS = "xla_cpu_experimental_ynn_fusion_type"
LIBRARY_CHOICE = {_YNN_FUSIONS: "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT,LIBRARY_FUSION_TYPE_REDUCE"}
INFERENCE = {_YNN_FUSIONS: "LIBRARY_FUSION_TYPE_INDIVIDUAL_DOT"}
_library_choice = None  # whether this jaxlib takes the option (decided once)


def for_inference(options):
    """``options`` for a convolutional network's inference program: with
    :data:`INFERENCE`'s library choice (dot products alone, reductions outside the
    library)."""
    return {**(options or {}), **INFERENCE}


def with_library_choice(options):
    """``options`` (None: XLA's defaults) with :data:`LIBRARY_CHOICE` added (unless they
    choose the library fusions themselves) where the installed jaxlib accepts it; without
    the choice where it does not."""
    global _library_choice
    if _library_choice is None:
        try:
            jax.jit(lambda: 0, compiler_options=LIBRARY_CHOICE).lower().compile()
            _library_choice = True
        except Exception:  # an unknown option name or value: jaxlib's errors share no base
            _library_choice = False
    options = dict(options or {})
    if not _library_choice:
        options.pop(_YNN_FUSIONS, None)
        return options
    return {**LIBRARY_CHOICE, **options}

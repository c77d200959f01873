"""mx.sym.contrib: MXNet's contrib symbol functions (rand_zipfian; the control flow
foreach, while_loop and cond); the contrib operators are added to this module by the
registry."""
from ..ndarray.contrib import zipfian_candidates
from .control_flow import cond, foreach, while_loop
from .random import uniform

__all__ = ["rand_zipfian", "foreach", "while_loop", "cond"]


def rand_zipfian(true_classes, num_sampled, range_max):
    """Symbols of ``num_sampled`` log-uniform (Zipfian) classes in [0, range_max) and the
    expected counts of ``true_classes`` and of the sampled classes."""
    def draw(high, shape):
        return uniform(0, high, shape=shape, dtype="float64")
    return zipfian_candidates(draw, true_classes, num_sampled, range_max)

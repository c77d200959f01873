"""mx.nd.contrib: MXNet's contrib array functions (the float checks isinf, isfinite, isnan;
getnnz of a CSRNDArray; rand_zipfian)."""
import math

import numpy as np

from .random import uniform
from .sparse import getnnz

__all__ = ["isinf", "isfinite", "isnan", "getnnz", "rand_zipfian", "zipfian_candidates"]


def isinf(data):
    """1 where ``data`` is +inf or -inf, else 0 (in ``data``'s dtype)."""
    return data.abs() == np.inf


def isfinite(data):
    """1 where ``data`` is neither infinite nor NaN, else 0."""
    return (data.abs() != np.inf) * (data == data)


def isnan(data):
    """1 where ``data`` is NaN, else 0."""
    return data != data


def zipfian_candidates(draw_uniform, true_classes, num_sampled, range_max):
    """rand_zipfian for arrays or symbols: ``draw_uniform(high, shape)`` draws float64 values
    in [0, high)."""
    log_range = math.log(range_max + 1)
    sampled = (draw_uniform(log_range, (num_sampled,)).exp() - 1).astype("int64") % range_max

    def expected_count(classes):
        classes = classes.astype("float64")
        return ((classes + 2.0) / (classes + 1.0)).log() / log_range * num_sampled
    return sampled, expected_count(true_classes), expected_count(sampled)


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """``num_sampled`` classes drawn from the log-uniform (Zipfian) distribution over
    [0, range_max), with replacement, and the expected counts of ``true_classes`` and of the
    sampled classes: (sampled, expected_count_true, expected_count_sampled)."""
    def draw(high, shape):
        return uniform(0, high, shape=shape, dtype="float64", ctx=ctx)
    return zipfian_candidates(draw, true_classes.as_in_context(ctx) if ctx else true_classes,
                              num_sampled, range_max)

"""mx.random: ``seed`` (which makes every random operator reproducible), the random
state, and the samplers of ``mx.nd.random``."""
from .ndarray.random import (exponential, gamma, generalized_negative_binomial, multinomial,
                             negative_binomial, normal, poisson, randint, randn, shuffle,
                             uniform)
from .random_state import get_state, next_key, seed, set_state

__all__ = ["seed", "next_key", "get_state", "set_state", "uniform", "normal", "randn", "gamma",
           "exponential", "poisson", "negative_binomial", "generalized_negative_binomial",
           "randint", "multinomial", "shuffle"]

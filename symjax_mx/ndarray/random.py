"""mx.nd.random: sampling functions (filled by the random-operators work)."""

"""The cost of scoping JAX's 64-bit mode to symjax_mx's calls (symjax_mx/x64.py).

    python bench/x64_scope.py

Times small eager operations as they run now (x64 entered around each call into JAX)
against the same operations with x64 switched on for the whole process and the scope
made a no-op (what importing symjax_mx used to do), alternating the two in one run, and
prints medians and their ratio.
"""
import contextlib
import statistics
import timeit

import jax

import symjax_mx as mx
from symjax_mx import x64

SCOPED = x64._enable_x64


def use_global_x64(on):
    jax.config.update("jax_enable_x64", on)
    x64._enable_x64 = (lambda value: contextlib.nullcontext()) if on else SCOPED


def main(rounds=7, number=2000):
    state = {"c": mx.nd.ones((2, 3)), "b": mx.nd.ones((2, 3)),
             "d": mx.nd.ones((2, 3), dtype="float64")}

    def add():
        state["c"] = state["c"] + state["b"]

    def add_float64():
        state["d"] = state["d"] + 1

    def ones():
        mx.nd.ones((2, 3))

    cases = {"c = c + b": add, "d = d + 1 (float64)": add_float64, "nd.ones((2, 3))": ones}
    times = {(name, mode): [] for name in cases for mode in ("scoped", "global")}
    for _ in range(rounds):
        for mode in ("scoped", "global"):
            use_global_x64(mode == "global")
            for name, step in cases.items():
                step()
                times[name, mode].append(timeit.timeit(step, number=number) / number)
    use_global_x64(False)
    print(f"{'operation':<22}{'scoped x64':>12}{'global x64':>12}{'ratio':>8}")
    for name in cases:
        scoped = statistics.median(times[name, "scoped"])
        whole = statistics.median(times[name, "global"])
        print(f"{name:<22}{scoped * 1e6:>10.1f}us{whole * 1e6:>10.1f}us{scoped / whole:>7.2f}x")


if __name__ == "__main__":
    main()

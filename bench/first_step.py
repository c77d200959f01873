"""The figures both compile-time benchmarks print for one training step function."""
import json
import statistics
import time


def print_compile_and_steps(step, steps):
    """Print, as one JSON line, the first call of ``step`` (its compile: wall and CPU
    seconds) and the median of ``steps`` calls after it (milliseconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"compile_s": wall, "compile_cpu_s": cpu,
                      "step_ms": 1000 * statistics.median(times)}))

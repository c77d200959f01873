"""``mx.profiler``: MXNet's profiler API on ``jax.profiler``.

``set_state('run')`` starts a JAX trace of everything XLA runs (written, at ``'stop'``,
under ``<filename without .json>_jax/`` for TensorBoard's profile plugin, with a
``perfetto_trace.json.gz`` for https://ui.perfetto.dev). MXNet's own records — operators
dispatched by ``mx.nd``, and the user's ``Task``, ``Frame``, ``Event``, ``Counter`` and
``Marker`` — go to ``filename`` as a Chrome trace (``dump``; Perfetto and
chrome://tracing open it) and to the aggregate statistics that ``dumps`` prints.
Operator times are dispatch times: JAX runs the work asynchronously. As MXNet does, a
process that exits with records not yet dumped writes them to ``filename``.
"""
import atexit
import contextlib
import json
import os
import threading
import time

import jax

from .base import MXNetError

__all__ = ["set_config", "set_state", "dump", "dumps", "pause", "resume", "scope", "Domain",
           "Task", "Frame", "Event", "Counter", "Marker"]

_CONFIG_KEYS = ("filename", "profile_all", "profile_symbolic", "profile_imperative",
                "profile_memory", "profile_api", "continuous_dump", "dump_period",
                "aggregate_stats", "profile_process")
_SORT_KEYS = {"total": "Total", "avg": "Avg", "min": "Min", "max": "Max", "count": "Count"}


class _Profiler:
    """The process's one profiler: its configuration, state and records."""

    def __init__(self):
        self.config = {"filename": "profile.json", "aggregate_stats": False}
        self.running = False
        self.paused = False
        self.jax_trace_dir = None
        self.events = []  # Chrome trace events
        self.dumped = 0   # how many of them the last dump wrote
        self.stats = {}   # domain -> name -> [count, total, min, max] in ms
        self.scope = ""
        self.custom_operator = None  # the custom operator whose Python code runs now
        self.lock = threading.Lock()

    @property
    def recording(self):
        return self.running and not self.paused

    def record(self, domain, name, start, end):
        """A finished span of ``name`` in ``domain`` (perf_counter seconds)."""
        if not self.recording:
            return
        duration_ms = (end - start) * 1e3
        with self.lock:
            self.events.append({"name": name, "cat": domain, "ph": "X", "ts": start * 1e6,
                                "dur": duration_ms * 1e3, "pid": os.getpid(),
                                "tid": threading.get_ident()})
            if self.config["aggregate_stats"]:
                entry = self.stats.setdefault(domain, {}).get(name)
                if entry is None:
                    self.stats[domain][name] = [1, duration_ms, duration_ms, duration_ms]
                else:
                    entry[0] += 1
                    entry[1] += duration_ms
                    entry[2] = min(entry[2], duration_ms)
                    entry[3] = max(entry[3], duration_ms)

    def instant(self, domain, name, phase, **extra):
        if self.recording:
            with self.lock:
                self.events.append({"name": name, "cat": domain, "ph": phase,
                                    "ts": time.perf_counter() * 1e6, "pid": os.getpid(),
                                    "tid": threading.get_ident(), **extra})


_PROFILER = _Profiler()


def set_config(**kwargs):
    """Configure the profiler: ``filename`` (the Chrome trace ``dump`` writes),
    ``aggregate_stats`` (keep the statistics ``dumps`` prints) and MXNet's other keys."""
    unknown = sorted(set(kwargs) - set(_CONFIG_KEYS))
    if unknown:
        raise MXNetError(f"profiler.set_config: unknown option(s) {unknown}; the options are "
                         f"{list(_CONFIG_KEYS)}")
    _PROFILER.config.update(kwargs)


def set_state(state="stop", profile_process="worker"):
    """'run' starts recording (and a JAX trace), 'stop' stops both; either ends a pause."""
    if state not in ("run", "stop"):
        raise MXNetError(f"profiler.set_state: state must be 'run' or 'stop', got {state!r}")
    _PROFILER.paused = False
    if (state == "run") == _PROFILER.running:
        return
    if state == "run":
        stem = os.path.splitext(_PROFILER.config["filename"])[0]
        _PROFILER.jax_trace_dir = stem + "_jax"
        jax.profiler.start_trace(_PROFILER.jax_trace_dir, create_perfetto_trace=True,
                                 **_trace_options())
        _PROFILER.running = True
    else:
        _PROFILER.running = False
        jax.profiler.stop_trace()


def _trace_options():
    """JAX's trace without its Python tracer, which records every Python call (gigabytes
    for a loop of a million calls); older JAX has no options and no Python tracer."""
    if not hasattr(jax.profiler, "ProfileOptions"):
        return {}
    options = jax.profiler.ProfileOptions()
    options.python_tracer_level = 0
    return {"profiler_options": options}


def pause(profile_process="worker"):
    """Stop recording MXNet-level records until ``resume`` (the JAX trace goes on)."""
    _PROFILER.paused = True


def resume(profile_process="worker"):
    """Record again after ``pause``."""
    _PROFILER.paused = False


def dump(finished=True, profile_process="worker"):
    """Write the records so far to ``filename`` as a Chrome trace (Perfetto opens it);
    ``finished`` also stops the profiler."""
    with _PROFILER.lock:
        trace = {"traceEvents": list(_PROFILER.events), "displayTimeUnit": "ms"}
        _PROFILER.dumped = len(trace["traceEvents"])
    filename = _PROFILER.config["filename"]
    tmp = f"{filename}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(trace, f)
    os.replace(tmp, filename)
    if finished:
        set_state("stop")


@atexit.register
def _dump_at_exit():
    """MXNet writes the profile when the process ends, if it holds undumped records."""
    if len(_PROFILER.events) > _PROFILER.dumped:
        dump()
    elif _PROFILER.running:
        set_state("stop")


def dumps(reset=False, format="table", sort_by="total", ascending=False):
    """The aggregate statistics (``set_config(aggregate_stats=True)``) as a table or JSON:
    count and total, min, max and average time per domain and name, in ms."""
    if format not in ("table", "json"):
        raise MXNetError(f"profiler.dumps: format must be 'table' or 'json', got {format!r}")
    if sort_by not in _SORT_KEYS:
        raise MXNetError(f"profiler.dumps: sort_by must be one of {list(_SORT_KEYS)}, got "
                         f"{sort_by!r}")
    with _PROFILER.lock:
        time_stats = {}
        for domain, entries in _PROFILER.stats.items():
            rows = {name: {"Count": c, "Total": t, "Min": lo, "Max": hi, "Avg": t / c}
                    for name, (c, t, lo, hi) in entries.items()}
            key = _SORT_KEYS[sort_by]
            time_stats[domain] = dict(sorted(rows.items(), key=lambda item: item[1][key],
                                             reverse=not ascending))
        if reset:
            _PROFILER.stats.clear()
    if format == "json":
        return json.dumps({"Time": time_stats, "Memory": {}, "Unit": {"Time": "ms",
                                                                      "Memory": "kB"}})
    lines = ["Profile Statistics:", "\tNote the difference in units for different entries."]
    for domain, rows in time_stats.items():
        lines += ["", domain, "=" * len(domain),
                  f"{'Name':<40}{'Total Count':>12}{'Time (ms)':>14}{'Min Time (ms)':>15}"
                  f"{'Max Time (ms)':>15}{'Avg Time (ms)':>15}"]
        lines += [f"{name:<40}{r['Count']:>12}{r['Total']:>14.4f}{r['Min']:>15.4f}"
                  f"{r['Max']:>15.4f}{r['Avg']:>15.4f}" for name, r in rows.items()]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def scope(name="<unk>:", append_mode=False):
    """Operators dispatched inside are recorded under ``name`` + their own name."""
    previous = _PROFILER.scope
    _PROFILER.scope = (previous + name) if append_mode else name
    try:
        yield
    finally:
        _PROFILER.scope = previous


# --- hooks for the operator layers ------------------------------------------------------

def timing_operators():
    """Whether operator calls are being timed one by one now."""
    return _PROFILER.recording


def operator_started():
    """The start time of an operator's dispatch when recording, else None."""
    return time.perf_counter() if _PROFILER.recording else None


def operator_finished(name, started):
    """Record an operator dispatched since ``started`` (from ``operator_started``)."""
    if _PROFILER.custom_operator is not None:
        _PROFILER.record("Custom Operator", f"{_PROFILER.custom_operator}::{name}", started,
                         time.perf_counter())
    else:
        _PROFILER.record("operator", _PROFILER.scope + name, started, time.perf_counter())


@contextlib.contextmanager
def custom_operator(op_type):
    """Python code of the custom operator ``op_type`` runs inside: it is recorded as
    ``<op_type>::pure_python`` and the operators it calls as ``<op_type>::<name>``."""
    previous, _PROFILER.custom_operator = _PROFILER.custom_operator, op_type
    start = time.perf_counter()
    try:
        yield
    finally:
        _PROFILER.custom_operator = previous
        _PROFILER.record("Custom Operator", f"{op_type}::pure_python", start,
                         time.perf_counter())


# --- user annotations ---------------------------------------------------------------------

class Domain:
    """A named group of tasks, frames, counters and markers."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    def new_task(self, name):
        return Task(self, name)

    def new_frame(self, name):
        return Frame(self, name)

    def new_counter(self, name, value=None):
        return Counter(self, name, value)

    def new_marker(self, name):
        return Marker(self, name)


class _Span:
    """A named span between ``start()`` and ``stop()``, also shown in the JAX trace."""

    def __init__(self, domain, name):
        self.domain = domain
        self.name = name
        self._start = None
        self._annotation = None

    def start(self):
        self._start = time.perf_counter()
        self._annotation = jax.profiler.TraceAnnotation(self.name)
        self._annotation.__enter__()

    def stop(self):
        if self._start is None:
            raise MXNetError(f"profiler: {self.name} stopped before it started")
        self._annotation.__exit__(None, None, None)
        _PROFILER.record(str(self.domain), self.name, self._start, time.perf_counter())
        self._start = self._annotation = None

    def __str__(self):
        return self.name


class Task(_Span):
    """A logical unit of work in a domain: ``task.start()`` ... ``task.stop()``."""


class Frame(_Span):
    """One iteration of repeated work (a frame) in a domain."""


class Event(_Span):
    """A span with a name and no domain."""

    def __init__(self, name):
        super().__init__("Event", name)


class Counter:
    """A named value over time: ``set_value``, ``increment``, ``decrement``, ``+=``, ``-=``."""

    def __init__(self, domain, name, value=None):
        self.domain = domain
        self.name = name
        self.value = 0
        if value is not None:
            self.set_value(value)

    def set_value(self, value):
        self.value = value
        _PROFILER.instant(str(self.domain), self.name, "C", args={self.name: value})

    def increment(self, delta=1):
        self.set_value(self.value + delta)

    def decrement(self, delta=1):
        self.set_value(self.value - delta)

    def __iadd__(self, delta):
        self.increment(delta)
        return self

    def __isub__(self, delta):
        self.decrement(delta)
        return self

    def __str__(self):
        return self.name


class Marker:
    """An instant in the trace: ``Marker(domain, name).mark(scope)``."""

    _SCOPES = {"global": "g", "process": "p", "thread": "t", "task": "t", "marker": "t"}

    def __init__(self, domain, name):
        self.domain = domain
        self.name = name

    def mark(self, scope="process"):
        if scope not in self._SCOPES:
            raise MXNetError(f"Marker.mark: scope must be one of {list(self._SCOPES)}, got "
                             f"{scope!r}")
        _PROFILER.instant(str(self.domain), self.name, "i", s=self._SCOPES[scope])

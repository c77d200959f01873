"""mx.profiler: MXNet's profiler API on jax.profiler."""
import json
import os
import subprocess
import sys

import pytest

import symjax_mx as mx
from symjax_mx import profiler


@pytest.fixture
def trace_file(tmp_path):
    filename = str(tmp_path / "profile.json")
    profiler.set_config(profile_all=True, filename=filename, aggregate_stats=True)
    profiler.dumps(reset=True)
    yield filename
    profiler.dump()  # stops, and leaves no undumped records for the exit dump
    profiler.set_config(filename="profile.json", aggregate_stats=False)


def _operators(**dumps_kwargs):
    return json.loads(profiler.dumps(format="json", **dumps_kwargs))["Time"].get("operator", {})


def test_operators_are_counted_only_while_running_and_not_paused(trace_file):
    a = mx.nd.ones((4, 4))
    mx.nd.sqrt(a).wait_to_read()  # not running yet
    profiler.set_state("run")
    mx.nd.sqrt(a)
    (a + 1) + 1
    profiler.pause()
    mx.nd.sqrt(a)
    profiler.resume()
    with profiler.scope("block1:"):
        mx.nd.relu(a)
    mx.nd.waitall()
    stats = _operators()
    assert stats["sqrt"]["Count"] == 1
    assert stats["_plus_scalar"]["Count"] == 2
    assert stats["block1:relu"]["Count"] == 1
    assert stats["sqrt"]["Min"] <= stats["sqrt"]["Avg"] <= stats["sqrt"]["Max"]
    counts = [row["Count"] for row in _operators(sort_by="count", ascending=True).values()]
    assert counts == sorted(counts)
    assert "_plus_scalar" in profiler.dumps() and "Total Count" in profiler.dumps()


def test_dump_writes_a_chrome_trace_with_spans_markers_and_counters(trace_file):
    profiler.set_state("run")
    domain = profiler.Domain("PythonDomain")
    task = profiler.Task(domain, "load")
    task.start()
    mx.nd.ones((2, 2)).asnumpy()
    task.stop()
    profiler.Marker(domain, "iteration-0").mark("process")
    counter = profiler.Counter(domain, "items", 5)
    counter += 2
    profiler.dump(finished=False)
    events = json.load(open(trace_file))["traceEvents"]
    by_name = {e["name"]: e for e in events}
    assert by_name["load"]["ph"] == "X" and by_name["load"]["dur"] > 0
    assert by_name["load"]["cat"] == "PythonDomain"
    assert by_name["iteration-0"]["ph"] == "i"
    assert [e["args"]["items"] for e in events if e["name"] == "items"] == [5, 7]
    profiler.set_state("stop")
    jax_trace = os.path.splitext(trace_file)[0] + "_jax"
    written = [f for _, _, files in os.walk(jax_trace) for f in files]
    assert any(f.endswith(".xplane.pb") for f in written), written  # TensorBoard's format
    assert "perfetto_trace.json.gz" in written


def test_custom_operator_code_is_recorded_under_its_type(trace_file):
    class AddOne(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] + mx.nd.ones((3,)))

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], out_grad[0] * 1)

    @mx.operator.register("ProfiledAddOne")
    class AddOneProp(mx.operator.CustomOpProp):
        def infer_shape(self, in_shape):
            return [in_shape[0]], [in_shape[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return AddOne()

    profiler.set_state("run")
    x = mx.nd.zeros((3,))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Custom(x, op_type="ProfiledAddOne")
    y.backward()
    mx.nd.waitall()
    custom = json.loads(profiler.dumps(format="json"))["Time"]["Custom Operator"]
    assert {"ProfiledAddOne::pure_python", "ProfiledAddOne::_ones",
            "_backward_ProfiledAddOne::pure_python",
            "_backward_ProfiledAddOne::_mul_scalar"} <= set(custom)


def test_bad_arguments_name_what_is_wrong():
    with pytest.raises(mx.MXNetError, match="unknown option.*'profile_everything'"):
        profiler.set_config(profile_everything=True)
    with pytest.raises(mx.MXNetError, match="'run' or 'stop'"):
        profiler.set_state("start")
    with pytest.raises(mx.MXNetError, match="sort_by must be one of"):
        profiler.dumps(sort_by="median")
    with pytest.raises(mx.MXNetError, match="stopped before it started"):
        profiler.Event("never started").stop()


_EXIT_SCRIPT = """
import os, sys
import symjax_mx as mx
filename = sys.argv[1]
mx.profiler.set_config(profile_all=True, filename=filename)
mx.profiler.set_state("run")
(mx.nd.ones((2, 2)) * 2).wait_to_read()
if sys.argv[2] == "dump":
    mx.profiler.dump()
    os.rename(filename, filename + ".first")
"""


@pytest.mark.parametrize("mode", ["exit", "dump"])
def test_records_not_dumped_are_written_at_exit(tmp_path, mode):
    """As MXNet: a script that only starts the profiler (example/profiler/
    profiler_ndarray.py) gets its file when it exits; one that dumped gets no second."""
    filename = str(tmp_path / "profile.json")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-c", _EXIT_SCRIPT, filename, mode], check=True,
                   env={**os.environ, "PYTHONPATH": root}, cwd=str(tmp_path))
    if mode == "dump":
        assert not os.path.exists(filename) and os.path.exists(filename + ".first")
    else:
        names = [e["name"] for e in json.load(open(filename))["traceEvents"]]
        assert "_mul_scalar" in names

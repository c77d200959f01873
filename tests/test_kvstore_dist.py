"""dist_sync across worker processes on 127.0.0.1, started through the launcher."""
import json
import os
import socket
import stat
import subprocess
import sys
import time

import numpy as np
import pytest

WORKER = os.path.join(os.path.dirname(__file__), "dist", "kv_worker.py")


def launch(tmp_path, workers, scenario, *options, devices=2, timeout=120):
    """Run the launcher; returns (exit status, {rank: result}, stderr)."""
    env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
           "SYMJAX_MX_HEARTBEAT_TIMEOUT": "10"}
    proc = subprocess.run(
        [sys.executable, "-m", "symjax_mx.kv.launch", "-n", str(workers), *options,
         sys.executable, WORKER, str(tmp_path), scenario],
        env=env, capture_output=True, text=True, timeout=timeout)
    results = {}
    for rank in range(workers):
        path = tmp_path / f"rank{rank}.json"
        if path.exists():
            results[rank] = json.loads(path.read_text())
    return proc.returncode, results, proc.stderr


@pytest.mark.parametrize("workers", [2, 3])
def test_sums_init_and_updater(tmp_path, workers):
    status, results, stderr = launch(tmp_path, workers, "sums")
    assert status == 0, stderr[-3000:]
    assert sorted(results) == list(range(workers))
    total = sum(rank + 1 for rank in range(workers))
    for rank, r in results.items():
        assert (r["rank"], r["num_workers"], r["type"]) == (rank, workers, "dist_sync")
        assert np.all(np.array(r["initial"]) == 10)  # worker 0's initial value
        assert np.all(np.array(r["sum"]) == 2 * total)  # two devices per worker
        assert np.all(np.array(r["packed"][0]) == sum(range(workers)))
        assert np.all(np.array(r["packed"][1]) == total)
        assert np.all(np.array(r["updated"]) == 2 * total + 2 * workers)
        assert r["updater_keys"] == ["w"]


def test_optimizer_replicas_stay_identical(tmp_path):
    status, results, stderr = launch(tmp_path, 2, "optimizer")
    assert status == 0, stderr[-3000:]
    weights = [np.array(results[rank]["weight"]) for rank in range(2)]
    np.testing.assert_array_equal(weights[0], weights[1])
    # The same SGD run in one process on the summed gradients.
    weight = np.random.RandomState(100).rand(3, 4).astype(np.float32)
    grads = [np.random.RandomState(rank) for rank in range(2)]
    momentum = np.zeros_like(weight)
    for _ in range(3):
        grad = sum(g.rand(3, 4).astype(np.float32) for g in grads)
        momentum = 0.9 * momentum - 0.1 * (grad + 0.01 * weight)
        weight = weight + momentum
    np.testing.assert_allclose(weights[0], weight, rtol=1e-5)


def test_a_dead_worker_makes_the_others_fail(tmp_path):
    start = time.monotonic()
    status, results, stderr = launch(tmp_path, 3, "die", devices=1)
    elapsed = time.monotonic() - start
    assert status == 3  # the dead worker's status
    assert elapsed < 60
    for rank in (0, 1):
        assert "has a worker died" in results[rank]["error"]
        assert results[rank]["seconds_to_error"] < 60
    assert "worker 2 failed with exit status 3" in stderr
    assert "worker 2 failed first (exit status 3)" in stderr
    # The survivors exit with status 1 on their own, not aborted by the runtime later.
    assert "stopping the workers" not in stderr
    for rank in (0, 1):
        assert _seconds_after_failure(stderr, rank, status=1) < 5


def _seconds_after_failure(stderr, rank, status):
    """When worker ``rank`` exited with ``status``, in seconds after the first failure."""
    line = next(ln for ln in stderr.splitlines() if f"worker {rank} exited" in ln)
    assert f"with status {status}," in line, line
    return float(line.split(", ")[1].split(" s after")[0])


def test_a_killed_worker_ends_the_others_that_go_on(tmp_path):
    """Survivors that catch the error and go on still exit with status 1, within
    SYMJAX_MX_FAULT_EXIT seconds of the failed collective."""
    status, results, stderr = launch(tmp_path, 3, "killed", devices=1)
    assert status == 128 + 9, stderr[-3000:]
    assert "worker 2 failed first (exit status -9)" in stderr
    for rank in (0, 1):
        assert "has a worker died" in results[rank]["error"]
        assert _seconds_after_failure(stderr, rank, status=1) < 10


def test_ssh_launcher_with_a_hostfile(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake_ssh = bin_dir / "ssh"
    # Runs the remote command locally: drops the options and the host name.
    fake_ssh.write_text('#!/bin/sh\nwhile [ "$1" = "-o" ]; do shift 2; done\nshift\n'
                        'exec sh -c "$1"\n')
    fake_ssh.chmod(fake_ssh.stat().st_mode | stat.S_IEXEC)
    hostfile = tmp_path / "hosts"
    hostfile.write_text("127.0.0.1\n127.0.0.1\n")
    out = tmp_path / "out"
    out.mkdir()
    env_path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    with socket.socket() as sock:  # a port free now, for worker 0's coordinator
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.run(
        [sys.executable, "-m", "symjax_mx.kv.launch", "-n", "2", "-H", str(hostfile),
         "--port", str(port), sys.executable, WORKER, str(out), "sums"],
        env={**os.environ, "PATH": env_path,
             "XLA_FLAGS": "--xla_force_host_platform_device_count=2"},
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for rank in range(2):
        result = json.loads((out / f"rank{rank}.json").read_text())
        assert result["num_workers"] == 2 and result["rank"] == rank


def test_launcher_rejects_bad_arguments():
    proc = subprocess.run([sys.executable, "-m", "symjax_mx.kv.launch", "-n", "0", "x.py"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0 and "-n must be at least 1" in proc.stderr


def test_dmlc_environment_is_honoured(monkeypatch):
    from symjax_mx.kv import dist
    for name in ("SYMJAX_MX_COORDINATOR", "SYMJAX_MX_NUM_WORKERS", "SYMJAX_MX_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DMLC_PS_ROOT_URI", "10.0.0.1")
    monkeypatch.setenv("DMLC_PS_ROOT_PORT", "9000")
    monkeypatch.setenv("DMLC_NUM_WORKER", "4")
    monkeypatch.setenv("DMLC_WORKER_ID", "2")
    assert dist.environment() == ("10.0.0.1:9000", 4, 2)
    monkeypatch.delenv("DMLC_WORKER_ID")
    with pytest.raises(Exception, match="rank is not"):
        dist.environment()


def test_module_fit_across_workers_equals_one_process(tmp_path):
    """Module.fit with kvstore='dist_sync' on 2 workers, each with half of every batch,
    trains exactly as one process on the whole batches."""
    env = {**os.environ, "XLA_FLAGS": "--xla_force_host_platform_device_count=1"}
    proc = subprocess.run(
        [sys.executable, "-m", "symjax_mx.kv.launch", "-n", "2", sys.executable,
         os.path.join(os.path.dirname(__file__), "dist", "module_worker.py"), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    workers = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in range(2)]
    import symjax_mx as mx
    from test_module import BATCH, dataset, mlp
    x, y = dataset(BATCH * 4)
    mx.random.seed(3)
    mod = mx.mod.Module(mlp(batchnorm=True), context=mx.cpu(0))
    mod.fit(mx.io.NDArrayIter(x, y, batch_size=BATCH), num_epoch=2,
            initializer=mx.init.Xavier(), optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    arg, aux = mod.get_params()
    for name, value in {**arg, **aux}.items():
        np.testing.assert_array_equal(workers[0][name], workers[1][name], err_msg=name)
        np.testing.assert_allclose(workers[0][name], value.asnumpy(), rtol=1e-4, atol=1e-6,
                                   err_msg=name)

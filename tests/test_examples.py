"""The example scripts run to completion and print the tutorial's results."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# The element-wise section of the tutorial, and the lazy-evaluation example.
EXPECTED = [
    "b:\n[[4. 4. 4.]\n [4. 4. 4.]]",
    "c = a + b:\n[[6. 6. 6.]\n [6. 6. 6.]]",
    "d = a * b:\n[[8. 8. 8.]\n [8. 8. 8.]]",
    "ones, then b[:] = 2:\n[[2. 2. 2.]\n [2. 2. 2.]]",
    "<NDArray 2x3 @",
    "c.shape: (2, 3)",
    "pickle round trip:\n[[2. 2. 2.]\n [2. 2. 2.]]",
    "c['b']:\n[[3. 3. 3.]\n [3. 3. 3.]]",
    "a (= b):\n[[6. 6. 6.]\n [6. 6. 6.]]",
    "c:\n[[3. 3. 3.]\n [3. 3. 3.]]",
    "tutorial finished",
]


def _run(script, xla_flags):
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    if xla_flags:
        env["XLA_FLAGS"] = xla_flags
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        capture_output=True, text=True, timeout=300, env=env, cwd=EXAMPLES.parent,
    )


@pytest.mark.parametrize(
    "xla_flags",
    [None, "--xla_force_host_platform_device_count=4"],
    ids=["one-host-device", "four-host-devices"],
)
def test_tutorial_script(xla_flags):
    result = _run("tutorial.py", xla_flags)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    for text in EXPECTED:
        assert text in result.stdout, f"{text!r} missing from the output:\n{result.stdout}"


def test_train_mnist_on_the_digits_data():
    result = _run("train_mnist.py", None)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    accuracies = {line.split(":")[0]: float(line.split()[-1])
                  for line in result.stdout.splitlines() if "validation accuracy" in line}
    assert set(accuracies) == {"mlp", "lenet"}
    assert min(accuracies.values()) >= 0.97, result.stdout
    assert "Epoch[0] Train-accuracy=" in result.stderr
    assert "samples/sec" in result.stderr


def test_data_parallel_example():
    result = _run("data_parallel.py", "--xla_force_host_platform_device_count=4")
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    difference = float(result.stdout.split("max difference between the parameters:")[1]
                       .split()[0])
    # one device runs channels-last convolutions, the SPMD program NCHW ones: their sums
    # round differently (gradients agree to ~5e-7 relative), which 24 momentum steps grow
    assert difference < 1e-3, result.stdout

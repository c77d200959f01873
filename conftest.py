"""Test set-up for tests/ and docs/: four host CPU devices, so multi-device behaviour
(mx.cpu(0..3), collectives) is tested without a GPU. Must run before JAX initialises."""
import os

import pytest

_FLAG = "--xla_force_host_platform_device_count=4"
if _FLAG not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + _FLAG).strip()


@pytest.fixture
def jax_x64():
    """JAX's 64-bit mode for tests that call symjax_mx's pure JAX internals (operator
    computes) directly: symjax_mx enters it only around its own entry points."""
    from symjax_mx import x64
    with x64.scope():
        yield

"""Test set-up: four host CPU devices, so multi-device behaviour is tested without a GPU."""
import os

os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
).strip()

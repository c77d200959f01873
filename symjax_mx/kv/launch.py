"""Start N dist_sync workers: ``python -m symjax_mx.kv.launch -n N [-H hostfile]
[--launcher local|ssh] prog.py args...``.

Each worker gets SYMJAX_MX_COORDINATOR (host:port of worker 0), SYMJAX_MX_NUM_WORKERS and
SYMJAX_MX_RANK, plus MXNet's DMLC_ROLE / DMLC_NUM_WORKER / DMLC_WORKER_ID, and joins
JAX's distributed runtime on ``import symjax_mx``. When a worker fails, the others are
given ``--grace`` seconds to notice and exit, then stopped; the launcher's exit status is
the first failure's.
"""
import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time

__all__ = ["main", "worker_environment"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def worker_environment(coordinator, num_workers, rank):
    """The environment variables that make a process worker ``rank``."""
    return {"SYMJAX_MX_COORDINATOR": coordinator, "SYMJAX_MX_NUM_WORKERS": str(num_workers),
            "SYMJAX_MX_RANK": str(rank), "DMLC_ROLE": "worker",
            "DMLC_NUM_WORKER": str(num_workers), "DMLC_WORKER_ID": str(rank)}


def _command(args):
    """The worker command: a .py program runs under this Python."""
    if args and args[0].endswith(".py"):
        return [sys.executable] + args
    return args


def _read_hosts(hostfile):
    with open(hostfile) as f:
        hosts = [line.split()[0] for line in f if line.strip() and not line.startswith("#")]
    if not hosts:
        raise SystemExit(f"launch: hostfile {hostfile} names no hosts")
    return hosts


def _start(options):
    command = _command(options.command)
    if options.launcher == "local":
        coordinator = f"127.0.0.1:{options.port or _free_port()}"
        return [subprocess.Popen(command, env={**os.environ, **worker_environment(
            coordinator, options.num_workers, rank)}) for rank in range(options.num_workers)]
    hosts = _read_hosts(options.hostfile) if options.hostfile else ["127.0.0.1"]
    coordinator = f"{hosts[0]}:{options.port or 9091}"
    workers = []
    for rank in range(options.num_workers):
        env = worker_environment(coordinator, options.num_workers, rank)
        for name in ("XLA_FLAGS", "PYTHONPATH"):
            if name in os.environ:
                env[name] = os.environ[name]
        remote = (f"cd {shlex.quote(os.getcwd())} && env "
                  + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items()) + " "
                  + " ".join(shlex.quote(c) for c in command))
        workers.append(subprocess.Popen(
            ["ssh", "-o", "StrictHostKeyChecking=no", hosts[rank % len(hosts)], remote]))
    return workers


def _stop(workers):
    for w in workers:
        if w.poll() is None:
            w.terminate()
    deadline = time.monotonic() + 5
    for w in workers:
        try:
            w.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            w.kill()
            w.wait()


def _exit_status(returncode):
    """A shell-style exit status: a death by signal N is 128 + N."""
    return returncode if returncode > 0 else 128 - returncode


def _exits_in_order(workers):
    """A list that threads fill with (rank, exit status, time.monotonic()) as the workers
    exit, in order."""
    exits = []

    def wait(rank, worker):
        exits.append((rank, worker.wait(), time.monotonic()))

    for rank, worker in enumerate(workers):
        threading.Thread(target=wait, args=(rank, worker), daemon=True).start()
    return exits


def _supervise(workers, grace):
    """Wait for the workers; returns the first failure's exit status (0 if none)."""
    exits = _exits_in_order(workers)
    first, deadline, seen = None, None, 0
    while seen < len(workers):
        for rank, code, when in exits[seen:len(exits)]:
            seen += 1
            if code and first is None:
                first = rank, code, when
                deadline = time.monotonic() + grace
                print(f"launch: worker {rank} failed with exit status {code}, the first to "
                      f"fail; waiting up to {grace:g} s for the others", file=sys.stderr,
                      flush=True)
        if deadline is not None and time.monotonic() > deadline:
            print("launch: stopping the workers still running", file=sys.stderr, flush=True)
            _stop(workers)
            deadline = None
        time.sleep(0.02)
    for rank, code, when in sorted(exits):
        after = "" if first is None or rank == first[0] else \
            f", {when - first[2]:.1f} s after worker {first[0]} failed"
        print(f"launch: worker {rank} exited with status {code}{after}", file=sys.stderr,
              flush=True)
    if first is None:
        return 0
    print(f"launch: worker {first[0]} failed first (exit status {first[1]})", file=sys.stderr,
          flush=True)
    return _exit_status(first[1])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m symjax_mx.kv.launch", description="Start dist_sync workers.")
    parser.add_argument("-n", "--num-workers", type=int, required=True)
    parser.add_argument("-s", "--num-servers", type=int, default=0,
                        help="accepted for MXNet compatibility; there are no servers")
    parser.add_argument("-H", "--hostfile", help="one host per line (ssh launcher)")
    parser.add_argument("--launcher", choices=["local", "ssh"], default=None,
                        help="default: ssh with a hostfile, else local")
    parser.add_argument("--port", type=int, default=0, help="the coordinator's port")
    parser.add_argument("--grace", type=float, default=60.0,
                        help="seconds the others get to exit after a worker fails")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    if options.num_workers < 1:
        parser.error("-n must be at least 1")
    if not options.command:
        parser.error("no program to launch")
    if options.launcher is None:
        options.launcher = "ssh" if options.hostfile else "local"
    workers = _start(options)

    def forward_signal(signum, frame):
        _stop(workers)
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, forward_signal)
    signal.signal(signal.SIGINT, forward_signal)
    return _supervise(workers, options.grace)


if __name__ == "__main__":
    sys.exit(main())

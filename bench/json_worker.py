"""A long-lived Python subprocess answering each JSON request line with one JSON line: the
benchmarks' MXNet oracle (bench/zoo_inference.py, bench/train_mxnet.py) and the checkouts
bench/zoo_ab.py compares."""
import json
import subprocess


class JsonWorker:
    """``argv`` (e.g. ``[python, "-c", source]``) run with ``env`` (default: inherited);
    ``name`` says which worker died in the error."""

    def __init__(self, argv, env=None, name="a worker"):
        self.name = name
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)

    def ask(self, **request):
        """The worker's answer to ``request``."""
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} exited")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()

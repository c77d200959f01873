"""A dist_sync worker for tests/test_kvstore_dist.py: ``kv_worker.py OUT_DIR SCENARIO``.

Writes OUT_DIR/rank<R>.json with what it saw."""
import json
import os
import signal
import sys
import time

import numpy as np

import symjax_mx as mx

out_dir, scenario = sys.argv[1], sys.argv[2]
kv = mx.kv.create("dist_sync")
rank, workers = kv.rank, kv.num_workers
result = {"rank": rank, "num_workers": workers, "type": kv.type}

if scenario == "sums":
    # Every worker starts from its own value: init keeps worker 0's. (One store takes
    # str keys or int keys, not both, as in MXNet.)
    kv.init("w", mx.nd.ones((2, 3)) * (rank + 10))
    kv.init(["a", "b"], [mx.nd.zeros((4,)), mx.nd.zeros((2, 2))])
    initial = mx.nd.zeros((2, 3))
    kv.pull("w", out=initial)
    result["initial"] = initial.asnumpy().tolist()
    # Two local devices each push rank+1: the sum is 2 * sum(rank+1).
    kv.push("w", [mx.nd.ones((2, 3), mx.cpu(i)) * (rank + 1) for i in range(2)])
    outs = [mx.nd.zeros((2, 3), mx.cpu(i)) for i in range(2)]
    kv.pull("w", out=outs)
    result["sum"] = [o.asnumpy().tolist() for o in outs]
    kv.push(["a", "b"], [mx.nd.ones((4,)) * rank, mx.nd.ones((2, 2)) * (rank + 1)])
    a, b = mx.nd.zeros((4,)), mx.nd.zeros((2, 2))
    kv.pull(["a", "b"], out=[a, b])
    result["packed"] = [a.asnumpy().tolist(), b.asnumpy().tolist()]

    seen = []

    def update(key, merged, stored):
        seen.append(key)
        stored += merged * 2

    kv._set_updater(update)
    kv.push("w", mx.nd.ones((2, 3)))
    kv.pull("w", out=initial)
    result["updated"] = initial.asnumpy().tolist()
    result["updater_keys"] = seen
    kv.barrier()
elif scenario == "optimizer":
    rng = np.random.RandomState(rank)  # different gradients on every worker
    kv.set_optimizer(mx.optimizer.create("sgd", learning_rate=0.1, momentum=0.9, wd=0.01))
    kv.init(0, mx.nd.array(np.random.RandomState(100 + rank).rand(3, 4)))
    weight = mx.nd.zeros((3, 4))
    for step in range(3):
        kv.push(0, mx.nd.array(rng.rand(3, 4)))
        kv.pull(0, out=weight)
    result["weight"] = weight.asnumpy().tolist()
elif scenario == "compression":
    # MXNet's dist_sync run of tests/golden/kvstore_compression/make_golden.py, replayed.
    golden = np.load(os.path.join(os.path.dirname(__file__), "..", "golden",
                                  "kvstore_compression", "golden.npz"))
    keys, devices = ["a", "b"], [mx.cpu(0), mx.cpu(1)]
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init(keys, [mx.nd.array(golden[f"dist/init/{k}/{rank}"]) for k in keys])
    result["pulls"] = {}
    for step in range(4):
        kv.push(keys, [[mx.nd.array(golden[f"dist/grad/{step}/{k}/{rank}/{d}"], ctx=c)
                        for d, c in enumerate(devices)] for k in keys])
        for k in keys:
            out = mx.nd.zeros(golden[f"dist/init/{k}/0"].shape)
            kv.pull(k, out=out)
            result["pulls"][f"dist/pull/{step}/{k}"] = out.asnumpy().tolist()
elif scenario in ("die", "killed"):
    kv.init(0, mx.nd.zeros((8,)))
    out = mx.nd.zeros((8,))
    kv.push(0, mx.nd.ones((8,)))
    kv.pull(0, out=out)
    out.wait_to_read()
    if rank == workers - 1:
        if scenario == "killed":
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(3)
    start = time.monotonic()
    try:
        for _ in range(600):
            kv.push(0, mx.nd.ones((8,)))
            kv.pull(0, out=out)
            out.wait_to_read()
            time.sleep(0.1)
    except mx.MXNetError as err:
        result["error"] = str(err)[:500]
        result["seconds_to_error"] = time.monotonic() - start
        with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
            json.dump(result, f)
        if scenario == "killed":  # go on as if nothing happened: the worker must still end
            time.sleep(120)
        sys.exit(1)

with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
    json.dump(result, f)

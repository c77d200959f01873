"""Write golden.npz: MXNet 1.9.1's KVStore values under 2-bit gradient compression (for
tests/test_kvstore_compression.py). Run with the real MXNet::

    /tmp/mxref/bin/python tests/golden/kvstore_compression/make_golden.py

Per case in STORE_CASES (``device`` stores on several CPU contexts): ``<case>/init/<key>``,
``<case>/grad/<step>/<key>/<device>`` (the inputs) and ``<case>/pull/<step>/<key>`` (the
value pulled after that step's push; every device pulls the same). ``trainer_<on|off>``:
gluon.Trainer on two contexts with compression_params (update_on_kvstore True / False):
``.../weight``, ``.../bias``, ``.../x/<step>``, ``.../y/<step>`` and ``.../out/<step>/<param>``
after each step. ``dist``: dist_sync with two workers of two devices each, run here on
127.0.0.1 with ps-lite (a scheduler, a server and two workers, this script in the role
``worker``): ``dist/init/<key>/<rank>``, ``dist/grad/<step>/<key>/<rank>/<device>`` and
``dist/pull/<step>/<key>`` (both workers pull the same; checked here). ``cases`` holds
STORE_CASES as JSON.
"""
import json
import os
import socket
import subprocess
import sys
import tempfile

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

# name -> the store's type, its number of contexts, its keys and their shapes, the steps
# (a push and a pull each), the thresholds set before a step (-1: before init), the SGD
# optimizer's arguments (None: no optimizer) and whether the keys are pushed as one list.
STORE_CASES = {
    "device": dict(type="device", devices=4, keys=[[3, [3, 5]]], steps=5,
                   thresholds=[[-1, 0.5]], optimizer=None, packed=False),
    "device_sgd_packed": dict(type="device", devices=2, keys=[["w", [4, 3]], ["b", [3]]],
                              steps=4, thresholds=[[-1, 0.3]], packed=True,
                              optimizer=dict(learning_rate=0.1, momentum=0.9,
                                             rescale_grad=0.5)),
    "rethreshold": dict(type="local_allreduce_device", devices=2, keys=[[7, [2, 9]]], steps=4,
                        thresholds=[[0, 0.3], [2, 0.2]], optimizer=None, packed=False),
    "one_context": dict(type="device", devices=1, keys=[["k", [6]]], steps=4,
                        thresholds=[[-1, 0.5]], optimizer=None, packed=False),
}
DIST_KEYS = {"a": (4, 5), "b": (3,)}
DIST_STEPS = 4
DIST_THRESHOLD = 0.5


def uniform(seed, shape, scale=0.9):
    return np.random.RandomState(seed).uniform(-scale, scale, shape).astype(np.float32)


def store_case(name, out):
    case = STORE_CASES[name]
    ctxs = [mx.cpu(i) for i in range(case["devices"])]
    shapes = {k: tuple(shape) for k, shape in case["keys"]}
    keys = list(shapes)
    kv = mx.kv.create(case["type"])
    changes = dict(case["thresholds"])
    if -1 in changes:
        kv.set_gradient_compression({"type": "2bit", "threshold": changes[-1]})
    if case["optimizer"] is not None:
        kv.set_optimizer(mx.optimizer.create("sgd", **case["optimizer"]))
    for i, k in enumerate(keys):
        out[f"{name}/init/{k}"] = uniform(1000 + i, shapes[k], 1.0)
        kv.init(k, mx.nd.array(out[f"{name}/init/{k}"]))
    for step in range(case["steps"]):
        if step in changes:
            kv.set_gradient_compression({"type": "2bit", "threshold": changes[step]})
        grads = {}
        for i, k in enumerate(keys):
            grads[k] = []
            for d, ctx in enumerate(ctxs):
                g = uniform(step * 100 + i * 10 + d, shapes[k])
                out[f"{name}/grad/{step}/{k}/{d}"] = g
                grads[k].append(mx.nd.array(g, ctx=ctx))
        if case["packed"]:
            kv.push(keys, [grads[k] for k in keys])
        else:
            for k in keys:
                kv.push(k, grads[k])
        for k in keys:
            pulled = [mx.nd.zeros(shapes[k], ctx) for ctx in ctxs]
            kv.pull(k, out=pulled)
            values = [p.asnumpy() for p in pulled]
            assert all((v == values[0]).all() for v in values)
            out[f"{name}/pull/{step}/{k}"] = values[0]


def trainer_case(update_on_kvstore, out):
    from mxnet import autograd, gluon
    name = f"trainer_{'on' if update_on_kvstore else 'off'}"
    ctxs = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(ctx=ctxs)
    out[f"{name}/weight"] = uniform(7, (3, 4), 0.5)
    out[f"{name}/bias"] = uniform(8, (3,), 0.5)
    net.weight.set_data(mx.nd.array(out[f"{name}/weight"]))
    net.bias.set_data(mx.nd.array(out[f"{name}/bias"]))
    trainer = gluon.Trainer(net.collect_params(), "sgd",
                            {"learning_rate": 0.1, "momentum": 0.9}, kvstore="device",
                            compression_params={"type": "2bit", "threshold": 0.05},
                            update_on_kvstore=update_on_kvstore)
    loss = gluon.loss.L2Loss()
    for step in range(4):
        x, y = uniform(20 + step, (8, 4), 1.0), uniform(30 + step, (8, 3), 1.0)
        out[f"{name}/x/{step}"], out[f"{name}/y/{step}"] = x, y
        with autograd.record():
            losses = [loss(net(mx.nd.array(x[4 * i:4 * i + 4], ctx=c)),
                           mx.nd.array(y[4 * i:4 * i + 4], ctx=c)) for i, c in enumerate(ctxs)]
        for one in losses:
            one.backward()
        trainer.step(8)
        out[f"{name}/out/{step}/weight"] = net.weight.data(ctxs[1]).asnumpy()
        out[f"{name}/out/{step}/bias"] = net.bias.data(ctxs[1]).asnumpy()


def dist_inputs():
    inputs = {}
    for rank in range(2):
        for i, (k, shape) in enumerate(DIST_KEYS.items()):
            inputs[f"dist/init/{k}/{rank}"] = uniform(500 + 10 * rank + i, shape, 1.0)
            for step in range(DIST_STEPS):
                for d in range(2):
                    inputs[f"dist/grad/{step}/{k}/{rank}/{d}"] = uniform(
                        10000 + 1000 * step + 100 * rank + 10 * i + d, shape, 0.6)
    return inputs


def dist_worker(result_path):
    kv = mx.kv.create("dist_sync")
    rank, ctxs, keys = kv.rank, [mx.cpu(0), mx.cpu(1)], list(DIST_KEYS)
    inputs = dist_inputs()
    kv.set_gradient_compression({"type": "2bit", "threshold": DIST_THRESHOLD})
    kv.init(keys, [mx.nd.array(inputs[f"dist/init/{k}/{rank}"]) for k in keys])
    pulls = {}
    for step in range(DIST_STEPS):
        kv.push(keys, [[mx.nd.array(inputs[f"dist/grad/{step}/{k}/{rank}/{d}"], ctx=c)
                        for d, c in enumerate(ctxs)] for k in keys])
        for k in keys:
            pulled = mx.nd.zeros(DIST_KEYS[k])
            kv.pull(k, out=pulled)
            pulls[f"dist/pull/{step}/{k}"] = pulled.asnumpy().tolist()
    with open(result_path, "w") as f:
        json.dump(pulls, f)
    kv._barrier()


def dist_case(out):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "DMLC_PS_ROOT_URI": "127.0.0.1", "DMLC_PS_ROOT_PORT": str(port),
           "DMLC_NUM_SERVER": "1", "DMLC_NUM_WORKER": "2", "DMLC_NODE_HOST": "127.0.0.1",
           "DMLC_INTERFACE": "lo"}
    with tempfile.TemporaryDirectory() as tmp:
        procs = [subprocess.Popen([sys.executable, "-c", "import mxnet"],
                                  env={**env, "DMLC_ROLE": role})
                 for role in ("scheduler", "server")]
        results = [os.path.join(tmp, f"worker{i}.json") for i in range(2)]
        procs += [subprocess.Popen([sys.executable, __file__, "worker", path],
                                   env={**env, "DMLC_ROLE": "worker"}) for path in results]
        for proc in procs:
            assert proc.wait(timeout=120) == 0
        pulls = [json.load(open(path)) for path in results]
    assert pulls[0] == pulls[1]
    out.update(dist_inputs())
    out.update({k: np.array(v, np.float32) for k, v in pulls[0].items()})


def main():
    out = {}
    for name in STORE_CASES:
        store_case(name, out)
    for update_on_kvstore in (True, False):
        trainer_case(update_on_kvstore, out)
    dist_case(out)
    out["cases"] = json.dumps(STORE_CASES)
    np.savez(os.path.join(HERE, "golden.npz"), **out)
    print(f"{len(out)} arrays written")


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        dist_worker(sys.argv[2])
    else:
        main()

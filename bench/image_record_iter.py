"""mx.io.ImageRecordIter: symjax_mx against MXNet 1.9.1 on the same .rec file.

Writes a .rec of JPEG images (``--images`` of 96x128, labels 0-9) with symjax_mx's
``recordio.pack_img``, then times one epoch (resize 64, random crop 56x56, mirror,
mean/std, batch 32) in two persistent worker processes, symjax_mx and MXNet
(``--mxnet-python``, default /tmp/mxref/bin/python), for each ``preprocess_threads``
value. Epochs alternate between the two; medians give images/s and the ratio.

    PYTHONPATH=. python bench/image_record_iter.py [--rounds 5] [--images 256]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

SETTINGS = dict(data_shape=(3, 56, 56), batch_size=32, resize=64, rand_crop=True,
                rand_mirror=True, mean_r=123.0, mean_g=117.0, mean_b=104.0, std_r=58.0,
                std_g=57.0, std_b=57.0)


def worker(framework, path):
    """Serve ``THREADS`` requests on stdin: run one epoch, answer the seconds it took."""
    if framework == "mxnet":
        import mxnet as mx
    else:
        import symjax_mx as mx
    iters = {}
    for line in sys.stdin:
        threads = int(line)
        if threads not in iters:
            iters[threads] = mx.io.ImageRecordIter(path_imgrec=path,
                                                   preprocess_threads=threads, **SETTINGS)
            for _ in iters[threads]:  # warm-up epoch
                pass
        it = iters[threads]
        it.reset()
        start = time.perf_counter()
        count = 0
        for batch in it:
            batch.data[0].wait_to_read()
            count += batch.data[0].shape[0] - batch.pad
        print(json.dumps([count, time.perf_counter() - start]), flush=True)


def make_rec(path, images):
    import numpy as np

    import symjax_mx as mx
    rng = np.random.RandomState(0)
    writer = mx.recordio.MXRecordIO(path, "w")
    base = np.linspace(0, 255, 96 * 128 * 3).reshape(96, 128, 3)
    for i in range(images):
        img = np.clip(base + rng.normal(0, 20, base.shape), 0, 255).astype(np.uint8)
        writer.write(mx.recordio.pack_img((0, float(i % 10), i, 0), img, quality=90))
    writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--mxnet-python", default="/tmp/mxref/bin/python")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--rec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.rec)
    path = os.path.join(tempfile.mkdtemp(), "bench.rec")
    make_rec(path, args.images)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
         os.environ.get("PYTHONPATH", "")]))
    procs = {name: subprocess.Popen([python, __file__, "--worker", name, "--rec", path],
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    env=env, stderr=subprocess.DEVNULL)
             for name, python in (("symjax_mx", sys.executable),
                                  ("mxnet", args.mxnet_python))}
    for threads in [int(t) for t in args.threads.split(",")]:
        rates = {name: [] for name in procs}
        for _ in range(args.rounds):
            for name, proc in procs.items():
                proc.stdin.write(f"{threads}\n")
                proc.stdin.flush()
                count, seconds = json.loads(proc.stdout.readline())
                rates[name].append(count / seconds)
        ours, theirs = (statistics.median(rates[n]) for n in ("symjax_mx", "mxnet"))
        print(f"preprocess_threads={threads}: symjax_mx {ours:.0f} images/s, MXNet 1.9.1 "
              f"{theirs:.0f} images/s, ratio {ours / theirs:.2f} "
              f"(medians of {args.rounds} epochs of {args.images} images)")
    for proc in procs.values():
        proc.stdin.close()
        proc.wait()


if __name__ == "__main__":
    main()

"""Compile time of large unrolled graphs: the training step of MXNet's
example/rnn/bucketing/lstm_bucketing.py (BucketingModule, 2 LSTM layers of 200 units,
embedding 200, batch 32, a 5,000-word vocabulary, SGD) for each bucket length.

Each measurement runs in a fresh process (compiled programs are cached per process):
the seconds of the bucket's first training step (trace and XLA compile of its fused
forward, backward and update program; wall clock and the process's CPU time, which the
other workers on a shared machine disturb less) and the median of the steps after it.
Configurations are fusion-fence chain lengths (``symjax_mx.lowering.fusion_fences``;
``none``: no fences), measured in interleaved rounds; medians are printed.

Run: ``python bench/compile_time.py [--buckets 10,20,30,40,50,60] [--rounds 3]
[--chains none,8]``
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from first_step import print_compile_and_steps

VOCAB, HIDDEN, EMBED, BATCH, LAYERS, STEPS = 5000, 200, 200, 32, 2, 5


def child(bucket, chain):
    """One measurement: prints a JSON line."""
    import numpy as np

    import symjax_mx as mx
    from symjax_mx.lowering import fusion_fences
    fusion_fences.CHAIN_LENGTH = 10 ** 9 if chain == "none" else int(chain)

    stack = mx.rnn.SequentialRNNCell()
    for i in range(LAYERS):
        stack.add(mx.rnn.LSTMCell(num_hidden=HIDDEN, prefix=f"lstm_l{i}_"))

    def sym_gen(seq_len):  # as lstm_bucketing.py's
        data, label = mx.sym.Variable("data"), mx.sym.Variable("softmax_label")
        embed = mx.sym.Embedding(data=data, input_dim=VOCAB, output_dim=EMBED, name="embed")
        stack.reset()
        outputs = stack.unroll(seq_len, inputs=embed, merge_outputs=True)[0]
        pred = mx.sym.Reshape(outputs, shape=(-1, HIDDEN))
        pred = mx.sym.FullyConnected(data=pred, num_hidden=VOCAB, name="pred")
        label = mx.sym.Reshape(label, shape=(-1,))
        pred = mx.sym.SoftmaxOutput(data=pred, label=label, name="softmax")
        return pred, ("data",), ("softmax_label",)

    model = mx.mod.BucketingModule(sym_gen, default_bucket_key=bucket, context=mx.cpu())
    model.bind(data_shapes=[("data", (BATCH, bucket))],
               label_shapes=[("softmax_label", (BATCH, bucket))])
    model.init_params(mx.init.Xavier(factor_type="in", magnitude=2.34))
    model.init_optimizer(optimizer="sgd", optimizer_params={
        "learning_rate": 0.01, "momentum": 0.0, "wd": 0.00001})
    rng = np.random.RandomState(0)
    batch = mx.io.DataBatch(
        [mx.nd.array(rng.randint(1, VOCAB, (BATCH, bucket)))],
        [mx.nd.array(rng.randint(1, VOCAB, (BATCH, bucket)))], bucket_key=bucket,
        provide_data=[mx.io.DataDesc("data", (BATCH, bucket))],
        provide_label=[mx.io.DataDesc("softmax_label", (BATCH, bucket))])

    def step():
        model._train_step(batch)  # what fit runs per batch
        model.get_outputs()[0].wait_to_read()

    print_compile_and_steps(step, STEPS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--buckets", default="10,20,30,40,50,60")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chains", default="none,8")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(int(args.child[0]), args.child[1])
        return
    buckets = [int(b) for b in args.buckets.split(",")]
    chains = args.chains.split(",")
    results = {(b, c): [] for b in buckets for c in chains}
    for _ in range(args.rounds):
        for bucket in buckets:
            for chain in chains:
                out = subprocess.run([sys.executable, __file__, "--child", str(bucket), chain],
                                     capture_output=True, text=True, env=os.environ,
                                     check=True).stdout
                results[bucket, chain].append(json.loads(out.strip().splitlines()[-1]))
    print(f"{'bucket':>6} {'chain':>6} {'compile s':>10} {'compile cpu s':>14} {'step ms':>8}")
    for (bucket, chain), runs in results.items():
        median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"{bucket:>6} {chain:>6} {median['compile_s']:>10.2f} "
              f"{median['compile_cpu_s']:>14.2f} {median['step_ms']:>8.1f}")
    for chain in chains:
        total = sum(statistics.median(r["compile_s"] for r in results[b, chain])
                    for b in buckets)
        print(f"chain {chain}: {total:.1f} s compiling all buckets")


if __name__ == "__main__":
    main()

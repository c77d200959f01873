"""Prints the summary table of summary.txt; made with real MXNet:
/tmp/mxref/bin/python tests/golden/gluon/make_summary_golden.py mxnet \
    > tests/golden/gluon/summary.txt"""
import sys
from importlib import import_module

PACKAGE = sys.argv[1] if __name__ == "__main__" else __name__.split(":")[0]  # tests: "symjax_mx:"
mx = import_module(PACKAGE)
nn = import_module(PACKAGE + ".gluon.nn")
net = nn.HybridSequential(prefix='s_')
with net.name_scope():
    net.add(nn.Dense(4, activation="relu"), nn.Dense(2, params=None), nn.BatchNorm())
net.initialize()
net.summary(mx.nd.ones((2, 3)))

"""Reverse-direction compatibility check: files WRITTEN by symjax_mx must LOAD in real MXNet.

The tests (tests/test_format.py) check one direction automatically: files written by real
MXNet 1.9.1 (the golden ``*.params`` here) decode correctly in symjax_mx, and
``_format.encode`` reproduces MXNet's bytes exactly.  This script checks the other direction
by hand, with a Python that has mxnet 1.9.1: it loads each given file with ``mx.nd.load`` and
asserts it equals ``golden_arrays()`` from make_golden.py, as a list (same order) or as a dict
(same names), printing ``OK`` per file.

How it was run (write with symjax_mx's venv, load with MXNet's)::

    /tmp/venv/bin/python -c "
    import sys; sys.path.insert(0, 'tests/golden/ndarray')
    from make_golden import golden_arrays
    from symjax_mx.ndarray import file_format as _format
    g = golden_arrays()
    _format.write_bytes_atomic('/tmp/sym_list.params', _format.encode(list(g.values())))
    _format.write_bytes_atomic('/tmp/sym_dict.params',
                               _format.encode(list(g.values()), names=list(g)))"
    /tmp/mxref/bin/python tests/golden/ndarray/check_with_mxnet.py \\
        /tmp/sym_list.params /tmp/sym_dict.params
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import golden_arrays  # noqa: E402


def _assert_same(got, want, what):
    assert got.shape == want.shape, (what, got.shape, want.shape)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want, err_msg=what)


def check(fname):
    import mxnet as mx

    g = golden_arrays()
    loaded = mx.nd.load(fname)
    if isinstance(loaded, dict):
        assert list(loaded) == list(g), (fname, list(loaded))
        pairs = [(k, loaded[k]) for k in g]
    else:
        assert len(loaded) == len(g), (fname, len(loaded), len(g))
        pairs = list(zip(g, loaded))
    for k, nd in pairs:
        _assert_same(nd.asnumpy(), g[k], f"{fname}: {k}")
    print(f"OK {fname} ({'dict' if isinstance(loaded, dict) else 'list'}, {len(pairs)} arrays)")


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    for fname in argv:
        check(fname)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

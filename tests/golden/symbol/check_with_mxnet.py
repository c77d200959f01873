"""Reverse-direction compatibility check: Symbol JSON WRITTEN by symjax_mx must LOAD in MXNet.

tests/test_symbol_golden.py checks one direction automatically: JSON written by real MXNet 1.9.1
(the golden ``<name>-symbol.json`` here, and two hand-written MXNet 0.8-layout files) loads in
symjax_mx and reports exactly what MXNet reported (``<name>.expected.json``).  It also loads each
golden file, writes it back with ``tojson()`` and saves that as ``<name>-symbol.json`` into the
folder named by the environment variable ``SYMJAX_SYMBOL_OUT`` (a temporary folder if unset).

This script closes the loop with a Python that has mxnet 1.9.1: for each FILE it takes the
expected file of the same ``<name>`` from this folder, loads FILE with ``mx.sym.load`` and with
``mx.sym.load_json`` and asserts ``list_arguments``, ``list_outputs``,
``list_auxiliary_states``, ``list_inputs``, ``get_internals().list_outputs()``,
``infer_shape(**input_shapes)`` and ``infer_type(data='float32')`` equal the expected ones,
printing ``OK`` per file.  (For the 0.8-layout files, what symjax_mx writes is the upgraded 1.x
graph, which must describe the same symbol MXNet reported after upgrading.)

How it is run (write with symjax_mx's venv, load with MXNet's)::

    rm -rf /tmp/symout && mkdir /tmp/symout
    SYMJAX_SYMBOL_OUT=/tmp/symout /tmp/venv/bin/python -m pytest -q -p no:cacheprovider \\
        tests/test_symbol_golden.py -k written_for_mxnet
    /tmp/mxref/bin/python tests/golden/symbol/check_with_mxnet.py /tmp/symout/*-symbol.json

With no FILE arguments it checks the golden files themselves (MXNet agreeing with itself).
"""
import glob
import json
import os
import sys


HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_golden import EXACT_KEYS, describe  # noqa: E402  (mxnet-free at import)


def _name_of(path):
    base = os.path.basename(path)
    assert base.endswith("-symbol.json"), "expected <name>-symbol.json, got %r" % base
    return base[: -len("-symbol.json")]


def check(path):
    import mxnet as mx

    name = _name_of(path)
    with open(os.path.join(HERE, name + ".expected.json")) as f:
        expected = json.load(f)
    with open(path) as f:
        text = f.read()
    graph = json.loads(text)
    assert "mxnet_version" in graph.get("attrs", {}) or name.startswith("old_"), path
    shapes = {k: tuple(v) for k, v in expected["input_shapes"].items()}
    for how, sym in (("load", mx.sym.load(path)), ("load_json", mx.sym.load_json(text))):
        got = describe(sym, shapes)
        for key in EXACT_KEYS:
            assert got[key] == expected[key], "%s (%s): %s\n  mxnet: %s\n  expected: %s" % (
                path, how, key, got[key], expected[key])
    print("OK %s (%s, %d nodes)" % (path, name, len(graph["nodes"])))


def main(argv):
    files = argv or sorted(glob.glob(os.path.join(HERE, "*-symbol.json")))
    if not files:
        print(__doc__)
        return 2
    for path in files:
        check(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

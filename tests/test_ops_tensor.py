"""Tensor manipulation operators, tested from tables: forward against NumPy references
(expected values confirmed against MXNet 1.9.1), gradients against finite differences,
shape/dtype rules, parameter strings and the errors."""
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ops import get_op

from opcheck import check_gradient, forward

# These tests call operators' pure JAX computes directly (see conftest.jax_x64).
pytestmark = pytest.mark.usefixtures("jax_x64")

RNG = np.random.default_rng(0)
X234 = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
X34 = np.arange(12, dtype=np.float32).reshape(3, 4)
X4D = np.arange(12, dtype=np.float32).reshape(2, 1, 2, 3)
X4D_CROP = np.arange(40, dtype=np.float32).reshape(2, 1, 4, 5)
SEQ = np.arange(24, dtype=np.float32).reshape(4, 2, 3)  # (time, batch, feature)
LENGTHS = np.array([2, 3], np.float32)


def _f(values, dtype=np.float32):
    return np.array(values, dtype)


# id -> (operator, inputs, params, expected output(s))
FORWARD = {
    "Flatten": ("Flatten", [X234], {}, X234.reshape(2, 12)),
    "flatten-1d": ("flatten", [_f([0, 1, 2])], {}, _f([[0], [1], [2]])),
    "Reshape-target_shape": ("Reshape", [X234], {"target_shape": (4, 0)}, X234.reshape(4, 6)),
    "Reshape-keep_highest": ("Reshape", [X234], {"target_shape": (5, 3, 0), "keep_highest": True},
                             X234),
    "Reshape-keep_highest-infer": ("reshape", [X234], {"target_shape": (0, 0),
                                                       "keep_highest": True}, X234.reshape(2, 12)),
    "Reshape-shape-wins": ("Reshape", [X234], {"shape": (6, 4), "target_shape": (4, 6)},
                           X234.reshape(6, 4)),
    "expand_dims": ("expand_dims", [X34], {"axis": 1}, X34[:, None]),
    "expand_dims-neg": ("expand_dims", [X34], {"axis": -3}, X34[None]),
    "squeeze-all": ("squeeze", [np.ones((1, 3, 1, 2), np.float32)], {}, _f(np.ones((3, 2)))),
    "squeeze-axes": ("squeeze", [np.ones((1, 3, 1, 2), np.float32)], {"axis": (-2, 0)},
                     _f(np.ones((3, 2)))),
    "squeeze-to-(1,)": ("squeeze", [np.ones((1, 1), np.float32)], {}, _f([1])),
    "squeeze-empty-tuple": ("squeeze", [np.ones((1, 2), np.float32)], {"axis": ()},
                            _f([[1, 1]])),
    "stack": ("stack", [X34, -X34], {"axis": 1, "num_args": 2}, np.stack([X34, -X34], 1)),
    "stack-neg": ("stack", [X34, -X34, X34], {"axis": -1, "num_args": 3},
                  np.stack([X34, -X34, X34], -1)),
    "SliceChannel": ("SliceChannel", [X234], {"num_outputs": 2, "axis": 0},
                     [X234[:1], X234[1:]]),
    "split-squeeze": ("split", [X234], {"num_outputs": 3, "squeeze_axis": True},
                      [X234[:, i] for i in range(3)]),
    "split-neg-axis": ("split", [X234], {"num_outputs": 2, "axis": -1},
                       [X234[..., :2], X234[..., 2:]]),
    "slice": ("slice", [X234], {"begin": (0, 1), "end": (2, 3)}, X234[0:2, 1:3]),
    "slice-None": ("crop", [X234], {"begin": (None, 1), "end": (None, None)}, X234[:, 1:]),
    "slice-negative-step": ("slice", [X234], {"begin": (None, None, 3), "end": (None, None, 0),
                                              "step": (1, 1, -1)}, X234[:, :, 3:0:-1]),
    "slice-steps": ("slice", [X234], {"begin": (None,) * 3, "end": (None,) * 3,
                                      "step": (1, -1, -2)}, X234[:, ::-1, ::-2]),
    "slice-clamped": ("slice", [X234], {"begin": (-10, 0, 1), "end": (None, None, 100)},
                      X234[:, :, 1:]),
    "slice-empty": ("slice", [X234], {"begin": (1,), "end": (1,)}, X234[1:1]),
    "slice_axis": ("slice_axis", [X234], {"axis": 1, "begin": 1, "end": None}, X234[:, 1:]),
    "slice_axis-neg": ("slice_axis", [X234], {"axis": -1, "begin": -3, "end": -1},
                       X234[..., -3:-1]),
    "slice_like": ("slice_like", [X234, np.ones((1, 2, 3), np.float32)], {}, X234[:1, :2, :3]),
    "slice_like-axes": ("slice_like", [X234, np.ones((1, 2, 3), np.float32)], {"axes": (-1,)},
                        X234[..., :3]),
    "slice_like-fewer-dims": ("slice_like", [X234, np.ones((1, 2), np.float32)], {"axes": (1,)},
                              X234[:, :2]),
    "take": ("take", [X34, _f([[0, 2], [1, 5]])], {}, X34[[[0, 2], [1, 2]]]),
    "take-clip-truncates": ("take", [_f([0, 1, 2, 3, 4]), _f([1.9, -0.5, -1.5, 2.5])], {},
                            _f([1, 0, 0, 2])),
    "take-wrap": ("take", [X34, _f([-1, 4, 5, -4])], {"mode": "wrap"}, X34[[2, 1, 2, 2]]),
    "take-wrap-truncates": ("take", [_f([0, 1, 2, 3, 4]), _f([1.9, -0.5, -1.5, 2.5])],
                            {"mode": "wrap"}, _f([1, 0, 4, 2])),
    "take-axis1": ("take", [X34, _f([[0, 3], [5, -1]])], {"axis": 1}, X34[:, [[0, 3], [3, 0]]]),
    "take-raise-in-range": ("take", [X34, _f([0, 2])], {"mode": "raise"}, X34[[0, 2]]),
    "take-int-indices": ("take", [X34, np.array([1], np.int32)], {}, X34[[1]]),
    "pick": ("pick", [X34, _f([0, 3, 5])], {}, _f([0, 7, 11])),
    "pick-clip-negative": ("pick", [X34, _f([-1, -5, 1.7])], {}, _f([0, 4, 9])),
    "pick-wrap": ("pick", [X34, _f([-1, -5, 5])], {"mode": "wrap"}, _f([3, 7, 9])),
    "pick-axis0": ("pick", [X34, _f([0, 2, 1, 5])], {"axis": 0}, _f([0, 9, 6, 11])),
    "pick-keepdims": ("pick", [X34, _f([0, 2, 1])], {"keepdims": True}, _f([[0], [6], [9]])),
    "pick-2d-index": ("pick", [X34, _f([[0], [2], [1]])], {}, _f([0, 6, 9])),
    "pick-3d": ("pick", [X234, _f([[0, 1, 2, 0], [1, 1, 1, 1]])], {"axis": 1},
                _f([[0, 5, 10, 3], [16, 17, 18, 19]])),
    "pick-1d": ("choose_element_0index", [_f([1, 2, 3]), _f([1])], {}, _f([2])),
    "one_hot": ("one_hot", [_f([0, 2, -1, 3, 1.7])], {"depth": 3},
                _f([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0], [0, 1, 0]])),
    "one_hot-int32": ("one_hot", [_f([[0, 2]])], {"depth": 3, "on_value": 5, "off_value": -1,
                                                  "dtype": "int32"},
                      np.array([[[5, -1, -1], [-1, -1, 5]]], np.int32)),
    "one_hot-on-truncates": ("one_hot", [_f([0, 2])], {"depth": 3, "on_value": 2.7,
                                                       "dtype": "int32"},
                             np.array([[2, 0, 0], [0, 0, 2]], np.int32)),
    "one_hot-uint8-wraps": ("one_hot", [_f([0, 1])], {"depth": 2, "off_value": -1,
                                                      "dtype": "uint8"},
                            np.array([[1, 255], [255, 1]], np.uint8)),
    "one_hot-float64": ("one_hot", [_f([0, 1])], {"depth": 2, "on_value": 0.1, "dtype": "float64"},
                        np.array([[0.1, 0], [0, 0.1]])),
    "where": ("where", [_f([[1, 0], [0, 2]]), _f([[1, 2], [3, 4]]), _f([[5, 6], [7, 8]])], {},
              _f([[1, 6], [7, 4]])),
    "where-rows": ("where", [_f([0, 1]), _f([[1, 2], [3, 4]]), _f([[5, 6], [7, 8]])], {},
                   _f([[5, 6], [3, 4]])),
    "where-nan-is-true": ("where", [_f([np.nan, 0]), _f([1, 2]), _f([3, 4])], {}, _f([1, 4])),
    "where-int-condition": ("where", [np.array([1, 0], np.int32), _f([1, 2]), _f([3, 4])], {},
                            _f([1, 4])),
    "clip": ("clip", [_f([-2, 0.5, 3, np.nan])], {"a_min": -1, "a_max": 1},
             _f([-1, 0.5, 1, np.nan])),
    "clip-inverted-bounds": ("clip", [_f([-2, 0.5, 3])], {"a_min": 1, "a_max": -1},
                             _f([1, -1, -1])),
    "clip-int-truncates": ("clip", [np.array([-2, 0, 3], np.int32)], {"a_min": -1.5, "a_max": 1.7},
                           np.array([-1, 0, 1], np.int32)),
    "clip-float64-float32-bounds": ("clip", [np.array([0.0, 0.2])], {"a_min": 0.1, "a_max": 0.15},
                                    np.array([np.float32(0.1), np.float32(0.15)], np.float64)),
    "tile": ("tile", [X34], {"reps": (2,)}, np.tile(X34, 2)),
    "tile-more-dims": ("tile", [X34], {"reps": (2, 1, 3)}, np.tile(X34, (2, 1, 3))),
    "tile-empty": ("tile", [X34], {"reps": ()}, X34),
    "repeat": ("repeat", [_f([[1, 2], [3, 4]])], {"repeats": 2}, _f([1, 1, 2, 2, 3, 3, 4, 4])),
    "repeat-axis": ("repeat", [_f([[1, 2], [3, 4]])], {"repeats": 2, "axis": -1},
                    _f([[1, 1, 2, 2], [3, 3, 4, 4]])),
    "Pad-constant": ("Pad", [X4D], {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 0, 0, 2),
                                    "constant_value": -1},
                     np.pad(X4D, ((0, 0), (0, 0), (1, 0), (0, 2)), constant_values=-1)),
    "pad-edge": ("pad", [X4D], {"mode": "edge", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)},
                 np.pad(X4D, ((0, 0), (0, 0), (1, 2), (2, 1)), mode="edge")),
    "pad-reflect": ("pad", [X4D], {"mode": "reflect", "pad_width": (0, 0, 0, 0, 1, 1, 2, 2)},
                    np.pad(X4D, ((0, 0), (0, 0), (1, 1), (2, 2)), mode="reflect")),
    "pad-5d": ("pad", [np.ones((1, 1, 2, 2, 2), np.float32)],
               {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 1, 1, 0, 0, 1)},
               _f(np.pad(np.ones((1, 1, 2, 2, 2)), ((0, 0), (0, 0), (1, 1), (1, 0), (0, 1))))),
    "reverse": ("reverse", [X34], {"axis": 1}, X34[:, ::-1]),
    "flip-two-axes": ("flip", [X34], {"axis": (0, 1)}, X34[::-1, ::-1]),
    "flip-twice-is-identity": ("flip", [X34], {"axis": (1, 1)}, X34),
    "SwapAxis": ("SwapAxis", [X234], {"dim1": 0, "dim2": 2}, X234.transpose(2, 1, 0)),
    "swapaxes-neg": ("swapaxes", [X234], {"dim1": -1, "dim2": 1}, X234.swapaxes(-1, 1)),
    "swapaxes-default": ("swapaxes", [X234], {}, X234),
    "broadcast_to": ("broadcast_to", [_f([[0, 1, 2]])], {"shape": (2, 3)},
                     _f([[0, 1, 2], [0, 1, 2]])),
    "broadcast_to-zero-keeps": ("broadcast_to", [_f([[0, 1, 2]])], {"shape": (2, 0)},
                                _f([[0, 1, 2], [0, 1, 2]])),
    "broadcast_axis": ("broadcast_axis", [np.ones((1, 3, 1), np.float32)],
                       {"axis": (0, 2), "size": (2, 4)}, _f(np.ones((2, 3, 4)))),
    "broadcast_axes-zero": ("broadcast_axes", [np.ones((1, 3, 1), np.float32)],
                            {"axis": 0, "size": 0}, _f(np.ones((0, 3, 1)))),
    "broadcast_like": ("broadcast_like", [_f([[[1], [2], [3]]]), np.ones((2, 3, 4), np.float32)],
                       {}, np.broadcast_to(_f([[[1], [2], [3]]]), (2, 3, 4))),
    "broadcast_like-axes": ("broadcast_like", [_f([[[1], [2], [3]]]), np.ones((5, 6), np.int32)],
                            {"lhs_axes": (0, 2), "rhs_axes": (1, 0)},
                            np.broadcast_to(_f([[[1], [2], [3]]]), (6, 3, 5))),
    "broadcast_like-neg-axes": ("broadcast_like", [_f([[[1], [2], [3]]]), np.ones((5, 6))],
                                {"lhs_axes": (-1,), "rhs_axes": (-2,)},
                                np.broadcast_to(_f([[[1], [2], [3]]]), (1, 3, 5))),
    "SequenceMask-off": ("SequenceMask", [SEQ], {}, SEQ),
    "SequenceMask": ("SequenceMask", [SEQ, LENGTHS], {"use_sequence_length": True, "value": -1},
                     np.where(np.arange(4)[:, None, None] < LENGTHS[None, :, None], SEQ, -1)),
    "SequenceMask-axis1": ("SequenceMask", [SEQ.reshape(2, 4, 3), LENGTHS],
                           {"use_sequence_length": True, "axis": 1},
                           np.where(np.arange(4)[None, :, None] < LENGTHS[:, None, None],
                                    SEQ.reshape(2, 4, 3), 0)),
    "SequenceMask-truncates-and-negative": (
        "SequenceMask", [np.ones((3, 2), np.float32), _f([1.7, -1])],
        {"use_sequence_length": True}, _f([[1, 0], [0, 0], [0, 0]])),
    "SequenceMask-int-value-truncates": (
        "SequenceMask", [np.ones((3, 2), np.int32), np.array([1, 2], np.int32)],
        {"use_sequence_length": True, "value": -2.5}, np.array([[1, 1], [-2, 1], [-2, -2]],
                                                               np.int32)),
    "SequenceMask-4d": ("SequenceMask", [np.ones((3, 2, 1, 2), np.float32), _f([1, 2])],
                        {"use_sequence_length": True},
                        (np.arange(3)[:, None] < _f([1, 2]))[..., None, None]
                        * np.ones((3, 2, 1, 2), np.float32)),
    "SequenceLast-off": ("SequenceLast", [SEQ], {}, SEQ[-1]),
    "SequenceLast": ("SequenceLast", [SEQ, LENGTHS], {"use_sequence_length": True},
                     _f([[6, 7, 8], [15, 16, 17]])),
    "SequenceLast-axis1": ("SequenceLast", [SEQ.reshape(2, 4, 3), LENGTHS],
                           {"use_sequence_length": True, "axis": 1},
                           _f([[3, 4, 5], [18, 19, 20]])),
    "SequenceLast-truncates": ("SequenceLast", [SEQ, _f([1.7, 2.2])],
                               {"use_sequence_length": True}, _f([[0, 1, 2], [9, 10, 11]])),
    "SequenceLast-2d": ("SequenceLast", [np.arange(6, dtype=np.float32).reshape(3, 2), _f([1, 2])],
                        {"use_sequence_length": True}, _f([0, 3])),
    "SequenceReverse-off": ("SequenceReverse", [SEQ], {}, SEQ[::-1]),
    "SequenceReverse": ("SequenceReverse", [SEQ, LENGTHS], {"use_sequence_length": True},
                        SEQ[[[1, 2], [0, 1], [2, 0], [3, 3]], [[0, 1]] * 4]),
    "SequenceReverse-zero-length": ("SequenceReverse", [SEQ, _f([0, 4])],
                                    {"use_sequence_length": True},
                                    np.stack([SEQ[:, 0], SEQ[::-1, 1]], 1)),
    "SequenceReverse-int": ("SequenceReverse", [np.arange(6, dtype=np.int32).reshape(3, 2),
                                                _f([2, 3])], {"use_sequence_length": True},
                            np.array([[2, 5], [0, 3], [4, 1]], np.int32)),
    "Crop-h_w": ("Crop", [X4D_CROP], {"num_args": 1, "h_w": (2, 3)}, X4D_CROP[:, :, :2, :3]),
    "Crop-offset": ("Crop", [X4D_CROP], {"num_args": 1, "h_w": (2, 3), "offset": (1, 2)},
                    X4D_CROP[:, :, 1:3, 2:5]),
    "Crop-center": ("Crop", [X4D_CROP], {"num_args": 1, "h_w": (1, 2), "center_crop": True},
                    X4D_CROP[:, :, 1:2, 1:3]),
    "Crop-like": ("Crop", [X4D_CROP, np.ones((7, 3, 2, 2), np.float32)],
                  {"num_args": 2, "offset": (1, 1), "h_w": (3, 3)}, X4D_CROP[:, :, 1:3, 1:3]),
    "Crop-like-center": ("Crop", [X4D_CROP, np.ones((7, 3, 2, 2), np.float32)],
                         {"num_args": 2, "center_crop": True}, X4D_CROP[:, :, 1:3, 1:3]),
}


def _nd(x):
    return mx.nd.array(x, dtype=x.dtype)


@pytest.mark.parametrize("case", sorted(FORWARD))
def test_forward_against_numpy(case):
    name, inputs, params, expected = FORWARD[case]
    out = getattr(mx.nd, name)(*[_nd(x) for x in inputs], **params)
    outs, expected = (out, expected) if isinstance(expected, list) else ([out], [expected])
    assert len(outs) == len(expected)
    for o, e in zip(outs, expected):
        e = np.asarray(e)
        assert o.shape == e.shape
        assert o.dtype == e.dtype
        np.testing.assert_allclose(o.asnumpy(), e, rtol=1e-6)


@pytest.mark.parametrize("case", sorted(FORWARD))
def test_shape_rule_matches_forward(case):
    name, inputs, params, _ = FORWARD[case]
    op = get_op(name)
    parsed = op.parse_params(params)
    outputs, _ = forward(name, inputs, params)
    _, out_shapes = op.infer_shape(parsed, [x.shape for x in inputs])
    _, out_dtypes = op.infer_type(parsed, [x.dtype.type for x in inputs])
    assert [tuple(s) for s in out_shapes] == [o.shape for o in outputs]
    assert [np.dtype(d) for d in out_dtypes] == [o.dtype for o in outputs]


@pytest.mark.parametrize("dtype", ["float64", "int32", "int64", "uint8"])
def test_dtypes_are_kept(dtype):
    x = np.arange(24).reshape(2, 3, 4).astype(dtype)
    cases = [("Flatten", {}), ("squeeze", {}), ("expand_dims", {"axis": 0}), ("flip", {"axis": 1}),
             ("SwapAxis", {"dim1": 0, "dim2": 2}), ("tile", {"reps": (2,)}),
             ("repeat", {"repeats": 2}), ("slice", {"begin": (1,), "end": (2,)}),
             ("slice_axis", {"axis": 2, "begin": 1, "end": 3}), ("clip", {"a_min": 2, "a_max": 9}),
             ("broadcast_to", {"shape": (0, 0, 0)}), ("SequenceReverse", {}),
             ("SequenceMask", {}), ("SequenceLast", {})]
    for name, params in cases:
        out = getattr(mx.nd, name)(_nd(x), **params)
        assert out.dtype == np.dtype(dtype), name
    assert mx.nd.take(_nd(x), mx.nd.array([1])).dtype == np.dtype(dtype)
    assert mx.nd.pick(_nd(x), mx.nd.zeros((2, 3))).dtype == np.dtype(dtype)
    assert mx.nd.stack(_nd(x), _nd(x)).dtype == np.dtype(dtype)
    assert mx.nd.where(mx.nd.ones((2,)), _nd(x), _nd(x)).dtype == np.dtype(dtype)
    assert mx.nd.Pad(_nd(x.reshape(1, 2, 3, 4)), mode="edge",
                     pad_width=(0, 0, 0, 0, 1, 1, 1, 1)).dtype == np.dtype(dtype)
    np.testing.assert_array_equal(mx.nd.clip(_nd(x), a_min=2, a_max=9).asnumpy(), np.clip(x, 2, 9))


# (operator, inputs, params, input positions to check)
GRADIENTS = [
    ("Flatten", [RNG.uniform(-1, 1, (2, 3, 2))], {}, None),
    ("Reshape", [RNG.uniform(-1, 1, (2, 3, 2))], {"target_shape": (3, 0)}, None),
    ("expand_dims", [RNG.uniform(-1, 1, (2, 3))], {"axis": 1}, None),
    ("squeeze", [RNG.uniform(-1, 1, (1, 3, 1))], {}, None),
    ("stack", [RNG.uniform(-1, 1, (2, 3)), RNG.uniform(-1, 1, (2, 3))], {"axis": 1, "num_args": 2},
     None),
    ("SliceChannel", [RNG.uniform(-1, 1, (2, 4))], {"num_outputs": 2}, None),
    ("SliceChannel", [RNG.uniform(-1, 1, (2, 3))], {"num_outputs": 3, "squeeze_axis": True}, None),
    ("slice", [RNG.uniform(-1, 1, (3, 4))], {"begin": (None, 3), "end": (2, 0), "step": (1, -2)},
     None),
    ("slice_axis", [RNG.uniform(-1, 1, (3, 4))], {"axis": 1, "begin": 1, "end": -1}, None),
    ("slice_like", [RNG.uniform(-1, 1, (3, 4)), np.ones((2, 2))], {}, [0]),
    ("take", [RNG.uniform(-1, 1, (3, 2)), np.array([0, 0, 2, 7])], {}, [0]),
    ("take", [RNG.uniform(-1, 1, (2, 3)), np.array([[-1, 3]])], {"axis": 1, "mode": "wrap"}, [0]),
    ("pick", [RNG.uniform(-1, 1, (2, 3)), np.array([0, 5])], {}, [0]),
    ("pick", [RNG.uniform(-1, 1, (2, 3)), np.array([0, 1, 1])], {"axis": 0, "keepdims": True},
     [0]),
    ("where", [np.array([1, 0]), RNG.uniform(-1, 1, (2, 2)), RNG.uniform(-1, 1, (2, 2))], {},
     [1, 2]),
    ("clip", [np.array([-2, -0.5, 0.3, 0.9, 3])], {"a_min": -1, "a_max": 1}, None),
    ("tile", [RNG.uniform(-1, 1, (2, 3))], {"reps": (2, 1, 2)}, None),
    ("repeat", [RNG.uniform(-1, 1, (2, 3))], {"repeats": 2, "axis": 0}, None),
    ("repeat", [RNG.uniform(-1, 1, (2, 3))], {"repeats": 3}, None),
    ("Pad", [RNG.uniform(-1, 1, (1, 1, 3, 3))], {"mode": "constant",
                                                  "pad_width": (0, 0, 0, 0, 1, 2, 0, 1)}, None),
    ("Pad", [RNG.uniform(-1, 1, (1, 1, 3, 3))], {"mode": "edge",
                                                  "pad_width": (0, 0, 0, 0, 2, 1, 1, 2)}, None),
    ("Pad", [RNG.uniform(-1, 1, (1, 1, 3, 3))], {"mode": "reflect",
                                                  "pad_width": (0, 0, 0, 0, 2, 1, 1, 2)}, None),
    ("reverse", [RNG.uniform(-1, 1, (2, 3))], {"axis": (0, 1)}, None),
    ("SwapAxis", [RNG.uniform(-1, 1, (2, 3, 2))], {"dim1": 0, "dim2": 1}, None),
    ("broadcast_to", [RNG.uniform(-1, 1, (1, 3))], {"shape": (2, 0)}, None),
    ("broadcast_axis", [RNG.uniform(-1, 1, (2, 1))], {"axis": 1, "size": 3}, None),
    ("broadcast_like", [RNG.uniform(-1, 1, (1, 3)), np.ones((2, 3))], {}, [0]),
    ("SequenceMask", [RNG.uniform(-1, 1, (3, 2, 2)), np.array([1, 3])],
     {"use_sequence_length": True, "value": 0.5}, [0]),
    ("SequenceLast", [RNG.uniform(-1, 1, (2, 3, 2)), np.array([3, 1])],
     {"use_sequence_length": True, "axis": 1}, [0]),
    ("SequenceReverse", [RNG.uniform(-1, 1, (3, 2, 2)), np.array([2, 3])],
     {"use_sequence_length": True}, [0]),
    ("Crop", [RNG.uniform(-1, 1, (1, 1, 3, 4)), np.ones((1, 1, 2, 2))],
     {"num_args": 2, "center_crop": True}, [0]),
]


@pytest.mark.parametrize("name, inputs, params, wrt", GRADIENTS,
                         ids=[f"{g[0]}-{i}" for i, g in enumerate(GRADIENTS)])
def test_gradients(name, inputs, params, wrt):
    check_gradient(name, inputs, params, wrt=wrt)


def test_clip_gradient_passes_at_the_bounds():
    # MXNet: gradient 1 on [a_min, a_max] inclusive, 0 outside
    import jax
    op = get_op("clip")
    params = op.parse_params({"a_min": -1, "a_max": 1})
    grad = jax.grad(lambda x: op.compute([x], [], params, False, None)[0][0].sum())(
        np.array([-2, -1, 0.5, 1, 3], np.float32))
    assert np.asarray(grad).tolist() == [0, 1, 1, 1, 0]


def test_take_and_pick_gradients_accumulate_repeated_indices():
    import jax
    take = get_op("take")
    grad = jax.grad(lambda a: take.compute([a, np.array([0., 0., 1.])], [], take.parse_params({}),
                                           False, None)[0][0].sum())(X34[:2])
    assert np.asarray(grad).tolist() == [[2] * 4, [1] * 4]


def test_take_raise_mode_rejects_out_of_range_indices():
    d = mx.nd.array(X34)
    for bad in ([0, 5], [-1], [2.5]):  # MXNet checks the raw values against [0, n - 1]
        with pytest.raises(mx.MXNetError, match=r"take.*out of bounds \[0, 2\] with mode='raise'"):
            mx.nd.take(d, mx.nd.array(bad), mode="raise").asnumpy()


def test_outputs_inputs_and_aliases():
    assert get_op("SliceChannel").output_names({"num_outputs": 3}) == (
        "output0", "output1", "output2")
    sequence = get_op("SequenceMask")
    assert sequence.input_names(sequence.parse_params({})) == ("data",)
    assert sequence.input_names(sequence.parse_params({"use_sequence_length": "True"})) == (
        "data", "sequence_length")
    crop = get_op("Crop")
    assert crop.input_names(crop.parse_params({"num_args": 2})) == ("arg0", "arg1")
    assert get_op("stack").input_names({"num_args": 2, "axis": 0}) == ("arg0", "arg1")
    assert get_op("take").input_names({}) == ("a", "indices")
    assert get_op("where").input_names({}) == ("condition", "x", "y")
    assert get_op("slice_like").input_names({}) == ("data", "shape_like")
    assert get_op("broadcast_like").input_names({}) == ("lhs", "rhs")
    assert get_op("one_hot").input_names({}) == ("indices",)
    for primary, aliases in [("Flatten", ["flatten"]), ("SliceChannel", ["split"]),
                             ("slice", ["crop"]), ("Pad", ["pad"]), ("reverse", ["flip"]),
                             ("SwapAxis", ["swapaxes"]), ("broadcast_axis", ["broadcast_axes"]),
                             ("pick", ["choose_element_0index"])]:
        assert all(get_op(a) is get_op(primary) for a in aliases)
        assert get_op(primary).name == primary


def test_params_parse_mxnet_strings():
    assert get_op("slice").parse_params({"begin": "(None, 1)", "end": "(2, None)"}) == {
        "begin": (None, 1), "end": (2, None), "step": ()}
    assert get_op("slice").parse_params({"begin": "1", "end": "3", "step": "(None,)"})["step"] == (
        None,)
    assert get_op("slice_axis").parse_params({"axis": "1", "begin": "-2", "end": "None"}) == {
        "axis": 1, "begin": -2, "end": None}
    assert get_op("squeeze").parse_params({"axis": "None"}) == {"axis": None}
    assert get_op("squeeze").parse_params({"axis": "()"}) == {"axis": ()}
    assert get_op("repeat").parse_params({"repeats": "2", "axis": "None"})["axis"] is None
    assert get_op("pick").parse_params({})["axis"] == -1
    assert get_op("one_hot").parse_params({"depth": "3", "on_value": "1.5", "dtype": "int32"}) == {
        "depth": 3, "on_value": 1.5, "off_value": 0.0, "dtype": "int32"}
    assert get_op("one_hot").parse_params({"depth": 2, "dtype": np.float64})["dtype"] == "float64"
    assert get_op("Reshape").parse_params({"target_shape": "(0, 4)", "keep_highest": "True"}) == {
        "shape": (), "reverse": False, "target_shape": (0, 4), "keep_highest": True}
    assert get_op("broadcast_like").parse_params({"lhs_axes": "(0,)", "rhs_axes": "None"}) == {
        "lhs_axes": (0,), "rhs_axes": None}
    assert get_op("Crop").parse_params({"num_args": "1", "center_crop": "1"}) == {
        "num_args": 1, "offset": (0, 0), "h_w": (0, 0), "center_crop": True}
    assert get_op("Pad").parse_params({"mode": "edge", "pad_width": "(0,0,0,0,1,1,1,1)"})[
        "pad_width"] == (0, 0, 0, 0, 1, 1, 1, 1)
    assert get_op("SequenceMask").parse_params({"value": "-1", "axis": "1"}) == {
        "use_sequence_length": False, "value": -1.0, "axis": 1}


def test_shape_rules_fill_unknown_inputs():
    def infer(name, params, shapes):
        op = get_op(name)
        return op.infer_shape(op.parse_params(params), shapes)
    assert infer("stack", {"num_args": 2}, [None, (2, 3)]) == ([(2, 3), (2, 3)], [(2, 2, 3)])
    assert infer("stack", {"num_args": 2}, [None, None]) == ([None, None], [None])
    assert infer("pick", {}, [(3, 4), None]) == ([(3, 4), (3,)], [(3,)])
    assert infer("pick", {"keepdims": True}, [(3, 4), None]) == ([(3, 4), (3, 1)], [(3, 1)])
    # MXNet's where infers nothing until the condition's shape is known
    assert infer("where", {}, [None, None, (2, 3)]) == ([None, None, (2, 3)], [None])
    assert infer("where", {}, [(2,), None, (2, 3)]) == ([(2,), (2, 3), (2, 3)], [(2, 3)])
    for name, out in [("SequenceMask", (4, 2, 3)), ("SequenceLast", (2, 3)),
                      ("SequenceReverse", (4, 2, 3))]:
        assert infer(name, {"use_sequence_length": True}, [(4, 2, 3), None]) == (
            [(4, 2, 3), (2,)], [out])
    assert infer("SequenceMask", {"use_sequence_length": True, "axis": 1},
                 [(4, 2, 3), None])[0] == [(4, 2, 3), (4,)]
    assert infer("SliceChannel", {"num_outputs": 2}, [None]) == ([None], [None, None])
    assert infer("take", {}, [(3, 4), None]) == ([(3, 4), None], [None])
    assert infer("Crop", {"num_args": 2}, [(1, 2, 5, 5), None]) == ([(1, 2, 5, 5), None], [None])


def test_dtype_rules():
    def infer(name, params, dtypes):
        op = get_op(name)
        return op.infer_type(op.parse_params(params), dtypes)
    f32, f64, i32 = np.float32, np.float64, np.int32
    assert infer("take", {}, [f64, i32]) == ([f64, i32], [f64])
    assert infer("pick", {}, [f64, None]) == ([f64, None], [f64])
    assert infer("one_hot", {"depth": 3}, [i32]) == ([i32], [f32])
    assert infer("one_hot", {"depth": 3, "dtype": "int64"}, [f32])[1] == [np.int64]
    assert infer("where", {}, [i32, None, f64]) == ([i32, f64, f64], [f64])
    assert infer("broadcast_like", {}, [f32, i32]) == ([f32, i32], [f32])
    assert infer("SequenceMask", {"use_sequence_length": True}, [f64, None]) == ([f64, f64], [f64])
    assert infer("SequenceLast", {"use_sequence_length": True}, [f64, i32]) == ([f64, i32], [f64])
    assert infer("SliceChannel", {"num_outputs": 2}, [f64]) == ([f64], [f64, f64])
    with pytest.raises(mx.MXNetError, match="where: x is float32 and y is float64"):
        infer("where", {}, [f32, f32, f64])
    with pytest.raises(mx.MXNetError, match="stack: inputs must share one dtype"):
        infer("stack", {"num_args": 2}, [f32, f64])


def test_call_forms():
    x = mx.nd.array(X234)
    assert mx.nd.expand_dims(x, 0).shape == (1, 2, 3, 4)  # positional parameter
    assert mx.nd.stack(x, x, x).shape == (3, 2, 3, 4)  # num_args from the inputs
    assert mx.nd.stack(arg0=x, arg1=x, num_args=2, axis=3).shape == (2, 3, 4, 2)
    parts = mx.nd.split(x, 2, 2)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 3, 2)] * 2
    assert mx.nd.take(a=x, indices=mx.nd.array([1])).shape == (1, 3, 4)
    assert mx.nd.where(condition=mx.nd.ones((2,)), x=x, y=x).shape == (2, 3, 4)
    assert mx.nd.SequenceMask(x, sequence_length=mx.nd.array([1, 1, 1]),
                              use_sequence_length=True).shape == (2, 3, 4)
    assert mx.nd.Crop(mx.nd.ones((1, 1, 4, 4)), h_w=(2, 2)).shape == (1, 1, 2, 2)
    assert mx.nd.Crop(mx.nd.ones((1, 1, 4, 4)), mx.nd.ones((1, 1, 3, 3))).shape == (1, 1, 3, 3)
    assert mx.nd.slice_axis(x, axis=0, begin=1, end=None).shape == (1, 3, 4)
    out = mx.nd.zeros((2, 12))
    assert mx.nd.flatten(x, out=out) is out
    np.testing.assert_array_equal(out.asnumpy(), X234.reshape(2, 12))


def _ones(*shapes):
    return [mx.nd.array(np.ones(s)) for s in shapes]  # any shape, () included


# (operator, input shapes, params, message)
ERRORS = [
    ("expand_dims", [(2, 3)], {}, "operator expand_dims: required parameter axis is missing"),
    ("expand_dims", [(2, 3)], {"axis": 3}, r"axis 3 is out of range \[-3, 2\] for an array of "
                                           r"shape \(2, 3\)"),
    ("squeeze", [(1, 3)], {"axis": 1}, r"squeeze: cannot squeeze axis 1 of shape \(1, 3\)"),
    ("squeeze", [(1, 1)], {"axis": (0, -2)}, "squeeze: axis .* repeats an axis"),
    ("squeeze", [(1, 3)], {"axis": 2}, "squeeze: axis 2 is out of range for an array of 2 dims"),
    ("stack", [(2, 3), (3, 2)], {}, r"stack: input arg1 has shape \(3, 2\), but arg0 has shape "
                                    r"\(2, 3\)"),
    ("stack", [(2, 3), (2, 3)], {"axis": 3}, "stack: axis 3 is out of range"),
    ("SliceChannel", [(2, 3, 4)], {}, "operator SliceChannel: required parameter num_outputs"),
    ("split", [(2, 3, 4)], {"num_outputs": 5}, r"SliceChannel: cannot split axis 1 of shape "
                                               r"\(2, 3, 4\) into num_outputs=5 equal parts"),
    ("split", [(2, 3, 4)], {"num_outputs": 2, "axis": 2, "squeeze_axis": True},
     r"squeeze_axis needs axis 2 of shape \(2, 3, 4\) to have size num_outputs=2"),
    ("split", [(2, 3)], {"num_outputs": 1, "axis": 2}, "axis 2 is out of range"),
    ("slice", [(2, 3)], {"begin": (0,)}, "operator slice: required parameter end is missing"),
    ("slice", [(2, 3)], {"begin": (0, 1), "end": (2,)}, "must have the same length"),
    ("slice", [(2, 3)], {"begin": (0, 0, 0), "end": (1, 1, 1)}, "has more entries than"),
    ("slice", [(2, 3)], {"begin": (0,), "end": (1,), "step": (0,)}, "has a zero entry"),
    ("slice", [(2, 3)], {"begin": "(a,)", "end": (1,)}, "invalid value for parameter begin"),
    ("slice_axis", [(2, 3)], {"axis": 1, "begin": 2, "end": 1},
     r"slice_axis: begin=2, end=1 is not a non-empty range of axis 1 \(size 3\)"),
    ("slice_axis", [(2, 3)], {"axis": 1, "begin": 0, "end": 5}, "not a non-empty range"),
    ("slice_axis", [(2, 3)], {"axis": 2, "begin": 0, "end": 1}, "axis 2 is out of range"),
    ("slice_like", [(2, 3), (1, 2, 3)], {}, "differ in their number of dims; give axes"),
    ("slice_like", [(2, 3), (3, 1)], {}, r"cannot cut axis 0 of data shape \(2, 3\) to size 3"),
    ("slice_like", [(2, 3), (2,)], {"axes": (1,)}, r"axis 1 is out of range for shape_like"),
    ("take", [(3, 4), (2,)], {"mode": "foo"}, r"expected one of \['clip', 'raise', 'wrap'\]"),
    ("take", [(3, 4), (2,)], {"axis": 2}, "take: axis 2 is out of range"),
    ("take", [(3, 4)], {}, r"takes 2 inputs \['a', 'indices'\], got 1"),
    ("pick", [(3, 4), (2,)], {}, r"pick: index has shape \(2,\), but data of shape \(3, 4\) "
                                 r"needs \(3,\) or \(3, 1\)"),
    ("pick", [(3, 4), (3,)], {"mode": "raise"}, r"expected one of \['clip', 'wrap'\]"),
    ("pick", [(3, 4), (3,)], {"axis": "None"}, "axis=None is not supported"),
    ("one_hot", [(2,)], {}, "operator one_hot: required parameter depth is missing"),
    ("one_hot", [(2,)], {"depth": -1}, "depth must be non-negative"),
    ("one_hot", [(2,)], {"depth": 2, "dtype": "bool"}, r"expected one of \['float16'"),
    ("where", [(3,), (2, 2), (2, 2)], {}, r"where: condition has shape \(3,\); it must be x's "
                                          r"shape \(2, 2\) or \(2,\)"),
    ("where", [(2, 2), (2, 2), (2, 3)], {}, r"where: x has shape \(2, 2\) and y has shape "
                                            r"\(2, 3\)"),
    ("where", [(2, 2), (2, 2)], {}, r"takes 3 inputs \['condition', 'x', 'y'\], got 2"),
    ("clip", [(2,)], {"a_min": 0}, "operator clip: required parameter a_max is missing"),
    ("tile", [(2,)], {"reps": (-1,)}, "tile: reps .* has a negative entry"),
    ("repeat", [(2,)], {"repeats": -1}, "repeat: repeats must be non-negative"),
    ("repeat", [(2,)], {}, "required parameter repeats is missing"),
    ("Pad", [(1, 1, 2, 2)], {"pad_width": (0,) * 8}, "required parameter mode is missing"),
    ("Pad", [(1, 1, 2, 2)], {"mode": "wrap", "pad_width": (0,) * 8},
     r"expected one of \['constant', 'edge', 'reflect'\], got 'wrap'"),
    ("Pad", [(2, 2, 2)], {"mode": "constant", "pad_width": (0,) * 6},
     r"Pad: only 4-D and 5-D inputs are supported, got shape \(2, 2, 2\)"),
    ("Pad", [(1, 1, 2, 2)], {"mode": "constant", "pad_width": (0,) * 6}, "needs 8 entries"),
    ("Pad", [(1, 1, 2, 2)], {"mode": "constant", "pad_width": (1,) + (0,) * 7},
     "must start with four zeros"),
    ("Pad", [(1, 1, 2, 2)], {"mode": "reflect", "pad_width": (0, 0, 0, 0, 2, 0, 0, 0)},
     "reflect padding must be smaller than each axis"),
    ("flip", [(2, 3)], {}, "operator reverse: required parameter axis is missing"),
    ("flip", [(2, 3)], {"axis": -1}, r"reverse: axis -1 must be in \[0, 2\)"),
    ("swapaxes", [(2, 3)], {"dim1": 2}, "SwapAxis: dim1 2 is out of range"),
    ("broadcast_to", [(1, 3)], {"shape": (2, 4)},
     r"broadcast_to: cannot broadcast an array of shape \(1, 3\) to \(2, 4\)"),
    ("broadcast_to", [(1, 3)], {"shape": (4, 2, 3)}, "different numbers of dimensions"),
    ("broadcast_axis", [(1, 3)], {"axis": 1, "size": 4},
     r"cannot broadcast axis 1 of shape \(1, 3\) to size 4"),
    ("broadcast_axis", [(1, 3)], {"axis": (0, 1), "size": (2,)}, "must have the same length"),
    ("broadcast_axis", [(1, 3)], {"axis": -1, "size": 2}, r"axis -1 must be in \[0, 2\)"),
    ("broadcast_like", [(1, 3), (2, 4)], {},
     r"cannot broadcast lhs of shape \(1, 3\) like rhs of shape \(2, 4\)"),
    ("broadcast_like", [(1, 3), (2, 4)], {"lhs_axes": (), "rhs_axes": ()}, "must be non-empty"),
    ("broadcast_like", [(1, 3), (2, 4)], {"lhs_axes": (1,), "rhs_axes": (0,)},
     r"axis 1 of lhs shape \(1, 3\) has size 3"),
    ("SequenceMask", [(4, 2, 3), (3,)], {"use_sequence_length": True},
     r"SequenceMask: sequence_length has shape \(3,\), but data of shape \(4, 2, 3\) needs "
     r"\(2,\)"),
    ("SequenceMask", [(4, 2, 3)], {"axis": 2}, "SequenceMask: axis must be 0 or 1, got 2"),
    ("SequenceReverse", [(4, 2, 3)], {"axis": 1}, "SequenceReverse: axis must be 0, got 1"),
    ("SequenceLast", [(3,)], {}, "data must have at least 2 dims"),
    ("SequenceMask", [(4, 2, 3), (2,)], {}, r"takes 1 inputs \['data'\], got 2"),
    ("Crop", [(1, 1, 4, 4)], {"h_w": (5, 2)}, r"Crop: cannot cut a 5x2 window from data of shape"),
    ("Crop", [(1, 1, 4, 4)], {}, r"cannot cut a 0x0 window"),
    ("Crop", [(1, 1, 4, 4)], {"h_w": (2, 2), "offset": (3, 0)}, "puts the 2x2 window outside"),
    ("Crop", [(4, 4, 4)], {"h_w": (2, 2)}, "data must be 4-D"),
    ("Crop", [(1, 1, 4, 4)] * 3, {}, "num_args must be 1 .* or 2"),
    ("Crop", [(1, 1, 4, 4), (2, 2)], {}, "the input to crop like must be 4-D"),
    ("Reshape", [(2, 3)], {}, "Reshape: give the target shape"),
    ("Reshape", [(2, 3)], {"target_shape": (5, 5)},
     r"cannot reshape an array of shape \(2, 3\) \(size 6\) into target_shape \(5, 5\)"),
    ("Reshape", [(2, 3)], {"target_shape": (0, 0)}, "into target_shape"),
    ("Reshape", [(2, 3)], {"target_shape": (-1, 3)}, "has a negative dimension"),
    ("Flatten", [()], {}, "Flatten: cannot flatten a 0-d array"),
]


@pytest.mark.parametrize("name, shapes, params, message", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors(name, shapes, params, message):
    with pytest.raises(mx.MXNetError, match=message):
        getattr(mx.nd, name)(*_ones(*shapes), **params).wait_to_read()


def test_slicing_an_axis_of_unknown_size_leaves_it_unknown():
    data = mx.sym.var("data", shape=(0, 20))
    assert mx.sym.slice(data, begin=(None, 3), end=(5, 10)).infer_shape_partial()[1] == [(0, 7)]
    assert mx.sym.slice_axis(data, axis=0, begin=0, end=2).infer_shape_partial()[1] == [(0, 20)]
    assert mx.sym.slice_axis(data, axis=1, begin=0, end=2).infer_shape_partial()[1] == [(0, 2)]
    with mx.np_shape():
        data = mx.sym.var("data", shape=(10, -1))
        assert mx.sym.slice_axis(data, axis=0, begin=0, end=5).infer_shape_partial()[1] == [
            (5, -1)]


def test_tile_zero_reps_need_np_shape():
    data = mx.nd.arange(6).reshape((2, 3))
    with pytest.raises(mx.MXNetError, match="zero entry"):
        mx.nd.tile(data, reps=(1, 0, 3))
    with mx.np_shape():
        assert mx.nd.tile(data, reps=(0, 2)).shape == (0, 6)

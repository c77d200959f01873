"""mx.nd.save / mx.nd.load against MXNet 1.9.1's own files, remote URLs, atomic saves,
bad files, pickling and interop with numpy, JAX and DLPack."""
import os
import pickle
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.ndarray import file_format as _format

GOLDEN = Path(__file__).parent / "golden" / "ndarray"
sys.path.insert(0, str(GOLDEN))
from make_golden import golden_arrays  # noqa: E402  (numpy-only half of the generator)


def _assert_same(loaded, expected):
    assert loaded.shape == expected.shape and loaded.dtype == expected.dtype
    np.testing.assert_array_equal(loaded.asnumpy(), expected)


def test_load_mxnet_list_and_dict_files():
    expected = golden_arrays()
    as_list = mx.nd.load(str(GOLDEN / "list.params"))
    assert isinstance(as_list, list) and len(as_list) == len(expected)
    for loaded, value in zip(as_list, expected.values()):
        _assert_same(loaded, value)
        assert loaded.context == mx.cpu(0)
    as_dict = mx.nd.load(str(GOLDEN / "dict.params"))
    assert list(as_dict) == list(expected)
    for name, value in expected.items():
        _assert_same(as_dict[name], value)


def test_save_is_byte_identical_to_mxnet(tmp_path):
    arrays = {k: mx.nd.array(v, dtype=v.dtype) for k, v in golden_arrays().items()}
    mx.nd.save(str(tmp_path / "list.params"), list(arrays.values()))
    mx.nd.save(str(tmp_path / "dict.params"), arrays)
    for name in ("list.params", "dict.params"):
        assert (tmp_path / name).read_bytes() == (GOLDEN / name).read_bytes()


def test_single_array_saves_as_a_one_element_list(tmp_path):
    mx.nd.save(str(tmp_path / "x"), mx.nd.ones((2,)))
    loaded = mx.nd.load(str(tmp_path / "x"))
    assert isinstance(loaded, list) and loaded[0].asnumpy().tolist() == [1, 1]


def test_tutorial_round_trip_on_another_context(tmp_path):
    a = mx.nd.ones((2, 3), ctx=mx.cpu(1)) * 2
    mx.nd.save(str(tmp_path / "d.bin"), {"a": a, "b": a + 1})
    c = mx.nd.load(str(tmp_path / "d.bin"))
    assert c["a"].context == mx.cpu(1) and c["b"].asnumpy().tolist() == [[3] * 3] * 2


def test_gpu_arrays_load_on_cpu_when_there_is_no_gpu(tmp_path):
    payload = _format.encode([np.arange(3, dtype=np.float32)], None, [(2, 1)])
    (tmp_path / "gpu.params").write_bytes(payload)
    (loaded,) = mx.nd.load(str(tmp_path / "gpu.params"))
    expected_ctx = mx.gpu(1) if mx.context.num_gpus() > 1 else mx.cpu(0)
    assert loaded.context == expected_ctx and loaded.asnumpy().tolist() == [0, 1, 2]


def test_memory_url_round_trip():
    a = mx.nd.arange(4, dtype="int64")
    mx.nd.save("memory://bucket/arrays.params", {"a": a})
    loaded = mx.nd.load("memory://bucket/arrays.params")["a"]
    assert loaded.dtype == np.int64 and loaded.asnumpy().tolist() == [0, 1, 2, 3]


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "model.params"
    mx.nd.save(str(target), [mx.nd.ones((2,))])
    before = target.read_bytes()

    def crash(*args):
        raise OSError("disk full")
    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        mx.nd.save(str(target), [mx.nd.zeros((1000,))])
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.params"]


def test_save_rejects_what_is_not_arrays(tmp_path):
    for bad in ([1, 2], {"a": 1}, {1: mx.nd.ones(1)}, "text"):
        with pytest.raises(TypeError, match="save only accept dict str->NDArray or list of NDArray"):
            mx.nd.save(str(tmp_path / "x"), bad)


@pytest.mark.parametrize("content, message", [
    (lambda good: good[: len(good) // 2], "truncated"),
    (lambda good: np.random.default_rng(0).bytes(200), "invalid NDArray file"),
    (lambda good: b"\x93NUMPY" + bytes(100), "invalid NDArray file"),
    (lambda good: b"hello, this is a text file\n" * 4, "invalid NDArray file"),
    # a header declaring 2**40 float32 elements in a 100-byte file
    (lambda good: good[:40] + (2 ** 40).to_bytes(8, "little") + good[48:100], "truncated"),
])
def test_bad_files_raise_clear_errors(tmp_path, content, message):
    good = (GOLDEN / "single.params").read_bytes()
    path = tmp_path / "bad.params"
    path.write_bytes(content(good))
    with pytest.raises(mx.MXNetError, match=message):
        mx.nd.load(str(path))


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.params"):
        mx.nd.load(str(tmp_path / "nope.params"))


@pytest.mark.parametrize("action", [
    lambda d: mx.nd.load(str(d / "nope.params")),
    lambda d: mx.nd.save(str(d / "no_folder" / "x.params"), {}),
    lambda d: mx.sym.load(str(d / "nope-symbol.json")),
    lambda d: mx.gluon.nn.Dense(2).load_parameters(str(d / "nope.params")),
])
def test_missing_file_is_an_mxnet_error(tmp_path, action):
    # MXNet raises MXNetError for a missing file; scripts catch that
    with pytest.raises(mx.MXNetError, match="nope|no_folder") as caught:
        action(tmp_path)
    assert isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "uint8", "int8", "int32",
                                   "int64", "bool"])
def test_pickle_round_trip(dtype):
    a = mx.nd.array(np.arange(6).reshape(2, 3) % 2, ctx=mx.cpu(2), dtype=dtype)
    b = pickle.loads(pickle.dumps(a))
    assert b.dtype == np.dtype(dtype) and b.shape == (2, 3) and b.context == mx.cpu(2)
    np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())


def test_pickle_of_a_view_is_its_value():
    base = mx.nd.arange(6).reshape((2, 3))
    row = pickle.loads(pickle.dumps(base[1]))
    assert row.asnumpy().tolist() == [3, 4, 5]
    row[:] = 0
    assert base.asnumpy().tolist() == [[0, 1, 2], [3, 4, 5]]


def test_numpy_interop():
    a = mx.nd.array([[1, 2], [3, 4]])
    assert np.asarray(a).tolist() == [[1, 2], [3, 4]]
    assert np.asarray(a, dtype=np.int64).dtype == np.int64
    host = a.asnumpy()
    host[0, 0] = 100
    assert a.asnumpy()[0, 0] == 1


def test_jax_interop_is_zero_copy():
    x = jnp.arange(4, dtype=jnp.int32)
    a = mx.nd.array(x)
    assert a.dtype == np.int32 and a.asjax() is x
    assert mx.nd.array(x, dtype="float32").dtype == np.float32
    moved = mx.nd.array(x, ctx=mx.cpu(1))
    assert moved.asjax().devices() == {jax.devices("cpu")[1]}


def test_dlpack_round_trip():
    a = mx.nd.array([1.5, 2.5, 3.5])
    assert type(mx.nd.to_dlpack_for_read(a)).__name__ == "PyCapsule"
    b = mx.nd.from_dlpack(a)
    assert b.dtype == np.float32 and b.asnumpy().tolist() == [1.5, 2.5, 3.5]
    c = mx.nd.from_dlpack(np.arange(3, dtype=np.int32))
    assert c.dtype == np.int32 and c.asnumpy().tolist() == [0, 1, 2]
    np.testing.assert_array_equal(np.from_dlpack(a), [1.5, 2.5, 3.5])
    with pytest.raises(TypeError, match="needs a DLPack capsule or an object with __dlpack__"):
        mx.nd.from_dlpack([1, 2])


def test_from_numpy_shares_memory_and_makes_the_source_read_only():
    raw = np.arange(256 + 16, dtype=np.float32)
    start = -raw.ctypes.data % 64 // 4  # XLA shares host memory aligned to 64 bytes
    source = raw[start:start + 256].reshape(64, 4)
    shared = mx.nd.from_numpy(source)
    assert shared.asjax().unsafe_buffer_pointer() == source.ctypes.data  # zero copy
    np.testing.assert_array_equal(shared.asnumpy(), source)
    assert not source.flags["WRITEABLE"] and shared.context == mx.cpu(0)
    with pytest.raises(ValueError):
        source[0, 0] = 1
    copied = mx.nd.from_numpy(np.array((1,)).reshape(()), zero_copy=False)
    assert copied.dtype == np.int64 and copied.shape == ()
    assert mx.nd.from_numpy(np.zeros((1, 0, 2))).shape == (1, 0, 2)
    with pytest.raises(ValueError, match="Only c-contiguous arrays"):
        mx.nd.from_numpy(np.ones((2, 3)).T)
    with pytest.raises(ValueError, match="uint16 is not supported"):
        mx.nd.from_numpy(np.ones(3, np.uint16))


def test_writes_to_a_zero_copy_array_reach_the_numpy_array():
    # MXNet's test_zero_from_numpy: the two share memory, so numpy sees the NDArray's writes
    source = np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)
    shared = mx.nd.from_numpy(source)
    doubled = shared * 2  # dispatched before the write: it reads the old values
    shared[2, 1] = 100
    np.testing.assert_array_equal(source, [[1, 2], [3, 4], [5, 100]])
    np.testing.assert_array_equal(doubled.asnumpy(), [[2, 4], [6, 8], [10, 12]])
    shared += 1
    shared[0:1] = -1  # through a view of the first row
    np.testing.assert_array_equal(source, [[-1, -1], [4, 5], [6, 101]])
    mx.nd.relu(shared, out=shared)
    np.testing.assert_array_equal(source, shared.asnumpy())
    np.testing.assert_array_equal(source, [[0, 0], [4, 5], [6, 101]])
    assert not source.flags["WRITEABLE"]
    with pytest.raises(ValueError):
        source[0, 0] = 1
    again = mx.nd.from_numpy(source)  # read-only since the first from_numpy, still shared
    again[0, 0] = 3
    assert source[0, 0] == 3
    # memory numpy may not write keeps its values: writes stay the NDArray's
    frozen = np.frombuffer(np.arange(4, dtype=np.float32).tobytes(), np.float32)
    copy = mx.nd.from_numpy(frozen)
    copy[:] = 9
    np.testing.assert_array_equal(frozen, [0, 1, 2, 3])
    np.testing.assert_array_equal(copy.asnumpy(), [9, 9, 9, 9])


def test_copies_own_their_buffers():
    """A copy survives when the original's buffer is donated to XLA (executors do that)."""
    a = mx.nd.ones((3,))
    copies = [a.copy(), a.copyto(mx.cpu(0)), mx.nd.array(a), a.copyto(mx.nd.zeros((3,)))]
    jax.jit(lambda x: x * 2, donate_argnums=0)(a.asjax())
    assert all(c.asnumpy().tolist() == [1, 1, 1] for c in copies)

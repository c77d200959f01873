"""MXNet's binary NDArray file format (symjax_mx/ndarray/file_format.py) against real MXNet's files.

The golden files in tests/golden/ndarray/ were written by MXNet 1.9.1 (see make_golden.py);
check_with_mxnet.py there does the reverse check (symjax_mx writes, MXNet loads).
"""
import io
import os
import struct
import sys
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from symjax_mx.base import MXNetError
from symjax_mx.ndarray import file_format as _format

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "ndarray")
sys.path.insert(0, GOLDEN)
from make_golden import golden_arrays  # noqa: E402

HEADER = struct.pack("<QQ", 0x112, 0)
F32_PAIR = np.array([1.5, 2.5], dtype="<f4").tobytes()


def golden_bytes(name):
    with open(os.path.join(GOLDEN, name), "rb") as f:
        return f.read()


def assert_same(got, want):
    assert got.shape == want.shape
    assert got.dtype == want.dtype
    assert got.tobytes() == np.ascontiguousarray(want).tobytes()


def file_of(entries, names=()):
    """A file around hand-built array entries."""
    out = HEADER + struct.pack("<Q", len(entries)) + b"".join(entries)
    out += struct.pack("<Q", len(names))
    for n in names:
        out += struct.pack("<Q", len(n)) + n
    return out


def v2_entry(shape, flag=0, data=b"", stype=0, dev=(1, 0)):
    return (struct.pack("<IiI", _format.V2_MAGIC, stype, len(shape))
            + struct.pack(f"<{len(shape)}q", *shape) + struct.pack("<iii", *dev, flag) + data)


# --------------------------------------------------------------------------------------
# files written by real MXNet 1.9.1
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fname, with_names", [
    ("list.params", False), ("dict.params", True), ("legacy_v1.params", True),
])
def test_decode_golden(fname, with_names):
    g = golden_arrays()
    entries, names = _format.decode(golden_bytes(fname))
    assert names == (list(g) if with_names else [])
    assert len(entries) == len(g)
    for (arr, dev_type, dev_id), want in zip(entries, g.values()):
        assert (dev_type, dev_id) == (1, 0)
        assert_same(arr, want)


def test_decode_golden_single():
    entries, names = _format.decode(golden_bytes("single.params"))
    assert names == []
    assert len(entries) == 1
    assert_same(entries[0][0], golden_arrays()["float32"])


def test_decode_golden_scalar_v2():
    # MXNet 1.9.1 writes mx.nd.array(3.0) as V2 with ndim 0 followed by device, type and data.
    (entry,), names = _format.decode(golden_bytes("scalar_v2.params"))
    assert_same(entry[0], np.array(3.0, dtype=np.float32))
    assert names == []


def test_decode_golden_np_shape_v3():
    entries, _ = _format.decode(golden_bytes("np_shape_v3.params"))
    assert_same(entries[0][0], np.array(3.0, dtype=np.float32))
    assert_same(entries[1][0], np.array([1.5, 2.5], dtype=np.float32))
    assert_same(entries[2][0], np.zeros((2, 0), dtype=np.float32))


def test_decode_golden_sparse_made_by_tostype():
    # MXNet records an empty storage shape for a cast_storage result; the indices give it
    (csr, _, _), = _format.decode(golden_bytes("sparse_csr.params"))[0]
    assert csr.stype == "csr" and csr.shape == (2, 3)
    assert csr.data.tolist() == [1.5, 2.0]
    assert [a.tolist() for a in csr.aux] == [[0, 1, 2], [1, 0]]
    (rsp, _, _), = _format.decode(golden_bytes("sparse_rsp.params"))[0]
    assert rsp.stype == "row_sparse" and rsp.shape == (3, 2)
    assert rsp.data.tolist() == [[1.5, 2.0]] and rsp.aux[0].tolist() == [1]


def test_encode_is_byte_identical_to_mxnet():
    g = golden_arrays()
    assert _format.encode(list(g.values())) == golden_bytes("list.params")
    assert _format.encode(list(g.values()), names=list(g)) == golden_bytes("dict.params")
    assert _format.encode([g["float32"]]) == golden_bytes("single.params")
    assert _format.encode([np.array(3.0, dtype=np.float32)]) == golden_bytes("scalar_v2.params")


def test_decode_accepts_bytes_like():
    buf = golden_bytes("list.params")
    for b in (bytearray(buf), memoryview(buf)):
        entries, _ = _format.decode(b)
        assert len(entries) == len(golden_arrays())


# --------------------------------------------------------------------------------------
# round trips
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("flag, dtype", sorted(_format.TYPE_FLAGS.items()))
def test_round_trip_every_dtype(flag, dtype):
    arr = (np.arange(6) % 3).astype(dtype).reshape(2, 3)
    buf = _format.encode([arr], names=["x"])
    # the type flag sits after magic, stype, ndim, two dims, device type and id
    assert struct.unpack_from("<i", buf, 24 + 12 + 16 + 8)[0] == flag
    ((got, dev_type, dev_id),), names = _format.decode(buf)
    assert_same(got, arr)
    assert (dev_type, dev_id, names) == (1, 0, ["x"])


@pytest.mark.parametrize("shape", [(0,), (2, 0), (0, 3, 0), (3, 0, 1)])
def test_round_trip_zero_size(shape):
    arr = np.zeros(shape, dtype=np.int64)
    buf = _format.encode([arr])
    assert len(buf) == 24 + 12 + 8 * len(shape) + 12 + 8  # no data bytes
    (got, _, _), = _format.decode(buf)[0]
    assert_same(got, arr)


def test_round_trip_zero_d():
    arr = np.array(-7, dtype=np.int32)
    (got, _, _), = _format.decode(_format.encode([arr]))[0]
    assert_same(got, arr)


def test_round_trip_devices_and_byte_order():
    big = np.array([1.0, -2.0], dtype=">f8")  # written little-endian, read as native float64
    buf = _format.encode([big, np.ones(2, np.float32)], devices=[(2, 1), (5, 0)])
    entries, _ = _format.decode(buf)
    assert [(t, i) for _, t, i in entries] == [(2, 1), (5, 0)]
    assert_same(entries[0][0], np.array([1.0, -2.0]))
    assert entries[0][0].dtype.isnative


def test_round_trip_non_contiguous_and_empty_file():
    arr = np.arange(12, dtype=np.float32).reshape(3, 4).T
    (got, _, _), = _format.decode(_format.encode([arr]))[0]
    assert_same(got, np.ascontiguousarray(arr))
    assert _format.decode(_format.encode([])) == ([], [])
    assert _format.decode(_format.encode([], names=[])) == ([], [])


def test_round_trip_unicode_names():
    arrs = [np.ones(1, np.float32), np.zeros(1, np.uint8)]
    _, names = _format.decode(_format.encode(arrs, names=["arg:wéight", ""]))
    assert names == ["arg:wéight", ""]


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_round_trip_property(data):
    count = data.draw(st.integers(0, 3))
    arrays, devices = [], []
    for _ in range(count):
        dtype = data.draw(st.sampled_from(sorted(_format.TYPE_FLAGS.values(), key=str)))
        shape = data.draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3))
        arrays.append(data.draw(hnp.arrays(dtype, shape)))
        devices.append(data.draw(st.sampled_from([(1, 0), (2, 0), (2, 3), (3, 0), (5, 0)])))
    names = data.draw(st.none() | st.lists(st.text(max_size=5), min_size=count, max_size=count))
    entries, got_names = _format.decode(_format.encode(arrays, names=names, devices=devices))
    assert got_names == (names or [])
    for (got, dev_type, dev_id), arr, dev in zip(entries, arrays, devices):
        assert_same(got, arr)
        assert (dev_type, dev_id) == dev


# --------------------------------------------------------------------------------------
# older layouts, hand-built
# --------------------------------------------------------------------------------------


def test_decode_legacy_no_magic():
    # first u32 is ndim, then u32 dims
    entry = struct.pack("<III", 2, 1, 2) + struct.pack("<iii", 1, 0, 0) + F32_PAIR
    none = struct.pack("<I", 0)
    (a, none_arr), names = _format.decode(file_of([entry, none], [b"w", b"n"]))
    assert_same(a[0], np.array([[1.5, 2.5]], dtype=np.float32))
    assert_same(none_arr[0], np.empty((0,), np.float32))
    assert names == ["w", "n"]


def test_decode_v1_none_and_zero_size():
    none = struct.pack("<II", _format.V1_MAGIC, 0)
    zero = struct.pack("<IIqq", _format.V1_MAGIC, 2, 2, 0) + struct.pack("<iii", 1, 0, 6)
    (n, z), _ = _format.decode(file_of([none, zero]))
    assert_same(n[0], np.empty((0,), np.float32))
    assert_same(z[0], np.empty((2, 0), np.int64))


def test_decode_v3():
    def v3(ndim, dims=(), flag=0, data=b""):
        head = struct.pack("<Iii", _format.V3_MAGIC, 0, ndim) + struct.pack(f"<{len(dims)}q", *dims)
        return head + (struct.pack("<iii", 2, 1, flag) + data if ndim >= 0 else b"")

    entries, _ = _format.decode(file_of([
        v3(1, (2,), 0, F32_PAIR), v3(0, (), 7, b"\x01"), v3(-1), v3(2, (0, 5), 1),
    ]))
    assert_same(entries[0][0], np.array([1.5, 2.5], np.float32))
    assert entries[0][1:] == (2, 1)
    assert_same(entries[1][0], np.array(True))
    assert_same(entries[2][0], np.empty((0,), np.float32))
    assert entries[2][1:] == (1, 0)
    assert_same(entries[3][0], np.empty((0, 5), np.float64))


def test_decode_bool_normalises_nonzero_bytes():
    (a, _, _), = _format.decode(file_of([v2_entry((3,), 7, b"\x00\x02\xff")]))[0]
    assert a.tolist() == [False, True, True]


# --------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------


def test_bad_header():
    with pytest.raises(MXNetError, match=r"expected magic 0x112 at byte 0 but the file has only 0 bytes"):
        _format.decode(b"")
    with pytest.raises(MXNetError, match=r"expected magic 0x112 at byte 0 but the file has only 3"):
        _format.decode(b"\x12\x01\x00")
    buf = io.BytesIO()
    np.save(buf, np.arange(3))
    with pytest.raises(MXNetError, match=r"expected magic 0x112 at byte 0, found .*not an MXNet NDArray file"):
        _format.decode(buf.getvalue())
    with pytest.raises(MXNetError, match=r"expected magic 0x112"):
        _format.decode(b"hello, this is a text file\n")
    with pytest.raises(MXNetError, match=r"truncated NDArray file: the array count needs 8 bytes at byte 16"):
        _format.decode(HEADER)


def test_every_truncation_of_a_golden_file_fails_cleanly():
    buf = golden_bytes("dict.params")
    for n in range(len(buf)):
        with pytest.raises(MXNetError, match=r"(truncated|invalid) NDArray file"):
            _format.decode(buf[:n])


def test_trailing_garbage():
    buf = golden_bytes("list.params") + b"xyz"
    with pytest.raises(MXNetError, match=rf"3 bytes of trailing data at byte {len(buf) - 3}"):
        _format.decode(buf)


def test_huge_count():
    with pytest.raises(MXNetError, match=r"declares 18446744073709551615 arrays at byte 16"):
        _format.decode(HEADER + struct.pack("<QQ", 2**64 - 1, 0))


def test_huge_ndim():
    entry = struct.pack("<IiI", _format.V2_MAGIC, 0, 2**31)
    with pytest.raises(MXNetError, match=r"array 0 declares ndim 2147483648 at byte 32, more than the maximum of 32"):
        _format.decode(file_of([entry]))
    legacy = struct.pack("<I", 1000)
    with pytest.raises(MXNetError, match=r"array 0 at byte 24 starts with 0x000003E8, which is neither"):
        _format.decode(file_of([legacy]))
    v3 = struct.pack("<Iii", _format.V3_MAGIC, 0, -5)
    with pytest.raises(MXNetError, match=r"array 0 declares ndim -5"):
        _format.decode(file_of([v3]))


def test_huge_data_fails_fast_without_allocating():
    # 2**40 float32 elements declared, 8 bytes present
    buf = file_of([v2_entry((2**20, 2**20), 0, F32_PAIR)])
    tracemalloc.start()
    try:
        with pytest.raises(MXNetError, match=r"truncated NDArray file: array 0 declares 4398046511104 bytes of data .* but \d+ remain"):
            _format.decode(buf)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    # dims whose product overflows int64
    with pytest.raises(MXNetError, match=r"declares \d+ bytes of data"):
        _format.decode(file_of([v2_entry((2**62, 2**62), 0, F32_PAIR)]))


def test_zero_size_with_absurd_dims_does_not_crash():
    buf = file_of([v2_entry((0, 2**62, 2**62), 0)])
    try:
        (a, _, _), = _format.decode(buf)[0]
    except MXNetError as e:
        assert "unrepresentable shape" in str(e)
    else:
        assert a.size == 0


def test_negative_dim():
    with pytest.raises(MXNetError, match=r"array 0 has a negative dimension -2 in shape \(3, -2\) at byte 36"):
        _format.decode(file_of([v2_entry((3, -2), 0, F32_PAIR)]))


def test_unknown_type_flag():
    with pytest.raises(MXNetError, match=r"array 0 has unknown type flag 8 at byte 52"):
        _format.decode(file_of([v2_entry((1,), 8, b"\x00\x00")]))
    with pytest.raises(MXNetError, match=r"unknown type flag -1"):
        _format.decode(file_of([v2_entry((1,), -1, b"\x00\x00")]))


def test_unknown_device():
    with pytest.raises(MXNetError, match=r"array 0 has unknown device type 9 at byte 44"):
        _format.decode(file_of([v2_entry((2,), 0, F32_PAIR, dev=(9, 0))]))
    with pytest.raises(MXNetError, match=r"negative device id -1"):
        _format.decode(file_of([v2_entry((2,), 0, F32_PAIR, dev=(1, -1))]))


def test_unknown_storage_types_are_refused():
    for stype in (-1, 5):
        with pytest.raises(MXNetError, match=f"array 1 has storage type {stype}"):
            _format.decode(file_of([v2_entry((2,), 0, F32_PAIR),
                                    v2_entry((2,), 0, F32_PAIR, stype=stype)]))


def test_bad_names():
    one = v2_entry((2,), 0, F32_PAIR)
    with pytest.raises(MXNetError, match=r"2 names at byte 64 for 1 arrays"):
        _format.decode(file_of([one], [b"a", b"b"]))
    huge = file_of([one])[:-8] + struct.pack("<QQ", 1, 2**62) + b"abc"
    with pytest.raises(MXNetError, match=r"name 0 declares 4611686018427387904 bytes at byte 72 but 3 remain"):
        _format.decode(huge)
    with pytest.raises(MXNetError, match=r"name 0 at byte 80 is not valid utf-8"):
        _format.decode(file_of([one], [b"\xff\xfe"]))


def test_random_bytes_fail_cleanly():
    rng = np.random.default_rng(0)
    for n in (1, 7, 8, 24, 100, 1000):
        for _ in range(20):
            junk = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
            with pytest.raises(MXNetError):
                _format.decode(junk)
            with pytest.raises(MXNetError):  # valid header, junk after it
                _format.decode(HEADER + junk)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 10_000), st.booleans())
def test_mutated_golden_file_never_crashes(patch, at, insert):
    buf = golden_bytes("dict.params")
    at %= len(buf)
    buf = buf[:at] + patch + buf[at + (0 if insert else len(patch)):]
    try:
        entries, names = _format.decode(buf)
    except MXNetError:
        return
    assert all(isinstance(a, np.ndarray) for a, _, _ in entries)


# --------------------------------------------------------------------------------------
# encode errors
# --------------------------------------------------------------------------------------


def test_encode_errors():
    with pytest.raises(MXNetError, match=r"array 0: dtype complex64 cannot be saved"):
        _format.encode([np.zeros(2, np.complex64)])
    with pytest.raises(MXNetError, match=r"dtype int16 cannot be saved"):
        _format.encode([np.zeros(2, np.int16)])
    with pytest.raises(MXNetError, match=r"got 1 names for 2 arrays"):
        _format.encode([np.zeros(1), np.zeros(1)], names=["a"])
    with pytest.raises(MXNetError, match=r"name 0 must be a str"):
        _format.encode([np.zeros(1)], names=[b"a"])
    with pytest.raises(MXNetError, match=r"got 0 devices for 1 arrays"):
        _format.encode([np.zeros(1)], devices=[])
    with pytest.raises(MXNetError, match=r"unknown device type 4"):
        _format.encode([np.zeros(1)], devices=[(4, 0)])
    with pytest.raises(MXNetError, match=r"ndim 33 exceeds the maximum of 32"):
        _format.encode([np.zeros((1,) * 33)])


# --------------------------------------------------------------------------------------
# file I/O
# --------------------------------------------------------------------------------------


def test_write_and_read_local(tmp_path):
    fname = tmp_path / "a.params"
    _format.write_bytes_atomic(str(fname), b"first")
    _format.write_bytes_atomic(fname, b"second")  # path-like works too
    assert _format.read_bytes(str(fname)) == b"second"
    assert _format.read_bytes(fname) == b"second"
    assert os.listdir(tmp_path) == ["a.params"]


def test_new_file_permissions_follow_umask(tmp_path):
    old = os.umask(0o022)
    try:
        fname = tmp_path / "p.params"
        _format.write_bytes_atomic(str(fname), b"x")
        assert os.stat(fname).st_mode & 0o777 == 0o644  # not mkstemp's 0o600
        os.chmod(fname, 0o640)
        _format.write_bytes_atomic(str(fname), b"y")
        assert os.stat(fname).st_mode & 0o777 == 0o640  # an existing file keeps its mode
    finally:
        os.umask(old)


@pytest.mark.parametrize("fail_at", ["replace", "fsync", "write"])
def test_write_failure_keeps_previous_file(tmp_path, monkeypatch, fail_at):
    fname = tmp_path / "model.params"
    fname.write_bytes(b"previous content")

    def boom(*args, **kwargs):
        raise OSError("simulated failure")

    real_fdopen = os.fdopen

    class HalfWritten:
        """A temp file whose write stores a few bytes and then fails, like a full disk."""

        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:3])
            raise OSError("simulated failure")

    if fail_at == "replace":
        monkeypatch.setattr(os, "replace", boom)
    elif fail_at == "fsync":
        monkeypatch.setattr(os, "fsync", boom)
    else:
        monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWritten(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="simulated failure"):
        _format.write_bytes_atomic(str(fname), b"new content")
    monkeypatch.undo()
    assert fname.read_bytes() == b"previous content"
    assert os.listdir(tmp_path) == ["model.params"]


def test_write_interrupted_keeps_previous_file(tmp_path, monkeypatch):
    fname = tmp_path / "model.params"
    fname.write_bytes(b"previous content")

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _format.write_bytes_atomic(str(fname), b"new")
    monkeypatch.undo()
    assert fname.read_bytes() == b"previous content"
    assert os.listdir(tmp_path) == ["model.params"]


def test_read_missing_file(tmp_path):
    missing = str(tmp_path / "nope.params")
    with pytest.raises(FileNotFoundError, match="nope.params"):
        _format.read_bytes(missing)


def test_fsspec_memory_round_trip():
    pytest.importorskip("fsspec")
    url = "memory://symjax_mx_test/dir/model.params"
    buf = _format.encode(list(golden_arrays().values()), names=list(golden_arrays()))
    _format.write_bytes_atomic(url, buf)
    assert _format.read_bytes(url) == buf
    entries, names = _format.decode(_format.read_bytes(url))
    assert names == list(golden_arrays())
    with pytest.raises(FileNotFoundError):
        _format.read_bytes("memory://symjax_mx_test/missing.params")


def test_remote_without_fsspec(monkeypatch):
    monkeypatch.setitem(sys.modules, "fsspec", None)  # makes `import fsspec` fail
    with pytest.raises(MXNetError, match=r"pip install symjax_mx\[remote\]"):
        _format.read_bytes("s3://bucket/model.params")
    with pytest.raises(MXNetError, match=r"pip install symjax_mx\[remote\]"):
        _format.write_bytes_atomic("s3://bucket/model.params", b"x")

"""mx.recordio: MXNet's .rec/.idx files byte for byte, both ways (golden files made by
MXNet 1.9.1: tests/golden/recordio/make_golden.py), headers, labels and images."""
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

import symjax_mx as mx

GOLDEN = Path(__file__).parent / "golden" / "recordio"
MAGIC = struct.pack("<I", 0xCED7230A)


@pytest.fixture(scope="module")
def expected():
    return np.load(GOLDEN / "expected.npz")


def _golden_reader():
    return mx.recordio.MXIndexedRecordIO(str(GOLDEN / "mxnet.idx"), str(GOLDEN / "mxnet.rec"), "r")


def test_mxnet_file_reads_header_for_header_and_image_for_image(expected):
    reader = _golden_reader()
    assert reader.keys == [0, 1, 2, 3, 4, 5]
    for key in reversed(range(5)):
        header, img = mx.recordio.unpack_img(reader.read_idx(key))
        assert [header.flag, header.id, header.id2] == expected[f"header{key}"].tolist()
        np.testing.assert_array_equal(np.asarray(header.label, np.float32), expected[f"label{key}"])
        assert img.dtype == np.uint8
        np.testing.assert_array_equal(img, expected[f"image{key}"])
    header, payload = mx.recordio.unpack(reader.read_idx(5))
    assert payload == expected["payload5"].tobytes() and MAGIC in payload
    assert header.label == 4.0 and header.id == 15


def test_sequential_read_sees_every_record_then_none():
    reader = mx.recordio.MXRecordIO(str(GOLDEN / "mxnet.rec"), "r")
    records = [reader.read() for _ in range(6)]
    assert reader.read() is None
    reader.reset()
    assert reader.read() == records[0]
    assert [mx.recordio.unpack(r)[0].id for r in records] == [10, 11, 12, 13, 14, 15]


def test_rewriting_mxnet_records_reproduces_its_files_byte_for_byte(tmp_path):
    reader = _golden_reader()
    rec, idx = tmp_path / "out.rec", tmp_path / "out.idx"
    writer = mx.recordio.MXIndexedRecordIO(str(idx), str(rec), "w")
    for key in reader.keys:
        writer.write_idx(key, reader.read_idx(key))
    writer.close()
    assert rec.read_bytes() == (GOLDEN / "mxnet.rec").read_bytes()
    assert idx.read_text() == (GOLDEN / "mxnet.idx").read_text()


@pytest.mark.parametrize("payload", [
    b"", b"a", b"abcd", MAGIC, MAGIC + MAGIC, b"ab" + MAGIC + b"cd",   # unaligned: no split
    b"abcd" + MAGIC + b"efgh" + MAGIC + MAGIC + b"xyz", b"x" * 4 + MAGIC])
def test_payloads_with_magic_numbers_round_trip(tmp_path, payload):
    path = str(tmp_path / "r.rec")
    writer = mx.recordio.MXRecordIO(path, "w")
    writer.write(payload)
    writer.write(b"next")
    writer.close()
    data = (tmp_path / "r.rec").read_bytes()
    assert len(data) % 4 == 0
    reader = mx.recordio.MXRecordIO(path, "r")
    assert reader.read() == payload
    assert reader.read() == b"next"


def test_aligned_magic_is_split_with_continuation_flags(tmp_path):
    path = tmp_path / "r.rec"
    writer = mx.recordio.MXRecordIO(str(path), "w")
    writer.write(b"abcd" + MAGIC + b"ef")
    writer.close()
    words = struct.unpack("<" + "I" * (len(path.read_bytes()) // 4), path.read_bytes())
    assert words[1] == (1 << 29) | 4 and words[4] == (3 << 29) | 2


def test_pack_label_forms():
    header = mx.recordio.IRHeader(0, 2.5, 7, 8)
    got, body = mx.recordio.unpack(mx.recordio.pack(header, b"body"))
    assert got == (0, 2.5, 7, 8) and body == b"body"
    label = np.random.RandomState(1).uniform(size=6).astype(np.float32)
    got, body = mx.recordio.unpack(mx.recordio.pack((99, label, 1, 2), b"xyz"))
    assert got.flag == 6 and got.id == 1 and got.id2 == 2 and body == b"xyz"
    np.testing.assert_array_equal(got.label, label)


def test_pack_img_round_trips_png_exactly_and_jpeg_closely():
    img = np.random.RandomState(0).randint(0, 256, (8, 10, 3)).astype(np.uint8)
    _, back = mx.recordio.unpack_img(mx.recordio.pack_img((0, 1, 2, 0), img, img_fmt=".png"))
    np.testing.assert_array_equal(back, img)
    smooth = np.linspace(0, 250, 16 * 16 * 3).reshape(16, 16, 3).astype(np.uint8)
    _, back = mx.recordio.unpack_img(mx.recordio.pack_img((0, 1, 2, 0), smooth, quality=95))
    assert back.shape == smooth.shape and np.abs(back.astype(int) - smooth).mean() < 3
    _, grey = mx.recordio.unpack_img(mx.recordio.pack_img((0, 1, 2, 0), img, img_fmt=".png"), 0)
    assert grey.shape == (8, 10, 1)


def test_indexed_string_keys_and_pickling(tmp_path):
    rec, idx = str(tmp_path / "k.rec"), str(tmp_path / "k.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w", key_type=str)
    for key in ("b", "a"):
        writer.write_idx(key, key.encode() * 5)
    writer.close()
    reader = mx.recordio.MXIndexedRecordIO(idx, rec, "r", key_type=str)
    clone = pickle.loads(pickle.dumps(reader))
    assert clone.keys == ["b", "a"] and clone.read_idx("a") == b"aaaaa"
    assert not reader.is_open  # as in MXNet, pickling closes the original
    reader.reset()
    assert reader.read_idx("b") == b"bbbbb"


def test_bad_use_is_an_error(tmp_path):
    with pytest.raises(mx.MXNetError, match="cannot open"):
        mx.recordio.MXRecordIO(str(tmp_path / "missing.rec"), "r")
    with pytest.raises(ValueError):
        mx.recordio.MXRecordIO(str(tmp_path / "x.rec"), "a")
    writer = mx.recordio.MXRecordIO(str(tmp_path / "x.rec"), "w")
    with pytest.raises(mx.MXNetError, match="cannot be read"):
        writer.read()
    writer.close()
    (tmp_path / "bad.rec").write_bytes(b"\0" * 16)
    with pytest.raises(mx.MXNetError, match="bad magic"):
        mx.recordio.MXRecordIO(str(tmp_path / "bad.rec"), "r").read()
    reader = _golden_reader()
    with pytest.raises(mx.MXNetError, match="no key 42"):
        reader.read_idx(42)

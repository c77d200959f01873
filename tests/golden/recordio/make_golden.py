"""Make the RecordIO / image golden files with real MXNet 1.9.1 (and OpenCV, which the
oracle venv lacks: install opencv-python-headless<4.9 into a folder of its own):

    pip install --target /tmp/cv2dir "opencv-python-headless<4.9" && rm -r /tmp/cv2dir/numpy*
    PYTHONPATH=/tmp/cv2dir /tmp/mxref/bin/python tests/golden/recordio/make_golden.py

Writes, next to this script:
- mxnet.rec / mxnet.idx: 6 records by MXIndexedRecordIO.write_idx (keys 0..5): JPEG and
  PNG images by recordio.pack_img with scalar and multi-label headers, and one raw
  record whose payload holds the RecordIO magic number at aligned offsets (continuation
  flags on disk);
- expected.npz: what MXNet reads back (headers, labels, cv2-decoded BGR pixels, the raw
  payload), MXNet's imresize / copyMakeBorder of a small image, and the batches
  ImageRecordIter makes from images.rec (5 PNG records with two labels each).
Check a file written by symjax_mx in MXNet with ``--check PREFIX`` (reads PREFIX.rec/.idx
and prints every record's header and image shape).
"""
import os
import struct
import sys

import cv2  # noqa: F401 (recordio.pack_img needs OpenCV: fail early without it)
import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MAGIC = struct.pack("<I", 0xCED7230A)


def images():
    rng = np.random.RandomState(0)
    smooth = np.linspace(0, 255, 12 * 16 * 3).reshape(12, 16, 3).astype(np.uint8)
    noisy = rng.randint(0, 256, (10, 14, 3)).astype(np.uint8)
    gray = rng.randint(0, 256, (9, 11)).astype(np.uint8)
    return smooth, noisy, gray


def raw_payload():
    return b"abcd" + MAGIC + b"efgh" + MAGIC + MAGIC + b"xyz"


def make():
    smooth, noisy, gray = images()
    records = [
        ((0, 3.0, 10, 0), smooth, ".jpg"),
        ((0, [1.0, 2.5, -3.0], 11, 7), noisy, ".png"),
        ((0, 7.0, 12, 0), gray, ".png"),
        ((0, np.arange(5, dtype=np.float32), 13, 0), noisy, ".jpg"),
        ((0, 0.0, 14, 0), smooth, ".png"),
    ]
    rec, idx = os.path.join(HERE, "mxnet.rec"), os.path.join(HERE, "mxnet.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for key, (header, img, fmt) in enumerate(records):
        writer.write_idx(key, mx.recordio.pack_img(header, img, quality=90, img_fmt=fmt))
    writer.write_idx(5, mx.recordio.pack((0, 4.0, 15, 0), raw_payload()))
    writer.close()

    expected = {}
    reader = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    for key in range(5):
        header, img = mx.recordio.unpack_img(reader.read_idx(key))
        expected[f"label{key}"] = np.asarray(header.label, np.float32)
        expected[f"header{key}"] = np.array([header.flag, header.id, header.id2])
        expected[f"image{key}"] = img
    header, payload = mx.recordio.unpack(reader.read_idx(5))
    expected["payload5"] = np.frombuffer(payload, np.uint8)
    reader.close()

    small = noisy[:7, :9]
    nd_small = mx.nd.array(small, dtype=np.uint8)
    for interp in range(5):
        for w, h in ((13, 11), (4, 3), (9, 5)):
            expected[f"resize_{interp}_{w}_{h}"] = mx.image.imresize(
                nd_small, w, h, interp=interp).asnumpy()
            expected[f"resizef_{interp}_{w}_{h}"] = mx.image.imresize(
                mx.nd.array(small), w, h, interp=interp).asnumpy()
    for border in range(5):
        expected[f"border_{border}"] = mx.image.copyMakeBorder(
            nd_small, 2, 1, 3, 4, type=border, values=[10, 20, 30]).asnumpy()
    expected["small"] = small
    expected.update(image_record_iter())
    np.savez_compressed(os.path.join(HERE, "expected.npz"), **expected)


def image_record_iter():
    """images.rec: 5 PNG records; ImageRecordIter's deterministic batches over it."""
    rng = np.random.RandomState(1)
    path = os.path.join(HERE, "images.rec")
    writer = mx.recordio.MXRecordIO(path, "w")
    for i in range(5):
        img = rng.randint(0, 256, (10 + i, 12, 3)).astype(np.uint8)
        label = [float(i), 10.0 + i]
        writer.write(mx.recordio.pack_img((0, label, i, 0), img, quality=3, img_fmt=".png"))
    writer.close()
    out = {}
    for name, extra in (("plain", {}), ("resized", {"resize": 9}), ("norm", dict(
            mean_r=10.0, mean_g=20.0, mean_b=30.0, std_r=2.0, std_g=3.0, std_b=4.0,
            scale=0.5))):
        it = mx.io.ImageRecordIter(path_imgrec=path, data_shape=(3, 8, 8), batch_size=2,
                                   label_width=2,
                                   preprocess_threads=1, **extra)
        for epoch in range(2):
            if epoch:
                it.reset()
            for b, batch in enumerate(it):
                key = f"iter_{name}_{epoch}_{b}"
                out[key + "_data"] = batch.data[0].asnumpy()
                out[key + "_label"] = batch.label[0].asnumpy()
                out[key + "_pad"] = np.array(batch.pad)
    return out


def check(prefix):
    reader = mx.recordio.MXIndexedRecordIO(prefix + ".idx", prefix + ".rec", "r")
    for key in reader.keys:
        header, img = mx.recordio.unpack_img(reader.read_idx(key))
        print(key, header.flag, np.asarray(header.label).tolist(), header.id, header.id2,
              img.shape, int(img.astype(np.int64).sum()))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
    else:
        make()

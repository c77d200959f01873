"""mx.image (decode, resize, crop, border, rotate, augmenters, ImageIter) and
mx.io.ImageRecordIter, against MXNet 1.9.1's outputs (tests/golden/recordio/)."""
import json
from pathlib import Path
import warnings

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx.image import codec

GOLDEN = Path(__file__).parent / "golden" / "recordio"
SIZES = ((13, 11), (4, 3), (9, 5))


@pytest.fixture(scope="module")
def expected():
    return np.load(GOLDEN / "expected.npz")


@pytest.mark.parametrize("interp", range(5))
def test_imresize_matches_mxnet(expected, interp):
    small = expected["small"]
    for w, h in (SIZES[interp % 3],):  # one size each: every call compiles
        got = mx.image.imresize(mx.nd.array(small, dtype="uint8"), w, h, interp=interp)
        assert got.dtype == np.uint8 and got.shape == (h, w, 3)
        ref = expected[f"resize_{interp}_{w}_{h}"]
        assert np.abs(got.asnumpy().astype(int) - ref).max() <= 1  # OpenCV's fixed point
        got = mx.image.imresize(mx.nd.array(small), w, h, interp=interp).asnumpy()
        np.testing.assert_allclose(got, expected[f"resizef_{interp}_{w}_{h}"], atol=1e-3)
        # the registry operator (mx.nd / mx.sym) runs the same computation compiled
        got = mx.nd._internal._cvimresize(mx.nd.array(small, dtype="uint8"), w=w, h=h,
                                          interp=interp)
        assert np.abs(got.asnumpy().astype(int) - ref).max() <= 1


def test_imresize_writes_out_and_checks_its_input():
    out = mx.nd.zeros((3, 5, 1))
    assert mx.image.imresize(mx.nd.ones((2, 2, 1)), 5, 3, out=out) is out
    np.testing.assert_allclose(out.asnumpy(), 1.0)
    with pytest.raises(mx.MXNetError, match=r"\(H, W, C\)"):
        mx.image.imresize(mx.nd.ones((2, 2)), 3, 3)


@pytest.mark.parametrize("border", range(5))
def test_copy_make_border_matches_mxnet(expected, border):
    got = mx.image.copyMakeBorder(mx.nd.array(expected["small"], dtype="uint8"), 2, 1, 3, 4,
                                  type=border, values=[10, 20, 30])
    np.testing.assert_array_equal(got.asnumpy(), expected[f"border_{border}"])
    got = mx.nd._internal._cvcopyMakeBorder(mx.nd.array(expected["small"], dtype="uint8"),
                                            top=2, bot=1, left=3, right=4, type=border,
                                            values=(10, 20, 30))
    np.testing.assert_array_equal(got.asnumpy(), expected[f"border_{border}"])


def _png(tmp_path, name, image):
    path = tmp_path / name
    path.write_bytes(codec.encode(image, ".png", bgr=False))
    return str(path)


def test_imdecode_and_imread_channels_and_errors(tmp_path):
    rgb = np.random.RandomState(0).randint(0, 256, (5, 6, 3)).astype(np.uint8)
    path = _png(tmp_path, "a.png", rgb)
    data = Path(path).read_bytes()
    np.testing.assert_array_equal(mx.image.imdecode(data).asnumpy(), rgb)
    np.testing.assert_array_equal(mx.image.imdecode(bytearray(data), to_rgb=0).asnumpy(),
                                  rgb[:, :, ::-1])
    np.testing.assert_array_equal(mx.img.image.imread(path).asnumpy(), rgb)
    assert mx.image.imread(path, flag=0).shape == (5, 6, 1)
    assert mx.image.imdecode(np.frombuffer(data, np.uint8)).dtype == np.uint8
    with pytest.raises(mx.MXNetError, match="empty"):
        mx.image.imdecode(b"")
    with pytest.raises(mx.MXNetError, match="cannot decode"):
        mx.image.imdecode(b"clearly not image content")
    with pytest.raises(mx.MXNetError, match="cannot read"):
        mx.image.imread(str(tmp_path / "missing.jpg"))
    with pytest.raises(ValueError, match="bytes"):
        mx.image.imdecode("a string")


def test_crops_and_normalisation():
    src = mx.nd.array(np.arange(6 * 8 * 3).reshape(6, 8, 3))
    assert mx.image.scale_down((640, 480), (720, 120)) == (640, 106)
    out, rect = mx.image.center_crop(src, (4, 2))
    assert rect == (2, 2, 4, 2)
    np.testing.assert_array_equal(out.asnumpy(), src.asnumpy()[2:4, 2:6])
    out, (x0, y0, w, h) = mx.image.random_crop(src, (3, 3))
    np.testing.assert_array_equal(out.asnumpy(), src.asnumpy()[y0:y0 + 3, x0:x0 + 3])
    assert mx.image.fixed_crop(src, 1, 1, 4, 4, size=(2, 2)).shape == (2, 2, 3)
    out, (x0, y0, w, h) = mx.image.random_size_crop(src, (5, 5), 0.3, (0.75, 1.33))
    assert out.shape == (5, 5, 3) and x0 + w <= 8 and y0 + h <= 6
    mean, std = np.array([1.0, 2.0, 3.0]), np.array([2.0, 4.0, 8.0])
    got = mx.image.color_normalize(src.copy(), mx.nd.array(mean), mx.nd.array(std))
    np.testing.assert_allclose(got.asnumpy(), (src.asnumpy() - mean) / std, rtol=1e-6)


def test_imrotate_matches_scipy_inside_and_checks_arguments():
    scipy_ndimage = pytest.importorskip("scipy.ndimage")
    image = (np.linspace(0, 0.5, 20)[:, None] + np.linspace(0, 0.5, 30)[None, :])[:, :, None]
    rotated = mx.image.imrotate(mx.nd.array(image.transpose(2, 0, 1)), 6)
    ref = scipy_ndimage.rotate(image, 6, axes=(1, 0), reshape=False, order=1,
                               mode="constant", prefilter=False)
    np.testing.assert_allclose(rotated.asnumpy().transpose(1, 2, 0)[6:14, 8:22],
                               ref[6:14, 8:22], atol=1e-5)
    batch = mx.nd.ones((2, 3, 6, 8))
    assert mx.image.imrotate(batch, mx.nd.array([10, 20]), zoom_in=True).shape == (2, 3, 6, 8)
    assert mx.image.random_rotate(batch, (-5, 5), zoom_out=True).shape == (2, 3, 6, 8)
    with pytest.raises(ValueError):
        mx.image.imrotate(batch, 3, zoom_in=True, zoom_out=True)
    with pytest.raises(TypeError):
        mx.image.imrotate(mx.nd.ones((3, 6, 8)), mx.nd.array([1, 2]))


def test_augmenters():
    src = mx.nd.array(np.random.RandomState(0).uniform(0, 255, (6, 8, 3)))
    np.testing.assert_array_equal(mx.image.HorizontalFlipAug(1.0)(src).asnumpy(),
                                  src.asnumpy()[:, ::-1])
    assert mx.image.ForceResizeAug((5, 4))(src).shape == (4, 5, 3)
    assert mx.image.ResizeAug(3)(src).shape == (3, 4, 3)
    augs = mx.image.CreateAugmenter((3, 4, 4), resize=5, rand_crop=True, rand_resize=True,
                                    rand_mirror=True, mean=True, std=np.array([1.0, 2.0, 3.0]),
                                    brightness=0.1, contrast=0.1, saturation=0.1, hue=0.1,
                                    pca_noise=0.1, rand_gray=0.5, inter_method=10)
    names = [type(a).__name__ for a in augs]
    assert names == ["ResizeAug", "RandomSizedCropAug", "HorizontalFlipAug", "CastAug",
                     "ColorJitterAug", "HueJitterAug", "LightingAug", "RandomGrayAug",
                     "ColorNormalizeAug"]
    out = mx.image.SequentialAug(augs)(mx.nd.array(src.asnumpy(), dtype="uint8"))
    assert out.shape == (4, 4, 3) and out.dtype == np.float32
    assert json.loads(augs[-1].dumps())[0] == "colornormalizeaug"


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.RandomState(2)
    return [_png(folder, f"{i}.png", rng.randint(0, 256, (6 + i, 7, 3)).astype(np.uint8))
            for i in range(5)]


@pytest.mark.parametrize("handle, batches, pads", [
    ("pad", 2, [0, 1]), ("discard", 1, [0]), ("roll_over", 1, [0])])
def test_image_iter_last_batch(image_files, handle, batches, pads):
    imglist = [[float(i), path] for i, path in enumerate(image_files)]
    it = mx.image.ImageIter(3, (3, 4, 4), imglist=imglist, path_root="",
                            last_batch_handle=handle)
    got = list(it)
    assert len(got) == batches and [b.pad for b in got] == pads
    assert got[0].data[0].shape == (3, 3, 4, 4)
    np.testing.assert_array_equal(got[0].label[0].asnumpy(), [0, 1, 2])
    if handle == "roll_over":
        it.reset()
        first = it.next()
        assert first.pad == 1  # the 2 carried-over images, then the first one again
        np.testing.assert_array_equal(first.label[0].asnumpy(), [3, 4, 0])


def test_image_iter_over_indexed_recordio(tmp_path, image_files):
    rec, idx = str(tmp_path / "i.rec"), str(tmp_path / "i.idx")
    writer = mx.recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, path in enumerate(image_files):
        writer.write_idx(i, mx.recordio.pack((0, [i, 2 * i], i, 0), Path(path).read_bytes()))
    writer.close()
    it = mx.image.ImageIter(5, (3, 4, 4), label_width=2, path_imgrec=rec, path_imgidx=idx,
                            shuffle=True)
    batch = it.next()
    assert sorted(batch.label[0].asnumpy()[:, 0].tolist()) == [0, 1, 2, 3, 4]
    labels = batch.label[0].asnumpy()
    np.testing.assert_array_equal(labels[:, 1], 2 * labels[:, 0])


def _record_iter(**kwargs):
    return mx.io.ImageRecordIter(path_imgrec=str(GOLDEN / "images.rec"), data_shape=(3, 8, 8),
                                 batch_size=2, label_width=2, **kwargs)


@pytest.mark.parametrize("name, extra, atol", [
    ("plain", {}, 0), ("resized", {"resize": 9}, 1.0),
    ("norm", dict(mean_r=10.0, mean_g=20.0, mean_b=30.0, std_r=2.0, std_g=3.0, std_b=4.0,
                  scale=0.5), 1e-5)])
def test_image_record_iter_matches_mxnet(expected, name, extra, atol):
    it = _record_iter(preprocess_threads=2, **extra)
    for epoch in range(2):
        if epoch:
            it.reset()
        batches = list(it)
        assert len(batches) == (3 if epoch == 0 else 2)  # round_batch: epoch 2 starts at 1
        for b, batch in enumerate(batches):
            key = f"iter_{name}_{epoch}_{b}"
            np.testing.assert_allclose(batch.data[0].asnumpy(), expected[key + "_data"],
                                       atol=atol)
            np.testing.assert_array_equal(batch.label[0].asnumpy(), expected[key + "_label"])
            assert batch.pad == expected[key + "_pad"]


def test_image_record_iter_augmentation_does_not_depend_on_threads():
    settings = dict(rand_crop=True, rand_mirror=True, max_rotate_angle=20, shuffle=True,
                    seed_aug=3)
    one = [b.data[0].asnumpy() for b in _record_iter(preprocess_threads=1, **settings)]
    three = [b.data[0].asnumpy() for b in _record_iter(preprocess_threads=3, **settings)]
    assert len(one) == 3
    for a, b in zip(one, three):
        np.testing.assert_array_equal(a, b)


def test_image_record_iter_last_batch_and_errors():
    uint8 = mx.io.ImageRecordUInt8Iter(path_imgrec=str(GOLDEN / "images.rec"),
                                       data_shape=(3, 8, 8), batch_size=2, label_width=2)
    assert uint8.next().data[0].dtype == np.uint8
    batches = list(_record_iter(round_batch=False))
    assert [b.pad for b in batches] == [0, 0, 1]
    np.testing.assert_array_equal(batches[-1].data[0].asnumpy()[1], 0)
    with pytest.raises(mx.MXNetError, match="and_mirror"):
        _record_iter(and_mirror=False)
    with pytest.raises(mx.MXNetError, match="data_shape"):
        mx.io.ImageRecordIter(path_imgrec=str(GOLDEN / "images.rec"), data_shape=(5, 8, 8),
                              batch_size=2)
    with pytest.raises(mx.MXNetError, match="label_width"):
        list(mx.io.ImageRecordIter(path_imgrec=str(GOLDEN / "images.rec"),
                                   data_shape=(3, 8, 8), batch_size=2))
    with pytest.raises(mx.MXNetError, match="smaller than input shape"):
        list(mx.io.ImageRecordIter(path_imgrec=str(GOLDEN / "images.rec"), label_width=2,
                                   data_shape=(3, 30, 30), batch_size=2))


def test_image_record_iter_warns_about_augmentations_it_does_not_apply():
    with pytest.warns(UserWarning, match="max_shear_ratio, random_h are not applied"):
        _record_iter(max_shear_ratio=0.1, random_h=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _record_iter(max_shear_ratio=0.0)   # MXNet's defaults say nothing


def test_image_iter_reads_a_list_file(tmp_path, image_files):
    listing = tmp_path / "images.lst"
    listing.write_text("".join(f"{i}\t{i * 10}\t{path}\n" for i, path in enumerate(image_files)))
    it = mx.image.ImageIter(5, (3, 4, 4), path_imglist=str(listing), path_root="",
                            dtype="int32")
    np.testing.assert_array_equal(it.next().label[0].asnumpy(), [0, 10, 20, 30, 40])


def test_image_record_iter_list_labels_and_mean_image(tmp_path):
    listing = tmp_path / "labels.lst"
    listing.write_text("".join(f"{i}\t{i + 100}\t{i + 200}\tx.png\n" for i in range(5)))
    batch = _record_iter(path_imglist=str(listing)).next()
    np.testing.assert_array_equal(batch.label[0].asnumpy(), [[100, 200], [101, 201]])
    mean_file = tmp_path / "mean.bin"
    plain = [b.data[0].asnumpy() for b in _record_iter()]
    centred = [b.data[0].asnumpy() for b in _record_iter(mean_img=str(mean_file))]
    mean = mx.nd.load(str(mean_file))["mean_img"].asnumpy()  # computed once, then saved
    np.testing.assert_allclose(mean, np.concatenate(plain)[:5].mean(0), rtol=1e-5)
    for a, b in zip(plain, centred):
        np.testing.assert_allclose(b, a - mean, atol=1e-4)


@pytest.mark.parametrize("inter_method", [0, 3, 9, 10])
def test_image_record_iter_full_augmentation(inter_method):
    it = _record_iter(resize=12, max_rotate_angle=30, max_random_scale=1.2, pad=2,
                      random_resized_crop=True, min_random_area=0.5, max_aspect_ratio=1.5,
                      brightness=0.2, contrast=0.2, saturation=0.2, pca_noise=0.1,
                      rand_mirror=True, inter_method=inter_method, dtype="uint8")
    batches = list(it)
    assert len(batches) == 3
    assert all(b.data[0].dtype == np.uint8 and b.data[0].shape == (2, 3, 8, 8) for b in batches)


def test_uint8_resize_rounds_halves_up_as_opencv():
    """MXNet 1.9.1's Resize((3, 2)) of this 4x6 image: its bilinear halves (10.5, 11.5,
    12.5) round to 11, 12, 13 (OpenCV's fixed-point rounding), not to even."""
    img = mx.nd.array(np.arange(4 * 6 * 3).reshape(4, 6, 3), dtype="uint8")
    out = mx.gluon.data.vision.transforms.Resize((3, 2))(img).asnumpy()
    assert out[0].tolist() == [[11, 12, 13], [17, 18, 19], [23, 24, 25]]
    assert out[1].tolist() == [[47, 48, 49], [53, 54, 55], [59, 60, 61]]


@pytest.mark.parametrize("size, expected", [
    ((2, 6, 3, 3), [[26, 132, 110], [58, 164, 78], [88, 194, 44]]),
    ((3, 5, 5, 4), [[7, 73, 139, 205], [10, 76, 142, 209], [16, 82, 148, 214],
                    [21, 87, 153, 220], [24, 91, 157, 223]]),
    ((5, 7, 3, 4), [[58, 140, 158, 80], [154, 87, 179, 112], [121, 107, 125, 101]]),
])
def test_uint8_bilinear_resize_is_opencvs_fixed_point(size, expected):
    """MXNet 1.9.1's bilinear imresize of (h, w) uint8 images to (oh, ow), exactly: OpenCV
    truncates its fixed-point partial sums, and weighs an edge row's one source row twice."""
    h, w, oh, ow = size
    image = mx.nd.array((np.arange(h * w).reshape(h, w, 1) * 53 % 256), dtype="uint8")
    assert mx.image.imresize(image, ow, oh, interp=1).asnumpy()[..., 0].tolist() == expected
    got = mx.nd._internal._cvimresize(image, w=ow, h=oh, interp=1)
    assert got.asnumpy()[..., 0].tolist() == expected

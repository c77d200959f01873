"""mx.io.ImageRecordIter: batches of decoded, augmented images from a RecordIO file.

Records are read in order by the calling thread; decoding (Pillow) and augmentation
(numpy) run in ``preprocess_threads`` worker threads, one record per task, so both
overlap across a batch. Every record's random augmentation draws from its own generator
seeded by (``seed_aug`` or ``seed``, epoch, position), so results do not depend on how
the threads are scheduled. Images come out RGB, (C, H, W), ``(x - mean) / std * scale``.

MXNet's augmentation order is kept: resize (shorter edge), rotation/scale (affine, filled
with ``fill_value``), ``pad``, crop (random-resized, random or central), colour jitter,
PCA lighting noise, mirror, normalisation. An image smaller than ``data_shape`` after
these steps is MXNet's error, as are unknown parameters.
"""
import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import ndarray as nd
from .. import recordio
from ..base import MXNetError
from ..image import codec
from ..ops.image import resize_image
from .files import MXDataIter, _positive
from .io import DataDesc

_DEFAULTS = dict(
    path_imgrec="", path_imglist="", path_imgidx="", label_width=1, preprocess_threads=4,
    num_parts=1, part_index=0, shuffle=False, seed=0, seed_aug=None, round_batch=True,
    prefetch_buffer=4, dtype="float32", data_name="data", label_name="softmax_label",
    mean_img="", mean_r=0.0, mean_g=0.0, mean_b=0.0, mean_a=0.0, std_r=1.0, std_g=1.0,
    std_b=1.0, std_a=1.0, scale=1.0, resize=-1, rand_crop=False, random_resized_crop=False,
    min_random_area=1.0, max_random_area=1.0, min_aspect_ratio=None, max_aspect_ratio=0.0,
    max_rotate_angle=0, rotate=-1, max_random_scale=1.0, min_random_scale=1.0, pad=0,
    fill_value=255, inter_method=1, rand_mirror=False, mirror=False, brightness=0.0,
    contrast=0.0, saturation=0.0, pca_noise=0.0, verbose=True, ctx="cpu",
    shuffle_chunk_size=0, shuffle_chunk_seed=0, max_shear_ratio=0.0, max_crop_size=-1,
    min_crop_size=-1, max_img_size=1e10, min_img_size=0.0, random_h=0, random_s=0,
    random_l=0, max_random_contrast=0.0, max_random_illumination=0.0, aug_seq="aug_default")
_PCA_EIGVAL = np.array([55.46, 4.794, 1.148])
_PCA_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                        [-0.5836, -0.6948, 0.4203]])
_GREY = np.array([0.299, 0.587, 0.114])


# Augmentations MXNet's iterator has that this one accepts but does not apply.
_NOT_APPLIED = ("max_shear_ratio", "random_h", "random_s", "random_l", "max_random_illumination")


def _resize(image, width, height, interp):
    return resize_image(image, width, height, interp, np)


def _as_uint8(image):
    """Round and clip as MXNet's 8-bit OpenCV images do between steps."""
    return np.clip(np.rint(image), 0, 255)


def _interp(p, rng, sizes):
    if p.inter_method == 10:
        return int(rng.randint(0, 5))
    if p.inter_method == 9:
        old_h, old_w, new_h, new_w = sizes
        if new_h > old_h and new_w > old_w:
            return 2
        return 3 if new_h < old_h and new_w < old_w else 1
    return p.inter_method


def _affine(image, p, rng):
    """Rotation and scaling about the centre (bilinear, ``fill_value`` outside), rounded to
    8-bit levels as MXNet's OpenCV images are."""
    angle = p.rotate if p.rotate > 0 else (
        rng.uniform(-p.max_rotate_angle, p.max_rotate_angle) if p.max_rotate_angle else 0.0)
    scale = rng.uniform(p.min_random_scale, p.max_random_scale)
    if angle == 0 and scale == 1.0:
        return image
    h, w = image.shape[:2]
    new_h, new_w = max(1, int(round(h * scale))), max(1, int(round(w * scale)))
    theta = math.radians(angle)
    ys, xs = np.meshgrid(np.arange(new_h) - (new_h - 1) / 2, np.arange(new_w) - (new_w - 1) / 2,
                         indexing="ij")
    src_x = (math.cos(theta) * xs + math.sin(theta) * ys) / scale + (w - 1) / 2
    src_y = (-math.sin(theta) * xs + math.cos(theta) * ys) / scale + (h - 1) / 2
    x0, y0 = np.floor(src_x).astype(int), np.floor(src_y).astype(int)
    fx, fy = (src_x - x0)[..., None], (src_y - y0)[..., None]
    padded = np.pad(image.astype(np.float64), ((1, 2), (1, 2), (0, 0)),
                    constant_values=p.fill_value)

    def at(y, x):
        return padded[np.clip(y + 1, 0, h + 2), np.clip(x + 1, 0, w + 2)]
    out = ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
           + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)))
    outside = (src_x < -1) | (src_x > w) | (src_y < -1) | (src_y > h)
    out[outside] = p.fill_value
    return _as_uint8(out)


def _crop(image, p, rng, height, width):
    h, w = image.shape[:2]
    if p.random_resized_crop:
        ratio_max = p.max_aspect_ratio if p.max_aspect_ratio > 0 else 1.0
        ratio_min = p.min_aspect_ratio if p.min_aspect_ratio is not None else 1.0 / ratio_max
        for _ in range(10):
            area = rng.uniform(p.min_random_area, p.max_random_area) * h * w
            ratio = math.exp(rng.uniform(math.log(ratio_min), math.log(ratio_max)))
            crop_w = int(round(math.sqrt(area * ratio)))
            crop_h = int(round(math.sqrt(area / ratio)))
            if 0 < crop_w <= w and 0 < crop_h <= h:
                y, x = rng.randint(0, h - crop_h + 1), rng.randint(0, w - crop_w + 1)
                crop = image[y:y + crop_h, x:x + crop_w]
                return _resize(crop.astype(np.uint8), width, height,
                               _interp(p, rng, (crop_h, crop_w, height, width)))
        side = min(h, w)
        y, x = (h - side) // 2, (w - side) // 2
        return _resize(image[y:y + side, x:x + side].astype(np.uint8), width, height,
                       _interp(p, rng, (side, side, height, width)))
    if h < height or w < width:
        raise MXNetError(f"ImageRecordIter: input image size {h}x{w} smaller than input shape "
                         f"{height}x{width}: set resize, or a smaller data_shape")
    if p.rand_crop:
        y, x = rng.randint(0, h - height + 1), rng.randint(0, w - width + 1)
    else:
        y, x = (h - height) // 2, (w - width) // 2
    return image[y:y + height, x:x + width]


def _colour(image, p, rng):
    if p.brightness:
        image = image * (1.0 + rng.uniform(-p.brightness, p.brightness))
    if p.contrast and image.shape[2] == 3:
        alpha = 1.0 + rng.uniform(-p.contrast, p.contrast)
        image = image * alpha + (1 - alpha) * float((image @ _GREY).mean())
    if p.saturation and image.shape[2] == 3:
        alpha = 1.0 + rng.uniform(-p.saturation, p.saturation)
        image = image * alpha + (1 - alpha) * (image @ _GREY)[..., None]
    if p.pca_noise and image.shape[2] == 3:
        image = image + np.dot(_PCA_EIGVEC * rng.normal(0, p.pca_noise, 3), _PCA_EIGVAL)
    return image


class _Params:
    def __init__(self, values):
        self.__dict__.update(values)


class ImageRecordIter(MXDataIter):
    """Iterate over a RecordIO file of images (``im2rec`` / ``recordio.pack_img`` records).

    Required: ``path_imgrec``, ``data_shape`` (C, H, W) and ``batch_size``. See MXNet's
    ImageRecordIter for the parameters; those accepted here are MXNet's names."""

    def __init__(self, path_imgrec=None, data_shape=None, batch_size=None, **kwargs):
        unknown = sorted(set(kwargs) - set(_DEFAULTS))
        if unknown:
            raise MXNetError(f"ImageRecordIter: Cannot find argument {unknown[0]!r}; valid "
                             f"arguments are path_imgrec, data_shape, batch_size, "
                             f"{', '.join(sorted(_DEFAULTS))}")
        ignored = sorted(k for k in _NOT_APPLIED if k in kwargs and kwargs[k] != _DEFAULTS[k])
        if ignored:
            warnings.warn(f"ImageRecordIter: {', '.join(ignored)} are not applied here (the "
                          f"images are not sheared, HLS-jittered or re-lit)", stacklevel=2)
        p = _Params(dict(_DEFAULTS, **kwargs))
        if not path_imgrec:
            raise MXNetError("ImageRecordIter: Required parameter path_imgrec is not presented")
        if data_shape is None or len(tuple(data_shape)) != 3 or data_shape[0] not in (1, 3, 4):
            raise MXNetError(f"ImageRecordIter: data_shape must be (C, H, W) with C 1, 3 or 4, "
                             f"got {data_shape}")
        super().__init__(_positive("batch_size", batch_size))
        self._p = p
        self.data_shape = tuple(int(d) for d in data_shape)
        self._dtype = np.dtype(p.dtype)
        label_shape = (self.batch_size,) + ((p.label_width,) if p.label_width > 1 else ())
        self.provide_data = [DataDesc(p.data_name, (self.batch_size,) + self.data_shape,
                                      self._dtype)]
        self.provide_label = [DataDesc(p.label_name, label_shape, np.float32)]
        self._reader = recordio.MXRecordIO(path_imgrec, "r")
        self._offsets = self._record_offsets(p)
        self._labels = self._read_label_list(p.path_imglist) if p.path_imglist else None
        self._pool = ThreadPoolExecutor(max(1, int(p.preprocess_threads)))
        channels = self.data_shape[0]
        self._mean = np.array([p.mean_r, p.mean_g, p.mean_b, p.mean_a][:channels])
        self._std = np.array([p.std_r, p.std_g, p.std_b, p.std_a][:channels])
        self._mean_img = self._load_mean_image(p.mean_img) if p.mean_img else None
        self._epoch, self._overflow, self._order = -1, 0, None
        self.reset()

    def _record_offsets(self, p):
        if p.path_imgidx and os.path.exists(p.path_imgidx):
            with open(p.path_imgidx) as handle:
                offsets = [int(line.split("\t")[1]) for line in handle if line.strip()]
        else:
            offsets = []
            while True:
                position = self._reader.handle.tell()
                if self._reader.read() is None:
                    break
                offsets.append(position)
        if not 0 <= p.part_index < p.num_parts:
            raise MXNetError(f"ImageRecordIter: part_index {p.part_index} must be below "
                             f"num_parts {p.num_parts}")
        per_part = len(offsets) // p.num_parts if p.num_parts > 1 else len(offsets)
        return offsets[p.part_index * per_part:(p.part_index + 1) * per_part]

    @staticmethod
    def _read_label_list(path):
        labels = {}
        with open(path) as handle:
            for line in handle:
                fields = line.strip().split("\t")
                if len(fields) >= 3:
                    labels[int(fields[0])] = np.array(fields[1:-1], dtype=np.float32)
        return labels

    def _load_mean_image(self, path):
        if os.path.exists(path):
            loaded = nd.load(path)
            mean = next(iter(loaded.values())) if isinstance(loaded, dict) else loaded[0]
            return mean.asnumpy().astype(np.float64)
        p = _Params(dict(vars(self._p), rand_crop=False, random_resized_crop=False,
                         rand_mirror=False, max_rotate_angle=0, rotate=-1, brightness=0.0,
                         contrast=0.0, saturation=0.0, pca_noise=0.0, max_random_scale=1.0,
                         min_random_scale=1.0))
        total = np.zeros((self.data_shape[0],) + self.data_shape[1:])
        for start in range(0, len(self._offsets), 64):  # records read here, decoded in workers
            records = [self._read_at(offset) for offset in self._offsets[start:start + 64]]
            for image in self._pool.map(lambda r: self._image(r, p, np.random.RandomState(0)),
                                        records):
                total += image
        mean = total / max(1, len(self._offsets))
        nd.save(path, {"mean_img": nd.array(mean)})
        return mean

    def reset(self):
        p = self._p
        if p.round_batch and self._overflow:
            self._cursor, self._overflow = self._overflow, 0
        else:
            self._cursor = 0
        self._epoch += 1
        self._order = np.arange(len(self._offsets))
        if p.shuffle:
            np.random.RandomState(p.seed + self._epoch).shuffle(self._order)
        self._done = False

    def _read_at(self, offset):
        self._reader.handle.seek(offset)
        return self._reader.read()

    def _image(self, record, p, rng):
        """(C, H, W) float image of one record, augmented (no normalisation)."""
        header, encoded = recordio.unpack(record)
        channels, height, width = self.data_shape
        image = codec.decode(encoded, flag=0 if channels == 1 else 1)  # uint8, as in MXNet
        if p.resize > 0:
            h, w = image.shape[:2]
            new_h, new_w = (p.resize * h // w, p.resize) if h > w else (p.resize, p.resize * w // h)
            image = _resize(image, new_w, new_h, _interp(p, rng, (h, w, new_h, new_w)))
        image = _affine(image, p, rng)
        if p.pad > 0:
            image = np.pad(image, ((p.pad, p.pad), (p.pad, p.pad), (0, 0)),
                           constant_values=p.fill_value)
        image = _colour(_crop(image, p, rng, height, width).astype(np.float64), p, rng)
        if p.mirror or (p.rand_mirror and rng.randint(0, 2)):
            image = image[:, ::-1]
        return image.transpose(2, 0, 1)

    def _sample(self, position, record):
        p = self._p
        seed = (p.seed_aug if p.seed_aug is not None else p.seed, self._epoch, position)
        rng = np.random.RandomState(np.random.SeedSequence(seed).generate_state(1)[0])
        image = self._image(record, p, rng)
        if self._mean_img is not None:
            image = (image - self._mean_img) * p.scale
        else:
            image = (image - self._mean[:, None, None]) / self._std[:, None, None] * p.scale
        header, _ = recordio.unpack(record)
        if header.flag > 0 and header.flag != p.label_width:
            raise MXNetError(f"ImageRecordIter: rec file provide {header.flag}-dimensional "
                             f"label but label_width is set to {p.label_width}")
        if self._labels is not None and int(header.id) in self._labels:
            label = self._labels[int(header.id)]
        else:
            label = np.atleast_1d(np.asarray(header.label, np.float32))
        if label.size < p.label_width:
            raise MXNetError(f"ImageRecordIter: record {header.id} has {label.size} labels, "
                             f"label_width is {p.label_width}")
        return image, label[:p.label_width]

    def _fetch(self):
        total = len(self._order)
        if self._done or self._cursor >= total:
            return None
        positions = list(range(self._cursor, min(self._cursor + self.batch_size, total)))
        self._cursor += len(positions)
        pad = self.batch_size - len(positions)
        if pad and self._p.round_batch:
            positions += [i % total for i in range(pad)]
            self._overflow = pad % total if total else 0
        if self._cursor >= total:
            self._done = True
        records = [self._read_at(self._offsets[self._order[i]]) for i in positions]
        samples = list(self._pool.map(self._sample, positions, records))
        data = np.zeros(self.provide_data[0].shape, self._dtype)
        label = np.zeros(self.provide_label[0].shape, np.float32)
        integer = np.issubdtype(self._dtype, np.integer)
        for i, (image, sample_label) in enumerate(samples):
            if integer:
                info = np.iinfo(self._dtype)
                image = np.clip(np.rint(image), info.min, info.max)
            data[i] = image
            label[i] = sample_label.reshape(label[i].shape)
        return data, label, pad, None

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)


def ImageRecordUInt8Iter(*args, **kwargs):  # noqa: N802
    """ImageRecordIter producing uint8 images."""
    return ImageRecordIter(*args, **dict(kwargs, dtype="uint8"))


def ImageRecordInt8Iter(*args, **kwargs):  # noqa: N802
    """ImageRecordIter producing int8 images."""
    return ImageRecordIter(*args, **dict(kwargs, dtype="int8"))

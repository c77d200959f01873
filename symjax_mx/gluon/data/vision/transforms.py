"""Image transforms: Blocks over the ``image`` operators (HybridBlocks where MXNet's are)
and over ``mx.image``'s crops and rotations."""
import random
from numbers import Number

import numpy as np

from .... import autograd
from .... import ndarray as nd
from ....image import center_crop, imrotate, random_rotate, random_size_crop
from ....ops import get_op
from ....ops.image import resize_images
from ...block import Block, HybridBlock
from ...nn import HybridSequential, Sequential

__all__ = ["Compose", "HybridCompose", "Cast", "ToTensor", "Normalize", "Rotate",
           "RandomRotation", "RandomResizedCrop", "CropResize", "CenterCrop", "Resize",
           "RandomFlipLeftRight", "RandomFlipTopBottom", "RandomBrightness", "RandomContrast",
           "RandomSaturation", "RandomHue", "RandomColorJitter", "RandomLighting",
           "RandomApply"]


class Compose(Sequential):
    """Apply ``transforms`` in order; runs of consecutive HybridBlocks are grouped into one
    hybridized HybridSequential.

    >>> transform = Compose([Resize(300), CenterCrop(256), ToTensor()])
    """

    def __init__(self, transforms):
        super().__init__()
        hybrid = []
        for transform in list(transforms) + [None]:
            if isinstance(transform, HybridBlock):
                hybrid.append(transform)
                continue
            if len(hybrid) == 1:
                self.add(hybrid[0])
            elif hybrid:
                block = HybridSequential()
                block.add(*hybrid)
                block.hybridize()
                self.add(block)
            hybrid = []
            if transform is not None:
                self.add(transform)


class HybridCompose(HybridSequential):
    """``transforms`` (all HybridBlocks) in order, as one HybridSequential."""

    def __init__(self, transforms):
        super().__init__()
        for transform in transforms:
            if not isinstance(transform, HybridBlock):
                raise ValueError(f"HybridCompose takes HybridBlocks only, got "
                                 f"{type(transform).__name__}; use Compose")
            self.add(transform)


class Cast(HybridBlock):
    """The input cast to ``dtype``."""

    def __init__(self, dtype="float32"):
        super().__init__()
        self._dtype = dtype

    def hybrid_forward(self, F, x):
        return F.cast(x, self._dtype)


class ToTensor(HybridBlock):
    """(H, W, C) / (N, H, W, C) images in [0, 255] to float32 (C, H, W) / (N, C, H, W) in
    [0, 1]."""

    def hybrid_forward(self, F, x):
        return F.image.to_tensor(x)


class Normalize(HybridBlock):
    """``(x - mean) / std`` per channel of (C, H, W) / (N, C, H, W) tensors."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self._mean = mean
        self._std = std

    def hybrid_forward(self, F, x):
        return F.image.normalize(x, self._mean, self._std)


def _check_float32(x):
    if x.dtype is not np.float32:
        raise TypeError("This transformation only supports float32. Consider calling it "
                        "after ToTensor")


class Rotate(Block):
    """(C, H, W) / (N, C, H, W) float32 images rotated by ``rotation_degrees``."""

    def __init__(self, rotation_degrees, zoom_in=False, zoom_out=False):
        super().__init__()
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x):
        _check_float32(x)

        return imrotate(x, *self._args)


class RandomRotation(Block):
    """Rotate by an angle drawn uniformly from ``angle_limits``, with probability
    ``rotate_with_proba``."""

    def __init__(self, angle_limits, zoom_in=False, zoom_out=False, rotate_with_proba=1.0):
        super().__init__()
        lower, upper = angle_limits
        if lower >= upper:
            raise ValueError("`angle_limits` must be an ordered tuple")
        if not 0 <= rotate_with_proba <= 1:
            raise ValueError("Probability of rotating the image should be between 0 and 1")
        self._args = (angle_limits, zoom_in, zoom_out)
        self._rotate_with_proba = rotate_with_proba

    def forward(self, x):
        if np.random.random() > self._rotate_with_proba:
            return x
        _check_float32(x)

        return random_rotate(x, *self._args)


def _pair(size):
    return (size, size) if isinstance(size, Number) else size


class RandomResizedCrop(Block):
    """A crop of random area fraction ``scale`` and aspect ratio ``ratio``, resized to
    ``size`` ((width, height) or one number)."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__()
        self._args = (_pair(size), scale, ratio, interpolation)

    def forward(self, x):

        return random_size_crop(x, *self._args)[0]


class CropResize(HybridBlock):
    """The box (x, y, width, height), resized to ``size`` when given."""

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__()
        self._box = (x, y, width, height)
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        out = F.image.crop(x, *self._box)
        if self._size:
            interp = 1 if self._interpolation is None else self._interpolation
            out = F.image.resize(out, self._size, False, interp)
        return out


class CenterCrop(Block):
    """The central crop of ``size`` ((width, height) or one number), scaled down to fit
    and resized back to ``size`` when the image is smaller."""

    def __init__(self, size, interpolation=1):
        super().__init__()
        self._args = (_pair(size), interpolation)

    def forward(self, x):

        return center_crop(x, *self._args)[0]


class Resize(HybridBlock):
    """Resize to ``size`` ((width, height), or one number for both sides or, with
    ``keep_ratio``, for the shorter side)."""

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep = keep_ratio
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        if F is nd and not autograd.is_recording():
            return _resize_on_host(x, self._size, self._keep, self._interpolation)
        return F.image.resize(x, self._size, self._keep, self._interpolation)


def _resize_on_host(x, size, keep_ratio, interp):
    """``image.resize`` of one NDArray computed with numpy: images of many sizes (a
    dataset's) would each compile the operator anew; the same computation on the host
    compiles nothing, as MXNet's OpenCV resize does."""
    op = get_op("_image_resize")
    params = op.parse_params({"size": size, "keep_ratio": keep_ratio, "interp": interp})
    _, (shape,) = op.infer_shape(params, [x.shape])  # MXNet's checks and output size
    out = resize_images(x.asnumpy(), shape[-3], shape[-2], params["interp"], np)
    return nd.array(out, ctx=x.context, dtype=x.dtype)


class RandomFlipLeftRight(HybridBlock):
    """Mirror left to right with probability 1/2."""

    def hybrid_forward(self, F, x):
        return F.image.random_flip_left_right(x)


class RandomFlipTopBottom(HybridBlock):
    """Mirror top to bottom with probability 1/2."""

    def hybrid_forward(self, F, x):
        return F.image.random_flip_top_bottom(x)


class _RandomEnhance(HybridBlock):
    """Scale one image property by a factor drawn from [max(0, 1 - amount), 1 + amount]."""

    _operator = None

    def __init__(self, amount):
        super().__init__()
        self._args = (max(0, 1 - amount), 1 + amount)

    def hybrid_forward(self, F, x):
        return getattr(F.image, self._operator)(x, *self._args)


class RandomBrightness(_RandomEnhance):
    """Brightness scaled by a factor in [max(0, 1 - brightness), 1 + brightness]."""

    _operator = "random_brightness"


class RandomContrast(_RandomEnhance):
    """Contrast scaled by a factor in [max(0, 1 - contrast), 1 + contrast]."""

    _operator = "random_contrast"


class RandomSaturation(_RandomEnhance):
    """Saturation scaled by a factor in [max(0, 1 - saturation), 1 + saturation]."""

    _operator = "random_saturation"


class RandomHue(_RandomEnhance):
    """Hue shifted by a factor drawn as MXNet's ``random_hue`` does."""

    _operator = "random_hue"


class RandomColorJitter(HybridBlock):
    """Brightness, contrast, saturation and hue jittered in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self._args = (brightness, contrast, saturation, hue)

    def hybrid_forward(self, F, x):
        return F.image.random_color_jitter(x, *self._args)


class RandomLighting(HybridBlock):
    """AlexNet-style PCA lighting noise of standard deviation ``alpha``."""

    def __init__(self, alpha):
        super().__init__()
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.image.random_lighting(x, self._alpha)


class RandomApply(Sequential):
    """Apply ``transforms`` with probability ``p``, else pass the input through."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)


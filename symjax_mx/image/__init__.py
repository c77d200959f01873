"""mx.image (alias mx.img): image decoding, resizing, cropping, augmenters and ImageIter."""
from . import codec, image
from .augment import (Augmenter, BrightnessJitterAug, CastAug, CenterCropAug, ColorJitterAug,
                      ColorNormalizeAug, ContrastJitterAug, CreateAugmenter, ForceResizeAug,
                      HorizontalFlipAug, HueJitterAug, LightingAug, RandomCropAug,
                      RandomGrayAug, RandomOrderAug, RandomSizedCropAug, ResizeAug,
                      SaturationJitterAug, SequentialAug)
from .image import (center_crop, color_normalize, copyMakeBorder, fixed_crop, imdecode,
                    imread, imresize, imrotate, random_crop, random_rotate, random_size_crop,
                    resize_short, scale_down)
from .iter import ImageIter

__all__ = ["Augmenter", "BrightnessJitterAug", "CastAug", "CenterCropAug", "ColorJitterAug",
           "ColorNormalizeAug", "ContrastJitterAug", "CreateAugmenter", "ForceResizeAug",
           "HorizontalFlipAug", "HueJitterAug", "ImageIter", "LightingAug", "RandomCropAug",
           "RandomGrayAug", "RandomOrderAug", "RandomSizedCropAug", "ResizeAug",
           "SaturationJitterAug", "SequentialAug", "center_crop", "codec", "color_normalize",
           "copyMakeBorder", "fixed_crop", "image", "imdecode", "imread", "imresize",
           "imrotate", "random_crop", "random_rotate", "random_size_crop", "resize_short",
           "scale_down"]

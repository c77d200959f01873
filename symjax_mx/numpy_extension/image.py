"""``mx.npx.image``: the image operators of ``mx.nd.image`` (resize, to_tensor, normalize,
crops, flips and the random colour and lighting changes) on mx.np arrays."""
from .. import ndarray as _nd
from ..numpy.multiarray import to_np

__all__ = ["adjust_lighting", "crop", "flip_left_right", "flip_top_bottom", "normalize",
           "random_brightness", "random_color_jitter", "random_contrast",
           "random_flip_left_right", "random_flip_top_bottom", "random_hue", "random_lighting",
           "random_saturation", "resize", "to_tensor"]


def _operator(name):
    legacy = getattr(_nd.image, name)

    def fn(*args, **kwargs):
        return to_np(legacy(*args, **kwargs))
    fn.__name__ = name
    fn.__doc__ = legacy.__doc__
    return fn


globals().update({name: _operator(name) for name in __all__})

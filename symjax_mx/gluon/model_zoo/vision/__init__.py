"""``mx.gluon.model_zoo.vision``: MXNet 1.9.1's image classification models, with its
parameter structure so its ``.params`` files load; ``get_model(name)``."""
from . import alexnet as _alexnet, densenet as _densenet, inception as _inception
from . import mobilenet as _mobilenet, resnet as _resnet, squeezenet as _squeezenet, vgg as _vgg
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403

_MODELS = {
    **{f"resnet{n}_v{v}": getattr(_resnet, f"resnet{n}_v{v}")
       for v in (1, 2) for n in _resnet.RESNET_SPEC},
    **{f"vgg{n}{bn}": getattr(_vgg, f"vgg{n}{bn}") for n in _vgg.VGG_SPEC for bn in ("", "_bn")},
    "alexnet": _alexnet.alexnet,
    **{f"densenet{n}": getattr(_densenet, f"densenet{n}") for n in _densenet.DENSENET_SPEC},
    "squeezenet1.0": _squeezenet.squeezenet1_0, "squeezenet1.1": _squeezenet.squeezenet1_1,
    "inceptionv3": _inception.inception_v3,
    **{f"mobilenet{m}": getattr(_mobilenet, f"mobilenet{m.replace('.', '_')}")
       for m in ("1.0", "0.75", "0.5", "0.25")},
    **{f"mobilenetv2_{m}": getattr(_mobilenet, f"mobilenet_v2_{m.replace('.', '_')}")
       for m in ("1.0", "0.75", "0.5", "0.25")},
}

__all__ = (_alexnet.__all__ + _densenet.__all__ + _inception.__all__ + _mobilenet.__all__
           + _resnet.__all__ + _squeezenet.__all__ + _vgg.__all__ + ["get_model"])


def get_model(name, **kwargs):
    """The model called ``name`` (e.g. 'resnet18_v1', 'mobilenet0.25'); ``kwargs`` go to
    its constructor (``pretrained``, ``ctx``, ``root``, ``classes`` ...)."""
    name = name.lower()
    if name not in _MODELS:
        raise ValueError(f"Model {name} is not supported. Available options are\n\t"
                         + "\n\t".join(sorted(_MODELS)))
    return _MODELS[name](**kwargs)

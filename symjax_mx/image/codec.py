"""Image bytes <-> numpy arrays through Pillow, with OpenCV's conventions (what MXNet uses).

Arrays are (H, W, C) uint8. ``flag`` follows cv2.imdecode: 1 three colour channels, 0 one
grey channel, -1 the file's own channels (grey stays 2-D, like cv2). Colour order is
given by ``to_rgb``: MXNet's ``imdecode`` returns RGB, ``recordio.unpack_img`` BGR.

Pillow and OpenCV share libjpeg(-turbo) and zlib, so PNG round trips are exact and JPEG
pixels agree with MXNet's to within a few grey levels (IDCT rounding differs between
libjpeg builds). Grey conversion uses ITU-R 601 weights in both (rounding may differ by 1).
"""
import io

import numpy as np

from ..base import MXNetError


def _pillow():
    try:
        from PIL import Image
    except ImportError:
        raise MXNetError("image decoding and encoding need Pillow: "
                         "pip install symjax_mx[image]") from None
    return Image


def decode(buf, flag=1, to_rgb=True):
    """(H, W, C) uint8 array of the encoded image ``buf`` (bytes-like)."""
    data = bytes(buf)
    if not data:
        raise MXNetError("imdecode: the image buffer is empty")
    image_module = _pillow()
    try:
        image = image_module.open(io.BytesIO(data))
        image.load()
    except Exception as err:  # Pillow raises several types for undecodable input
        raise MXNetError(f"imdecode: cannot decode the image ({len(data)} bytes): {err}") from None
    if flag == 0:
        return np.asarray(image.convert("L"))[:, :, None]
    if flag > 0 or image.mode not in ("L", "RGBA", "LA", "I;16", "I"):
        array = np.asarray(image.convert("RGB"))
    elif image.mode in ("L", "I;16", "I"):
        return np.asarray(image)
    else:
        array = np.asarray(image.convert("RGBA"))
    if not to_rgb:
        array = array[:, :, [2, 1, 0] + list(range(3, array.shape[2]))]
    return np.ascontiguousarray(array)


def encode(image, img_fmt=".jpg", quality=95, bgr=True):
    """Bytes of ``image`` ((H, W), (H, W, 1) or (H, W, 3|4) uint8) encoded as ``img_fmt``.

    ``quality`` is the JPEG quality, or for PNG the zlib level (capped at 9, as cv2 does).
    ``bgr``: the channels are in OpenCV's order (``recordio.pack_img``'s input)."""
    array = np.asarray(image)
    if array.dtype != np.uint8:
        raise MXNetError(f"pack_img: images must be uint8, got {array.dtype}")
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim == 3 and bgr:
        array = array[:, :, [2, 1, 0] + list(range(3, array.shape[2]))]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise MXNetError(f"pack_img: image must be (H, W), (H, W, 1), (H, W, 3) or "
                         f"(H, W, 4), got {array.shape}")
    fmt = img_fmt.upper().lstrip(".")
    out = io.BytesIO()
    picture = _pillow().fromarray(np.ascontiguousarray(array))
    if fmt in ("JPG", "JPEG"):
        picture.save(out, format="JPEG", quality=int(quality))
    elif fmt == "PNG":
        picture.save(out, format="PNG", compress_level=min(max(int(quality), 0), 9))
    else:
        try:
            picture.save(out, format=fmt)
        except (KeyError, ValueError, OSError) as err:
            raise MXNetError(f"pack_img: cannot encode as {img_fmt!r}: {err}") from None
    return out.getvalue()

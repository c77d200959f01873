"""Make image.npz: MXNet 1.9.1's mx.nd.image operators on small fixed images.

Run with real MXNet 1.9.1 (``/tmp/mxref/bin/python make_golden.py``); the project's tests
compare symjax_mx's operators against the arrays it writes.
"""
import os
import sys

import mxnet as mx
import numpy as np


def main(path):
    rs = np.random.RandomState(0)
    img = rs.randint(0, 256, (7, 9, 3)).astype("uint8")
    flt = rs.uniform(0, 255, (7, 9, 3)).astype("float32")
    out = {"img": img, "flt": flt}
    for name, src in (("u8", img), ("f32", flt)):
        x = mx.nd.array(src, dtype=src.dtype)
        for interp in range(5):
            out[f"resize_{name}_{interp}_down"] = mx.nd.image.resize(
                x, size=(4, 3), interp=interp).asnumpy()
            out[f"resize_{name}_{interp}_up"] = mx.nd.image.resize(
                x, size=(13, 11), interp=interp).asnumpy()
        # min_factor == max_factor makes the random operators deterministic
        out[f"hue_{name}"] = mx.nd.image.random_hue(x, 0.3, 0.3).asnumpy()
        out[f"contrast_{name}"] = mx.nd.image.random_contrast(x, 0.6, 0.6).asnumpy()
        out[f"saturation_{name}"] = mx.nd.image.random_saturation(x, 0.4, 0.4).asnumpy()
        out[f"brightness_{name}"] = mx.nd.image.random_brightness(x, 1.3, 1.3).asnumpy()
        out[f"lighting_{name}"] = mx.nd.image.adjust_lighting(
            x, alpha=(0.1, -0.2, 0.3)).asnumpy()
    np.savez_compressed(path, **out)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1
         else os.path.join(os.path.dirname(os.path.abspath(__file__)), "image.npz"))

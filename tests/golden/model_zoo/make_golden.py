"""Writes the model-zoo golden files with real MXNet 1.9.1 (run with the oracle venv:
/tmp/mxref/bin/python make_golden.py): mobilenet0.25 and mobilenetv2_0.25 with 10 classes,
every parameter (running statistics included) random, saved by save_parameters
(<name>.params), with an input and MXNet's inference output (<name>_io.npz); and the
structural parameter names of some architectures (parameter_keys.json)."""
import json
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

for name in ("mobilenet0.25", "mobilenetv2_0.25"):
    mx.random.seed(3)
    np.random.seed(3)
    net = mx.gluon.model_zoo.vision.get_model(name, classes=10)
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.uniform(-1, 1, (2, 3, 40, 40)))
    net(x)  # completes the deferred shapes
    for pname, param in net.collect_params().items():
        value = np.random.uniform(0.5, 1.5, param.shape) if pname.endswith("_var") \
            else np.random.normal(0, 0.2, param.shape)
        param.set_data(mx.nd.array(value))
    out = net(x)
    net.save_parameters(os.path.join(HERE, f"{name}.params"))
    np.savez(os.path.join(HERE, f"{name}_io.npz"), x=x.asnumpy(), out=out.asnumpy())

# the structural parameter names (the keys of save_parameters files) of some architectures
KEYED = ("resnet18_v1", "resnet50_v2", "vgg11_bn", "alexnet", "densenet121", "squeezenet1.0",
         "inceptionv3", "mobilenet1.0", "mobilenetv2_1.0")
with open(os.path.join(HERE, "parameter_keys.json"), "w") as f:
    json.dump({name: sorted(mx.gluon.model_zoo.vision.get_model(name)
                            ._collect_params_with_prefix()) for name in KEYED}, f, indent=0)

"""Writes spatial.npz: MXNet 1.9.1's GridGenerator, BilinearSampler and SpatialTransformer
outputs and gradients on small inputs. Run with real MXNet: /tmp/mxref/bin/python make_spatial.py"""
import os

import mxnet as mx
import numpy as np

rs = np.random.RandomState(0)
theta = np.array([[0.9, 0.2, 0.1, -0.3, 1.1, 0.05]], np.float32)
flow = rs.uniform(-1.5, 1.5, (1, 2, 3, 4)).astype(np.float32)
data = rs.uniform(-1, 1, (1, 2, 3, 4)).astype(np.float32)
grid = rs.uniform(-1.3, 1.3, (1, 2, 2, 3)).astype(np.float32)
head = rs.uniform(-1, 1, (1, 2, 2, 3)).astype(np.float32)
head_st = rs.uniform(-1, 1, (1, 2, 3, 3)).astype(np.float32)
out = {"theta": theta, "flow": flow, "data": data, "grid": grid, "head": head,
       "head_st": head_st}
out["affine"] = mx.nd.GridGenerator(mx.nd.array(theta), transform_type="affine",
                                    target_shape=(3, 4)).asnumpy()
out["warp"] = mx.nd.GridGenerator(mx.nd.array(flow), transform_type="warp").asnumpy()
d, g = mx.nd.array(data), mx.nd.array(grid)
d.attach_grad(); g.attach_grad()
with mx.autograd.record():
    y = mx.nd.BilinearSampler(d, g)
y.backward(mx.nd.array(head))
out["sampled"], out["sampled_ddata"], out["sampled_dgrid"] = (y.asnumpy(), d.grad.asnumpy(),
                                                             g.grad.asnumpy())
d, t = mx.nd.array(data), mx.nd.array(theta)
d.attach_grad(); t.attach_grad()
with mx.autograd.record():
    y = mx.nd.SpatialTransformer(d, t, target_shape=(3, 3), transform_type="affine",
                                 sampler_type="bilinear")
y.backward(mx.nd.array(head_st))
out["st"], out["st_ddata"], out["st_dloc"] = y.asnumpy(), d.grad.asnumpy(), t.grad.asnumpy()
np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "spatial.npz"), **out)

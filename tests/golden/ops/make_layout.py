"""Writes layout.npz: MXNet 1.9.1 outputs of layout and normalization operators added by
confops. Run with real MXNet: /tmp/mxref/bin/python make_layout.py"""
import os

import mxnet as mx
import numpy as np

rs = np.random.RandomState(0)
x4 = rs.uniform(-1, 1, (2, 8, 2, 4)).astype(np.float32)
x3 = rs.uniform(-1, 1, (2, 3, 4)).astype(np.float32)
gamma, beta = rs.uniform(0.5, 1.5, 4).astype(np.float32), rs.uniform(-1, 1, 4).astype(np.float32)
nd = mx.nd
out = {"x4": x4, "x3": x3, "gamma": gamma, "beta": beta,
       "depth_to_space": nd.depth_to_space(nd.array(x4), block_size=2).asnumpy(),
       "space_to_depth": nd.space_to_depth(nd.array(x4), block_size=2).asnumpy(),
       "diag_k1": nd.diag(nd.array(x3), k=1, axis1=1, axis2=2).asnumpy(),
       "diag_vec": nd.diag(nd.array(x3[0, 0]), k=-1).asnumpy(),
       "group_norm": nd.GroupNorm(nd.array(x4), nd.array(gamma), nd.array(beta),
                                  num_groups=4).asnumpy(),
       "moments_mean": nd.moments(nd.array(x3), axes=(0, 2))[0].asnumpy(),
       "moments_var": nd.moments(nd.array(x3), axes=(0, 2))[1].asnumpy(),
       "softmin": nd.softmin(nd.array(x3), axis=1, temperature=2.0).asnumpy(),
       "hard_sigmoid": nd.hard_sigmoid(nd.array(x3 * 4), alpha=0.3, beta=0.4).asnumpy(),
       "reshape_like": nd.reshape_like(nd.array(x3), nd.ones((1, 6, 5)), lhs_begin=0, lhs_end=2,
                                       rhs_begin=1, rhs_end=2).asnumpy()}
np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "layout.npz"), **out)

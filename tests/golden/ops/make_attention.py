"""Writes attention.npz: MXNet 1.9.1's contrib interleaved_matmul_* outputs on small
inputs. Run with real MXNet: /tmp/mxref/bin/python make_attention.py"""
import os

import mxnet as mx
import numpy as np

rs = np.random.RandomState(0)
L, B, H, D, LK = 3, 2, 2, 4, 5
out = {"qkv": rs.rand(L, B, H * 3 * D), "att": rs.rand(B * H, L, L), "q": rs.rand(L, B, H * D),
       "kv": rs.rand(LK, B, H * 2 * D), "att2": rs.rand(B * H, L, LK)}
c, a = mx.nd.contrib, {k: mx.nd.array(v) for k, v in out.items()}
out["selfatt_qk"] = c.interleaved_matmul_selfatt_qk(a["qkv"], heads=H).asnumpy()
out["selfatt_valatt"] = c.interleaved_matmul_selfatt_valatt(a["qkv"], a["att"], heads=H).asnumpy()
out["encdec_qk"] = c.interleaved_matmul_encdec_qk(a["q"], a["kv"], heads=H).asnumpy()
out["encdec_valatt"] = c.interleaved_matmul_encdec_valatt(a["kv"], a["att2"], heads=H).asnumpy()
np.savez(os.path.join(os.path.dirname(os.path.abspath(__file__)), "attention.npz"), **out)

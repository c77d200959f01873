"""One cheap sample call per registry operator, for the operator contract test.

An operator absent from ``SAMPLES`` gets the default: each input a (2, 3) float64 array
in [0.2, 0.9) (inside the domain of log, sqrt, arcsin, arctanh, erfinv, ...) and no
parameters. An entry gives what the default cannot: input shapes or values, parameters
(``Sample``), and which inputs the gradient check perturbs (``wrt``; default: every
float input).
"""
from dataclasses import dataclass, field

import numpy as np

import symjax_mx as mx


class _Cube(mx.operator.CustomOp):
    """x ** 3 with its exact gradient written by hand: a Custom operator to sample."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] ** 3)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] * 3 * in_data[0] ** 2)


@mx.operator.register("_contract_cube")
class _CubeProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, in_shapes, in_dtypes):
        return _Cube()


@dataclass
class Sample:
    inputs: list = None           # shapes (tuples) or numpy arrays; None: default per input
    params: dict = field(default_factory=dict)
    wrt: tuple = None             # positions of inputs the gradient check perturbs
    passes_gradient: bool = False  # a straight-through estimator: the gradient is the head


def _ints(values, dtype=np.float64):
    return np.array(values, dtype=dtype)


_SPD = np.array([[2.0, 0.3, 0.1], [0.3, 1.5, -0.2], [0.1, -0.2, 1.0]])
_BOXES = np.array([[0.1, 0.2, 0.5, 0.7], [0.3, 0.1, 0.8, 0.6]])
_HALF = np.full((2, 3), 0.5, np.float16)  # multi-precision updates: float16 weights
_SINGLE = np.full((2, 3), 0.5, np.float32)  # and their float32 states
_SCALE = np.ones(1, np.float32)  # the rescale_grad array of the AdamW updates
_MULTI_ADAMW = {"lrs": (0.1,), "wds": (0.0,), "etas": (1.0,), "num_weights": 1}
_MULTI_SGD = {"lrs": (0.1,), "wds": (0.0,), "num_weights": 1}
_MULTI_LAMB = {"learning_rates": (0.1,), "wds": (0.0,), "step_count": (1,)}
_ONE32 = np.full(1, 0.1, np.float32)  # a float32 array of one value per weight (or a norm)
_BN = [(2, 3, 2), (3,), (3,), np.zeros(3), np.ones(3)]
_ROIS = np.array([[0, 0.6, 0.4, 3.2, 2.7], [0, 1.0, 0.0, 4.0, 3.0]])  # (batch, x1, y1, x2, y2)

SAMPLES = {
    "RNN": Sample([(2, 1, 3), (56,), (1, 1, 2), (1, 1, 2)],
                  {"state_size": 2, "num_layers": 1, "mode": "lstm"}),
    "_rnn_param_concat": Sample([(2, 3), (2, 3)], {"num_args": 2, "dim": 0}),
    **{name: Sample(None, {"lr": 0.1}) for name in (
        "sgd_update", "sgd_mom_update", "nag_mom_update",
        "signsgd_update", "signum_update", "adam_update", "rmsprop_update",
        "rmspropalex_update", "ftrl_update")},
    "lamb_update_phase2": Sample([(2, 3), (2, 3), (1,), (1,)], {"lr": 0.1}),
    "mp_sgd_update": Sample([_HALF, _HALF, _SINGLE], {"lr": 0.1}),
    **{name: Sample([_HALF, _HALF, _SINGLE, _SINGLE], {"lr": 0.1})
       for name in ("mp_sgd_mom_update", "mp_nag_mom_update")},
    "ftml_update": Sample(None, {"lr": 0.1, "t": 1}),
    "lamb_update_phase1": Sample(None, {"t": 1, "wd": 0.01}),
    "multi_sgd_update": Sample(None, {"lrs": (0.1,), "wds": (0.0,), "num_weights": 1}),
    # AdamW: weight, grad, the float32 rescale_grad array, then the states
    "_adamw_update": Sample([(2, 3), (2, 3), _SCALE, (2, 3), (2, 3)], {"lr": 0.1, "eta": 1.0}),
    "_mp_adamw_update": Sample([_HALF, _HALF, _SCALE, _SINGLE, _SINGLE, _SINGLE],
                               {"lr": 0.1, "eta": 1.0}),
    "_multi_adamw_update": Sample([(2, 3), (2, 3), _SCALE, (2, 3), (2, 3)], _MULTI_ADAMW),
    "_multi_mp_adamw_update": Sample([_HALF, _HALF, _SCALE, _SINGLE, _SINGLE, _SINGLE],
                                     _MULTI_ADAMW),
    # multi-tensor SGD: weight_i, grad_i, its states, then the float32 lrs and wds arrays
    "multi_sgd_mom_update": Sample(None, {**_MULTI_SGD, "momentum": 0.9}),
    "multi_mp_sgd_update": Sample([_HALF, _HALF, _SINGLE], _MULTI_SGD),
    "multi_mp_sgd_mom_update": Sample([_HALF, _HALF, _SINGLE, _SINGLE],
                                      {**_MULTI_SGD, "momentum": 0.9}),
    "preloaded_multi_sgd_update": Sample([(2, 3), (2, 3), _ONE32, _ONE32]),
    "preloaded_multi_sgd_mom_update": Sample([(2, 3), (2, 3), (2, 3), _ONE32, _ONE32],
                                             {"momentum": 0.9}),
    "preloaded_multi_mp_sgd_update": Sample([_HALF, _HALF, _SINGLE, _ONE32, _ONE32]),
    "preloaded_multi_mp_sgd_mom_update": Sample([_HALF, _HALF, _SINGLE, _SINGLE, _ONE32,
                                                 _ONE32], {"momentum": 0.9}),
    "multi_sum_sq": Sample([(2, 3), (4,)], {"num_arrays": 2}),
    "multi_lars": Sample([_SINGLE] * 4, {"eta": 0.5, "eps": 1e-3}),
    "mp_lamb_update_phase1": Sample([_HALF, _HALF, _SINGLE, _SINGLE, _SINGLE],
                                    {"t": 1, "wd": 0.01}),
    "mp_lamb_update_phase2": Sample([_HALF, _SINGLE, _ONE32, _ONE32, _SINGLE], {"lr": 0.1}),
    "_multi_lamb_update": Sample(None, _MULTI_LAMB),
    "_multi_mp_lamb_update": Sample([_HALF, _HALF, _SINGLE, _SINGLE, _SINGLE], _MULTI_LAMB),
    "_contrib_group_adagrad_update": Sample([(2, 3), (2, 3), (2, 1)], {"lr": 0.1}),
    **{name: Sample(passes_gradient=True) for name in ("_contrib_round_ste", "_contrib_sign_ste")},
    # hawkesll: lda (N, K), alpha, beta (K,), state (N, K), lags, int32 marks (N, T),
    # valid_length, max_time (N,); differentiated in lda, alpha and beta (as MXNet)
    "_contrib_hawkesll": Sample([(2, 3), (3,), (3,), (2, 3), (2, 4),
                                 _ints([[0, 2, 1, 2], [1, 1, 0, 2]], np.int32),
                                 _ints([4, 3]), _ints([4.0, 3.0])], wrt=(0, 1, 2)),
    "FullyConnected": Sample([(2, 3), (4, 3), (4,)], {"num_hidden": 4}),
    "Convolution": Sample([(1, 2, 4, 4), (3, 2, 2, 2), (3,)], {"kernel": (2, 2), "num_filter": 3}),
    "Deconvolution": Sample([(1, 2, 3, 3), (2, 3, 2, 2), (3,)],
                            {"kernel": (2, 2), "num_filter": 3, "no_bias": False}),
    "Pooling": Sample([(1, 2, 5, 5)], {"kernel": (3, 3), "stride": (2, 2), "pool_type": "avg"}),
    "UpSampling": Sample([(1, 2, 2, 2)], {"scale": 2, "sample_type": "nearest"}),
    "Embedding": Sample([_ints([[0, 2], [1, 1]]), (3, 4)], {"input_dim": 3, "output_dim": 4},
                        wrt=(1,)),
    "_contrib_SparseEmbedding": Sample([_ints([[0, 2], [1, 1]]), (3, 4)],
                                       {"input_dim": 3, "output_dim": 4}, wrt=(1,)),
    "cast_storage": Sample([(2, 3)], {"stype": "row_sparse"}),
    "_sparse_retain": Sample([(3, 2), _ints([0, 2])], wrt=(0,)),
    "_square_sum": Sample([(2, 3)], {"axis": (1,), "keepdims": True}),
    "add_n": Sample([(2, 3), (2, 3), (2, 3)], {"num_args": 3}),
    "khatri_rao": Sample([(2, 3), (4, 3)], {"num_args": 2}),
    "arccosh": Sample([np.array([[1.5, 2.0, 3.0]])]),
    "dot": Sample([(2, 3), (3, 4)]),
    "batch_dot": Sample([(2, 2, 3), (2, 3, 4)]),
    "SoftmaxOutput": Sample([(2, 3), _ints([0, 2])], wrt=(0,)),
    "SVMOutput": Sample([(2, 3), _ints([0, 2])], wrt=(0,)),
    "Cast": Sample(params={"dtype": "float64"}),
    "Concat": Sample([(2, 3), (2, 2)], {"num_args": 2, "dim": 1}),
    "stack": Sample([(2, 3), (2, 3)], {"num_args": 2}),
    "expand_dims": Sample(params={"axis": 1}),
    "reverse": Sample(params={"axis": 1}),
    "tile": Sample(params={"reps": (2, 1)}),
    "repeat": Sample(params={"repeats": 2}),
    "broadcast_to": Sample([(1, 3)], {"shape": (2, 3)}),
    "broadcast_axis": Sample([(1, 3)], {"axis": 0, "size": 2}),
    "broadcast_like": Sample([(1, 3), (2, 3)], wrt=(0,)),
    "Activation": Sample(params={"act_type": "tanh"}),
    "LeakyReLU": Sample(params={"act_type": "elu"}),
    "BatchNorm": Sample(_BN, {"fix_gamma": False}, wrt=(0, 1, 2)),
    "_contrib_SyncBatchNorm": Sample(_BN, {"fix_gamma": False, "key": "bn"}, wrt=(0, 1, 2)),
    "BatchNorm_v1": Sample(_BN, {"fix_gamma": False}, wrt=(0, 1, 2)),
    "LayerNorm": Sample([(2, 3), (3,), (3,)]),
    "InstanceNorm": Sample([(2, 3, 2), (3,), (3,)]),
    "L2Normalization": Sample([(2, 3, 2)]),
    "LRN": Sample([(1, 4, 2, 2)], {"nsize": 3}),
    "SliceChannel": Sample([(2, 4)], {"num_outputs": 2}),
    "_npi_hsplit": Sample([(2, 4)], {"sections": 2}),
    "slice": Sample(params={"begin": (0, 1), "end": (2, 3)}),
    "slice_axis": Sample(params={"axis": 1, "begin": 1, "end": 3}),
    "slice_like": Sample([(3, 4), (2, 3)], wrt=(0,)),
    "take": Sample([(3, 2), _ints([0, 2])], wrt=(0,)),
    "pick": Sample([(2, 3), _ints([0, 2])], wrt=(0,)),
    "one_hot": Sample([_ints([0, 2])], {"depth": 3}),
    "where": Sample([_ints([[1, 0, 1], [0, 1, 0]]), (2, 3), (2, 3)], wrt=(1, 2)),
    "clip": Sample(params={"a_min": 0.3, "a_max": 0.7}),
    "Pad": Sample([(1, 1, 2, 2)], {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 1, 1, 1)}),
    "Crop": Sample([(1, 1, 4, 4)], {"num_args": 1, "h_w": (2, 2)}),
    "SequenceMask": Sample([(3, 2, 2), _ints([1, 3])], {"use_sequence_length": True}, wrt=(0,)),
    "SequenceLast": Sample([(3, 2, 2), _ints([1, 3])], {"use_sequence_length": True}, wrt=(0,)),
    "SequenceReverse": Sample([(3, 2, 2), _ints([1, 3])], {"use_sequence_length": True},
                              wrt=(0,)),
    "topk": Sample(params={"ret_typ": "value", "k": 2}),
    "Reshape": Sample(params={"shape": (3, 2)}),
    "_np_reshape": Sample(params={"newshape": (3, -1)}),
    "_full": Sample([], {"value": 2.0, "shape": (2, 3)}),
    "_zeros": Sample([], {"shape": (2, 3)}),
    "_ones": Sample([], {"shape": (2, 3)}),
    "_npi_zeros": Sample([], {"shape": (2, 3)}),
    "_npi_ones": Sample([], {"shape": (2, 3)}),
    "_npi_identity": Sample([], {"shape": (3, 3)}),
    "_npi_eye": Sample([], {"N": 2, "M": 3, "k": 1}),
    "_random_randint": Sample([], {"low": 0, "high": 5, "shape": (2, 3)}),
    **{f"_random_{name}": Sample([], {"shape": (2, 3)}) for name in (
        "uniform", "normal", "gamma", "exponential", "poisson", "negative_binomial",
        "generalized_negative_binomial")},
    "_sample_multinomial": Sample([np.full((2, 3), 1 / 3)]),
    "GridGenerator": Sample([(1, 6)], {"transform_type": "affine", "target_shape": (2, 3)}),
    "BilinearSampler": Sample([(1, 2, 3, 3), np.full((1, 2, 2, 2), 0.3)]),
    "SpatialTransformer": Sample([(1, 2, 3, 3), np.array([[0.9, 0.1, 0.05, -0.1, 0.8, 0.13]])],
                                 {"target_shape": (2, 2), "transform_type": "affine",
                                  "sampler_type": "bilinear"}),
    "depth_to_space": Sample([(1, 4, 1, 2)], {"block_size": 2}),
    "space_to_depth": Sample([(1, 1, 2, 4)], {"block_size": 2}),
    "GroupNorm": Sample([(2, 4, 2), (2,), (2,)], {"num_groups": 2}),
    "_linalg_gemm": Sample([(2, 3), (3, 4), (2, 4)], {"alpha": 2.0, "beta": 0.5}),
    "_linalg_gemm2": Sample([(3, 2), (3, 4)], {"transpose_a": True}),
    "_linalg_potrf": Sample([_SPD]),
    "_linalg_extractdiag": Sample([(3, 3)], {"offset": -1}),
    "_linalg_makediag": Sample([(2, 2)], {"offset": 1}),
    "_linalg_potri": Sample([np.linalg.cholesky(_SPD)]),
    "_linalg_inverse": Sample([_SPD]),
    "_linalg_det": Sample([_SPD]),
    "_linalg_slogdet": Sample([_SPD]),
    "_linalg_sumlogdiag": Sample([_SPD]),
    "_linalg_syevd": Sample([_SPD]),
    "_linalg_gelqf": Sample([(2, 3)]),
    "_linalg_trmm": Sample([_SPD, (3, 2)], {"alpha": 1.5}),
    "_linalg_trsm": Sample([_SPD, (2, 3)], {"rightside": True, "transpose": True}),
    "amp_cast": Sample(params={"dtype": "float64"}),
    "amp_multicast": Sample([(2, 3), (2, 3)], {"num_outputs": 2}),
    "multi_all_finite": Sample([(2, 3), (3,)], {"num_arrays": 2}),
    "reset_arrays": Sample([(2, 3), (3,)], {"num_arrays": 2}),
    "batch_take": Sample([(2, 3), _ints([2, 0])], wrt=(0,)),
    "gather_nd": Sample([(2, 3), _ints([[0, 1], [1, -1]])], wrt=(0,)),
    "scatter_nd": Sample([(2,), _ints([[0, 1], [1, 2]])], {"shape": (2, 3)}, wrt=(0,)),
    "_contrib_box_iou": Sample([_BOXES, _BOXES[:1] + 0.05]),
    "_contrib_box_encode": Sample([_ints([[0, 1]]), _ints([[1, 0]]), _BOXES[None], _BOXES[None],
                                   np.zeros(4), np.full(4, 0.1)]),
    "_contrib_box_decode": Sample([(1, 2, 4), _BOXES[None]]),
    "_ravel_multi_index": Sample([_ints([[0, 1], [2, 0]])], {"shape": (-1, 3)}),
    "_unravel_index": Sample([_ints([5, 1])], {"shape": (2, 3)}),
    "softmax_cross_entropy": Sample([(2, 3), _ints([0, 2])], wrt=(0,)),
    "_contrib_AdaptiveAvgPooling2D": Sample([(1, 2, 3, 5)], {"output_size": (2, 2)}),
    "_contrib_interleaved_matmul_selfatt_qk": Sample([(2, 1, 12)], {"heads": 2}),
    "_contrib_interleaved_matmul_selfatt_valatt": Sample([(2, 1, 12), (2, 2, 2)], {"heads": 2}),
    "_contrib_interleaved_matmul_encdec_qk": Sample([(2, 1, 4), (3, 1, 8)], {"heads": 2}),
    "_contrib_interleaved_matmul_encdec_valatt": Sample([(3, 1, 8), (2, 2, 3)], {"heads": 2}),
    "CTCLoss": Sample([(4, 2, 3), _ints([[1, 2], [2, 0]])], wrt=(0,)),
    "_split_v2": Sample([(4, 3)], {"indices": (0, 1)}),
    "_histogram": Sample([(2, 3)], {"bin_cnt": 3, "range": (0.0, 1.0)}),
    "_image_normalize": Sample([(3, 2, 2)], {"mean": (0.1, 0.2, 0.3), "std": (1.0, 2.0, 3.0)}),
    "_cvimresize": Sample([(4, 5, 3)], {"w": 3, "h": 6, "interp": 2}),
    "_cvcopyMakeBorder": Sample([(3, 4, 2)], {"top": 1, "bot": 2, "left": 1, "right": 0,
                                              "type": 2}),
    # an image of bytes, as to_tensor takes (its float32 output defeats a float64 check)
    "_image_to_tensor": Sample([np.arange(18, dtype=np.uint8).reshape(2, 3, 3)]),
    "_image_resize": Sample([(4, 5, 3)], {"size": (3, 2)}),
    "_image_crop": Sample([(4, 5, 3)], {"x": 1, "y": 0, "width": 3, "height": 2}),
    "_image_adjust_lighting": Sample([(2, 3, 3)], {"alpha": (0.1, -0.2, 0.3)}),
    "_image_random_color_jitter": Sample([(2, 3, 3)], {"brightness": 0.1, "contrast": 0.1,
                                                       "saturation": 0.1, "hue": 0.1}),
    "_image_random_lighting": Sample([(2, 3, 3)]),
    **{f"_image_{name}": Sample([(2, 3, 3)]) for name in (
        "flip_left_right", "flip_top_bottom", "random_flip_left_right",
        "random_flip_top_bottom")},
    **{f"_image_random_{name}": Sample([(2, 3, 3)], {"min_factor": 0.5, "max_factor": 1.5})
       for name in ("brightness", "contrast", "saturation", "hue")},
    "Correlation": Sample([(1, 2, 4, 4), (1, 2, 4, 4)], {"kernel_size": 1, "max_displacement": 1}),
    "Custom": Sample(params={"op_type": "_contract_cube"}),
    "_contrib_MultiBoxPrior": Sample([(1, 1, 2, 3)], {"sizes": (0.5, 0.25), "ratios": (1, 2)}),
    "_contrib_MultiProposal": Sample([np.random.RandomState(0).uniform(0, 1, (2, 12, 2, 3)),
                                      np.random.RandomState(1).uniform(-0.2, 0.2, (2, 24, 2, 3)),
                                      np.array([[30.0, 45.0, 1.0], [20.0, 40.0, 0.5]])],
                                     {"scales": (1, 2), "ratios": (0.5, 1, 2),
                                      "feature_stride": 16, "rpn_pre_nms_top_n": 12,
                                      "rpn_post_nms_top_n": 5, "rpn_min_size": 4,
                                      "output_score": True}),
    "_contrib_Proposal": Sample([np.random.RandomState(0).uniform(0, 1, (1, 12, 2, 3)),
                                 np.random.RandomState(1).uniform(-0.2, 0.2, (1, 24, 2, 3)),
                                 np.array([[30.0, 45.0, 1.0]])],
                                {"scales": (1, 2), "ratios": (0.5, 1, 2), "feature_stride": 16,
                                 "rpn_pre_nms_top_n": 12, "rpn_post_nms_top_n": 5,
                                 "rpn_min_size": 4}),
    "_contrib_box_nms": Sample([np.array([[[0, 0.9, 0.1, 0.1, 0.5, 0.5],
                                           [0, 0.8, 0.15, 0.1, 0.5, 0.55],
                                           [1, 0.7, 0.6, 0.6, 0.9, 0.8]]])],
                               {"id_index": 0, "force_suppress": True}),
    "_contrib_bipartite_matching": Sample([np.array([[0.5, 0.6], [0.1, 0.2], [0.3, 0.4]])],
                                          {"threshold": 0.15}),
    "ROIPooling": Sample([(1, 2, 4, 5), _ROIS], {"pooled_size": (2, 2), "spatial_scale": 1.0},
                         wrt=(0,)),
    "_contrib_ROIAlign": Sample([(1, 2, 4, 5), _ROIS], {"pooled_size": (2, 2),
                                                        "spatial_scale": 1.0}, wrt=(0,)),
    "_contrib_PSROIPooling": Sample([(1, 8, 4, 5), _ROIS], {"spatial_scale": 1.0, "output_dim": 2,
                                                            "pooled_size": 2}, wrt=(0,)),
    "_contrib_quantize": Sample([_SINGLE, np.array([0.1], np.float32),
                                 np.array([0.9], np.float32)], {"out_type": "int8"}),
    "_contrib_dequantize": Sample([np.array([[-5, 0, 127]], np.int8),
                                   np.array([-1.0], np.float32), np.array([0.5], np.float32)]),
    "_linalg_extracttrian": Sample([(3, 3)], {"offset": -1}),
    "_linalg_maketrian": Sample([(2, 3)], {"offset": 1, "lower": False}),
    "_getitem": Sample([(3, 4), _ints([2, 0, 2])],
                       {"template": (("array", 0), ("slice", None, None, 2))}, wrt=(0,)),
    "_contrib_boolean_mask": Sample([(3, 2), _ints([1, 0, 1])], wrt=(0,)),
    "_contrib_index_copy": Sample([(4, 3), _ints([3, 0]), (2, 3)], wrt=(0, 2)),
    "_contrib_BilinearResize2D": Sample([(1, 2, 3, 4)], {"height": 5, "width": 2}),
    "_contrib_RROIAlign": Sample([(1, 2, 4, 5), np.array([[0, 2.0, 1.5, 3.0, 2.0, 30.0]])],
                                 {"pooled_size": (2, 2), "spatial_scale": 1.0}),
    "_slice_assign": Sample([(3, 4), (2, 2)], {"begin": (1, 0), "end": (3, 4), "step": (1, 2)}),
    "_slice_assign_scalar": Sample([(3, 4)], {"scalar": 2.0, "begin": (0, 1), "end": (2, 3)}),
    "_random_pdf_uniform": Sample([(2, 3), np.full((2, 3), 0.1), np.full((2, 3), 1.5)]),
    "_random_pdf_dirichlet": Sample([(2, 3), (3,)], {"is_log": True}),
    "_sample_unique_zipfian": Sample([], {"range_max": 10, "shape": (2, 3)}),
    "_contrib_MultiBoxTarget": Sample([_BOXES[None], np.array([[[1, 0.1, 0.1, 0.5, 0.6]]]),
                                       (1, 2, 2)], {"negative_mining_ratio": 3}),
    "_contrib_MultiBoxDetection": Sample([np.array([[[0.1, 0.5], [0.6, 0.2], [0.3, 0.3]]]),
                                          (1, 8), _BOXES[None]]),
    "_contrib_arange_like": Sample([(2, 3)], {"start": 1, "step": 0.5, "axis": 1}),
    "_npi_svd": Sample([np.array([[3.0, 1.0, 0.5], [1.0, 2.0, 0.2]])]),
    "_npi_einsum": Sample([(2, 3), (3, 4)], {"num_args": 2, "subscripts": "ij,jk->ik"}),
    **{name: Sample([_ints([3, 5], np.int32), _ints([1, 4], np.int32)]) for name in (
        "_npi_bitwise_and", "_npi_bitwise_or", "_npi_bitwise_xor", "_npi_lcm")},
    "_npi_bitwise_not": Sample([_ints([3, 5], np.int32)]),
    "_arange": Sample([], {"start": 1, "stop": 4, "step": 0.5, "repeat": 2}),
    "im2col": Sample([(1, 2, 4, 4)], {"kernel": (2, 2), "stride": (2, 1), "pad": (1, 0)}),
    "col2im": Sample([(1, 8, 9)], {"output_size": (4, 4), "kernel": (2, 2)}),
    "_contrib_DeformableConvolution": Sample([(1, 2, 4, 4), (1, 18, 4, 4), (2, 2, 3, 3), (2,)],
                                             {"kernel": (3, 3), "pad": (1, 1), "num_filter": 2}),
    "_contrib_ModulatedDeformableConvolution": Sample(
        [(1, 2, 4, 4), (1, 18, 4, 4), (1, 9, 4, 4), (2, 2, 3, 3), (2,)],
        {"kernel": (3, 3), "pad": (1, 1), "num_filter": 2}),
}

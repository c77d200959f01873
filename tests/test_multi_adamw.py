"""mx.nd.contrib's AdamW updates: adamw_update, mp_adamw_update, multi_adamw_update,
multi_mp_adamw_update (the registry operators _adamw_update, _multi_adamw_update, ...)."""
import numpy as np
import pytest

import symjax_mx as mx
from opcheck import assert_close, nd_array


def test_adamw_update_writes_weight_and_states():
    w, g, m, v = nd_array([1., 2.]), nd_array([3., -4.]), nd_array([0.5, 0.]), nd_array([0., 1.])
    out = mx.nd.contrib.adamw_update(w, g, m, v, 0.5, lr=0.1, eta=0.5, wd=0.2, beta1=0.8,
                                     beta2=0.9, epsilon=1e-3, out=w)
    assert out is w
    # golden values from MXNet 1.9.1
    assert_close(w, [0.826369, 1.817526])
    assert_close(m, [0.7, -0.4])
    assert_close(v, [0.225, 1.3])


def test_multi_adamw_update_per_weight_hyperparameters_and_clip():
    w0, w1 = nd_array([[1., 2.], [3., -1.]]), nd_array([0.5, -0.5, 2.0])
    g0, g1 = nd_array([[0.3, -2.], [0.1, 0.05]]), nd_array([1.0, -0.2, 0.4])
    m0, m1 = nd_array([[0.1, 0.2], [0., 0.]]), nd_array([0., 0.3, 0.])
    v0, v1 = nd_array([[0.01, 0.02], [0., 0.1]]), nd_array([0.2, 0., 0.1])
    mx.nd.contrib.multi_adamw_update([w0, w1], [g0, g1], [m0, m1], [v0, v1],
                                     mx.nd.array([2.0]), lrs=[0.1, 0.2], wds=[0, 0.1],
                                     etas=[1.0, 0.5], clip_gradient=0.5, out=[w0, w1])
    # golden values from MXNet 1.9.1
    assert_close(w0, [[0.86165, 1.9086], [2.683766, -1.003164]])
    assert_close(w1, [0.463821, -2.293344, 1.8842], rtol=2e-5)
    assert_close(m0, [[0.14, 0.13], [0.02, 0.01]])
    assert_close(m1, [0.05, 0.23, 0.05])
    assert_close(v0, [[0.01024, 0.02023], [4e-05, 0.09991]])
    assert_close(v1, [0.20005, 0.00016, 0.10015])


def test_multi_mp_adamw_update_keeps_float32_master():
    w16 = [nd_array([1., 2.], "float16"), nd_array([-1.], "float16")]
    w32 = [nd_array([1., 2.]), nd_array([-1.])]
    g16 = [nd_array([3., -4.], "float16"), nd_array([0.5], "float16")]
    means, variances = [nd_array([0., 0.]), nd_array([0.])], [nd_array([0., 0.]), nd_array([0.])]
    mx.nd.contrib.multi_mp_adamw_update(w16, g16, means, variances, w32, 1.0,
                                        lrs=[0.1, 0.01], wds=[0.1, 0.], etas=[1., 2.],
                                        out=w16)
    # golden values from MXNet 1.9.1
    assert w16[0].dtype == np.float16 and w32[0].dtype == np.float32
    assert_close(w16[0], [0.583984, 2.117188], rtol=1e-3)
    assert_close(w16[1], [-1.063477], rtol=1e-3)
    assert_close(w32[0], [0.58377, 2.11623])
    assert_close(w32[1], [-1.063246])
    assert_close(means[0], [0.3, -0.4])
    assert_close(variances[1], [0.00025])


@pytest.mark.parametrize("scale", [0.0, np.nan, np.inf])
def test_update_skipped_for_zero_or_nonfinite_scale(scale):
    w, g, m, v = nd_array([1., 2.]), nd_array([3., -4.]), nd_array([0.5, 0.]), nd_array([0., 1.])
    mx.nd.contrib.adamw_update(w, g, m, v, mx.nd.array([scale]), lr=0.1, eta=1.0, out=w)
    assert_close(w, [1., 2.])
    assert_close(m, [0.5, 0.])
    w16, w32 = nd_array([1., 2.], "float16"), nd_array([1., 2.])
    mx.nd.contrib.multi_mp_adamw_update([w16], [g.astype("float16")], [m], [v], [w32], scale,
                                        lrs=[0.1], wds=[0.], etas=[1.], out=[w16])
    assert_close(w16, [1., 2.])
    assert_close(w32, [1., 2.])
    assert_close(v, [0., 1.])


def test_bad_arguments_raise():
    w, m = nd_array([1., 2.]), nd_array([0., 0.])
    with pytest.raises(mx.base.MXNetError, match="lrs has 1 values for num_weights=2"):
        mx.nd.contrib.multi_adamw_update([w, w], [w, w], [m, m], [m, m], 1.0, lrs=[0.1],
                                         wds=[0., 0.], etas=[1., 1.], out=[w, w])
    with pytest.raises(mx.base.MXNetError, match="grad has shape"):
        mx.nd.contrib.adamw_update(w, nd_array([1., 2., 3.]), m, m, 1.0, lr=0.1, eta=1.0)
    with pytest.raises(mx.base.MXNetError, match="weight32 must be float32"):
        mx.nd.contrib.mp_adamw_update(w.astype("float16"), w.astype("float16"), m, m,
                                      w.astype("float16"), 1.0, lr=0.1, eta=1.0)


def test_symbol_operator_lists_states_as_auxiliary():
    v = mx.sym.var
    s = mx.sym._internal._multi_adamw_update(
        v("w0"), v("g0"), v("w1"), v("g1"), v("r"), v("m0"), v("v0"), v("m1"), v("v1"),
        lrs=(0.1, 0.1), wds=(0., 0.), etas=(1., 1.), num_weights=2)
    assert s.list_arguments() == ["w0", "g0", "w1", "g1", "r"]
    assert s.list_auxiliary_states() == ["m0", "v0", "m1", "v1"]
    _, out_shapes, _ = s.infer_shape(w0=(2, 3), w1=(4,))
    assert out_shapes == [(2, 3), (4,)]

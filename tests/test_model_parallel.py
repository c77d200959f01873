"""Model parallelism: node groups (``ctx_group``) placed on the devices ``group2ctx``
names, one program per device group with transfers between them."""
import numpy as np
import pytest

import symjax_mx as mx


def _device(array):
    return next(iter(array.asjax().devices()))


def _two_stage_net():
    with mx.AttrScope(ctx_group="stage1"):
        data = mx.sym.Variable("data")
        fc1 = mx.sym.FullyConnected(data, name="fc1", num_hidden=6)
        act = mx.sym.Activation(fc1, act_type="tanh")
    with mx.AttrScope(ctx_group="stage2"):
        fc2 = mx.sym.FullyConnected(act, name="fc2", num_hidden=3)
        bn = mx.sym.BatchNorm(fc2, fix_gamma=False, name="bn")
        return mx.sym.SoftmaxOutput(bn, name="softmax")


def _bind_and_run(net, group2ctx):
    exe = net.simple_bind(mx.cpu(0), group2ctx=group2ctx, data=(4, 5))
    rng = np.random.RandomState(0)
    for name, arr in exe.arg_dict.items():
        arr[:] = rng.uniform(-1, 1, arr.shape) if name != "softmax_label" else [0, 1, 2, 1]
    exe.forward(is_train=True)
    exe.backward()
    return exe


def test_groups_run_on_their_devices_with_the_single_device_results():
    net = _two_stage_net()
    group2ctx = {"stage1": mx.cpu(1), "stage2": mx.cpu(2)}
    placed = _bind_and_run(net, group2ctx)
    single = _bind_and_run(net, None)
    stage1 = {"data", "fc1_weight", "fc1_bias"}
    for name, arr in placed.arg_dict.items():
        ctx = group2ctx["stage1" if name in stage1 else "stage2"]
        assert arr.context == ctx and _device(arr) == ctx.jax_device, name
    for name, grad in placed.grad_dict.items():
        assert grad.context == placed.arg_dict[name].context
        np.testing.assert_allclose(grad.asnumpy(), single.grad_dict[name].asnumpy(),
                                   rtol=1e-5, atol=1e-6)
    assert placed.outputs[0].context == mx.cpu(2) and _device(placed.outputs[0]) == \
        mx.cpu(2).jax_device
    np.testing.assert_allclose(placed.outputs[0].asnumpy(), single.outputs[0].asnumpy(),
                               rtol=1e-5)
    moving = placed.aux_dict["bn_moving_mean"]  # updated in training, kept on its device
    assert _device(moving) == mx.cpu(2).jax_device
    np.testing.assert_allclose(moving.asnumpy(), single.aux_dict["bn_moving_mean"].asnumpy(),
                               rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_bind_reads_arguments_wherever_they_live(dtype):
    with mx.AttrScope(ctx_group="dev1"):
        net = (mx.sym.Variable("a") + mx.sym.Variable("b")) * dtype(3)
    with mx.AttrScope(ctx_group="dev2"):
        net = net + mx.sym.Variable("c")
    shape = (2, 3)
    args = [mx.nd.full(shape, v, mx.cpu(0), dtype=dtype) for v in (1, 2)]
    args.append(mx.nd.full(shape, 3, mx.cpu(1), dtype=dtype))  # not where its node runs
    grads = [mx.nd.zeros(shape, a.context, dtype=dtype) for a in args]
    exe = net.bind(mx.cpu(0), args=args, args_grad=grads,
                   group2ctx={"dev1": mx.cpu(0), "dev2": mx.cpu(1)})
    exe.forward(is_train=True)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), np.full(shape, 12))
    exe.backward([mx.nd.ones(shape, mx.cpu(0), dtype=dtype)])
    assert [g.asnumpy()[0, 0] for g in grads] == [3, 3, 1]
    assert [_device(g) for g in grads] == [a.context.jax_device for a in args]


def test_module_with_group2ctxs_trains():
    net = _two_stage_net()
    mod = mx.mod.Module(net, context=[mx.cpu(0)],
                        group2ctxs={"stage1": mx.cpu(1), "stage2": [mx.cpu(3)]})
    mod.bind(data_shapes=[("data", (4, 5))], label_shapes=[("softmax_label", (4,))],
             inputs_need_grad=True)
    mod.init_params(mx.init.Xavier())
    mod.init_optimizer(optimizer_params={"learning_rate": 0.5, "momentum": 0.9})
    batch = mx.io.DataBatch([mx.nd.array(np.random.RandomState(1).randn(4, 5))],
                            [mx.nd.array([0, 1, 2, 1])])
    before = {k: v.asnumpy() for k, v in mod.get_params()[0].items()}
    for _ in range(3):
        mod.forward_backward(batch)
        mod.update()
    assert mod.get_input_grads()[0].context == mx.cpu(1)
    after = mod.get_params()[0]
    assert all(not np.allclose(before[k], after[k].asnumpy()) for k in before)
    assert _device(mod._exec.arg_dict["fc2_weight"]) == mx.cpu(3).jax_device
    mod.forward(batch, is_train=False)
    probs = mod.get_outputs()[0].asnumpy()
    assert probs[np.arange(4), [0, 1, 2, 1]].mean() > 0.5  # it learned the batch


def test_executor_group_places_each_contexts_groups():
    with mx.AttrScope(ctx_group="dev1"):
        a = mx.sym.Variable("a") * 2
    with mx.AttrScope(ctx_group="dev2"):
        net = a + mx.sym.Variable("b")
    group = mx.module.executor_group.DataParallelExecutorGroup(
        net, [mx.cpu(0), mx.cpu(1)], None, [("a", (4, 3)), ("b", (4, 3))], None, [],
        for_training=True, inputs_need_grad=True,
        group2ctxs={"dev1": [mx.cpu(2), mx.cpu(3)], "dev2": mx.cpu(1)})
    batch = mx.io.DataBatch([mx.nd.ones((4, 3)), mx.nd.full((4, 3), 5)])
    group.forward(batch, is_train=True)
    group.backward([mx.nd.ones((4, 3))])
    np.testing.assert_array_equal(group.get_outputs()[0].asnumpy(), np.full((4, 3), 7))
    np.testing.assert_array_equal(group.get_input_grads()[0].asnumpy(), np.full((4, 3), 2))
    assert [e.outputs[0].context for e in group.execs] == [mx.cpu(1), mx.cpu(1)]

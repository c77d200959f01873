"""DataParallelExecutorGroup: MXNet's public face of a data-parallel program.

A Module runs data parallel as one SPMD executor (see module.py); ``module._exec_group``
shows that executor through this class's interface (``execs``, ``grad_req``,
``param_arrays`` ...). Built directly, the group binds one executor per context on its
share of the batch, as MXNet's does; with ``shared_group`` the executors use the shared
group's parameter and gradient arrays, and input arrays of the same name and shape.
"""
import logging

from ..base import MXNetError
from ..io import DataDesc
from ..ndarray import NDArray, concatenate, zeros_buffer

__all__ = ["DataParallelExecutorGroup"]


def _descs(shapes):
    return [s if isinstance(s, DataDesc) else DataDesc(*s) for s in shapes or []]


def split_batch(batch, workload):
    """[(start, stop)] of each context's share of ``batch`` rows, by ``workload``."""
    total = float(sum(workload))
    bounds, start = [], 0
    for i, work in enumerate(workload):
        stop = batch if i == len(workload) - 1 else start + int(round(batch * work / total))
        bounds.append((start, stop))
        start = stop
    return bounds


def groups_of(group2ctxs, i):
    """Context ``i``'s group -> Context map from MXNet's ``group2ctxs``: one dict for every
    context, a list of dicts (one per context), or a dict of lists (one entry per context)."""
    if not group2ctxs:
        return None
    groups = group2ctxs[i] if isinstance(group2ctxs, (list, tuple)) else group2ctxs
    return {g: c[i] if isinstance(c, (list, tuple)) else c for g, c in groups.items()}


class DataParallelExecutorGroup:
    """Executors of ``symbol``, one per context, each on its slice of the batch."""

    def __init__(self, symbol, contexts, workload, data_shapes, label_shapes, param_names,
                 for_training, inputs_need_grad, shared_group=None, logger=logging,
                 fixed_param_names=None, grad_req="write", state_names=None, group2ctxs=None):
        self.symbol = symbol
        self.contexts = list(contexts)
        self.group2ctxs = [groups_of(group2ctxs, i) for i in range(len(self.contexts))]
        self.workload = list(workload or [1] * len(self.contexts))
        self.param_names = list(param_names)
        self.arg_names = symbol.list_arguments()
        self.aux_names = symbol.list_auxiliary_states()
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self.logger = logger
        self.fixed_param_names = list(fixed_param_names or [])
        self.state_names = list(state_names or [])
        self.grad_req = self._grad_reqs(grad_req)
        self.shared_data_arrays = (shared_group.shared_data_arrays if shared_group is not None
                                   else [{} for _ in self.contexts])
        self.data_shapes = _descs(data_shapes)
        self.label_shapes = _descs(label_shapes)
        self.slices = split_batch(self.data_shapes[0].shape[0], self.workload)
        self.execs = [self._bind_ith(i, shared_group) for i in range(len(self.contexts))]
        self._collect_arrays()

    @classmethod
    def of_module(cls, module):
        """The group view of a bound Module's (single, SPMD) executor."""
        group = cls.__new__(cls)
        group.symbol = module.symbol
        group.contexts = list(module._context)
        group.workload = [1] * len(group.contexts)
        group.param_names = list(module._param_names)
        group.arg_names = group.symbol.list_arguments()
        group.aux_names = group.symbol.list_auxiliary_states()
        group.for_training, group.inputs_need_grad = module.for_training, module.inputs_need_grad
        group.logger = module.logger
        group.fixed_param_names = list(module._fixed_param_names)
        group.state_names = list(module._state_names)
        group.grad_req = dict(module._reqs)
        group.data_shapes, group.label_shapes = module.data_shapes, module.label_shapes
        group.slices = [(0, group.data_shapes[0].shape[0])]
        group.execs = [module._exec]
        inputs = [d.name for d in group.data_shapes + group.label_shapes]
        group.shared_data_arrays = [{n: module._exec.arg_dict[n] for n in inputs}]
        group._collect_arrays()
        return group

    def _grad_reqs(self, grad_req):
        reqs = {}
        for name in self.arg_names:
            wanted = grad_req.get(name, "write") if isinstance(grad_req, dict) else grad_req
            if name in self.param_names:
                trained = self.for_training and name not in self.fixed_param_names
                reqs[name] = wanted if trained else "null"
            elif self.inputs_need_grad and name not in self.state_names:
                reqs[name] = wanted
            else:
                reqs[name] = "null"
        return reqs

    def _bind_ith(self, i, shared_group):
        """The executor of context ``i`` on its slice of the batch."""
        ctx = self.contexts[i]
        start, stop = self.slices[i]
        inputs = {d.name: (stop - start,) + tuple(d.shape[1:])
                  for d in self.data_shapes + self.label_shapes}
        arg_shapes, _, aux_shapes = self.symbol.infer_shape(**inputs)
        if arg_shapes is None:
            raise MXNetError(f"DataParallelExecutorGroup: cannot infer the shapes of "
                             f"{self.arg_names} from inputs {inputs}")
        shared = shared_group.execs[i] if shared_group is not None else None
        data_pool = self.shared_data_arrays[i]

        def array(name, shape, pool):
            found = pool.get(name) if pool is not None else None
            if found is not None and found.shape == tuple(shape):
                return found
            return zeros_buffer(shape, ctx)
        args, grads = {}, {}
        for name, shape in zip(self.arg_names, arg_shapes):
            if name in self.param_names:
                args[name] = array(name, shape, shared.arg_dict if shared else None)
                if self.grad_req[name] != "null":
                    grads[name] = array(name, shape, shared.grad_dict if shared else None)
            else:
                args[name] = data_pool[name] = array(name, shape, data_pool)
                if self.grad_req[name] != "null":
                    grads[name] = zeros_buffer(shape, ctx)
        aux = {name: array(name, shape, shared.aux_dict if shared else None)
               for name, shape in zip(self.aux_names, aux_shapes)}
        return self.symbol.bind(ctx, args, args_grad=grads, grad_req=self.grad_req,
                                aux_states=aux, group2ctx=self.group2ctxs[i])

    def _collect_arrays(self):
        names = [n for n in self.arg_names if n in self.param_names]
        self.param_arrays = [[e.arg_dict[n] for e in self.execs] for n in names]
        self.grad_arrays = [[e.grad_dict[n] for e in self.execs] for n in names
                            if self.grad_req.get(n, "null") != "null"]
        self.aux_arrays = [[e.aux_dict[n] for e in self.execs] for n in self.aux_names]
        self.data_arrays = [[(self.slices[i], e.arg_dict[d.name])
                             for i, e in enumerate(self.execs)] for d in self.data_shapes]
        self.label_arrays = [[(self.slices[i], e.arg_dict[d.name])
                              for i, e in enumerate(self.execs)] for d in self.label_shapes]

    # --- parameters ----------------------------------------------------------------------

    def set_params(self, arg_params, aux_params, allow_extra=False):
        """Copy the given parameters into every executor."""
        for exe in self.execs:
            exe.copy_params_from(arg_params, aux_params, allow_extra_params=allow_extra)

    def get_params(self, arg_params, aux_params):
        """Write the mean over the executors of each parameter into the given dicts."""
        for params, names, arrays in ((arg_params, [n for n in self.arg_names
                                                    if n in self.param_names],
                                       self.param_arrays),
                                      (aux_params, self.aux_names, self.aux_arrays)):
            for name, copies in zip(names, arrays):
                mean = sum(c.copyto(copies[0].context) for c in copies) / len(copies)
                mean.copyto(params[name]) if name in params else params.__setitem__(
                    name, mean)

    # --- computing -----------------------------------------------------------------------

    def forward(self, data_batch, is_train=None):
        """Load each executor's slice of ``data_batch`` and run it."""
        is_train = self.for_training if is_train is None else is_train
        names = [d.name for d in self.data_shapes] + [d.name for d in self.label_shapes]
        values = list(data_batch.data) + list(data_batch.label or [])[:len(self.label_shapes)]
        for exe, (start, stop) in zip(self.execs, self.slices):
            for name, value in zip(names, values):
                exe.arg_dict[name][:] = value[start:stop].as_in_context(exe._ctx) \
                    if isinstance(value, NDArray) else value[start:stop]
            exe.forward(is_train=is_train)

    def backward(self, out_grads=None):
        """Gradients of the last training forward on every executor."""
        if not self.for_training:
            raise MXNetError("backward: the group is bound with for_training=False")
        for exe, (start, stop) in zip(self.execs, self.slices):
            grads = None if out_grads is None else [
                g[start:stop].as_in_context(exe._ctx) for g in out_grads]
            exe.backward(grads)

    def _merged(self, per_exec, merge_multi_context):
        if not merge_multi_context:
            return per_exec
        return [parts[0] if len(parts) == 1 else concatenate(
            [p.as_in_context(parts[0].context) for p in parts]) for parts in per_exec]

    def get_outputs(self, merge_multi_context=True):
        """Outputs, merged along the batch or per executor."""
        per_exec = [[e.outputs[i] for e in self.execs]
                    for i in range(len(self.execs[0].outputs))]
        return self._merged(per_exec, merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """Gradients of the data inputs (bound with inputs_need_grad)."""
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True first")
        per_exec = [[e.grad_dict[d.name] for e in self.execs] for d in self.data_shapes]
        return self._merged(per_exec, merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Update ``eval_metric`` with each executor's outputs and its labels."""
        for i, (exe, (start, stop)) in enumerate(zip(self.execs, self.slices)):
            sliced = labels[i] if pre_sliced else [label[start:stop] for label in labels]
            names = [d.name for d in self.label_shapes]
            eval_metric.update_dict(dict(zip(names, sliced)),
                                    dict(zip(self.symbol.list_outputs(), exe.outputs)))

    def install_monitor(self, mon):
        for exe in self.execs:
            mon.install(exe)

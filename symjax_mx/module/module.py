"""Module: a Symbol bound for training or inference on one or several devices.

Several contexts run data parallel as one SPMD program: the executor's parameters are
replicated over a mesh of those devices and each batch is sharded across it, so XLA
all-reduces the gradients inside the step. ``fit`` runs forward, backward and the
optimizer update as one compiled step with the parameters, auxiliary states and
optimizer states donated; the stepwise API (forward, backward, update) computes the same.
"""
import functools
import logging
import warnings

import jax
import numpy as np
from jax.sharding import SingleDeviceSharding

from .. import x64
from .. import kv as kvstore_module
from .. import model_files
from .. import optimizer as opt
from ..base import MXNetError
from ..compile_log import describe_shapes, logger as compile_logger, logs_compiles
from ..context import Context, cpu, current_context
from ..initializer import InitDesc, Uniform
from ..initializer import create as init_create
from ..io import DataDesc
from ..kv import Placement
from ..lowering.executor import check_group2ctx, check_no_extra_params
from ..optimizer.optimizer import StepInputsTransfer
from ..util import getenv
from ..ndarray import NDArray, file_format, zeros_buffer
from ..ndarray.storage import attribute_stype
from .base_module import BaseModule, _as_list, _check_input_names
from .executor_group import DataParallelExecutorGroup, groups_of, split_batch

__all__ = ["Module"]


def _descs(names, shapes, what):
    """DataDescs for ``names`` from DataDescs or (name, shape) pairs, in ``names`` order."""
    descs = [s if isinstance(s, DataDesc) else DataDesc(*s) for s in shapes or []]
    given = [d.name for d in descs]
    if sorted(given) != sorted(names):
        raise MXNetError(f"bind: {what} shapes are given for {given}, but the module's "
                         f"{what} names are {list(names)}")
    by_name = {d.name: d for d in descs}
    return [by_name[n] for n in names]


def _split_by_context(array, axis, contexts, workload):
    """``array``'s slices along ``axis``, one per context, as MXNet splits a batch."""
    return [array.slice_axis(axis=axis, begin=start, end=stop).as_in_context(ctx)
            for ctx, (start, stop) in zip(contexts, split_batch(array.shape[axis],
                                                               workload))]


@functools.lru_cache(maxsize=None)
def _on_device(device):
    """The sharding of an array on ``device`` alone (one object per device)."""
    return SingleDeviceSharding(device)


@x64.jit
def _fresh_copies(arrays):
    """Copies of ``arrays`` in new buffers (one program; asynchronous)."""
    return [jax.numpy.copy(a) for a in arrays]


class _StatesView(opt.Updater):
    """A module's optimizer states as MXNet's Updater: reading ``states`` copies them out
    (index -> state of NDArrays), assigning them (``set_states``) loads them in."""

    def __init__(self, module):  # pylint: disable=super-init-not-called
        self._module = module
        self.optimizer = module._optimizer
        self.states_synced = {}

    @property
    def states(self):
        return self._module._indexed_states()

    @states.setter
    def states(self, states):
        self._module._set_indexed_states(states)


class Module(BaseModule):
    """MXNet's ``mx.mod.Module``."""

    _pipelined_fit = True

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=None, work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None):
        super().__init__(logger=logger)
        contexts = _as_list(context if context is not None else current_context())
        if not all(isinstance(c, Context) for c in contexts):
            raise MXNetError(f"Module: context must be a Context or a list of them, got "
                             f"{context!r}")
        if work_load_list is not None and len(work_load_list) != len(contexts):
            raise MXNetError(f"Module: work_load_list has {len(work_load_list)} entries for "
                             f"{len(contexts)} contexts")
        self._work_load = list(work_load_list or [1] * len(contexts))
        # the whole batch runs with the first context's placement of the groups
        self._group2ctx = check_group2ctx(groups_of(group2ctxs, 0))
        if compression_params is not None:
            raise MXNetError("Module: gradient compression (compression_params) is not "
                             "supported")
        self._context = contexts
        self._symbol = symbol
        self._data_names = list(data_names or [])
        self._label_names = list(label_names or [])
        self._state_names = list(state_names or [])
        self._fixed_param_names = list(fixed_param_names or [])
        _check_input_names(symbol, self._data_names, "data", True)
        _check_input_names(symbol, self._label_names, "label", False)
        _check_input_names(symbol, self._state_names, "state", True)
        _check_input_names(symbol, self._fixed_param_names, "fixed_param", True)
        inputs = set(self._data_names + self._label_names + self._state_names)
        self._param_names = [n for n in symbol.list_arguments() if n not in inputs]
        self._aux_names = symbol.list_auxiliary_states()
        self._output_names = symbol.list_outputs()
        self._input_names = self._data_names + self._label_names
        self._arg_params = self._aux_params = None
        self._params_dirty = False
        # id(CPU copy) -> (its buffer, the executor's buffer) when both hold the same values
        # (jax arrays never change: the same buffers mean the same values)
        self._equal = {}
        self._placement = None
        self._inputs_transfer = None  # (placement, StepInputsTransfer onto it)
        self._exec = None
        self._data_shapes = self._label_shapes = None
        self._optimizer = self._kvstore = None
        self._update_on_kvstore = False  # whether MXNet would keep the parameters in the store
        self._opt_states = None  # {param name: optimizer state (jax arrays)}
        self._preload_opt_states = None
        self._monitor = None

    # --- checkpoints ---------------------------------------------------------------------

    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module from ``prefix-symbol.json`` and ``prefix-%04d.params`` (and, if asked,
        ``prefix-%04d.states``); bind it before use."""
        symbol, arg_params, aux_params = model_files.load_checkpoint(prefix, epoch)
        mod = Module(symbol=symbol, **kwargs)
        mod._arg_params, mod._aux_params = arg_params, aux_params
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = f"{prefix}-{epoch:04d}.states"
        return mod

    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False,
                        remove_amp_cast=True):
        """Write ``prefix-symbol.json``, ``prefix-%04d.params`` and, if asked,
        ``prefix-%04d.states``."""
        self._symbol.save(f"{prefix}-symbol.json")
        param_name = f"{prefix}-{epoch:04d}.params"
        self.save_params(param_name)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            state_name = f"{prefix}-{epoch:04d}.states"
            self.save_optimizer_states(state_name)
            logging.info('Saved optimizer state to "%s"', state_name)

    # --- properties ----------------------------------------------------------------------

    @property
    def data_names(self):
        return self._data_names

    @property
    def label_names(self):
        return self._label_names

    @property
    def output_names(self):
        return self._output_names

    @property
    def data_shapes(self):
        self._check_bound("data_shapes")
        return self._data_shapes

    @property
    def label_shapes(self):
        self._check_bound("label_shapes")
        return self._label_shapes

    @property
    def output_shapes(self):
        self._check_bound("output_shapes")
        return [(name, out.shape) for name, out in zip(self._output_names, self._exec.outputs)]

    @property
    def _exec_group(self):
        """The executor seen as MXNet's DataParallelExecutorGroup."""
        self._check_bound("_exec_group")
        return DataParallelExecutorGroup.of_module(self)

    @property
    def _total_exec_bytes(self):
        """Bytes held by the executor's arguments, gradients and auxiliary states."""
        exe = self._exec
        arrays = [*exe.arg_dict.values(), *exe.grad_dict.values(), *exe.aux_dict.values()]
        return sum(int(np.prod(a.shape)) * np.dtype(a.dtype).itemsize
                   for a in {id(a): a for a in arrays}.values())

    def _check_bound(self, what):
        if not self.binded:
            raise MXNetError(f"{what}: the module is not bound; call bind first")

    # --- parameters ----------------------------------------------------------------------

    def get_params(self):
        """(arg_params, aux_params): copies on the CPU, name -> NDArray."""
        self._check_ready("get_params")
        if self._params_dirty:
            self._sync_params_from_devices()
        return self._arg_params, self._aux_params

    def _sync_params_from_devices(self):
        """Bring the executor's parameters into the CPU copies. Where a copy lives on the
        executor's device, it takes the executor's buffer and the executor goes on with a
        fresh copy (one program per device): the training step donates the executor's
        buffers, and donating one that a copy is still reading would wait for it."""
        place = self._placement
        local = place.local if len(place.contexts) > 1 or place.workers > 1 else None
        moved = {}  # device -> [(CPU copy, executor array, buffer)]
        for value, target in self._param_pairs():
            data = target.asjax() if local is None else local(target.asjax())
            device = value.context.jax_device
            if local is None and target.context.jax_device == device:
                moved.setdefault(device, []).append((value, target, data))
            else:
                copy = x64.device_put(data, device, may_alias=False)
                value._write(copy)
                self._equal[id(value)] = (copy, target.asjax())
        for group in moved.values():
            fresh = _fresh_copies([data for _, _, data in group])
            for (value, target, data), copy in zip(group, fresh):
                value._write(data)
                target._write(copy)
                self._equal[id(value)] = (data, copy)
        self._params_dirty = False

    def _param_pairs(self):
        """(CPU copy, executor array) of every parameter and auxiliary state."""
        return [(value, arrays[name])
                for params, arrays in ((self._arg_params, self._exec.arg_dict),
                                       (self._aux_params, self._exec.aux_dict))
                for name, value in params.items()]

    def _holds_equal(self, own, target):
        """Whether the CPU copy ``own`` and the executor's ``target`` hold the buffers
        they held when one was copied from the other."""
        known = self._equal.get(id(own))
        return known is not None and known[0] is own.asjax() and known[1] is target.asjax()

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initialise the parameters: from ``arg_params`` / ``aux_params`` where given,
        else with ``initializer``. Given names the module lacks are ignored, as MXNet 1.9.1
        ignores them (whatever ``allow_extra`` says)."""
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "init_params call ignored.", stacklevel=2)
            return
        self._check_bound("init_params")
        if isinstance(initializer, str):
            initializer = init_create(initializer)
        for given, own, kind in ((arg_params, self._arg_params, "argument"),
                                 (aux_params, self._aux_params, "auxiliary state")):
            missing = sorted(set(own) - set(given)) if given is not None else []
            if missing and not allow_missing:  # a RuntimeError, as MXNet raises
                raise MXNetError(f"init_params: {kind}s {missing} are missing from the "
                                 f"given parameters (pass allow_missing=True to "
                                 f"initialise them)")
        attrs = None  # the symbol's attributes, read when an initializer needs them
        for params, given in ((self._arg_params, arg_params), (self._aux_params, aux_params)):
            for name, arr in sorted(params.items()):
                if given is not None and name in given:
                    value = given[name]
                    if value is not arr:
                        if value.shape != arr.shape:
                            raise MXNetError(f"init_params: {name!r} has shape {value.shape}, "
                                             f"but the module expects {arr.shape}")
                        value.copyto(arr)
                elif initializer is not None:
                    attrs = self._symbol.attr_dict() if attrs is None else attrs
                    initializer(InitDesc(name, attrs.get(name, None)), arr)
        self.params_initialized = True
        self._params_dirty = False
        self._copy_params_to_devices()

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Set the parameters from name -> NDArray dicts. As in MXNet 1.9.1, names the
        module lacks are ignored, except with ``allow_missing`` and without
        ``allow_extra``, where they are MXNet's ValueError."""
        self._check_bound("set_params")
        if allow_missing and not allow_extra and not (self.params_initialized
                                                      and not force_init):
            check_no_extra_params(arg_params, aux_params, self._arg_params,
                                  self._aux_params)
        super().set_params(arg_params, aux_params, allow_missing=allow_missing,
                           force_init=force_init, allow_extra=allow_extra)

    def _copy_params_to_devices(self):
        """Copy the parameters into the executor; across workers, worker 0's values."""
        place = self._placement
        if place.workers > 1:
            from jax.experimental import multihost_utils
            values = multihost_utils.broadcast_one_to_all(
                ({k: v.asnumpy() for k, v in self._arg_params.items()},
                 {k: v.asnumpy() for k, v in self._aux_params.items()}))
            for params, given in zip((self._arg_params, self._aux_params), values):
                for name, value in given.items():
                    params[name][:] = np.asarray(value)
        pairs = self._param_pairs()
        if len(place.contexts) > 1 or place.workers > 1:
            for value, target in pairs:  # copies: the training step donates them
                self._write_into(target, value, place.replicated, copy=True)
            return
        same_device = {}  # device -> pairs copied by one program
        for value, target in pairs:
            if self._holds_equal(value, target):
                continue  # already there (fit's set_params of what get_params read)
            data = value.asjax()
            if data.dtype != target.dtype:
                data = data.astype(target.dtype)
            device = target.context.jax_device
            if value.context.jax_device == device:
                same_device.setdefault(device, []).append((target, value, data))
            else:  # a transfer makes new buffers
                target._write(x64.device_put(data, device))
                self._equal[id(value)] = (value.asjax(), target.asjax())
        for group in same_device.values():
            copies = _fresh_copies([data for _, _, data in group])
            for (target, value, _), copy in zip(group, copies):
                target._write(copy)
                self._equal[id(value)] = (value.asjax(), copy)

    def _write_into(self, target, value, sharding, copy=False):
        """Write ``value`` (with ``copy``, a copy of it) into the executor's array
        ``target``: by ``sharding`` when the program spans devices, else on the array's
        own context (with group2ctx the arrays live on several)."""
        place = self._placement
        if len(place.contexts) == 1 and place.workers == 1:
            sharding = _on_device(target.context.jax_device)
        target._write(place.place(value, sharding, target.dtype, copy))

    # --- binding -------------------------------------------------------------------------

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Allocate the executor for these input shapes (DataDescs or (name, shape))."""
        if force_rebind:
            if self._exec is not None and self._params_dirty:
                self._sync_params_from_devices()  # keep what training did so far
            self.binded = False
            self._exec = None
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if inputs_need_grad and not for_training:
            raise MXNetError("bind: inputs_need_grad needs for_training=True")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._reqs = self._grad_reqs(grad_req)
        self._trained = sorted(n for n in self._param_names if self._reqs[n] != "null")
        self._trained_indices = [self._param_names.index(n) for n in self._trained]
        # what the symbol and the requests fix for every step until the next bind
        self._steps_fusable = (all(self._reqs[n] != "add" for n in self._trained) and all(
            node.op is not None and node.op.is_loss(node.params)
            for node, _ in self._symbol.graph.heads))
        self._output_axes = [DataDesc.get_batch_axis(self._symbol[name].attr("__layout__"))
                             for name in self._output_names]  # read at bind, as MXNet
        self._data_shapes = _descs(self._data_names, data_shapes, "data")
        needed = [n for n in self._label_names if n in self._symbol.list_arguments()]
        if for_training and needed and not label_shapes:
            raise MXNetError(f"bind: training needs the labels {needed}, but no "
                             f"label shapes were given (does the data iterator provide "
                             f"labels?)")
        self._label_shapes = (_descs(self._label_names, label_shapes, "label")
                              if label_shapes else [])
        self._grad_req = grad_req
        self._placement = Placement(self._context if self._shardable(
            self._data_shapes + self._label_shapes) else self._context[:1])
        if shared_module is not None:
            if not (shared_module.binded and shared_module.params_initialized):
                raise MXNetError("bind: shared_module must be bound and initialised")
            # the executors share the parameter (and gradient) arrays themselves
            self._exec = self._bind_executor(self._data_shapes, self._label_shapes,
                                             shared_exec=shared_module._exec)
            self._arg_params = shared_module._arg_params
            self._aux_params = shared_module._aux_params
            self._params_dirty = shared_module._params_dirty
            self.params_initialized = True
            self.binded = True
            return
        self._exec = self._bind_executor(self._data_shapes, self._label_shapes)
        if self._arg_params is None:
            attrs = self._symbol.attr_dict()
            self._arg_params = {n: zeros_buffer(a.shape, cpu(), a.dtype,
                                         stype=attribute_stype(attrs.get(n)))
                                for n, a in self._exec.arg_dict.items()
                                if n in self._param_names}
            self._aux_params = {n: zeros_buffer(a.shape, cpu(), a.dtype)
                                for n, a in self._exec.aux_dict.items()}
        self.binded = True
        if self.params_initialized:
            self.init_params(None, self._arg_params, self._aux_params, force_init=True)

    def _grad_reqs(self, grad_req):
        """name -> grad_req: ``grad_req`` (a string, or a dict by name) for trainable
        parameters, and for the data if inputs_need_grad; 'null' for the rest."""
        reqs = {}
        for name in self._symbol.list_arguments():
            wanted = grad_req.get(name, "write") if isinstance(grad_req, dict) else grad_req
            if name in self._param_names:
                trainable = self.for_training and name not in self._fixed_param_names
                reqs[name] = wanted if trainable else "null"
            elif name in self._data_names and self.inputs_need_grad:
                reqs[name] = wanted
            else:
                reqs[name] = "null"
        return reqs

    @x64.x64
    def _bind_executor(self, data_shapes, label_shapes, shared_exec=None):
        """An executor for this worker's input shapes (times the workers, when the module
        spans them), its arrays placed on the module's devices."""
        inputs = data_shapes + label_shapes
        place = self._placement
        if len(place.contexts) > 1 and not self._shardable(inputs):
            raise MXNetError(f"bind: the batches of {[(d.name, d.shape) for d in inputs]} "
                             f"do not split evenly along axis 0 across the module's "
                             f"{len(place.contexts)} devices, as its first binding did")
        local = {d.name: tuple(d.shape) for d in inputs}
        shapes = {n: (s[0] * place.workers,) + s[1:] for n, s in local.items()}
        types = {d.name: d.dtype for d in inputs}
        # A rebind keeps the parameters: their shapes are given, not inferred.
        kept = {n: shared_exec.arg_dict[n].shape for n in self._param_names
                if n in shared_exec.arg_dict} if shared_exec is not None else {}
        try:
            exe = self._symbol.simple_bind(self._context[0], grad_req=self._reqs,
                                           type_dict=types, shared_exec=shared_exec,
                                           group2ctx=self._group2ctx, **kept, **shapes)
        except MXNetError as err:
            raise MXNetError(f"bind: the network does not accept input shapes {local}: "
                             f"{err}") from None
        if len(place.contexts) > 1 or place.workers > 1:
            for arrays in (exe.arg_dict, exe.grad_dict, exe.aux_dict):
                for name, arr in arrays.items():
                    if name in local:
                        zeros_ = jax.numpy.zeros(local[name], arr.dtype)
                        arr._write(place.place(zeros_, place.batch))
                    else:
                        arr._write(place.place(arr, place.replicated))
        return exe

    def _shardable(self, inputs):
        """Whether the batch of ``inputs`` can be sharded over the contexts: no group2ctx,
        an even work load, the batch is axis 0 of every input and splits evenly. Otherwise
        the module runs the whole batch on its first context (its groups' contexts with
        group2ctx), which computes the same."""
        devices = len(self._context)
        return self._group2ctx is None and len(set(self._work_load)) == 1 and all(
            DataDesc.get_batch_axis(d.layout) == 0 and d.shape[0] % devices == 0
            for d in inputs)

    def reshape(self, data_shapes, label_shapes=None):
        """Bind new input shapes, keeping the parameters."""
        self._check_bound("reshape")
        data = _descs(self._data_names, data_shapes, "data")
        label = _descs(self._label_names, label_shapes, "label") if label_shapes else []
        old = self._exec
        self._exec = self._bind_executor(data, label, shared_exec=old)
        self._data_shapes, self._label_shapes = data, label
        self._move_monitor(old)

    # --- optimizer -----------------------------------------------------------------------

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Set the optimizer; ``rescale_grad`` defaults to 1 / (batch size x workers)."""
        self._check_ready("init_optimizer")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        kv = kvstore_module.create(kvstore) if isinstance(kvstore, str) else kvstore
        if getattr(kv, "_compression", None) is not None:
            raise MXNetError("init_optimizer: the kvstore compresses gradients "
                             "(set_gradient_compression), which Module does not support: its "
                             "step reduces gradients inside one program; use gluon.Trainer "
                             "with compression_params")
        if kv is not None:
            placement = kv.placement(self._context)
            if placement.workers != self._placement.workers:
                self._span_workers(placement)
        batch_size = self._data_shapes[0].shape[0]
        if kv is not None and kv.type.startswith("dist"):
            batch_size *= kv.num_workers
        rescale_grad = 1.0 / batch_size
        idx2name = dict(enumerate(self._param_names))
        if isinstance(optimizer, str):
            params = dict(optimizer_params)
            params.setdefault("rescale_grad", rescale_grad)
            optimizer = opt.create(optimizer, sym=self._symbol, param_idx2name=idx2name,
                                   **params)
        elif not isinstance(optimizer, opt.Optimizer):
            raise MXNetError(f"init_optimizer: optimizer must be a name or an "
                             f"mx.optimizer.Optimizer, got {type(optimizer).__name__}")
        else:
            if optimizer.rescale_grad != rescale_grad:
                warnings.warn(f"Optimizer created manually outside Module but rescale_grad is "
                              f"not normalized to 1.0/batch_size/num_workers "
                              f"({optimizer.rescale_grad} vs. {rescale_grad}). Is this "
                              f"intended?", stacklevel=2)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kv
        self._update_on_kvstore = _updates_on_kvstore(
            kvstore, len(self._context),
            max(int(np.prod(a.shape)) for a in self._exec.arg_dict.values()))
        if kv is not None and len(self._context) > 1 and hasattr(kv, "_set_updater"):
            kv._set_updater(_StatesView(self))  # MXNet updates on such a store
        self._opt_states = {name: optimizer.init_state_multi_precision(
            self._exec.arg_dict[name].asjax()) for name in self._trainable()}
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Nothing to pull: the parameters stay on the devices. As MXNet, a
        ``sparse_row_id_fn`` without a store that updates the parameters is a warning."""
        self._check_bound("prepare")
        if sparse_row_id_fn is not None and not self._update_on_kvstore:
            warnings.warn(UserWarning("Parameters are not updated in the KVStore. No need to "
                                      "call sparse_row_id_fn."))

    def _span_workers(self, placement):
        """Rebind by the store's ``placement``, over every dist_sync worker's devices: one
        SPMD program whose gradient all-reduce crosses processes; the parameters start
        from worker 0's."""
        self.get_params()
        old = self._exec
        self._placement = placement
        self._exec = self._bind_executor(self._data_shapes, self._label_shapes)
        self._copy_params_to_devices()
        self._move_monitor(old)

    def borrow_optimizer(self, shared_module):
        """Use ``shared_module``'s optimizer and its states."""
        if not shared_module.optimizer_initialized:
            raise MXNetError("borrow_optimizer: the shared module has no optimizer")
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._opt_states = shared_module._opt_states
        self.optimizer_initialized = True

    def _trainable(self):
        """The parameters that get gradients (and optimizer updates), sorted by name as
        jit orders a dict's entries."""
        return self._trained

    @x64.x64
    def _optimizer_inputs(self):
        """Host bookkeeping of one update of the trained parameters, in ``_trainable()``
        order: ``Optimizer.step_inputs``' array, replicated on the module's devices (the
        last copy while its values repeat)."""
        place = self._placement
        if self._inputs_transfer is None or self._inputs_transfer[0] is not place:
            self._inputs_transfer = (place, StepInputsTransfer(
                lambda inputs: place.place(jax.numpy.asarray(inputs), place.replicated)))
        return self._inputs_transfer[1](self._optimizer.step_inputs(self._trained_indices))

    @property
    def _updater(self):
        """The optimizer states seen as MXNet's Updater (``states``: index -> state)."""
        self._check_optimizer("_updater")
        return _StatesView(self)

    def _indexed_states(self):
        """param index -> optimizer state, NDArrays on the first context."""
        ctx, place = self._context[0], self._placement
        return {self._param_names.index(name): jax.tree_util.tree_map(
            lambda a: NDArray(place.local(a), ctx), state)
            for name, state in self._opt_states.items()}

    def _set_indexed_states(self, states, origin="the given states"):
        for name in self._opt_states:
            index = self._param_names.index(name)
            if index not in states:
                raise MXNetError(f"load_optimizer_states: {origin} has no state for {name!r}")
            self._opt_states[name] = self._placement.replicate(states[index])

    def save_optimizer_states(self, fname):
        """Write the optimizer states as MXNet's Updater pickles them (index -> state)."""
        file_format.write_bytes_atomic(fname, self._updater.get_states())

    def load_optimizer_states(self, fname):
        """Read optimizer states written by save_optimizer_states."""
        self._check_optimizer("load_optimizer_states")
        updater = opt.get_updater(self._optimizer)
        updater.set_states(file_format.read_bytes(fname))
        self._set_indexed_states(updater.states, fname)

    def _check_optimizer(self, what):
        if not self.optimizer_initialized:
            raise MXNetError(f"{what}: call init_optimizer first")

    # --- computing -----------------------------------------------------------------------

    def _load_batch(self, data_batch):
        """Copy the batch into the executor's inputs, rebinding for new shapes."""
        data = data_batch.data
        if len(data) != len(self._data_names):
            raise MXNetError(f"forward: the batch has {len(data)} data arrays for data names "
                             f"{self._data_names}")
        labels = (data_batch.label or []) if self._label_shapes else []
        if self._label_shapes and len(labels) != len(self._label_names):
            raise MXNetError(f"forward: the batch has {len(labels)} label arrays for label "
                             f"names {self._label_names}")
        inputs = [*data, *labels]
        if any(value.shape != tuple(desc.shape) for value, desc in
               zip(inputs, self._data_shapes + self._label_shapes)):
            self.reshape([(n, a.shape) for n, a in zip(self._data_names, data)],
                         [(n, a.shape) for n, a in zip(self._label_names, labels)] or None)
        arg_dict, batch = self._exec.arg_dict, self._placement.batch
        for name, value in zip(self._input_names, inputs):
            self._write_into(arg_dict[name], value, batch)

    def forward(self, data_batch, is_train=None):
        """Run the network on ``data_batch`` (training mode by default if bound for it)."""
        self._check_ready("forward")
        if is_train is None:
            is_train = self.for_training
        if is_train and not self.for_training:
            raise MXNetError("forward: is_train=True needs a module bound with "
                             "for_training=True")
        self._load_batch(data_batch)
        self._exec.forward(is_train=is_train)
        if is_train:
            self._params_dirty = True

    def backward(self, out_grads=None):
        """Gradients of the last training forward."""
        self._check_ready("backward")
        if not self.for_training:
            raise MXNetError("backward: the module is bound with for_training=False")
        if out_grads is not None:
            out_grads = [self._placement.place(g, self._placement.batch)
                         for g in _as_list(out_grads)]
            out_grads = [NDArray(g, self._context[0]) for g in out_grads]
        self._exec.backward(out_grads)

    def update(self):
        """Apply the optimizer to the gradients of the last backward."""
        self._check_ready("update")
        self._check_optimizer("update")
        new_states = self._exec.apply_update(self._optimizer, self._opt_states,
                                             self._optimizer_inputs())
        self._opt_states.update(new_states)  # in place: modules borrowing them see it
        self._params_dirty = True

    @logs_compiles(lambda module: f"the training step for {module._describe_shapes()}")
    @x64.x64
    def _train_step(self, data_batch):
        """forward, backward and update as one compiled program (see the module doc)."""
        if not self._fusable():
            return super()._train_step(data_batch)
        self._load_batch(data_batch)
        exe = self._exec
        place = self._placement
        hyper = self._optimizer_inputs()
        rng = exe.next_rng_data()
        if place.workers > 1 and rng is not None:  # a program spanning workers takes
            rng = place.place(rng, place.replicated)  # global inputs only
        if not exe.programs.has_fused_step(self._optimizer):
            compile_logger.info("compiling the training step for %s (the next batch waits "
                                "for it)", self._describe_shapes())
        new_states = exe.fused_step(self._optimizer, self._opt_states, hyper, rng)
        self._opt_states.update(new_states)  # in place: modules borrowing them see it
        place.queued(exe.outputs[0].asjax())
        self._params_dirty = True

    def _fusable(self):
        """Whether a training step can run as one program: an optimizer is set, no
        monitor watches, no gradient accumulates, and every head is a loss."""
        return (self.optimizer_initialized and self._monitor is None
                and self._group2ctx is None and self._steps_fusable)

    def _describe_shapes(self):
        return describe_shapes([(d.name, d.shape) for d in self._data_shapes])

    def get_outputs(self, merge_multi_context=True):
        """The outputs of the last forward: merged on the first context, or per context."""
        self._check_ready("get_outputs")
        return self._gathered(self._exec.outputs, merge_multi_context, self._output_axes)

    def get_input_grads(self, merge_multi_context=True):
        """Gradients of the data inputs (bind with inputs_need_grad=True); None for an
        input whose grad_req is 'null'."""
        self._check_ready("get_input_grads")
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True first")
        grads = [self._exec.grad_dict.get(n) for n in self._data_names]
        axes = [DataDesc.get_batch_axis(d.layout)
                for d, g in zip(self._data_shapes, grads) if g is not None]
        gathered = self._gathered([g for g in grads if g is not None], merge_multi_context, axes)
        return [None if g is None else gathered.pop(0) for g in grads]

    def _gathered(self, arrays, merge, axes):
        """This worker's part of ``arrays``: merged on the first context, or per context,
        split along each array's batch axis in ``axes`` as MXNet splits the batch."""
        place = self._placement
        if len(self._context) == 1 and place.workers == 1:
            return arrays if merge else [[a] for a in arrays]
        first = self._context[0]
        if merge:
            return [NDArray(place.local(a.asjax()), first) for a in arrays]
        if len(place.contexts) == 1:  # the whole batch ran on the first context
            return [_split_by_context(a, max(axis, 0), self._context, self._work_load)
                    for a, axis in zip(arrays, axes)]
        by_device = {c.jax_device: c for c in self._context}
        return [[NDArray(s.data, by_device[s.device]) for s in place.shards(a.asjax())]
                for a in arrays]

    def get_states(self, merge_multi_context=True):
        """The state inputs (``state_names``): merged, or per context."""
        self._check_ready("get_states")
        return self._gathered([self._exec.arg_dict[n] for n in self._state_names],
                              merge_multi_context, [0] * len(self._state_names))

    def set_states(self, states=None, value=None):
        """Set the state inputs from ``states`` (per state: the whole batch, or a list of
        per-context parts as ``get_states(merge_multi_context=False)`` gives), or fill them
        with the scalar ``value``."""
        self._check_ready("set_states")
        if (states is None) == (value is None):
            raise MXNetError("set_states: give exactly one of states and value")
        place = self._placement
        for i, name in enumerate(self._state_names):
            target = self._exec.arg_dict[name]
            if states is None:
                data = jax.numpy.full(target.shape, value, target.dtype)
            else:
                parts = states[i] if isinstance(states[i], (list, tuple)) else [states[i]]
                data = jax.numpy.concatenate([x64.device_put(p.asjax(), place.contexts[0]
                                                             .jax_device) for p in parts])
            if tuple(data.shape) != target.shape:
                raise MXNetError(f"set_states: state {name!r} has shape "
                                 f"{tuple(data.shape)}, expected {target.shape}")
            self._write_into(target, data, place.batch)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Update ``eval_metric`` with the last outputs against ``labels``."""
        self._update_metric_with(eval_metric, labels, self.get_outputs())

    def _move_monitor(self, old_exec):
        """Watch the new executor instead of ``old_exec`` with the installed monitor; a
        callback set on ``old_exec`` directly stays set (MXNet's executor reshape)."""
        if old_exec.monitor_callback is not None:
            self._exec.set_monitor_callback(*old_exec.monitor_callback)
        if self._monitor is not None:
            if old_exec in self._monitor.exes:
                self._monitor.exes.remove(old_exec)
            self._monitor.install(self._exec)

    def install_monitor(self, mon):
        """Install a monitor (``mx.monitor.Monitor``) on the executor."""
        self._check_bound("install_monitor")
        self._monitor = mon
        mon.install(self._exec)


def _updates_on_kvstore(kvstore, num_devices, largest_param):
    """Whether MXNet 1.9.1's Module would update the parameters in the kvstore: given a
    KVStore, or a name for several devices or a dist store, with parameters of at most 16M
    elements for 'local', unless MXNET_UPDATE_ON_KVSTORE=0."""
    if kvstore is None or getenv("MXNET_UPDATE_ON_KVSTORE") == "0":
        return False
    if not isinstance(kvstore, str):
        return True
    if num_devices == 1 and "dist" not in kvstore:
        return False
    return kvstore != "local" or largest_param <= 1024 * 1024 * 16

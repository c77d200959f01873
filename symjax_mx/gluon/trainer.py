"""`Trainer`: applies an optimizer to a set of Parameters, reducing gradients across
contexts through a KVStore, as MXNet 1.9.1's ``gluon.Trainer``.

Sparse parameters follow MXNet: row_sparse weights live in the KVStore (always created,
always updating), which the parameters read with ``row_sparse_data``; row_sparse
gradients of dense weights are pushed and pulled back as gradients (or, with
``update_on_kvstore``, pulled as weights) and updated lazily by the optimizer."""
import os

from .. import kv as kvs, optimizer as opt
from ._fused_update import FusedUpdate
from .parameter import Parameter, ParameterDict

__all__ = ["Trainer"]


def _create_kvstore(kvstore, num_device, params):
    """(KVStore or None, whether the store runs the optimizer) for dense weights, as MXNet
    chooses them."""
    update_on_kvstore = bool(int(os.getenv("MXNET_UPDATE_ON_KVSTORE", "1")))
    if kvstore is None:
        store = None
    elif isinstance(kvstore, kvs.KVStoreBase):
        store = kvstore
    elif isinstance(kvstore, str):
        if num_device == 1 and "dist" not in kvstore:
            store = None
        else:
            store = kvs.create(kvstore)
            if kvstore == "local" and max(_arrays(p)[0].size
                                          for p in params) > 1024 * 1024 * 16:
                update_on_kvstore = False
    else:
        raise TypeError("kvstore must be KVStore, str or None")
    return store, update_on_kvstore and store is not None


def _create_sparse_kvstore(kvstore):
    """The KVStore for row_sparse weights, which always runs the optimizer."""
    if isinstance(kvstore, kvs.KVStoreBase):
        store = kvstore
    elif isinstance(kvstore, str):
        store = kvs.create(kvstore)
    else:
        raise TypeError(f"Cannot create '{kvstore}' KVStore with row_sparse parameters. The "
                        "type must be KVStore or str.")
    if not store.is_capable(kvs.KVStoreBase.OPTIMIZER):
        raise AssertionError("KVStore with sparse weight requires optimizer support. However, "
                             "type(kv) does not support optimizer. Please consider other "
                             "kvstore backends (e.g. dist_device) instead.")
    return store


def _arrays(param):
    """A parameter's copies, whatever its storage type."""
    return param._check_and_get(param._data, list)


class Trainer:
    """Updates ``params`` (a ParameterDict, dict or list of Parameters) with ``optimizer``
    (a name with ``optimizer_params``, or an Optimizer)."""

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device",
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            params = [params[key] for key in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise ValueError("First argument must be a list or dict of Parameters, got "
                             f"{type(params)}.")
        self._params = []
        self._param2idx = {}
        for index, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got "
                                 f"list of {type(param)}.")
            self._param2idx[param.name] = index
            self._params.append(param)
            param._set_trainer(self)
        self._contains_sparse_weight = any(p._stype != "default" for p in self._params)
        self._contains_sparse_grad = any(p._grad_stype != "default" for p in self._params)
        self._compression_params = compression_params
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad
        self._kvstore_params = {"kvstore": kvstore, "update_on_kvstore": update_on_kvstore}
        self._reset_kvstore()

    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and contexts != ctx:
                raise AssertionError(f"All Parameters must be initialized on the same set of "
                                     f"contexts, but Parameter {param.name} is initialized on "
                                     f"{ctx} while previous Parameters are initialized on "
                                     f"{contexts}.")
            contexts = ctx
        return contexts

    def _init_optimizer(self, optimizer, optimizer_params):
        param_dict = dict(enumerate(self._params))
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise AssertionError("optimizer_params must be None if optimizer is an "
                                     "instance of Optimizer instead of str")
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        else:
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        self._updaters = [opt.get_updater(self._optimizer) for _ in self._contexts or [None]]
        self._fused_update = FusedUpdate()

    def _reset_kvstore(self):
        if self._kvstore_initialized_as_dist():
            raise RuntimeError("Cannot reset distributed KVStore.")
        self._kv_initialized = False
        self._kvstore = None
        self._distributed = None
        self._update_on_kvstore = None
        self._params_to_init = list(self._params)

    def _kvstore_initialized_as_dist(self):
        store = getattr(self, "_kvstore", None)
        return store is not None and "dist" in store.type

    def _init_kvstore(self):
        config = self._kvstore_params
        if self._contains_sparse_weight:
            store, update_on_kvstore = _create_sparse_kvstore(config["kvstore"]), True
            self._distributed = "dist" in store.type
            if config["update_on_kvstore"] is False:
                raise ValueError("Cannot set update_on_kvstore=False when sparse weights are "
                                 "present.")
        elif self._contains_sparse_grad:
            store, _ = _create_kvstore(config["kvstore"], len(self._contexts), self._params)
            self._distributed = store is not None and "dist" in store.type
            update_on_kvstore = self._distributed
            if config["update_on_kvstore"] is not None:
                if config["update_on_kvstore"] is False and self._distributed:
                    raise ValueError("Cannot set update_on_kvstore=False on dist kvstore when "
                                     "sparse gradients are present.")
                update_on_kvstore = config["update_on_kvstore"]
            if store is not None and not isinstance(store, kvs.KVStore):
                raise ValueError(f"Cannot use {type(store)} for multi-device training with "
                                 "sparse gradients")
        else:
            store, update_on_kvstore = self._dense_kvstore(config)
        if store is not None:
            if self._compression_params:
                store.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                store.set_optimizer(self._optimizer)
            self._kvstore = store
            self._update_on_kvstore = update_on_kvstore
        else:
            self._kvstore = None
            self._update_on_kvstore = None
        self._kv_initialized = True

    def _dense_kvstore(self, config):
        """(store, update_on_kvstore) when every weight and gradient is dense."""
        store, update_on_kvstore = _create_kvstore(config["kvstore"], len(self._contexts),
                                                   self._params)
        self._distributed = store is not None and "dist" in store.type
        if self._distributed and "async" in store.type:
            update_on_kvstore = True
            if config["update_on_kvstore"] is False:
                raise ValueError("Please set update_on_kvstore=True when training in async "
                                 "mode.")
        if config["update_on_kvstore"] is not None:
            update_on_kvstore = config["update_on_kvstore"]
        if update_on_kvstore and not store.is_capable(kvs.KVStoreBase.OPTIMIZER):
            if config["update_on_kvstore"]:
                raise ValueError("Please set update_on_kvstore=False when training with "
                                 f"{type(store)}")
            update_on_kvstore = False
        return store, update_on_kvstore

    def _init_params(self):
        pending = []
        if self._kvstore is not None:
            for param in self._params_to_init:
                if param._deferred_init:
                    pending.append(param)
                    continue
                arrays, index = _arrays(param), self._param2idx[param.name]
                if param._stype != "default":
                    self._kvstore.init(index, arrays[0])
                else:
                    self._kvstore.broadcast(index, arrays[0], arrays)
        self._params_to_init = pending

    def _prepare(self):
        if not self._kv_initialized:
            self._init_kvstore()
        if self._params_to_init:
            self._init_params()

    def _row_sparse_pull(self, parameter, out, row_id, full_idx=False):
        """Pull the rows ``row_id`` of ``parameter`` from the store into ``out``; every row
        (``full_idx``) is a plain pull."""
        self._prepare()
        index = self._param2idx[parameter.name]
        if full_idx and "dist" not in self._kvstore.type:
            if row_id.size != out.shape[0]:
                raise AssertionError(f"row_sparse_pull of every row: {row_id.size} row ids for "
                                     f"{out.shape[0]} rows")
            self._kvstore.pull(index, out=out, priority=-index, ignore_sparse=False)
        else:
            self._kvstore.row_sparse_pull(index, out=out, row_ids=row_id, priority=-index)

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        return self._optimizer

    def set_learning_rate(self, lr):
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """Reduce gradients across contexts and update, scaling gradients by
        ``1 / batch_size``."""
        self._check_and_rescale_grad(self._scale / batch_size)
        self._prepare()
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Sum the gradients of every context (for ``update`` to use later)."""
        self._prepare()
        if self._kvstore and self._update_on_kvstore:
            raise AssertionError("allreduce_grads() when parameters are updated on kvstore is "
                                 "not supported. Try setting `update_on_kvstore` to False "
                                 "when creating trainer.")
        self._allreduce_grads()

    def update(self, batch_size, ignore_stale_grad=False):
        """The update half of ``step`` (after ``allreduce_grads``)."""
        self._prepare()
        if self._kvstore and self._update_on_kvstore:
            raise AssertionError("update() when parameters are updated on kvstore is not "
                                 "supported. Try setting `update_on_kvstore` to False when "
                                 "creating trainer.")
        self._check_and_rescale_grad(self._scale / batch_size)
        self._update(ignore_stale_grad)

    def _check_and_rescale_grad(self, scale):
        if self._update_on_kvstore and self._distributed and self._kv_initialized:
            if self._optimizer.rescale_grad != scale:
                raise UserWarning("Possible change in the `batch_size` from previous `step` "
                                  "detected. Optimizer gradient normalizing factor will not "
                                  "change w.r.t new batch_size when update_on_kvstore=True "
                                  "and when distributed kvstore is used.")
        self._optimizer.rescale_grad = scale

    def _allreduce_grads(self):
        if not self._kvstore:
            return
        for index, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            grads = param.list_grad()
            if grads[0].stype != "default":  # pushed, then pulled only into dense arrays
                self._kvstore.push(index, grads, priority=-index)
                if param._stype == "default":
                    self._kvstore.pull(index, param.list_data() if self._update_on_kvstore
                                       else grads, priority=-index,
                                       ignore_sparse=self._distributed)
            elif self._update_on_kvstore:
                self._kvstore.pushpull(index, grads, out=_arrays(param), priority=-index)
            else:
                self._kvstore.pushpull(index, grads, priority=-index)

    def _update(self, ignore_stale_grad=False):
        updates = [[] for _ in self._updaters]
        on_kvstore = self._kvstore and self._update_on_kvstore
        for index, param in enumerate(self._params):
            if param.grad_req == "null":
                continue
            datas = _arrays(param)
            if not ignore_stale_grad:
                for data in datas:
                    if not data._fresh_grad:
                        raise UserWarning(
                            f"Gradient of Parameter `{param.name}` on context {data.context} "
                            "has not been updated by backward since last `step`. This could "
                            "mean a bug in your model that made it only use a subset of the "
                            "Parameters (Blocks) for this iteration. If you are intentionally "
                            "only using a subset, call step with ignore_stale_grad=True to "
                            "suppress this warning and skip updating of Parameters with "
                            "stale gradient")
            if on_kvstore:
                for data in datas:
                    data._fresh_grad = False
                continue
            for pending, data, grad in zip(updates, datas, param.list_grad()):
                if not ignore_stale_grad or data._fresh_grad:
                    pending.append((index, grad, data))
                    data._fresh_grad = False
        if on_kvstore:
            return
        for updater, pending in zip(self._updaters, updates):
            if pending:
                indices, grads, weights = zip(*pending)
                self._fused_update(updater, list(indices), list(grads), list(weights))

    def save_states(self, fname):
        """Save the optimizer and its states (momentum ...) to ``fname``."""
        self._prepare()
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname, dump_optimizer=True)
        else:
            with open(fname, "wb") as fout:
                fout.write(self._updaters[0].get_states(dump_optimizer=True))

    def load_states(self, fname):
        """Load what ``save_states`` wrote; parameters keep their lr_mult / wd_mult."""
        self._prepare()
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
            self._optimizer = self._kvstore._updater.optimizer
        else:
            with open(fname, "rb") as fin:
                states = fin.read()
            for updater in self._updaters:
                updater.set_states(states)
                updater.optimizer = self._updaters[0].optimizer
            self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = dict(enumerate(self._params))

"""SVRGModule: a Module whose update uses the SVRG gradient
``g(w, batch) - g(w_snapshot, batch) + mean over the data of g(w_snapshot)``, the snapshot
and its full gradient being refreshed every ``update_freq`` epochs (MXNet's
contrib.svrg_optimization)."""
import logging

from ... import ndarray as nd
from ...context import cpu
from ...kv import create as kv_create
from ...module import Module
from .svrg_optimizer import _SVRGOptimizer

__all__ = ["SVRGModule"]


class SVRGModule(Module):
    """A Module trained with SVRG; an auxiliary module holds the snapshot weights."""

    _pipelined_fit = False  # fit's steps go through update(), never a fused step

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=cpu(), work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None, update_freq=None):
        super().__init__(symbol, data_names=data_names, label_names=label_names, logger=logger,
                         context=context, work_load_list=work_load_list,
                         fixed_param_names=fixed_param_names, state_names=state_names,
                         group2ctxs=group2ctxs, compression_params=compression_params)
        if not isinstance(update_freq, int):
            raise TypeError("update_freq in SVRGModule must be an integer to represent the "
                            "frequency for calculating full gradients")
        if update_freq <= 0:
            raise ValueError("update_freq in SVRGModule must be a positive integer to "
                             "represent the frequency for calculating full gradients")
        self.update_freq = update_freq
        self._mod_aux = Module(symbol, data_names, label_names, logger, context, work_load_list,
                               fixed_param_names, state_names, group2ctxs, compression_params)
        self._full_grads = None  # parameter name -> mean full gradient at the snapshot

    def _reset_bind(self):
        super()._reset_bind()
        self._mod_aux._reset_bind()

    def reshape(self, data_shapes, label_shapes=None):
        super().reshape(data_shapes, label_shapes=label_shapes)
        self._mod_aux.reshape(data_shapes, label_shapes=label_shapes)

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        super().bind(data_shapes, label_shapes, for_training, inputs_need_grad, force_rebind,
                     shared_module, grad_req)
        if for_training:
            self._mod_aux.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                               force_rebind, shared_module, grad_req)

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Install an _SVRGOptimizer around ``optimizer`` (created with
        ``optimizer_params``, as Module's) and zero the full gradients."""
        self._full_grads = {name: nd.zeros(value.shape, ctx=self._context[0])
                            for name, value in self.get_params()[0].items()}
        kv = kv_create(kvstore) if isinstance(kvstore, str) else kvstore
        params = dict(optimizer_params)
        if "rescale_grad" not in params:
            batch_size = self._data_shapes[0].shape[0]
            if kv is not None and kv.type.startswith("dist"):
                batch_size *= kv.num_workers
            params["rescale_grad"] = 1.0 / batch_size
        idx2name = dict(enumerate(self._param_names))
        idx2name.update((len(idx2name) + i, name + "_full")
                        for i, name in enumerate(self._full_grads))
        svrg = _SVRGOptimizer(optimizer, sym=self._symbol, param_idx2name=idx2name, **params)
        super().init_optimizer(kvstore=kvstore, optimizer=svrg, force_init=force_init)

    def forward(self, data_batch, is_train=None):
        """Forward the module, and the snapshot module too when ``is_train`` is True."""
        super().forward(data_batch, is_train)
        if is_train:
            self._mod_aux.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        super().backward(out_grads)
        if self._mod_aux.binded:
            self._mod_aux.backward(out_grads)

    def update(self):
        """Replace the gradients by SVRG's, then apply the optimizer."""
        grads, snapshot_grads = self._exec.grad_dict, self._mod_aux._exec.grad_dict
        for name in self._trainable():
            grads[name][:] = grads[name] - snapshot_grads[name] + self._full_grads[name]
        super().update()

    def update_full_grads(self, train_data):
        """Take the current weights as the snapshot and average its gradient over the
        batches of ``train_data`` (a padded last batch counts as a fraction)."""
        arg, aux = self.get_params()
        self._mod_aux.set_params(arg_params=arg, aux_params=aux)
        train_data.reset()
        nbatch = padding = 0
        for batch in train_data:
            self._mod_aux.forward(batch, is_train=True)
            self._mod_aux.backward()
            nbatch += 1
            for name in self._trainable():
                # as MXNet's, the sums start from the previous means, not from zero
                self._full_grads[name] = self._full_grads[name] + \
                    self._mod_aux._exec.grad_dict[name]
            padding = batch.pad
        true_num_batch = nbatch - padding / train_data.batch_size
        for name in self._trainable():
            self._full_grads[name] = self._full_grads[name] / true_num_batch

    def _begin_epoch(self, epoch, train_data):
        if epoch % self.update_freq == 0:
            self.update_full_grads(train_data)
        train_data.reset()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        super().prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self._mod_aux.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)

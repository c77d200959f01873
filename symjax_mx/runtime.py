"""Which of MXNet's build features this implementation provides (mxnet.runtime)."""
import collections

import jax

# MXNet's feature names, in libinfo's order; the value says whether this implementation
# provides the feature (a callable: decided when first asked).
_FEATURES = (
    ("CUDA", lambda: _has_gpu()), ("CUDNN", lambda: _has_gpu()), ("NCCL", False),
    ("CUDA_RTC", False), ("TENSORRT", False), ("CPU_SSE", True), ("CPU_SSE2", True),
    ("CPU_SSE3", True), ("CPU_SSE4_1", False), ("CPU_SSE4_2", False), ("CPU_SSE4A", False),
    ("CPU_AVX", False), ("CPU_AVX2", False), ("OPENMP", False), ("SSE", False), ("F16C", False),
    ("JEMALLOC", False), ("BLAS_OPEN", False), ("BLAS_ATLAS", False), ("BLAS_MKL", False),
    ("BLAS_APPLE", False), ("LAPACK", True), ("MKLDNN", False), ("OPENCV", False),
    ("CAFFE", False), ("PROFILER", False), ("DIST_KVSTORE", True), ("CXX14", False),
    ("INT64_TENSOR_SIZE", False), ("SIGNAL_HANDLER", False), ("DEBUG", False), ("TVM_OP", False),
)


def _has_gpu():
    try:
        return bool(jax.devices("gpu"))
    except RuntimeError:
        return False


class Feature(collections.namedtuple("Feature", ["name", "enabled"])):
    """A build feature: its ``name`` and whether it is ``enabled``."""

    def __repr__(self):
        return ("✔ " if self.enabled else "✖ ") + self.name


def feature_list():
    """Every feature, as Feature(name, enabled)."""
    return [Feature(name, bool(value() if callable(value) else value))
            for name, value in _FEATURES]


class Features(collections.OrderedDict):
    """Feature name -> Feature (one shared instance)."""
    instance = None

    def __new__(cls):
        if cls.instance is None:
            cls.instance = super().__new__(cls)
            super(Features, cls.instance).__init__((f.name, f) for f in feature_list())
        return cls.instance

    def __init__(self):  # filled once, in __new__
        pass

    def __repr__(self):
        return str(list(self.values()))

    def is_enabled(self, feature_name):
        """Whether ``feature_name`` is provided; RuntimeError for an unknown name."""
        feature_name = feature_name.upper()
        if feature_name not in self:
            raise RuntimeError(f"Feature '{feature_name}' is unknown, known features are: "
                               f"{list(self.keys())}")
        return self[feature_name].enabled

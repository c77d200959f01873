"""mx.io: NDArrayIter, ResizeIter, PrefetchingIter, CSVIter and MNISTIter.

Literal expectations marked "MXNet 1.9.1" were produced by running the same calls on
real MXNet 1.9.1.
"""
import gzip
import logging
import pickle
import shutil
import struct
import threading

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import io as mio
from symjax_mx.base import MXNetError

DATA = np.arange(20).reshape(10, 2)  # example i is [2i, 2i+1]
LABEL = np.arange(10) * 10


def _epochs(it, n, hard=False):
    """Per epoch: [(example ids, label ids, pad)] (ids recovered from DATA/LABEL values)."""
    out = []
    for _ in range(n):
        out.append([((b.data[0].asnumpy()[:, 0] / 2).astype(int).tolist(),
                     (b.label[0].asnumpy() / 10).astype(int).tolist() if b.label else None,
                     b.pad) for b in it])
        it.hard_reset() if hard else it.reset()
    return out


def _ids(epoch):
    return [(ids, pad) for ids, _, pad in epoch]


# ---------------------------------------------------------------- DataDesc, DataBatch, DataIter

def test_data_desc():
    d = mio.DataDesc("x", (2, 3))
    assert d == ("x", (2, 3)) and d.name == "x" and d.shape == (2, 3)
    assert d.dtype is np.float32 and d.layout == "NCHW"
    assert repr(d) == "DataDesc[x,(2, 3),<class 'numpy.float32'>,NCHW]"  # MXNet 1.9.1
    assert repr(mio.DataDesc("x", (2, 3), "float16", "NTC")) == "DataDesc[x,(2, 3),float16,NTC]"
    assert repr(pickle.loads(pickle.dumps(mio.DataDesc("x", (2,), np.int32, "NC")))) == \
        "DataDesc[x,(2,),<class 'numpy.int32'>,NC]"
    assert mio.DataDesc.get_batch_axis("TNC") == 1 and mio.DataDesc.get_batch_axis(None) == 0
    descs = mio.DataDesc.get_list([("a", (1, 2)), ("b", (3,))],
                                  [("a", np.int32), ("b", np.float16)])
    assert [(x.name, x.shape, x.dtype) for x in descs] == [("a", (1, 2), np.int32),
                                                          ("b", (3,), np.float16)]
    assert mio.DataDesc.get_list([("a", (1, 2))], None)[0].dtype is np.float32


def test_data_batch():
    batch = mio.DataBatch([mx.nd.ones((2, 3))], [mx.nd.ones(2)], pad=1)
    assert str(batch) == "DataBatch: data shapes: [(2, 3)] label shapes: [(2,)]"  # MXNet 1.9.1
    assert str(mio.DataBatch([mx.nd.ones((2, 3))])) == \
        "DataBatch: data shapes: [(2, 3)] label shapes: None"
    assert batch.index is None and batch.bucket_key is None and batch.provide_data is None
    with pytest.raises(AssertionError, match="Data must be list"):
        mio.DataBatch(mx.nd.ones(2))
    with pytest.raises(AssertionError, match="Label must be list"):
        mio.DataBatch([mx.nd.ones(2)], label=mx.nd.ones(2))


def test_custom_data_iter_uses_the_base_next():
    class Countdown(mio.DataIter):
        def __init__(self):
            super().__init__(batch_size=2)
            self.left = 2

        def iter_next(self):
            self.left -= 1
            return self.left >= 0

        def getdata(self):
            return [mx.nd.full((2,), self.left)]

        def getlabel(self):
            return None

        def getpad(self):
            return 0

    batches = list(Countdown())
    assert [b.data[0].asnumpy().tolist() for b in batches] == [[1, 1], [0, 0]]
    assert batches[0].index is None and batches[0].pad == 0
    base = mio.DataIter(5)
    assert base.batch_size == 5 and base.getindex() is None and base.getpad() is None
    with pytest.raises(StopIteration):
        base.next()


# ------------------------------------------------------------------------------ NDArrayIter

def test_ndarray_iter_pad_wraps_to_the_start():
    it = mio.NDArrayIter(DATA, LABEL, batch_size=3)
    assert it.num_data == 10 and it.cursor == -3
    assert it.provide_data == [("data", (3, 2))] and it.provide_label == [("softmax_label", (3,))]
    expected = [([0, 1, 2], [0, 1, 2], 0), ([3, 4, 5], [3, 4, 5], 0), ([6, 7, 8], [6, 7, 8], 0),
                ([9, 0, 1], [9, 0, 1], 2)]  # MXNet 1.9.1
    assert _epochs(it, 2) == [expected, expected]
    tiny = mio.NDArrayIter(DATA[:2], LABEL[:2], batch_size=5)
    assert _ids(_epochs(tiny, 1)[0]) == [([0, 1, 0, 1, 0], 3)]  # MXNet 1.9.1


def test_ndarray_iter_discard():
    it = mio.NDArrayIter(DATA, LABEL, batch_size=3, last_batch_handle="discard")
    epochs = _epochs(it, 2)
    assert epochs[0] == epochs[1] == [([0, 1, 2], [0, 1, 2], 0), ([3, 4, 5], [3, 4, 5], 0),
                                      ([6, 7, 8], [6, 7, 8], 0)]


def test_ndarray_iter_roll_over_carries_the_leftover_into_the_next_epoch():
    it = mio.NDArrayIter(DATA, LABEL, batch_size=3, last_batch_handle="roll_over")
    cursors = []
    epochs = []
    for _ in range(3):
        epochs.append(_ids([((b.data[0].asnumpy()[:, 0] / 2).astype(int).tolist(), None, b.pad)
                            for b in it]))
        cursors.append(it.cursor)
        it.reset()
    assert epochs == [  # MXNet 1.9.1
        [([0, 1, 2], 0), ([3, 4, 5], 0), ([6, 7, 8], 0)],
        [([9, 0, 1], 1), ([2, 3, 4], 0), ([5, 6, 7], 0)],
        [([8, 9, 0], 2), ([1, 2, 3], 0), ([4, 5, 6], 0), ([7, 8, 9], 0)]]
    assert cursors == [9, 8, 10]
    small = mio.NDArrayIter(DATA[:4], LABEL[:4], batch_size=3, last_batch_handle="roll_over")
    assert [_ids(e) for e in _epochs(small, 4)] == [  # MXNet 1.9.1
        [([0, 1, 2], 0)], [([3, 0, 1], 1)], [([2, 3, 0], 2), ([1, 2, 3], 0)], [([0, 1, 2], 0)]]
    small = mio.NDArrayIter(DATA[:4], LABEL[:4], batch_size=3, last_batch_handle="roll_over")
    assert [_ids(e) for e in _epochs(small, 2, hard=True)] == [[([0, 1, 2], 0)]] * 2


def test_ndarray_iter_getters_and_iter_next():
    it = mio.NDArrayIter(DATA, LABEL, batch_size=4)
    assert it.iter_next() and it.iter_next() and it.iter_next()
    assert it.getpad() == 2 and it.getindex() is None
    assert it.getdata()[0].asnumpy()[:, 0].tolist() == [16, 18, 0, 2]
    assert it.getlabel()[0].asnumpy().tolist() == [80, 90, 0, 10]
    assert not it.iter_next()


def test_ndarray_iter_shuffle_uses_numpy_global_rng():
    np.random.seed(0)
    it = mio.NDArrayIter(DATA, LABEL, batch_size=4, shuffle=True)
    epochs = _epochs(it, 2)
    assert [_ids(e) for e in epochs] == [  # MXNet 1.9.1
        [([2, 8, 4, 9], 0), ([1, 6, 7, 3], 0), ([0, 5, 2, 8], 2)],
        [([5, 7, 0, 1], 0), ([6, 2, 4, 3], 0), ([9, 8, 5, 7], 2)]]
    assert all(ids == labels for e in epochs for ids, labels, _ in e)
    np.random.seed(1)
    it = mio.NDArrayIter(DATA, LABEL, batch_size=4, shuffle=True, last_batch_handle="roll_over")
    assert [_ids(e) for e in _epochs(it, 3)] == [  # MXNet 1.9.1
        [([2, 9, 6, 4], 0), ([0, 3, 1, 7], 0)],
        [([8, 5, 3, 4], 2), ([0, 6, 8, 2], 0), ([1, 5, 9, 7], 0)],
        [([4, 0, 3, 5], 0), ([2, 1, 6, 7], 0)]]


def test_ndarray_iter_inputs_names_and_dtypes():
    it = mio.NDArrayIter({"b": DATA, "a": DATA * 2}, [LABEL, np.ones(10)], batch_size=4)
    assert [d.name for d in it.provide_data] == ["a", "b"]  # sorted, as MXNet
    assert [d.name for d in it.provide_label] == ["_0_softmax_label", "_1_softmax_label"]
    batch = it.next()
    assert [d.asnumpy()[:, 0].tolist() for d in batch.data] == [[0, 4, 8, 12], [0, 2, 4, 6]]
    assert batch.label[1].asnumpy().tolist() == [1, 1, 1, 1]
    assert batch.data[0].context == mx.cpu() and isinstance(batch.data[0], mx.nd.NDArray)
    # numpy input becomes float32; an NDArray keeps its dtype, except after a shuffle
    as_nd = mio.NDArrayIter(mx.nd.array(DATA, dtype="int32"),
                            mx.nd.array(LABEL, dtype="int64"), batch_size=4)
    assert [d.dtype for d in as_nd.provide_data + as_nd.provide_label] == [np.int32, np.int64]
    assert as_nd.next().data[0].dtype == np.int32
    shuffled = mio.NDArrayIter(mx.nd.array(DATA, dtype="int32"), batch_size=4, shuffle=True)
    assert shuffled.provide_data[0].dtype is np.float32  # MXNet 1.9.1
    plain = mio.NDArrayIter(DATA.astype(np.float64), batch_size=4)
    assert plain.provide_data[0].dtype is np.float32 and plain.provide_label == []
    assert plain.next().label == []
    listed = mio.NDArrayIter([[1, 2, 3], [4, 5, 6]], batch_size=2, data_name="x")
    assert [d.name for d in listed.provide_data] == ["_0_x", "_1_x"] and listed.num_data == 3


def test_ndarray_iter_layout_batch_axis():
    it = mio.NDArrayIter(np.arange(24).reshape(2, 6, 2), batch_size=4, layout="TNC",
                         last_batch_handle="discard")
    assert it.provide_data[0].shape == (2, 4, 2) and it.provide_data[0].layout == "TNC"
    batches = list(it)
    assert len(batches) == 1 and batches[0].data[0].asnumpy()[0, :, 0].tolist() == [0, 2, 4, 6]


def test_ndarray_iter_longer_label_uses_its_leading_examples():
    it = mio.NDArrayIter(DATA, {"label": np.arange(20), "w": np.arange(20) * 2}, batch_size=4)
    assert it.num_data == 10 and [d.shape for d in it.provide_label] == [(4,), (4,)]
    batches = list(it)
    assert [b.label[0].asnumpy().tolist() for b in batches] == [
        [0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 0, 1]]
    assert batches[-1].label[1].asnumpy().tolist() == [16, 18, 0, 2] and batches[-1].pad == 2


def test_ndarray_iter_copies_its_inputs_and_each_batch():
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    source = mx.nd.array(data)
    it = mio.NDArrayIter({"a": data, "b": source}, batch_size=2, last_batch_handle="discard")
    data[:] = -1          # MXNet's iterator keeps the values it was given
    source[:] = -1
    first = it.next()
    first.data[0][:] = 100  # a batch is its own array: the iterator's data is unchanged
    it.reset()
    again = it.next()
    assert again.data[0].asnumpy().tolist() == again.data[1].asnumpy().tolist() == [
        [0.0, 1.0], [2.0, 3.0]]
    assert again.data[0].context == mx.cpu()


def test_ndarray_iter_bad_inputs():
    with pytest.raises(MXNetError, match="softmax_label has 7 examples but data has 10"):
        mio.NDArrayIter(DATA, np.arange(7), batch_size=3)
    with pytest.raises(ValueError, match="last_batch_handle"):
        mio.NDArrayIter(DATA, batch_size=3, last_batch_handle="foo")
    with pytest.raises(MXNetError, match="batch_size 11 is larger than the 10 examples"):
        mio.NDArrayIter(DATA, batch_size=11, last_batch_handle="discard")
    with pytest.raises(MXNetError, match="batch_size must be positive"):
        mio.NDArrayIter(DATA, batch_size=0)
    with pytest.raises(AssertionError):
        mio.NDArrayIter(None)
    with pytest.raises(AssertionError):
        mio.NDArrayIter([])
    with pytest.raises(TypeError, match="Input must be NDArray"):
        mio.NDArrayIter("abc")
    with pytest.raises(TypeError, match="Invalid type"):
        mio.NDArrayIter({"a": object()})


# ----------------------------------------------------------------- ResizeIter, PrefetchingIter

def test_resize_iter():
    it = mio.ResizeIter(mio.NDArrayIter(DATA, LABEL, batch_size=4), 5)
    assert it.batch_size == 4 and it.provide_data == [("data", (4, 2))]
    epoch = [([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0), ([8, 9, 0, 1], 2), ([0, 1, 2, 3], 0),
             ([4, 5, 6, 7], 0)]  # MXNet 1.9.1
    assert [_ids(e) for e in _epochs(it, 2)] == [epoch, epoch]
    it = mio.ResizeIter(mio.NDArrayIter(DATA, LABEL, batch_size=4), 2, reset_internal=False)
    assert [_ids(e) for e in _epochs(it, 3)] == [  # MXNet 1.9.1
        [([0, 1, 2, 3], 0), ([4, 5, 6, 7], 0)], [([8, 9, 0, 1], 2), ([0, 1, 2, 3], 0)],
        [([4, 5, 6, 7], 0), ([8, 9, 0, 1], 2)]]


def test_prefetching_iter_joins_and_renames():
    it1 = mio.NDArrayIter(DATA, LABEL, batch_size=4)
    it2 = mio.NDArrayIter({"data": DATA * 10}, {"lab": np.arange(10) + 100}, batch_size=4)
    p = mio.PrefetchingIter([it1, it2], rename_data=[{"data": "d1"}, {"data": "d2"}])
    assert p.batch_size == 4
    assert repr(p.provide_data) == ("[DataDesc[d1,(4, 2),<class 'numpy.float32'>,NCHW], "
                                    "DataDesc[d2,(4, 2),<class 'numpy.float32'>,NCHW]]")
    assert [d.name for d in p.provide_label] == ["softmax_label", "lab"]
    for _ in range(2):
        batches = list(p)
        p.reset()
        assert [b.data[1].asnumpy()[:, 0].tolist() for b in batches] == [
            [0, 20, 40, 60], [80, 100, 120, 140], [160, 180, 0, 20]]  # MXNet 1.9.1
        assert [b.label[1].asnumpy().tolist() for b in batches][2] == [108, 109, 100, 101]
        assert [b.pad for b in batches] == [0, 0, 2] and batches[0].provide_data == p.provide_data
    single = mio.PrefetchingIter(mio.NDArrayIter(DATA, batch_size=3, last_batch_handle="roll_over"))
    assert [_ids(e) for e in _epochs(single, 2)] == [  # MXNet 1.9.1
        [([0, 1, 2], 0), ([3, 4, 5], 0), ([6, 7, 8], 0)],
        [([9, 0, 1], 1), ([2, 3, 4], 0), ([5, 6, 7], 0)]]
    assert single.iter_next() and single.getpad() == 2 and single.getlabel() == []


class _Failing(mio.DataIter):
    """Yields ``good`` batches, then raises."""

    def __init__(self, good):
        super().__init__(2)
        self.good = self.left = good
        self.provide_data = [mio.DataDesc("data", (2,))]
        self.provide_label = []
        self.threads = set()

    def reset(self):
        self.left = self.good

    def next(self):
        self.threads.add(threading.current_thread().name)
        if self.left == 0:
            raise RuntimeError("disk on fire")
        self.left -= 1
        return mio.DataBatch([mx.nd.zeros(2)], [], pad=0)


def test_prefetching_iter_propagates_worker_errors():
    source = _Failing(good=1)
    p = mio.PrefetchingIter(source)
    assert p.next().data[0].shape == (2,)
    with pytest.raises(RuntimeError, match="disk on fire"):
        p.next()
    with pytest.raises(RuntimeError, match="disk on fire"):
        p.next()
    p.reset()
    assert p.next().pad == 0
    assert threading.current_thread().name not in source.threads  # fetched in the background


def test_prefetching_iter_mismatched_lengths():
    p = mio.PrefetchingIter([mio.NDArrayIter(DATA, batch_size=5),
                             mio.NDArrayIter(DATA, batch_size=2)])
    p.next()
    p.next()
    with pytest.raises(AssertionError, match="mismatches"):
        p.next()


# -------------------------------------------------------------------------------------- CSVIter

@pytest.fixture
def csv_files(tmp_path):
    (tmp_path / "d.csv").write_text("1,2,3\n2,3,4\n3,4,5\n4,5,6\n")
    (tmp_path / "l.csv").write_text("10\n20\n30\n40\n")
    return tmp_path


def _csv_epochs(it, n):
    out = []
    for _ in range(n):
        out.append([(b.data[0].asnumpy()[:, 0].astype(int).tolist(),
                     b.label[0].asnumpy().astype(int).tolist(), b.pad,
                     b.index.tolist()) for b in it])
        it.reset()
    return out


def test_csv_iter_round_batch(csv_files):
    it = mio.CSVIter(data_csv=str(csv_files / "d.csv"), data_shape=(3,),
                     label_csv=str(csv_files / "l.csv"), batch_size=3)
    assert it.batch_size == 3
    assert repr(it.provide_data + it.provide_label) == (
        "[DataDesc[data,(3, 3),<class 'numpy.float32'>,NCHW], "
        "DataDesc[softmax_label,(3,),<class 'numpy.float32'>,NCHW]]")  # MXNet 1.9.1
    assert _csv_epochs(it, 3) == [  # MXNet 1.9.1 (first column of each row)
        [([1, 2, 3], [10, 20, 30], 0, [0, 1, 2]), ([4, 1, 2], [40, 10, 20], 2, [3, 0, 1])],
        [([3, 4, 1], [30, 40, 10], 1, [2, 3, 0])],
        [([2, 3, 4], [20, 30, 40], 0, [1, 2, 3])]]
    big = mio.CSVIter(data_csv=str(csv_files / "d.csv"), data_shape=(3,), batch_size=6)
    assert [[(d, p, i) for d, _, p, i in e] for e in _csv_epochs(big, 2)] == [  # MXNet 1.9.1
        [([1, 2, 3, 4, 1, 2], 2, [0, 1, 2, 3, 0, 1])],
        [([3, 4, 1, 2, 3, 4], 4, [2, 3, 0, 1, 2, 3])]]
    with pytest.raises(MXNetError, match="round_batch"):
        mio.CSVIter(data_csv=str(csv_files / "d.csv"), data_shape=(3,), batch_size=10).next()


def test_csv_iter_without_round_batch_keeps_stale_padding(csv_files):
    it = mio.CSVIter(data_csv=str(csv_files / "d.csv"), data_shape=(3,),
                     label_csv=str(csv_files / "l.csv"), batch_size=3, round_batch=False)
    epoch = [([1, 2, 3], [10, 20, 30], 0, [0, 1, 2]),
             ([4, 2, 3], [40, 20, 30], 2, [3, 1, 2])]  # MXNet 1.9.1
    assert _csv_epochs(it, 2) == [epoch, epoch]
    rows = mio.CSVIter(data_csv=str(csv_files / "d.csv"), data_shape=(3,), batch_size=2)
    assert rows.next().data[0].asnumpy().tolist() == [[1, 2, 3], [2, 3, 4]]


def test_csv_iter_shapes_dtypes_and_names(csv_files):
    d = str(csv_files / "d.csv")
    (csv_files / "l2.csv").write_text("0,1\n10,11\n20,21\n30,31\n")
    cases = {(2,): ((2, 2), [[0, 1], [10, 11]]), (1, 2): ((2,), [0, 1]),  # MXNet 1.9.1
             (2, 1): ((2, 2, 1), [[[0], [1]], [[10], [11]]])}
    for label_shape, (shape, value) in cases.items():
        it = mio.CSVIter(data_csv=d, data_shape=(3,), label_csv=str(csv_files / "l2.csv"),
                         label_shape=label_shape, batch_size=2)
        assert it.provide_label[0].shape == shape
        assert it.next().label[0].asnumpy().tolist() == value
    it = mio.CSVIter(data_csv=d, data_shape=(1, 3), batch_size=2, dtype="int32",
                     data_name="x", label_name="y", prefetch_buffer=2, ctx="cpu")
    assert repr(it.provide_data + it.provide_label) == (
        "[DataDesc[x,(2, 1, 3),<class 'numpy.int32'>,NCHW], "
        "DataDesc[y,(2,),<class 'numpy.int32'>,NCHW]]")  # MXNet 1.9.1
    batch = it.next()
    assert batch.data[0].dtype == np.int32 and batch.data[0].shape == (2, 1, 3)
    assert batch.label[0].asnumpy().tolist() == [0, 0]
    folder = csv_files / "parts"
    folder.mkdir()
    (folder / "a.csv").write_text("1,2,3\n")
    (folder / "b.csv").write_text("4,5,6\n7,8,9\n")
    whole = mio.CSVIter(data_csv=str(folder), data_shape=(3,), batch_size=3).next()
    assert whole.data[0].asnumpy().tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_csv_iter_bad_inputs(csv_files):
    d = str(csv_files / "d.csv")
    with pytest.raises(MXNetError, match="nope.csv"):
        mio.CSVIter(data_csv=str(csv_files / "nope.csv"), data_shape=(3,), batch_size=2)
    with pytest.raises(MXNetError, match=r"have 3 values, but data_shape=\(4,\) needs 4"):
        mio.CSVIter(data_csv=d, data_shape=(4,), batch_size=2)
    (csv_files / "short.csv").write_text("10\n20\n")
    with pytest.raises(MXNetError, match="label_csv has 2 rows, fewer than the 4 rows"):
        mio.CSVIter(data_csv=d, data_shape=(3,), label_csv=str(csv_files / "short.csv"),
                    batch_size=2)
    (csv_files / "ragged.csv").write_text("1,2,3\n2,3\n")
    with pytest.raises(MXNetError, match="ragged.csv"):
        mio.CSVIter(data_csv=str(csv_files / "ragged.csv"), data_shape=(3,), batch_size=1)
    with pytest.raises(MXNetError, match="float64 is not supported for CSVIter"):
        mio.CSVIter(data_csv=d, data_shape=(3,), batch_size=1, dtype="float64")
    with pytest.raises(MXNetError, match="Required parameter batch_size"):
        mio.CSVIter(data_csv=d, data_shape=(3,))
    with pytest.raises(TypeError):
        mio.CSVIter(d, (3,), batch_size=1)


# ------------------------------------------------------------------------------------ MNISTIter

def _write_mnist(folder, n=10, compress=False):
    images = (np.arange(n * 28 * 28) % 256).astype(np.uint8).reshape(n, 28, 28)
    images[:, 0, 0] = np.arange(n) * 10  # image i starts with pixel 10 * i
    labels = (np.arange(n) % 10).astype(np.uint8)
    opener = gzip.open if compress else open
    suffix = ".gz" if compress else ""
    with opener(folder / f"img{suffix}", "wb") as f:
        f.write(struct.pack(">iiii", 2051, n, 28, 28) + images.tobytes())
    with opener(folder / f"lab{suffix}", "wb") as f:
        f.write(struct.pack(">ii", 2049, n) + labels.tobytes())
    return str(folder / f"img{suffix}"), str(folder / f"lab{suffix}")


def test_mnist_iter(tmp_path):
    image, label = _write_mnist(tmp_path)
    it = mio.MNISTIter(image=image, label=label, batch_size=3, shuffle=False, silent=True)
    assert it.provide_data == [("data", (3, 1, 28, 28))]
    assert it.provide_label == [("softmax_label", (3,))]
    for _ in range(2):
        batches = list(it)
        it.reset()
        assert len(batches) == 3  # the 10th image does not fill a batch
        first = batches[0].data[0].asnumpy()
        assert first.dtype == np.float32 and first.shape == (3, 1, 28, 28)
        assert first[:, 0, 0, 0].tolist() == [0.0, 0.0390625, 0.078125]  # MXNet 1.9.1: x / 256
        assert (first[:, 0, 0, 1:5] * 256).tolist() == [[1, 2, 3, 4], [17, 18, 19, 20],
                                                        [33, 34, 35, 36]]
        assert [b.label[0].asnumpy().tolist() for b in batches] == [[0, 1, 2], [3, 4, 5],
                                                                    [6, 7, 8]]
        assert batches[0].pad == 0
    flat = mio.MNISTIter(image=image, label=label, batch_size=4, shuffle=False, flat=True,
                         input_shape=(784,))
    assert flat.provide_data[0].shape == (4, 784)
    assert flat.next().data[0].asnumpy()[:, :3].tolist() == [  # MXNet 1.9.1
        [0.0, 0.00390625, 0.0078125], [0.0390625, 0.06640625, 0.0703125],
        [0.078125, 0.12890625, 0.1328125], [0.1171875, 0.19140625, 0.1953125]]
    part = mio.MNISTIter(image=image, label=label, batch_size=2, shuffle=False, num_parts=3,
                         part_index=1)
    assert [b.label[0].asnumpy().tolist() for b in part] == [[3, 4]]  # MXNet 1.9.1


def test_mnist_iter_shuffle_is_fixed_by_seed(tmp_path):
    image, label = _write_mnist(tmp_path)

    def labels(seed):
        it = mio.MNISTIter(image=image, label=label, batch_size=2, seed=seed)
        first = [b.label[0].asnumpy().tolist() for b in it]
        it.reset()
        assert [b.label[0].asnumpy().tolist() for b in it] == first  # shuffled once
        return sum(first, [])

    assert labels(3) == labels(3) != list(range(10))
    assert sorted(labels(3)) == list(range(10))
    it = mio.MNISTIter(image=image, label=label, batch_size=10, seed=3)
    batch = it.next()
    ids = (batch.data[0].asnumpy()[:, 0, 0, 0] * 256 / 10).round().astype(int)
    assert ids.tolist() == batch.label[0].asnumpy().astype(int).tolist()  # pairs kept


def test_mnist_iter_reads_gzip(tmp_path):
    image, label = _write_mnist(tmp_path, compress=True)
    it = mio.MNISTIter(image=image, label=label, batch_size=5, shuffle=False)
    assert it.next().label[0].asnumpy().tolist() == [0, 1, 2, 3, 4]


def test_mnist_iter_bad_files(tmp_path):
    image, label = _write_mnist(tmp_path)
    missing = str(tmp_path / "nope")
    with pytest.raises(MXNetError, match="nope"):
        mio.MNISTIter(image=missing, label=label)
    with pytest.raises(MXNetError, match="nope"):
        mio.MNISTIter(image=image, label=missing)
    with pytest.raises(MXNetError, match="not an MNIST image file"):
        mio.MNISTIter(image=label, label=image)
    (tmp_path / "few").write_bytes(struct.pack(">ii", 2049, 4) + bytes(4))
    with pytest.raises(MXNetError, match="has 10 images but .* has 4 labels"):
        mio.MNISTIter(image=image, label=str(tmp_path / "few"))
    (tmp_path / "cut").write_bytes(struct.pack(">iiii", 2051, 10, 28, 28) + bytes(100))
    with pytest.raises(MXNetError, match="truncated"):
        mio.MNISTIter(image=str(tmp_path / "cut"), label=label)
    with pytest.raises(MXNetError, match="batch_size 11 is larger than the 10 images"):
        mio.MNISTIter(image=image, label=label, batch_size=11)
    with pytest.raises(MXNetError, match="part_index 3"):
        mio.MNISTIter(image=image, label=label, num_parts=3, part_index=3)


def test_ndarrayiter_over_csr_matrices_needs_discard():
    import scipy.sparse as spsp
    dense = np.arange(21, dtype=np.float32).reshape(7, 3) % 4
    with pytest.raises(NotImplementedError, match="last_batch_handle"):
        mx.io.NDArrayIter({"data": spsp.csr_matrix(dense)}, dense[:, 0], 2)
    if not hasattr(mx.nd, "sparse"):
        return  # the batches are CSRNDArrays: the rest needs sparse storage
    for shuffle in (False, True):
        it = mx.io.NDArrayIter({"data": spsp.csr_matrix(dense)}, None, 2, shuffle=shuffle,
                               last_batch_handle="discard")
        batches = list(it)
        assert len(batches) == 3 and not batches[0].label
        assert batches[1].data[0].stype == "csr"
    np.testing.assert_array_equal(batches[1].data[0].asnumpy().sum(), dense[it._order[2:4]].sum())


def test_mnist_iter_reports_to_stderr_not_python_logging(tmp_path, capsys, caplog):
    """MXNet's MNISTIter logs natively: a module-level logging call would configure the
    root logger and void the script's later logging.basicConfig."""
    image, label = _write_mnist(tmp_path)
    caplog.set_level(logging.DEBUG)
    mio.MNISTIter(image=image, label=label, batch_size=2, shuffle=True, flat=True)
    assert caplog.records == []
    assert capsys.readouterr().err == "MNISTIter: load 10 images, shuffle=1, shape=(2,784)\n"
    mio.MNISTIter(image=image, label=label, batch_size=2, silent=True)
    assert capsys.readouterr().err == ""


def test_contrib_dataloader_iter_pads_the_last_batch_and_trains_a_module():
    """mx.contrib.io.DataLoaderIter (example/gluon/data.py imports it); outputs as MXNet
    1.9.1's."""
    from symjax_mx.contrib.io import DataLoaderIter
    ds = mx.gluon.data.ArrayDataset(np.arange(14, dtype=np.float32).reshape(7, 2),
                                    np.arange(7))
    it = DataLoaderIter(mx.gluon.data.DataLoader(ds, 3))
    assert it.batch_size == 3
    assert it.provide_data == [mx.io.DataDesc("data", (3, 2), "float32")]
    assert it.provide_label == [mx.io.DataDesc("softmax_label", (3,), "float32")]
    for _ in range(2):
        batches = list(it)
        it.reset()
        assert [b.pad for b in batches] == [0, 0, 2]
        assert all(b.data[0].shape == (3, 2) and b.data[0].dtype == np.float32
                   and b.index is None for b in batches)
        assert batches[2].data[0].asnumpy()[:1].tolist() == [[12.0, 13.0]]
        assert batches[2].label[0].asnumpy()[:1].tolist() == [6.0]
        assert batches[1].label[0].asnumpy().tolist() == [3.0, 4.0, 5.0]
    mod = mx.mod.Module(mx.sym.SoftmaxOutput(mx.sym.FullyConnected(
        mx.sym.var("data"), num_hidden=3), name="softmax"))
    mod.fit(it, num_epoch=1)


def test_mnist_iter_leaves_the_root_logger_unconfigured(tmp_path, monkeypatch):
    # the numpy-ops/custom_softmax.py example calls logging.basicConfig(level=DEBUG) after
    # building its MNISTIter: that call must still take effect (MXNet logs from C++)
    image, label = _write_mnist(tmp_path)
    monkeypatch.setattr(logging.root, "handlers", [])
    mio.MNISTIter(image=image, label=label, batch_size=3)
    assert logging.root.handlers == []


def test_mnist_iterator_of_test_utils_reads_data_folder(tmp_path, monkeypatch):
    # MXNet's test_utils.get_mnist_iterator: MNISTIters over ./data, downloading nothing
    # when the four idx files are there (numpy-ops/custom_softmax.py)
    (tmp_path / "data").mkdir()
    image, label = _write_mnist(tmp_path / "data", n=8)
    for part in ("train", "t10k"):
        shutil.copy(image, tmp_path / "data" / f"{part}-images-idx3-ubyte")
        shutil.copy(label, tmp_path / "data" / f"{part}-labels-idx1-ubyte")
    monkeypatch.chdir(tmp_path)
    train, val = mx.test_utils.get_mnist_iterator(batch_size=4, input_shape=(784,))
    assert train.provide_data[0].shape == (4, 784)
    labels = [b.label[0].asnumpy() for b in val]  # MNISTIter shuffles by default
    assert sorted(np.concatenate(labels).tolist()) == list(range(8))
    train, _ = mx.test_utils.get_mnist_iterator(batch_size=2, input_shape=(1, 28, 28))
    assert train.provide_data[0].shape == (2, 1, 28, 28)


# ----------------------------------------------------------------------------------- LibSVMIter

_LIBSVM = "1 0:1 3:2.5\n0 2:4\n1 1:1 4:3\n0.5 0:7\n2 3:1\n"


def test_libsvm_iter_batches_csr_rows_and_rounds_the_last_batch(tmp_path):
    # sparse/linear_classification's reader; every value below is MXNet 1.9.1's
    path = tmp_path / "a.libsvm"
    path.write_text(_LIBSVM)
    it = mio.LibSVMIter(data_libsvm=str(path), data_shape=(5,), batch_size=2)
    assert it.provide_data == [("data", (2, 5))] and it.provide_label == [("softmax_label", (2,))]
    epochs = []
    for _ in range(2):
        epochs.append([(b.data[0].asnumpy().tolist(), b.label[0].asnumpy().tolist(), b.pad,
                        b.index.tolist()) for b in it])
        it.reset()
    batch = next(iter(it))
    assert batch.data[0].stype == "csr" and batch.label[0].stype == "default"
    assert batch.data[0].indices.asnumpy().tolist() == [0, 3, 2]
    assert batch.data[0].indptr.asnumpy().tolist() == [0, 2, 3]
    assert epochs[0] == [([[1, 0, 0, 2.5, 0], [0, 0, 4, 0, 0]], [1, 0], 0, [0, 1]),
                         ([[0, 1, 0, 0, 3], [7, 0, 0, 0, 0]], [1, 0.5], 0, [2, 3]),
                         ([[0, 0, 0, 1, 0], [1, 0, 0, 2.5, 0]], [2, 1], 1, [4, 0])]
    assert [e[1] for e in epochs[1]] == [[0, 1], [0.5, 2]]  # continues after the wrap
    part = mio.LibSVMIter(data_libsvm=str(path), data_shape=(5,), batch_size=2, num_parts=2,
                          part_index=1)
    assert [b.label[0].asnumpy().tolist() for b in part] == [[0.5, 2]]


def test_libsvm_iter_label_file_and_errors(tmp_path):
    data, labels = tmp_path / "a.libsvm", tmp_path / "l.libsvm"
    data.write_text(_LIBSVM)
    labels.write_text("0 0:1 2:2\n0 1:3\n0 2:1\n0 0:5\n0 1:1\n")
    it = mio.LibSVMIter(data_libsvm=str(data), data_shape=(5,), label_libsvm=str(labels),
                        label_shape=(3,), batch_size=2)
    assert it.provide_label == [("softmax_label", (2, 3))]
    label = it.next().label[0]
    assert label.stype == "csr" and label.asnumpy().tolist() == [[1, 0, 2], [0, 3, 0]]
    with pytest.raises(MXNetError, match="feature index 4, outside the data shape"):
        mio.LibSVMIter(data_libsvm=str(data), data_shape=(3,), batch_size=2)
    with pytest.raises(MXNetError, match="doesn't support round_batch == false"):
        mio.LibSVMIter(data_libsvm=str(data), data_shape=(5,), batch_size=2, round_batch=False)
    with pytest.raises(MXNetError, match="cannot open"):
        mio.LibSVMIter(data_libsvm=str(tmp_path / "none"), data_shape=(5,), batch_size=2)


def test_contrib_dataloader_iter_pads_the_last_batch():
    """mx.contrib.io.DataLoaderIter (the Gluon examples' data.py), as on MXNet 1.9.1."""
    loader = mx.gluon.data.DataLoader(
        mx.gluon.data.ArrayDataset(np.arange(10).reshape(5, 2), np.arange(5)), batch_size=2)
    it = mx.contrib.io.DataLoaderIter(loader)
    assert [(d.name, d.shape, d.dtype) for d in it.provide_data] == [("data", (2, 2),
                                                                      "float32")]
    assert [(d.name, d.shape) for d in it.provide_label] == [("softmax_label", (2,))]
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 1]
    assert batches[1].data[0].asnumpy().tolist() == [[4, 5], [6, 7]]
    assert batches[2].data[0].asnumpy()[0].tolist() == [8, 9]
    assert batches[2].label[0].asnumpy().tolist()[0] == 4
    it.reset()
    assert len(list(it)) == 3
    half = mx.contrib.io.DataLoaderIter(loader, data_name="x", label_name="y", dtype="float16")
    batch = next(half)
    assert half.provide_data[0].name == "x" and batch.data[0].dtype == np.float16
    assert batch.label[0].dtype == np.float16


def test_get_mnist_of_test_utils_reads_the_gzipped_files_here(tmp_path, monkeypatch):
    # restricted-boltzmann-machine/binary_rbm_module.py's data: a dict of numpy arrays
    image, label = _write_mnist(tmp_path, n=4, compress=True)
    for part in ("train", "t10k"):
        shutil.copy(image, tmp_path / f"{part}-images-idx3-ubyte.gz")
        shutil.copy(label, tmp_path / f"{part}-labels-idx1-ubyte.gz")
    monkeypatch.chdir(tmp_path)
    mnist = mx.test_utils.get_mnist()
    assert mnist["train_data"].shape == (4, 1, 28, 28) and mnist["train_data"].dtype == np.float32
    assert mnist["test_label"].tolist() == [0, 1, 2, 3]
    np.testing.assert_allclose(mnist["train_data"][:, 0, 0, 0], np.arange(4) * 10 / 255,
                               rtol=1e-6)


def test_ndarray_iter_cuts_data_and_label_with_one_program(monkeypatch):
    """A batch's inputs are cut on the device by one program call (one dispatch per
    batch, not one per array); a subclass's own getlabel is still what next() returns."""
    from symjax_mx.io import io as io_module
    calls = []
    original = io_module._slice_batches

    def counting(datas, *args):
        calls.append(len(datas))
        return original(datas, *args)

    monkeypatch.setattr(io_module, "_slice_batches", counting)
    data, label = np.arange(24.).reshape(6, 4), np.arange(6.)
    batches = list(mx.io.NDArrayIter({"a": data, "b": data * 2}, label, batch_size=3))
    assert calls == [3, 3]
    np.testing.assert_array_equal(batches[1].data[1].asnumpy(), data[3:] * 2)
    np.testing.assert_array_equal(batches[1].label[0].asnumpy(), label[3:])

    class Relabelled(mx.io.NDArrayIter):
        def getlabel(self):
            return [label * 0 - 1 for label in super().getlabel()]

    batch = next(iter(Relabelled(data, label, batch_size=3)))
    assert batch.label[0].asnumpy().tolist() == [-1, -1, -1]
    np.testing.assert_array_equal(batch.data[0].asnumpy(), data[:3])


def _cutting_counts(monkeypatch):
    """Counts of calls to NDArrayIter's per-batch and batches-ahead cutting programs."""
    from symjax_mx.io import io as io_module
    counts = {"one": 0, "ahead": 0}

    def counted(original, batches_of):
        def call(*args):
            counts["one" if batches_of(args) == 1 else "ahead"] += 1
            return original(*args)
        return call

    monkeypatch.setattr(io_module, "_slice_batches",
                        counted(io_module._slice_batches, lambda args: args[3]))
    monkeypatch.setattr(io_module, "_take_batches",
                        counted(io_module._take_batches, lambda args: len(args[1])))
    return counts


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_ndarray_iter_cuts_full_batches_eight_at_a_time(monkeypatch, shuffle, handle):
    """Eight full batches of an epoch come from one program (a dispatch per batch cost
    ~100 us of host time in Module.fit); the batches, pads and epochs are those of cutting
    each batch alone."""
    counts = _cutting_counts(monkeypatch)
    data = np.arange(46 * 3, dtype=np.float32).reshape(46, 3)  # 11 batches of 4, then 2
    label = np.arange(46, dtype=np.float32)

    def epochs(ahead):
        monkeypatch.setattr(mio.io, "_AHEAD_BATCHES", 8 if ahead else 10 ** 6)
        np.random.seed(3)
        it = mx.io.NDArrayIter(data, label, batch_size=4, shuffle=shuffle,
                               last_batch_handle=handle)
        return [[(b.data[0].asnumpy().tolist(), b.label[0].asnumpy().tolist(), b.pad)
                 for b in it] for _ in range(3) if it.reset() is None]

    alone = epochs(ahead=False)
    assert counts["ahead"] == 0
    counts["one"] = 0
    assert epochs(ahead=True) == alone
    assert counts["ahead"] == 3  # the first eight full batches of each epoch
    assert counts["one"] == sum(len(epoch) - 8 for epoch in alone)


def test_ndarray_iter_batches_cut_ahead_see_writes_to_its_arrays(monkeypatch):
    """Writing the iterator's stored arrays between batches reaches the later batches, as
    when each batch is cut when it is asked for."""
    counts = _cutting_counts(monkeypatch)
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    it = mx.io.NDArrayIter(data, batch_size=2)
    first = next(it)
    it.data[0][1][:] = -it.data[0][1]
    second = next(it)
    np.testing.assert_array_equal(first.data[0].asnumpy(), data[:2])
    np.testing.assert_array_equal(second.data[0].asnumpy(), -data[2:4])
    assert counts["ahead"] == 2
    it.reset()
    np.testing.assert_array_equal(next(it).data[0].asnumpy(), -data[:2])


def test_ndarray_iter_cuts_large_batches_one_at_a_time(monkeypatch):
    """Batches too large to keep eight of (_AHEAD_BYTES) are cut as they are asked for."""
    counts = _cutting_counts(monkeypatch)
    monkeypatch.setattr(mio.io, "_AHEAD_BYTES", 8 * 4 * 3 * 4 - 1)
    it = mx.io.NDArrayIter(np.ones((40, 3), np.float32), batch_size=4)
    assert len(list(it)) == 10
    assert counts == {"one": 10, "ahead": 0}


def test_ndarray_iter_cuts_ahead_along_the_layouts_batch_axis(monkeypatch):
    counts = _cutting_counts(monkeypatch)
    data = np.arange(2 * 40, dtype=np.float32).reshape(2, 40)  # (time, batch): layout TN
    batches = [b.data[0].asnumpy() for b in mx.io.NDArrayIter(data, batch_size=4,
                                                                layout="TN")]
    assert counts == {"one": 2, "ahead": 1}
    for i, batch in enumerate(batches):
        np.testing.assert_array_equal(batch, data[:, 4 * i:4 * i + 4])

"""gluon.data: samplers, datasets, the DataLoader (same process, threads, worker
processes), the vision datasets and transforms, and the mx.nd.image operators (against
MXNet 1.9.1's outputs from tests/golden/ops/make_image.py)."""
import gzip
import multiprocessing
import os
import struct
import time

import numpy as np
import pytest

import symjax_mx as mx
from symjax_mx import gluon
from symjax_mx.base import MXNetError
from symjax_mx.gluon.data import (ArrayDataset, BatchSampler, DataLoader, IntervalSampler,
                                  RandomSampler, SequentialSampler, SimpleDataset)
from symjax_mx.gluon.data._workers import ThreadWorkerPool
from symjax_mx.gluon.data.vision import transforms

GOLDEN = np.load(os.path.join(os.path.dirname(__file__), "golden", "ops", "image.npz"))
NEEDS_IMAGE = pytest.mark.skipif(not hasattr(mx, "image") or not hasattr(mx, "recordio"),
                                 reason="mx.image / mx.recordio land with the recimage branch")


# --- samplers and datasets ---------------------------------------------------------------

def test_samplers():
    assert list(SequentialSampler(3, start=2)) == [2, 3, 4]
    np.random.seed(0)
    assert sorted(RandomSampler(7)) == list(range(7))
    assert list(BatchSampler(SequentialSampler(5), 2, "keep")) == [[0, 1], [2, 3], [4]]
    assert list(BatchSampler(SequentialSampler(5), 2, "discard")) == [[0, 1], [2, 3]]
    rollover = BatchSampler(SequentialSampler(5), 2, "rollover")
    assert list(rollover) == [[0, 1], [2, 3]] and len(rollover) == 3
    assert list(rollover) == [[4, 0], [1, 2], [3, 4]]
    assert list(IntervalSampler(6, 3)) == [0, 3, 1, 4, 2, 5]
    assert list(IntervalSampler(6, 4, rollover=False)) == [0, 4]
    with pytest.raises(ValueError, match="smaller than length 6"):
        IntervalSampler(6, 6)
    with pytest.raises(ValueError, match="last_batch"):
        BatchSampler(SequentialSampler(5), 2, "drop")


def test_dataset_views():
    data = SimpleDataset(list(range(10)))
    assert list(data.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert [len(data.shard(3, i)) for i in range(3)] == [4, 3, 3]
    assert list(data.shard(3, 1)) == [4, 5, 6]
    assert list(data.take(3)) == [0, 1, 2] and len(data.take(None)) == 10
    assert list(data.sample(SequentialSampler(2, 5))) == [5, 6]
    with pytest.raises(TypeError, match="Sampler"):
        data.sample([1, 2])
    pairs = ArrayDataset(np.arange(4), mx.nd.array([5, 6, 7, 8]))
    assert isinstance(pairs[0][1], np.float32)  # 1-D NDArrays are indexed as numpy
    assert pairs.transform_first(lambda x: x * 10)[2] == (20, 7)
    eager = pairs.transform(lambda x, y: x + y, lazy=False)
    assert isinstance(eager, SimpleDataset) and list(eager) == [5, 7, 9, 11]
    with pytest.raises(AssertionError, match="same length"):
        ArrayDataset(np.arange(3), np.arange(4))


# --- DataLoader ----------------------------------------------------------------------------

def test_dataloader_batches_nested_tuples_and_keeps_dtypes():
    samples = [((np.full(2, i, np.float64), i), np.int8(i)) for i in range(5)]
    batches = list(DataLoader(samples, batch_size=2, last_batch="discard"))
    assert len(batches) == 2
    (data, index), label = batches[1]
    assert data.shape == (2, 2) and data.dtype == np.float64
    np.testing.assert_array_equal(index.asnumpy(), [2, 3])
    assert label.dtype == np.int8
    stacked = list(DataLoader(mx.nd.arange(6).reshape((3, 2)), batch_size=2))
    np.testing.assert_array_equal(stacked[1].asnumpy(), [[4, 5]])
    pinned = next(iter(DataLoader(np.ones((4, 2)), batch_size=4, pin_memory=True)))
    assert pinned.context == mx.cpu_pinned(0)


def test_dataloader_argument_errors():
    with pytest.raises(ValueError, match="batch_size must be specified"):
        DataLoader(np.ones(3))
    with pytest.raises(ValueError, match="must not be specified"):
        DataLoader(np.ones(3), batch_size=2, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(np.ones(3), 2, shuffle=True, sampler=SequentialSampler(3))


def test_dataloader_epochs_with_shuffle_and_rollover():
    np.random.seed(1)
    loader = DataLoader(np.arange(7), batch_size=3, shuffle=True, last_batch="rollover")
    first = np.concatenate([b.asnumpy() for b in loader])
    second = np.concatenate([b.asnumpy() for b in loader])
    assert len(first) == 6 and len(second) == 6  # the seventh rolls into the next epoch
    assert len(set(first) | set(second)) == 7


class _Squares(gluon.data.Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, idx):
        if idx == 11:
            raise KeyError(f"no sample {idx}")
        return np.full((2,), idx * idx, np.int32), idx


class _WorkerPlatforms(gluon.data.Dataset):
    def __len__(self):
        return 1

    def __getitem__(self, idx):
        import jax

        return jax.config.jax_platforms


def _exit_on_five(idx):
    if idx == 5:
        os._exit(3)
    return idx


def _slow(idx):
    time.sleep(5)
    return idx


def test_dataloader_threads_keep_order_and_reraise():
    loader = DataLoader(_Squares(), batch_size=2, num_workers=3, thread_pool=True)
    batches = iter(loader)
    for i in range(5):
        data, label = next(batches)
        assert data.context == mx.Context("cpu_shared", 0)
        np.testing.assert_array_equal(label.asnumpy(), [2 * i, 2 * i + 1])
    with pytest.raises(KeyError, match="no sample 11"):
        next(batches)


def test_dataloader_worker_processes():
    dataset = _Squares()
    loader = DataLoader(dataset, batch_size=2, num_workers=2, prefetch=3, timeout=30)
    batches = iter(loader)
    for i in range(5):
        data, label = next(batches)
        np.testing.assert_array_equal(data.asnumpy()[:, 0], [(2 * i) ** 2, (2 * i + 1) ** 2])
        assert data.dtype == np.int32 and isinstance(label, mx.nd.NDArray)
    with pytest.raises(KeyError, match="no sample 11") as caught:
        next(batches)
    assert "Traceback" in str(caught.value.__cause__)  # the worker's own traceback
    # a user batchify_fn's numpy batches stay numpy; an NDArray dataset crosses as numpy
    loader = DataLoader(mx.nd.arange(4), batch_size=2, num_workers=1, batchify_fn=np.stack)
    assert [type(b) for b in loader] == [np.ndarray, np.ndarray]
    # workers keep JAX off the parent's accelerator
    assert list(DataLoader(_WorkerPlatforms(), 1, num_workers=1, batchify_fn=list)) == [["cpu"]]
    processes = list(loader._pool._processes)
    loader.close()
    assert not any(p.is_alive() for p in processes)


def test_dataloader_of_an_unpicklable_dataset_uses_worker_threads():
    """MXNet forks its workers, so a transform_first(lambda ...) works there with
    num_workers; here they become threads, with a warning naming the reason."""
    dataset = ArrayDataset(np.arange(8, dtype="float32"), np.arange(8)).transform_first(
        lambda x: x * 2)
    with pytest.warns(UserWarning, match="does not pickle.*workers are threads"):
        loader = DataLoader(dataset, 4, num_workers=2)
    batches = [(x.asnumpy().tolist(), y.asnumpy().tolist()) for x, y in loader]
    assert batches == [([0, 2, 4, 6], [0, 1, 2, 3]), ([8, 10, 12, 14], [4, 5, 6, 7])]
    assert isinstance(loader._pool, ThreadWorkerPool)
    loader.close()


def test_dataloader_worker_failures_are_errors_not_hangs():
    died = DataLoader(SimpleDataset(range(8)).transform(_exit_on_five), 2, num_workers=1)
    with pytest.raises(MXNetError, match="exited unexpectedly with exit code 3"):
        list(died)
    slow = DataLoader(SimpleDataset(range(2)).transform(_slow), 2, num_workers=1, timeout=1)
    start = time.monotonic()
    with pytest.raises(multiprocessing.TimeoutError, match="timed out after 1 seconds"):
        next(iter(slow))
    assert time.monotonic() - start < 4
    slow.close()


# --- mx.nd.image operators against MXNet 1.9.1 ----------------------------------------------

@pytest.mark.parametrize("name", ["u8", "f32"])
def test_image_operators_match_mxnet(name):
    src = GOLDEN["img"] if name == "u8" else GOLDEN["flt"]
    x = mx.nd.array(src, dtype=src.dtype)
    # floats agree closely; bytes within one level (OpenCV rounds fixed-point sums)
    tol = dict(rtol=0, atol=1) if name == "u8" else dict(rtol=1e-5, atol=2e-4)
    image = mx.nd.image
    cases = ([(0, "up"), (2, "up"), (3, "down"), (3, "up"), (4, "down")]
             if name == "f32" else [(1, "up")])
    for interp, tag in cases:
        size = (4, 3) if tag == "down" else (13, 11)
        got = image.resize(x, size=size, interp=interp).asnumpy()
        np.testing.assert_allclose(got.astype(float), GOLDEN[f"resize_{name}_{interp}_{tag}"],
                                   **tol)
    checks = {"hue": lambda: image.random_hue(x, 0.3, 0.3),
              "contrast": lambda: image.random_contrast(x, 0.6, 0.6),
              "saturation": lambda: image.random_saturation(x, 0.4, 0.4),
              "brightness": lambda: image.random_brightness(x, 1.3, 1.3),
              "lighting": lambda: image.adjust_lighting(x, alpha=(0.1, -0.2, 0.3))}
    # bytes: where saturation and truncation matter
    keys = ("hue", "lighting") if name == "u8" else checks
    for key in keys:
        value = checks[key]()
        assert value.dtype == src.dtype
        np.testing.assert_allclose(value.asnumpy().astype(float), GOLDEN[f"{key}_{name}"], **tol)


def test_image_operator_errors():
    image = mx.nd.image
    with pytest.raises(MXNetError, match="must have shape"):
        image.to_tensor(mx.nd.ones((1, 2, 3, 4, 3)))
    with pytest.raises(MXNetError, match="1 or 3"):
        image.normalize(mx.nd.ones((4, 2, 2)), mean=(0, 1, 2), std=(1, 1, 1))
    with pytest.raises(MXNetError, match="does not fit"):
        image.crop(mx.nd.ones((4, 4, 3)), 2, 0, 3, 2)
    with pytest.raises(MXNetError, match="greater than 0"):
        image.resize(mx.nd.ones((4, 4, 3)), size=(-2, 2))
    with pytest.raises(MXNetError, match="interpolation 7"):
        image.resize(mx.nd.ones((4, 4, 3)), size=2, interp=7)


# --- transforms --------------------------------------------------------------------------

def test_transforms_compose_layout_and_values():
    img = mx.nd.arange(60).reshape((5, 4, 3)).astype("uint8")
    composed = transforms.Compose([transforms.CropResize(0, 0, 3, 2), transforms.Cast("float32"),
                                   transforms.RandomApply(transforms.Cast("float64"), p=0.0),
                                   transforms.ToTensor(), transforms.Normalize(0.5, 2.0)])
    assert isinstance(composed[0], gluon.nn.HybridSequential) and len(composed) == 3
    out = composed(img)
    expected = (np.arange(60).reshape(5, 4, 3)[:2, :3].transpose(2, 0, 1) / 255.0 - 0.5) / 2
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    assert transforms.Resize(6, keep_ratio=True)(img).shape == (7, 6, 3)
    assert transforms.Resize((6, 2))(img).shape == (2, 6, 3)
    hybrid = transforms.HybridCompose([transforms.Resize(3), transforms.ToTensor()])
    assert hybrid(mx.nd.ones((2, 4, 4, 3), dtype="uint8")).shape == (2, 3, 3, 3)
    with pytest.raises(ValueError, match="HybridBlocks only"):
        transforms.HybridCompose([transforms.RandomApply(transforms.Cast())])


def test_eager_resize_runs_on_the_host_without_compiling():
    import jax.monitoring

    compiles = []

    def count(event, duration, **_):
        if event == "/jax/core/compile/backend_compile_duration":
            compiles.append(event)

    rs = np.random.RandomState(2)
    images = [mx.nd.array(rs.randint(0, 256, (9 + i, 7 + 2 * i, 3)), dtype="uint8")
              for i in range(3)]
    resize = transforms.Resize(6, keep_ratio=True, interpolation=2)
    jax.monitoring.register_event_duration_secs_listener(count)
    try:
        outputs = [resize(img) for img in images]
    finally:
        jax.monitoring.unregister_event_duration_listener(count)
    assert compiles == []  # three image sizes, no program
    for img, out in zip(images, outputs):  # the same numbers as the operator
        op = mx.nd.image.resize(img, size=6, keep_ratio=True, interp=2)
        assert out.shape == op.shape and out.dtype == np.uint8
        assert np.abs(out.asnumpy().astype(int) - op.asnumpy()).max() <= 1


def test_hybridized_random_transforms_draw_afresh_each_call():
    img = mx.nd.arange(12).reshape((2, 2, 3)).astype("float32")
    flip = transforms.HybridCompose([transforms.RandomFlipLeftRight()])
    flip.hybridize()
    seen = {tuple(flip(img).asnumpy().ravel()) for _ in range(12)}
    assert len(seen) == 2
    jitter = transforms.Compose([transforms.RandomColorJitter(0.3, 0.3),
                                 transforms.RandomLighting(0.1)])
    color = mx.nd.array(np.random.RandomState(0).randint(0, 256, (4, 4, 3)), dtype="uint8")
    assert len({jitter(color).asnumpy().tobytes() for _ in range(3)}) == 3


def test_random_rotation_arguments():
    with pytest.raises(ValueError, match="between 0 and 1"):
        transforms.RandomRotation([-10, 10], rotate_with_proba=1.5)
    with pytest.raises(ValueError, match="ordered"):
        transforms.RandomRotation([10, -10])
    same = transforms.RandomRotation([-10, 10], rotate_with_proba=0.0)
    x = mx.nd.ones((3, 4, 4), dtype="uint8")
    assert same(x) is x


@NEEDS_IMAGE
def test_transforms_over_mx_image():
    img = mx.nd.ones((3, 9, 9), dtype="float32")
    assert transforms.Rotate(90.0)(img).shape == (3, 9, 9)
    with pytest.raises(TypeError, match="float32"):
        transforms.Rotate(10.0)(img.astype("uint8"))
    hwc = mx.nd.ones((20, 30, 3), dtype="uint8")
    assert transforms.CenterCrop(8)(hwc).shape == (8, 8, 3)
    assert transforms.RandomResizedCrop((6, 5))(hwc).shape == (5, 6, 3)


# --- vision datasets ------------------------------------------------------------------------

def _write_idx(path, array):
    header = struct.pack(">II", 0x800 + array.ndim, array.shape[0])
    header += b"".join(struct.pack(">I", d) for d in array.shape[1:])
    with gzip.open(path, "wb") as out:
        out.write(header + array.tobytes())


def test_mnist_and_fashion_mnist_read_local_files(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:9/")  # nothing listens there
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.array([7, 2, 1], np.uint8))
    with pytest.warns(UserWarning, match="SHA-1"):
        test = gluon.data.vision.FashionMNIST(root=str(tmp_path), train=False,
                                              transform=lambda x, y: (x, y + 1))
    assert len(test) == 3
    data, label = test[1]
    assert data.shape == (28, 28, 1) and data.dtype == np.uint8 and label == 3
    np.testing.assert_array_equal(data.asnumpy()[..., 0], images[1])
    with pytest.raises(MXNetError, match="place train-images-idx3-ubyte.gz in"):
        gluon.data.vision.MNIST(root=str(tmp_path), train=True)


def test_cifar_reads_local_batches(tmp_path):
    rs = np.random.RandomState(0)
    pixels = rs.randint(0, 256, (2, 3072)).astype(np.uint8)
    (tmp_path / "test_batch.bin").write_bytes(
        np.concatenate([np.array([[4], [9]], np.uint8), pixels], axis=1).tobytes())
    (tmp_path / "test.bin").write_bytes(
        np.concatenate([np.array([[1, 51], [2, 52]], np.uint8), pixels], axis=1).tobytes())
    cifar = gluon.data.vision.CIFAR10(root=str(tmp_path), train=False)
    data, label = cifar[1]
    assert len(cifar) == 2 and label == 9 and data.shape == (32, 32, 3)
    np.testing.assert_array_equal(data.asnumpy(), pixels[1].reshape(3, 32, 32).transpose(1, 2, 0))
    fine = gluon.data.vision.CIFAR100(root=str(tmp_path), train=False, fine_label=True)
    coarse = gluon.data.vision.CIFAR100(root=str(tmp_path), train=False)
    assert (fine[0][1], coarse[0][1]) == (51, 1)


def test_image_folder_dataset_lists_classes(tmp_path):
    for folder, names in (("cat", ["b.png", "a.jpg", "notes.txt"]), ("ant", ["x.JPEG"])):
        (tmp_path / folder).mkdir()
        for name in names:
            (tmp_path / folder / name).write_bytes(b"")
    (tmp_path / "stray.png").write_bytes(b"")
    with pytest.warns(UserWarning, match="Ignoring"):
        dataset = gluon.data.vision.ImageFolderDataset(str(tmp_path))
    assert dataset.synsets == ["ant", "cat"]
    assert [(os.path.basename(f), label) for f, label in dataset.items] == [
        ("x.JPEG", 0), ("a.jpg", 1), ("b.png", 1)]


@NEEDS_IMAGE
def test_image_record_dataset_through_worker_processes(tmp_path):
    record = mx.recordio.MXIndexedRecordIO(str(tmp_path / "d.idx"), str(tmp_path / "d.rec"), "w")
    for i in range(3):
        img = np.full((4, 5, 3), 40 * i, np.uint8)
        record.write_idx(i, mx.recordio.pack_img(mx.recordio.IRHeader(0, float(i), i, 0), img,
                                                 img_fmt=".png"))
    record.close()
    dataset = gluon.data.vision.ImageRecordDataset(str(tmp_path / "d.rec"))
    assert len(dataset) == 3 and dataset[2][0].shape == (4, 5, 3)
    loader = DataLoader(dataset.transform_first(transforms.ToTensor()), 2, num_workers=2)
    data, label = next(iter(loader))
    assert data.shape == (2, 3, 4, 5)
    np.testing.assert_allclose(data.asnumpy()[1], 40 / 255.0, rtol=1e-6)
    np.testing.assert_array_equal(label.asnumpy(), [0, 1])


_SCRIPT = """
import numpy as np
import symjax_mx as mx


def load():
    data = mx.gluon.data.ArrayDataset(np.arange(64 * 3, dtype=np.float32).reshape(64, 3),
                                      np.arange(64))
    loader = mx.gluon.data.DataLoader(data, batch_size=8, num_workers=2)
    total = sum(float(x.sum().asscalar()) + float(y.sum().asscalar()) for x, y in loader)
    print(type(loader._pool).__name__, total)


{call}
"""


@pytest.mark.parametrize("guarded", [False, True])
def test_dataloader_workers_of_an_unguarded_script_are_threads(tmp_path, guarded):
    """MXNet forks its workers; ours import the main script, which would run an unguarded
    script's top level again (the multi-task example makes its DataLoader there): such a
    script gets thread workers, with a warning saying why, and runs as on MXNet; a
    guarded one gets worker processes."""
    import subprocess
    import sys
    script = tmp_path / "script.py"
    call = "if __name__ == '__main__':\n    load()" if guarded else "load()"
    script.write_text(_SCRIPT.format(call=call))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert run.returncode == 0, run.stderr
    expected = float(np.arange(64 * 3).sum() + np.arange(64).sum())
    pool, total = run.stdout.split()
    assert float(total) == expected
    assert pool == ("ProcessPool" if guarded else "ThreadWorkerPool")
    assert ("its workers are threads instead" in run.stderr) != guarded

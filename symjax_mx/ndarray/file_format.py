"""MXNet 1.x's binary NDArray file format: the bytes ``mx.nd.save`` writes and ``mx.nd.load`` reads.

Pure numpy and file I/O; nothing here knows about NDArray or JAX.  Everything is little-endian.

File layout::

    u64 0x112                 list magic
    u64 0                     reserved (ignored on read, as MXNet does)
    u64 count                 number of arrays
    count x array             see below
    u64 name_count            0 for a list file, else == count
    name_count x (u64 length, utf-8 bytes)

One array, as MXNet 1.9.1 writes it (V2)::

    u32 0xF993FAC9            V2 magic
    i32 storage type          0 dense, 1 row_sparse, 2 csr
    [sparse: u32 ndim, ndim x i64 dims of the stored data]
    u32 ndim, ndim x i64 dims
    i32 device type, i32 device id   (1 cpu, 2 gpu, 3 cpu_pinned, 5 cpu_shared)
    i32 type flag             see TYPE_FLAGS
    [sparse: per aux array: i32 type flag, u32 ndim, ndim x i64 dims]
    raw data, C order         prod(dims) * itemsize bytes (none for a zero-size array)
    [sparse: raw data of each aux array]

A sparse array (``SparseParts``) stores its data and aux arrays: row_sparse the stored rows
and their int64 row indices, csr the values, int64 indptr and int64 column indices.

A 0-d array (ndim 0) is written with its device, type flag and one element.

Older forms are read too:

* V1 (magic 0xF993FAC8): no storage-type field; u32 ndim and i64 dims.
* V3 (magic 0xF993FACA, written by MXNet in "np shape" mode): like V2 but ndim is an i32;
  ndim 0 is a 0-d array with data, ndim -1 is a "none" (unknown-shape) array.
* legacy (no magic): the first u32 is ndim itself, followed by ndim x u32 dims.

In the legacy and V1 forms ndim 0 (and in V3 ndim -1) marks a "none" array: the writers of
those formats wrote nothing after the shape for it.  It decodes as an empty float32 array of
shape (0,) on device (1, 0).

Decoding is defensive: every read is bounds-checked against the bytes that remain *before*
anything is allocated, so a corrupt, truncated or hostile file raises ``MXNetError`` with the
byte offset (and array index) of the problem instead of crashing, hanging or allocating a
declared huge size.
"""
import errno
import os
import struct
import tempfile
from typing import NamedTuple

import numpy as np

from ..base import MXNetError
from ..context import Context

LIST_MAGIC = 0x112
V1_MAGIC = 0xF993FAC8
V2_MAGIC = 0xF993FAC9
V3_MAGIC = 0xF993FACA

#: Largest ndim accepted when reading or writing.
MAX_NDIM = 32

#: MXNet (mshadow) type flag -> little-endian numpy dtype.  The only table of type flags:
#: encoding uses its inverse ``FLAG_OF_DTYPE``.
TYPE_FLAGS = {
    0: np.dtype("<f4"),  # float32
    1: np.dtype("<f8"),  # float64
    2: np.dtype("<f2"),  # float16
    3: np.dtype("u1"),  # uint8
    4: np.dtype("<i4"),  # int32
    5: np.dtype("i1"),  # int8
    6: np.dtype("<i8"),  # int64
    7: np.dtype("?"),  # bool (one byte per element)
}
FLAG_OF_DTYPE = {dtype.name: flag for flag, dtype in TYPE_FLAGS.items()}

#: MXNet device type codes.
DEVICE_TYPES = Context.devtype2str

_STORAGE_NAMES = {-1: "undefined", 1: "row_sparse", 2: "csr"}
_STORAGE_IDS = {name: i for i, name in _STORAGE_NAMES.items()}
_AUX_COUNT = {1: 1, 2: 2}


class SparseParts(NamedTuple):
    """A sparse array as the file stores it: its storage type name ('row_sparse' or
    'csr'), shape, data and aux arrays (numpy; csr: indptr then indices)."""
    stype: str
    shape: tuple
    data: np.ndarray
    aux: tuple


class MissingFileError(FileNotFoundError, MXNetError):
    """A file or folder that is not there: an MXNetError, as MXNet raises, and a
    FileNotFoundError."""


_NONE_ARRAY_BYTES = 4  # the smallest possible entry: a legacy "none" array (u32 ndim = 0)

_U32 = struct.Struct("<I")
_I32 = struct.Struct("<i")
_U64 = struct.Struct("<Q")
_I64 = struct.Struct("<q")


# --------------------------------------------------------------------------------------
# encoding
# --------------------------------------------------------------------------------------


def _check_device(dev, where):
    try:
        dev_type, dev_id = dev
        dev_type, dev_id = int(dev_type), int(dev_id)
    except (TypeError, ValueError):
        raise MXNetError(f"{where}: device must be a (dev_type, dev_id) pair, got {dev!r}") from None
    if dev_type not in DEVICE_TYPES:
        known = ", ".join(f"{k} ({v})" for k, v in DEVICE_TYPES.items())
        raise MXNetError(f"{where}: unknown device type {dev_type}; known types are {known}")
    if not 0 <= dev_id < 2**31:
        raise MXNetError(f"{where}: device id {dev_id} is out of range")
    return dev_type, dev_id


def _flag_of(arr, where):
    flag = FLAG_OF_DTYPE.get(arr.dtype.name)
    if flag is None or arr.dtype.kind not in "fiub":
        supported = ", ".join(sorted(FLAG_OF_DTYPE))
        raise MXNetError(f"{where}: dtype {arr.dtype} cannot be saved; supported dtypes: {supported}")
    return flag


def _dims(shape):
    return _U32.pack(len(shape)) + struct.pack(f"<{len(shape)}q", *shape)


def _encode_sparse(parts, dev, where, np_shape):
    if np_shape:
        raise MXNetError(f"{where}: only arrays of default storage can be saved in np shape "
                         f"semantics")
    data = np.ascontiguousarray(parts.data)
    aux = [np.ascontiguousarray(a, dtype=np.int64) for a in parts.aux]
    dev_type, dev_id = _check_device(dev, where)
    out = [struct.pack("<Ii", V2_MAGIC, _STORAGE_IDS[parts.stype]), _dims(data.shape),
           _dims(tuple(parts.shape)), struct.pack("<iii", dev_type, dev_id, _flag_of(data, where))]
    out.extend(struct.pack("<i", FLAG_OF_DTYPE["int64"]) + _dims(a.shape) for a in aux)
    out.append(data.tobytes())
    out.extend(a.tobytes() for a in aux)
    return b"".join(out)


def _encode_array(arr, dev, index, np_shape=False):
    where = f"array {index}"
    if isinstance(arr, SparseParts):
        return _encode_sparse(arr, dev, where, np_shape)
    arr = np.asarray(arr)
    flag = FLAG_OF_DTYPE.get(arr.dtype.name)
    if flag is None or arr.dtype.kind not in "fiub":
        supported = ", ".join(sorted(FLAG_OF_DTYPE))
        raise MXNetError(f"{where}: dtype {arr.dtype} cannot be saved; supported dtypes: {supported}")
    if arr.ndim > MAX_NDIM:
        raise MXNetError(f"{where}: ndim {arr.ndim} exceeds the maximum of {MAX_NDIM}")
    dev_type, dev_id = _check_device(dev, where)
    parts = [  # NumPy shape semantics: V3, whose ndim is signed (-1 for an unknown shape)
        struct.pack("<Ii", V3_MAGIC if np_shape else V2_MAGIC, 0),
        struct.pack("<i", arr.ndim) if np_shape else _U32.pack(arr.ndim),
        struct.pack(f"<{arr.ndim}q", *arr.shape),
        struct.pack("<iii", dev_type, dev_id, flag),
    ]
    if arr.size:
        parts.append(np.ascontiguousarray(arr, dtype=TYPE_FLAGS[flag]).tobytes())
    return b"".join(parts)


def encode(arrays, names=None, devices=None, np_shape=False):
    """The bytes of an MXNet 1.9.1 NDArray file holding ``arrays`` (numpy arrays or
    SparseParts), written
    as MXNet writes it with NumPy shape semantics on (``np_shape``) or off.

    ``names``: None for a list file, or one str per array for a dict file.
    ``devices``: None (every array on cpu 0) or one ``(dev_type, dev_id)`` pair per array.
    """
    arrays = list(arrays)
    if names is not None:
        names = list(names)
        if len(names) != len(arrays):
            raise MXNetError(f"got {len(names)} names for {len(arrays)} arrays")
        for i, name in enumerate(names):
            if not isinstance(name, str):
                raise MXNetError(f"name {i} must be a str, got {type(name).__name__}")
    if devices is None:
        devices = [(1, 0)] * len(arrays)
    else:
        devices = list(devices)
        if len(devices) != len(arrays):
            raise MXNetError(f"got {len(devices)} devices for {len(arrays)} arrays")
    parts = [_U64.pack(LIST_MAGIC), _U64.pack(0), _U64.pack(len(arrays))]
    parts.extend(_encode_array(a, d, i, np_shape)
                 for i, (a, d) in enumerate(zip(arrays, devices)))
    names = names or []
    parts.append(_U64.pack(len(names)))
    for name in names:
        raw = name.encode("utf-8")
        parts.append(_U64.pack(len(raw)))
        parts.append(raw)
    return b"".join(parts)


# --------------------------------------------------------------------------------------
# decoding
# --------------------------------------------------------------------------------------


class _Reader:
    """A cursor over the file's bytes; every read checks the bytes that remain first."""

    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    @property
    def remaining(self):
        return len(self.buf) - self.pos

    def need(self, nbytes, what):
        if nbytes > self.remaining:
            raise MXNetError(
                f"truncated NDArray file: {what} needs {nbytes} bytes at byte {self.pos} "
                f"but {self.remaining} remain"
            )

    def unpack(self, st, what):
        if self.pos + st.size > len(self.buf):
            self.need(st.size, what)
        (value,) = st.unpack_from(self.buf, self.pos)
        self.pos += st.size
        return value

    def u32(self, what):
        return self.unpack(_U32, what)

    def i32(self, what):
        return self.unpack(_I32, what)

    def u64(self, what):
        return self.unpack(_U64, what)

    def ints(self, fmt, count, what):
        st = struct.Struct(f"<{count}{fmt}")
        self.need(st.size, what)
        values = st.unpack_from(self.buf, self.pos)
        self.pos += st.size
        return values

    def raw(self, nbytes, what):
        self.need(nbytes, what)
        out = self.buf[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return out


_NONE_ARRAY = np.empty((0,), dtype=np.float32)
_NONE_ARRAY.flags.writeable = False


def _none_array():
    return _NONE_ARRAY, 1, 0


def _read_shape_dims(r, fmt, ndim, where):
    if ndim > MAX_NDIM:
        raise MXNetError(
            f"invalid NDArray file: {where} declares ndim {ndim} at byte {r.pos - 4}, "
            f"more than the maximum of {MAX_NDIM}"
        )
    start = r.pos
    shape = r.ints(fmt, ndim, f"{where}'s shape ({ndim} dims)")
    for d in shape:
        if d < 0:
            raise MXNetError(
                f"invalid NDArray file: {where} has a negative dimension {d} in shape "
                f"{shape} at byte {start}"
            )
    return tuple(shape)


def _read_body(r, shape, where):
    """Device, type flag and data, after the shape."""
    dev_start = r.pos
    dev_type = r.i32(f"{where}'s device type")
    dev_id = r.i32(f"{where}'s device id")
    if dev_type not in DEVICE_TYPES:
        raise MXNetError(
            f"invalid NDArray file: {where} has unknown device type {dev_type} at byte {dev_start}"
        )
    if dev_id < 0:
        raise MXNetError(
            f"invalid NDArray file: {where} has negative device id {dev_id} at byte {dev_start + 4}"
        )
    flag_pos = r.pos
    flag = r.i32(f"{where}'s type flag")
    dtype = TYPE_FLAGS.get(flag)
    if dtype is None:
        raise MXNetError(
            f"invalid NDArray file: {where} has unknown type flag {flag} at byte {flag_pos} "
            f"(known flags: {', '.join(f'{k} {v.name}' for k, v in TYPE_FLAGS.items())})"
        )
    size = 1
    for d in shape:  # Python ints: no overflow, and nothing allocated yet
        size *= d
    nbytes = size * dtype.itemsize
    if nbytes > r.remaining:
        raise MXNetError(
            f"truncated NDArray file: {where} declares {nbytes} bytes of data (shape {shape}, "
            f"{dtype.name}) at byte {r.pos} but {r.remaining} remain"
        )
    if size == 0:
        try:
            return np.empty(shape, dtype=dtype.newbyteorder("=")), dev_type, dev_id
        except (ValueError, MemoryError):
            raise MXNetError(f"invalid NDArray file: {where} has an unrepresentable shape {shape}") from None
    data = r.raw(nbytes, f"{where}'s data")
    if dtype.kind == "b":  # normalise any non-zero byte to True
        arr = np.frombuffer(data, dtype=np.uint8) != 0
    else:
        arr = np.frombuffer(data, dtype=dtype).astype(dtype.newbyteorder("="), copy=True)
    return arr.reshape(shape), dev_type, dev_id


def _read_raw(r, shape, dtype, what):
    size = 1
    for d in shape:
        size *= d
    nbytes = size * dtype.itemsize
    if nbytes > r.remaining:
        raise MXNetError(f"truncated NDArray file: {what} declares {nbytes} bytes (shape "
                         f"{shape}, {dtype.name}) at byte {r.pos} but {r.remaining} remain")
    if dtype.kind == "b":
        return (np.frombuffer(r.raw(nbytes, what), dtype=np.uint8) != 0).reshape(shape)
    return np.frombuffer(r.raw(nbytes, what), dtype=dtype).astype(
        dtype.newbyteorder("="), copy=True).reshape(shape)


def _read_sparse(r, stype, where):
    """A row_sparse (1) or csr (2) array after its storage type: (SparseParts, device)."""
    storage = _read_shape_dims(r, "q", r.u32(f"{where}'s storage ndim"), where)
    shape = _read_shape_dims(r, "q", r.u32(f"{where}'s ndim"), where)
    dev_type = r.i32(f"{where}'s device type")
    dev_id = r.i32(f"{where}'s device id")
    if dev_type not in DEVICE_TYPES or dev_id < 0:
        raise MXNetError(f"invalid NDArray file: {where} has device ({dev_type}, {dev_id}) at "
                         f"byte {r.pos - 8}")
    flag = r.i32(f"{where}'s type flag")
    if flag not in TYPE_FLAGS:
        raise MXNetError(f"invalid NDArray file: {where} has unknown type flag {flag} at byte "
                         f"{r.pos - 4}")
    aux_specs = []
    for i in range(_AUX_COUNT[stype]):
        aux_flag = r.i32(f"{where}'s aux {i} type flag")
        if aux_flag not in TYPE_FLAGS:
            raise MXNetError(f"invalid NDArray file: {where}'s aux {i} has unknown type flag "
                             f"{aux_flag} at byte {r.pos - 4}")
        aux_shape = _read_shape_dims(r, "q", r.u32(f"{where}'s aux {i} ndim"), where)
        aux_specs.append((aux_shape, TYPE_FLAGS[aux_flag]))
    indices = aux_specs[-1][0]
    if 0 in storage and indices:  # MXNet leaves it empty on a cast_storage result: the
        storage = (indices[0],) + (shape[1:] if stype == 1 else ())  # indices tell its size
    data = _read_raw(r, storage, TYPE_FLAGS[flag], f"{where}'s data")
    aux = tuple(_read_raw(r, s, t, f"{where}'s aux {i}").astype(np.int64)
                for i, (s, t) in enumerate(aux_specs))
    return SparseParts(_STORAGE_NAMES[stype], shape, data, aux), dev_type, dev_id


def _read_array(r, index, np_shape=None):
    """One array; ``np_shape`` (True or False) requires the file to have been written with
    NumPy shape semantics on or off, as MXNet does."""
    start = r.pos
    where = f"array {index}"
    magic = r.u32(f"array {index}'s magic number")
    if np_shape is not None and (magic == V3_MAGIC) != np_shape:
        raise MXNetError(
            f"{where} was saved in np shape semantics, must be loaded in the same semantics; "
            f"turn on np shape semantics with `with mx.np_shape(True)`" if np_shape is False else
            f"{where} was not saved in np shape semantics, but is being loaded in np shape "
            f"semantics; turn them off with `with mx.np_shape(False)`")
    if magic == V2_MAGIC or magic == V3_MAGIC:
        stype_pos = r.pos
        stype = r.i32(f"{where}'s storage type")
        if stype in _AUX_COUNT and magic == V2_MAGIC:
            return _read_sparse(r, stype, where)
        if stype != 0:
            kind = _STORAGE_NAMES.get(stype, "unknown")
            raise MXNetError(
                f"invalid NDArray file: {where} has storage type {stype} ({kind}) at byte "
                f"{stype_pos}; only 0 (dense), 1 (row_sparse) and 2 (csr) exist, and only "
                f"dense arrays in np shape semantics"
            )
        if magic == V2_MAGIC:
            ndim = r.u32(f"{where}'s ndim")
        else:
            ndim = r.i32(f"{where}'s ndim")
            if ndim == -1:
                return _none_array()
            if ndim < -1:
                raise MXNetError(
                    f"invalid NDArray file: {where} declares ndim {ndim} at byte {r.pos - 4}"
                )
        shape = _read_shape_dims(r, "q", ndim, where)
        return _read_body(r, shape, where)
    if magic == V1_MAGIC:
        ndim = r.u32(f"{where}'s ndim")
        if ndim == 0:
            return _none_array()
        shape = _read_shape_dims(r, "q", ndim, where)
        return _read_body(r, shape, where)
    # Legacy: no magic; the u32 just read is ndim.
    ndim = magic
    if ndim > MAX_NDIM:
        raise MXNetError(
            f"invalid NDArray file: {where} at byte {start} starts with 0x{magic:08X}, which is neither an "
            f"NDArray magic number (0x{V1_MAGIC:08X}, 0x{V2_MAGIC:08X}, 0x{V3_MAGIC:08X}) nor "
            f"a legacy ndim (at most {MAX_NDIM})"
        )
    if ndim == 0:
        return _none_array()
    shape = _read_shape_dims(r, "I", ndim, where)
    return _read_body(r, shape, where)


def decode_array(buf, np_shape=None):
    """(numpy array, device type, device id) of one array in MXNet's per-array format
    (the state an MXNet NDArray pickles)."""
    r = _Reader(bytes(buf))
    return _read_array(r, 0, np_shape)


def decode(buf, np_shape=None):
    """Parse an NDArray file's bytes (``np_shape``: see ``_read_array``).

    Returns ``(entries, names)``: ``entries`` is a list of ``(array, dev_type, dev_id)`` with a
    numpy ``array`` (native byte order) or a SparseParts, ``names`` the list of names (empty for a list file).
    Raises MXNetError for anything that is not a well-formed NDArray file.
    """
    buf = bytes(buf)
    r = _Reader(buf)
    if len(buf) < 8:
        raise MXNetError(
            f"invalid NDArray file: expected magic 0x{LIST_MAGIC:X} at byte 0 but the file has "
            f"only {len(buf)} bytes"
        )
    magic = r.u64("the file magic")
    if magic != LIST_MAGIC:
        raise MXNetError(
            f"invalid NDArray file: expected magic 0x{LIST_MAGIC:X} at byte 0, found "
            f"0x{magic:X} ({buf[:8]!r}); this is not an MXNet NDArray file"
        )
    r.u64("the reserved header field")
    count_pos = r.pos
    count = r.u64("the array count")
    max_count = max(r.remaining - 8, 0) // _NONE_ARRAY_BYTES
    if count > max_count:
        raise MXNetError(
            f"invalid NDArray file: declares {count} arrays at byte {count_pos} but only "
            f"{r.remaining} bytes remain (room for at most {max_count})"
        )
    entries = [_read_array(r, i, np_shape) for i in range(count)]
    names_pos = r.pos
    name_count = r.u64("the name count")
    if name_count not in (0, count):
        raise MXNetError(
            f"invalid NDArray file: {name_count} names at byte {names_pos} for {count} arrays "
            f"(must be 0 or {count})"
        )
    names = []
    for i in range(name_count):
        len_pos = r.pos
        length = r.u64(f"name {i}'s length")
        if length > r.remaining:
            raise MXNetError(
                f"truncated NDArray file: name {i} declares {length} bytes at byte {len_pos} "
                f"but {r.remaining} remain"
            )
        raw = r.raw(length, f"name {i}")
        try:
            names.append(raw.decode("utf-8"))
        except UnicodeDecodeError as e:
            raise MXNetError(
                f"invalid NDArray file: name {i} at byte {len_pos + 8} is not valid utf-8 ({e})"
            ) from None
    if r.remaining:
        raise MXNetError(
            f"invalid NDArray file: {r.remaining} bytes of trailing data at byte {r.pos} after "
            f"the last {'name' if names else 'array'}"
        )
    return entries, names


# --------------------------------------------------------------------------------------
# file I/O
# --------------------------------------------------------------------------------------


def _is_remote(fname):
    return "://" in fname


def _fsspec():
    try:
        import fsspec
    except ImportError:
        raise MXNetError(
            "remote file names (with '://') need fsspec: pip install symjax_mx[remote]"
        ) from None
    return fsspec


def read_bytes(fname):
    """All bytes of ``fname``: a local path, or a URL with '://' (read through fsspec)."""
    fname = os.fspath(fname)
    if isinstance(fname, bytes):
        fname = os.fsdecode(fname)
    if _is_remote(fname):
        with _fsspec().open(fname, "rb") as f:
            return f.read()
    try:
        with open(fname, "rb") as f:
            return f.read()
    except FileNotFoundError as e:
        raise MissingFileError(e.errno, f"file not found: {fname!r}", fname) from None


def _umask():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes_atomic(fname, data):
    """Write ``data`` to ``fname``.

    A local file is replaced atomically: the bytes go to a temporary file
    ``.NAME.PID.XXXX.tmp`` in the same folder, which is flushed, fsync'ed and then renamed
    over ``fname``; if anything fails the temporary file is removed, a previous ``fname`` is
    left untouched and the OSError names ``fname``. Temporary files that saves of the same
    target killed before they finished left behind are removed first. A URL with '://' is
    written through fsspec (as atomic as that file system makes it).
    """
    fname = os.fspath(fname)
    if isinstance(fname, bytes):
        fname = os.fsdecode(fname)
    if _is_remote(fname):
        with _fsspec().open(fname, "wb") as f:
            f.write(data)
        return
    folder = os.path.dirname(os.path.abspath(fname))
    if not os.path.isdir(folder):
        raise MissingFileError(errno.ENOENT, f"cannot save {fname!r}: the folder {folder!r} "
                               f"does not exist", fname)
    prefix = f".{os.path.basename(fname)}."
    _remove_stale_temporaries(folder, prefix)
    try:
        mode = os.stat(fname).st_mode & 0o7777
    except OSError:
        mode = 0o666 & ~_umask()
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, fname)
    except BaseException as err:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        if isinstance(err, OSError):
            raise type(err)(err.errno, f"cannot save {fname!r}: {err.strerror or err}",
                            fname) from err
        raise
    _sync_folder(folder)


def _remove_stale_temporaries(folder, prefix):
    """Remove ``prefix + PID.XXXX.tmp`` files whose writing process no longer exists."""
    try:
        names = [n for n in os.listdir(folder) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        parts = name[len(prefix):].split(".")  # PID, mkstemp's random part, "tmp"
        pid = parts[0] if len(parts) == 3 else ""
        if pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def _process_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _sync_folder(folder):
    """Make a rename in ``folder`` durable; not possible on every platform."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)

"""mx.recordio: MXNet's RecordIO files (``.rec``) and their index (``.idx``), byte for byte.

A record on disk is: u32 magic ``0xced7230a``, u32 ``cflag << 29 | length``, the payload,
zero padding to a multiple of 4 bytes. A payload that contains the magic number at a
4-byte-aligned offset is split there (the magic itself is dropped): the parts carry
cflag 1 (first), 2 (middle), 3 (last); a record in one part has cflag 0. Readers put the
magic back between parts. The index file has one ``key\\tbyte offset`` line per record.

``pack`` / ``unpack`` add the image-record header ``IRHeader(flag, label, id, id2)``
(struct ``IfQQ``); with several labels, ``flag`` is their count and the float32 labels
precede the payload.
"""
import numbers
import os
import struct
from collections import namedtuple

import numpy as np

from .base import MXNetError
from .image import codec

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_MAX_LENGTH = 1 << 29


def _encode_parts(buf):
    """The (cflag, bytes) parts ``buf`` is written as (split at aligned magic numbers)."""
    cuts = [i for i in range(0, len(buf) - len(buf) % 4, 4) if buf[i:i + 4] == _MAGIC_BYTES]
    if not cuts:
        return [(0, buf)]
    parts, start = [], 0
    for i in cuts:
        parts.append((1 if start == 0 else 2, buf[start:i]))
        start = i + 4
    parts.append((3, buf[start:]))
    return parts


class MXRecordIO:
    """Sequential reader (``flag='r'``) or writer (``flag='w'``) of a RecordIO file."""

    def __init__(self, uri, flag):
        self.uri = str(uri)
        self.flag = flag
        self.pid = None
        self.is_open = False
        self.handle = None
        self.open()

    def open(self):
        """Open the file (again, from its start)."""
        if self.flag not in ("r", "w"):
            raise ValueError(f"Invalid flag {self.flag}")
        self.writable = self.flag == "w"
        try:
            self.handle = open(self.uri, "wb" if self.writable else "rb")
        except OSError as err:
            raise MXNetError(f"RecordIO: cannot open {self.uri!r}: {err}") from None
        self.pid = os.getpid()
        self.is_open = True

    def __del__(self):
        self.close()

    def __getstate__(self):
        """Picklable: the file is closed here and reopened (from its start) on unpickling."""
        is_open = self.is_open
        self.close()
        state = dict(self.__dict__, is_open=is_open)
        del state["handle"]
        return state

    def __setstate__(self, state):
        was_open = state["is_open"]
        self.__dict__ = state
        self.is_open = False
        self.handle = None
        if was_open:
            self.open()

    def _check_pid(self, allow_reset=False):
        if self.pid != os.getpid():
            if not allow_reset:
                raise RuntimeError("Forbidden operation in multiple processes")
            self.reset()

    def _require(self, writable):
        if not getattr(self, "is_open", False):
            raise MXNetError(f"RecordIO file {self.uri!r} is closed")
        if self.writable != writable:
            raise MXNetError(f"RecordIO file {self.uri!r} was opened with flag "
                             f"{self.flag!r}: it cannot be {'written' if writable else 'read'}")

    def close(self):
        """Close the file (flushing a writer)."""
        if not getattr(self, "is_open", False):
            return
        self.handle.close()
        self.is_open = False
        self.pid = None

    def reset(self):
        """Reopen: a reader starts over, a writer truncates the file."""
        self.close()
        self.open()

    def write(self, buf):
        """Append one record holding the bytes ``buf``."""
        self._require(writable=True)
        self._check_pid(allow_reset=False)
        buf = bytes(buf)
        if len(buf) >= _MAX_LENGTH:
            raise MXNetError(f"RecordIO only accepts records under 2^29 bytes, got {len(buf)}")
        for cflag, part in _encode_parts(buf):
            self.handle.write(struct.pack("<II", _MAGIC, cflag << 29 | len(part)))
            self.handle.write(part)
        self.handle.write(b"\0" * (-len(buf) % 4))

    def read(self):
        """The next record's bytes, or None at the end of the file."""
        self._require(writable=False)
        self._check_pid(allow_reset=False)
        parts = []
        while True:
            head = self.handle.read(8)
            if not head and not parts:
                return None
            if len(head) != 8:
                raise MXNetError(f"Invalid RecordIO File {self.uri!r}: truncated record header")
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise MXNetError(f"Invalid RecordIO File {self.uri!r}: bad magic number "
                                 f"{magic:#x} at byte {self.handle.tell() - 8}")
            cflag, length = lrec >> 29, lrec & (_MAX_LENGTH - 1)
            data = self.handle.read((length + 3) // 4 * 4)
            if len(data) < length:
                raise MXNetError(f"Invalid RecordIO File {self.uri!r}: truncated record")
            parts.append(data[:length])
            if cflag in (0, 3):
                return _MAGIC_BYTES.join(parts)


class MXIndexedRecordIO(MXRecordIO):
    """RecordIO with random access through an index file (``key\\toffset`` lines)."""

    def __init__(self, idx_path, uri, flag, key_type=int):
        self.idx_path = idx_path
        self.idx = {}
        self.keys = []
        self.key_type = key_type
        self.fidx = None
        super().__init__(uri, flag)

    def open(self):
        super().open()
        self.idx = {}
        self.keys = []
        self.fidx = open(self.idx_path, self.flag)
        if not self.writable:
            for line in iter(self.fidx.readline, ""):
                fields = line.strip().split("\t")
                if len(fields) < 2:
                    continue
                key = self.key_type(fields[0])
                self.idx[key] = int(fields[1])
                self.keys.append(key)

    def close(self):
        if not getattr(self, "is_open", False):
            return
        super().close()
        self.fidx.close()

    def __getstate__(self):
        state = super().__getstate__()
        state["fidx"] = None
        return state

    def seek(self, idx):
        """Position the reader at the record with key ``idx``."""
        self._require(writable=False)
        self._check_pid(allow_reset=True)
        if idx not in self.idx:
            raise MXNetError(f"RecordIO index {self.idx_path!r} has no key {idx!r}")
        self.handle.seek(self.idx[idx])

    def tell(self):
        """The writer's current byte offset (where the next record starts)."""
        self._require(writable=True)
        return self.handle.tell()

    def read_idx(self, idx):
        """The record with key ``idx``."""
        self.seek(idx)
        return self.read()

    def write_idx(self, idx, buf):
        """Append a record under key ``idx`` and index it."""
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write(f"{key}\t{pos}\n")
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s):
    """Bytes of an image record: ``header`` (an IRHeader or 4-tuple) then the payload ``s``.

    A number label is stored in the header (flag 0); an array label sets flag to its size
    and is stored as float32 in front of the payload."""
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + bytes(s)
    return struct.pack(_IR_FORMAT, *header) + bytes(s)


def unpack(s):
    """(IRHeader, payload bytes) of a record made by ``pack``; an array label (flag > 0)
    comes back as a float32 numpy array."""
    if len(s) < _IR_SIZE:
        raise MXNetError(f"unpack: a record needs at least {_IR_SIZE} bytes, got {len(s)}")
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4:]
    return header, s


def unpack_img(s, iscolor=-1):
    """(IRHeader, image as an OpenCV-style BGR uint8 numpy array) of a record.

    ``iscolor``: 1 three channels, 0 grey, -1 as stored (cv2.imdecode's flag)."""
    header, s = unpack(s)
    return header, codec.decode(s, flag=iscolor, to_rgb=False)


def pack_img(header, img, quality=95, img_fmt=".jpg"):
    """``pack`` of ``img`` (OpenCV-style BGR uint8 numpy array) encoded as ``img_fmt``
    ('.jpg' with JPEG ``quality``, or '.png' with zlib level ``quality``, capped at 9)."""
    return pack(header, codec.encode(img, img_fmt=img_fmt, quality=quality))

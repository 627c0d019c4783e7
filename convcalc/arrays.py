"""The array files of `run` and `verify`: an .npy input (`--input`) and an .npz of weights
(`--weights`), each held against what the network expects before any of its values is read.

The rule: a file is read only when it is a regular file of at most 8 bytes per value the network
needs plus ``FILE_SLACK`` (and ``MEMBER_SLACK`` per array of an .npz); its .npy headers
(numpy.lib.format's readers, format 1.0 or 2.0) must announce real numbers (float or integer)
in the shape expected; then exactly the bytes the header announces are read, never unpickled,
and every value must be finite in the dtype computed in. Anything else is a one-line error
naming the file (and the key inside an .npz).
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as npy_format

from convcalc.errors import ConvcalcError, Location
from convcalc.i18n import Msg

FILE_SLACK = 1024 ** 2  # bytes an array file may hold beyond its values at 8 bytes each
MEMBER_SLACK = 4096  # per array of an .npz: its zip entry and .npy header
EXTRA_ENTRIES = 256  # entries an .npz may hold beyond the network's arrays (each named as an error)
MAX_HEADER = 10_000  # bytes of an .npy header (NumPy's own default limit)
NPY_MAGIC, ZIP_MAGIC = b"\x93NUMPY", b"PK\x03\x04"
REFUSED_KINDS = {"c": "kind_complex", "b": "kind_bool", "O": "kind_object", "U": "kind_array_text", "S": "kind_array_text",
                 "V": "kind_structured", "M": "kind_time", "m": "kind_time"}
FINITE_CHUNK = 1 << 20  # values checked at a time: the check's own temporaries stay small


@dataclass
class Header:
    shape: tuple[int, ...]
    fortran_order: bool
    dtype: np.dtype


def _open(path: str, needed_values: int, arrays: int):
    """The file opened for reading, after its type and size are checked."""
    where = Location(path)
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise ConvcalcError("file_not_found", where) from None
    except OSError as error:
        raise ConvcalcError("npz_unreadable", where, reason=error.strerror or type(error).__name__) from None
    if not stat.S_ISREG(status.st_mode):
        raise ConvcalcError("array_not_regular", where)
    limit = 8 * needed_values + FILE_SLACK + MEMBER_SLACK * arrays
    if status.st_size > limit:
        raise ConvcalcError("array_file_too_large", where, size=f"{status.st_size:,}", limit=f"{limit:,}")
    try:
        return open(path, "rb")
    except OSError as error:
        raise ConvcalcError("npz_unreadable", where, reason=error.strerror or type(error).__name__) from None


def read_header(stream, where: Location, label) -> Header:
    """The .npy header (shape, order, dtype), read without touching the values; refused unless
    the dtype is a real number."""
    try:
        version = npy_format.read_magic(stream)
    except ValueError:
        raise ConvcalcError("npy_not_npy", where, label=label) from None
    readers = {(1, 0): npy_format.read_array_header_1_0, (2, 0): npy_format.read_array_header_2_0}
    if version not in readers:
        raise ConvcalcError("npy_version", where, label=label, version=".".join(map(str, version)))
    try:
        shape, fortran_order, dtype = readers[version](stream, max_header_size=MAX_HEADER)
    except (ValueError, TypeError, SyntaxError):
        raise ConvcalcError("npy_bad_header", where, label=label) from None
    refused = "V" if dtype.fields is not None or dtype.subdtype is not None else dtype.kind
    if refused in REFUSED_KINDS:
        raise ConvcalcError("array_dtype", where, label=label, kind=Msg(REFUSED_KINDS[refused]), dtype=str(dtype))
    return Header(tuple(shape), fortran_order, dtype)


def read_values(stream, header: Header, where: Location, label, dtype: str) -> np.ndarray:
    """Exactly the bytes the header announces, converted into ``dtype`` a chunk at a time (a
    float64 file for a float32 network never stands whole in memory beside its copy); every
    value must be finite."""
    order = "F" if header.fortran_order else "C"
    converted = np.empty(header.shape, dtype=dtype, order=order)
    flat = converted.reshape(-1, order="A")  # a view, in the file's order
    chunk = np.empty(min(flat.size, FINITE_CHUNK), dtype=header.dtype)
    expected = flat.size * header.dtype.itemsize
    for start in range(0, flat.size, FINITE_CHUNK):
        part = chunk[:min(FINITE_CHUNK, flat.size - start)]
        view, filled = memoryview(part).cast("B"), 0
        while filled < len(view):
            count = stream.readinto(view[filled:])
            if not count:
                raise ConvcalcError("array_truncated", where, label=label, expected=f"{expected:,}",
                                    received=f"{start * header.dtype.itemsize + filled:,}")
            filled += count
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond the dtype's range is refused below
            flat[start:start + part.size] = part
    if stream.read(1):
        raise ConvcalcError("array_trailing", where, label=label)
    check_finite(converted, where, label)
    return np.ascontiguousarray(converted)


def check_finite(array: np.ndarray, where: Location, label) -> None:
    """Every value finite (NaN, infinities and values beyond the dtype's range are refused)."""
    flat = array.reshape(-1, order="A")
    for start in range(0, flat.size, FINITE_CHUNK):
        chunk = np.isfinite(flat[start:start + FINITE_CHUNK])
        if not chunk.all():
            order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"
            index = np.unravel_index(start + int(np.argmin(chunk)), array.shape, order=order)
            raise ConvcalcError("array_not_finite", where, label=label, index=list(map(int, index)),
                                dtype=str(array.dtype))


def shape_text(shape) -> str:
    return "x".join(map(str, shape)) if shape else "()"


def load_input(path: str, allowed: list[tuple[int, ...]], expected, dtype: str) -> np.ndarray:
    """The .npy at ``path``, whose header shape must be one of ``allowed``."""
    where, label = Location(path), Msg("label_input")
    with _open(path, max(int(np.prod(shape)) for shape in allowed), 1) as stream:
        if stream.read(4) == ZIP_MAGIC:
            raise ConvcalcError("npy_is_npz", where)
        stream.seek(0)
        header = read_header(stream, where, label)
        if header.shape not in allowed:
            raise ConvcalcError("input_shape", where, expected=expected, received=list(header.shape))
        return read_values(stream, header, where, label, dtype)


def load_weights(path: str, expected: dict[str, tuple[int, ...]], ignored: set[str], dtype: str, *,
                 unknown, missing) -> dict:
    """The .npz at ``path``: key -> array for every key of ``expected`` (keys in ``ignored`` are
    skipped unread); ``unknown(key)`` is the error for a key that matches nothing, ``missing(keys)``
    for expected keys the archive lacks. Every key is checked, and every header against its
    expected shape, before any array is read."""
    where = Location(path)
    with _open(path, sum(int(np.prod(shape)) for shape in expected.values()), len(expected) + len(ignored)) as raw:
        magic = raw.read(6)
        if magic == NPY_MAGIC:
            raise ConvcalcError("npz_is_npy", where)
        entries, allowed = _entry_count(raw), len(expected) + len(ignored) + EXTRA_ENTRIES
        if entries is not None and entries > allowed:  # before zipfile reads a directory of that many
            raise ConvcalcError("npz_too_many", where, count=f"{entries:,}", limit=f"{allowed:,}")
        raw.seek(0)
        try:
            archive = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, ValueError, EOFError):
            raise ConvcalcError("npz_not_zip", where) from None
        with archive:
            members = {}
            for info in archive.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                if key in members:
                    raise ConvcalcError("npz_duplicate", where, key=key)
                if key not in ignored:
                    members[key] = info
            for key in members:
                if key not in expected:
                    raise unknown(key)
            absent = [key for key in expected if key not in members]
            if absent:
                raise missing(absent)
            headers = {}
            for key, info in members.items():
                label = Msg("label_key", key=key)
                needed = int(np.prod(expected[key])) * 8 + MEMBER_SLACK
                if info.file_size > needed:  # announced uncompressed: never inflated to find out
                    raise ConvcalcError("npz_member_too_large", where, label=label, size=f"{info.file_size:,}",
                                        limit=f"{needed:,}")
                with _member(archive, info, where, label) as stream:
                    headers[key] = _guarded(lambda: read_header(stream, where, label), where, label)
                if headers[key].shape != tuple(expected[key]):
                    raise ConvcalcError("weight_shape", where, name=key, expected=list(expected[key]),
                                        received=list(headers[key].shape))
            arrays = {}
            for key, info in members.items():
                label = Msg("label_key", key=key)
                with _member(archive, info, where, label) as stream:
                    arrays[key] = _guarded(lambda: (read_header(stream, where, label),
                                                    read_values(stream, headers[key], where, label, dtype))[1],
                                           where, label)
            return arrays


def _entry_count(raw) -> int | None:
    """The number of entries a zip's end-of-directory record announces (65,535 for more), or
    None when there is no such record (zipfile then refuses the file)."""
    size = raw.seek(0, os.SEEK_END)
    tail = min(size, 22 + 0xFFFF)  # the record, and its longest comment
    raw.seek(size - tail)
    data = raw.read(tail)
    at = data.rfind(b"PK\x05\x06")
    return int.from_bytes(data[at + 10:at + 12], "little") if at >= 0 and len(data) - at >= 22 else None


def _guarded(read, where: Location, label):
    """An archive member read: a damaged entry (bad checksum, bad compressed data) is a located error."""
    try:
        return read()
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        raise ConvcalcError("npz_bad_member", where, label=label) from None


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: Location, label):
    """An archive member opened for reading. zipfile raises NotImplementedError for a compression
    method it cannot read, RuntimeError for an encrypted member: both are a damaged member here."""
    try:
        return archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError):
        raise ConvcalcError("npz_bad_member", where, label=label) from None


def numeric_lists(values) -> bool:
    """Nested lists of numbers (not YAML's true/false, not text)."""
    if isinstance(values, list):
        return all(numeric_lists(item) for item in values)
    return isinstance(values, (int, float)) and not isinstance(values, bool)

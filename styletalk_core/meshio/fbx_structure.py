"""A binary FBX file's structure, walked before Blender reads it: every node record ends where it
says, inside its parent; every property fits in its list; every array's stated length agrees with its
bytes (plain) or is within what its compressed bytes can hold (zlib). A file whose structure does not
add up (a byte deleted or changed) is one line, before Blender's importer allocates from it (an 11.8
KB cube with one byte deleted took 8 GB)."""

from __future__ import annotations

import struct
from pathlib import Path

from ..formats.errors import InputError

HEADER = 27  # "Kaydara FBX Binary  \0" + 0x1a 0x00 + version (u32)
SCALARS = {b"Y": 2, b"C": 1, b"I": 4, b"F": 4, b"D": 8, b"L": 8}
ARRAYS = {b"f": 4, b"d": 8, b"l": 8, b"i": 4, b"b": 1}
ZLIB_MAX_RATIO = 1032  # deflate cannot expand a byte to more than this many
MAX_ARRAY_BYTES = 1 << 30
MAX_DEPTH = 64


class _Bad(Exception):
    pass


def _properties(data: bytes, at: int, end: int, count: int) -> None:
    for _ in range(count):
        if at >= end:
            raise _Bad(f"a property list ends before its {count} properties")
        kind, at = data[at : at + 1], at + 1
        if kind in SCALARS:
            at += SCALARS[kind]
        elif kind in ARRAYS:
            if at + 12 > end:
                raise _Bad("an array property is cut short")
            length, encoding, stored = struct.unpack_from("<III", data, at)
            at += 12
            size = length * ARRAYS[kind]
            if encoding == 0 and stored != size:
                raise _Bad(f"an array of {length} values holds {stored} bytes, not {size}")
            if encoding == 1 and size > stored * ZLIB_MAX_RATIO:
                raise _Bad(f"a compressed array claims {length} values from {stored} bytes")
            if encoding not in (0, 1) or size > MAX_ARRAY_BYTES:
                raise _Bad(f"an array property claims {size} bytes (encoding {encoding})")
            at += stored
        elif kind in (b"S", b"R"):
            if at + 4 > end:
                raise _Bad("a string property is cut short")
            at += 4 + struct.unpack_from("<I", data, at)[0]
        else:
            raise _Bad(f"an unknown property type {kind!r}")
        if at > end:
            raise _Bad("a property runs past its list")
    if at != end:
        raise _Bad("a property list's stated length does not match its properties")


def _records(data: bytes, at: int, end: int, wide: bool, depth: int) -> int:
    """Walk the records from `at` to `end` (a null record ends a nested list); where they end."""
    if depth > MAX_DEPTH:
        raise _Bad("records nested too deeply")
    fmt, size = ("<QQQB", 25) if wide else ("<IIIB", 13)
    while at + size <= end:
        record_end, count, list_len, name_len = struct.unpack_from(fmt, data, at)
        if record_end == 0:  # the null record closing this list
            return at + size
        props = at + size + name_len
        if not props + list_len <= record_end <= end or record_end <= at:
            raise _Bad(f"a node record at byte {at} ends at {record_end}, outside its place")
        _properties(data, props, props + list_len, count)
        if props + list_len < record_end:
            nested_end = _records(data, props + list_len, record_end, wide, depth + 1)
            if nested_end != record_end:
                raise _Bad(f"the records nested in the one at byte {at} do not end where it does")
        at = record_end
    return at


def check_fbx_structure(path: Path, data) -> None:
    """One InputError line when the binary FBX `data` (bytes or an mmap of `path`) does not hold together."""
    if len(data) < HEADER + 13:
        raise InputError(f"{path}: the FBX file is cut short ({len(data)} bytes)")
    version = struct.unpack_from("<I", data, 23)[0]
    try:
        _records(data, HEADER, len(data), version >= 7500, 0)
    except _Bad as exc:
        raise InputError(f"{path}: the FBX file's structure does not hold together: {exc}") from None
    except struct.error:
        raise InputError(f"{path}: the FBX file's structure does not hold together: a record is cut short") from None

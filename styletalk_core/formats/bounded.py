"""Input files read within bounds known before anything is allocated: an array's size comes from its
header (an .npy, each member of an .npz; a .mat's variables: style/clip.py), a text file's from its
size on disk. A few-kilobyte file that claims gigabytes (a zip bomb, a corrupt header) is one line, not an
allocation. The bounds are far above any real input (a curves file of two hours at 30 fps holds 55 MB)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from .errors import InputError

MAX_ARRAY_BYTES = 1 << 30  # any one array in an input file: 1 GiB
MAX_TEXT_BYTES = 64 << 20  # a JSON or text input: 64 MiB


def check_size(path: Path, name: str, shape: tuple, itemsize: int, limit: int) -> None:
    count = 1
    for n in shape:
        count *= int(n)
    if count * itemsize > limit:
        size = "x".join(str(int(n)) for n in shape)
        raise InputError(
            f"{path}: {name!r} claims {size} values ({count * itemsize / 2**30:.3g} GiB); the limit is "
            f"{limit / 2**30:.3g} GiB"
        )


def _npy_header(f, path: Path, name: str, limit: int) -> None:
    version = np.lib.format.read_magic(f)
    shape, _, dtype = np.lib.format._read_array_header(f, version, max_header_size=10_000)
    if dtype.hasobject:
        raise InputError(f"{path}: {name!r} holds Python objects; only numbers are read")
    check_size(path, name, shape, dtype.itemsize, limit)


def load_npz(path: Path, limit: int = MAX_ARRAY_BYTES) -> dict[str, np.ndarray]:
    """Every array of an .npz, each checked against `limit` from its header first."""
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            with z.open(info) as f:
                _npy_header(f, path, info.filename.removesuffix(".npy"), limit)
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_npy(path: Path, limit: int = MAX_ARRAY_BYTES) -> np.ndarray:
    with open(path, "rb") as f:
        _npy_header(f, path, path.name, limit)
    return np.load(path, allow_pickle=False)


def read_text(path: Path, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """A UTF-8 text file no bigger than `limit`, or one line."""
    size = os.stat(path).st_size
    if size > limit:
        raise InputError(f"{path}: the {what} is {size / 2**20:.3g} MiB; the limit is {limit / 2**20:.3g} MiB")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text (byte {exc.start}): a {what} is plain text") from None

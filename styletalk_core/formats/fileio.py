"""Atomic file writes (outputs appear complete or not at all) and input-file checks."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import OutputError


def check_output_path(path: str | os.PathLike) -> Path:
    """`path` as a Path if a file can be written there, else one OutputError line saying why."""
    text = os.fspath(path)
    target = Path(text)
    if not text or not target.name:
        raise OutputError(f"{text!r}: the output needs a file name")
    if len(target.name.encode()) > 200:  # the temporary name beside it must fit the 255-byte limit too
        raise OutputError(f"{target.name[:40]}...: the output file name is too long ({len(target.name)} characters)")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; name an output file inside it")
    for parent in (target.parent, *target.parent.parents):
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{target}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"{target}: cannot write into {parent} (permission denied)")
            break
    return target


def require_suffix(path: str | os.PathLike, suffixes: tuple[str, ...], what: str) -> Path:
    """`path` if its name ends in one of `suffixes` (any case), else one OutputError line."""
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise OutputError(f"{target}: {what} is written as {' or '.join(suffixes)}; name the output so")
    return target


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it onto `path` only if the block succeeds and
    wrote a non-empty file. Write through the path itself or an open file object: writers that
    append their own suffix to a name (numpy's save/savez) must be given a file object."""
    target = check_output_path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp creates 0600; outputs get normal permissions
    try:
        yield tmp_path
        if tmp_path.stat().st_size == 0:
            raise OutputError(f"{target}: nothing was written; the existing file (if any) is left as it was")
        os.replace(tmp_path, target)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        tmp_path.unlink(missing_ok=True)


def require_file(path: str | os.PathLike, what: str, error: type[Exception]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise error(f"{p}: {what} not found" if not p.exists() else f"{p}: {what} is not a file")
    return p

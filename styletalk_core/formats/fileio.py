"""Atomic file writes (outputs appear complete or not at all) and input-file checks."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, OutputError


def _check_name_length(target: Path) -> None:
    if len(target.name.encode()) > 200:  # the temporary name beside it must fit the 255-byte limit too
        raise OutputError(f"{target.name[:40]}...: the output file name is too long ({len(target.name)} characters)")


def check_output_path(path: str | os.PathLike) -> Path:
    """Where an output named `path` is written, if a file can be written there, else one OutputError
    line saying why. A symbolic link is written through (its target is replaced, the link kept); an
    existing name that is not a regular file (a FIFO, a device, a socket) is refused, never replaced."""
    text = os.fspath(path)
    target = Path(text)
    if not text or not target.name:
        raise OutputError(f"{text!r}: the output needs a file name")
    _check_name_length(target)
    if target.is_symlink():
        target = Path(os.path.realpath(target))
        _check_name_length(target)
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; name an output file inside it")
    if target.exists() and not target.is_file():
        raise OutputError(f"{target}: exists and is not a regular file (a FIFO, device or socket); not replaced")
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


def _temp_beside(target: Path) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs get normal permissions
    return Path(tmp)


def _named(exc: OSError, tmps: list[Path], targets: list[Path], current: Path) -> Path:
    """The output an OSError is about: the one whose temporary file it names, else `current` while
    the temporary files are made or renamed, else (a writer failed: a full disk) the outputs' folder."""
    for tmp, target in zip(tmps, targets, strict=False):
        if exc.filename is not None and os.fspath(exc.filename) == os.fspath(tmp):
            return target
    if len(targets) == 1 or len(tmps) < len(targets):
        return current
    return current.parent


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[Path]]:
    """Yield a temporary path beside each of `paths`; rename them onto `paths` only if the block
    succeeds and wrote a non-empty file to every one, so a command's outputs appear all or none.
    Write through the path itself or an open file object: writers that append their own suffix to
    a name (numpy's save/savez) must be given a file object."""
    targets = [check_output_path(p) for p in paths]
    if len({t.resolve() for t in targets}) < len(targets):
        raise OutputError(f"{targets[0]}: the same file is named for two outputs")
    tmps: list[Path] = []
    current = targets[0]  # the output an OSError is about
    try:
        for current in targets:
            tmps.append(_temp_beside(current))
        yield list(tmps)
        for tmp, current in zip(tmps, targets, strict=True):
            if tmp.stat().st_size == 0:
                raise OutputError(f"{current}: nothing was written; the existing file (if any) is left as it was")
        for tmp, current in zip(tmps, targets, strict=True):
            os.replace(tmp, current)
    except OSError as exc:
        raise OutputError(f"{_named(exc, tmps, targets, current)}: cannot write: {exc.strerror or exc}") from None
    finally:
        for tmp in tmps:
            tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """One output written atomically (see atomic_paths)."""
    with atomic_paths(path) as (tmp,):
        yield tmp


def require_file(path: str | os.PathLike, what: str, error: type[Exception]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise error(f"{p}: {what} not found" if not p.exists() else f"{p}: {what} is not a file")
    return p


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes (read once per size and modification time: style clips are shared)."""
    st = path.stat()
    return _hash(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _hash(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hash(path: str | os.PathLike, shown: str | None = None) -> str:
    """file_hash of an input, or one InputError line naming it (`shown`, else the path) when it cannot
    be read (gone, or made unreadable, since it was checked)."""
    try:
        return file_hash(Path(path))
    except OSError as exc:
        raise InputError(f"{shown or path}: cannot be read any more: {exc.strerror or exc}") from None

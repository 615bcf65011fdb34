"""A batch's output folder: one batch writes it at a time (a lock the system lets go of when the
process ends, even by kill -9), the names a take may not have, and the temporary files a killed run
left behind, removed by the next run before it writes."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..formats.errors import InputError, OutputError

SUMMARY = "summary.json"
LOCK = ".styletalk-batch.lock"
RESERVED = {SUMMARY, LOCK}  # names in the folder that are the batch's own, not a take's
BATCH_ENGINES = ("local", "ray")
# formats.fileio's temporary files: '.' + the target's name + '.' + mkstemp's 8 characters + '.tmp...'
LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?")


def output_folder(outdir: str | os.PathLike, engine: str) -> Path:
    """The output folder, made if missing; one line when it cannot be (a file, a loop, no permission)."""
    if engine not in BATCH_ENGINES:
        raise InputError(f"--engine is one of {', '.join(BATCH_ENGINES)}, not {engine!r}")
    out = Path(outdir)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: the output folder is a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{out}: cannot make the output folder: {exc.strerror or exc}") from None
    return out


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the folder's lock (the file LOCK in it, removed after) for the block; another batch on
    the folder is refused in one line."""
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise OutputError(f"{path}: cannot open the batch's lock: {exc.strerror or exc}") from None
    try:
        # the file locked must still be the one at `path` (a batch ending removes it; one opened just before
        # that would otherwise hold a lock nobody else sees)
        if not _try_lock(fd) or not _same_file(fd, path):
            raise InputError(f"{out}: another batch is writing this folder; wait for it to end or use another folder")
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                path.unlink()
    finally:
        os.close(fd)  # lets go of the lock


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
    except OSError:
        return False


def remove_leftovers(out: Path, take_ids: Iterable[str]) -> list[Path]:
    """Remove the temporary files of writes that never finished (a run killed mid-write), in the
    folder and in the named takes' folders; the paths removed."""
    removed = []
    for folder in [out, *(out / t for t in take_ids)]:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if LEFTOVER.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        removed.append(Path(entry.path))
    return removed

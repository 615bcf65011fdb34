"""A take's files in the output folder: OUTDIR/ID/ holds the outputs the manifest asked for and
take.json, the record of what made them (a hash of every input file's bytes and every setting).
A take whose record matches and whose outputs are all there is done already; the outputs and the
record are written together, all or none."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..formats.curves import Curves
from ..formats.fileio import atomic_paths, input_hash
from ..formats.outputs import KINDS, write_output
from ..settings import MODEL_SYNC_MS
from .manifest import Take

RECORD = "take.json"
VERSION = 1  # of what a take's outputs hold; a change redoes every take


@dataclass(frozen=True)
class Writer:
    """An output the caller provides (the renderer's videos). write(curves, path, take) makes it;
    check(take) raises a StyleTalkError for a take it cannot serve, before any work; key names what
    else the output depends on (the weights' hash); gpu: on a cluster, it runs on a worker with a GPU.
    On a cluster a writer is sent to the workers, so it must pickle (a module-level function, or a
    functools.partial of one)."""

    write: Callable
    check: Callable | None = None
    key: str = ""
    gpu: bool = False


def take_key(take: Take, model_sha: str, writers: dict[str, Writer] | None = None, hashes: dict | None = None) -> str:
    """The hash of everything the take's outputs depend on. `hashes`: path -> the hash of the bytes
    that were loaded from it (style clips, poses, characters: the check read them already; a file
    replaced since is not what the take is made from). One line if a file has gone since the check."""
    writers, hashes = writers or {}, hashes or {}

    def of(path) -> str | None:
        return None if path is None else hashes.get(str(path)) or input_hash(path)

    parts = {
        "version": VERSION,
        "model": model_sha,
        "audio": of(take.audio),
        "transcript": take.transcript,
        "language": [take.language.code, take.language.voice],
        "sync": [round(MODEL_SYNC_MS, 3), take.sync_offset_ms],
        "lip_closure": take.lip_closure,
        "styles": [[s.preset or of(s.path), s.weight] for s in take.styles],
        "strength": take.strength,
        "pose": of(take.pose),
        "character": of(take.character),
        "landmarks": of(take.landmarks),
        "image": of(take.image),
        "outputs": list(take.outputs),
        "writers": {k: writers[k].key for k in take.outputs if k in writers},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def take_files(outdir: Path, take: Take) -> list[Path]:
    return [outdir / take.id / KINDS[o].file for o in take.outputs]


def is_current(outdir: Path, take: Take, key: str) -> bool:
    try:
        record = json.loads((outdir / take.id / RECORD).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("key") == key and all(p.is_file() for p in take_files(outdir, take))


def write_take(
    outdir: Path,
    take: Take,
    key: str,
    curves: Curves,
    character: tuple | None = None,
    writers: dict[str, Writer | bytes] | None = None,
) -> list[Path]:
    """The take's outputs and its record, atomically together. `character`: (its parts that change, our
    keys on them) of take.character, for the glb/fbx outputs; `writers`: the outputs the caller provides,
    each its Writer or the bytes a cluster's worker made of it already."""
    from ..meshio import write_character
    from ..retarget.character import animated

    files, folder = take_files(outdir, take), outdir / take.id
    existed, before = folder.is_dir(), _recorded(folder)
    try:
        with atomic_paths(*files, folder / RECORD) as staged:
            for kind, path in zip(take.outputs, staged, strict=False):
                given = (writers or {}).get(kind)
                if isinstance(given, bytes):
                    path.write_bytes(given)
                elif KINDS[kind].character:
                    parts, keys = character
                    write_character(take.character, parts, animated(keys, curves), path)
                elif given is not None:
                    given.write(curves, path, take)
                else:
                    write_output(curves, path, kind, take.id)
            record = {
                "id": take.id,
                "line": take.line,
                "key": key,
                "frames": curves.frames,
                "outputs": [p.name for p in files],
            }
            staged[-1].write_text(json.dumps(record, indent=1))
    except BaseException:  # a failed or stopped take leaves no folder of its own behind
        if not existed:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        raise
    for name in before - {p.name for p in files}:  # outputs the take no longer asks for, made from old inputs
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    return files


def _recorded(folder: Path) -> set[str]:
    """The outputs the take's record names (only names an output can have: nothing else is touched)."""
    try:
        record = json.loads((folder / RECORD).read_text())
    except (OSError, ValueError, RecursionError):
        return set()
    names = record.get("outputs") if isinstance(record, dict) else None
    if not isinstance(names, list):
        return set()
    files = {k.file for k in KINDS.values()}
    return {n for n in names if isinstance(n, str) and n in files}

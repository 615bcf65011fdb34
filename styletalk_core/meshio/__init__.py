"""Character files in and out: any .glb/.gltf/.fbx/.obj read whole by Blender's importers into plain
arrays (formats.character), and written back as the user's file plus a retarget's additions."""

from __future__ import annotations

import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..formats.character import Additions, Character, in_unit_range, load_character, save_additions
from ..formats.errors import InputError
from ..formats.fileio import atomic_path, check_output_path, require_file
from ..formats.progress import Progress
from .blender import read_with_blender, write_with_blender
from .glb_append import NotDirect, append_to_glb, ours_first
from .precheck import check_character_file

OUTPUT_SUFFIXES = (".glb", ".fbx")


@dataclass(frozen=True)
class Written:
    """How write_character wrote a character."""

    how: str  # "direct" (straight into a copy of the user's .glb) or "blender" (its importer and exporter)
    kept: tuple[str, ...] = ()  # the file's own animations, kept after ours (a .glb: ours is first, and plays)


def read_character(path: str | os.PathLike, progress: Progress | None = None) -> Character:
    """Every mesh object of the file (or of a character .npz the add-on wrote), in one frame."""
    p = require_file(path, "character", InputError)
    if p.suffix.lower() == ".npz":
        return load_character(p)
    check_character_file(p)
    with tempfile.TemporaryDirectory(prefix="styletalk_read_") as tmp:
        out = Path(tmp) / "character.npz"
        read_with_blender(p.resolve(), out, progress)
        try:
            character = load_character(out)
        except InputError as exc:  # name the user's file, not our temporary one
            raise InputError(str(exc).replace(str(out), str(p))) from None
    character.source = str(p)
    if not character.parts:
        raise InputError(f"{p}: has no mesh with faces (objects: {', '.join(character.objects) or 'none'})")
    return character


def write_character(
    source: str | os.PathLike,
    character: Character,
    additions: list[Additions],
    out: str | os.PathLike,
    progress: Progress | None = None,
) -> Written:
    """`source` plus `additions` (each on the part of `character`, as read_character gave it, that it
    names), written to `out` (.glb or .fbx, by its name). A .glb into a .glb takes the additions
    straight into the user's file (meshio.glb_append); anything else, or a .glb that cannot be mapped,
    goes through Blender's importer and exporter. A .glb has our animation first (the one importers
    play), the file's own after it, under their names."""
    target = check_output_path(out)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"{target}: a character is written as .glb or .fbx (OBJ holds no shape keys or animation)")
    src = Path(source).resolve()
    check_character_file(src)  # Blender's importer reads it again: under the same rule as when it was read
    additions = [in_unit_range(a) for a in additions]  # both writers: keys animated beyond [0, 1] split
    with tempfile.TemporaryDirectory(prefix="styletalk_write_") as tmp, atomic_path(target) as part_file:
        how = "blender"
        if target.suffix.lower() == ".glb" and src.suffix.lower() == ".glb":
            try:
                append_to_glb(src, [(character.part(a.part), a) for a in additions], part_file)
                how = "direct"
            except (NotDirect, KeyError, IndexError, TypeError, ValueError, struct.error):
                pass  # Blender's importer and exporter write it, and say what is wrong with it if anything
        if how == "blender":
            adds = Path(tmp) / "additions.npz"
            save_additions(additions, adds)
            write_with_blender(src, adds, part_file, progress)
        kept = ours_first(part_file) if target.suffix.lower() == ".glb" else ()
        check_character_file(part_file)  # what was written, as it will stay
    if progress is not None:
        progress(1, 1)
    return Written(how, kept)

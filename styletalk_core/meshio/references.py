"""The files a character file points at (a glTF's buffers and images, an OBJ's material libraries and
their texture maps, an FBX's textures), under one rule for the precheck and for Blender's importers:
a reference names a regular file inside the character's own folder, or nothing there. A reference
that leaves the folder (`../`, an absolute path elsewhere, a symlink out), names a special file (a
FIFO, a device, /proc) or is not a file name at all is one InputError line, before anything is read."""

from __future__ import annotations

import mmap
import os
import re
import stat
import urllib.parse
from pathlib import Path

from ..formats.errors import InputError

MAX_REFERENCE = 4096  # characters: longer is no file name a DCC writes
# an MTL statement that names a file (texture maps and their aliases), by its keyword
MTL_MAPS = re.compile(rb"^[ \t]*(map_\w+|bump|disp|decal|refl|norm)[ \t]+([^\r\n]*)", re.M | re.I)
OBJ_MTLLIB = re.compile(rb"^[ \t]*mtllib[ \t]+([^\r\n]*)", re.M)
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _shown(reference: object) -> str:
    text = repr(reference)
    return text if len(text) <= 80 else "..." + text[-77:]  # the end names the file


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def resolve(reference: object, folder: Path, source: Path, what: str) -> Path | None:
    """`reference` (a path relative to `folder`, the character's folder, or absolute) as the regular
    file inside `folder` it names; None when nothing is there (an importer skips a missing texture).
    Backslashes count as separators, as a file from Windows means them."""
    if not isinstance(reference, str) or not reference.strip():
        raise InputError(f"{source}: its {what} {_shown(reference)} is not a file name")
    if len(reference) > MAX_REFERENCE or "\0" in reference:
        raise InputError(f"{source}: its {what} {_shown(reference)} is not a file name (too long, or a NUL in it)")
    root = os.path.realpath(folder)
    name = reference.strip().replace("\\", "/")
    lexical = os.path.normpath(os.path.join(root, name))  # an absolute name stays itself
    missing_abroad = os.path.isabs(name) and not os.path.lexists(lexical)
    if not _inside(lexical, root) and not missing_abroad:
        raise InputError(f"{source}: its {what} {_shown(reference)} lies outside the character's folder {root}")
    if not os.path.lexists(lexical):
        return None  # a texture path from another machine: nothing to read
    try:
        real = Path(lexical).resolve(strict=True)
        mode = os.stat(real).st_mode
    except (OSError, RuntimeError):  # a symlink loop, or a dangling link
        raise InputError(f"{source}: its {what} {_shown(reference)} is a broken or looping link") from None
    if not _inside(str(real), root):
        raise InputError(f"{source}: its {what} {_shown(reference)} links outside the character's folder {root}")
    if not stat.S_ISREG(mode):
        raise InputError(f"{source}: its {what} {_shown(reference)} is not a regular file")
    return real


def gltf_uri(uri: object, folder: Path, source: Path, what: str) -> Path | None:
    """A glTF `uri` (not a data: URI): a relative URI reference, percent-decoded as Blender's importer
    decodes it; a URL or an absolute path is refused."""
    if isinstance(uri, str) and (URL_SCHEME.match(uri) or uri.startswith(("/", "\\"))):
        raise InputError(f"{source}: its {what} {_shown(uri)} is a URL or an absolute path; glTF names files beside it")
    return resolve(urllib.parse.unquote(uri) if isinstance(uri, str) else uri, folder, source, what)


def read_reference(path: Path, length: int, source: Path, what: str) -> bytes:
    """The first `length` bytes of a resolved reference, its size compared before anything is read."""
    size = path.stat().st_size
    if size < length:
        raise InputError(f"{source}: its {what} says {length} bytes; {path.name} holds {size}")
    with open(path, "rb") as f:
        return f.read(length)


def _statements(path: Path, pattern: re.Pattern) -> list[bytes]:
    """The captured rest of each matching line of a text file, scanned without reading it into memory."""
    if path.stat().st_size == 0:
        return []
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return [m.group(m.lastindex) for m in pattern.finditer(data)]


def _candidates(rest: bytes, source: Path, what: str) -> list[str]:
    """The names a statement's rest may mean: the whole, and each tail of its words (a map's options
    come first, and a file name may hold spaces). A whole longer than any file name is refused, as
    resolving it would, before its tails are built."""
    words = rest.decode("utf-8", "replace").split()
    if len(" ".join(words)) > MAX_REFERENCE:
        resolve(" ".join(words), source.parent, source, what)  # raises: too long to be a file name
    return [" ".join(words[i:]) for i in range(len(words))]


def check_obj_references(path: Path) -> None:
    """An OBJ's material libraries (a statement may list several, or one name with spaces), and every
    texture map they name, under the rule; each distinct name resolved once, each library scanned once."""
    folder = path.resolve().parent
    names: dict[str, None] = {}
    for rest in _statements(path, OBJ_MTLLIB):
        names.update(
            dict.fromkeys(_candidates(rest, path, "material library") + rest.decode("utf-8", "replace").split())
        )
    libraries = dict.fromkeys(filter(None, (resolve(n, folder, path, "material library") for n in names)))
    for library in libraries:
        what = f"texture (in {library.name})"
        textures = dict.fromkeys(t for maps in _statements(library, MTL_MAPS) for t in _candidates(maps, path, what))
        for texture in textures:
            resolve(texture, folder, path, what)

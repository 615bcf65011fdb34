"""A character file's structure checked before Blender's importer reads it: what it is (by its bytes,
not its name), and for glTF that every count, offset and index stays within the file's own sizes,
so a damaged or hostile file is one line instead of an importer's crash, hang or gigabytes."""

from __future__ import annotations

import base64
import json
import mmap
import struct
from pathlib import Path

from ..formats.errors import InputError
from .fbx_structure import check_fbx_structure
from .gltf_check import check_gltf, gltf_list
from .references import check_obj_references, gltf_uri, read_reference

FBX_MAGIC = b"Kaydara FBX Binary  \x00"
SUFFIXES = {".glb": "glb", ".gltf": "gltf", ".fbx": "fbx", ".obj": "obj"}
KIND_NAMES = {
    "glb": "a glTF binary",
    "gltf": "glTF JSON",
    "fbx": "an FBX file",
    "obj": "a Wavefront OBJ",
    "fbx-ascii": "an ASCII FBX file",
    "empty": "empty",
    "binary": "binary data",
}


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is."""
    if not head:
        return "empty"
    if head.startswith(b"glTF"):
        return "glb"
    if head.startswith(FBX_MAGIC):
        return "fbx"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"; FBX") or b"FBXHeaderExtension" in head:
        return "fbx-ascii"
    if text.startswith(b"{"):
        return "gltf"
    if b"\0" in head:
        return "binary"
    return "obj"


def check_character_file(path: Path) -> str:
    """The file's format (glb, gltf, fbx, obj), once its bytes agree with its name and its structure
    holds; else one InputError line naming the file and the problem."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: a character is a .glb, .gltf, .fbx or .obj file, not {path.suffix or 'no suffix'!r}")
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    found = sniff(head)
    if found == "fbx-ascii" and kind == "fbx":
        raise InputError(f"{path}: an ASCII FBX file; Blender reads binary FBX only: save it as binary FBX")
    if found != kind:
        raise InputError(f"{path}: named {path.suffix} but it is {KIND_NAMES.get(found, found)}")
    if kind == "fbx":
        version = struct.unpack("<I", head[23:27])[0] if len(head) >= 27 else 0
        if version < 7100:
            raise InputError(f"{path}: FBX version {version}; Blender reads FBX 7.1 (2011) and later")
        with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            check_fbx_structure(path, data)
    if kind in ("glb", "gltf"):
        doc, buffers = load_gltf(path, kind)
        try:
            check_gltf(doc, buffers, path)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise InputError(f"{path}: malformed glTF ({type(exc).__name__}: {exc})") from None
    if kind == "obj":
        check_obj_references(path)
    return kind


def _json(raw: bytes, path: Path):
    try:
        return json.loads(raw)
    except RecursionError:
        raise InputError(f"{path}: its glTF JSON is nested too deeply to be glTF") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: its glTF JSON does not parse: {exc}") from None


def load_gltf(path: Path, kind: str) -> tuple[dict, list[bytes]]:
    raw = path.read_bytes()
    binary = b""
    if kind == "glb":
        if len(raw) < 20:
            raise InputError(f"{path}: a glTF binary cut short ({len(raw)} bytes)")
        _, version, length = struct.unpack("<4sII", raw[:12])
        n_json, chunk = struct.unpack("<I4s", raw[12:20])
        if version != 2:
            raise InputError(f"{path}: glTF binary version {version}; only glTF 2.0 is read")
        if length > len(raw) or chunk != b"JSON" or 20 + n_json > len(raw):
            raise InputError(
                f"{path}: a glTF binary cut short or damaged (its header says {length} bytes, the file has {len(raw)})"
            )
        doc = _json(raw[20 : 20 + n_json], path)
        rest = raw[20 + n_json + (-n_json % 4) :]
        if len(rest) >= 8:
            n_bin, tag = struct.unpack("<I4s", rest[:8])
            binary = rest[8 : 8 + n_bin] if tag == b"BIN\0" else b""
    else:
        doc = _json(raw, path)
    if not isinstance(doc, dict) or not isinstance(doc.get("asset"), dict):
        raise InputError(f"{path}: not glTF (the JSON is not an object with an asset)")
    return doc, _buffers(doc, binary, path)


def _buffers(doc: dict, binary: bytes, path: Path) -> list[bytes]:
    """Each buffer's bytes (the GLB's own chunk, a data URI, or a file beside it under the references
    rule), and every image file checked under that rule too."""
    out, folder = [], path.resolve().parent
    for i, b in enumerate(gltf_list(doc, "buffers", path)):
        uri = b.get("uri") if isinstance(b, dict) else None
        length = b.get("byteLength") if isinstance(b, dict) else None
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise InputError(f"{path}: buffer {i} says {length!r} bytes; a byteLength is a count")
        if uri is None:
            data = binary
        elif isinstance(uri, str) and uri.startswith("data:"):
            try:
                data = base64.b64decode(uri.split(",", 1)[1], validate=False)
            except (ValueError, IndexError):
                raise InputError(f"{path}: buffer {i} has a data URI that does not decode") from None
        else:
            found = gltf_uri(uri, folder, path, f"buffer {i}")
            if found is None:
                raise InputError(f"{path}: its buffer {i} ({uri!r}) is not beside it")
            data = read_reference(found, length, path, f"buffer {i}")
        if length > len(data):
            raise InputError(f"{path}: buffer {i} says {length} bytes; the data holds {len(data)}")
        out.append(data)
    for i, image in enumerate(gltf_list(doc, "images", path)):
        if isinstance(image, dict) and "uri" in image and not str(image["uri"]).startswith("data:"):
            gltf_uri(image["uri"], folder, path, f"image {i}")
    return out

"""A character file's structure checked before Blender's importer reads it: what it is (by its bytes,
not its name), and for glTF that every count, offset and index stays within the file's own sizes,
so a damaged or hostile file is one line instead of an importer's crash, hang or gigabytes."""

from __future__ import annotations

import base64
import json
import mmap
import struct
from pathlib import Path

import numpy as np

from ..formats.errors import InputError
from .fbx_structure import check_fbx_structure
from .references import check_obj_references, gltf_uri, read_reference

FBX_MAGIC = b"Kaydara FBX Binary  \x00"
COMPONENT_SIZE = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
INDEX_DTYPE = {5121: np.uint8, 5123: np.uint16, 5125: np.uint32}
WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
# extensions Blender's glTF importer reads; a file that requires another cannot be read right
SUPPORTED_REQUIRED = {
    "KHR_draco_mesh_compression",
    "KHR_mesh_quantization",
    "KHR_texture_transform",
    "KHR_materials_unlit",
    "KHR_materials_emissive_strength",
    "KHR_texture_basisu",
    "EXT_texture_webp",
    "KHR_materials_variants",
}
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
            _check_gltf(doc, buffers, path)
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
    for i, b in enumerate(_list(doc, "buffers", path)):
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
    for i, image in enumerate(_list(doc, "images", path)):
        if isinstance(image, dict) and "uri" in image and not str(image["uri"]).startswith("data:"):
            gltf_uri(image["uri"], folder, path, f"image {i}")
    return out


def _list(doc: dict, key: str, path) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{path}: glTF {key} is not a list")
    return value


class _Gltf:
    def __init__(self, doc: dict, buffers: list[bytes], path):
        self.doc, self.buffers, self.path = doc, buffers, path
        self.views = _list(doc, "bufferViews", path)
        self.accessors = _list(doc, "accessors", path)
        # an accessor with no bytes of its own (zeros, or sparse values over zeros) describes values for
        # something that exists elsewhere in the file: it may claim no more than the largest accessor with bytes
        counts = [a.get("count") for a in self.accessors if isinstance(a, dict) and "bufferView" in a]
        self.most = max([c for c in counts if isinstance(c, int)], default=0)

    def fail(self, what: str):
        raise InputError(f"{self.path}: {what}")

    def index(self, value, table: list, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < len(table):
            self.fail(f"{what} refers to {value!r}, outside the file's {len(table)}")
        return value

    def view_range(self, v: int, what: str) -> tuple[int, int, int]:
        view = self.views[self.index(v, self.views, what)]
        buf = self.index(view.get("buffer"), self.buffers, f"bufferView {v}")
        start, length = view.get("byteOffset", 0), view.get("byteLength")
        if not all(isinstance(x, int) and x >= 0 for x in (start, length)) or start + length > len(self.buffers[buf]):
            self.fail(f"bufferView {v} runs past the end of buffer {buf}")
        return buf, start, length

    def check_accessor(self, a: int, what: str) -> dict:
        acc = self.accessors[self.index(a, self.accessors, what)]
        count, ctype, kind = acc.get("count"), acc.get("componentType"), acc.get("type")
        if not isinstance(count, int) or count < 1:
            self.fail(f"accessor {a} has count {count!r}")
        if ctype not in COMPONENT_SIZE or kind not in WIDTH:
            self.fail(f"accessor {a} has an unknown component type or type ({ctype!r}, {kind!r})")
        size = COMPONENT_SIZE[ctype] * WIDTH[kind]
        if "bufferView" not in acc and count > self.most:
            self.fail(
                f"accessor {a} has no bytes of its own but claims {count} values, "
                f"more than any accessor with bytes ({self.most})"
            )
        if "bufferView" in acc:
            _, _, length = self.view_range(acc["bufferView"], f"accessor {a}")
            stride = self.views[acc["bufferView"]].get("byteStride") or size
            offset = acc.get("byteOffset", 0)
            if not isinstance(offset, int) or offset < 0 or offset + stride * (count - 1) + size > length:
                self.fail(f"accessor {a} ({count} x {size} bytes) runs past the end of its bufferView")
        sparse = acc.get("sparse")
        if sparse is not None:
            n = sparse.get("count") if isinstance(sparse, dict) else None
            if not isinstance(n, int) or not 1 <= n <= count:
                self.fail(f"accessor {a} has a sparse count {n!r} (at most its count {count})")
            for part, width in (
                ("indices", COMPONENT_SIZE.get(sparse["indices"].get("componentType"), 0)),
                ("values", size),
            ):
                sub = sparse.get(part, {})
                _, _, length = self.view_range(sub.get("bufferView"), f"accessor {a}'s sparse {part}")
                if width == 0 or sub.get("byteOffset", 0) + n * width > length:
                    self.fail(f"accessor {a}'s sparse {part} run past the end of their bufferView")
        return acc

    def check_finite(self, a: int, what: str) -> None:
        """Float values stored plainly (not sparse, not quantized) must be finite: importers pass NaN on."""
        acc = self.accessors[a]
        if acc.get("componentType") != 5126 or "bufferView" not in acc:
            return
        buf, start, _ = self.view_range(acc["bufferView"], f"accessor {a}")
        width = WIDTH[acc["type"]]
        stride = self.views[acc["bufferView"]].get("byteStride") or 4 * width
        values = np.ndarray(
            (acc["count"], width), np.float32, self.buffers[buf], start + acc.get("byteOffset", 0), (stride, 4)
        )
        if not np.isfinite(values).all():
            self.fail(f"{what} has NaN or infinite values")

    def check_indices(self, a: int, n_vertices: int) -> None:
        acc = self.accessors[a]
        if acc.get("componentType") not in INDEX_DTYPE:
            self.fail(f"accessor {a} holds triangle indices of component type {acc.get('componentType')}")
        if "bufferView" not in acc or "sparse" in acc:
            return
        buf, start, _ = self.view_range(acc["bufferView"], f"accessor {a}")
        dtype = INDEX_DTYPE[acc["componentType"]]
        idx = np.frombuffer(self.buffers[buf], dtype, acc["count"], start + acc.get("byteOffset", 0))
        if len(idx) and int(idx.max()) >= n_vertices:
            self.fail(f"accessor {a} has a vertex index {int(idx.max())} past the primitive's {n_vertices} vertices")


def _check_primitive(g: _Gltf, m: int, prim: dict) -> None:
    if not isinstance(prim, dict) or not isinstance(prim.get("attributes"), dict):
        g.fail(f"mesh {m} has a primitive without attributes")
    if "KHR_draco_mesh_compression" in prim.get("extensions", {}):
        return  # the decoder checks the compressed data; its accessors hold no bufferView
    attrs = prim["attributes"]
    if "POSITION" not in attrs:
        g.fail(f"mesh {m} has a primitive without POSITION")
    n = g.check_accessor(attrs["POSITION"], f"mesh {m}'s POSITION")["count"]
    g.check_finite(attrs["POSITION"], f"mesh {m}'s POSITION")
    for name, a in attrs.items():
        if g.check_accessor(a, f"mesh {m}'s {name}")["count"] != n:
            g.fail(f"mesh {m}'s {name} has another count than its {n} positions")
    if "indices" in prim:
        g.check_accessor(prim["indices"], f"mesh {m}'s indices")
        g.check_indices(prim["indices"], n)
    for t, target in enumerate(prim.get("targets", [])):
        for name, a in target.items() if isinstance(target, dict) else []:
            if g.check_accessor(a, f"mesh {m}'s target {t} {name}")["count"] != n:
                g.fail(f"mesh {m}'s morph target {t} has {g.accessors[a]['count']} {name} values for {n} vertices")
            g.check_finite(a, f"mesh {m}'s morph target {t} {name}")


# vertices of every mesh times the nodes that show it (one 20k-vertex mesh shown by 3,000 nodes took
# Blender past 4 GB)
MAX_SCENE_VERTICES = 20_000_000


def _check_instances(g: _Gltf) -> None:
    meshes, total = _list(g.doc, "meshes", g.path), 0
    for node in _list(g.doc, "nodes", g.path):
        mesh = meshes[node["mesh"]] if "mesh" in node else {}
        for prim in mesh.get("primitives", []) if isinstance(mesh, dict) else []:
            position = prim.get("attributes", {}).get("POSITION") if isinstance(prim, dict) else None
            if isinstance(position, int) and 0 <= position < len(g.accessors):
                total += int(g.accessors[position].get("count") or 0)
    if total > MAX_SCENE_VERTICES:
        g.fail(
            f"its nodes show {total} vertices in all (meshes times the nodes that show them); "
            f"the limit is {MAX_SCENE_VERTICES}"
        )


def _check_animations(g: _Gltf) -> None:
    nodes = _list(g.doc, "nodes", g.path)
    for n, anim in enumerate(_list(g.doc, "animations", g.path)):
        samplers = anim.get("samplers") if isinstance(anim, dict) else None
        if not isinstance(samplers, list) or not isinstance(anim.get("channels"), list):
            g.fail(f"animation {n} has no samplers or channels list")
        for s, sampler in enumerate(samplers):
            if not isinstance(sampler, dict):
                g.fail(f"animation {n}'s sampler {s} is not an object")
            keys = g.check_accessor(sampler.get("input"), f"animation {n}'s sampler {s} input")["count"]
            g.check_accessor(sampler.get("output"), f"animation {n}'s sampler {s} output")
            g.check_finite(sampler["input"], f"animation {n}'s sampler {s} times")
            if keys < 1:
                g.fail(f"animation {n}'s sampler {s} has no keys")
        for c, channel in enumerate(anim["channels"]):
            if not isinstance(channel, dict) or not isinstance(channel.get("target"), dict):
                g.fail(f"animation {n}'s channel {c} has no target")
            g.index(channel.get("sampler"), samplers, f"animation {n}'s channel {c}")
            if "node" in channel["target"]:
                g.index(channel["target"]["node"], nodes, f"animation {n}'s channel {c} target")


def _check_nodes(g: _Gltf) -> None:
    nodes = _list(g.doc, "nodes", g.path)
    meshes = _list(g.doc, "meshes", g.path)
    parent: dict[int, int] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            g.fail(f"node {i} is not an object")
        if "mesh" in node:
            g.index(node["mesh"], meshes, f"node {i}'s mesh")
        for c in node.get("children", []):
            g.index(c, nodes, f"node {i}'s child")
            if c in parent or c == i:
                g.fail(f"node {c} has two parents or is its own child: the node tree is broken")
            parent[c] = i
    for start in parent:  # a chain of parents that comes back: a cycle, which would never end
        seen, node = set(), start
        while node in parent:
            if node in seen:
                g.fail(f"node {node} is its own ancestor: the node tree is a cycle")
            seen.add(node)
            node = parent[node]


def _check_gltf(doc: dict, buffers: list[bytes], path: Path) -> None:
    g = _Gltf(doc, buffers, path)
    unsupported = sorted(set(doc.get("extensionsRequired", [])) - SUPPORTED_REQUIRED)
    if unsupported:
        g.fail(f"requires the glTF extension {unsupported[0]}, which Blender's importer does not read")
    _check_nodes(g)
    _check_animations(g)
    for m, mesh in enumerate(_list(doc, "meshes", path)):
        prims = mesh.get("primitives") if isinstance(mesh, dict) else None
        if not isinstance(prims, list):
            g.fail(f"mesh {m} has no primitives list")
        for prim in prims:
            _check_primitive(g, m, prim)
    _check_instances(g)

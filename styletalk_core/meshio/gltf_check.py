"""A glTF document's structure against its own bytes, before Blender's importer reads it: every index
within its table, every count, offset and stride within its bufferView and buffer, the nodes a tree,
skins, scenes and animations pointing at what exists, transforms and float data finite, and the
vertices the scene shows bounded; any break is one line naming the file and the part."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..formats.errors import InputError

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


def gltf_list(doc: dict, key: str, path) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{path}: glTF {key} is not a list")
    return value


class _Gltf:
    def __init__(self, doc: dict, buffers: list[bytes], path):
        self.doc, self.buffers, self.path = doc, buffers, path
        self.views = gltf_list(doc, "bufferViews", path)
        self.accessors = gltf_list(doc, "accessors", path)
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

    def stride(self, v: int, size: int) -> int:
        """A bufferView's byteStride (a multiple of 4 from 4 to 252, at least the element's `size`), or
        `size` when it has none."""
        stride = self.views[v].get("byteStride")
        if stride is None:
            return size
        if not isinstance(stride, int) or isinstance(stride, bool) or not 4 <= stride <= 252 or stride % 4:
            self.fail(f"bufferView {v} has byteStride {stride!r}; a stride is a multiple of 4 from 4 to 252")
        if stride < size:
            self.fail(f"bufferView {v}'s byteStride {stride} is shorter than its {size}-byte elements")
        return stride

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
            stride = self.stride(acc["bufferView"], size)
            offset = acc.get("byteOffset", 0)
            if not isinstance(offset, int) or offset < 0 or offset % COMPONENT_SIZE[ctype]:
                self.fail(f"accessor {a} has byteOffset {offset!r}; an offset is a multiple of its component size")
            if offset + stride * (count - 1) + size > length:
                self.fail(f"accessor {a} ({count} x {size} bytes) runs past the end of its bufferView")
        sparse = acc.get("sparse")
        if sparse is not None:
            n = sparse.get("count") if isinstance(sparse, dict) else None
            if not isinstance(n, int) or not 1 <= n <= count:
                self.fail(f"accessor {a} has a sparse count {n!r} (at most its count {count})")
            self.check_sparse(a, sparse, n, count, size)
        return acc

    def check_sparse(self, a: int, sparse: dict, n: int, count: int, size: int) -> None:
        """A sparse accessor's n indices and values within their bufferViews, and each index naming
        one of the accessor's `count` elements, in increasing order (as the specification asks)."""
        parts = {p: sparse.get(p) for p in ("indices", "values")}
        if not all(isinstance(sub, dict) for sub in parts.values()):
            self.fail(f"accessor {a}'s sparse part has no indices or values object")
        ctype = parts["indices"].get("componentType")
        if ctype not in INDEX_DTYPE:
            self.fail(f"accessor {a}'s sparse indices have component type {ctype!r}")
        for part, width in (("indices", COMPONENT_SIZE[ctype]), ("values", size)):
            sub = parts[part]
            _, _, length = self.view_range(sub.get("bufferView"), f"accessor {a}'s sparse {part}")
            offset = sub.get("byteOffset", 0)
            if not isinstance(offset, int) or offset < 0 or offset + n * width > length:
                self.fail(f"accessor {a}'s sparse {part} run past the end of their bufferView")
        buf, start, _ = self.view_range(parts["indices"]["bufferView"], "")
        offset = start + parts["indices"].get("byteOffset", 0)
        if offset % COMPONENT_SIZE[ctype]:
            self.fail(f"accessor {a}'s sparse indices are not aligned to their component size")
        idx = np.frombuffer(self.buffers[buf], INDEX_DTYPE[ctype], n, offset).astype(np.int64)
        if int(idx.max()) >= count or (len(idx) > 1 and (np.diff(idx) <= 0).any()):
            self.fail(f"accessor {a}'s sparse indices are not increasing indices below its count {count}")

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
    draco = prim.get("extensions", {}).get("KHR_draco_mesh_compression")
    if draco is not None:  # the decoder reads the compressed data; its accessors hold no bufferView
        if not isinstance(draco, dict):
            g.fail(f"mesh {m}'s Draco extension is not an object")
        g.view_range(draco.get("bufferView"), f"mesh {m}'s Draco data")
        for name, a in [*prim["attributes"].items(), *([("indices", prim["indices"])] if "indices" in prim else [])]:
            g.index(a, g.accessors, f"mesh {m}'s {name}")
        return
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
    meshes, total = gltf_list(g.doc, "meshes", g.path), 0
    for node in gltf_list(g.doc, "nodes", g.path):
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
    nodes = gltf_list(g.doc, "nodes", g.path)
    for n, anim in enumerate(gltf_list(g.doc, "animations", g.path)):
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
    nodes = gltf_list(g.doc, "nodes", g.path)
    meshes = gltf_list(g.doc, "meshes", g.path)
    parent: dict[int, int] = {}
    for i, node in enumerate(nodes):
        if not isinstance(node, dict):
            g.fail(f"node {i} is not an object")
        if "mesh" in node:
            g.index(node["mesh"], meshes, f"node {i}'s mesh")
        if "skin" in node:
            g.index(node["skin"], gltf_list(g.doc, "skins", g.path), f"node {i}'s skin")
        if "camera" in node:
            g.index(node["camera"], gltf_list(g.doc, "cameras", g.path), f"node {i}'s camera")
        for key, size in TRANSFORM.items():
            value = node.get(key)
            if value is not None and not (isinstance(value, list) and len(value) == size and all(map(_finite, value))):
                g.fail(f"node {i}'s {key} is not {size} finite numbers")
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


TRANSFORM = {"matrix": 16, "translation": 3, "rotation": 4, "scale": 3}


def _finite(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and bool(np.isfinite(x))


def _check_skins(g: _Gltf) -> None:
    nodes = gltf_list(g.doc, "nodes", g.path)
    for k, skin in enumerate(gltf_list(g.doc, "skins", g.path)):
        joints = skin.get("joints") if isinstance(skin, dict) else None
        if not isinstance(joints, list) or not joints:
            g.fail(f"skin {k} has no joints list")
        for joint in joints:
            g.index(joint, nodes, f"skin {k}'s joint")
        if "skeleton" in skin:
            g.index(skin["skeleton"], nodes, f"skin {k}'s skeleton")
        if "inverseBindMatrices" in skin:
            acc = g.check_accessor(skin["inverseBindMatrices"], f"skin {k}'s inverseBindMatrices")
            if acc.get("type") != "MAT4" or acc.get("componentType") != 5126 or acc["count"] < len(joints):
                g.fail(
                    f"skin {k}'s inverseBindMatrices are not a float 4x4 matrix for each of its {len(joints)} joints"
                )
            g.check_finite(skin["inverseBindMatrices"], f"skin {k}'s inverseBindMatrices")


def _check_scenes(g: _Gltf) -> None:
    nodes, scenes = gltf_list(g.doc, "nodes", g.path), gltf_list(g.doc, "scenes", g.path)
    for k, scene in enumerate(scenes):
        roots = scene.get("nodes", []) if isinstance(scene, dict) else None
        if not isinstance(roots, list):
            g.fail(f"scene {k} has no nodes list")
        for root in roots:
            g.index(root, nodes, f"scene {k}'s node")
    if "scene" in g.doc:
        g.index(g.doc["scene"], scenes, "the default scene")


def check_gltf(doc: dict, buffers: list[bytes], path: Path) -> None:
    g = _Gltf(doc, buffers, path)
    unsupported = sorted(set(doc.get("extensionsRequired", [])) - SUPPORTED_REQUIRED)
    if unsupported:
        g.fail(f"requires the glTF extension {unsupported[0]}, which Blender's importer does not read")
    _check_nodes(g)
    _check_skins(g)
    _check_scenes(g)
    _check_animations(g)
    for m, mesh in enumerate(gltf_list(doc, "meshes", path)):
        prims = mesh.get("primitives") if isinstance(mesh, dict) else None
        if not isinstance(prims, list):
            g.fail(f"mesh {m} has no primitives list")
        for prim in prims:
            _check_primitive(g, m, prim)
    _check_instances(g)

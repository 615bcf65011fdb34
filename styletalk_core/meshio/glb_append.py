"""A retarget's additions written straight into the user's own .glb: new morph targets as sparse
accessors (only the vertices that move), their names, and one weights animation, appended to the
file's JSON and binary chunk. Everything else in the file stays byte for byte what it was, and time
and memory grow with the face, not with the body: Blender's exporter keeps every key dense over
every face corner, which for a 2 M-vertex body is minutes and over 10 GB.

The face part's vertices are found in the file the way Blender's glTF importer numbers them (each
primitive's used vertices in index order, primitive after primitive), and that numbering is checked
against the part's positions before anything is written. A file this cannot map (Draco, quantized or
sparse positions, external buffers, an ambiguous node name) raises NotDirect, and the caller writes
through Blender instead."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..formats.character import Additions, Part
from .gltf_check import INDEX_DTYPE
from .precheck import load_gltf

FLOAT, UINT = 5126, 5125
OUR_ANIMATION = "StyleTalk"
ARRAY_BUFFER = 34962
# the mapped positions, carried through the best affine map, must land on the part's within this
# fraction of its size (float32 rounding is ~1e-7; a wrong mapping is off by the face's own size)
MAP_TOLERANCE = 1e-4


class NotDirect(Exception):
    """The file cannot take the additions directly; the reason says why."""


@dataclass(frozen=True)
class Primitive:
    index: int  # in the mesh's primitives
    count: int  # POSITION count
    used: np.ndarray  # the vertices Blender made, in its order (sorted unique indices)


def _plain(doc: dict, buffers: list[bytes], a: int, ctype: int, width: int) -> np.ndarray:
    """Accessor `a` read as stored, (count, width), if it holds `ctype` values plainly (no sparse)."""
    acc = doc["accessors"][a]
    if "bufferView" not in acc or "sparse" in acc or acc.get("normalized") or acc["componentType"] != ctype:
        raise NotDirect(f"accessor {a} is sparse, empty, normalised or of another type")
    dtype = np.float32 if ctype == FLOAT else INDEX_DTYPE[ctype]
    view = doc["bufferViews"][acc["bufferView"]]
    item = np.dtype(dtype).itemsize * width
    stride = view.get("byteStride") or item
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    data = buffers[view["buffer"]]
    return np.ndarray((acc["count"], width), dtype, data, start, (stride, np.dtype(dtype).itemsize)).copy()


def _node_of(doc: dict, name: str) -> int:
    """The one node Blender names `name` (its own name, else its mesh's)."""
    meshes = doc.get("meshes", [])
    found = [
        i
        for i, n in enumerate(doc.get("nodes", []))
        if "mesh" in n and (n.get("name") or meshes[n["mesh"]].get("name")) == name
    ]
    if len(found) != 1:
        raise NotDirect(f"{len(found)} mesh nodes named {name!r}")
    return found[0]


def _primitives(doc: dict, buffers: list[bytes], mesh: dict) -> list[Primitive]:
    out = []
    for i, prim in enumerate(mesh["primitives"]):
        if "POSITION" not in prim["attributes"]:
            raise NotDirect(f"primitive {i} has no positions")
        if prim.get("mode", 4) != 4 or "extensions" in prim:
            raise NotDirect(f"primitive {i} is not plain triangles")
        count = doc["accessors"][prim["attributes"]["POSITION"]]["count"]
        if "indices" in prim:
            ctype = doc["accessors"][prim["indices"]]["componentType"]
            used = np.unique(_plain(doc, buffers, prim["indices"], ctype, 1))
        else:
            used = np.arange(count)
        out.append(Primitive(i, count, used.astype(np.int64)))
    return out


def _to_file_space(
    w: _Writer, mesh: dict, prims: list[Primitive], where: np.ndarray, part: Part, add: Additions
) -> np.ndarray:
    """The additions' offsets (object space) in the file's mesh space, once the file's positions of the
    moving vertices are shown to be the part's: fitted by one affine map (node transforms, Blender's
    axes, a rigidly posed skin) with a residual within MAP_TOLERANCE of the part's size."""
    positions = np.empty((len(add.indices), 3), np.float64)
    for p, prim in enumerate(prims):
        here = where[:, 0] == p
        if here.any():
            pos = _plain(w.doc, w.buffers, mesh["primitives"][prim.index]["attributes"]["POSITION"], FLOAT, 3)
            positions[here] = pos[prim.used[where[here, 1]]]
    shown = part.vertices[add.indices]
    if len(shown) < 4:
        raise NotDirect("too few moving vertices to check the mapping")
    lifted = np.concatenate([positions, np.ones((len(positions), 1))], axis=1)
    fit, *_ = np.linalg.lstsq(lifted, shown, rcond=None)
    residual = np.sqrt(((lifted @ fit - shown) ** 2).sum(1).mean())
    size = float(np.ptp(shown, axis=0).max()) or 1.0
    if not residual <= MAP_TOLERANCE * size:
        raise NotDirect(f"the file's vertices are not the part's (residual {residual / size:.2g} of its size)")
    to_character = part.matrix[:3, :3]
    linear = fit[:3].T  # file space -> character frame
    return np.einsum("knc,dc->knd", add.offsets.astype(np.float64) @ to_character.T, np.linalg.inv(linear))


def _locate(prims: list[Primitive], vertices: np.ndarray) -> np.ndarray:
    """(N, 2): the primitive (in `prims`) and the position in its `used` of each Blender vertex."""
    starts = np.cumsum([0] + [len(p.used) for p in prims])
    p = np.searchsorted(starts, vertices, side="right") - 1
    return np.stack([p, vertices - starts[p]], 1)


class _Writer:
    """Appends bufferViews and accessors to a glTF document and its binary chunk (the first of the
    file's `buffers`, which stay as read)."""

    def __init__(self, doc: dict, buffers: list[bytes]):
        self.doc, self.buffers = doc, buffers
        self.chunks, self.size = [buffers[0]], len(buffers[0])
        doc.setdefault("bufferViews", [])
        doc.setdefault("accessors", [])

    def view(self, data: bytes, target: int | None = None) -> int:
        pad = -self.size % 4
        self.chunks.append(b"\0" * pad)
        self.size += pad
        view = {"buffer": 0, "byteOffset": self.size, "byteLength": len(data)}
        if target is not None:
            view["target"] = target
        self.chunks.append(data)
        self.size += len(data)
        self.doc["bufferViews"].append(view)
        return len(self.doc["bufferViews"]) - 1

    def accessor(self, acc: dict) -> int:
        self.doc["accessors"].append(acc)
        return len(self.doc["accessors"]) - 1

    def binary(self) -> bytes:
        return b"".join(self.chunks) + b"\0" * (-self.size % 4)


def _add_targets(w: _Writer, mesh: dict, prims: list[Primitive], where: np.ndarray, offsets: np.ndarray) -> None:
    """One sparse POSITION target per key on every primitive (zeros where none of its vertices move)."""
    for p, prim in enumerate(prims):
        here = np.flatnonzero(where[:, 0] == p)
        order = np.argsort(prim.used[where[here, 1]])
        idx = prim.used[where[here, 1]][order].astype(np.uint32)
        values = offsets[:, here[order]].astype(np.float32)  # (K, n, 3)
        targets = mesh["primitives"][prim.index].setdefault("targets", [])
        idx_view = w.view(idx.tobytes()) if len(idx) else None
        val_view = w.view(values.tobytes()) if len(idx) else None
        for k in range(len(offsets)):
            lo, hi = values[k].min(0) if len(idx) else np.zeros(3), values[k].max(0) if len(idx) else np.zeros(3)
            if len(idx) < prim.count:
                lo, hi = np.minimum(lo, 0), np.maximum(hi, 0)
            acc = {"componentType": FLOAT, "count": prim.count, "type": "VEC3", "min": lo.tolist(), "max": hi.tolist()}
            if len(idx):
                acc["sparse"] = {
                    "count": len(idx),
                    "indices": {"bufferView": idx_view, "componentType": UINT},
                    "values": {"bufferView": val_view, "byteOffset": k * len(idx) * 12},
                }
            targets.append({"POSITION": w.accessor(acc)})


def _animate(w: _Writer, anim: dict, node: int, names: list[str], defaults: list[float], add: Additions) -> None:
    """A LINEAR sampler of the node's morph weights from 0 s, a key per frame at add.fps, and its channel
    in `anim`."""
    frames = len(add.weights)
    times = (np.arange(frames) / add.fps).astype(np.float32)
    values = np.tile(np.asarray(defaults, np.float32), (frames, 1))
    for j, name in enumerate(add.animated):
        if name not in names:
            raise NotDirect(f"no morph target named {name!r} to animate")
        values[:, names.index(name)] = add.weights[:, j]
    t_acc = w.accessor(
        {
            "bufferView": w.view(times.tobytes()),
            "componentType": FLOAT,
            "count": frames,
            "type": "SCALAR",
            "min": [float(times[0])],
            "max": [float(times[-1])],
        }
    )
    v_acc = w.accessor(
        {"bufferView": w.view(values.tobytes()), "componentType": FLOAT, "count": values.size, "type": "SCALAR"}
    )
    anim["samplers"].append({"input": t_acc, "output": v_acc, "interpolation": "LINEAR"})
    anim["channels"].append({"sampler": len(anim["samplers"]) - 1, "target": {"node": node, "path": "weights"}})


def _weights_animated(doc: dict, mesh: int) -> bool:
    """Whether an animation channel drives the morph weights of a node showing `mesh`."""
    nodes = {i for i, n in enumerate(doc.get("nodes", [])) if n.get("mesh") == mesh}
    return any(
        c.get("target", {}).get("path") == "weights" and c.get("target", {}).get("node") in nodes
        for a in doc.get("animations", [])
        for c in a.get("channels", [])
    )


def append_to_glb(source: Path, edits: list[tuple[Part, Additions]], out: Path) -> None:
    """`source` (a .glb) with each (part, additions) of `edits` (kept within unit range by
    write_character) written to `out`, the animations as one "StyleTalk" animation; NotDirect when the
    file cannot be mapped, with nothing written."""
    doc, buffers = load_gltf(source, "glb")
    buf = doc.get("buffers", [])
    if not buf or "uri" in buf[0] or any("uri" in b and not b["uri"].startswith("data:") for b in buf):
        raise NotDirect("its buffers are not all inside the file")
    if doc.get("extensionsRequired"):
        raise NotDirect(f"it requires {', '.join(doc['extensionsRequired'])}")
    nodes = [_node_of(doc, add.part) for _, add in edits]
    if len({doc["nodes"][n]["mesh"] for n in nodes}) < len(nodes):
        raise NotDirect("two of the parts show one mesh")
    w = _Writer(doc, buffers)
    anim = {"name": OUR_ANIMATION, "samplers": [], "channels": []}
    for node, (part, add) in zip(nodes, edits, strict=True):
        _append_part(w, anim, node, part, add)
    if anim["channels"]:
        if edits[0][1].extras:
            anim["extras"] = {"styletalk": edits[0][1].extras}
        doc.setdefault("animations", []).insert(0, anim)  # first: what importers play (ours_first)
    _write_glb(out, doc, w.binary())


def _append_part(w: _Writer, anim: dict, node: int, part: Part, add: Additions) -> None:
    """One part's new morph targets on `node`'s mesh (and its channel in `anim`) into the document and
    `w`'s binary."""
    doc, buffers = w.doc, w.buffers
    mesh = doc["meshes"][doc["nodes"][node]["mesh"]]
    prims = _primitives(doc, buffers, mesh)
    if sum(len(p.used) for p in prims) != len(part.vertices):
        raise NotDirect(f"its mesh has {sum(len(p.used) for p in prims)} vertices, the part {len(part.vertices)}")
    old = len(mesh["primitives"][prims[0].index].get("targets", [])) if prims else 0
    if old and add.names and _weights_animated(doc, doc["nodes"][node]["mesh"]):
        # its animations key this mesh's own targets: each keyframe holds `old` weights, and with ours
        # added it would need more (the file's animation data rewritten); Blender's exporter does that
        raise NotDirect(f"{add.part}'s own morph targets are animated in the file")
    extras = mesh.get("extras") if isinstance(mesh.get("extras"), dict) else {}
    names = _target_names(extras, part, old)
    # Blender's names for the part's own keys, which the animation may drive
    known = list(part.target_names) if len(part.target_names) == old else names
    clash = sorted(set(add.names) & (set(names) | set(known)))
    if clash:
        raise NotDirect(f"{add.part} already has a morph target {clash[0]}")
    if len(add.names):
        where = _locate(prims, add.indices)
        _add_targets(w, mesh, prims, where, _to_file_space(w, mesh, prims, where, part, add))
        mesh["extras"] = {**extras, "targetNames": names + list(add.names)}
    defaults = list(mesh.get("weights", [0.0] * old)) + [0.0] * len(add.names)
    if add.names:
        mesh["weights"] = defaults
    if add.weights is not None:
        _animate(w, anim, node, known + list(add.names), defaults, add)


def _target_names(extras: dict, part: Part, old: int) -> list[str]:
    """The names of the mesh's `old` targets as the file has them (else as Blender named them)."""
    names = extras.get("targetNames")
    if isinstance(names, list) and len(names) == old:
        return [str(n) for n in names]
    return list(part.target_names) if len(part.target_names) == old else [f"target_{i}" for i in range(old)]


def ours_first(path: Path) -> tuple[str, ...]:
    """The .glb at `path` with our animation (OUR_ANIMATION) first, rewritten in place when another is
    before it (Blender's exporter orders them its own way), and the names of the others: the file's
    own, kept. The first animation is the one importers play: Blender's makes it the active action
    (the others become muted NLA tracks), three.js's loader lists it as clip 0. Nothing refers to an
    animation by its index in glTF 2.0, so the order is free."""
    doc, buffers = load_gltf(path, "glb")
    anims = doc.get("animations", [])
    is_ours = [isinstance(a, dict) and a.get("name") == OUR_ANIMATION for a in anims]
    ours = [a for a, mine in zip(anims, is_ours, strict=True) if mine]
    others = [a for a, mine in zip(anims, is_ours, strict=True) if not mine]
    if ours and anims[0] is not ours[0] and doc.get("buffers"):
        doc["animations"] = ours + others
        _write_glb(path, doc, buffers[0] if buffers else b"")
    return tuple(str(a.get("name") or f"animation {i}") if isinstance(a, dict) else "" for i, a in enumerate(others))


def _write_glb(path: Path, doc: dict, binary: bytes) -> None:
    doc["buffers"][0]["byteLength"] = len(binary)
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 4)
    total = 12 + 8 + len(text) + 8 + len(binary)
    with open(path, "wb") as f:
        f.write(struct.pack("<4sII", b"glTF", 2, total))
        f.write(struct.pack("<I4s", len(text), b"JSON") + text)
        f.write(struct.pack("<I4s", len(binary), b"BIN\0"))
        f.write(binary)

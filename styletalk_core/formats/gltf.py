"""glTF binary (.glb) with morph targets and their weight animation: written from arrays, and read
back (positions, triangles, named targets, the weight animation) without any glTF library."""

from __future__ import annotations

import json
import os
import struct

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_file, require_suffix
from .morph import unit_targets, unit_weights

FLOAT, UINT32 = 5126, 5125
ARRAY_BUFFER, ELEMENT_ARRAY_BUFFER = 34962, 34963


class _Buffer:
    def __init__(self) -> None:
        self.data, self.views, self.accessors = bytearray(), [], []

    def add(self, arr: np.ndarray, kind: str, target: int | None = None, bounds: bool = False) -> int:
        while len(self.data) % 4:
            self.data.append(0)
        raw = np.ascontiguousarray(arr).tobytes()
        view = {"buffer": 0, "byteOffset": len(self.data), "byteLength": len(raw)}
        if target is not None:
            view["target"] = target
        self.views.append(view)
        self.data += raw
        acc = {"bufferView": len(self.views) - 1, "componentType": UINT32 if arr.dtype == np.uint32 else FLOAT,
               "count": int(arr.shape[0]), "type": kind}  # fmt: skip
        if bounds:
            acc["min"], acc["max"] = arr.min(0).tolist(), arr.max(0).tolist()
        self.accessors.append(acc)
        return len(self.accessors) - 1


def write_glb(path: str | os.PathLike, positions: np.ndarray, triangles: np.ndarray, targets: dict[str, np.ndarray],
              weights: np.ndarray | None = None, fps: float = 30.0, name: str = "character",
              extras: dict | None = None) -> None:  # fmt: skip
    """One mesh with morph targets (name -> (V, 3) offsets) and, with `weights` (T, K), an animation
    of the target weights sampled at `fps` from t = 0; `extras` (JSON) goes into the asset's extras.
    Animated keys that leave [0, 1] are written as positive and negative targets (formats.morph)."""
    positions = np.asarray(positions, np.float32)
    if weights is not None:
        weights = np.asarray(weights, np.float64)
        if weights.ndim != 2 or weights.shape[1] != len(targets) or not np.isfinite(weights).all():
            raise InputError(f"weights must be finite (T, {len(targets)}), got {weights.shape}")
        offsets = list(targets.values())
        split = unit_targets(list(targets), weights)
        targets = {t.name: t.scale * np.asarray(offsets[t.source], np.float64) for t in split}
        weights = unit_weights(split, weights)
    buf = _Buffer()
    prim = {"attributes": {"POSITION": buf.add(positions, "VEC3", ARRAY_BUFFER, bounds=True)},
            "indices": buf.add(np.asarray(triangles, np.uint32).reshape(-1), "SCALAR", ELEMENT_ARRAY_BUFFER),
            "targets": [{"POSITION": buf.add(np.asarray(d, np.float32), "VEC3", ARRAY_BUFFER, bounds=True)}
                        for d in targets.values()]}  # fmt: skip
    mesh = {
        "name": name,
        "primitives": [prim],
        "weights": [0.0] * len(targets),
        "extras": {"targetNames": list(targets)},
    }
    asset = {"version": "2.0", "generator": "styletalk retarget", **({"extras": extras} if extras else {})}
    doc = {"asset": asset, "scene": 0, "scenes": [{"nodes": [0]}],
           "nodes": [{"name": name, "mesh": 0}], "meshes": [mesh]}  # fmt: skip
    if weights is not None:
        weights = weights.astype(np.float32)
        times = buf.add((np.arange(len(weights)) / fps).astype(np.float32), "SCALAR", bounds=False)
        buf.accessors[times]["min"], buf.accessors[times]["max"] = [0.0], [float((len(weights) - 1) / fps)]
        values = buf.add(weights.reshape(-1), "SCALAR")
        sampler = {"input": times, "output": values, "interpolation": "LINEAR"}
        channel = {"sampler": 0, "target": {"node": 0, "path": "weights"}}
        doc["animations"] = [{"name": "StyleTalk", "samplers": [sampler], "channels": [channel]}]
    doc["buffers"] = [{"byteLength": len(buf.data)}]
    doc["bufferViews"], doc["accessors"] = buf.views, buf.accessors
    body = json.dumps(doc, separators=(",", ":")).encode()
    body += b" " * (-len(body) % 4)
    data = bytes(buf.data) + b"\0" * (-len(buf.data) % 4)
    total = 12 + 8 + len(body) + 8 + len(data)
    with atomic_path(require_suffix(path, (".glb",), "glTF binary")) as tmp, open(tmp, "wb") as f:
        f.write(struct.pack("<4sII", b"glTF", 2, total))
        f.write(struct.pack("<I4s", len(body), b"JSON") + body)
        f.write(struct.pack("<I4s", len(data), b"BIN\0") + data)


def _accessor(doc: dict, binary: bytes, index: int) -> np.ndarray:
    acc = doc["accessors"][index]
    view = doc["bufferViews"][acc["bufferView"]]
    width = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4}[acc["type"]]
    dtype = {FLOAT: np.float32, UINT32: np.uint32, 5123: np.uint16, 5121: np.uint8}[acc["componentType"]]
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    arr = np.frombuffer(binary, dtype, acc["count"] * width, start)
    return arr.reshape(acc["count"], width) if width > 1 else arr


def read_glb(path: str | os.PathLike) -> dict:
    """The first mesh primitive: positions (V, 3), triangles (F, 3), targets {name: (V, 3)}, the
    asset's extras, and the first weight animation as times (T,) and weights (T, K) when there is one."""
    p = require_file(path, "glTF binary", InputError)
    raw = p.read_bytes()
    try:
        magic, _, _ = struct.unpack("<4sII", raw[:12])
        if magic != b"glTF":
            raise InputError(f"{p}: not a glTF binary (no glTF header)")
        n_json = struct.unpack("<I", raw[12:16])[0]
        doc = json.loads(raw[20 : 20 + n_json])
        binary = raw[20 + n_json + 8 :]
        mesh = doc["meshes"][0]
        prim = mesh["primitives"][0]
        out = {"positions": _accessor(doc, binary, prim["attributes"]["POSITION"]).astype(np.float64),
               "triangles": _accessor(doc, binary, prim["indices"]).reshape(-1, 3).astype(np.int64)}  # fmt: skip
        names = mesh.get("extras", {}).get("targetNames") or [f"target{i}" for i in range(len(prim.get("targets", [])))]
        out["extras"] = doc.get("asset", {}).get("extras", {})
        out["targets"] = {n: _accessor(doc, binary, t["POSITION"]).astype(np.float64)
                          for n, t in zip(names, prim.get("targets", []), strict=True)}  # fmt: skip
        for anim in doc.get("animations", []):
            for ch in anim["channels"]:
                if ch["target"]["path"] == "weights":
                    s = anim["samplers"][ch["sampler"]]
                    times = _accessor(doc, binary, s["input"])
                    out["times"] = times
                    out["weights"] = _accessor(doc, binary, s["output"]).reshape(len(times), -1)
                    return out
        return out
    except InputError:
        raise
    except (KeyError, IndexError, ValueError, struct.error) as exc:
        raise InputError(f"{p}: not a glTF binary with a triangle mesh: {type(exc).__name__}: {exc}") from None

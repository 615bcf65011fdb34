"""A character as the toolkit computes with it: every mesh part in one frame (plain arrays), and what
a retarget adds to one part. Both go between processes as .npz files (the Blender reader, the
add-on, the writer), checked on the way in."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError
from .fileio import atomic_path, require_file
from .morph import unit_targets, unit_weights

ROLES = ("face", "eyes", "teeth", "tongue", "brows", "hair", "body", "other")
# the axis names a character's facing is given in (its front and its up), as unit vectors
AXES = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


# how a character's mouth is made, as the retarget found it (retarget.mouth)
MOUTHS = {
    "opening": "its own mouth line (an opening in the mesh) parts the lips",
    "inside": "the lips part; the surface between them runs into the mouth",
    "sealed": "the mouth is sealed (one surface from lip to lip): the lips move but cannot part",
}


@dataclass(frozen=True)
class FaceFit:
    """How the face was found on a character and how well our face fits it: kept in the face part's
    Additions (extras["face_fit"]), read by the CLI, batch and the add-on."""

    found_by: str  # "detection (VIEW)", "mask" or "landmarks"
    fit_rms_px: float  # residual of the found points against our face, px of its 139 px width
    part: str  # the face part
    axes: str  # the axes the face was found with ("+z, +y up")
    mouth: str = ""  # how its mouth is made (MOUTHS); "" when solved onto its own keys
    follow_jaw: tuple[str, ...] = ()  # the parts whose pieces in the mouth move with the jaw

    def to_json(self) -> dict:
        return {**self.__dict__, "follow_jaw": list(self.follow_jaw)}

    @classmethod
    def of(cls, extras: dict) -> FaceFit | None:
        """The fit an Additions' extras hold, or None (a file from before, or a solve's other parts)."""
        fit = extras.get("face_fit")
        if not isinstance(fit, dict):
            return None
        try:
            return cls(**{**fit, "follow_jaw": tuple(fit.get("follow_jaw", ()))})
        except TypeError as exc:
            raise InputError(f"a face fit record with unknown fields: {exc}") from None

    def describe(self) -> str:
        """One phrase for the user: how the face was found, and a sealed mouth said."""
        text = f"face found by {self.found_by} with the face towards {self.axes}, fit residual {self.fit_rms_px:.1f} px"
        return text + (f"; {MOUTHS['sealed']}" if self.mouth == "sealed" else "")


@dataclass
class Part:
    """One mesh object. Positions are in the character's frame (the file's world space, y up)."""

    name: str  # the object's name, unique in the scene
    vertices: np.ndarray  # (V, 3) float64, the rest shape
    triangles: np.ndarray  # (F, 3) int64
    matrix: np.ndarray  # (4, 4) object space -> character frame
    target_names: tuple[str, ...] = ()
    targets: np.ndarray | None = None  # (K, V, 3) float32 offsets in the character frame
    materials: tuple[str, ...] = ()
    uv_layers: tuple[str, ...] = ()
    armature: str = ""  # the armature that deforms it, "" when none
    role: str = ""  # one of ROLES, "" until classified

    def target_array(self) -> np.ndarray:
        if self.targets is None:
            return np.zeros((0, len(self.vertices), 3), np.float32)
        return self.targets


@dataclass
class Character:
    source: str
    parts: list[Part]
    objects: dict[str, str] = field(default_factory=dict)  # every object in the scene: name -> type

    def part(self, name: str) -> Part:
        return next(p for p in self.parts if p.name == name)


@dataclass
class Additions:
    """What a retarget adds to one part: new shape keys (offsets of the vertices that move, in the
    part's object space) and an animation of keys (new ones or the part's own) from frame 0."""

    part: str
    names: tuple[str, ...]  # new shape keys
    indices: np.ndarray  # (N,) int64, the vertices that move
    offsets: np.ndarray  # (K, N, 3) float32, object space
    animated: tuple[str, ...] = ()  # keys the animation drives, in weight columns' order
    weights: np.ndarray | None = None  # (T, len(animated))
    fps: float = 30.0
    slider: float = 1.0  # the new keys' slider range is [-slider, slider] (1: Blender's [0, 1])
    extras: dict = field(default_factory=dict)  # JSON: how the face was found


def animation_only(part: str, animated: tuple[str, ...], weights: np.ndarray, fps: float,
                   extras: dict | None = None) -> Additions:  # fmt: skip
    """Additions that add no key, only an animation of the part's own keys `animated`."""
    empty = np.zeros((0, 0, 3), np.float32)
    return Additions(part, (), np.zeros(0, np.int64), empty, tuple(animated), weights, fps, extras=extras or {})


def in_unit_range(add: Additions) -> Additions:
    """Keys animated beyond [0, 1] split into positive and negative keys (formats.morph), for files
    whose readers clamp morph weights."""
    if add.weights is None or not add.names or add.animated[: len(add.names)] != add.names:
        return add
    split = unit_targets(list(add.names), add.weights[:, : len(add.names)])
    offsets = np.stack([t.scale * add.offsets[t.source] for t in split]).astype(np.float32)
    names = tuple(t.name for t in split)
    rest = add.animated[len(add.names) :]
    weights = np.concatenate(
        [unit_weights(split, add.weights[:, : len(add.names)]), add.weights[:, len(add.names) :]], axis=1
    )
    return Additions(add.part, names, add.indices, offsets, names + rest, weights, add.fps, 1.0, add.extras)


def _meta(z, path) -> dict:
    try:
        meta = json.loads(str(z["meta"]))
    except (KeyError, ValueError) as exc:
        raise InputError(f"{path}: not a StyleTalk character file (no metadata: {exc})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{path}: not a StyleTalk character file (metadata is not an object)")
    return meta


def _array(z, key: str, path, dtype, shape: tuple) -> np.ndarray:
    """z[key] of `shape` (None: any length), finite, as `dtype`; else one line naming the file."""
    try:
        a = z[key]
    except KeyError:
        raise InputError(f"{path}: has no {key}") from None
    fits = a.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, a.shape, strict=False))
    if a.dtype.kind not in "fiu" or not fits:
        raise InputError(f"{path}: {key} must be numbers of shape {shape}, got {a.dtype} {a.shape}")
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise InputError(f"{path}: {key} has NaN or infinite values")
    return a.astype(dtype, copy=False)


def save_character(character: Character, path: str | os.PathLike) -> None:
    arrays, parts = {}, []
    for i, p in enumerate(character.parts):
        parts.append(
            {
                "name": p.name,
                "target_names": list(p.target_names),
                "materials": list(p.materials),
                "uv_layers": list(p.uv_layers),
                "armature": p.armature,
                "role": p.role,
            }
        )
        arrays |= {
            f"p{i}_vertices": p.vertices,
            f"p{i}_triangles": p.triangles,
            f"p{i}_matrix": p.matrix,
            f"p{i}_targets": p.target_array(),
        }
    meta = {"kind": "character", "source": character.source, "parts": parts, "objects": character.objects}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(meta)), **arrays)


def _load(path, kind: str, what: str, build):
    """build(npz, meta, path) on the .npz at `path` whose metadata says `kind`; anything else one line."""
    p = require_file(path, what, InputError)
    try:
        with np.load(p, allow_pickle=False) as z:
            meta = _meta(z, p)
            if meta.get("kind") != kind:
                raise InputError(f"{p}: not a StyleTalk {what}")
            return build(z, meta, p)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{p}: not a StyleTalk {what}: {type(exc).__name__}: {exc}") from None


def load_character(path: str | os.PathLike) -> Character:
    def build(z, meta, p):
        parts = [_load_part(z, i, m, p) for i, m in enumerate(meta["parts"])]
        return Character(str(meta.get("source", p)), parts, dict(meta.get("objects", {})))

    return _load(path, "character", "character file", build)


def _load_part(z, i: int, m: dict, path) -> Part:
    try:
        return _part_arrays(z, i, m, path)
    except InputError as exc:  # name the part as the user knows it
        raise InputError(str(exc).replace(f": p{i}_", f": {m['name']}: ", 1)) from None


def _part_arrays(z, i: int, m: dict, path) -> Part:
    v = _array(z, f"p{i}_vertices", path, np.float64, (None, 3))
    t = _array(z, f"p{i}_triangles", path, np.int64, (None, 3))
    if len(t) and (t.min() < 0 or t.max() >= len(v)):
        raise InputError(f"{path}: part {m['name']} has triangle indices outside its {len(v)} vertices")
    names = tuple(str(n) for n in m["target_names"])
    targets = _array(z, f"p{i}_targets", path, np.float32, (len(names), len(v), 3))
    return Part(
        str(m["name"]),
        v,
        t,
        _array(z, f"p{i}_matrix", path, np.float64, (4, 4)),
        names,
        targets if names else None,
        tuple(m["materials"]),
        tuple(m["uv_layers"]),
        str(m["armature"]),
        str(m["role"]),
    )


def save_additions(adds: list[Additions], path: str | os.PathLike) -> None:
    """A retarget's additions, one per part that changes (the face part first), as one .npz."""
    meta, arrays = [], {}
    for i, add in enumerate(adds):
        meta.append(
            {
                "part": add.part,
                "names": list(add.names),
                "animated": list(add.animated),
                "fps": add.fps,
                "slider": add.slider,
                "extras": add.extras,
            }
        )
        weights = np.zeros((0, len(add.animated))) if add.weights is None else add.weights
        arrays |= {f"a{i}_indices": add.indices, f"a{i}_offsets": add.offsets, f"a{i}_weights": weights}
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, meta=np.array(json.dumps({"kind": "additions", "parts": meta})), **arrays)


def load_additions(path: str | os.PathLike) -> list[Additions]:
    """The additions save_additions wrote (the face part's first), checked."""

    def one(z, i, m, p):
        names, animated = tuple(map(str, m["names"])), tuple(map(str, m["animated"]))
        idx = _array(z, f"a{i}_indices", p, np.int64, (None,))
        offsets = _array(z, f"a{i}_offsets", p, np.float32, (len(names), len(idx), 3))
        weights = _array(z, f"a{i}_weights", p, np.float64, (None, len(animated)))
        return Additions(
            str(m["part"]),
            names,
            idx,
            offsets,
            animated,
            weights if len(weights) else None,
            float(m["fps"]),
            float(m["slider"]),
            dict(m["extras"]),
        )

    def build(z, meta, p):
        parts = meta.get("parts")
        if not isinstance(parts, list) or not parts:
            raise InputError(f"{p}: a retarget result names the parts it changes; this one names none")
        return [one(z, i, m, p) for i, m in enumerate(parts)]

    return _load(path, "additions", "retarget result", build)

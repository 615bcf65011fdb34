"""`styletalk retarget`: a character file (.glb, .gltf, .fbx, .obj, or the add-on's .npz) + curves ->
the same character with our 64 keys (and ARKit's 52) added to its face part and animated, or, with
`solve`, the face part's own keys animated. Teeth and a tongue that are parts of their own get the same
keys, moving rigidly with the jaw (the lower teeth; the upper ones stay); solved, the parts holding keys
named as the face's own are animated alike. Written as the user's file plus those additions (.glb,
.fbx), or as the additions alone (.npz: what the Blender add-on applies to its scene)."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..face.face_model import load_face_model, mouth_opening
from ..face.landmarks import LIP_VERTICES, mouth_frame
from ..formats.arkit import ARKIT_NAMES
from ..formats.character import Additions, Character, FaceFit, Part, animation_only, save_additions
from ..formats.curves import Curves, load_curves
from ..formats.errors import InputError
from ..formats.fileio import check_output_path, require_suffix
from ..formats.layout import EXP_NAMES
from ..formats.progress import Progress, reached, stage
from ..meshio import Written, write_character
from .arkit import load_arkit_basis
from .fidelity import corr
from .locate import FaceGeometry, FaceHints, FoundFace, find_face
from .mouth import JawMotion, mouth_pieces
from .parts import JAW_ROLES, helpers_near
from .targets import CHARACTER_SOLVE, character_basis, mirror_pairs, mouth_region, solve_onto
from .transfer import transfer_basis

LIPS_REPRODUCED = 0.8  # a solve whose lip opening follows ours with a lower r is said not to reproduce the lips
SLIDER_RANGE = 10.0  # our expression keys swing both ways, as far as the curves' +-10
RETARGET_SUFFIXES = (".glb", ".fbx", ".npz")  # a character file, or the additions alone


@dataclass(frozen=True)
class SolveReport:
    """What a solve onto a character's own keys reproduces of our motion, at our points."""

    lip_r: float  # its lip opening against ours (0 when its keys move no lip)
    lip_residual_px: float  # the lips' residual, px of our 139 px wide face
    outside_residual_px: float  # the residual at our points outside the mouth (brows, eyes, cheeks), px
    keys_used: int  # keys above 0.05 somewhere in the clip


@dataclass(frozen=True)
class Retargeted:
    """What `retarget_file` did."""

    part: str  # the face part the keys went onto
    parts: int  # the character's mesh parts
    targets: int  # keys added (or, solved, the part's own keys animated)
    frames: int
    solved: bool
    fit: FaceFit  # how the face was found, how well it fits, how its mouth is made
    written: str = ""  # "direct" (into the user's .glb), "blender" (its exporter) or "npz" (additions only)
    solve: SolveReport | None = None  # solved onto its own keys: what they reproduce
    followers: tuple[str, ...] = ()  # other parts keyed with the face: teeth and tongue with the jaw
    kept_animations: tuple[str, ...] = ()  # the file's own animations, kept after ours (which plays first)


def _to_object(part: Part, deltas: np.ndarray, rot: np.ndarray) -> np.ndarray:
    """Offsets (K, N, 3) in the front view -> the part's object space, float32."""
    return np.einsum("knc,dc->knd", deltas @ rot, np.linalg.inv(part.matrix[:3, :3])).astype(np.float32)


def _to_part(geo: FaceGeometry, welded: np.ndarray, deltas: np.ndarray, rot: np.ndarray) -> tuple[np.ndarray, ...]:
    """Offsets (K, N, 3) in the front view at welded vertices `welded` (sorted) -> the part's vertices
    that move and their offsets in its object space."""
    moving = np.flatnonzero(np.isin(geo.inverse, welded))
    at = np.searchsorted(welded, geo.inverse[moving])
    return moving, _to_object(geo.part, deltas[:, at], rot)


def _jaw_followers(
    character: Character, geo: FaceGeometry, p: np.ndarray, jaw: JawMotion, rot: np.ndarray, names: tuple[str, ...]
) -> list[Additions]:
    """The keys `names` on the parts beside the face whose pieces inside the mouth go with the jaw
    (mouth.mouth_pieces: lower teeth, a tongue), each such piece moving rigidly as the jaw does."""
    centre, width = mouth_frame(p)
    out = []
    for part in helpers_near(character, geo.part, JAW_ROLES):
        view = part.vertices @ rot.T
        inside = mouth_pieces(view, part.triangles, centre, width)
        if len(inside.jaw):
            offsets = _to_object(part, inside.share[:, None] * jaw.at(view[inside.jaw]), rot)
            out.append(Additions(part.name, names, inside.jaw, offsets, slider=SLIDER_RANGE))
    return out


def _transferred(found: FoundFace, arkit: bool) -> list[Additions]:
    """Our 64 keys (and with `arkit` ARKit's 52) on the face part, and on the parts that go with the
    jaw, not yet animated; the face part's say how it was found (FaceFit)."""
    character, geo, points, rot = found.character, found.geo, found.points, found.rot
    face = load_face_model()
    names, basis = list(EXP_NAMES), face.basis
    if arkit:  # both bases in one transfer: the fall-off, the lip cut and the interpolants are shared
        names, basis = names + list(ARKIT_NAMES), np.concatenate([basis, load_arkit_basis().basis])
    n = len(geo.index)
    moved = transfer_basis(geo.view[:n], geo.tris[geo.skin], points, basis, face)
    indices, offsets = _to_part(geo, moved.indices, moved.deltas, rot)
    followers = _jaw_followers(character, geo, points.positions(geo.view, geo.tris), moved.jaw, rot, tuple(names))
    fit = dataclasses.replace(found.fit(), mouth=moved.mouth, follow_jaw=tuple(a.part for a in followers))
    extras = {"face_fit": fit.to_json()}
    return [Additions(geo.part.name, tuple(names), indices, offsets, slider=SLIDER_RANGE, extras=extras), *followers]


def animated(keys: list[Additions], curves: Curves) -> list[Additions]:
    """Transferred keys (ours first, on every part that has them) played by `curves`: the curves drive
    our 64 keys; ARKit's stay at 0, for an engine's own ARKit data (driving both would move the face
    twice)."""
    return [
        dataclasses.replace(
            k,
            animated=k.names,
            fps=curves.fps,
            weights=np.concatenate([curves.exp, np.zeros((curves.frames, len(k.names) - len(EXP_NAMES)))], axis=1),
        )
        for k in keys
    ]


def character_keys(found: FoundFace, arkit: bool = False) -> list[Additions]:
    """Our keys (and with `arkit` ARKit's) transferred onto the found face part (first) and the parts
    that go with its jaw, not yet animated."""
    return _transferred(found, arkit)


def character_solve(found: FoundFace, curves: Curves) -> list[Additions]:
    """The found face part's own keys animated to reproduce `curves` (no keys added), with what the
    solve reproduces at our points (extras["solve"]: lip opening r, lip residual, keys used); then the
    other parts with keys of the same names (an ARKit rig's teeth, tongue, eyes) animated alike."""
    face = load_face_model()
    geo = found.geo
    part = geo.part
    deltas = part.target_array()[:, geo.index] @ found.rot.T
    basis, _ = character_basis(found.points, geo.tris[geo.skin], geo.view[: len(geo.index)], deltas, face)
    weights = solve_onto(curves.exp, basis, face, CHARACTER_SOLVE, mirror_pairs(part.target_names))
    theirs, ours = np.einsum("tk,kvc->tvc", weights, basis), np.einsum("tk,kvc->tvc", curves.exp, face.basis)
    lip_r = corr(mouth_opening(face.mean + theirs), mouth_opening(face.mean + ours))
    residual = np.sqrt(((theirs - ours) ** 2).sum(-1))  # (T, 468) px
    report = SolveReport(
        lip_r=round(lip_r, 3) if np.isfinite(lip_r) else 0.0,  # keys that move no lip: r 0
        lip_residual_px=round(float(np.sqrt((residual[:, list(LIP_VERTICES)] ** 2).mean())), 2),
        outside_residual_px=round(float(np.sqrt((residual[:, ~mouth_region(face)] ** 2).mean())), 2),
        keys_used=int((weights.max(0) > 0.05).sum()),
    )
    extras = {"face_fit": found.fit().to_json(), "solve": dataclasses.asdict(report)}
    face_keys = animation_only(part.name, part.target_names, weights, curves.fps, extras)
    return [face_keys, *_alike(found.character, face_keys)]


def _alike(character: Character, face_keys: Additions) -> list[Additions]:
    """The animation of the face part's own keys on every other part with keys of the same names."""
    out = []
    for other in character.parts:
        shared = [n for n in other.target_names if n in face_keys.animated] if other.name != face_keys.part else []
        if shared:
            columns = [face_keys.animated.index(n) for n in shared]
            out.append(animation_only(other.name, tuple(shared), face_keys.weights[:, columns], face_keys.fps))
    return out


@dataclass(frozen=True)
class RetargetSettings:
    """`styletalk retarget`'s choices: add our keys (with ARKit's 52 too) or solve onto the face's own
    keys, and what the user says about where the face is."""

    solve: bool = False
    arkit: bool = False
    hints: FaceHints = FaceHints()


def retarget_file(
    mesh: str | os.PathLike,
    curves_path: str | os.PathLike | None,
    out: str | os.PathLike,
    settings: RetargetSettings | None = None,
    progress: Progress | None = None,
) -> Retargeted:
    """The whole path: read the character, find the face on its face part, add or solve the keys,
    write the character (or the additions) to `out`."""
    settings = settings or RetargetSettings()
    solve = settings.solve
    target = require_suffix(check_output_path(out), RETARGET_SUFFIXES, "the retargeted character")
    if Path(mesh).suffix.lower() == ".npz" and target.suffix.lower() != ".npz":
        raise InputError(
            f"{mesh}: a character the add-on handed over (.npz) gets its result as .npz, not {target.suffix}"
        )
    curves = load_curves(curves_path) if curves_path is not None else None
    if solve and curves is None:
        raise InputError("--solve animates the character's own keys from curves: give --curves")
    found = find_face(mesh, settings.hints, stage(progress, 0.0, 0.55), own_keys=solve)
    if solve:
        additions = character_solve(found, curves)
    else:
        additions = character_keys(found, settings.arkit)
        additions = animated(additions, curves) if curves is not None else additions
    reached(progress, 0.65)
    written = Written("npz")
    if target.suffix.lower() == ".npz":
        save_additions(additions, target)
    else:
        written = write_character(mesh, found.character, additions, target, stage(progress, 0.65, 0.35))
    reached(progress, 1.0)
    face_keys = additions[0]
    return Retargeted(
        found.geo.part.name,
        len(found.character.parts),
        len(face_keys.animated if solve else face_keys.names),
        curves.frames if curves else 0,
        solve,
        FaceFit.of(face_keys.extras),
        written.how,
        SolveReport(**face_keys.extras["solve"]) if solve else None,
        tuple(a.part for a in additions[1:]),
        written.kept,
    )

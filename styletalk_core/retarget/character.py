"""`styletalk retarget`: a character file (.glb, .gltf, .fbx, .obj, or the add-on's .npz) + curves ->
the same character with our 64 keys (and ARKit's 52) added to its face part and animated, or, with
`solve`, the face part's own keys animated. Teeth and a tongue that are parts of their own get the same
keys, moving rigidly with the jaw (the lower teeth; the upper ones stay); solved, the parts holding keys
named as the face's own are animated alike. Written as the user's file plus those additions (.glb,
.fbx), or as the additions alone (.npz: what the Blender add-on applies to its scene)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..face.face_model import load_face_model, mouth_opening
from ..face.landmarks import LIP_VERTICES, NUM_LANDMARKS, mouth_frame, similarity_fit
from ..formats.arkit import ARKIT_NAMES
from ..formats.bounded import load_npy
from ..formats.character import AXES, Additions, Character, Part, animation_only, save_additions
from ..formats.curves import Curves, load_curves
from ..formats.errors import InputError
from ..formats.fileio import check_output_path, require_file, require_suffix
from ..formats.layout import EXP_NAMES
from ..formats.placed import MAX_COORDINATE, load_placed, on_a_line
from ..formats.progress import Progress, reached, stage
from ..meshio import Written, read_character, write_character
from .arkit import load_arkit_basis
from .correspondence import SurfacePoints, search_face, snap_to_surface
from .fidelity import corr
from .framing import windows
from .landmarks import placed_points
from .mouth import JawMotion, mouth_pieces
from .parts import JAW_ROLES, classify, helpers_near
from .targets import CHARACTER_SOLVE, character_basis, mirror_pairs, mouth_region, solve_onto
from .transfer import transfer_basis

LIPS_REPRODUCED = 0.8  # a solve whose lip opening follows ours with a lower r is said not to reproduce the lips
# residual of the similarity fit of the found points to our mean face (139 px wide), above which the
# mesh is refused: ICT-FaceKit identities at 1-2 sigma fit to 5.2-11.5 px (benchmarks/ict_identities.py);
# ICT's neutral turned 35 degrees from the front axis 14 px, 50 degrees 20 px, 70 degrees 23 px
MAX_FIT_RMS_PX = 18.0
SLIDER_RANGE = 10.0  # our expression keys swing both ways, as far as the curves' +-10
RETARGET_SUFFIXES = (".glb", ".fbx", ".npz")  # a character file, or the additions alone


def to_front_view(front: str, up: str) -> np.ndarray:
    """Rotation taking the mesh's `front` and `up` axes to +z and +y (the correspondence's view)."""
    if front not in AXES or up not in AXES:
        raise InputError(f"axes are one of {', '.join(AXES)}; got front {front!r}, up {up!r}")
    f, u = np.array(AXES[front], float), np.array(AXES[up], float)
    if abs(f @ u) > 0:
        raise InputError(f"front {front} and up {up} must be perpendicular")
    return np.stack([np.cross(u, f), u, f])  # rows: where x, y, z of the view come from


# the usual (front, up) conventions, tried in this order when the given axes show no face: glTF / Maya /
# three.js, Blender, Unreal, then the rest of the usual facings
CONVENTIONS = (
    ("+z", "+y"),
    ("-y", "+z"),
    ("+x", "+z"),
    ("-z", "+y"),
    ("+y", "+z"),
    ("-x", "+z"),
    ("+x", "+y"),
    ("-x", "+y"),
)


@dataclass(frozen=True)
class Located:
    points: SurfacePoints
    rms: float  # residual of the found points against our face, px of its 139 px width
    framed: str  # the view the face was found in (retarget.framing), or "mask"


def _fit_rms(points: SurfacePoints, view: np.ndarray, tris: np.ndarray) -> float:
    return similarity_fit(points.positions(view, tris), load_face_model().mean.astype(np.float64))[3]


def _misfit(source: str, rms: float, how: str) -> InputError:
    return InputError(
        f"{source}: the found points do not fit a face (residual {rms:.1f} px of our 139 px wide "
        f"face, at most {MAX_FIT_RMS_PX:g}): {how}"
    )


def locate_face(
    view: np.ndarray,
    tris: np.ndarray,
    mask: np.ndarray | None,
    source: str,
    axes: str = "+z, +y up",
    skin: np.ndarray | None = None,
    full: bool = True,
    progress: Progress | None = None,
) -> Located:
    """Our 468 points on the mesh (face towards +z), found on its renders (the whole part, then its
    head first: retarget.framing; `full` adds the squares stepping down it) or snapped from a
    hand-placed mask; refuses a fit no face gives. `axes` says how the mesh was turned to the front,
    for the refusal; `skin` (a mask over the triangles) is where the points may land (the face part,
    not the eyes or teeth rendered with it)."""
    if mask is not None:
        points = snap_to_surface(mask, view, tris, skin=skin, source=source)
        rms = _fit_rms(points, view, tris)
        if not rms <= MAX_FIT_RMS_PX:
            raise _misfit(source, rms, "the mask does not lie on a face")
        return Located(points, rms, "mask")
    part = view[np.unique(tris[skin])] if skin is not None else view
    best = None
    views = windows(part[:, :2], full)
    with contextlib.closing(search_face(view, tris, views, skin=skin, progress=progress)) as found:
        for corr in found:
            rms = _fit_rms(corr.points, view, tris)
            if rms <= MAX_FIT_RMS_PX:
                return Located(corr.points, rms, corr.framed)
            best = rms if best is None else min(best, rms)
    if best is not None:
        raise _misfit(source, best, f"is the face towards {axes}?")
    raise InputError(
        f"{source}: no face found on the front render, viewed with the face towards {axes}: are those the face's axes?"
    )


MASK_BYTES = 1 << 20  # a mask's array: 468 x 3 numbers, far below this


def load_mask(path: str | os.PathLike | None, rot: np.ndarray) -> np.ndarray | None:
    """A hand-placed face mask (.npy, (468, 3) in the character's coordinates) in the front view."""
    if path is None:
        return None
    p = require_file(path, "face mask", InputError)
    if p.suffix.lower() != ".npy":
        raise InputError(f"{p}: a face mask is a NumPy .npy file of ({NUM_LANDMARKS}, 3) positions, not {p.suffix!r}")
    try:
        mask = load_npy(p, MASK_BYTES)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{p}: not a NumPy array: {exc}") from None
    if mask.dtype.kind not in "fiu":
        raise InputError(f"{p}: a face mask holds numbers, not {mask.dtype}")
    if mask.shape != (NUM_LANDMARKS, 3):
        raise InputError(f"{p}: a face mask is ({NUM_LANDMARKS}, 3) finite positions, got {mask.shape}")
    if not np.isfinite(mask).all() or np.abs(mask).max() > MAX_COORDINATE:
        raise InputError(f"{p}: a face mask is ({NUM_LANDMARKS}, 3) finite positions within ±{MAX_COORDINATE:g}")
    if on_a_line(mask.astype(np.float64)):
        raise InputError(f"{p}: the mask's points lie at one point or on one line; a face's points span its front")
    return np.asarray(mask, np.float64) @ rot.T


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
    found_by: str  # "detection (VIEW)" or "mask"
    fit_rms_px: float
    written: str = ""  # "direct" (into the user's .glb), "blender" (its exporter) or "npz" (additions only)
    axes: str = ""  # the axes the face was found with ("+z, +y up")
    mouth: str = ""  # how its mouth is made (mouth.MOUTHS); "" when solved onto its own keys
    solve: SolveReport | None = None  # solved onto its own keys: what they reproduce
    followers: tuple[str, ...] = ()  # other parts keyed with the face: teeth and tongue with the jaw
    kept_animations: tuple[str, ...] = ()  # the file's own animations, kept after ours (which plays first)


@dataclass(frozen=True)
class FaceGeometry:
    """The face part in the front view, its coincident vertices welded (seams the importer split
    along UVs or materials), with the eyes, teeth and brows beside it for the render."""

    part: Part
    index: np.ndarray  # (U,) the part's vertex standing for each welded vertex
    inverse: np.ndarray  # (V,) the welded vertex of each of the part's vertices
    view: np.ndarray  # (U + helpers, 3) welded face vertices, then the helpers'
    tris: np.ndarray  # face triangles first, then the helpers'
    skin: np.ndarray  # (F,) bool: the face part's triangles


def weld(vertices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, inverse): one vertex per position (within 1e-7 of the extent) and where each went."""
    span = float(np.ptp(vertices, axis=0).max()) or 1.0
    key = np.round(vertices / (span * 1e-7)).astype(np.int64)
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first, inverse.reshape(-1)


def _usable(character: Character, face: Part) -> None:
    """A face part with a shape to find a face on and a transform that can be undone, else one line."""
    where = f"{character.source}: its face part {face.name!r}"
    scales = np.linalg.svd(face.matrix[:3, :3], compute_uv=False)
    if not scales[-1] > 1e-9 * scales[0]:
        raise InputError(f"{where} has a transform that flattens it (a node scaled by 0, or a singular matrix)")
    if on_a_line(face.vertices):
        raise InputError(f"{where} has its vertices at one point or on one line: there is no surface to find")


def face_geometry(character: Character, rot: np.ndarray) -> FaceGeometry:
    face = classify(character)
    first, inverse = weld(face.vertices)
    views, tris, n = [face.vertices[first] @ rot.T], [inverse[face.triangles]], len(first)
    for helper in helpers_near(character, face):
        views.append(helper.vertices @ rot.T)
        tris.append(helper.triangles + n)
        n += len(helper.vertices)
    skin = np.zeros(sum(len(t) for t in tris), bool)
    skin[: len(tris[0])] = True
    return FaceGeometry(face, first, inverse, np.concatenate(views), np.concatenate(tris), skin)


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


def _transferred(
    character: Character, geo: FaceGeometry, points: SurfacePoints, rot: np.ndarray, arkit: bool
) -> list[Additions]:
    """Our 64 keys (and with `arkit` ARKit's 52) on the face part, and on the parts that go with the
    jaw, not yet animated."""
    face = load_face_model()
    names, basis = list(EXP_NAMES), face.basis
    if arkit:  # both bases in one transfer: the fall-off, the lip cut and the interpolants are shared
        names, basis = names + list(ARKIT_NAMES), np.concatenate([basis, load_arkit_basis().basis])
    n = len(geo.index)
    moved = transfer_basis(geo.view[:n], geo.tris[geo.skin], points, basis, face)
    indices, offsets = _to_part(geo, moved.indices, moved.deltas, rot)
    followers = _jaw_followers(character, geo, points.positions(geo.view, geo.tris), moved.jaw, rot, tuple(names))
    fit = {"mouth": moved.mouth, "follow_jaw": [a.part for a in followers]}
    keys = Additions(geo.part.name, tuple(names), indices, offsets, slider=SLIDER_RANGE, extras={"face_fit": fit})
    return [keys, *followers]


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


@dataclass(frozen=True)
class FoundFace:
    """A character read whole, its face part, and our points on it."""

    character: Character
    geo: FaceGeometry
    points: SurfacePoints
    rot: np.ndarray  # the character's axes -> the front view
    rms: float
    found_by: str  # "detection (VIEW)", "mask" or "landmarks" (rms: of the placed points' fit, not gated)
    axes: str = "+z, +y up"  # the axes the face was found with

    def fit_report(self) -> dict:
        return {
            "face_fit": {
                "found_by": self.found_by,
                "fit_rms_px": round(self.rms, 2),
                "part": self.geo.part.name,
                "axes": self.axes,
            }
        }


def _axes(front: str, up: str) -> str:
    return f"{front}, {up} up"


def find_face(
    mesh: str | os.PathLike,
    front: str = "+z",
    up: str = "+y",
    mask: str | os.PathLike | None = None,
    progress: Progress | None = None,
    own_keys: bool = False,
    landmarks: str | os.PathLike | None = None,
) -> FoundFace:
    """Read the character, pick its face part and find our face on it (progress: reading is 0.8 of it);
    with `own_keys`, a face part without shape keys is refused before the search. When the given
    axes show no face, the other usual conventions are tried (CONVENTIONS) and the one used is said.
    `landmarks` (a JSON of points placed by hand, retarget.landmarks) or `mask` stand in for detection."""
    if mask is not None and landmarks is not None:
        raise InputError("give either placed landmarks or a face mask, not both")
    rot = to_front_view(front, up)
    hand_placed = load_mask(mask, rot)
    placed = load_placed(landmarks) if landmarks is not None else None
    character = read_character(mesh, stage(progress, 0.0, 0.8))
    geo = face_geometry(character, rot)
    _usable(character, geo.part)  # once: the axis conventions tried below turn the same part
    if own_keys and not geo.part.target_names:
        raise InputError(f"{mesh}: --solve animates the face's own shape keys, and {geo.part.name} has none")
    if placed is not None:
        points, rms = placed_points(placed, rot, geo.view, geo.tris, geo.skin, str(landmarks))
        reached(progress, 1.0)
        return FoundFace(character, geo, points, rot, rms, "landmarks", _axes(front, up))
    reached(progress, 0.82)
    try:
        searching = stage(progress, 0.82, 0.15)
        found = locate_face(geo.view, geo.tris, hand_placed, str(mesh), _axes(front, up), geo.skin, progress=searching)
    except InputError as exc:
        if hand_placed is not None or "no face found" not in str(exc):
            raise
        others = [c for c in CONVENTIONS if c != (front, up)]
        for i, (f, u) in enumerate(others):
            stage(progress, 0.97, 0.03)(i, len(others))
            rot = to_front_view(f, u)
            geo = face_geometry(character, rot)
            with contextlib.suppress(InputError):
                found = locate_face(geo.view, geo.tris, None, str(mesh), _axes(f, u), geo.skin, full=False)
                front, up = f, u
                break
        else:
            raise InputError(
                f"{exc}; nor with any of the other usual axes ({len(others)} tried); for a face the "
                "detector cannot read, place landmarks (--landmarks)"
            ) from None
    reached(progress, 1.0)
    how = "mask" if mask is not None else f"detection ({found.framed})"
    return FoundFace(character, geo, found.points, rot, found.rms, how, _axes(front, up))


def character_keys(found: FoundFace, arkit: bool = False) -> list[Additions]:
    """Our keys (and with `arkit` ARKit's) transferred onto the found face part (first) and the parts
    that go with its jaw, not yet animated."""
    keys = _transferred(found.character, found.geo, found.points, found.rot, arkit)
    keys[0].extras = {"face_fit": {**found.fit_report()["face_fit"], **keys[0].extras["face_fit"]}}
    return keys


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
    extras = {**found.fit_report(), "solve": dataclasses.asdict(report)}
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


def retarget_file(
    mesh: str | os.PathLike,
    curves_path: str | os.PathLike | None,
    out: str | os.PathLike,
    solve: bool = False,
    arkit: bool = False,
    front: str = "+z",
    up: str = "+y",
    mask: str | os.PathLike | None = None,
    progress: Progress | None = None,
    landmarks: str | os.PathLike | None = None,
) -> Retargeted:
    """The whole path: read the character, find the face on its face part, add or solve the keys,
    write the character (or the additions) to `out`."""
    target = require_suffix(check_output_path(out), RETARGET_SUFFIXES, "the retargeted character")
    if Path(mesh).suffix.lower() == ".npz" and target.suffix.lower() != ".npz":
        raise InputError(
            f"{mesh}: a character the add-on handed over (.npz) gets its result as .npz, not {target.suffix}"
        )
    curves = load_curves(curves_path) if curves_path is not None else None
    if solve and curves is None:
        raise InputError("--solve animates the character's own keys from curves: give --curves")
    found = find_face(mesh, front, up, mask, stage(progress, 0.0, 0.55), own_keys=solve, landmarks=landmarks)
    geo = found.geo
    if solve:
        additions = character_solve(found, curves)
    else:
        additions = character_keys(found, arkit)
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
        geo.part.name,
        len(found.character.parts),
        len(face_keys.animated if solve else face_keys.names),
        curves.frames if curves else 0,
        solve,
        found.found_by,
        round(found.rms, 2),
        written.how,
        found.axes,
        face_keys.extras["face_fit"].get("mouth", ""),
        SolveReport(**face_keys.extras["solve"]) if solve else None,
        tuple(a.part for a in additions[1:]),
        written.kept,
    )

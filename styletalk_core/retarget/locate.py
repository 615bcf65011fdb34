"""Finding the face on a character: its face part in the front view (welded, with the eyes and teeth
beside it), our 468 points found by detection on its renders (framing: retarget.framing; detection:
retarget.correspondence), snapped from a hand-placed mask or fitted to placed landmarks
(retarget.landmarks), the axis conventions tried when the given axes show no face, and the gate that
refuses points no face gives. What was found travels as a FoundFace; how, as its FaceFit."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, replace

import numpy as np

from ..face.face_model import load_face_model
from ..face.landmarks import NUM_LANDMARKS, similarity_fit
from ..formats.bounded import load_npy
from ..formats.character import AXES, Character, FaceFit, Part
from ..formats.errors import InputError
from ..formats.fileio import require_file
from ..formats.placed import MAX_COORDINATE, load_placed, on_a_line
from ..formats.progress import Progress, reached, stage
from ..meshio import read_character
from .correspondence import SurfacePoints, search_face, snap_to_surface
from .framing import windows
from .landmarks import placed_points
from .parts import classify, helpers_near

# residual of the similarity fit of the found points to our mean face (139 px wide), above which the
# mesh is refused: ICT-FaceKit identities at 1-2 sigma fit to 5.2-11.5 px (benchmarks/ict_identities.py);
# ICT's neutral turned 35 degrees from the front axis 14 px, 50 degrees 20 px, 70 degrees 23 px
MAX_FIT_RMS_PX = 18.0


@dataclass(frozen=True)
class FaceHints:
    """What the user says about the face: the axes it faces (tried first; the other usual conventions
    after), or where it is (a hand-placed mask, or landmarks placed by hand: instead of detection)."""

    front: str = "+z"
    up: str = "+y"
    mask: str | os.PathLike | None = None  # .npy (468, 3) in the character's coordinates
    landmarks: str | os.PathLike | None = None  # JSON of placed points (formats.placed)

    @property
    def axes(self) -> str:
        return f"{self.front}, {self.up} up"


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
    geo: FaceGeometry,
    mask: np.ndarray | None,
    source: str,
    axes: str = "+z, +y up",
    full: bool = True,
    progress: Progress | None = None,
) -> Located:
    """Our 468 points on the face part (face towards +z), found on its renders (the whole part, then its
    head first: retarget.framing; `full` adds the squares stepping down it) or snapped from a
    hand-placed mask; refuses a fit no face gives. `axes` says how the mesh was turned to the front,
    for the refusal. The points land on the face part's own triangles (geo.skin), not on the eyes or
    teeth rendered with it."""
    view, tris, skin = geo.view, geo.tris, geo.skin
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
class FaceGeometry:
    """The face part in the front view, its coincident vertices welded (seams the importer split
    along UVs or materials), with the eyes, teeth and brows beside it for the render."""

    part: Part
    index: np.ndarray  # (U,) the part's vertex standing for each welded vertex
    inverse: np.ndarray  # (V,) the welded vertex of each of the part's vertices
    view: np.ndarray  # (U + helpers, 3) welded face vertices, then the helpers'
    tris: np.ndarray  # face triangles first, then the helpers'
    skin: np.ndarray  # (F,) bool: the face part's triangles

    def turned(self, rot: np.ndarray, to: np.ndarray) -> FaceGeometry:
        """The same geometry seen with the axes `to` instead of `rot` (each: the character's axes -> the
        front view), without classifying and welding the part again."""
        return replace(self, view=self.view @ rot @ to.T)


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

    def fit(self) -> FaceFit:
        return FaceFit(self.found_by, round(self.rms, 2), self.geo.part.name, self.axes)


def find_face(
    mesh: str | os.PathLike, hints: FaceHints | None = None, progress: Progress | None = None, own_keys: bool = False
) -> FoundFace:
    """Read the character, pick its face part and find our face on it (progress: reading is 0.8 of it);
    with `own_keys`, a face part without shape keys is refused before the search. When the given
    axes show no face, the other usual conventions are tried (CONVENTIONS) and the one used is said.
    The hints' landmarks or mask stand in for detection."""
    hints = hints or FaceHints()
    if hints.mask is not None and hints.landmarks is not None:
        raise InputError("give either placed landmarks or a face mask, not both")
    rot = to_front_view(hints.front, hints.up)
    hand_placed = load_mask(hints.mask, rot)
    placed = load_placed(hints.landmarks) if hints.landmarks is not None else None
    character = read_character(mesh, stage(progress, 0.0, 0.8))
    geo = face_geometry(character, rot)
    _usable(character, geo.part)  # once: the axis conventions tried below turn the same part
    if own_keys and not geo.part.target_names:
        raise InputError(f"{mesh}: --solve animates the face's own shape keys, and {geo.part.name} has none")
    if placed is not None:
        points, rms = placed_points(placed, rot, geo.view, geo.tris, geo.skin, str(hints.landmarks))
        reached(progress, 1.0)
        return FoundFace(character, geo, points, rot, rms, "landmarks", hints.axes)
    reached(progress, 0.82)
    try:
        found = locate_face(geo, hand_placed, str(mesh), hints.axes, progress=stage(progress, 0.82, 0.15))
    except InputError as exc:
        if hand_placed is not None or "no face found" not in str(exc):
            raise
        found, rot, geo, hints = _other_axes((geo, rot), hints, str(mesh), stage(progress, 0.97, 0.03), exc)
    reached(progress, 1.0)
    how = "mask" if hints.mask is not None else f"detection ({found.framed})"
    return FoundFace(character, geo, found.points, rot, found.rms, how, hints.axes)


def _other_axes(seen: tuple, hints: FaceHints, source: str, progress: Progress, refused: InputError) -> tuple:
    """The face found with the first of the other usual conventions that shows one: (located, rotation,
    geometry, hints with those axes), or one line saying none did. `seen`: the geometry and rotation
    the given axes showed no face with."""
    given, given_rot = seen
    others = [c for c in CONVENTIONS if c != (hints.front, hints.up)]
    for i, (front, up) in enumerate(others):
        progress(i, len(others))
        tried = FaceHints(front, up)
        rot = to_front_view(front, up)
        geo = given.turned(given_rot, rot)
        with contextlib.suppress(InputError):
            return locate_face(geo, None, source, tried.axes, full=False), rot, geo, tried
    raise InputError(
        f"{refused}; nor with any of the other usual axes ({len(others)} tried); for a face the "
        "detector cannot read, place landmarks (--landmarks)"
    ) from None

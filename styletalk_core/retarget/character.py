"""`styletalk retarget`: a character mesh (.obj or .glb) + curves -> a .glb with morph targets and
their animation: our 64 keys (and ARKit's 52) transferred onto it, or, with `solve`, its own morph
targets animated. Without curves, the targets alone (what the Blender add-on's Transfer imports)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..extras import optional
from ..face.face_model import load_face_model
from ..face.landmarks import NUM_LANDMARKS
from ..formats.arkit import ARKIT_NAMES
from ..formats.curves import load_curves
from ..formats.errors import InputError
from ..formats.fileio import check_output_path, require_file, require_suffix
from ..formats.gltf import read_glb, write_glb
from ..formats.layout import EXP_NAMES
from .arkit import load_arkit_basis
from .correspondence import SurfacePoints, find_correspondence, similarity_fit, snap_to_surface
from .targets import character_basis, solve_onto
from .transfer import transfer_basis

# residual of the similarity fit of the found points to our mean face (139 px wide), above which the
# mesh is refused: ICT-FaceKit identities at 1-2 sigma fit to 5.2-11.5 px (benchmarks/character_fit.py);
# ICT's neutral turned 35 degrees from the front axis 14 px, 50 degrees 20 px, 70 degrees 23 px
MAX_FIT_RMS_PX = 18.0
AXES = {"+x": (1, 0, 0), "-x": (-1, 0, 0), "+y": (0, 1, 0), "-y": (0, -1, 0), "+z": (0, 0, 1), "-z": (0, 0, -1)}


def to_front_view(front: str, up: str) -> np.ndarray:
    """Rotation taking the mesh's `front` and `up` axes to +z and +y (the correspondence's view)."""
    if front not in AXES or up not in AXES:
        raise InputError(f"axes are one of {', '.join(AXES)}; got front {front!r}, up {up!r}")
    f, u = np.array(AXES[front], float), np.array(AXES[up], float)
    if abs(f @ u) > 0:
        raise InputError(f"front {front} and up {up} must be perpendicular")
    return np.stack([np.cross(u, f), u, f])  # rows: where x, y, z of the view come from


def load_mesh(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(V, 3) vertices, (F, 3) triangles and {name: (V, 3)} morph targets of an .obj or .glb."""
    p = require_file(path, "mesh", InputError)
    if p.suffix.lower() == ".glb":
        mesh = read_glb(p)
        verts, tris, targets = mesh["positions"], mesh["triangles"], mesh["targets"]
    elif p.suffix.lower() == ".obj":
        trimesh = optional("trimesh", "preview")
        try:
            m = trimesh.load(str(p), force="mesh", process=False, maintain_order=True)
        except Exception as exc:  # trimesh raises many types for broken files
            raise InputError(f"{p}: cannot read the OBJ: {type(exc).__name__}: {exc}") from None
        verts, tris, targets = np.asarray(m.vertices, float), np.asarray(m.faces, np.int64), {}
    else:
        raise InputError(f"{p}: a character mesh is an .obj or a .glb, not {p.suffix!r}")
    if len(verts) < 3 or len(tris) == 0 or not np.isfinite(verts).all():
        raise InputError(f"{p}: has {len(verts)} vertices and {len(tris)} triangles: not a usable surface mesh")
    return verts, tris, targets


def locate_face(
    view: np.ndarray, tris: np.ndarray, mask: np.ndarray | None, source: str, axes: str = "+z, +y up"
) -> tuple[SurfacePoints, float]:
    """Our 468 points on the mesh (face towards +z), found on its render or snapped from a hand-placed
    mask, and the fit residual (px of our face); refuses a fit no face gives. `axes` says how the
    mesh was turned to the front (the axes the user gave), for the refusal."""
    if mask is None:
        try:
            points = find_correspondence(view, tris, source=source).points
        except InputError as exc:
            raise InputError(f"{exc}, viewed with the face towards {axes}: are those the face's axes?") from None
    else:
        points = snap_to_surface(mask, view, tris, source=source)
    rms = similarity_fit(points.positions(view, tris), load_face_model().mean.astype(np.float64))[3]
    if not rms <= MAX_FIT_RMS_PX:
        how = "the mask does not lie on a face" if mask is not None else f"is the face towards {axes}?"
        raise InputError(f"{source}: the found points do not fit a face (residual {rms:.1f} px of our 139 px wide "
                         f"face, at most {MAX_FIT_RMS_PX:g}): {how}")  # fmt: skip
    return points, rms


def load_mask(path: str | os.PathLike | None, rot: np.ndarray) -> np.ndarray | None:
    """A hand-placed face mask (.npy, (468, 3) in the mesh's coordinates) in the front view."""
    if path is None:
        return None
    p = require_file(path, "face mask", InputError)
    if p.suffix.lower() != ".npy":
        raise InputError(f"{p}: a face mask is a NumPy .npy file of ({NUM_LANDMARKS}, 3) positions, not {p.suffix!r}")
    try:
        mask = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise InputError(f"{p}: not a NumPy array: {exc}") from None
    if mask.dtype.kind not in "fiu":
        raise InputError(f"{p}: a face mask holds numbers, not {mask.dtype}")
    if mask.shape != (NUM_LANDMARKS, 3):
        raise InputError(f"{p}: a face mask is ({NUM_LANDMARKS}, 3) finite positions, got {mask.shape}")
    if not np.isfinite(mask).all():
        raise InputError(f"{p}: a face mask is ({NUM_LANDMARKS}, 3) finite positions; it has NaN or inf")
    return np.asarray(mask, np.float64) @ rot.T


def retarget_file(mesh: str | os.PathLike, curves_path: str | os.PathLike | None, out: str | os.PathLike,
                  solve: bool = False, arkit: bool = False, front: str = "+z", up: str = "+y",
                  mask: str | os.PathLike | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict:  # fmt: skip
    """The whole path; returns what was done (targets, frames, fit residual)."""
    require_suffix(check_output_path(out), (".glb",), "the retargeted character")
    rot = to_front_view(front, up)
    curves = load_curves(curves_path) if curves_path is not None else None
    if solve and curves is None:
        raise InputError("--solve animates the mesh's own targets from curves: give --curves")
    verts, tris, targets = load_mesh(mesh)
    if solve and not targets:
        raise InputError(f"{mesh}: --solve animates the mesh's own morph targets, and it has none")
    step = progress or (lambda done, total: None)
    step(0, 3)
    view = verts @ rot.T
    points, rms = locate_face(view, tris, load_mask(mask, rot), str(mesh), f"{front}, {up} up")
    step(1, 3)
    face = load_face_model()
    if solve:
        names = list(targets)
        deltas = np.stack([targets[n] for n in names]) @ rot.T
        basis, _ = character_basis(points, tris, view, deltas, face)
        out_targets, weights = targets, solve_onto(curves.exp, basis, face)
    else:
        # both bases in one transfer: the fall-off, the lip cut and the interpolants are the same for each key
        names, basis = list(EXP_NAMES), face.basis
        if arkit:
            names, basis = names + list(ARKIT_NAMES), np.concatenate([basis, load_arkit_basis().basis])
        moved = transfer_basis(view, tris, points, basis, face)
        out_targets = {n: d @ rot for n, d in zip(names, moved.deltas, strict=True)}
        weights = None if curves is None else curves.exp
        if arkit and curves is not None:
            # the curves play on our keys; the ARKit targets are there for an engine's own ARKit data
            # (driving both at once would move the face twice)
            weights = np.concatenate([weights, np.zeros((curves.frames, len(ARKIT_NAMES)))], axis=1)
    step(2, 3)
    fps = curves.fps if curves is not None else 30.0
    fit = {"found_by": "mask" if mask is not None else "detection", "fit_rms_px": round(rms, 2)}
    write_glb(out, verts, tris, out_targets, weights, fps, name=Path(mesh).stem, extras={"face_fit": fit})
    step(3, 3)
    frames = curves.frames if curves is not None else 0
    return {"targets": len(out_targets), "frames": frames, "solved": solve, **fit}

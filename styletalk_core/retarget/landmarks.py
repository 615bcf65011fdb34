"""Faces the detector cannot read (stylised, cartoon, a robot): a few points placed by hand on the
character (formats.placed: chin, nose tip, mouth corners, lip middles, eye corners, from a small JSON
file of named 3-D positions). Our face is fitted to them (a similarity, then a smooth
warp through the points) and its 468 points snapped onto the character's surface; the fit's residual
says how far the character's proportions are from ours, for the report, and refuses only points no
face's proportions give (MAX_PLACED_RMS_PX)."""

from __future__ import annotations

import numpy as np

from ..face.face_model import load_face_model
from ..face.landmarks import similarity_fit
from ..formats.errors import InputError
from ..formats.placed import PLACED_POINTS, Placed
from .correspondence import SurfacePoints, snap_to_surface

# a stylised face is far from ours (the robot of benchmarks/landmarks: 35 px), points placed anywhere
# but on a face are farther still (nine of ten at one spot: 139-185 px); detection refuses over 18
MAX_PLACED_RMS_PX = 100.0
FLIP = np.array([1.0, -1.0, -1.0])  # our face's pixels (y down, z away) -> face towards +z, y up


def conform(placed: Placed, rot: np.ndarray) -> tuple[np.ndarray, float]:
    """Our face's 468 points fitted to the placed ones (in the front view: `rot` turns the character's
    axes to it) and the similarity fit's residual in px of our 139 px face."""
    from scipy.interpolate import RBFInterpolator

    ours = load_face_model().mean.astype(np.float64) * FLIP
    dst = placed.positions @ rot.T
    src = ours[[PLACED_POINTS[n] for n in placed.names]]
    s, r, t, rms = similarity_fit(src, dst)
    aligned = s * ours @ r.T + t
    at = aligned[[PLACED_POINTS[n] for n in placed.names], :2]
    # through the placed points in the view (the snap along -z sets the depth); flat beyond them. The
    # warp is fitted in units of the points' own spread (any scale of the character's coordinates)
    centre, unit = at.mean(0), float(np.ptp(at, axis=0).max())
    warp = RBFInterpolator(
        (at - centre) / unit,
        (dst - aligned[[PLACED_POINTS[n] for n in placed.names]])[:, :2] / unit,
        kernel="thin_plate_spline",
        degree=1,
    )
    aligned[:, :2] += unit * warp((aligned[:, :2] - centre) / unit)
    return aligned, rms / s


def _on_the_part(placed: Placed, rot: np.ndarray, vertices: np.ndarray, source: str) -> None:
    """Placed points within the face's box in the front view (a tenth of its size around it), else one
    line: points in other coordinates than the character's snap to nothing."""
    view, points = vertices[:, :2], (placed.positions @ rot.T)[:, :2]
    lo, hi = view.min(0), view.max(0)
    margin = 0.1 * float((hi - lo).max())
    outside = ~((points >= lo - margin) & (points <= hi + margin)).all(1)
    if outside.any():
        name = placed.names[int(np.argmax(outside))]
        raise InputError(
            f"{source}: the placed landmark {name!r} is outside the character's face seen from the front: "
            "are the points in the character's own coordinates?"
        )


def placed_points(
    placed: Placed, rot: np.ndarray, vertices: np.ndarray, tris: np.ndarray, skin: np.ndarray | None, source: str
) -> tuple[SurfacePoints, float]:
    """Our 468 points on the character (face towards +z): conformed to the placed landmarks, then
    snapped along -z onto its skin; and the landmark fit's residual (px of our face)."""
    conformed, rms = conform(placed, rot)
    if not rms <= MAX_PLACED_RMS_PX:
        raise InputError(
            f"{source}: the placed landmarks do not fit a face's proportions (residual {rms:.0f} px of our "
            f"139 px wide face, at most {MAX_PLACED_RMS_PX:g}): is each point on its part of the face?"
        )
    _on_the_part(placed, rot, vertices, source)
    return snap_to_surface(conformed, vertices, tris, skin=skin), rms

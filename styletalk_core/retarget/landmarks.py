"""Faces the detector cannot read (stylised, cartoon, a robot): a few points placed by hand on the
character (face.landmarks.PLACED_POINTS: chin, nose tip, mouth corners, lip middles, eye corners), read
from a small JSON file of named 3-D positions. Our face is fitted to them (a similarity, then a smooth
warp through the points) and its 468 points snapped onto the character's surface; the fit's residual
says how far the character's proportions are from ours, for the report, not to refuse it."""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass

import numpy as np

from ..face.face_model import load_face_model
from ..face.landmarks import PLACED_POINTS
from ..formats.errors import InputError
from ..formats.fileio import require_file
from .correspondence import SurfacePoints, cast_to_surface, similarity_fit

NEEDED = ("mouth_right", "mouth_left")  # the mouth's corners: where the lips part
MIN_POINTS = 6
FLIP = np.array([1.0, -1.0, -1.0])  # our face's pixels (y down, z away) -> face towards +z, y up


@dataclass(frozen=True)
class Placed:
    names: tuple[str, ...]
    positions: np.ndarray  # (N, 3) in the character's frame


def _number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def load_landmarks(path: str | os.PathLike) -> Placed:
    """A JSON object of named points, {"chin": [x, y, z], ...}, in the character's coordinates."""
    p = require_file(path, "landmarks", InputError)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{p}: not a JSON file of named points: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(f'{p}: landmarks are a JSON object of named points, e.g. {{"chin": [0, -1.2, 0.3]}}')
    unknown = sorted(set(data) - set(PLACED_POINTS))
    if unknown:
        raise InputError(f"{p}: unknown landmark {unknown[0]!r}; the names are {', '.join(PLACED_POINTS)}")
    for name, value in data.items():
        ok = isinstance(value, list) and len(value) == 3
        if not ok or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) for x in value
        ):
            raise InputError(f"{p}: landmark {name!r} is not three finite numbers [x, y, z]")
    missing = [n for n in NEEDED if n not in data]
    if missing or len(data) < MIN_POINTS:
        need = f"{missing[0]!r} is missing" if missing else f"{len(data)} given"
        raise InputError(f"{p}: at least {MIN_POINTS} landmarks, both mouth corners among them ({need})")
    names = tuple(n for n in PLACED_POINTS if n in data)
    positions = np.array([data[n] for n in names], np.float64)
    span = float(np.ptp(positions, axis=0).max())
    corners = np.linalg.norm(positions[names.index("mouth_left")] - positions[names.index("mouth_right")])
    if not span > 0 or corners <= 1e-6 * span:
        raise InputError(f"{p}: the landmarks must not coincide (the mouth corners are at one point)")
    return Placed(names, positions)


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
    # through the placed points in the view (the snap along -z sets the depth); flat beyond them
    warp = RBFInterpolator(at, (dst - aligned[[PLACED_POINTS[n] for n in placed.names]])[:, :2],
                           kernel="thin_plate_spline", degree=1)  # fmt: skip
    aligned[:, :2] += warp(aligned[:, :2])
    return aligned, rms / s


def placed_points(placed: Placed, rot: np.ndarray, vertices: np.ndarray, tris: np.ndarray,
                  skin: np.ndarray | None) -> tuple[SurfacePoints, float]:  # fmt: skip
    """Our 468 points on the character (face towards +z): conformed to the placed landmarks, then
    snapped along -z onto its skin; and the landmark fit's residual (px of our face)."""
    conformed, rms = conform(placed, rot)
    allowed = np.flatnonzero(skin) if skin is not None else np.arange(len(tris))
    snapped = cast_to_surface(conformed[:, :2], np.asarray(vertices, np.float64), tris[allowed])
    return SurfacePoints(allowed[snapped.triangles], snapped.weights), rms

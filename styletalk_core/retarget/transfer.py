"""Shape keys for a character that has none: our basis's displacements at the correspondence points,
brought into the character's frame and size, spread smoothly over its face (thin-plate RBF) with a
fall-off to zero outside it, the upper and lower lips interpolated separately (the mouth cut)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..face.face_model import FaceModel
from .correspondence import INNER_LOWER, INNER_UPPER, SurfacePoints, similarity_fit

# MediaPipe face-mesh lip contours (outer + inner); the mouth corners belong to both lips
UPPER_LIP = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_LIP = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)


@dataclass(frozen=True)
class TransferSettings:
    inner: float = 0.02  # full displacement within this distance of a point (share of the face width)
    outer: float = 0.05  # none beyond this distance (the neck and the back of the head stay still)
    smoothing: float = 1e-6  # RBF smoothing, relative to the face width squared


@dataclass(frozen=True)
class Transfer:
    deltas: np.ndarray  # (K, V, 3) the character's new shape keys
    scale: float  # character units per pixel of our face model
    face_width: float  # character units (the correspondence points' extent in x)
    fit_rms_px: float


def _mouth_side(vertices: np.ndarray, points: np.ndarray) -> np.ndarray:
    """True for vertices below the mouth line (face towards +z, y up): the seam between the inner
    lips, interpolated across the mouth and held flat beyond the corners."""
    upper, lower = points[list(INNER_UPPER)], points[list(INNER_LOWER)]
    seam = 0.5 * (upper + lower)
    order = np.argsort(seam[:, 0])
    seam_y = np.interp(vertices[:, 0], seam[order, 0], seam[order, 1])
    return vertices[:, 1] < seam_y


def _falloff(vertices: np.ndarray, points: np.ndarray, width: float, settings: TransferSettings) -> np.ndarray:
    from scipy.spatial import cKDTree

    d = cKDTree(points).query(vertices)[0] / width
    t = np.clip((d - settings.inner) / (settings.outer - settings.inner), 0, 1)
    return 1 - t * t * (3 - 2 * t)  # smoothstep from 1 to 0


def transfer_basis(vertices: np.ndarray, tris: np.ndarray, points: SurfacePoints, basis: np.ndarray, face: FaceModel,
                   settings: TransferSettings | None = None) -> Transfer:  # fmt: skip
    """(K, 468, 3) displacements on our face (e.g. face.basis, or the ARKit basis) -> (K, V, 3) on the
    character's vertices (its neutral `vertices`, face towards +z, y up)."""
    from scipy.interpolate import RBFInterpolator

    settings = settings or TransferSettings()
    v = np.asarray(vertices, np.float64)
    p = points.positions(v, tris)
    s, rot, _, rms = similarity_fit(p, face.mean.astype(np.float64))
    moved = np.einsum("kpd,dc->kpc", np.asarray(basis, np.float64), rot) / s  # our pixels -> character units
    width = float(np.ptp(p[:, 0]))
    weight = _falloff(v, p, width, settings)
    near = np.flatnonzero(weight > 0)
    below = _mouth_side(v[near], p)
    out = np.zeros((len(basis), len(v), 3))
    values = moved.transpose(1, 0, 2).reshape(len(p), -1)  # (468, K * 3)
    for side, other_lip in ((False, LOWER_LIP), (True, UPPER_LIP)):
        keep = np.setdiff1d(np.arange(len(p)), [i for i in other_lip if i not in (61, 291, 78, 308)])
        rbf = RBFInterpolator(
            p[keep], values[keep], kernel="thin_plate_spline", smoothing=settings.smoothing * width**2
        )
        idx = near[below == side]
        if len(idx):
            out[:, idx] = rbf(v[idx]).reshape(len(idx), len(basis), 3).transpose(1, 0, 2)
    out *= weight[None, :, None]
    return Transfer(out.astype(np.float32), 1.0 / s, width, rms)

"""Our motion onto any linear basis known at our 468 vertices (ARKit's, or a character's own shape
keys brought through the correspondence): vertex weights of the fit and the solve."""

from __future__ import annotations

import re

import numpy as np

from ..face.face_model import FaceModel
from ..face.landmarks import JAW_POINTS, LIP_VERTICES, mouth_frame, similarity_fit
from .correspondence import SurfacePoints
from .solve import SolveSettings, solve_weights

LIP_WEIGHT = 10.0  # the lips matter most to a viewer: their error counts ten times a vertex elsewhere
DEPTH_WEIGHT = 0.1  # our face model's depth comes from MediaPipe's rough z: it counts a tenth
MOUTH_REACH = 0.9  # "the mouth": our points within this many mouth widths of its centre, and the jaw's
OUTSIDE_COST = 1e-2  # a key moving only outside the mouth costs this much more than sparse (relative to G)


def mouth_region(face: FaceModel) -> np.ndarray:
    """(468,) bool: our points of the mouth (within MOUTH_REACH mouth widths of its centre) and the jaw."""
    centre, width = mouth_frame(face.mean)
    mouth = np.linalg.norm(face.mean - centre, axis=1) < MOUTH_REACH * width
    mouth[list(JAW_POINTS)] = True
    return mouth


def outside_mouth_share(target_basis: np.ndarray, face: FaceModel) -> np.ndarray:
    """(K,) each key's share of its squared motion at our points outside the mouth (0 for a key that
    does not move)."""
    mouth = mouth_region(face)
    energy = (np.asarray(target_basis, np.float64) ** 2).sum(-1)  # (K, 468)
    total = energy.sum(1)
    return np.where(total > 0, energy[:, ~mouth].sum(1) / np.maximum(total, 1e-30), 0.0)


def fit_weights(face: FaceModel) -> np.ndarray:
    """(468 * 3,) square-root weights of each vertex coordinate in the fit."""
    w = np.ones((len(face.mean), 3))
    w[list(LIP_VERTICES)] *= LIP_WEIGHT
    w[:, 2] *= DEPTH_WEIGHT
    return np.sqrt(w).reshape(-1)


def normal_equations(exp: np.ndarray, target_basis: np.ndarray, face: FaceModel) -> tuple[np.ndarray, np.ndarray]:
    """G = A A^T (K, K) and C = B A^T (T, K) for the weighted fit of exp @ our basis by w @ target_basis
    (K, 468, 3), computed in coefficient space (B is never formed)."""
    scale = fit_weights(face)
    a = target_basis.reshape(len(target_basis), -1).astype(np.float64) * scale
    ours = face.basis.reshape(len(face.basis), -1).astype(np.float64) * scale
    return a @ a.T, np.asarray(exp, np.float64) @ (ours @ a.T)


# a key of a character's own set: those that do not help stay at 0, the more so the more they move
# outside the mouth; mirror twins move alike
CHARACTER_SOLVE = SolveSettings(sparse=1e-3, mirror=1e-3, outside=OUTSIDE_COST)
_SIDE = re.compile(r"(?i)(left|right)|(?<![a-z])([lr])(?![a-z])")


def mirror_pairs(names) -> list[tuple[int, int]]:
    """Index pairs of keys named alike but for the side (eye-left-closure / eye-right-closure,
    browDown_L / browDown_R, Smile.L / Smile.R)."""
    sides: dict[str, dict[str, int]] = {}
    for i, name in enumerate(names):
        found = list(_SIDE.finditer(name))
        if len(found) != 1:
            continue
        m = found[0]
        side = (m.group(1) or m.group(2)).lower()[0]
        key = name[: m.start()] + "\0" + name[m.end() :]
        sides.setdefault(key.lower(), {})[side] = i
    return [(pair["l"], pair["r"]) for pair in sides.values() if set(pair) == {"l", "r"}]


def solve_onto(
    exp: np.ndarray,
    target_basis: np.ndarray,
    face: FaceModel,
    settings: SolveSettings | None = None,
    pairs: list[tuple[int, int]] = (),
) -> np.ndarray:
    """(T, 64) expression -> (T, K) weights in [0, 1] of the target basis that best reproduce our motion;
    `pairs` (mirror_pairs) are keys that mirror each other."""
    share = outside_mouth_share(target_basis, face) if settings is not None and settings.outside else None
    return solve_weights(*normal_equations(exp, target_basis, face), settings, pairs, share)


def character_basis(
    points: SurfacePoints, tris: np.ndarray, neutral: np.ndarray, deltas: np.ndarray, face: FaceModel
) -> tuple[np.ndarray, float]:
    """A character's shape keys (K, V, 3) as displacements of our 468 vertices in our face model's frame
    (similarity fit of the character's neutral at the points to our mean face), and the fit's RMS (px)."""
    scale, rot, _, rms = similarity_fit(points.positions(neutral, tris), face.mean.astype(np.float64))
    return scale * np.einsum("kpc,dc->kpd", points.positions(deltas, tris), rot), rms

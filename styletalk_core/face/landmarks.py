"""MediaPipe face-mesh landmarks (468 points): every named set of them the toolkit uses (the rigid
points, the jaw, the lips and the mouth), and similarity alignment of frames. The one set kept
elsewhere is formats.placed.PLACED_POINTS (hand-placed landmarks), which ships in the Blender add-on."""

from __future__ import annotations

import numpy as np

NUM_LANDMARKS = 468
# Rigid-ish points for alignment: forehead, temples, nose bridge and tip, outer eye corners.
STABLE_POINTS = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 33, 263, 133, 362, 127, 356, 234, 454, 108, 337, 67, 297)
# The jaw: the face outline from one jaw angle round the chin to the other, and the chin below the lower lip
JAW_POINTS = (132, 58, 172, 136, 150, 149, 176, 148, 152, 377, 400, 378, 379, 365, 397, 288, 361, 175, 199, 200)

# The lips: each lip's contour, outer then inner, from the mouth corner at the subject's right (61, 78)
# to the one at its left (291, 308); the corners belong to both lips
UPPER_LIP = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LOWER_LIP = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)
MOUTH_CORNERS = (61, 291, 78, 308)  # outer right, outer left, inner right, inner left
LIP_VERTICES = tuple(sorted(set(UPPER_LIP) | set(LOWER_LIP)))  # both lips: mouth metrics, lip-sync features
# the inner lips' contours without their corners: the seam between them is the mouth line
INNER_UPPER = (191, 80, 81, 82, 13, 312, 311, 310, 415)
INNER_LOWER = (95, 88, 178, 87, 14, 317, 402, 318, 324)
LIP_MIDDLES = (13, 14)  # the inner upper and lower lip on the midline
# the inner-lip pairs (upper, lower) whose vertical gap is the mouth opening of the lip-sync metrics
INNER_LIP_PAIRS = ((13, 14), (82, 87), (312, 317))


def mouth_frame(p: np.ndarray) -> tuple[np.ndarray, float]:
    """(the lips' middle, the mouth's width) of 468 points `p` (our face, or our points on a character)."""
    right, left = MOUTH_CORNERS[:2]
    return p[list(LIP_MIDDLES)].mean(0), float(np.linalg.norm(p[left] - p[right]))


def similarity_fit(src: np.ndarray, dst: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, float]:
    """Umeyama, the project's one similarity fit: scale s, rotation R (no reflection), translation t
    minimising |s R src + t - dst| over points (N, D), and the RMS residual."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    a, b = src - mu_s, dst - mu_d
    u, sig, vt = np.linalg.svd(b.T @ a / len(src))
    d = np.ones(len(sig))
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1
    rot = u @ np.diag(d) @ vt
    scale = float((sig * d).sum() / (a**2).sum(1).mean())
    rms = float(np.sqrt(((scale * a @ rot.T - b) ** 2).sum(1).mean()))
    return scale, rot, mu_d - scale * rot @ mu_s, rms


def align_frames(points: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Similarity-align every frame (T, 468, 3) to `reference` (468, 3) on the stable points.
    Returns aligned points, scale (T,), rotation (T, 3, 3) and translation (T, 3); frames whose
    stable points are NaN stay NaN."""
    idx = list(STABLE_POINTS)
    aligned = np.full_like(points, np.nan)
    scales, rots, trans = (
        np.full(len(points), np.nan),
        np.full((len(points), 3, 3), np.nan),
        np.full((len(points), 3), np.nan),
    )
    for t, frame in enumerate(points):
        if np.isnan(frame[idx]).any():
            continue
        s, r, tr, _ = similarity_fit(frame[idx], reference[idx])
        aligned[t] = s * frame @ r.T + tr
        scales[t], rots[t], trans[t] = s, r, tr
    return aligned, scales, rots, trans

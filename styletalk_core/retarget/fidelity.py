"""How faithfully ARKit weights carry our face's motion: solve, rebuild through the ARKit basis, compare."""

from __future__ import annotations

import numpy as np

from ..face.face_model import FaceModel, mouth_opening
from ..face.landmarks import LIP_VERTICES
from .arkit import ArkitBasis, arkit_motion, arkit_weights

UPPER_LID, LOWER_LID = [159, 386], [145, 374]  # left and right eye, MediaPipe indices
BROWS, EYE_CORNERS = [105, 334, 66, 296], [33, 263, 133, 362]


def gap(vertices: np.ndarray, top: list[int], bottom: list[int]) -> np.ndarray:
    return (vertices[:, bottom, 1] - vertices[:, top, 1]).mean(1)


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1]) if a.std() > 1e-9 and b.std() > 1e-9 else float("nan")


def clip_scores(exp: np.ndarray, face: FaceModel, basis: ArkitBasis) -> dict[str, float]:
    """Mouth-opening r, lip error (image plane, about the mean) / lip motion, jawOpen r, blink r, brow r."""
    w = arkit_weights(exp, face, basis)
    ours = np.einsum("tk,kvc->tvc", exp, face.basis)
    back = arkit_motion(w, basis)
    lips = list(LIP_VERTICES)
    a, b = back[:, lips, :2] - back[:, lips, :2].mean(0), ours[:, lips, :2] - ours[:, lips, :2].mean(0)
    n = list(basis.names)
    brow = ours[:, EYE_CORNERS, 1].mean(1) - ours[:, BROWS, 1].mean(1)  # brow height above the eyes
    brow_w = w[:, [n.index("browInnerUp"), n.index("browOuterUpLeft"), n.index("browOuterUpRight")]].sum(1)
    blink_w = w[:, [n.index("eyeBlinkLeft"), n.index("eyeBlinkRight")]].sum(1)
    return {
        "open r": corr(mouth_opening(ours), mouth_opening(back)),
        "lip err": float(np.linalg.norm(a - b, axis=-1).mean() / np.linalg.norm(b, axis=-1).mean()),
        "jaw r": corr(w[:, n.index("jawOpen")], mouth_opening(ours)),
        "blink r": -corr(blink_w, gap(ours, UPPER_LID, LOWER_LID)),
        "brow r": corr(brow_w, brow),
    }

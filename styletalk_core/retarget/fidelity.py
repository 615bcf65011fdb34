"""How faithfully ARKit weights carry our face's motion: solve, rebuild through the ARKit basis, compare."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ArkitFidelity:
    """How much of a clip's motion survives the ARKit solve (rebuilt through ARKit's shapes vs ours)."""

    open_r: float  # mouth opening, rebuilt vs ours
    lip_err: float  # lip error in the image plane about the mean, relative to the lips' motion
    jaw_r: float  # jawOpen's weight vs our mouth opening
    blink_r: float  # the blink weights vs our eyelid gap (closing: positive)
    brow_r: float  # the brow weights vs our brow height

    def row(self) -> dict[str, float]:
        """The measures under the benchmark table's column names."""
        names = ("open r", "lip err", "jaw r", "blink r", "brow r")
        return dict(zip(names, (self.open_r, self.lip_err, self.jaw_r, self.blink_r, self.brow_r), strict=True))


def clip_scores(exp: np.ndarray, face: FaceModel, basis: ArkitBasis) -> ArkitFidelity:
    """Solve `exp` to ARKit weights, rebuild the motion through `basis` and compare it with ours."""
    w = arkit_weights(exp, face, basis)
    ours = np.einsum("tk,kvc->tvc", exp, face.basis)
    back = arkit_motion(w, basis)
    lips = list(LIP_VERTICES)
    a, b = back[:, lips, :2] - back[:, lips, :2].mean(0), ours[:, lips, :2] - ours[:, lips, :2].mean(0)
    n = list(basis.names)
    brow = ours[:, EYE_CORNERS, 1].mean(1) - ours[:, BROWS, 1].mean(1)  # brow height above the eyes
    brow_w = w[:, [n.index("browInnerUp"), n.index("browOuterUpLeft"), n.index("browOuterUpRight")]].sum(1)
    blink_w = w[:, [n.index("eyeBlinkLeft"), n.index("eyeBlinkRight")]].sum(1)
    return ArkitFidelity(
        open_r=corr(mouth_opening(ours), mouth_opening(back)),
        lip_err=float(np.linalg.norm(a - b, axis=-1).mean() / np.linalg.norm(b, axis=-1).mean()),
        jaw_r=corr(w[:, n.index("jawOpen")], mouth_opening(ours)),
        blink_r=-corr(blink_w, gap(ours, UPPER_LID, LOWER_LID)),
        brow_r=corr(brow_w, brow),
    )

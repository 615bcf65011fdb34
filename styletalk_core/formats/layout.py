"""The array layout every file and module shares: expression, pose, official 3DMM coefficients, frame rate."""

from __future__ import annotations

import numpy as np

FPS = 30  # every curve, label and style clip is sampled at 30 frames per second

EXP_DIM = 64  # BFM/FaceWarehouse expression coefficients
POSE_DIM = 9  # angles (3) + translation (3) + crop (scale, tx, ty)
DRIVING_DIM = EXP_DIM + POSE_DIM  # the renderer's per-frame input and the official .npy hand-off

# official Deep3DFaceRecon `coeff` (T, 257): id 0:80, expression 80:144, texture 144:224,
# angles 224:227, lighting 227:254, translation 254:257
COEFF_DIM = 257
EXP_SLICE = slice(80, 144)
ANGLE_SLICE = slice(224, 227)
TRANS_SLICE = slice(254, 257)
# official `transform_params` (T, 5) = [w0, h0, scale, tx, ty]; the pose keeps the crop part
TRANSFORM_DIM = 5
CROP_SLICE = slice(2, 5)

# expression dims produced by the mouth ("lower") and the upper-face decoders (official config)
LOWER_INDICES: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14)
UPPER_INDICES: tuple[int, ...] = tuple(i for i in range(EXP_DIM) if i not in LOWER_INDICES)

EXP_NAMES: tuple[str, ...] = tuple(f"exp{i:02d}" for i in range(EXP_DIM))  # also the shape-key names
POSE_NAMES: tuple[str, ...] = (
    "angle_x", "angle_y", "angle_z", "trans_x", "trans_y", "trans_z", "crop_s", "crop_tx", "crop_ty",
)  # fmt: skip


def driving_array(exp: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """[exp | pose] (T, DRIVING_DIM) float32: the renderer's input and the official .npy hand-off."""
    return np.concatenate([exp, pose], axis=1).astype(np.float32)

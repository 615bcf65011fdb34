"""Our curves as ARKit-52 weights: the ARKit basis on our face model, the solve, head rotations, exports."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..face.face_model import FaceModel, load_face_model
from ..formats.arkit import ARKIT_NAMES, ROTATION_NAMES, write_arkit_json, write_live_link_csv
from ..formats.curves import Curves
from ..formats.errors import InputError
from ..formats.face_file import key_basis
from ..formats.outputs import OutputKind, register
from ..resources import ARKIT_BASIS_FILE
from .solve import SolveSettings, solve_weights
from .targets import normal_equations

LIP_ONLY = ("mouthClose", "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper")


@dataclass(frozen=True)
class ArkitBasis:
    names: tuple[str, ...]
    basis: np.ndarray  # (52, 468, 3) displacement per unit weight, our face model's pixels


@lru_cache(maxsize=1)
def load_arkit_basis() -> ArkitBasis:
    names, basis = key_basis(ARKIT_BASIS_FILE)
    if names != ARKIT_NAMES:
        raise InputError(f"{ARKIT_BASIS_FILE}: names differ from ARKit's 52 (rebuild: scripts/build_arkit_basis.py)")
    return ArkitBasis(names, basis.astype(np.float32))


def arkit_weights(
    exp: np.ndarray,
    face: FaceModel | None = None,
    basis: ArkitBasis | None = None,
    settings: SolveSettings | None = None,
) -> np.ndarray:
    """(T, 64) expression -> (T, 52) ARKit weights in [0, 1] reproducing our face's motion: the
    vertex displacement exp @ our basis is matched by weights @ the ARKit basis (bounded, L2 and
    temporally smooth; see solve.py), in coefficient space, so minutes of animation take a second.

    Two stages: the jaw first, without the shapes that open or close the lips on their own
    (`LIP_ONLY`: with them, any opening can be made by a jaw held open and lips pressed shut or
    rolled in, and jawOpen would stop following the mouth); then every other shape given that jaw,
    those included, for what the jaw alone does not explain."""
    face = face or load_face_model()
    basis = basis or load_arkit_basis()
    gram, cross = normal_equations(exp, basis.basis, face)
    jaw, n = basis.names.index("jawOpen"), len(basis.names)
    first = [k for k in range(n) if basis.names[k] not in LIP_ONLY]
    jaw_w = solve_weights(gram[np.ix_(first, first)], cross[:, first], settings)[:, first.index(jaw)]
    rest = [k for k in range(n) if k != jaw]
    rest_w = solve_weights(gram[np.ix_(rest, rest)], cross[:, rest] - jaw_w[:, None] * gram[jaw, rest], settings)
    weights = np.zeros((len(cross), n), np.float32)
    weights[:, jaw], weights[:, rest] = jaw_w, rest_w
    return weights


def arkit_motion(weights: np.ndarray, basis: ArkitBasis | None = None) -> np.ndarray:
    """(T, 52) weights -> (T, 468, 3) displacement through the ARKit basis."""
    basis = basis or load_arkit_basis()
    return np.einsum("tk,kvc->tvc", weights, basis.basis)


def head_rotations(curves: Curves) -> np.ndarray:
    """(T, 9) Live Link rotations in radians: head yaw, pitch, roll from the curves' pose (the 3DMM
    angles y, x, z), zeros without a pose; the eyes' rotations are 0 (the curves have no gaze)."""
    rot = np.zeros((curves.frames, len(ROTATION_NAMES)))
    if curves.pose is not None:
        angles = curves.pose[:, :3]  # pose = [angles | translation | crop]
        rot[:, 0], rot[:, 1], rot[:, 2] = angles[:, 1], angles[:, 0], angles[:, 2]
    return rot


def _live_link_csv(curves: Curves, path: Path, source: str) -> None:
    write_live_link_csv(path, arkit_weights(curves.exp), curves.fps, head_rotations(curves))


def _arkit_json(curves: Curves, path: Path, source: str) -> None:
    meta = {"source": curves.meta.get("model", "curves")}
    write_arkit_json(path, arkit_weights(curves.exp), curves.fps, head_rotations(curves), meta=meta)


register(
    OutputKind(
        "arkit-csv",
        "arkit.csv",
        "the Live Link Face app's CSV: 52 ARKit weights and the head's rotation",
        _live_link_csv,
    ),
    OutputKind("arkit-json", "arkit.json", "the 52 ARKit weights per frame as JSON", _arkit_json),
)
